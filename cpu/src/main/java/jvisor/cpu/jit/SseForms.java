package jvisor.cpu.jit;

import static java.lang.constant.ConstantDescs.CD_long;
import static java.lang.constant.ConstantDescs.CD_void;

import java.lang.classfile.Label;
import java.lang.constant.ClassDesc;
import java.lang.constant.MethodTypeDesc;

import jvisor.cpu.decode.Insn;

/**
 * Emitters of the SSE2 instructions double-precision loops are made of: MOVSD, MOVQ, the aligned
 * 128-bit moves (MOVAPD, MOVAPS, MOVDQA; the unaligned ones between registers), scalar and packed
 * ADD, SUB, MUL, DIV, MIN, MAX, SQRT, the bitwise logic (ANDPD ... PXOR) and UNPCKLPD/UNPCKHPD. They
 * follow their handlers in jvisor.cpu.insn (SseMove, SseFloat, SseInteger, XmmAccess) with the
 * same arithmetic (jvisor.cpu.insn.Semantics reaches SseMath): XMM registers stay in CpuState.xmm,
 * indexed here by constants; a 128-bit memory operand of an aligned form faults #GP before its
 * page faults; the destination is written only after the instruction's SIMD exceptions are
 * committed (#XM).
 */
final class SseForms {
    private static final ClassDesc CD_CPU_FAULT = ClassDesc.of("jvisor.cpu.CpuFault");
    private static final MethodTypeDesc BINARY = MethodTypeDesc.of(CD_long, Gen.CD_STATE, CD_long, CD_long);

    /** Bitwise operations of the logic forms. */
    static final int AND = 0, ANDN = 1, OR = 2, XOR = 3;

    private SseForms() {}

    /** Index in CpuState.xmm of the low quadword of XMM register n. */
    private static int q(int n) {
        return n << 1;
    }

    /**
     * The address of a 16-byte memory operand that must be aligned, in a temporary: #GP when it
     * is not (XmmAccess.aligned).
     */
    private static int alignedAddress(Gen g, Insn i) {
        int a = g.eaTemp(i);
        g.mayFault();
        Label ok = g.cb.newLabel();
        g.cb.lload(a).ldc(15L).land().lconst_0().lcmp().ifeq(ok);
        g.cb.invokestatic(CD_CPU_FAULT, "generalProtection", MethodTypeDesc.of(CD_CPU_FAULT)).athrow();
        g.cb.labelBinding(ok);
        return a;
    }

    /** The 128-bit W operand (register, or aligned memory: low quadword first) into two temporaries. */
    private static int[] w128(Gen g, Insn i) {
        if (!i.mem) {
            g.pushXmm(q(i.rm));
            int lo = g.toTemp();
            g.pushXmm(q(i.rm) + 1);
            return new int[] {lo, g.toTemp()};
        }
        int a = alignedAddress(g, i);
        g.load(a, 8);
        int lo = g.toTemp();
        g.cb.lload(a).ldc(8L).ladd();
        int a8 = g.toTemp();
        g.load(a8, 8);
        return new int[] {lo, g.toTemp()};
    }

    /** The 64-bit W operand (the low quadword of a register, or 8 bytes of memory, no alignment) into a temporary. */
    private static int w64(Gen g, Insn i) {
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
        int d = q(i.reg);
        int b = w64(g, i);
        g.cb.aload(g.state);
        g.pushXmm(d);
        g.cb.lload(b).invokestatic(Gen.CD_SEMANTICS, name, BINARY);
        int r = g.toTemp();
        commit(g);
        g.storeXmm(d, r);
    }

    /** Packed double ADD ... SQRT: both lanes computed, the exceptions committed, then both written. */
    static void packed(Gen g, Insn i, String name) {
        int d = q(i.reg);
        int[] s = w128(g, i);
        g.cb.aload(g.state);
        g.pushXmm(d);
        g.cb.lload(s[0]).invokestatic(Gen.CD_SEMANTICS, name, BINARY);
        int r0 = g.toTemp();
        g.cb.aload(g.state);
        g.pushXmm(d + 1);
        g.cb.lload(s[1]).invokestatic(Gen.CD_SEMANTICS, name, BINARY);
        int r1 = g.toTemp();
        commit(g);
        g.storeXmm(d, r0);
        g.storeXmm(d + 1, r1);
    }

    /** ANDPD/ANDPS/PAND, ANDN..., OR..., XOR... on all 128 bits. */
    static void logic(Gen g, Insn i, int op) {
        int d = q(i.reg);
        int[] s = w128(g, i);
        for (int half = 0; half < 2; half++) {
            g.pushXmm(d + half);
            if (op == ANDN) g.cb.ldc(-1L).lxor();
            g.cb.lload(s[half]);
            switch (op) {
                case AND, ANDN -> g.cb.land();
                case OR -> g.cb.lor();
                default -> g.cb.lxor();
            }
            int r = g.toTemp();
            g.storeXmm(d + half, r);
        }
    }

    /** MOVAPD/MOVAPS/MOVDQA xmm, xmm/m128 (and the unaligned forms between registers). */
    static void load128(Gen g, Insn i) {
        int d = q(i.reg);
        int[] s = w128(g, i);
        g.storeXmm(d, s[0]);
        g.storeXmm(d + 1, s[1]);
    }

    /** MOVAPD/MOVAPS/MOVDQA xmm/m128, xmm (and the unaligned forms between registers). */
    static void store128(Gen g, Insn i) {
        int s = q(i.reg);
        g.pushXmm(s);
        int lo = g.toTemp();
        g.pushXmm(s + 1);
        int hi = g.toTemp();
        if (!i.mem) {
            g.storeXmm(q(i.rm), lo);
            g.storeXmm(q(i.rm) + 1, hi);
            return;
        }
        int a = alignedAddress(g, i);
        g.store(a, 8, lo);
        g.cb.lload(a).ldc(8L).ladd();
        int a8 = g.toTemp();
        g.store(a8, 8, hi);
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
