package jvisor.kernel.signal;

import jvisor.cpu.CpuState;
import jvisor.cpu.Reg;
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
 * the 512-byte FXSAVE image is placed 64-byte aligned, and the frame below it so that
 * (frame + 8) % 16 == 0, i.e. rsp on handler entry is as right after a call. jvisor's CPU does
 * not advertise XSAVE, so the FP state is the legacy FXSAVE layout, its software-reserved bytes
 * (464..511) are zero and uc_flags has no UC_FP_XSTATE.
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
    public static final int FXSAVE_SIZE = 512, RED_ZONE = 128;
    public static final long UC_FP_XSTATE = 1, UC_SIGCONTEXT_SS = 2, UC_STRICT_RESTORE_SS = 4;
    public static final int USER_CS = 0x33, USER_DS = 0x2b;
    /** FIX_EFLAGS: the flags rt_sigreturn takes from the frame (AC OF DF TF SF ZF AF PF CF RF). */
    public static final long FIX_EFLAGS = 0x40000 | 0x800 | 0x400 | 0x100 | 0x80 | 0x40 | 0x10 | 0x4 | 0x1 | 0x10000;

    /** The x87 control word FXRSTOR loads: bits 0-5 and 8-12, bit 6 set. */
    private static int loadControl(int v) {
        return (v & 0x1F3F) | 0x0040;
    }

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
        long fp = (sp - FXSAVE_SIZE) & ~63L;
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
            writeFxsave(m, fp, s);
            m.write64(frame + PRETCODE, a.restorer());
            m.write64(frame + UC_FLAGS, UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS);
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
        initFpu(s);
        // SS_AUTODISARM: the alternate stack is disabled while the handler runs (signal_delivered).
        if ((t.altStackFlags & Signals.SS_AUTODISARM) != 0) {
            t.altStackSp = 0;
            t.altStackSize = 0;
            t.altStackFlags = Signals.SS_DISABLE;
        }
        return true;
    }

    /** The FPU and SSE state after FNINIT with MXCSR and the XMM registers at their reset values. */
    static void initFpu(CpuState s) {
        s.fpuControl = 0x037F;
        s.fpuStatus = 0;
        s.fpuTags = 0;
        s.fpuIp = 0;
        s.fpuDp = 0;
        s.fpuOpcode = 0;
        s.mxcsr = 0x1F80;
        java.util.Arrays.fill(s.xmm, 0);
    }

    /** FXSAVE64's 512-byte image (SDM Vol. 1 Table 10-2), reserved and software bytes zero. */
    static void writeFxsave(AddressSpace m, long a, CpuState s) {
        m.fill(a, FXSAVE_SIZE, (byte) 0);
        m.write16(a, s.fpuControl);
        m.write16(a + 2, s.fpuStatus);
        m.write8(a + 4, s.fpuTags & 0xFF);
        m.write16(a + 6, s.fpuOpcode);
        m.write64(a + 8, s.fpuIp);
        m.write64(a + 16, s.fpuDp);
        m.write32(a + 24, s.mxcsr);
        m.write32(a + 28, 0xFFFF); // MXCSR_MASK
        int top = (s.fpuStatus >>> 11) & 7;
        for (int k = 0; k < 8; k++) {
            int phys = (top + k) & 7;
            m.write64(a + 32 + 16L * k, s.fpuMant[phys]);
            m.write16(a + 40 + 16L * k, s.fpuSexp[phys]);
        }
        for (int k = 0; k < 32; k++) m.write64(a + 160 + 8L * k, s.xmm[k]);
    }

    static void readFxsave(AddressSpace m, long a, CpuState s) {
        int cw = m.read16(a);
        int sw = m.read16(a + 2);
        int tags = m.read8(a + 4);
        int fop = m.read16(a + 6) & 0x7FF;
        long fip = m.read64(a + 8), fdp = m.read64(a + 16);
        int mxcsr = m.read32(a + 24) & 0xFFFF; // fpu__restore_sig masks with mxcsr_feature_mask
        long[] mant = new long[8];
        int[] sexp = new int[8];
        int top = (sw >>> 11) & 7;
        for (int k = 0; k < 8; k++) {
            int phys = (top + k) & 7;
            mant[phys] = m.read64(a + 32 + 16L * k);
            sexp[phys] = m.read16(a + 40 + 16L * k);
        }
        long[] xmm = new long[32];
        for (int k = 0; k < 32; k++) xmm[k] = m.read64(a + 160 + 8L * k);
        // Everything was readable: commit.
        s.fpuControl = loadControl(cw);
        s.fpuStatus = (sw & ~s.fpuControl & 0x3F) != 0 ? sw | 0x8080 : sw & ~0x8080;
        s.fpuTags = tags;
        s.fpuOpcode = fop;
        s.fpuIp = fip;
        s.fpuDp = fdp;
        s.mxcsr = mxcsr;
        System.arraycopy(mant, 0, s.fpuMant, 0, 8);
        System.arraycopy(sexp, 0, s.fpuSexp, 0, 8);
        System.arraycopy(xmm, 0, s.xmm, 0, 32);
    }

    // ---------------------------------------------------------------- rt_sigreturn

    /**
     * rt_sigreturn(2): restores the context saved at rsp - 8 (the restorer's ret popped
     * pretcode). Returns false on a bad frame (the caller forces SIGSEGV). The mask is returned
     * through t.sigmask; rax is the restored one.
     */
    public static boolean restore(Task t) {
        CpuState s = t.regs;
        long[] r = s.r;
        long frame = r[Reg.RSP] - 8;
        AddressSpace m = t.memory();
        long[] g = new long[16];
        long rip, flags, fpstate, mask, ssSp, ssSize;
        int ssFlags;
        try {
            mask = m.read64(frame + UC_SIGMASK);
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
            ssSp = m.read64(frame + UC_STACK);
            ssFlags = m.read32(frame + UC_STACK + 8);
            ssSize = m.read64(frame + UC_STACK + 16);
            if (fpstate != 0) {
                if ((fpstate & 15) != 0) return false;
                CpuState tmp = new CpuState();
                readFxsave(m, fpstate, tmp);
                copyFpu(tmp, s);
            } else {
                initFpu(s);
            }
        } catch (jvisor.mmu.PageFault f) {
            return false;
        }
        t.sigmask = mask & ~Signals.UNBLOCKABLE;
        System.arraycopy(g, 0, r, 0, 16);
        s.rip = rip;
        s.setRflags((s.rflags() & ~FIX_EFLAGS) | (flags & FIX_EFLAGS));
        // restore_altstack: do_sigaltstack with the saved stack_t, errors (EPERM when on it) ignored.
        jvisor.kernel.signal.AltStack.set(t, ssSp, ssFlags, ssSize, r[Reg.RSP]);
        return true;
    }

    private static void copyFpu(CpuState from, CpuState to) {
        to.fpuControl = from.fpuControl;
        to.fpuStatus = from.fpuStatus;
        to.fpuTags = from.fpuTags;
        to.fpuOpcode = from.fpuOpcode;
        to.fpuIp = from.fpuIp;
        to.fpuDp = from.fpuDp;
        to.mxcsr = from.mxcsr;
        System.arraycopy(from.fpuMant, 0, to.fpuMant, 0, 8);
        System.arraycopy(from.fpuSexp, 0, to.fpuSexp, 0, 8);
        System.arraycopy(from.xmm, 0, to.xmm, 0, 32);
    }
}
