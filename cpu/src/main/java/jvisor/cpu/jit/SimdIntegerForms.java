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
 * the shifts by an immediate (PSRL/PSRA/PSLL W/D/Q, and PSRLDQ/PSLLDQ by bytes), the unpacks
 * (PUNPCKL/PUNPCKH BW/WD/DQ/QDQ) and packs (PACKSSWB, PACKUSWB, PACKSSDW), MOVD/MOVQ between a
 * general register or memory and an XMM register, and PMOVMSKB. The lane computations are SseInteger's
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

    /** The unpacks and packs: each result quadword takes both quadwords of a 128-bit lane of a source. */
    static final String[] WHOLE_OPS = {"punpcklbw", "punpcklwd", "punpckldq", "punpcklqdq", "punpckhbw", "punpckhwd",
        "punpckhdq", "punpckhqdq", "packsswb", "packuswb", "packssdw"};
    /** The shifts of each 128-bit lane by whole bytes (an immediate count). */
    static final String[] BYTE_SHIFTS = {"psrldq", "pslldq"};

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
        for (String[] group : new String[][] {LANE_OPS, LOGIC_OPS, WHOLE_OPS, BYTE_SHIFTS}) {
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
        for (String n : WHOLE_OPS) add.accept(n + " Vx,Wx", (g, i) -> whole(g, i, n, i.reg, 2, Ymm.Check.ALIGNED, false));
        add.accept("psrldq Ux,Ib", (g, i) -> byteShift(g, i, true, i.rm, i.rm, 2, false));
        add.accept("pslldq Ux,Ib", (g, i) -> byteShift(g, i, false, i.rm, i.rm, 2, false));
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
            Ymm.finish(g, i.reg, k);
        }
        if (zeroUpper) Ymm.zeroUpper(g, i.reg);
    }

    /**
     * An unpack or a pack on each 128-bit lane of quads quadwords: quadwords 2L and 2L+1 of register
     * i.reg from quadwords 2L and 2L+1 of register first (the destination's, d) and of the W operand
     * (s), read as check says; zeroUpper for a VEX.128 form. Everything is read before anything is
     * written (the destination is a source).
     */
    static void whole(Gen g, Insn i, String name, int first, int quads, Ymm.Check check, boolean zeroUpper) {
        int[][] ops = Ymm.operands(g, i, first, quads, check);
        int[] d = ops[0], s = ops[1];
        for (int lane = 0; lane < quads; lane += 2) {
            for (int k = 0; k < 2; k++) {
                Ymm.target(g, i.reg, lane + k);
                wholeQuad(g, name, k, d[lane], d[lane + 1], s[lane], s[lane + 1]);
                Ymm.finish(g, i.reg, lane + k);
            }
        }
        if (zeroUpper) Ymm.zeroUpper(g, i.reg);
    }

    /**
     * Pushes quadword k (0, 1) of the unpack or pack named, of a lane d1:d0 (the first source) and
     * s1:s0 (the second): SseInteger's computations. PUNPCKL* interleave the elements of d0 and s0
     * (PUNPCKH*: d1 and s1), d's element first; a pack saturates d's elements into quadword 0 and
     * s's into quadword 1.
     */
    private static void wholeQuad(Gen g, String name, int k, int d0, int d1, int s0, int s1) {
        var cb = g.cb;
        int pack = SimdSemantics.packOp(name);
        if (pack >= 0) {
            cb.ldc(pack).lload(k == 0 ? d0 : s0).lload(k == 0 ? d1 : s1)
                    .invokestatic(Ymm.CD_SIMD, "pack", MethodTypeDesc.of(CD_long, CD_int, CD_long, CD_long));
            return;
        }
        boolean high = name.startsWith("punpckh");
        int d = high ? d1 : d0, s = high ? s1 : s0;
        switch (name.substring(7)) { // after "punpckl" or "punpckh"
            case "bw", "wd" -> { // elements k*4.. (bytes) or k*2.. (words) of d and s, interleaved
                boolean bytes = name.endsWith("bw");
                spread(g, d, 32 * k, bytes);
                spread(g, s, 32 * k, bytes);
                cb.bipush(bytes ? 8 : 16).lshl().lor();
            }
            case "dq" -> {
                if (k == 0) cb.lload(d).ldc(0xFFFFFFFFL).land().lload(s).bipush(32).lshl().lor();
                else cb.lload(d).bipush(32).lushr().lload(s).ldc(0xFFFFFFFF00000000L).land().lor();
            }
            default -> cb.lload(k == 0 ? d : s); // qdq
        }
    }

    /** Pushes the 32 bits of v from bit shift, spread to the even bytes (bytes) or the even words of a long. */
    private static void spread(Gen g, int v, int shift, boolean bytes) {
        var cb = g.cb;
        cb.lload(v);
        if (shift > 0) cb.bipush(shift).lushr();
        else cb.ldc(0xFFFFFFFFL).land();
        cb.dup2().bipush(16).lshl().lor().ldc(0x0000FFFF0000FFFFL).land();
        if (bytes) cb.dup2().bipush(8).lshl().lor().ldc(0x00FF00FF00FF00FFL).land();
    }

    /**
     * PSRLDQ (right) and PSLLDQ on each 128-bit lane of register src (quads quadwords) by the
     * immediate count of bytes (16 or more clears the lane), into register dest; zeroUpper for a
     * VEX.128 form. The count is a constant: each result quadword is one or two shifts.
     */
    static void byteShift(Gen g, Insn i, boolean right, int dest, int src, int quads, boolean zeroUpper) {
        var cb = g.cb;
        int n = (int) (i.imm & 0xFF), bits = 8 * n;
        int[] v = new int[quads];
        for (int k = 0; k < quads; k++) {
            Ymm.push(g, src, k);
            v[k] = g.toTemp();
        }
        for (int lane = 0; lane < quads; lane += 2) {
            int lo = v[lane], hi = v[lane + 1];
            for (int k = 0; k < 2; k++) {
                Ymm.target(g, dest, lane + k);
                // Quadword k takes from the one k - q of the source (q = n / 8 quadwords moved, toward
                // 0 for a right shift) and from the one after or before it, or is zero.
                int from = right ? k + n / 8 : k - n / 8;
                int rest = bits % 64;
                if (n >= 16 || from < 0 || from > 1) {
                    cb.lconst_0();
                } else {
                    cb.lload(from == 0 ? lo : hi);
                    if (rest > 0) {
                        cb.bipush(rest);
                        if (right) cb.lushr();
                        else cb.lshl();
                        int other = right ? from + 1 : from - 1;
                        if (other >= 0 && other <= 1) {
                            cb.lload(other == 0 ? lo : hi).bipush(64 - rest);
                            if (right) cb.lshl();
                            else cb.lushr();
                            cb.lor();
                        }
                    }
                }
                Ymm.finish(g, dest, lane + k);
            }
        }
        if (zeroUpper) Ymm.zeroUpper(g, dest);
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
            Ymm.finish(g, dest, k);
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
        Ymm.target(g, i.reg, 1);
        g.cb.lconst_0();
        Ymm.finish(g, i.reg, 1);
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
