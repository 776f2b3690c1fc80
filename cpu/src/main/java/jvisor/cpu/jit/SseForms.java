package jvisor.cpu.jit;

import static java.lang.constant.ConstantDescs.CD_double;
import static java.lang.constant.ConstantDescs.CD_int;
import static java.lang.constant.ConstantDescs.CD_long;
import static java.lang.constant.ConstantDescs.CD_void;

import java.lang.classfile.Label;
import java.lang.constant.ClassDesc;
import java.lang.constant.MethodTypeDesc;

import jvisor.cpu.Flags;
import jvisor.cpu.decode.Insn;
import jvisor.cpu.insn.Semantics;

/**
 * Emitters of the SSE2 instructions double-precision loops are made of: MOVSD, MOVQ, the 128-bit
 * moves (MOVAPD, MOVAPS, MOVDQA, MOVUPD, MOVUPS, MOVDQU), scalar and packed ADD, SUB, MUL, DIV,
 * MIN, MAX, SQRT, UNPCKLPD/UNPCKHPD, the conversions CVTSI2SD, CVTTSD2SI and CVTSD2SI, and
 * STMXCSR/LDMXCSR (the bitwise logic, ANDPD ... XORPS, is SimdIntegerForms' PAND ... PXOR); and
 * the computations of their AVX forms, which {@link VexForms} registers. They
 * follow their handlers in jvisor.cpu.insn (SseMove, SseFloat, SseInteger, XmmAccess) with the
 * same arithmetic (jvisor.cpu.insn.Semantics reaches SseMath): XMM registers stay in CpuState.xmm,
 * indexed here by constants; a 128-bit memory operand of an aligned form faults #GP before its
 * page faults; the destination is written only after the instruction's SIMD exceptions are
 * committed (#XM).
 *
 * <p>ADD, SUB, MUL, DIV and SQRT are JVM arithmetic inline when MXCSR and the values allow it
 * (Semantics.INLINE_MXCSR_MASK: the common state of a program that has had one inexact result,
 * and ordinary operands and results), where they can raise no new flag; anything else takes the
 * calls into SseMath and the commit. The calls are not what the JVM inlines in a large region
 * (its inlining budget goes to the memory accesses), so the common case must not need them.
 */
final class SseForms {
    private static final MethodTypeDesc BINARY = MethodTypeDesc.of(CD_long, Gen.CD_STATE, CD_long, CD_long);
    private static final ClassDesc CD_DOUBLE = Gen.CD_DOUBLE, CD_MATH = Gen.CD_MATH;
    private static final MethodTypeDesc LONG_TO_DOUBLE = MethodTypeDesc.of(CD_double, CD_long);
    private static final MethodTypeDesc DOUBLE_TO_LONG = MethodTypeDesc.of(CD_long, CD_double);
    private static final long EXPONENT = 0x7FF0000000000000L;

    private SseForms() {}

    /** Index in CpuState.xmm of the low quadword of XMM register n. */
    static int q(int n) {
        return n << 1;
    }

    /** The 128-bit W operand (register, or aligned memory: low quadword first) in two temporaries. */
    private static int[] w128(Gen g, Insn i) {
        return w128(g, i, Ymm.Check.ALIGNED);
    }

    /** The 128-bit W operand in two temporaries, low quadword first; memory checked as check says. */
    private static int[] w128(Gen g, Insn i, Ymm.Check check) {
        if (i.mem) return Ymm.source(g, i, 16, check).temps();
        g.pushXmm(q(i.rm));
        int lo = g.toTemp();
        g.pushXmm(q(i.rm) + 1);
        return new int[] {lo, g.toTemp()};
    }

    /** The 64-bit W operand (the low quadword of a register, or 8 bytes of memory, no alignment) into a temporary. */
    static int w64(Gen g, Insn i) {
        if (i.mem) {
            int a = g.eaTemp(i);
            g.load(a, 8);
        } else {
            g.pushXmm(q(i.rm));
        }
        return g.toTemp();
    }

    private static void commit(Gen g) {
        g.mayFault();
        g.cb.aload(g.state).invokestatic(Gen.CD_SEMANTICS, "commitSimd", MethodTypeDesc.of(CD_void, Gen.CD_STATE));
    }

    /** Scalar double ADD, SUB, MUL, DIV, MIN, MAX, SQRT (name: the Semantics method): the low quadword only. */
    static void scalar(Gen g, Insn i, String name) {
        scalar(g, i, name, i.reg, false);
    }

    /**
     * A scalar double operation whose first source and high quadword come from register first:
     * the destination for the legacy form, VEX.vvvv for the VEX form (vex: bits 255:128 of the
     * destination are zeroed, SDM Vol. 2, VADDSD ... "DEST[MAXVL-1:128] := 0").
     */
    static void scalar(Gen g, Insn i, String name, int first, boolean vex) {
        int d = q(i.reg);
        int b = w64(g, i);
        g.pushXmm(q(first));
        int a = g.toTemp();
        int high = highOf(g, i, vex);
        int r = result(g);
        Label slow = g.cb.newLabel(), done = g.cb.newLabel();
        Arith op = inlineOp(name);
        if (op != null) {
            int e = g.intTemp();
            inlineGuard(g, slow);
            inlineLane(g, op, a, b, r, e, slow);
            g.cb.goto_(done);
            g.cb.labelBinding(slow);
        }
        call(g, name, a, b, r);
        commit(g);
        if (op != null) g.cb.labelBinding(done);
        g.storeXmm(d, r);
        finishScalar(g, i, vex, high);
    }

    /** For a VEX scalar form whose VEX.vvvv is not the destination: quadword 1 of VEX.vvvv in a temporary (else -1). */
    static int highOf(Gen g, Insn i, boolean vex) {
        if (!vex || i.vvvv == i.reg) return -1;
        g.pushXmm(q(i.vvvv) + 1);
        return g.toTemp();
    }

    /** The rest of a scalar form's destination: quadword 1 from VEX.vvvv (see highOf) and bits 255:128 zeroed (VEX). */
    static void finishScalar(Gen g, Insn i, boolean vex, int high) {
        if (high >= 0) g.storeXmm(q(i.reg) + 1, high);
        if (vex) Ymm.zeroUpper(g, i.reg);
    }

    /** Packed double ADD ... SQRT: both lanes computed, the exceptions committed, then both written. */
    static void packed(Gen g, Insn i, String name) {
        packed(g, i, name, i.reg, 2, Ymm.Check.ALIGNED, false);
    }

    /**
     * A packed double operation on quads lanes: lane k of the destination = op(lane k of register
     * first, lane k of the W operand, read as check says). Every lane is computed and the
     * exceptions committed before any is written (a #XM leaves the destination as it was).
     * zeroUpper: a VEX.128 form, which zeroes bits 255:128.
     */
    static void packed(Gen g, Insn i, String name, int first, int quads, Ymm.Check check, boolean zeroUpper) {
        int[][] ops = Ymm.operands(g, i, first, quads, check);
        int[] a = ops[0], b = ops[1];
        int[] r = new int[quads];
        for (int k = 0; k < quads; k++) r[k] = result(g);
        Label slow = g.cb.newLabel(), done = g.cb.newLabel();
        Arith op = inlineOp(name);
        if (op != null) {
            int e = g.intTemp();
            inlineGuard(g, slow);
            for (int k = 0; k < quads; k++) inlineLane(g, op, a[k], b[k], r[k], e, slow);
            g.cb.goto_(done);
            g.cb.labelBinding(slow);
        }
        for (int k = 0; k < quads; k++) call(g, name, a[k], b[k], r[k]);
        commit(g);
        if (op != null) g.cb.labelBinding(done);
        for (int k = 0; k < quads; k++) Ymm.store(g, i.reg, k, r[k]);
        if (zeroUpper) Ymm.zeroUpper(g, i.reg);
    }

    /** A temporary for a result, defined on every path. */
    static int result(Gen g) {
        g.cb.lconst_0();
        return g.toTemp();
    }

    /** r = Semantics.name(state, a, b): one lane with SseMath's exact rules, its exceptions raised in MXCSR. */
    private static void call(Gen g, String name, int a, int b, int r) {
        g.cb.aload(g.state).lload(a).lload(b).invokestatic(Gen.CD_SEMANTICS, name, BINARY).lstore(r);
    }

    /** The operations computed inline (SQRT of the second operand only). */
    enum Arith { ADD, SUB, MUL, DIV, SQRT }

    /**
     * The inline operation of the Semantics method, or null for those always called (MIN, MAX:
     * their NaN and signed-zero rules are not the JVM's).
     */
    static Arith inlineOp(String name) {
        return switch (name) {
            case "addD" -> Arith.ADD;
            case "subD" -> Arith.SUB;
            case "mulD" -> Arith.MUL;
            case "divD" -> Arith.DIV;
            case "sqrtD" -> Arith.SQRT;
            default -> null;
        };
    }

    /** Jumps to slow unless MXCSR is in the state where the inline arithmetic is exact and raises nothing new. */
    static void inlineGuard(Gen g, Label slow) {
        g.cb.aload(g.state).getfield(Gen.CD_STATE, "mxcsr", CD_int)
                .ldc(Semantics.INLINE_MXCSR_MASK).iand().ldc(Semantics.INLINE_MXCSR_BITS).if_icmpne(slow);
    }

    /**
     * One lane inline (see Semantics.INLINE_MXCSR_MASK): r = a op b with the JVM's arithmetic,
     * jumping to slow when an operand is a denormal (DE) or the result is not finite (NaN,
     * infinity: flags or SseMath's NaN rules) or, for MUL and DIV, of magnitude below 2^-960
     * (zero, tiny: UE, or a result rounded from below 2^-1022); e is an int temporary. SQRT
     * takes b only: a positive normal, whose root is always normal.
     */
    private static void inlineLane(Gen g, Arith op, int a, int b, int r, int e, Label slow) {
        var cb = g.cb;
        if (op == Arith.SQRT) {
            cb.lload(b).ldc(Double.doubleToRawLongBits(Double.MIN_NORMAL)).lcmp().iflt(slow);
            cb.lload(b).ldc(Double.doubleToRawLongBits(Double.POSITIVE_INFINITY)).lcmp().ifge(slow);
            cb.lload(b).invokestatic(CD_DOUBLE, "longBitsToDouble", LONG_TO_DOUBLE)
                    .invokestatic(CD_MATH, "sqrt", MethodTypeDesc.of(CD_double, CD_double))
                    .invokestatic(CD_DOUBLE, "doubleToRawLongBits", DOUBLE_TO_LONG).lstore(r);
            return;
        }
        notDenormal(g, a, slow);
        notDenormal(g, b, slow);
        cb.lload(a).invokestatic(CD_DOUBLE, "longBitsToDouble", LONG_TO_DOUBLE);
        cb.lload(b).invokestatic(CD_DOUBLE, "longBitsToDouble", LONG_TO_DOUBLE);
        switch (op) {
            case ADD -> cb.dadd();
            case SUB -> cb.dsub();
            case MUL -> cb.dmul();
            default -> cb.ddiv();
        }
        cb.invokestatic(CD_DOUBLE, "doubleToRawLongBits", DOUBLE_TO_LONG).lstore(r);
        if (op == Arith.ADD || op == Arith.SUB) {
            // A sum of two normals or zeros that is below 2^-1021 is exact (both are multiples of
            // 2^-1074, and so is the sum): a tiny or zero result raises no flag (UE only with PE).
            // Only an infinite or NaN result (OE, IE) needs SseMath.
            cb.lload(r).ldc(EXPONENT).land().ldc(EXPONENT).lcmp().ifeq(slow);
            return;
        }
        // The exponent field e must be in [INLINE_MIN_EXP_FIELD, 0x7FE]: (e - min) | (0x7FE - e) >= 0.
        cb.lload(r).bipush(52).lushr().l2i().sipush(0x7FF).iand().istore(e);
        cb.iload(e).bipush(Semantics.INLINE_MIN_EXP_FIELD).isub().sipush(0x7FE).iload(e).isub().ior().iflt(slow);
    }

    /** Jumps to slow if the double in slot v is a denormal (exponent field 0, nonzero). */
    private static void notDenormal(Gen g, int v, Label slow) {
        Label ok = g.cb.newLabel();
        g.cb.lload(v).ldc(EXPONENT).land().lconst_0().lcmp().ifne(ok);
        g.cb.lload(v).iconst_1().lshl().lconst_0().lcmp().ifne(slow);
        g.cb.labelBinding(ok);
    }

    /**
     * CVTSI2SD xmm, r/m32 or r/m64 (vex: VCVTSI2SD, whose high quadword comes from VEX.vvvv and
     * which zeroes bits 255:128). An integer of magnitude up to 2^53 converts exactly in every
     * rounding mode, and any other one exactly as the JVM rounds when MXCSR is in the inline state
     * (round to nearest, PE already set): both inline. Anything else (another rounding mode, or PE
     * still to be raised) runs the handler.
     */
    static void intToDouble(Gen g, Insn i, boolean vex) {
        var cb = g.cb;
        int a = i.mem ? g.eaTemp(i) : -1;
        int v = g.readE(i, i.opsize, a);
        if (i.opsize != 8) cb.lload(v).l2i().i2l().lstore(v); // a doubleword source is signed too
        int high = highOf(g, i, vex);
        Label exact = cb.newLabel(), slow = cb.newLabel(), done = cb.newLabel();
        // (v >> 53) is 0 or -1 for v in [-2^53, 2^53): adding 1 leaves 1 or 0, which >>> 1 makes 0.
        cb.lload(v).bipush(53).lshr().lconst_1().ladd().iconst_1().lushr().lconst_0().lcmp().ifeq(exact);
        inlineGuard(g, slow);
        cb.labelBinding(exact);
        cb.lload(v).l2d().invokestatic(CD_DOUBLE, "doubleToRawLongBits", DOUBLE_TO_LONG);
        int r = g.toTemp();
        g.storeXmm(q(i.reg), r);
        finishScalar(g, i, vex, high);
        Fallback.slowPath(g, i, slow, done);
    }

    /**
     * CVTTSD2SI (truncate) and CVTSD2SI (rounding as MXCSR.RC says) into a 32- or 64-bit general
     * register, and their VEX forms. Inline when the result is the JVM's conversion and raises
     * nothing new: the rounded value fits the destination, RC is round-to-nearest for CVTSD2SI
     * (Math.rint), and the conversion is exact or PE is already set. Anything else (NaN, out of
     * range: IE and the integer indefinite) runs the handler.
     */
    static void doubleToInt(Gen g, Insn i, boolean truncate) {
        var cb = g.cb;
        int b = w64(g, i);
        Label slow = cb.newLabel(), done = cb.newLabel(), convert = cb.newLabel();
        if (!truncate) {
            cb.aload(g.state).getfield(Gen.CD_STATE, "mxcsr", CD_int).ldc(Semantics.MXCSR_RC).iand().ifne(slow);
        }
        cb.lload(b).invokestatic(CD_DOUBLE, "longBitsToDouble", LONG_TO_DOUBLE);
        if (!truncate) cb.invokestatic(CD_MATH, "rint", MethodTypeDesc.of(CD_double, CD_double));
        cb.invokestatic(CD_DOUBLE, "doubleToRawLongBits", DOUBLE_TO_LONG);
        int x = g.toTemp(); // the value to convert, rounded for CVTSD2SI
        // In range: -2^(n-1) - 1 < x < 2^(n-1) (a NaN fails both tests).
        double limit = i.opsize == 8 ? 0x1p63 : 0x1p31;
        double below = i.opsize == 8 ? -0x1p63 : -0x1p31 - 1;
        cb.lload(x).invokestatic(CD_DOUBLE, "longBitsToDouble", LONG_TO_DOUBLE);
        if (i.opsize == 8) cb.ldc(below).dcmpl().iflt(slow);
        else cb.ldc(below).dcmpl().ifle(slow);
        cb.lload(x).invokestatic(CD_DOUBLE, "longBitsToDouble", LONG_TO_DOUBLE).ldc(limit).dcmpg().ifge(slow);
        // Exact (the integer converts back to the source) or PE already set.
        cb.aload(g.state).getfield(Gen.CD_STATE, "mxcsr", CD_int).ldc(Semantics.MXCSR_PE).iand().ifne(convert);
        cb.lload(x).invokestatic(CD_DOUBLE, "longBitsToDouble", LONG_TO_DOUBLE).d2l().l2d();
        cb.lload(b).invokestatic(CD_DOUBLE, "longBitsToDouble", LONG_TO_DOUBLE).dcmpl().ifne(slow);
        cb.labelBinding(convert);
        cb.lload(x).invokestatic(CD_DOUBLE, "longBitsToDouble", LONG_TO_DOUBLE).d2l();
        g.popToReg(i.reg, i.opsize);
        Fallback.slowPath(g, i, slow, done);
    }

    /** STMXCSR and VSTMXCSR: MXCSR to the 32-bit memory operand. */
    static void storeMxcsr(Gen g, Insn i) {
        int a = g.eaTemp(i);
        g.cb.aload(g.state).getfield(Gen.CD_STATE, "mxcsr", CD_int).i2l();
        int v = g.toTemp();
        g.store(a, 4, v);
    }

    /** LDMXCSR and VLDMXCSR: MXCSR from memory; a value with a reserved bit set runs the handler (#GP). */
    static void loadMxcsr(Gen g, Insn i) {
        var cb = g.cb;
        int a = g.eaTemp(i);
        g.load(a, 4);
        int v = g.toTemp();
        Label slow = cb.newLabel(), done = cb.newLabel();
        cb.lload(v).ldc((long) ~Semantics.MXCSR_WRITABLE & 0xFFFFFFFFL).land().lconst_0().lcmp().ifne(slow);
        cb.aload(g.state).lload(v).l2i().putfield(Gen.CD_STATE, "mxcsr", CD_int);
        Fallback.slowPath(g, i, slow, done);
    }

    /**
     * UCOMISD and COMISD: ZF, PF, CF from the comparison of the low doubles, the other status flags
     * cleared (an eager record, as the handler leaves it). Ordinary operands (no NaN, no denormal)
     * raise no exception in any MXCSR state and are compared inline; a NaN or a denormal (IE, DE,
     * DAZ) runs the handler.
     */
    static void comisd(Gen g, Insn i) {
        int b = w64(g, i);
        g.pushXmm(q(i.reg));
        int a = g.toTemp();
        Label slow = g.cb.newLabel(), done = g.cb.newLabel();
        ordinary(g, a, slow);
        ordinary(g, b, slow);
        g.cb.lload(a).invokestatic(CD_DOUBLE, "longBitsToDouble", LONG_TO_DOUBLE);
        g.cb.lload(b).invokestatic(CD_DOUBLE, "longBitsToDouble", LONG_TO_DOUBLE);
        g.cb.dcmpl();
        compareFlags(g);
        Fallback.slowPath(g, i, slow, done);
        g.flagsAreEager(); // both paths leave an eager record
    }

    /**
     * The eager flag record of (U)COMISD/(U)COMISS from the result of DCMPL or FCMPL of two
     * ordinary values on the stack: greater (1) sets no flag, equal (0) ZF, less (-1) CF.
     */
    static void compareFlags(Gen g) {
        var cb = g.cb;
        Label less = cb.newLabel(), equal = cb.newLabel(), flags = cb.newLabel();
        cb.dup().iflt(less);
        cb.ifeq(equal).lconst_0().goto_(flags);
        cb.labelBinding(equal);
        cb.ldc((long) Flags.ZF).goto_(flags);
        cb.labelBinding(less);
        cb.pop().ldc((long) Flags.CF);
        cb.labelBinding(flags);
        g.setEagerFlags();
    }

    /** Jumps to slow if the double in slot v is a NaN, an infinity or a denormal. */
    private static void ordinary(Gen g, int v, Label slow) {
        notDenormal(g, v, slow);
        g.cb.lload(v).ldc(EXPONENT).land().ldc(EXPONENT).lcmp().ifeq(slow);
    }

    /** MOVAPD/MOVAPS/MOVDQA xmm, xmm/m128 (aligned) and MOVUPD/MOVUPS/MOVDQU. */
    static void load128(Gen g, Insn i, boolean aligned) {
        int d = q(i.reg);
        int[] s = w128(g, i, aligned ? Ymm.Check.ALIGNED : Ymm.Check.STRADDLE);
        g.storeXmm(d, s[0]);
        g.storeXmm(d + 1, s[1]);
    }

    /** MOVAPD/MOVAPS/MOVDQA xmm/m128, xmm (aligned) and MOVUPD/MOVUPS/MOVDQU. */
    static void store128(Gen g, Insn i, boolean aligned) {
        int s = q(i.reg);
        if (i.mem) {
            int a = Ymm.address(g, i, 16, aligned ? Ymm.Check.ALIGNED : Ymm.Check.STRADDLE, true);
            Ymm.storeMemory(g, i.reg, 2, a);
            return;
        }
        g.pushXmm(s);
        int lo = g.toTemp();
        g.pushXmm(s + 1);
        int hi = g.toTemp();
        g.storeXmm(q(i.rm), lo);
        g.storeXmm(q(i.rm) + 1, hi);
    }

    /** MOVSD xmm, xmm/m64: from memory the high quadword is cleared, from a register it is kept. */
    static void movsdLoad(Gen g, Insn i) {
        int d = q(i.reg);
        int v = w64(g, i);
        g.storeXmm(d, v);
        if (i.mem) zeroHigh(g, d);
    }

    /** MOVSD xmm/m64, xmm and MOVQ m64, xmm: the low quadword (MOVQ to a register clears the high one). */
    static void storeLow(Gen g, Insn i, boolean clearsHigh) {
        g.pushXmm(q(i.reg));
        int v = g.toTemp();
        if (i.mem) {
            int a = g.eaTemp(i);
            g.store(a, 8, v);
        } else {
            g.storeXmm(q(i.rm), v);
            if (clearsHigh) zeroHigh(g, q(i.rm));
        }
    }

    /** MOVQ xmm, xmm/m64: the low quadword, the high one cleared. */
    static void movqLoad(Gen g, Insn i) {
        int d = q(i.reg);
        int v = w64(g, i);
        g.storeXmm(d, v);
        zeroHigh(g, d);
    }

    /** VMOVSD xmm, m64 and VMOVQ xmm, xmm/m64: the low quadword, bits 255:64 zeroed. */
    static void vexLoadLow(Gen g, Insn i) {
        movqLoad(g, i);
        Ymm.zeroUpper(g, i.reg);
    }

    /**
     * VMOVSD xmm1, xmm2, xmm3 (both encodings): register dest gets the low quadword of register
     * low and the high one of VEX.vvvv; bits 255:128 zeroed.
     */
    static void vexMerge(Gen g, Insn i, int dest, int low) {
        g.pushXmm(q(low));
        int lo = g.toTemp();
        g.pushXmm(q(i.vvvv) + 1);
        int hi = g.toTemp();
        g.storeXmm(q(dest), lo);
        g.storeXmm(q(dest) + 1, hi);
        Ymm.zeroUpper(g, dest);
    }

    /** VMOVQ xmm/m64, xmm: to memory the low quadword; to a register also bits 255:64 zeroed. */
    static void vexStoreLow(Gen g, Insn i) {
        storeLow(g, i, true);
        if (!i.mem) Ymm.zeroUpper(g, i.rm);
    }

    private static void zeroHigh(Gen g, int d) {
        g.cb.lconst_0();
        int zero = g.toTemp();
        g.storeXmm(d + 1, zero);
    }

    /** UNPCKLPD (high: false) and UNPCKHPD. */
    static void unpack(Gen g, Insn i, boolean high) {
        int d = q(i.reg);
        int[] s = w128(g, i);
        if (!high) {
            g.storeXmm(d + 1, s[0]);
            return;
        }
        g.pushXmm(d + 1);
        int d1 = g.toTemp();
        g.storeXmm(d, d1);
        g.storeXmm(d + 1, s[1]);
    }
}
