package jvisor.cpu.jit;

import static java.lang.constant.ConstantDescs.CD_long;
import static java.lang.constant.ConstantDescs.CD_void;

import java.lang.constant.ClassDesc;
import java.lang.constant.MethodTypeDesc;
import java.util.function.BiConsumer;

import jvisor.cpu.decode.Insn;

/**
 * Emitters of the AVX/AVX2 instructions glibc's *_avx2 string and memory functions are made of
 * (memchr, strlen, strchr, memcmp, memcpy, memset, ...): the VEX.128 and VEX.256 forms of the
 * integer lane-wise operations and the shifts by an immediate ({@link SimdIntegerForms}'
 * computations, the first source in VEX.vvvv; the unpacks, packs and byte shifts on each 128-bit
 * lane too), the whole-register moves VMOVDQU/VMOVDQA/
 * VMOVUPS/VMOVAPS/VMOVUPD/VMOVAPD, VPMOVMSKB, VPBROADCASTB/W/D/Q and VBROADCASTSS/SD,
 * VMOVD/VMOVQ with a general register, VZEROUPPER, and the double-precision forms of libm (see
 * {@link #floatingPoint}). As their handlers (VexLanes, AvxMove):
 * a VEX.128 form zeroes bits 255:128 of its destination, memory operands need no alignment but
 * for VMOVDQA/VMOVAPS/VMOVAPD (#GP), and a 256-bit operand, or a 128-bit one of a move, that
 * crosses a page is checked on both pages before it is accessed.
 */
final class VexForms {
    private static final ClassDesc CD_ARRAYS = ClassDesc.of("java.util.Arrays");

    private VexForms() {}

    static void register(BiConsumer<String, Forms.Emitter> add) {
        for (String[] group : new String[][] {SimdIntegerForms.LANE_OPS, SimdIntegerForms.LOGIC_OPS}) {
            for (String n : group) {
                add.accept("v" + n + " Vx,Hx,Wx", (g, i) -> SimdIntegerForms.lanes(g, i, n, i.vvvv, 2, Ymm.Check.NONE, true));
                add.accept("v" + n + " Vqq,Hqq,Wqq", (g, i) -> SimdIntegerForms.lanes(g, i, n, i.vvvv, 4, Ymm.Check.STRADDLE, false));
            }
        }
        for (String n : SimdIntegerForms.WHOLE_OPS) {
            add.accept("v" + n + " Vx,Hx,Wx", (g, i) -> SimdIntegerForms.whole(g, i, n, i.vvvv, 2, Ymm.Check.NONE, true));
            add.accept("v" + n + " Vqq,Hqq,Wqq", (g, i) -> SimdIntegerForms.whole(g, i, n, i.vvvv, 4, Ymm.Check.STRADDLE, false));
        }
        for (String n : SimdIntegerForms.BYTE_SHIFTS) {
            boolean right = n.equals("psrldq");
            add.accept("v" + n + " Hx,Ux,Ib", (g, i) -> SimdIntegerForms.byteShift(g, i, right, i.vvvv, i.rm, 2, true));
            add.accept("v" + n + " Hqq,Uqq,Ib", (g, i) -> SimdIntegerForms.byteShift(g, i, right, i.vvvv, i.rm, 4, false));
        }
        for (Object[] s : SimdIntegerForms.SHIFTS) {
            int kind = (Integer) s[1], width = (Integer) s[2];
            add.accept("v" + s[0] + " Hx,Ux,Ib", (g, i) -> SimdIntegerForms.shiftImm(g, i, kind, width, i.vvvv, 2, true));
            add.accept("v" + s[0] + " Hqq,Uqq,Ib", (g, i) -> SimdIntegerForms.shiftImm(g, i, kind, width, i.vvvv, 4, false));
        }
        for (String m : new String[] {"vmovdqu", "vmovups", "vmovupd", "vmovdqa", "vmovaps", "vmovapd"}) {
            boolean aligned = m.startsWith("vmova") || m.equals("vmovdqa");
            add.accept(m + " Vx,Wx", (g, i) -> load(g, i, 2, aligned));
            add.accept(m + " Vqq,Wqq", (g, i) -> load(g, i, 4, aligned));
            add.accept(m + " Wx,Vx", (g, i) -> store(g, i, 2, aligned));
            add.accept(m + " Wqq,Vqq", (g, i) -> store(g, i, 4, aligned));
        }
        add.accept("vpmovmskb Gd,Ux", (g, i) -> SimdIntegerForms.byteSigns(g, i, 2));
        add.accept("vpmovmskb Gd,Uqq", (g, i) -> SimdIntegerForms.byteSigns(g, i, 4));
        String[][] broadcasts = {{"vpbroadcastb", "b", "1"}, {"vpbroadcastw", "w", "2"}, {"vpbroadcastd", "d", "4"},
            {"vpbroadcastq", "q", "8"}};
        for (String[] b : broadcasts) {
            int size = Integer.parseInt(b[2]);
            add.accept(b[0] + " Vx,W" + b[1], (g, i) -> broadcast(g, i, size));
            add.accept(b[0] + " Vqq,W" + b[1], (g, i) -> broadcast(g, i, size));
        }
        for (String s : new String[] {"vbroadcastss Vx,Md", "vbroadcastss Vqq,Md", "vbroadcastss Vx,Ux", "vbroadcastss Vqq,Ux"}) {
            add.accept(s, (g, i) -> broadcast(g, i, 4));
        }
        for (String s : new String[] {"vbroadcastsd Vqq,Mq", "vbroadcastsd Vqq,Ux"}) add.accept(s, (g, i) -> broadcast(g, i, 8));
        add.accept("vmovd/vmovq Vx,Ey", (g, i) -> SimdIntegerForms.moveToXmm(g, i, true));
        add.accept("vmovd/vmovq Ey,Vx", SimdIntegerForms::moveFromXmm);
        add.accept("vzeroupper", VexForms::zeroUpper);
        floatingPoint(add);
    }

    /**
     * The AVX double-precision forms of glibc's libm (its *_avx variants, chosen when the CPU has
     * AVX but not FMA) and of code compiled with -mavx: the scalar and packed arithmetic
     * ({@link SseForms}' computations, the first source in VEX.vvvv), the bitwise logic on
     * packed doubles and singles, VMOVSD, VMOVQ, VCOMISD, VUCOMISD and VCVTSI2SD.
     */
    private static void floatingPoint(BiConsumer<String, Forms.Emitter> add) {
        String[] arith = {"add", "sub", "mul", "div", "min", "max"};
        for (String n : arith) {
            String m = n + "D"; // the Semantics method
            add.accept("v" + n + "sd Vx,Hx,Wsd", (g, i) -> SseForms.scalar(g, i, m, i.vvvv, true));
            add.accept("v" + n + "pd Vx,Hx,Wx", (g, i) -> SseForms.packed(g, i, m, i.vvvv, 2, Ymm.Check.NONE, true));
            add.accept("v" + n + "pd Vqq,Hqq,Wqq", (g, i) -> SseForms.packed(g, i, m, i.vvvv, 4, Ymm.Check.STRADDLE, false));
        }
        add.accept("vsqrtsd Vx,Hx,Wsd", (g, i) -> SseForms.scalar(g, i, "sqrtD", i.vvvv, true));
        // VSQRTPD has no first source: the lanes of the destination are read and not used.
        add.accept("vsqrtpd Vx,Wx", (g, i) -> SseForms.packed(g, i, "sqrtD", i.reg, 2, Ymm.Check.NONE, true));
        add.accept("vsqrtpd Vqq,Wqq", (g, i) -> SseForms.packed(g, i, "sqrtD", i.reg, 4, Ymm.Check.STRADDLE, false));
        String[][] logic = {{"vandpd", "vandps", "pand"}, {"vandnpd", "vandnps", "pandn"}, {"vorpd", "vorps", "por"},
            {"vxorpd", "vxorps", "pxor"}};
        for (String[] names : logic) {
            String op = names[2];
            for (int k = 0; k < 2; k++) {
                add.accept(names[k] + " Vx,Hx,Wx", (g, i) -> SimdIntegerForms.lanes(g, i, op, i.vvvv, 2, Ymm.Check.NONE, true));
                add.accept(names[k] + " Vqq,Hqq,Wqq", (g, i) -> SimdIntegerForms.lanes(g, i, op, i.vvvv, 4, Ymm.Check.STRADDLE, false));
            }
        }
        add.accept("vmovsd Vx,Mq", SseForms::vexLoadLow);
        add.accept("vmovq Vx,Wq", SseForms::vexLoadLow);
        add.accept("vmovsd Vx,Hx,Ux", (g, i) -> SseForms.vexMerge(g, i, i.reg, i.rm));
        add.accept("vmovsd Ux,Hx,Vx", (g, i) -> SseForms.vexMerge(g, i, i.rm, i.reg));
        add.accept("vmovsd Mq,Vx", (g, i) -> SseForms.storeLow(g, i, false));
        add.accept("vmovq Wq,Vx", SseForms::vexStoreLow);
        add.accept("vcomisd Vsd,Wsd", SseForms::comisd);
        add.accept("vucomisd Vsd,Wsd", SseForms::comisd);
        add.accept("vcvtsi2sd Vx,Hx,Ey", (g, i) -> SseForms.intToDouble(g, i, true));
    }

    /** VMOVDQU ... VMOVAPD into a register (quads: 2 for VEX.128, which zeroes bits 255:128, 4 for VEX.256). */
    private static void load(Gen g, Insn i, int quads, boolean aligned) {
        Ymm.Source w = Ymm.source(g, i, 8 * quads, aligned ? Ymm.Check.ALIGNED : Ymm.Check.STRADDLE);
        for (int k = 0; k < quads; k++) {
            Ymm.target(g, i.reg, k);
            w.push(g, k);
            Ymm.finish(g, i.reg, k);
        }
        if (quads == 2) Ymm.zeroUpper(g, i.reg);
    }

    /** VMOVDQU ... VMOVAPD from a register: to memory (nothing written before both pages are checked) or to register rm. */
    private static void store(Gen g, Insn i, int quads, boolean aligned) {
        if (!i.mem) {
            for (int k = 0; k < quads; k++) {
                Ymm.target(g, i.rm, k);
                Ymm.push(g, i.reg, k);
                Ymm.finish(g, i.rm, k);
            }
            if (quads == 2) Ymm.zeroUpper(g, i.rm);
            return;
        }
        int a = Ymm.address(g, i, 8 * quads, aligned ? Ymm.Check.ALIGNED : Ymm.Check.STRADDLE, true);
        Ymm.storeMemory(g, i.reg, quads, a);
    }

    /**
     * VPBROADCASTB/W/D/Q, VBROADCASTSS/SD: the low element of the source (size bytes of memory or
     * of register rm) in every element; VEX.128 zeroes bits 255:128.
     */
    private static void broadcast(Gen g, Insn i, int size) {
        var cb = g.cb;
        if (i.mem) {
            int a = g.eaTemp(i);
            g.load(a, size);
        } else {
            g.pushXmm(2 * i.rm);
            g.mask(size);
        }
        switch (size) {
            case 1 -> cb.ldc(0x0101010101010101L).lmul();
            case 2 -> cb.ldc(0x0001000100010001L).lmul();
            case 4 -> cb.ldc(0x0000000100000001L).lmul();
            default -> { }
        }
        int v = g.toTemp();
        boolean wide = i.vexL == 1;
        for (int k = 0; k < 4; k++) {
            Ymm.target(g, i.reg, k);
            if (k < 2 || wide) cb.lload(v); else cb.lconst_0();
            Ymm.finish(g, i.reg, k);
        }
    }

    /** VZEROUPPER: bits 255:128 of every YMM register become zero. */
    private static void zeroUpper(Gen g, Insn i) {
        g.pushYmmHi();
        g.cb.lconst_0().invokestatic(CD_ARRAYS, "fill", MethodTypeDesc.of(CD_void, Gen.CD_LONG_ARRAY, CD_long));
    }
}
