package jvisor.cpu;

/**
 * The architectural state of one vCPU that user mode can see: what the hypervisor's switch
 * takes and hands back (NanoPVM's Guest_Context_Regs), and what a signal frame saves.
 *
 * <p>Fields are public and plain: the interpreter reads and writes them on every instruction,
 * and the kernel reads them on every VM exit.
 */
public final class CpuState {
    /** RAX..R15 in encoding order, see {@link Reg}. */
    public final long[] r = new long[16];
    public long rip;
    public long fsBase, gsBase;

    /** RFLAGS bits other than the six status flags (DF, TF, AC, ID, and the fixed ones). */
    public long flagsRest = Flags.FIXED;

    // Lazy status flags, see Flags.
    public int lfOp = Flags.OP_EAGER;
    public int lfSize = 8;
    public long lfDst, lfSrc, lfRes, lfAux;

    /**
     * XMM0..XMM15: xmm[2n] is the low quadword of XMMn, xmm[2n+1] the high one. Entries 32-39
     * are not architectural: four scratch registers (numbers 16-19) through which the AVX
     * instructions run the SSE operations lane by lane (jvisor.cpu.insn.VexLanes).
     */
    public final long[] xmm = new long[40];
    /**
     * Bits 255:128 of YMM0..YMM15 (AVX): ymmHi[2n] holds bits 191:128 of YMMn, ymmHi[2n+1] bits
     * 255:192. Legacy SSE instructions leave them unchanged; VEX.128 instructions zero them.
     */
    public final long[] ymmHi = new long[32];
    /** MXCSR: all exceptions masked, round to nearest (the power-on value). */
    public int mxcsr = 0x1F80;

    // ---------------------------------------------------------------- x87 FPU (SDM Vol. 1, chapter 8)
    // The eight data registers are kept by physical number R0..R7 (ST(i) is R((TOP + i) & 7)),
    // each as a sign+exponent int and a 64-bit significand with explicit integer bit; see
    // jvisor.cpu.fpu.F80 for the encoding and jvisor.cpu.insn.X87 for the stack discipline.

    /** x87 control word (power-on and FNINIT value 0x037F). */
    public int fpuControl = 0x037F;
    /** x87 status word, TOP included (bits 11-13); ES (bit 7) and B (bit 15) set while an unmasked exception is pending. */
    public int fpuStatus;
    /** Significands (bit 63 the explicit integer bit) of physical registers R0..R7. */
    public final long[] fpuMant = new long[8];
    /** Sign (bit 15) and biased exponent (bits 0-14) of physical registers R0..R7. */
    public final int[] fpuSexp = new int[8];
    /** Abridged tag word: bit i set when physical register Ri is not empty (FNINIT: 0, all empty). The full two-bit tags are derived from the contents when stored. */
    public int fpuTags;
    /** Last x87 instruction pointer (FIP), data pointer (FDP) and opcode (FOP, 11 bits), as FNSTENV/FXSAVE store them. */
    public long fpuIp, fpuDp;
    public int fpuOpcode;
    /**
     * While true, SSE operations collect their MXCSR exceptions without applying them: an AVX
     * instruction that runs an SSE operation per lane applies them once for all lanes (not
     * architectural state; never copied).
     */
    public boolean simdCommitDeferred;
    /** Scratch arithmetic unit of the x87 instructions (not architectural state; never copied). */
    public final jvisor.cpu.fpu.F80 fpuScratch = new jvisor.cpu.fpu.F80();

    /** Guest instructions retired (approximate at block granularity); drives virtual time. */
    public long instructionsRetired;

    public long rflags() {
        return flagsRest | Flags.status(this);
    }

    public void setRflags(long value) {
        flagsRest = (value & ~Flags.STATUS & Flags.USER_WRITABLE) | Flags.FIXED;
        Flags.setEager(this, value);
    }

    /** Writes only the bits in writableMask (POPF from user mode, SAHF). */
    public void setRflagsMasked(long value, long writableMask) {
        setRflags((rflags() & ~writableMask) | (value & writableMask));
    }

    public boolean df() {
        return (flagsRest & Flags.DF) != 0;
    }

    /** Copies every field from another state (fork, signal return). */
    public void copyFrom(CpuState o) {
        System.arraycopy(o.r, 0, r, 0, 16);
        rip = o.rip;
        fsBase = o.fsBase;
        gsBase = o.gsBase;
        flagsRest = o.flagsRest;
        lfOp = o.lfOp;
        lfSize = o.lfSize;
        lfDst = o.lfDst;
        lfSrc = o.lfSrc;
        lfRes = o.lfRes;
        lfAux = o.lfAux;
        System.arraycopy(o.xmm, 0, xmm, 0, xmm.length); // the scratch entries come along, which changes nothing
        System.arraycopy(o.ymmHi, 0, ymmHi, 0, 32);
        mxcsr = o.mxcsr;
        fpuControl = o.fpuControl;
        fpuStatus = o.fpuStatus;
        System.arraycopy(o.fpuMant, 0, fpuMant, 0, 8);
        System.arraycopy(o.fpuSexp, 0, fpuSexp, 0, 8);
        fpuTags = o.fpuTags;
        fpuIp = o.fpuIp;
        fpuDp = o.fpuDp;
        fpuOpcode = o.fpuOpcode;
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 16; i++) {
            b.append(String.format("%-3s %016x%s", Reg.name(i), r[i], i % 4 == 3 ? "\n" : "  "));
        }
        b.append(String.format("rip %016x  rflags %08x  fs_base %016x  gs_base %016x%n", rip, rflags(), fsBase, gsBase));
        return b.toString();
    }
}
