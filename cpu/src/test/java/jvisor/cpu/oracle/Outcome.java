package jvisor.cpu.oracle;

/**
 * The state after a case, on the host or the emulator. vector is -1 when the code ran to its
 * end, else the exception vector (host: the trap number of the signal); rip is then the faulting
 * instruction, else the end of the code. Registers, flags, XMM, YMM bits 255:128 and MXCSR are the state at that
 * point; page holds the whole data page ({@link DiffCase#DATA_SIZE} bytes from {@link DiffCase#DATA}).
 * note explains an emulator crash (a Java exception out of a handler).
 */
public record Outcome(long vector, long rip, long[] gpr, long rflags, long[] xmm, long[] ymmHi, int mxcsr, byte[] page,
        String note) {
    public Outcome(long vector, long rip, long[] gpr, long rflags, long[] xmm, long[] ymmHi, int mxcsr, byte[] page) {
        this(vector, rip, gpr, rflags, xmm, ymmHi, mxcsr, page, null);
    }
}
