package jvisor.cpu.oracle;

import java.util.ArrayList;
import java.util.List;

/**
 * One differential case: machine code placed at {@link #codeAddr} and the complete user state it
 * starts from. The emulator runs {@link #code}; the host runs {@link #hostCode}, the same bytes
 * unless a case must run something else natively to mean the same (no generated case does now).
 */
public final class DiffCase {
    /** Shared layout of host and emulator: code area, data page, FS and GS bases. */
    public static final long CODE = 0x1000_0000L, CODE_SIZE = 0x400_0000L;
    public static final long DATA = 0x2000_0000L, DATA_SIZE = 0x1000L;
    /** Bytes of the data page (from DATA) a case sets; the rest starts zero. The whole page is compared after the case. */
    public static final int WINDOW = 512;
    public static final long FS_BASE = 0x0800_0000L, GS_BASE = 0x2800_0000L;
    public static final int MAX_CODE = 4096;
    /** A read-only page follows the data page (byte k holds k * 7 + 3); the page after it is unmapped. */
    public static final long READ_ONLY = DATA + DATA_SIZE, UNMAPPED = READ_ONLY + 0x1000;

    static byte readOnlyByte(int k) {
        return (byte) (k * 7 + 3);
    }

    public final long seed;
    public final long index;
    public long codeAddr;
    public byte[] code;
    public byte[] hostCode;
    public final long[] gpr = new long[16];
    public long rflags;
    public final long[] xmm = new long[32];
    /** YMM bits 255:128, laid out as CpuState.ymmHi. */
    public final long[] ymmHi = new long[32];
    public int mxcsr = 0x1F80;
    public final byte[] window = new byte[WINDOW];
    /** The destination XMM register of an RCP/RSQRT approximation (single-instruction cases), or -1. */
    public int approximateReg = -1;

    /** Catalogue entries of the instructions, in order (one for a single-instruction case). */
    public final List<Catalogue.Entry> entries = new ArrayList<>();
    /** Start offsets of each instruction in code (helpers included), for listings. */
    public final List<Integer> starts = new ArrayList<>();
    /** Offsets in code of the instructions that are set-up helpers, not catalogue instructions. */
    public final List<Integer> helpers = new ArrayList<>();

    public DiffCase(long seed, long index) {
        this.seed = seed;
        this.index = index;
    }

    /**
     * The same case cut before the instruction at code offset end (an instruction start): the
     * same inputs, the code up to there, its entries and listing data.
     */
    public DiffCase prefix(int end) {
        DiffCase p = new DiffCase(seed, index);
        p.codeAddr = codeAddr;
        p.code = java.util.Arrays.copyOf(code, end);
        p.hostCode = hostCode == code ? p.code : java.util.Arrays.copyOf(hostCode, end);
        System.arraycopy(gpr, 0, p.gpr, 0, 16);
        System.arraycopy(xmm, 0, p.xmm, 0, 32);
        System.arraycopy(ymmHi, 0, p.ymmHi, 0, 32);
        System.arraycopy(window, 0, p.window, 0, window.length);
        p.rflags = rflags;
        p.mxcsr = mxcsr;
        int entry = 0;
        for (int start : starts) {
            if (start >= end) break;
            p.starts.add(start);
            if (helpers.contains(start)) p.helpers.add(start);
            else if (entry < entries.size()) p.entries.add(entries.get(entry++));
        }
        return p;
    }

    public long readWindow(int off, int size) {
        long v = 0;
        for (int k = 0; k < size; k++) v |= (window[off + k] & 0xFFL) << (8 * k);
        return v;
    }

    public void writeWindow(int off, int size, long v) {
        for (int k = 0; k < size; k++) window[off + k] = (byte) (v >>> (8 * k));
    }
}
