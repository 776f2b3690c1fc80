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

    /** XMM0..XMM15: xmm[2n] is the low quadword of XMMn, xmm[2n+1] the high one. */
    public final long[] xmm = new long[32];
    /** MXCSR: all exceptions masked, round to nearest (the power-on value). */
    public int mxcsr = 0x1F80;

    /** x87 control word (power-on 0x037F) and status word, for FNSTCW/FLDCW and FXSAVE. */
    public int fpuControl = 0x037F;
    public int fpuStatus;

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
        System.arraycopy(o.xmm, 0, xmm, 0, 32);
        mxcsr = o.mxcsr;
        fpuControl = o.fpuControl;
        fpuStatus = o.fpuStatus;
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
