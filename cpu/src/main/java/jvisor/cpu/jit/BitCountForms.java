package jvisor.cpu.jit;

import static java.lang.constant.ConstantDescs.CD_boolean;
import static java.lang.constant.ConstantDescs.CD_int;
import static java.lang.constant.ConstantDescs.CD_long;

import java.lang.classfile.Label;
import java.lang.constant.MethodTypeDesc;
import java.util.function.BiConsumer;

import jvisor.cpu.Flags;
import jvisor.cpu.decode.Insn;

/**
 * Emitters of the bit scans and counts (BitOps' handlers): TZCNT and LZCNT (CF = source zero,
 * ZF = count zero, the other status flags cleared as Intel hardware does), POPCNT (ZF = source
 * zero, the rest cleared), BSF and BSR (a zero source sets ZF and PF and leaves the destination
 * as it was; otherwise ZF is clear and PF is the parity of the index, as the hardware leaves the
 * flags the SDM calls undefined), and BZHI. All record their flags eagerly, as the handlers do.
 */
final class BitCountForms {
    private static final MethodTypeDesc LONG_TO_INT = MethodTypeDesc.of(CD_int, CD_long);

    private BitCountForms() {}

    static void register(BiConsumer<String, Forms.Emitter> add) {
        add.accept("tzcnt Gv,Ev", (g, i) -> zeroCount(g, i, true));
        add.accept("lzcnt Gv,Ev", (g, i) -> zeroCount(g, i, false));
        add.accept("popcnt Gv,Ev", BitCountForms::popcnt);
        add.accept("bsf Gv,Ev", (g, i) -> scan(g, i, true));
        add.accept("bsr Gv,Ev", (g, i) -> scan(g, i, false));
        add.accept("bzhi Gy,Ey,By", BitCountForms::bzhi);
    }

    /**
     * BZHI (BMI2, as Bmi's handler): the source with the bits from index n = VEX.vvvv[7:0] up
     * cleared, or whole when n is past the top (then CF); ZF and SF from the result, the other
     * status flags clear. glibc's *_avx2 memchr, memcmp and strncmp cut their last vector with it.
     */
    private static void bzhi(Gen g, Insn i) {
        var cb = g.cb;
        int size = i.opsize, bits = 8 * size;
        int src = source(g, i);
        int n = g.intTemp();
        g.pushReg(i.vvvv, size);
        cb.l2i().sipush(0xFF).iand().istore(n);
        Label whole = cb.newLabel(), inRange = cb.newLabel(), flags = cb.newLabel();
        cb.iload(n).bipush(bits).if_icmpge(whole);
        cb.lload(src).lconst_1().iload(n).lshl().lconst_1().lsub().land().lstore(src);
        cb.labelBinding(whole);
        cb.lload(src);
        g.popToReg(i.reg, size);
        if (g.flagsDead()) {
            g.forgetFlags();
            return;
        }
        cb.lload(src).ldc(size);
        cb.iload(n).bipush(bits).if_icmplt(inRange).iconst_1().goto_(flags); // CF: the index is past the top
        cb.labelBinding(inRange);
        cb.iconst_0();
        cb.labelBinding(flags);
        cb.invokestatic(Gen.CD_SEMANTICS, "bmiStatus", MethodTypeDesc.of(CD_long, CD_long, CD_int, CD_boolean));
        g.setEagerFlags();
    }

    /** The source (E at the operand size, zero-extended) in a temporary. */
    private static int source(Gen g, Insn i) {
        int a = i.mem ? g.eaTemp(i) : -1;
        return g.readE(i, i.opsize, a);
    }

    /** TZCNT, LZCNT: the count of zero bits below the lowest (above the highest) one; the operand size for zero. */
    private static void zeroCount(Gen g, Insn i, boolean trailing) {
        var cb = g.cb;
        int v = source(g, i);
        int bits = i.opsize * 8;
        Label zero = cb.newLabel(), done = cb.newLabel();
        cb.lload(v).lconst_0().lcmp().ifeq(zero);
        cb.lload(v).invokestatic(Gen.CD_LONG, trailing ? "numberOfTrailingZeros" : "numberOfLeadingZeros", LONG_TO_INT);
        if (!trailing) cb.ldc(64 - bits).isub();
        cb.i2l().goto_(done);
        cb.labelBinding(zero);
        cb.ldc((long) bits);
        cb.labelBinding(done);
        int n = g.toTemp();
        cb.lload(n);
        g.popToReg(i.reg, i.opsize);
        if (g.flagsDead()) {
            g.forgetFlags();
            return;
        }
        ifZero(g, v, Flags.CF);
        ifZero(g, n, Flags.ZF);
        cb.lor();
        g.setEagerFlags();
    }

    /** POPCNT: the number of one bits. */
    private static void popcnt(Gen g, Insn i) {
        var cb = g.cb;
        int v = source(g, i);
        cb.lload(v).invokestatic(Gen.CD_LONG, "bitCount", LONG_TO_INT).i2l();
        g.popToReg(i.reg, i.opsize);
        if (g.flagsDead()) {
            g.forgetFlags();
            return;
        }
        ifZero(g, v, Flags.ZF);
        g.setEagerFlags();
    }

    /** BSF, BSR: the index of the lowest (highest) one bit; a zero source leaves the destination. */
    private static void scan(Gen g, Insn i, boolean forward) {
        var cb = g.cb;
        int v = source(g, i);
        Label zero = cb.newLabel(), done = cb.newLabel();
        cb.lload(v).lconst_0().lcmp().ifeq(zero);
        if (forward) {
            cb.lload(v).invokestatic(Gen.CD_LONG, "numberOfTrailingZeros", LONG_TO_INT);
        } else {
            cb.bipush(63).lload(v).invokestatic(Gen.CD_LONG, "numberOfLeadingZeros", LONG_TO_INT).isub();
        }
        int idx = g.intTemp();
        cb.istore(idx);
        cb.iload(idx).i2l();
        g.popToReg(i.reg, i.opsize);
        boolean flags = !g.flagsDead();
        if (flags) {
            Label even = cb.newLabel(), status = cb.newLabel();
            cb.iload(idx).i2l().invokestatic(Gen.CD_FLAGS, "parity", MethodTypeDesc.of(CD_boolean, CD_long)).ifeq(even);
            cb.ldc(Flags.PF).goto_(status);
            cb.labelBinding(even);
            cb.lconst_0();
            cb.labelBinding(status);
            g.setEagerFlags();
        }
        cb.goto_(done);
        cb.labelBinding(zero);
        if (flags) {
            cb.ldc(Flags.ZF | Flags.PF);
            g.setEagerFlags();
        }
        cb.labelBinding(done);
        if (!flags) g.forgetFlags();
    }

    /** Pushes bit (a long) if the long in slot v is zero, else 0. */
    private static void ifZero(Gen g, int v, long bit) {
        var cb = g.cb;
        Label nonzero = cb.newLabel(), done = cb.newLabel();
        cb.lload(v).lconst_0().lcmp().ifne(nonzero);
        cb.ldc(bit).goto_(done);
        cb.labelBinding(nonzero);
        cb.lconst_0();
        cb.labelBinding(done);
    }
}
