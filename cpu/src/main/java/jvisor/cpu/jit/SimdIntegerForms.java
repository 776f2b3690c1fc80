package jvisor.cpu.jit;

import static java.lang.constant.ConstantDescs.CD_int;
import static java.lang.constant.ConstantDescs.CD_long;

import java.lang.constant.MethodTypeDesc;
import java.util.function.BiConsumer;

import jvisor.cpu.decode.Insn;
import jvisor.cpu.insn.SimdSemantics;

/**
 * Emitters of the SSE2 integer instructions compiled code and glibc's string functions run in
 * their loops: the lane-wise operations on two 64-bit halves (PADD/PSUB B/W/D/Q, the saturating
 * ones, PCMPEQ/PCMPGT, PMIN/PMAX, PAVG, PSADBW, the multiplies; PAND..PXOR, also for ANDPD..XORPS),
 * the shifts by an immediate (PSRL/PSRA/PSLL W/D/Q), MOVD/MOVQ between a general register or
 * memory and an XMM register, and PMOVMSKB. The lane computations are SseInteger's
 * (jvisor.cpu.insn.SimdSemantics reaches them): the cheapest ones, the same formulas written as
 * bytecode, the others a call the JVM inlines with the operation a constant. {@link VexForms}
 * uses the same computations for the VEX forms.
 */
final class SimdIntegerForms {
    /** The lane-wise operations (SseInteger.op64) by mnemonic, without PAND, PANDN, POR, PXOR. */
    static final String[] LANE_OPS = {"paddb", "paddw", "paddd", "paddq", "psubb", "psubw", "psubd", "psubq",
        "paddusb", "paddusw", "psubusb", "psubusw", "paddsb", "paddsw", "psubsb", "psubsw",
        "pcmpeqb", "pcmpeqw", "pcmpeqd", "pcmpgtb", "pcmpgtw", "pcmpgtd", "pminub", "pmaxub", "pminsw", "pmaxsw",
        "pavgb", "pavgw", "psadbw", "pmullw", "pmulhw", "pmulhuw", "pmuludq", "pmaddwd"};
    static final String[] LOGIC_OPS = {"pand", "pandn", "por", "pxor"};
    /** Shifts by an immediate: mnemonic, kind (SimdSemantics.SRL/SRA/SLL), lane width. */
    static final Object[][] SHIFTS = {{"psrlw", SimdSemantics.SRL, 16}, {"psraw", SimdSemantics.SRA, 16},
        {"psllw", SimdSemantics.SLL, 16}, {"psrld", SimdSemantics.SRL, 32}, {"psrad", SimdSemantics.SRA, 32},
        {"pslld", SimdSemantics.SLL, 32}, {"psrlq", SimdSemantics.SRL, 64}, {"psllq", SimdSemantics.SLL, 64}};

    /** Names of the forms of this family and of {@link VexForms}, none of which reads or writes the flags ({@link FlagLiveness}). */
    static final java.util.Set<String> NO_FLAGS = noFlags();

    private static final long H8 = 0x8080808080808080L, L8 = 0x7F7F7F7F7F7F7F7FL;
    private static final long H16 = 0x8000800080008000L, L16 = 0x7FFF7FFF7FFF7FFFL;
    private static final long LOW32 = 0xFFFFFFFFL, HIGH32 = 0xFFFFFFFF00000000L;

    private SimdIntegerForms() {}

    private static java.util.Set<String> noFlags() {
        java.util.Set<String> s = new java.util.HashSet<>(java.util.List.of("movd/movq", "vmovd/vmovq", "pmovmskb", "vpmovmskb",
                "vzeroupper", "vpbroadcastb", "vpbroadcastw", "vpbroadcastd", "vpbroadcastq", "vbroadcastss", "vbroadcastsd",
                "vmovdqu", "vmovups", "vmovupd", "vmovdqa", "vmovaps", "vmovapd"));
        for (String[] group : new String[][] {LANE_OPS, LOGIC_OPS}) {
            for (String n : group) {
                s.add(n);
                s.add("v" + n);
            }
        }
        for (Object[] shift : SHIFTS) {
            s.add((String) shift[0]);
            s.add("v" + shift[0]);
        }
        return java.util.Set.copyOf(s);
    }

    static void register(BiConsumer<String, Forms.Emitter> add) {
        for (String n : LANE_OPS) add.accept(n + " Vx,Wx", (g, i) -> lanes(g, i, n, i.reg, 2, Ymm.Check.ALIGNED, false));
        for (Object[] s : SHIFTS) {
            int kind = (Integer) s[1], width = (Integer) s[2];
            add.accept(s[0] + " Ux,Ib", (g, i) -> shiftImm(g, i, kind, width, i.rm, 2, false));
        }
        add.accept("movd/movq Vx,Ey", (g, i) -> moveToXmm(g, i, false));
        add.accept("movd/movq Ey,Vx", SimdIntegerForms::moveFromXmm);
        add.accept("pmovmskb Gd,Ux", (g, i) -> byteSigns(g, i, 2));
    }

    /**
     * A lane-wise operation: quadword k of register i.reg = op(quadword k of register first, of
     * the W operand), for quads quadwords; zeroUpper for a VEX.128 form.
     */
    static void lanes(Gen g, Insn i, String name, int first, int quads, Ymm.Check check, boolean zeroUpper) {
        Ymm.Source w = Ymm.source(g, i, 8 * quads, check);
        int a = Ymm.freeTemp(g), b = Ymm.freeTemp(g);
        for (int k = 0; k < quads; k++) {
            // Quadword k of the destination depends on quadword k of the sources only: writing it
            // before reading the next is right even when the destination is a source.
            Ymm.push(g, first, k);
            g.cb.lstore(a);
            w.push(g, k);
            g.cb.lstore(b);
            Ymm.target(g, i.reg, k);
            laneOp(g, name, a, b);
            g.cb.lastore();
        }
        if (zeroUpper) Ymm.zeroUpper(g, i.reg);
    }

    /** Pushes op(a, b) for the longs in slots a and b: SseInteger.op64 of the operation named. */
    private static void laneOp(Gen g, String name, int a, int b) {
        var cb = g.cb;
        switch (name) {
            case "pand" -> cb.lload(a).lload(b).land();
            case "pandn" -> cb.lload(a).ldc(-1L).lxor().lload(b).land();
            case "por" -> cb.lload(a).lload(b).lor();
            case "pxor" -> cb.lload(a).lload(b).lxor();
            case "paddq" -> cb.lload(a).lload(b).ladd();
            case "psubq" -> cb.lload(a).lload(b).lsub();
            case "paddb", "paddw" -> { // ((a & L) + (b & L)) ^ ((a ^ b) & H): no carry crosses a lane
                long l = name.equals("paddb") ? L8 : L16, h = name.equals("paddb") ? H8 : H16;
                cb.lload(a).ldc(l).land().lload(b).ldc(l).land().ladd();
                cb.lload(a).lload(b).lxor().ldc(h).land().lxor();
            }
            case "psubb", "psubw" -> { // ((a | H) - (b & L)) ^ ((a ^ ~b) & H)
                long l = name.equals("psubb") ? L8 : L16, h = name.equals("psubb") ? H8 : H16;
                cb.lload(a).ldc(h).lor().lload(b).ldc(l).land().lsub();
                cb.lload(a).lload(b).ldc(-1L).lxor().lxor().ldc(h).land().lxor();
            }
            case "paddd", "psubd" -> { // the low dword, and the high one with nothing carried into it
                boolean add = name.equals("paddd");
                cb.lload(a).lload(b);
                if (add) cb.ladd(); else cb.lsub();
                cb.ldc(LOW32).land();
                cb.lload(a).ldc(HIGH32).land().lload(b).ldc(HIGH32).land();
                if (add) cb.ladd(); else cb.lsub();
                cb.lor();
            }
            case "pcmpeqb" -> { // 0xFF in each byte of a ^ b that is zero
                cb.lload(a).lload(b).lxor().dup2();
                cb.ldc(L8).land().ldc(L8).ladd().lor(); // bit 7 of each byte: the byte is nonzero
                cb.ldc(-1L).lxor().ldc(H8).land().bipush(7).lushr().ldc(0xFFL).lmul();
            }
            default -> {
                int op = SimdSemantics.laneOp(name);
                if (op < 0) throw new IllegalStateException("no lane operation " + name);
                cb.ldc(op).lload(a).lload(b).invokestatic(Ymm.CD_SIMD, "lanes", MethodTypeDesc.of(CD_long, CD_int, CD_long, CD_long));
            }
        }
    }

    /**
     * A shift of every lane of register i.rm by the immediate (SseInteger.shift64) into register
     * dest, quads quadwords; zeroUpper for a VEX.128 form.
     */
    static void shiftImm(Gen g, Insn i, int kind, int width, int dest, int quads, boolean zeroUpper) {
        long count = i.imm & 0xFF;
        int v = Ymm.freeTemp(g);
        for (int k = 0; k < quads; k++) {
            Ymm.push(g, i.rm, k);
            g.cb.lstore(v);
            Ymm.target(g, dest, k);
            shiftLanes(g, v, kind, width, count);
            g.cb.lastore();
        }
        if (zeroUpper) Ymm.zeroUpper(g, dest);
    }

    /** Pushes the lanes of the long in slot v shifted, the count a constant. */
    private static void shiftLanes(Gen g, int v, int kind, int width, long count) {
        var cb = g.cb;
        if (kind == SimdSemantics.SRA) {
            cb.lload(v).ldc(kind).ldc(width).ldc(count)
                    .invokestatic(Ymm.CD_SIMD, "shiftLanes", MethodTypeDesc.of(CD_long, CD_long, CD_int, CD_int, CD_long));
            return;
        }
        if (count >= width) {
            cb.lconst_0();
            return;
        }
        int n = (int) count;
        cb.lload(v).ldc(n);
        if (kind == SimdSemantics.SLL) cb.lshl(); else cb.lushr();
        if (width == 64) return;
        // Keep each lane's own bits: what crossed from a neighbouring lane is masked off.
        long lane = width == 16 ? 0xFFFFL : LOW32, every = width == 16 ? 0x0001000100010001L : 0x0000000100000001L;
        long kept = kind == SimdSemantics.SLL ? (lane << n) & lane : lane >>> n;
        cb.ldc(kept * every).land();
    }

    /** MOVD/MOVQ xmm, r/m32 or r/m64 (and the VEX form, vex): zero-extended into the register. */
    static void moveToXmm(Gen g, Insn i, boolean vex) {
        int a = i.mem ? g.eaTemp(i) : -1;
        int v = g.readE(i, i.opsize, a);
        g.storeXmm(2 * i.reg, v);
        g.cb.aload(g.xmm).ldc(2 * i.reg + 1).lconst_0().lastore();
        if (vex) Ymm.zeroUpper(g, i.reg);
    }

    /** MOVD/MOVQ r/m32 or r/m64, xmm (and the VEX form): the low dword or quadword. */
    static void moveFromXmm(Gen g, Insn i) {
        int a = i.mem ? g.eaTemp(i) : -1;
        g.pushXmm(2 * i.reg);
        int v = g.toTemp();
        g.writeE(i, i.opsize, a, v);
    }

    /** PMOVMSKB/VPMOVMSKB: the sign bits of the bytes of register i.rm (quads quadwords) into the general register. */
    static void byteSigns(Gen g, Insn i, int quads) {
        var cb = g.cb;
        for (int k = 0; k < quads; k++) {
            Ymm.push(g, i.rm, k);
            cb.invokestatic(Ymm.CD_SIMD, "byteSigns", MethodTypeDesc.of(CD_long, CD_long));
            if (k > 0) cb.bipush(8 * k).lshl().lor();
        }
        g.popToReg(i.reg, 8);
    }
}
