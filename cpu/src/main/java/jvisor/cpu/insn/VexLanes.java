package jvisor.cpu.insn;

import jvisor.cpu.Cpu;
import jvisor.cpu.CpuState;
import jvisor.cpu.decode.Insn;
import jvisor.cpu.decode.Op;
import jvisor.mmu.Access;

/**
 * Runs the VEX forms of SSE instructions on the SSE operations themselves (Intel SDM Vol. 1,
 * 14.1.3 and Vol. 2A 2.3): the VEX form differs from the legacy one in where its operands come
 * from and go to, not in what it computes. The adapter gives the SSE operation scratch registers
 * (numbers 16-19, {@code CpuState.xmm[32..39]}) in place of the real ones, then writes the
 * destination:
 * <ul>
 *   <li>{@link Shape#NDS}: dest = op(src1 = VEX.vvvv, src2 = ModRM.rm or memory): the scratch
 *       destination starts as a copy of VEX.vvvv, so a scalar or partial operation keeps its other
 *       bits from there, as the VEX form does;</li>
 *   <li>{@link Shape#UNARY}: dest = op(ModRM.rm or memory), VEX.vvvv unused (1111b);</li>
 *   <li>{@link Shape#NDD}: VEX.vvvv = op(ModRM.rm), the shifts by an immediate.</li>
 * </ul>
 * A VEX.128 form zeroes bits 255:128 of the destination. A VEX.256 form runs the operation on
 * each 128-bit lane ({@link Lanes}), the second one on the high halves (or, per form, with the
 * immediate shifted, the same source, or the next part of a narrower source), and writes both
 * lanes only when both succeeded. Memory operands need no alignment (the scratch views carry the
 * VEX prefix bit, which {@link XmmAccess#wAddr} honours) and are read where the SSE operation
 * reads them; a 256-bit operand is checked as a whole first, so it faults as one access. MXCSR
 * exceptions of all lanes are collected and applied once ({@code CpuState.simdCommitDeferred}),
 * so an unmasked one leaves the destination unwritten, as SDM Vol. 1 11.5.1 requires.
 *
 * <p>Nothing allocates after an instruction's first execution, which makes its lane views.
 */
final class VexLanes {
    private VexLanes() {}

    /** Where the operands of a VEX form come from, see the class comment. */
    enum Shape { NDS, UNARY, NDD }

    /** How a VEX.256 form splits into two 128-bit operations. */
    enum Kind {
        /** Lane k of the destination from lane k of the sources; the high lane's immediate shifted right by {@code param} bits. */
        LANES,
        /** Both lanes from the same 128-bit second source (the shift count of VPSLLW ymm, ymm, xmm/m128). */
        SHARED,
        /** A 128-bit source widens to 256 bits: the high lane reads the source from byte {@code param} on. */
        WIDE,
        /** A 256-bit source narrows to 128 bits: the destination is the low quadwords of the two lane results. */
        NARROW
    }

    record Lanes(Kind kind, int param) {
        static final Lanes SAME = new Lanes(Kind.LANES, 0);
        static final Lanes SHARED_SOURCE = new Lanes(Kind.SHARED, 0);
        static final Lanes NARROWING = new Lanes(Kind.NARROW, 0);

        static Lanes immShift(int bits) {
            return new Lanes(Kind.LANES, bits);
        }

        static Lanes widening(int bytes) {
            return new Lanes(Kind.WIDE, bytes);
        }

        /** Bytes of the whole 256-bit form's memory operand. */
        int memoryBytes() {
            return switch (kind) {
                case LANES, NARROW -> 32;
                case SHARED -> 16;
                case WIDE -> 2 * param;
            };
        }
    }

    /** Scratch registers: the destinations of the two lanes and the high lane's register source. */
    private static final int A0 = 16, A1 = 18, B1 = 19;

    /** The handler of the VEX.128 form of an SSE operation. */
    static Op on128(Op sse, Shape shape) {
        return (c, i) -> exec(c, i, sse, shape, null);
    }

    /** The handler of the VEX.256 form of an SSE operation. */
    static Op on256(Op sse, Shape shape, Lanes lanes) {
        return (c, i) -> exec(c, i, sse, shape, lanes);
    }

    /** Runs an SSE operation for a VEX form; lanes is null for VEX.128. */
    static void exec(Cpu c, Insn i, Op sse, Shape shape, Lanes lanes) {
        CpuState s = c.state;
        long[] x = s.xmm, y = s.ymmHi;
        Insn low = i.vexLow;
        if (low == null) low = prepare(i, shape, lanes);
        boolean wide = lanes != null;
        if (wide && i.mem) XmmAccess.checkStraddling(c.mem(), c.ea(i), lanes.memoryBytes(), Access.READ);
        int r = i.rm << 1;
        switch (shape) {
            case NDS -> startFrom(s, i.vvvv, wide);
            case NDD -> startFrom(s, i.rm, wide);
            default -> { // UNARY: the operation writes the whole lane; start it from zero all the same
                x[2 * A0] = x[2 * A0 + 1] = x[2 * A1] = x[2 * A1 + 1] = 0;
            }
        }
        if (wide && !i.mem && shape != Shape.NDD) {
            switch (lanes.kind) {
                case LANES, NARROW -> {
                    x[2 * B1] = y[r];
                    x[2 * B1 + 1] = y[r + 1];
                }
                case WIDE -> { // the 128-bit source from byte param on
                    int sh = 8 * lanes.param;
                    long lo = x[r], hi = x[r + 1];
                    x[2 * B1] = sh == 64 ? hi : lo >>> sh | hi << (64 - sh);
                    x[2 * B1 + 1] = sh == 64 ? 0 : hi >>> sh;
                }
                case SHARED -> { } // the high lane reads the same register
            }
        }
        s.simdCommitDeferred = true;
        try {
            sse.exec(c, low);
            if (wide) sse.exec(c, i.vexHigh);
        } catch (RuntimeException e) {
            s.mxcsr &= 0xFFFF; // drop what the lanes raised: the instruction did not happen
            throw e;
        } finally {
            s.simdCommitDeferred = false;
        }
        SseMath.commit(s);
        int d = (shape == Shape.NDD ? i.vvvv : i.reg) << 1;
        x[d] = x[2 * A0];
        if (wide && lanes.kind == Kind.NARROW) {
            x[d + 1] = x[2 * A1];
            y[d] = 0;
            y[d + 1] = 0;
        } else if (wide) {
            x[d + 1] = x[2 * A0 + 1];
            y[d] = x[2 * A1];
            y[d + 1] = x[2 * A1 + 1];
        } else {
            x[d + 1] = x[2 * A0 + 1];
            y[d] = 0;
            y[d + 1] = 0;
        }
    }

    /** The scratch destinations start as register n: its low lane in A0, its high lane in A1 (VEX.256). */
    private static void startFrom(CpuState s, int n, boolean wide) {
        long[] x = s.xmm;
        x[2 * A0] = x[2 * n];
        x[2 * A0 + 1] = x[2 * n + 1];
        if (wide) {
            x[2 * A1] = s.ymmHi[2 * n];
            x[2 * A1 + 1] = s.ymmHi[2 * n + 1];
        }
    }

    /** Makes the lane views of i: the SSE operation's operands as scratch registers (or i's memory operand, moved on per lane). */
    private static Insn prepare(Insn i, Shape shape, Lanes lanes) {
        Insn low = i.copy(), high = i.copy();
        if (shape == Shape.NDD) {
            low.rm = A0;
            high.rm = A1;
        } else {
            low.reg = A0;
            high.reg = A1;
            if (lanes != null) {
                int offset = switch (lanes.kind) {
                    case LANES, NARROW -> 16;
                    case WIDE -> lanes.param;
                    case SHARED -> 0;
                };
                if (i.mem) high.disp += offset;
                else if (lanes.kind != Kind.SHARED) high.rm = B1;
                if (lanes.kind == Kind.LANES) high.imm = i.imm >> lanes.param;
            }
        }
        i.vexHigh = high;
        i.vexLow = low;
        return low;
    }
}
