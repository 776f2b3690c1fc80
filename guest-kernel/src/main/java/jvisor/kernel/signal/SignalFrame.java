package jvisor.kernel.signal;

import jvisor.cpu.CpuState;
import jvisor.cpu.Reg;
import jvisor.cpu.insn.XSave;
import jvisor.kernel.abi.Signals;
import jvisor.kernel.proc.Task;
import jvisor.mmu.AddressSpace;

/**
 * Linux's x86-64 signal frame (arch/x86/kernel/signal.c get_sigframe, signal_64.c
 * x64_setup_rt_frame and rt_sigreturn, arch/x86/include/uapi/asm/sigcontext.h), byte for byte:
 * <pre>
 * struct rt_sigframe {                 //   0
 *     char *pretcode;                  //   0  sa_restorer: the handler's return address
 *     struct ucontext uc;              //   8  uc_flags 8, uc_link 16, uc_stack 24 (ss_sp 24,
 *                                      //      ss_flags 32, ss_size 40), uc_mcontext 48, uc_sigmask 304
 *     struct siginfo info;             // 312  128 bytes, written only with SA_SIGINFO
 * };                                   // 440
 * struct sigcontext_64 (uc_mcontext, 256 bytes): r8..r15 0..56, rdi 64, rsi 72, rbp 80, rbx 88,
 *     rdx 96, rax 104, rcx 112, rsp 120, rip 128, eflags 136, cs 144, gs 146, fs 148, ss 150,
 *     err 152, trapno 160, oldmask 168, cr2 176, fpstate 184, reserved1[8] 192
 * </pre>
 * Below the interrupted rsp the 128-byte red zone is skipped (or the alternate stack is used),
 * the FP state is placed 64-byte aligned (fpu__alloc_mathframe), and the frame below it so that
 * (frame + 8) % 16 == 0, i.e. rsp on handler entry is as right after a call.
 *
 * <p>The CPU has XSAVE, so the FP state is what copy_fpstate_to_sigframe writes on such a CPU
 * (arch/x86/kernel/fpu/signal.c): the XSAVE64 image of x87, SSE and AVX ({@link XSave#SIZE} = 832
 * bytes: legacy region, header, YMM bits 255:128), whose software-reserved bytes 464..511 hold
 * struct _fpx_sw_bytes (arch/x86/include/uapi/asm/sigcontext.h):
 * <pre>
 *   magic1 464 = FP_XSTATE_MAGIC1, extended_size 468 = 836, xfeatures 472 = XCR0,
 *   xstate_size 480 = 832, padding[7] 484..511 = 0
 * </pre>
 * followed by FP_XSTATE_MAGIC2 at +832, 836 bytes in all; uc_flags has UC_FP_XSTATE.
 * rt_sigreturn (__fpu_restore_sig) loads the image with XRSTOR for the features the software
 * bytes name when both magic words are there, and as a bare FXSAVE image otherwise; the
 * components not loaded go back to their initial configuration. An image the instruction refuses
 * (#GP: misaligned, a malformed header, reserved MXCSR bits) or cannot read resets the FPU and
 * makes rt_sigreturn fail with SIGSEGV.
 */
public final class SignalFrame {
    private SignalFrame() {}

    public static final int PRETCODE = 0, UC = 8, UC_FLAGS = 8, UC_LINK = 16, UC_STACK = 24, UC_MCONTEXT = 48,
            UC_SIGMASK = 304, INFO = 312, SIZE = 440;
    /** Offsets inside struct sigcontext. */
    public static final int SC_R8 = 0, SC_RDI = 64, SC_RSI = 72, SC_RBP = 80, SC_RBX = 88, SC_RDX = 96, SC_RAX = 104,
            SC_RCX = 112, SC_RSP = 120, SC_RIP = 128, SC_EFLAGS = 136, SC_CS = 144, SC_GS = 146, SC_FS = 148,
            SC_SS = 150, SC_ERR = 152, SC_TRAPNO = 160, SC_OLDMASK = 168, SC_CR2 = 176, SC_FPSTATE = 184,
            SC_SIZE = 256;
    public static final int RED_ZONE = 128;
    /** Offsets in the FP state: struct _fpx_sw_bytes in the legacy region's software-reserved bytes. */
    public static final int FP_SW_MAGIC1 = 464, FP_SW_EXTENDED_SIZE = 468, FP_SW_XFEATURES = 472,
            FP_SW_XSTATE_SIZE = 480, FP_SW_END = 512;
    /** The FP state's size: the XSAVE image and FP_XSTATE_MAGIC2 after it (xstate_sigframe_size). */
    public static final int FPSTATE_SIZE = XSave.SIZE + 4;
    public static final int FP_XSTATE_MAGIC1 = 0x46505853, FP_XSTATE_MAGIC2 = 0x46505845;
    public static final long UC_FP_XSTATE = 1, UC_SIGCONTEXT_SS = 2, UC_STRICT_RESTORE_SS = 4;
    public static final int USER_CS = 0x33, USER_DS = 0x2b;
    /** FIX_EFLAGS: the flags rt_sigreturn takes from the frame (AC OF DF TF SF ZF AF PF CF RF). */
    public static final long FIX_EFLAGS = 0x40000 | 0x800 | 0x400 | 0x100 | 0x80 | 0x40 | 0x10 | 0x4 | 0x1 | 0x10000;

    // ---------------------------------------------------------------- alternate stack

    /** __on_sig_stack: sp in (ss_sp, ss_sp + ss_size]. */
    static boolean onStack(Task t, long sp) {
        return Long.compareUnsigned(sp, t.altStackSp) > 0 && Long.compareUnsigned(sp - t.altStackSp, t.altStackSize) <= 0;
    }

    /** on_sig_stack: never true with SS_AUTODISARM. */
    public static boolean onSigStack(Task t, long sp) {
        if ((t.altStackFlags & Signals.SS_AUTODISARM) != 0) return false;
        return onStack(t, sp);
    }

    /** sas_ss_flags(sp). */
    public static int sasSsFlags(Task t, long sp) {
        if (t.altStackSize == 0) return Signals.SS_DISABLE;
        return onSigStack(t, sp) ? Signals.SS_ONSTACK : 0;
    }

    // ---------------------------------------------------------------- building

    /**
     * Where the frame of a signal goes (get_sigframe); returns {frame, fpstate}, or null if the
     * alternate stack would overflow.
     */
    static long[] place(Task t, long rsp, boolean onStackFlag) {
        boolean nested = onSigStack(t, rsp);
        boolean entering = false;
        long sp = rsp - RED_ZONE;
        if (onStackFlag && sasSsFlags(t, sp) == 0) {
            sp = t.altStackSp + t.altStackSize;
            entering = true;
        }
        long fp = (sp - FPSTATE_SIZE) & ~63L;
        long frame = ((fp - SIZE) & ~15L) - 8;
        if ((nested || entering) && !onStack(t, frame)) return null;
        return new long[] {frame, fp};
    }

    /**
     * Builds the frame for a handler and points the registers at it (x64_setup_rt_frame and
     * handle_signal). Returns false if the frame cannot be written (the caller forces SIGSEGV).
     *
     * @param savedMask the mask the interrupted code had (rt_sigsuspend's saved one if any)
     */
    public static boolean setup(Task t, SigInfo info, SigAction a, long savedMask) {
        if ((a.flags() & Signals.SA_RESTORER) == 0) return false; // "x86-64 should always use SA_RESTORER"
        CpuState s = t.regs;
        long[] r = s.r;
        long[] where = place(t, r[Reg.RSP], (a.flags() & Signals.SA_ONSTACK) != 0);
        if (where == null) return false;
        long frame = where[0], fp = where[1];
        AddressSpace m = t.memory();
        try {
            saveFpstate(m, fp, s);
            m.write64(frame + PRETCODE, a.restorer());
            m.write64(frame + UC_FLAGS, UC_FP_XSTATE | UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS);
            m.write64(frame + UC_LINK, 0);
            m.write64(frame + UC_STACK, t.altStackSp);
            m.write64(frame + UC_STACK + 8, t.altStackFlags & 0xFFFFFFFFL);
            m.write64(frame + UC_STACK + 16, t.altStackSize);
            long sc = frame + UC_MCONTEXT;
            for (int i = 0; i < 8; i++) m.write64(sc + SC_R8 + 8L * i, r[Reg.R8 + i]);
            m.write64(sc + SC_RDI, r[Reg.RDI]);
            m.write64(sc + SC_RSI, r[Reg.RSI]);
            m.write64(sc + SC_RBP, r[Reg.RBP]);
            m.write64(sc + SC_RBX, r[Reg.RBX]);
            m.write64(sc + SC_RDX, r[Reg.RDX]);
            m.write64(sc + SC_RAX, r[Reg.RAX]);
            m.write64(sc + SC_RCX, r[Reg.RCX]);
            m.write64(sc + SC_RSP, r[Reg.RSP]);
            m.write64(sc + SC_RIP, s.rip);
            m.write64(sc + SC_EFLAGS, s.rflags());
            m.write16(sc + SC_CS, USER_CS);
            m.write16(sc + SC_GS, 0);
            m.write16(sc + SC_FS, 0);
            m.write16(sc + SC_SS, USER_DS);
            m.write64(sc + SC_ERR, t.trapError);
            m.write64(sc + SC_TRAPNO, t.trapNo);
            m.write64(sc + SC_OLDMASK, savedMask);
            m.write64(sc + SC_CR2, t.cr2);
            m.write64(sc + SC_FPSTATE, fp);
            for (int i = 0; i < 8; i++) m.write64(sc + 192 + 8L * i, 0);
            m.write64(frame + UC_SIGMASK, savedMask);
            if ((a.flags() & Signals.SA_SIGINFO) != 0) info.write(m, frame + INFO);
        } catch (jvisor.mmu.PageFault f) {
            return false;
        }
        r[Reg.RDI] = info.signo;
        r[Reg.RAX] = 0;
        r[Reg.RSI] = frame + INFO;
        r[Reg.RDX] = frame + UC;
        r[Reg.RSP] = frame;
        s.rip = a.handler();
        // Handlers start with DF, TF and RF clear and a fresh FPU (fpu__clear_user_states).
        s.setRflags(s.rflags() & ~(jvisor.cpu.Flags.DF | jvisor.cpu.Flags.TF | 0x10000L));
        XSave.initialize(s, XSave.XCR0);
        // SS_AUTODISARM: the alternate stack is disabled while the handler runs (signal_delivered).
        if ((t.altStackFlags & Signals.SS_AUTODISARM) != 0) {
            t.altStackSp = 0;
            t.altStackSize = 0;
            t.altStackFlags = Signals.SS_DISABLE;
        }
        return true;
    }

    /**
     * copy_fpstate_to_sigframe on a CPU with XSAVE: the XSAVE64 image (over zeroed bytes, as the
     * kernel clears the header first), the software bytes and FP_XSTATE_MAGIC2.
     */
    static void saveFpstate(AddressSpace m, long fp, CpuState s) {
        m.fill(fp, FPSTATE_SIZE, (byte) 0);
        XSave.saveImage(s, m, fp);
        m.write32(fp + FP_SW_MAGIC1, FP_XSTATE_MAGIC1);
        m.write32(fp + FP_SW_EXTENDED_SIZE, FPSTATE_SIZE);
        m.write64(fp + FP_SW_XFEATURES, XSave.XCR0);
        m.write32(fp + FP_SW_XSTATE_SIZE, XSave.SIZE);
        m.write32(fp + XSave.SIZE, FP_XSTATE_MAGIC2);
    }

    /**
     * __fpu_restore_sig for a 64-bit frame: the XSAVE image when both magic words are in place
     * (check_xstate_in_sigframe), else the legacy FXSAVE image; components not loaded are reset.
     * False (the caller resets the FPU) where XRSTOR or FXRSTOR would fault.
     */
    static boolean restoreFpstate(AddressSpace m, long fp, CpuState s) {
        if (fp == 0) { // no FP state: fpu__clear_user_states
            XSave.initialize(s, XSave.XCR0);
            return true;
        }
        int magic1 = m.read32(fp + FP_SW_MAGIC1);
        long xfeatures = m.read64(fp + FP_SW_XFEATURES);
        m.read32(fp + FP_SW_END - 4); // the whole of struct _fpx_sw_bytes is copied in
        // A bad magic1 or magic2 is no error: the image is taken for an FXSAVE one (fx_only).
        boolean xstate = magic1 == FP_XSTATE_MAGIC1 && m.read32(fp + XSave.SIZE) == FP_XSTATE_MAGIC2;
        long loaded;
        if (xstate) {
            if ((fp & 63) != 0 || !XSave.restoreImage(s, m, fp, xfeatures)) return false;
            loaded = xfeatures & XSave.XCR0;
        } else {
            if ((fp & 15) != 0 || !XSave.restoreLegacyImage(s, m, fp)) return false;
            loaded = 3;
        }
        XSave.initialize(s, XSave.XCR0 & ~loaded);
        return true;
    }

    // ---------------------------------------------------------------- rt_sigreturn

    /**
     * rt_sigreturn(2): restores the context saved at rsp - 8 (the restorer's ret popped pretcode),
     * in Linux's order: the signal mask, the registers, the FP state, the alternate stack. Returns
     * false on a bad frame (the caller forces SIGSEGV): what was restored before the failure
     * stays, and a refused FP state leaves the FPU reset (fpu__restore_sig). rax is the restored one.
     */
    public static boolean restore(Task t) {
        CpuState s = t.regs;
        long[] r = s.r;
        long frame = r[Reg.RSP] - 8;
        AddressSpace m = t.memory();
        long[] g = new long[16];
        long rip, flags, fpstate, ssSp, ssSize;
        int ssFlags;
        try {
            long mask = m.read64(frame + UC_SIGMASK);
            m.read64(frame + UC_FLAGS); // read by Linux for the SS fix-up, which 64-bit jvisor frames never need
            t.sigmask = mask & ~Signals.UNBLOCKABLE;
            long sc = frame + UC_MCONTEXT;
            for (int i = 0; i < 8; i++) g[Reg.R8 + i] = m.read64(sc + SC_R8 + 8L * i);
            g[Reg.RDI] = m.read64(sc + SC_RDI);
            g[Reg.RSI] = m.read64(sc + SC_RSI);
            g[Reg.RBP] = m.read64(sc + SC_RBP);
            g[Reg.RBX] = m.read64(sc + SC_RBX);
            g[Reg.RDX] = m.read64(sc + SC_RDX);
            g[Reg.RAX] = m.read64(sc + SC_RAX);
            g[Reg.RCX] = m.read64(sc + SC_RCX);
            g[Reg.RSP] = m.read64(sc + SC_RSP);
            rip = m.read64(sc + SC_RIP);
            flags = m.read64(sc + SC_EFLAGS);
            fpstate = m.read64(sc + SC_FPSTATE);
        } catch (jvisor.mmu.PageFault f) {
            return false;
        }
        System.arraycopy(g, 0, r, 0, 16);
        s.rip = rip;
        s.setRflags((s.rflags() & ~FIX_EFLAGS) | (flags & FIX_EFLAGS));
        boolean fpRestored;
        try {
            fpRestored = restoreFpstate(m, fpstate, s);
        } catch (jvisor.mmu.PageFault f) {
            fpRestored = false;
        }
        if (!fpRestored) {
            XSave.initialize(s, XSave.XCR0);
            return false;
        }
        try {
            ssSp = m.read64(frame + UC_STACK);
            ssFlags = m.read32(frame + UC_STACK + 8);
            ssSize = m.read64(frame + UC_STACK + 16);
        } catch (jvisor.mmu.PageFault f) {
            return false;
        }
        // restore_altstack: do_sigaltstack with the saved stack_t, errors (EPERM when on it) ignored.
        AltStack.set(t, ssSp, ssFlags, ssSize, r[Reg.RSP]);
        return true;
    }
}
