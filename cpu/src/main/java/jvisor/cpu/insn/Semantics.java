package jvisor.cpu.insn;

import jvisor.cpu.Cpu;
import jvisor.cpu.CpuState;
import jvisor.cpu.Flags;

/**
 * The computations of instruction families whose flag rules are irregular, as pure functions,
 * for the translator (jvisor.cpu.jit): the code it generates calls these, so the interpreter and
 * the translated code share one definition of every result and flag.
 */
public final class Semantics {
    /** Group-2 operation numbers (the ModRM.reg field of C0/C1/D0-D3; SAL is SHL). */
    public static final int ROL = Shift.ROL, ROR = Shift.ROR, RCL = Shift.RCL, RCR = Shift.RCR, SHL = Shift.SHL,
            SHR = Shift.SHR, SAR = Shift.SAR;

    private Semantics() {}

    /** The result of a group-2 shift or rotate of v (zero-extended) by a masked count of 1..63. */
    public static long shiftResult(int op, long v, int count, int bits, long carryIn) {
        return Shift.result(op, v, count, bits, carryIn);
    }

    /** The status flags after that shift or rotate gave r, old being the flags before it. */
    public static long shiftStatus(int op, long v, long r, int count, int bits, boolean regImmediate, long old) {
        return Shift.status(op, v, r, count, bits, bits / 8, regImmediate, old);
    }

    /**
     * LOCK ADD, SUB, INC, DEC or XADD on memory: adds delta to the operand of size bytes at guest
     * address a in one atomic update of the host (see Locked) and returns the operand's value
     * before it, zero-extended; faults as the plain instruction does, before any change.
     */
    public static long lockedAdd(Cpu c, long a, int size, long delta) {
        return Locked.getAndAddAt(c, a, size, delta);
    }

    /**
     * LOCK CMPXCHG on memory: stores update into the operand of size bytes at guest address a if
     * it holds expected, atomically, and returns the operand's value before it (see Locked).
     */
    public static long lockedCompareExchange(Cpu c, long a, int size, long expected, long update) {
        return Locked.compareExchangeAt(c, a, size, expected, update);
    }

    /** XCHG with memory: stores v into the operand of size bytes at guest address a, atomically; returns its value before. */
    public static long lockedExchange(Cpu c, long a, int size, long v) {
        return Locked.exchangeAt(c, a, size, v);
    }

    /** RCL/RCR's effective count: 0 means a whole turn that changes nothing, not even a flag. */
    public static int carryRotateCount(int count, int bits) {
        return Shift.carryRotateCount(count, bits);
    }

    // SSE2 double precision, with MXCSR's rounding, DAZ/FTZ, NaN rules and exception flags (SseMath):
    // each raises its exceptions in MXCSR; commitSimd then faults (#XM) if one is unmasked, before
    // the instruction writes its destination.

    /**
     * The MXCSR state in which the translator computes ADD/SUB/MUL/DIV/SQRT on doubles with the
     * JVM's own arithmetic, inline: (mxcsr & INLINE_MXCSR_MASK) == INLINE_MXCSR_BITS means round to
     * nearest, no FTZ, no DAZ, every exception masked (so no #XM) and PE already set (so an inexact
     * result changes no flag). With operands that are not denormals (no DE) and a finite result of
     * magnitude at least 2^-960 (no OE, no UE), the JVM's result is the IEEE one SseMath computes
     * and the instruction raises nothing new (SDM Vol. 1, 4.9 and 11.5).
     */
    public static final int INLINE_MXCSR_MASK = SseMath.FAST_MASK | SseMath.PE;
    public static final int INLINE_MXCSR_BITS = SseMath.FAST_BITS | SseMath.PE;
    /** The MXCSR bits LDMXCSR may set (#GP for any other). */
    public static final int MXCSR_WRITABLE = FpuState.MXCSR_MASK;
    /** MXCSR's precision flag (PE) and rounding control (RC) fields. */
    public static final int MXCSR_PE = SseMath.PE, MXCSR_RC = 0x6000;
    /** The smallest exponent field (biased) of an inline result: 2^-960, SseMath's own fast-path bound. */
    public static final int INLINE_MIN_EXP_FIELD = 1023 - 960;

    public static long addD(CpuState s, long a, long b) {
        return SseMath.addD(s, a, b, false);
    }

    public static long subD(CpuState s, long a, long b) {
        return SseMath.addD(s, a, b, true);
    }

    public static long mulD(CpuState s, long a, long b) {
        return SseMath.mulD(s, a, b);
    }

    public static long divD(CpuState s, long a, long b) {
        return SseMath.divD(s, a, b);
    }

    public static long minD(CpuState s, long a, long b) {
        return SseMath.minMax(s, a, b, SseMath.DOUBLE, false);
    }

    public static long maxD(CpuState s, long a, long b) {
        return SseMath.minMax(s, a, b, SseMath.DOUBLE, true);
    }

    /** SQRTSD/SQRTPD of b (a, the destination's element, is not an operand: kept for the common shape). */
    public static long sqrtD(CpuState s, long a, long b) {
        return SseMath.sqrtD(s, b);
    }

    /** Faults (#XM) when the instruction raised an unmasked SIMD exception; otherwise makes its flags sticky. */
    public static void commitSimd(CpuState s) {
        SseMath.commit(s);
    }

    /** The status flags of MUL and one-operand IMUL: from the low half lo of the product and whether it overflowed. */
    public static long mulStatus(long lo, int size, boolean overflow) {
        return MulDiv.mulStatus(lo, size, overflow);
    }

    /** The status flags of BMI's ANDN, BZHI and the like: ZF and SF from the result res, the given CF, the others clear. */
    public static long bmiStatus(long res, int size, boolean cf) {
        return Bmi.resultFlags(res, size, cf);
    }

    /** The status flags of a two- or three-operand IMUL of x and y (both sign-extended from size bytes). */
    public static long imulStatus(long x, long y, int size) {
        return MulDiv.mulStatus((x * y) & Flags.mask(size), size, MulDiv.imulOverflows(x, y, size));
    }
}
