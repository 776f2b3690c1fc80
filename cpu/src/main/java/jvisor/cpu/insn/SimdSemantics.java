package jvisor.cpu.insn;

import jvisor.mmu.Access;
import jvisor.mmu.Tlb;

/**
 * The SSE2/AVX2 integer computations the translator (jvisor.cpu.jit) calls or copies, as pure
 * functions over 64-bit halves of a register, so the interpreter's handlers and the translated
 * code share one definition of every lane operation and of when a wide memory access faults.
 */
public final class SimdSemantics {
    /** Shift kinds of {@link #shiftLanes}. */
    public static final int SRL = SseInteger.SRL, SRA = SseInteger.SRA, SLL = SseInteger.SLL;

    private SimdSemantics() {}

    /** The number of the lane-wise operation named (paddb ... pmaddwd, without the V of a VEX form), or -1. */
    public static int laneOp(String name) {
        return SseInteger.halfOp(name);
    }

    /** One 64-bit half of lane-wise operation op (see {@link #laneOp}): a is the first source's half, b the second's. */
    public static long lanes(int op, long a, long b) {
        return SseInteger.op64(op, a, b);
    }

    /** The lanes of width bits of v shifted (kind: SRL, SRA, SLL) by count (unsigned; a count of at least width clears or sign-fills). */
    public static long shiftLanes(long v, int kind, int width, long count) {
        return SseInteger.shift64(v, kind, width, (int) count, Long.compareUnsigned(count, width) >= 0);
    }

    /** The number of the pack named (packsswb, packuswb, packssdw, without the V of a VEX form), or -1. */
    public static int packOp(String name) {
        return SseInteger.packOp(name);
    }

    /** One quadword of pack op (see {@link #packOp}): lo's elements saturated into its low half, hi's into its high half. */
    public static long pack(int op, long lo, long hi) {
        return SseInteger.pack(op, lo, hi);
    }

    /** The sign bits of the eight bytes of v, byte 0's in bit 0 (PMOVMSKB). */
    public static long byteSigns(long v) {
        return SseMove.byteSigns(v);
    }

    /**
     * An access of size bytes at a that crosses a page boundary faults as the hardware's single
     * access does (XmmAccess.checkStraddling): both pages are checked before anything is read or
     * written.
     */
    public static void checkStraddling(Tlb m, long a, int size, boolean write) {
        XmmAccess.checkStraddling(m, a, size, write ? Access.WRITE : Access.READ);
    }
}
