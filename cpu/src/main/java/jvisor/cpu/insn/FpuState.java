package jvisor.cpu.insn;

import jvisor.cpu.Cpu;
import jvisor.cpu.CpuFault;
import jvisor.cpu.CpuState;
import jvisor.cpu.Reg;
import jvisor.cpu.decode.Insn;
import jvisor.cpu.decode.OpcodeTable;
import jvisor.cpu.fpu.F80;
import jvisor.mmu.Access;
import jvisor.mmu.GuestMemory;
import jvisor.mmu.Tlb;

/**
 * Floating-point state management (Intel SDM Vol. 1, 10.5 "FXSAVE and FXRSTOR", 8.1.5-8.1.10 for
 * the x87 control, status and tag words and the instruction/data pointers, 8.1.10 "Saving the
 * x87 FPU's state"; Vol. 2, the instructions' pages):
 * <pre>
 *   NP 0F AE /2 mem  LDMXCSR          NP 0F AE /3 mem  STMXCSR
 *   NP 0F AE /0 mem  FXSAVE(64)       NP 0F AE /1 mem  FXRSTOR(64)
 *   D9 /7 mem        FNSTCW m16       D9 /5 mem        FLDCW m16
 *   DD /7 mem        FNSTSW m16       DF E0            FNSTSW AX
 *   9B               FWAIT            DB E2            FNCLEX           DB E3  FNINIT
 *   D9 /6 mem        FNSTENV          D9 /4 mem        FLDENV
 *   DD /6 mem        FNSAVE           DD /4 mem        FRSTOR
 * </pre>
 * FNSTENV/FLDENV use the 28-byte 32-bit protected-mode environment (SDM Figure 8-9), which
 * 64-bit mode also uses, or with a 0x66 prefix the 14-byte 16-bit one (Figure 8-10); FNSAVE and
 * FRSTOR add the eight registers in ST order, 10 bytes each. The stored tag word is computed from
 * the register contents (valid, zero, special, empty); a loaded one only tells empty (11) from
 * not empty (SDM 8.1.7). FXSAVE stores the abridged tag byte and, with REX.W, 64-bit FIP and
 * FDP (FCS and FDS are stored as zero, as CPUs with CPUID.(EAX=7,ECX=0):EBX[13] do).
 *
 * <p>FWAIT, FLDCW, FLDENV and FRSTOR are waiting instructions: they raise #MF if an unmasked
 * exception is pending; FNSTCW, FNSTSW, FNCLEX, FNINIT, FNSTENV, FNSAVE, FXSAVE and FXRSTOR
 * never do. None of them changes FIP, FDP or FOP, except the loads and FNINIT.
 */
final class FpuState {
    private FpuState() {}

    /** MXCSR bits that may be set: all 16 low ones (DAZ included). FXSAVE reports it as MXCSR_MASK. */
    static final int MXCSR_MASK = 0xFFFF;
    /** FCW as the hardware keeps it: bits 0-5 and 8-12 writable, bit 6 reads as one, bits 7 and 13-15 as zero. */
    private static final int FCW_WRITABLE = 0x1F3F, FCW_FIXED = 0x0040;
    private static final int FCW_INIT = 0x037F;

    static void register(OpcodeTable t) {
        t.row("NP 0F AE /2 mem", "ldmxcsr Md", FpuState::ldmxcsr);
        t.row("NP 0F AE /3 mem", "stmxcsr Md", (c, i) -> c.mem().write32(c.ea(i), c.state.mxcsr));
        t.row("NP 0F AE /0 mem", "fxsave M", FpuState::fxsave);
        t.row("NP 0F AE /1 mem", "fxrstor M", FpuState::fxrstor);

        t.row("D9 /7 mem", "fnstcw Mw", (c, i) -> c.mem().write16(c.ea(i), c.state.fpuControl));
        t.row("D9 /5 mem", "fldcw Mw", FpuState::fldcw);
        t.row("DD /7 mem", "fnstsw Mw", (c, i) -> c.mem().write16(c.ea(i), c.state.fpuStatus));
        t.row("DF /4 reg rm0", "fnstsw AX", (c, i) -> c.setReg(Reg.RAX, 2, c.state.fpuStatus));
        t.row("9B", "fwait", (c, i) -> X87.check(c.state));
        t.row("DB /4 reg rm2", "fnclex", (c, i) -> c.state.fpuStatus &= ~0x80FF);
        t.row("DB /4 reg rm3", "fninit", (c, i) -> init(c.state));
        t.row("D9 /6 mem", "fnstenv M", (c, i) -> fnstenv(c, i, false));
        t.row("D9 /4 mem", "fldenv M", (c, i) -> fldenv(c, i, false));
        t.row("DD /6 mem", "fnsave M", (c, i) -> fnstenv(c, i, true));
        t.row("DD /4 mem", "frstor M", (c, i) -> fldenv(c, i, true));
    }

    private static int loadControl(int v) {
        return (v & FCW_WRITABLE) | FCW_FIXED;
    }

    /** ES and B follow the exception flags not masked by the control word. */
    private static int summary(int sw, int cw) {
        return (sw & ~cw & 0x3F) != 0 ? sw | F80.ES | F80.B : sw & ~(F80.ES | F80.B);
    }

    private static void ldmxcsr(Cpu c, Insn i) {
        int v = c.mem().read32(c.ea(i));
        if ((v & ~MXCSR_MASK) != 0) throw CpuFault.generalProtection();
        c.state.mxcsr = v;
    }

    private static void fldcw(Cpu c, Insn i) {
        int v = c.mem().read16(c.ea(i));
        CpuState s = c.state;
        X87.check(s);
        s.fpuControl = loadControl(v);
        s.fpuStatus = summary(s.fpuStatus, s.fpuControl);
    }

    /** FNINIT (SDM FINIT): default control word, status 0, all registers empty, pointers cleared. */
    static void init(CpuState s) {
        s.fpuControl = FCW_INIT;
        s.fpuStatus = 0;
        s.fpuTags = 0;
        s.fpuIp = 0;
        s.fpuDp = 0;
        s.fpuOpcode = 0;
    }

    /** The full tag word (two bits per physical register) computed from the contents. */
    static int fullTags(CpuState s) {
        int w = 0;
        for (int r = 0; r < 8; r++) {
            int tg = (s.fpuTags >>> r & 1) == 0 ? 3 : F80.tag(s.fpuSexp[r], s.fpuMant[r]);
            w |= tg << (2 * r);
        }
        return w;
    }

    /** Abridged tags from a full tag word: a register is empty only when its tag is 11. */
    private static int abridge(int ftw) {
        int a = 0;
        for (int r = 0; r < 8; r++) {
            if ((ftw >>> (2 * r) & 3) != 3) a |= 1 << r;
        }
        return a;
    }

    /**
     * FNSTENV (and FNSAVE with registers): the environment in the 28-byte format, reserved halves
     * read as 0xFFFF as the hardware stores them; then all exceptions are masked (FNSTENV) or the
     * FPU is initialized (FNSAVE).
     */
    private static void fnstenv(Cpu c, Insn i, boolean save) {
        long a = c.ea(i);
        Tlb m = c.mem();
        boolean small = i.opsize == 2;
        int envSize = small ? 14 : 28;
        m.translate(a, Access.WRITE);
        m.translate(a + envSize + (save ? 80 : 0) - 1, Access.WRITE);
        CpuState s = c.state;
        int ftw = fullTags(s);
        if (small) {
            m.write16(a, s.fpuControl);
            m.write16(a + 2, s.fpuStatus);
            m.write16(a + 4, ftw);
            m.write16(a + 6, (int) s.fpuIp);
            m.write16(a + 8, 0); // FCS
            m.write16(a + 10, (int) s.fpuDp);
            m.write16(a + 12, 0); // FDS
        } else {
            m.write32(a, s.fpuControl | 0xFFFF0000);
            m.write32(a + 4, s.fpuStatus | 0xFFFF0000);
            m.write32(a + 8, ftw | 0xFFFF0000);
            m.write32(a + 12, (int) s.fpuIp);
            m.write32(a + 16, s.fpuOpcode << 16); // FOP, FCS = 0
            m.write32(a + 20, (int) s.fpuDp);
            m.write32(a + 24, 0xFFFF0000); // FDS = 0
        }
        if (save) {
            long p = a + envSize;
            for (int k = 0; k < 8; k++) {
                int r = X87.phys(s, k);
                m.write64(p + 10L * k, s.fpuMant[r]);
                m.write16(p + 10L * k + 8, s.fpuSexp[r]);
            }
            init(s);
        } else {
            s.fpuControl |= 0x3F;
            s.fpuStatus = summary(s.fpuStatus, s.fpuControl); // everything masked: nothing pending any more
        }
    }

    private static void fldenv(Cpu c, Insn i, boolean restore) {
        long a = c.ea(i);
        Tlb m = c.mem();
        CpuState s = c.state;
        boolean small = i.opsize == 2;
        int envSize = small ? 14 : 28;
        m.translate(a, Access.READ);
        m.translate(a + envSize + (restore ? 80 : 0) - 1, Access.READ);
        X87.check(s);
        int cw, sw, ftw;
        long ip, dp;
        int op;
        if (small) {
            cw = m.read16(a);
            sw = m.read16(a + 2);
            ftw = m.read16(a + 4);
            ip = m.read16(a + 6);
            dp = m.read16(a + 10);
            op = 0;
        } else {
            cw = m.read16(a);
            sw = m.read16(a + 4);
            ftw = m.read16(a + 8);
            ip = m.read32(a + 12) & 0xFFFFFFFFL;
            op = m.read16(a + 18) & 0x7FF;
            dp = m.read32(a + 20) & 0xFFFFFFFFL;
        }
        s.fpuControl = loadControl(cw);
        s.fpuStatus = summary(sw, s.fpuControl); // ES and B are recomputed from the loaded flags and masks
        s.fpuTags = abridge(ftw);
        s.fpuIp = ip;
        s.fpuDp = dp;
        s.fpuOpcode = op;
        if (restore) {
            long p = a + envSize;
            for (int k = 0; k < 8; k++) {
                int r = X87.phys(s, k);
                s.fpuMant[r] = m.read64(p + 10L * k);
                s.fpuSexp[r] = m.read16(p + 10L * k + 8);
            }
        }
    }

    private static long area(Cpu c, Insn i, Access access) {
        long a = c.ea(i);
        if ((a & 15) != 0) throw CpuFault.generalProtection();
        // Probe both ends first, so that a page fault leaves nothing half done.
        c.mem().translate(a, access);
        c.mem().translate(a + 511, access);
        return a;
    }

    /**
     * The 512-byte FXSAVE image, SDM Vol. 1 Table 10-2; bytes 416-511 are left untouched. With
     * REX.W (FXSAVE64) FIP and FDP are 64 bits wide; without it they are 32-bit offsets followed
     * by the (zero) selectors.
     */
    private static void fxsave(Cpu c, Insn i) {
        long a = area(c, i, Access.WRITE);
        CpuState s = c.state;
        Tlb m = c.mem();
        saveX87(s, m, a, i.hasPrefix(Insn.P_REXW));
        m.write32(a + 24, s.mxcsr);
        m.write32(a + 28, MXCSR_MASK);
        for (int k = 0; k < 32; k++) m.write64(a + 160 + 8L * k, s.xmm[k]);
    }

    /** The x87 part of the FXSAVE/XSAVE image at a: bytes 0-23 and 32-159 (64-bit FIP and FDP when wide). */
    static void saveX87(CpuState s, GuestMemory m, long a, boolean wide) {
        m.write16(a, s.fpuControl);
        m.write16(a + 2, s.fpuStatus);
        m.write16(a + 4, s.fpuTags & 0xFF);
        m.write16(a + 6, s.fpuOpcode);
        if (wide) {
            m.write64(a + 8, s.fpuIp);
            m.write64(a + 16, s.fpuDp);
        } else {
            m.write64(a + 8, s.fpuIp & 0xFFFFFFFFL);
            m.write64(a + 16, s.fpuDp & 0xFFFFFFFFL);
        }
        for (int k = 0; k < 8; k++) {
            int r = X87.phys(s, k);
            m.write64(a + 32 + 16L * k, s.fpuMant[r]);
            m.write64(a + 40 + 16L * k, s.fpuSexp[r] & 0xFFFF);
        }
    }

    private static void fxrstor(Cpu c, Insn i) {
        long a = area(c, i, Access.READ);
        if (!restoreLegacy(c.state, c.mem(), a, i.hasPrefix(Insn.P_REXW))) throw CpuFault.generalProtection();
    }

    /**
     * FXRSTOR's load of the 512-byte image at a (alignment and access not checked here); false,
     * loading nothing, where a reserved MXCSR bit is set (FXRSTOR's #GP).
     */
    static boolean restoreLegacy(CpuState s, GuestMemory m, long a, boolean wide) {
        int mxcsr = m.read32(a + 24);
        if ((mxcsr & ~MXCSR_MASK) != 0) return false;
        restoreX87(s, m, a, wide);
        s.mxcsr = mxcsr;
        for (int k = 0; k < 32; k++) s.xmm[k] = m.read64(a + 160 + 8L * k);
        return true;
    }

    /** Loads the x87 part of an FXSAVE/XSAVE image at a (see {@link #saveX87}). */
    static void restoreX87(CpuState s, GuestMemory m, long a, boolean wide) {
        s.fpuControl = loadControl(m.read16(a));
        s.fpuStatus = summary(m.read16(a + 2), s.fpuControl);
        s.fpuTags = m.read16(a + 4) & 0xFF;
        s.fpuOpcode = m.read16(a + 6) & 0x7FF;
        if (wide) { // the CPU keeps a 48-bit instruction pointer: its bits 63:48 come back as copies of bit 47
            s.fpuIp = m.read64(a + 8) << 16 >> 16;
            s.fpuDp = m.read64(a + 16);
        } else {
            s.fpuIp = m.read32(a + 8) & 0xFFFFFFFFL;
            s.fpuDp = m.read32(a + 16) & 0xFFFFFFFFL;
        }
        for (int k = 0; k < 8; k++) {
            int r = X87.phys(s, k);
            s.fpuMant[r] = m.read64(a + 32 + 16L * k);
            s.fpuSexp[r] = m.read16(a + 40 + 16L * k);
        }
    }
}
