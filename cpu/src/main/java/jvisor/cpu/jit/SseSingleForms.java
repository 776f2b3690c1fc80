package jvisor.cpu.jit;

import static java.lang.constant.ConstantDescs.CD_double;
import static java.lang.constant.ConstantDescs.CD_float;
import static java.lang.constant.ConstantDescs.CD_int;
import static java.lang.constant.ConstantDescs.CD_long;

import java.lang.classfile.Label;
import java.lang.constant.ClassDesc;
import java.lang.constant.MethodTypeDesc;
import java.util.function.BiConsumer;

import jvisor.cpu.decode.Insn;
import jvisor.cpu.jit.SseForms.Arith;

/**
 * Emitters of the single-precision SSE and AVX forms float code is made of: MOVSS and VMOVSS,
 * scalar and packed ADD, SUB, MUL, DIV and SQRT (SS, PS; legacy, VEX.128, VEX.256),
 * CVTSS2SD and CVTSD2SS, COMISS and UCOMISS, and the shuffles of 32-bit elements compilers
 * vectorize with (SHUFPS, UNPCKLPS, UNPCKHPS, and PSHUFD). An element is 32 bits: element j of a register is
 * bits 32j+31:32j of its quadwords in CpuState.xmm (and ymmHi).
 *
 * <p>The arithmetic is the JVM's float arithmetic, inline, under the conditions of
 * {@link SseForms}' double lanes (MXCSR in Semantics.INLINE_MXCSR_MASK's state, no denormal
 * operand, and a result that raises nothing new: for ADD and SUB any finite one, for MUL and DIV
 * one of magnitude 2^-125 or more, so neither tiny nor rounded from a tiny value). Anything else
 * runs the instruction's interpreter handler from the unchanged state ({@link Fallback}): the
 * inline path writes nothing before it has decided.
 */
final class SseSingleForms {
    private static final ClassDesc CD_FLOAT = Gen.CD_FLOAT, CD_DOUBLE = Gen.CD_DOUBLE;
    private static final MethodTypeDesc INT_TO_FLOAT = MethodTypeDesc.of(CD_float, CD_int);
    private static final MethodTypeDesc FLOAT_TO_INT = MethodTypeDesc.of(CD_int, CD_float);
    private static final int EXPONENT = 0x7F800000;
    private static final long LOW = 0xFFFFFFFFL, HIGH = 0xFFFFFFFF00000000L;
    /** The smallest exponent field of an inline MUL or DIV result: 2^-125. */
    private static final int MIN_EXP_FIELD = 2;

    private SseSingleForms() {}

    static void register(BiConsumer<String, Forms.Emitter> add) {
        String[] names = {"add", "sub", "mul", "div"};
        Arith[] ops = {Arith.ADD, Arith.SUB, Arith.MUL, Arith.DIV};
        for (int k = 0; k < names.length; k++) {
            Arith op = ops[k];
            String n = names[k];
            add.accept(n + "ss Vx,Wss", (g, i) -> scalar(g, i, op, i.reg, false));
            add.accept(n + "ps Vx,Wx", (g, i) -> packed(g, i, op, i.reg, 2, Ymm.Check.ALIGNED, false));
            add.accept("v" + n + "ss Vx,Hx,Wss", (g, i) -> scalar(g, i, op, i.vvvv, true));
            add.accept("v" + n + "ps Vx,Hx,Wx", (g, i) -> packed(g, i, op, i.vvvv, 2, Ymm.Check.NONE, true));
            add.accept("v" + n + "ps Vqq,Hqq,Wqq", (g, i) -> packed(g, i, op, i.vvvv, 4, Ymm.Check.STRADDLE, false));
        }
        // SQRT has no first source: the destination's elements are read and not used.
        add.accept("sqrtss Vx,Wss", (g, i) -> scalar(g, i, Arith.SQRT, i.reg, false));
        add.accept("sqrtps Vx,Wx", (g, i) -> packed(g, i, Arith.SQRT, i.reg, 2, Ymm.Check.ALIGNED, false));
        add.accept("vsqrtss Vx,Hx,Wss", (g, i) -> scalar(g, i, Arith.SQRT, i.vvvv, true));
        add.accept("vsqrtps Vx,Wx", (g, i) -> packed(g, i, Arith.SQRT, i.reg, 2, Ymm.Check.NONE, true));
        add.accept("vsqrtps Vqq,Wqq", (g, i) -> packed(g, i, Arith.SQRT, i.reg, 4, Ymm.Check.STRADDLE, false));

        add.accept("movss Vx,Wss", SseSingleForms::movssLoad);
        add.accept("movss Wss,Vx", SseSingleForms::movssStore);
        add.accept("vmovss Vx,Md", SseSingleForms::movssLoad);
        add.accept("vmovss Md,Vx", SseSingleForms::movssStore);
        add.accept("vmovss Vx,Hx,Ux", (g, i) -> vexMerge(g, i, i.reg, i.rm));
        add.accept("vmovss Ux,Hx,Vx", (g, i) -> vexMerge(g, i, i.rm, i.reg));

        add.accept("cvtss2sd Vx,Wss", (g, i) -> toDouble(g, i, false));
        add.accept("vcvtss2sd Vx,Hx,Wss", (g, i) -> toDouble(g, i, true));
        add.accept("cvtsd2ss Vx,Wsd", (g, i) -> toSingle(g, i, false));
        add.accept("vcvtsd2ss Vx,Hx,Wsd", (g, i) -> toSingle(g, i, true));
        for (String s : new String[] {"comiss Vss,Wss", "ucomiss Vss,Wss", "vcomiss Vss,Wss", "vucomiss Vss,Wss"}) {
            add.accept(s, SseSingleForms::comiss);
        }

        // Shuffles: element j of each 128-bit lane of the result is element pick[j] of the lane,
        // from the first source (pick below 4) or from the W operand (pick - 4).
        int[] low = {0, 4, 1, 5}, high = {2, 6, 3, 7};
        add.accept("unpcklps Vx,Wx", (g, i) -> shuffle(g, i, low, i.reg, 2, Ymm.Check.ALIGNED, false));
        add.accept("unpckhps Vx,Wx", (g, i) -> shuffle(g, i, high, i.reg, 2, Ymm.Check.ALIGNED, false));
        add.accept("shufps Vx,Wx,Ib", (g, i) -> shuffle(g, i, shufps(i), i.reg, 2, Ymm.Check.ALIGNED, false));
        add.accept("vunpcklps Vx,Hx,Wx", (g, i) -> shuffle(g, i, low, i.vvvv, 2, Ymm.Check.NONE, true));
        add.accept("vunpckhps Vx,Hx,Wx", (g, i) -> shuffle(g, i, high, i.vvvv, 2, Ymm.Check.NONE, true));
        add.accept("vshufps Vx,Hx,Wx,Ib", (g, i) -> shuffle(g, i, shufps(i), i.vvvv, 2, Ymm.Check.NONE, true));
        add.accept("vunpcklps Vqq,Hqq,Wqq", (g, i) -> shuffle(g, i, low, i.vvvv, 4, Ymm.Check.STRADDLE, false));
        add.accept("vunpckhps Vqq,Hqq,Wqq", (g, i) -> shuffle(g, i, high, i.vvvv, 4, Ymm.Check.STRADDLE, false));
        add.accept("vshufps Vqq,Hqq,Wqq,Ib", (g, i) -> shuffle(g, i, shufps(i), i.vvvv, 4, Ymm.Check.STRADDLE, false));
        // PSHUFD takes every element from W (the destination's own are read and not used).
        add.accept("pshufd Vx,Wx,Ib", (g, i) -> shuffle(g, i, pshufd(i), i.reg, 2, Ymm.Check.ALIGNED, false));
        add.accept("vpshufd Vx,Wx,Ib", (g, i) -> shuffle(g, i, pshufd(i), i.reg, 2, Ymm.Check.NONE, true));
        add.accept("vpshufd Vqq,Wqq,Ib", (g, i) -> shuffle(g, i, pshufd(i), i.reg, 4, Ymm.Check.STRADDLE, false));
    }

    /** PSHUFD's picks: every element from W, chosen by two bits of the immediate. */
    private static int[] pshufd(Insn i) {
        int imm = (int) i.imm;
        return new int[] {4 + (imm & 3), 4 + (imm >> 2 & 3), 4 + (imm >> 4 & 3), 4 + (imm >> 6 & 3)};
    }

    /** SHUFPS's picks: elements 0 and 1 from the first source, 2 and 3 from W, each chosen by two bits of the immediate. */
    private static int[] shufps(Insn i) {
        int imm = (int) i.imm;
        return new int[] {imm & 3, imm >> 2 & 3, 4 + (imm >> 4 & 3), 4 + (imm >> 6 & 3)};
    }

    /**
     * A shuffle of elements within each 128-bit lane (see register): the lanes of register first
     * and of the W operand (read as check says) are read whole before the destination is written;
     * zeroUpper for a VEX.128 form.
     */
    static void shuffle(Gen g, Insn i, int[] pick, int first, int quads, Ymm.Check check, boolean zeroUpper) {
        var cb = g.cb;
        int[][] ops = Ymm.operands(g, i, first, quads, check);
        int[] a = ops[0], b = ops[1];
        for (int lane = 0; lane < quads; lane += 2) {
            for (int k = 0; k < 2; k++) {
                Ymm.target(g, i.reg, lane + k);
                for (int half = 0; half < 2; half++) {
                    int p = pick[2 * k + half];
                    int[] from = p < 4 ? a : b;
                    int e = p & 3; // element e of the lane: quadword lane + e / 2, bits 32 * (e % 2)
                    cb.lload(from[lane + e / 2]);
                    if (e % 2 == 1) cb.bipush(32).lushr();
                    else cb.ldc(LOW).land();
                    if (half == 1) cb.bipush(32).lshl().lor();
                }
                Ymm.finish(g, i.reg, lane + k);
            }
        }
        if (zeroUpper) Ymm.zeroUpper(g, i.reg);
    }

    /** The 32-bit W operand (an element of register rm, or 4 bytes of memory) zero-extended into a temporary. */
    private static int w32(Gen g, Insn i) {
        if (i.mem) {
            int a = g.eaTemp(i);
            g.load(a, 4);
        } else {
            g.pushXmm(SseForms.q(i.rm));
            g.cb.ldc(LOW).land();
        }
        return g.toTemp();
    }

    /** Four int temporaries for {@link #lane}: the operands, the result and the exponent. */
    private static int[] laneTemps(Gen g) {
        return new int[] {g.intTemp(), g.intTemp(), g.intTemp(), g.intTemp()};
    }

    /**
     * One element inline: the element of slot a at bit aShift op the one of slot b at bShift, its
     * bits left in t[2]; a jump to slow where the inline arithmetic would not be exact or would
     * raise a flag (see the class comment).
     */
    private static void lane(Gen g, Arith op, int a, int aShift, int b, int bShift, int[] t, Label slow) {
        var cb = g.cb;
        int x = t[0], y = t[1], r = t[2], e = t[3];
        element(g, b, bShift);
        cb.istore(y);
        if (op == Arith.SQRT) {
            // A positive normal (as a signed int: 0x00800000 up to, not including, infinity) has a normal root.
            cb.iload(y).ldc(0x00800000).if_icmplt(slow);
            cb.iload(y).ldc(EXPONENT).if_icmpge(slow);
            cb.iload(y).invokestatic(CD_FLOAT, "intBitsToFloat", INT_TO_FLOAT).f2d()
                    .invokestatic(Gen.CD_MATH, "sqrt", MethodTypeDesc.of(CD_double, CD_double)).d2f()
                    .invokestatic(CD_FLOAT, "floatToRawIntBits", FLOAT_TO_INT).istore(r);
            return;
        }
        element(g, a, aShift);
        cb.istore(x);
        notDenormal(g, x, slow);
        notDenormal(g, y, slow);
        cb.iload(x).invokestatic(CD_FLOAT, "intBitsToFloat", INT_TO_FLOAT);
        cb.iload(y).invokestatic(CD_FLOAT, "intBitsToFloat", INT_TO_FLOAT);
        switch (op) {
            case ADD -> cb.fadd();
            case SUB -> cb.fsub();
            case MUL -> cb.fmul();
            default -> cb.fdiv();
        }
        cb.invokestatic(CD_FLOAT, "floatToRawIntBits", FLOAT_TO_INT).istore(r);
        if (op == Arith.ADD || op == Arith.SUB) {
            // As for doubles: a sum of normals or zeros that is tiny is exact; only infinity or NaN needs the handler.
            cb.iload(r).ldc(EXPONENT).iand().ldc(EXPONENT).if_icmpeq(slow);
            return;
        }
        inRange(g, r, e, slow);
    }

    /**
     * Jumps to slow unless the float bits in int slot r have an exponent field in
     * [MIN_EXP_FIELD, 0xFE] (finite, and 2^-125 or more: see the class comment); e is an int
     * temporary. The field passes when (e - min) | (0xFE - e) >= 0.
     */
    private static void inRange(Gen g, int r, int e, Label slow) {
        var cb = g.cb;
        cb.iload(r).bipush(23).iushr().sipush(0xFF).iand().istore(e);
        cb.iload(e).bipush(MIN_EXP_FIELD).isub().sipush(0xFE).iload(e).isub().ior().iflt(slow);
    }

    /** Pushes the 32-bit element at bit shift (0 or 32) of the quadword in slot v, as an int. */
    private static void element(Gen g, int v, int shift) {
        g.cb.lload(v);
        if (shift > 0) g.cb.bipush(shift).lushr();
        g.cb.l2i();
    }

    /** Jumps to slow if the float bits in int slot v are a denormal (exponent field 0, nonzero). */
    private static void notDenormal(Gen g, int v, Label slow) {
        Label ok = g.cb.newLabel();
        g.cb.iload(v).ldc(EXPONENT).iand().ifne(ok);
        g.cb.iload(v).iconst_1().ishl().ifne(slow);
        g.cb.labelBinding(ok);
    }

    /**
     * ADDSS ... SQRTSS and their VEX forms: element 0 = op(element 0 of register first, of W);
     * bits 127:32 from register first (the destination for the legacy form; VEX.vvvv, and bits
     * 255:128 zeroed, for the VEX form).
     */
    static void scalar(Gen g, Insn i, Arith op, int first, boolean vex) {
        var cb = g.cb;
        int d = SseForms.q(i.reg);
        int b = w32(g, i);
        g.pushXmm(SseForms.q(first));
        int a = g.toTemp();
        int high = SseForms.highOf(g, i, vex);
        int[] t = laneTemps(g);
        Label slow = cb.newLabel(), done = cb.newLabel();
        SseForms.inlineGuard(g, slow);
        lane(g, op, a, 0, b, 0, t, slow);
        cb.lload(a).ldc(HIGH).land().iload(t[2]).i2l().ldc(LOW).land().lor();
        int r = g.toTemp();
        g.storeXmm(d, r);
        SseForms.finishScalar(g, i, vex, high);
        Fallback.slowPath(g, i, slow, done);
    }

    /**
     * ADDPS ... SQRTPS on the 2 * quads elements of register first and of the W operand (read as
     * check says): all computed before any is written; zeroUpper for a VEX.128 form.
     */
    static void packed(Gen g, Insn i, Arith op, int first, int quads, Ymm.Check check, boolean zeroUpper) {
        var cb = g.cb;
        int[][] ops = Ymm.operands(g, i, first, quads, check);
        int[] a = ops[0], b = ops[1];
        int[] r = new int[quads];
        for (int k = 0; k < quads; k++) r[k] = SseForms.result(g);
        int[] t = laneTemps(g);
        Label slow = cb.newLabel(), done = cb.newLabel();
        SseForms.inlineGuard(g, slow);
        for (int k = 0; k < quads; k++) {
            lane(g, op, a[k], 0, b[k], 0, t, slow);
            cb.iload(t[2]).i2l().ldc(LOW).land().lstore(r[k]);
            lane(g, op, a[k], 32, b[k], 32, t, slow);
            cb.iload(t[2]).i2l().bipush(32).lshl().lload(r[k]).lor().lstore(r[k]);
        }
        for (int k = 0; k < quads; k++) Ymm.store(g, i.reg, k, r[k]);
        if (zeroUpper) Ymm.zeroUpper(g, i.reg);
        Fallback.slowPath(g, i, slow, done);
    }

    /** MOVSS xmm, xmm/m32 and VMOVSS xmm, m32: from memory bits 127:32 cleared (VEX: 255:32), from a register kept. */
    static void movssLoad(Gen g, Insn i) {
        int d = SseForms.q(i.reg);
        int v = w32(g, i);
        if (i.mem) {
            g.storeXmm(d, v);
            g.cb.lconst_0();
            int zero = g.toTemp();
            g.storeXmm(d + 1, zero);
            if (i.form.vex) Ymm.zeroUpper(g, i.reg);
            return;
        }
        g.pushXmm(d);
        g.cb.ldc(HIGH).land().lload(v).lor();
        int r = g.toTemp();
        g.storeXmm(d, r);
    }

    /** MOVSS xmm/m32, xmm and VMOVSS m32, xmm: element 0 of register reg to memory, or into element 0 of register rm. */
    static void movssStore(Gen g, Insn i) {
        g.pushXmm(SseForms.q(i.reg));
        g.cb.ldc(LOW).land();
        int v = g.toTemp();
        if (i.mem) {
            int a = g.eaTemp(i);
            g.store(a, 4, v);
            return;
        }
        g.pushXmm(SseForms.q(i.rm));
        g.cb.ldc(HIGH).land().lload(v).lor();
        int r = g.toTemp();
        g.storeXmm(SseForms.q(i.rm), r);
    }

    /** VMOVSS xmm1, xmm2, xmm3 (both encodings): element 0 of register low, bits 127:32 of VEX.vvvv, 255:128 zeroed. */
    static void vexMerge(Gen g, Insn i, int dest, int low) {
        var cb = g.cb;
        g.pushXmm(SseForms.q(i.vvvv));
        cb.ldc(HIGH).land();
        g.pushXmm(SseForms.q(low));
        cb.ldc(LOW).land().lor();
        int lo = g.toTemp();
        g.pushXmm(SseForms.q(i.vvvv) + 1);
        int hi = g.toTemp();
        g.storeXmm(SseForms.q(dest), lo);
        g.storeXmm(SseForms.q(dest) + 1, hi);
        Ymm.zeroUpper(g, dest);
    }

    /**
     * CVTSS2SD (vex: VCVTSS2SD, the high quadword from VEX.vvvv, bits 255:128 zeroed): a normal
     * float or a zero converts exactly and raises nothing in any MXCSR state; a denormal (DE, DAZ),
     * an infinity or a NaN runs the handler.
     */
    static void toDouble(Gen g, Insn i, boolean vex) {
        var cb = g.cb;
        int b = w32(g, i);
        int high = SseForms.highOf(g, i, vex);
        Label slow = cb.newLabel(), done = cb.newLabel(), convert = cb.newLabel();
        int e = g.intTemp();
        cb.lload(b).l2i().ldc(EXPONENT).iand().istore(e);
        cb.iload(e).ldc(EXPONENT).if_icmpeq(slow); // infinity, NaN
        cb.iload(e).ifne(convert);
        cb.lload(b).l2i().iconst_1().ishl().ifne(slow); // a denormal (a zero converts)
        cb.labelBinding(convert);
        cb.lload(b).l2i().invokestatic(CD_FLOAT, "intBitsToFloat", INT_TO_FLOAT).f2d()
                .invokestatic(CD_DOUBLE, "doubleToRawLongBits", MethodTypeDesc.of(CD_long, CD_double));
        int r = g.toTemp();
        g.storeXmm(SseForms.q(i.reg), r);
        SseForms.finishScalar(g, i, vex, high);
        Fallback.slowPath(g, i, slow, done);
    }

    /**
     * CVTSD2SS (vex: VCVTSD2SS): with MXCSR in the inline state, an ordinary double (no NaN,
     * infinity or denormal) whose float result is normal and at least 2^-125 rounds as the JVM
     * rounds and raises nothing new; anything else runs the handler.
     */
    static void toSingle(Gen g, Insn i, boolean vex) {
        var cb = g.cb;
        int d = SseForms.q(i.reg);
        int b = SseForms.w64(g, i);
        int high = SseForms.highOf(g, i, vex);
        int first = vex ? SseForms.q(i.vvvv) : d; // bits 63:32 of the result's quadword come from here
        Label slow = cb.newLabel(), done = cb.newLabel();
        SseForms.inlineGuard(g, slow);
        int e = g.intTemp(), r = g.intTemp();
        // The double's exponent field in [1, 0x7FE]: (e - 1) | (0x7FE - e) >= 0.
        cb.lload(b).bipush(52).lushr().l2i().sipush(0x7FF).iand().istore(e);
        cb.iload(e).iconst_1().isub().sipush(0x7FE).iload(e).isub().ior().iflt(slow);
        cb.lload(b).invokestatic(CD_DOUBLE, "longBitsToDouble", MethodTypeDesc.of(CD_double, CD_long)).d2f()
                .invokestatic(CD_FLOAT, "floatToRawIntBits", FLOAT_TO_INT).istore(r);
        inRange(g, r, e, slow);
        g.pushXmm(first);
        cb.ldc(HIGH).land().iload(r).i2l().ldc(LOW).land().lor();
        int v = g.toTemp();
        g.storeXmm(d, v);
        SseForms.finishScalar(g, i, vex, high);
        Fallback.slowPath(g, i, slow, done);
    }

    /**
     * COMISS, UCOMISS and their VEX forms: ZF, PF, CF from the comparison of element 0 of each
     * operand, the other status flags cleared (an eager record). Ordinary operands (no NaN,
     * infinity or denormal) raise nothing in any MXCSR state and are compared inline; others run
     * the handler.
     */
    static void comiss(Gen g, Insn i) {
        var cb = g.cb;
        int b = w32(g, i);
        g.pushXmm(SseForms.q(i.reg));
        int a = g.toTemp();
        Label slow = cb.newLabel(), done = cb.newLabel();
        int x = g.intTemp();
        for (int v : new int[] {a, b}) {
            // The exponent field in [1, 0xFE], or a zero.
            Label ok = cb.newLabel();
            cb.lload(v).l2i().ldc(EXPONENT).iand().istore(x);
            cb.iload(x).ldc(EXPONENT).if_icmpeq(slow);
            cb.iload(x).ifne(ok);
            cb.lload(v).l2i().iconst_1().ishl().ifne(slow);
            cb.labelBinding(ok);
        }
        cb.lload(a).l2i().invokestatic(CD_FLOAT, "intBitsToFloat", INT_TO_FLOAT);
        cb.lload(b).l2i().invokestatic(CD_FLOAT, "intBitsToFloat", INT_TO_FLOAT);
        cb.fcmpl();
        SseForms.compareFlags(g);
        Fallback.slowPath(g, i, slow, done);
        g.flagsAreEager(); // both paths leave an eager record
    }
}
