package jvisor.cpu.oracle;

/**
 * The state after a case, on the host or the emulator. vector is -1 when the code ran to its
 * end, else the exception vector (host: the trap number of the signal); rip is then the faulting
 * instruction, else the end of the code. Registers, flags, XMM, YMM bits 255:128 and MXCSR are the state at that
 * point; window holds the first {@link DiffCase#WINDOW} bytes of the data page and restHash an
 * FNV-1a hash of the rest of it. note explains an emulator crash (a Java exception out of a handler).
 */
public record Outcome(long vector, long rip, long[] gpr, long rflags, long[] xmm, long[] ymmHi, int mxcsr, long restHash,
        byte[] window, String note) {
    public Outcome(long vector, long rip, long[] gpr, long rflags, long[] xmm, long[] ymmHi, int mxcsr, long restHash,
            byte[] window) {
        this(vector, rip, gpr, rflags, xmm, ymmHi, mxcsr, restHash, window, null);
    }

    /** FNV-1a over 64-bit little-endian words, as the native runner computes it. */
    public static long restHash(byte[] page, int from) {
        long h = 0xcbf29ce484222325L;
        for (int k = from; k + 8 <= page.length; k += 8) {
            long w = 0;
            for (int b = 0; b < 8; b++) w |= (page[k + b] & 0xFFL) << (8 * b);
            h = (h ^ w) * 0x100000001b3L;
        }
        return h;
    }
}
