package jvisor.cpu.insn;

import jvisor.cpu.Cpu;
import jvisor.cpu.CpuFault;
import jvisor.cpu.CpuState;
import jvisor.cpu.Reg;
import jvisor.cpu.decode.Insn;
import jvisor.cpu.decode.OpcodeTable;
import jvisor.mmu.Access;
import jvisor.mmu.AddressSpace;

/**
 * Floating-point state management (Intel SDM Vol. 1, 10.5 "FXSAVE and FXRSTOR", 8.1.5 and 8.3.x
 * for the x87 control and status words; Vol. 2, the instructions' pages): LDMXCSR, STMXCSR,
 * FXSAVE/FXSAVE64, FXRSTOR/FXRSTOR64, and the x87 state instructions that code touches even
 * when it computes with SSE only (glibc's fenv functions, startup code): FNSTCW, FLDCW, FNSTSW
 * (memory and AX), FWAIT, FNINIT, FNCLEX, and FNSTENV/FLDENV (the fenv functions of glibc and
 * musl save and restore the x87 environment alongside MXCSR).
 *
 * <p>The x87 data registers are not modelled yet: FXSAVE stores the register area as zeros and
 * an abridged tag word of 0 (all empty), FNSTENV a tag word of 0xFFFF (all empty), and FXRSTOR
 * and FLDENV ignore the tags. The last-instruction and last-operand pointers are stored as zero.
 * FNSTENV/FLDENV use the 28-byte environment (the 14-byte form of a 0x66 prefix is not supported).
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
        t.row("D9 /5 mem", "fldcw Mw", (c, i) -> c.state.fpuControl = loadControl(c.mem().read16(c.ea(i))));
        t.row("DD /7 mem", "fnstsw Mw", (c, i) -> c.mem().write16(c.ea(i), c.state.fpuStatus));
        t.row("DF /4 reg rm0", "fnstsw AX", (c, i) -> c.setReg(Reg.RAX, 2, c.state.fpuStatus));
        t.row("9B", "fwait", (c, i) -> { });
        t.row("DB /4 reg rm2", "fnclex", (c, i) -> c.state.fpuStatus &= ~0x80FF);
        t.row("DB /4 reg rm3", "fninit", FpuState::fninit);
        t.row("D9 /6 mem", "fnstenv M", FpuState::fnstenv);
        t.row("D9 /4 mem", "fldenv M", FpuState::fldenv);
    }

    private static int loadControl(int v) {
        return (v & FCW_WRITABLE) | FCW_FIXED;
    }

    private static void ldmxcsr(Cpu c, Insn i) {
        int v = c.mem().read32(c.ea(i));
        if ((v & ~MXCSR_MASK) != 0) throw CpuFault.generalProtection();
        c.state.mxcsr = v;
    }

    private static void fninit(Cpu c, Insn i) {
        c.state.fpuControl = FCW_INIT;
        c.state.fpuStatus = 0;
    }

    /**
     * The 28-byte x87 environment (SDM Vol. 1, Figure 8-10, 32-bit protected mode format, which
     * 64-bit mode also uses); reserved halves read as 0xFFFF, as the hardware stores them. FNSTENV
     * then masks all x87 exceptions.
     */
    private static void fnstenv(Cpu c, Insn i) {
        long a = c.ea(i);
        AddressSpace m = c.mem();
        m.translate(a, Access.WRITE);
        m.translate(a + 27, Access.WRITE);
        CpuState s = c.state;
        m.write32(a, s.fpuControl | 0xFFFF0000);
        m.write32(a + 4, s.fpuStatus | 0xFFFF0000);
        m.write32(a + 8, 0xFFFFFFFF); // tag word: all empty
        m.write32(a + 12, 0); // FIP
        m.write32(a + 16, 0); // FCS, FOP
        m.write32(a + 20, 0); // FDP
        m.write32(a + 24, 0xFFFF0000); // FDS
        s.fpuControl |= 0x3F;
    }

    private static void fldenv(Cpu c, Insn i) {
        long a = c.ea(i);
        AddressSpace m = c.mem();
        m.translate(a + 27, Access.READ);
        int cw = m.read16(a), sw = m.read16(a + 4);
        c.state.fpuControl = loadControl(cw);
        c.state.fpuStatus = sw;
    }

    private static long area(Cpu c, Insn i, Access access) {
        long a = c.ea(i);
        if ((a & 15) != 0) throw CpuFault.generalProtection();
        // Probe both ends first, so that a page fault leaves nothing half done.
        c.mem().translate(a, access);
        c.mem().translate(a + 511, access);
        return a;
    }

    /** The 512-byte FXSAVE image, SDM Vol. 1 Table 10-2; bytes 416-511 are left untouched. */
    private static void fxsave(Cpu c, Insn i) {
        long a = area(c, i, Access.WRITE);
        CpuState s = c.state;
        AddressSpace m = c.mem();
        m.write16(a, s.fpuControl);
        m.write16(a + 2, s.fpuStatus);
        m.write32(a + 4, 0); // abridged FTW (all empty), reserved, FOP
        m.write64(a + 8, 0); // FPU IP (and CS)
        m.write64(a + 16, 0); // FPU DP (and DS)
        m.write32(a + 24, s.mxcsr);
        m.write32(a + 28, MXCSR_MASK);
        for (int k = 32; k < 160; k += 8) m.write64(a + k, 0); // ST0-ST7 / MM0-MM7
        for (int k = 0; k < 32; k++) m.write64(a + 160 + 8L * k, s.xmm[k]);
    }

    private static void fxrstor(Cpu c, Insn i) {
        long a = area(c, i, Access.READ);
        AddressSpace m = c.mem();
        int mxcsr = m.read32(a + 24);
        if ((mxcsr & ~MXCSR_MASK) != 0) throw CpuFault.generalProtection();
        CpuState s = c.state;
        s.fpuControl = loadControl(m.read16(a));
        s.fpuStatus = m.read16(a + 2);
        s.mxcsr = mxcsr;
        for (int k = 0; k < 32; k++) s.xmm[k] = m.read64(a + 160 + 8L * k);
    }
}
