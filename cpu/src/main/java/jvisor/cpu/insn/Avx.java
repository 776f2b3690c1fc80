package jvisor.cpu.insn;

import jvisor.cpu.decode.Op;
import jvisor.cpu.decode.OpcodeTable;
import jvisor.cpu.decode.OpcodeTable.LegacyRow;
import jvisor.cpu.insn.VexLanes.Lanes;
import jvisor.cpu.insn.VexLanes.Shape;

/**
 * The VEX forms of the SSE, SSE2, SSE3, SSSE3, SSE4.1 and SSE4.2 instructions (Intel SDM Vol. 2,
 * each instruction's VEX rows): the same operations as the legacy forms, with a non-destructive
 * first source in VEX.vvvv, no alignment requirement on memory operands, bits 255:128 of the
 * destination zeroed by VEX.128 forms, and VEX.256 forms that compute both 128-bit lanes. The
 * operations are the legacy handlers, run through {@link VexLanes}; moves, the instructions
 * with no XMM destination and the VEX-only instructions are in {@link AvxMove} and
 * {@link AvxPermute}.
 *
 * <p>VEX.128 forms and the floating-point VEX.256 forms are AVX; the integer VEX.256 forms are
 * AVX2. Each row names its extension, so the decoder accepts it only where that is enabled.
 */
final class Avx {
    private Avx() {}

    private static final String AVX = "avx", AVX2 = "avx2";

    static void register(OpcodeTable t) {
        floatingPoint(t);
        conversions(t);
        integer(t);
        sse3Ssse3(t);
        sse41Sse42(t);
        movesThroughLanes(t);
    }

    private static void floatingPoint(OpcodeTable t) {
        String[] arith = {"58 add", "5C sub", "59 mul", "5E div", "5D min", "5F max"};
        for (String a : arith) {
            String op = a.substring(0, 2), name = a.substring(3);
            packed(t, "NP 0F " + op + " /r", "v" + name + "ps", Shape.NDS, Lanes.SAME, AVX);
            packed(t, "66 0F " + op + " /r", "v" + name + "pd", Shape.NDS, Lanes.SAME, AVX);
            scalar(t, "F3 0F " + op + " /r", "v" + name + "ss Vx,Hx,Wss");
            scalar(t, "F2 0F " + op + " /r", "v" + name + "sd Vx,Hx,Wsd");
        }
        packed(t, "NP 0F 51 /r", "vsqrtps", Shape.UNARY, Lanes.SAME, AVX);
        packed(t, "66 0F 51 /r", "vsqrtpd", Shape.UNARY, Lanes.SAME, AVX);
        scalar(t, "F3 0F 51 /r", "vsqrtss Vx,Hx,Wss");
        scalar(t, "F2 0F 51 /r", "vsqrtsd Vx,Hx,Wsd");
        packed(t, "NP 0F 53 /r", "vrcpps", Shape.UNARY, Lanes.SAME, AVX);
        scalar(t, "F3 0F 53 /r", "vrcpss Vx,Hx,Wss");
        packed(t, "NP 0F 52 /r", "vrsqrtps", Shape.UNARY, Lanes.SAME, AVX);
        scalar(t, "F3 0F 52 /r", "vrsqrtss Vx,Hx,Wss");
        for (String p : new String[] {"NP", "66"}) {
            String sfx = p.equals("NP") ? "ps" : "pd";
            packed(t, p + " 0F 54 /r", "vand" + sfx, Shape.NDS, Lanes.SAME, AVX);
            packed(t, p + " 0F 55 /r", "vandn" + sfx, Shape.NDS, Lanes.SAME, AVX);
            packed(t, p + " 0F 56 /r", "vor" + sfx, Shape.NDS, Lanes.SAME, AVX);
            packed(t, p + " 0F 57 /r", "vxor" + sfx, Shape.NDS, Lanes.SAME, AVX);
            packed(t, p + " 0F 14 /r", "vunpckl" + sfx, Shape.NDS, Lanes.SAME, AVX);
            packed(t, p + " 0F 15 /r", "vunpckh" + sfx, Shape.NDS, Lanes.SAME, AVX);
        }
        packedImm(t, "NP 0F C2 /r", "vcmpps", Shape.NDS, Lanes.SAME, AVX);
        packedImm(t, "66 0F C2 /r", "vcmppd", Shape.NDS, Lanes.SAME, AVX);
        scalar(t, "F3 0F C2 /r", "vcmpss Vx,Hx,Wss,Ib");
        scalar(t, "F2 0F C2 /r", "vcmpsd Vx,Hx,Wsd,Ib");
        packedImm(t, "NP 0F C6 /r", "vshufps", Shape.NDS, Lanes.SAME, AVX);
        packedImm(t, "66 0F C6 /r", "vshufpd", Shape.NDS, Lanes.immShift(2), AVX);
        direct(t, "NP 0F 2E /r", "VEX.LIG.0F 2E /r", "vucomiss Vss,Wss");
        direct(t, "66 0F 2E /r", "VEX.LIG.66.0F 2E /r", "vucomisd Vsd,Wsd");
        direct(t, "NP 0F 2F /r", "VEX.LIG.0F 2F /r", "vcomiss Vss,Wss");
        direct(t, "66 0F 2F /r", "VEX.LIG.66.0F 2F /r", "vcomisd Vsd,Wsd");
    }

    private static void conversions(OpcodeTable t) {
        scalar(t, "F3 0F 2A /r", "vcvtsi2ss Vx,Hx,Ey");
        scalar(t, "F2 0F 2A /r", "vcvtsi2sd Vx,Hx,Ey");
        direct(t, "F3 0F 2D /r", "VEX.LIG.F3.0F 2D /r", "vcvtss2si Gy,Wss");
        direct(t, "F2 0F 2D /r", "VEX.LIG.F2.0F 2D /r", "vcvtsd2si Gy,Wsd");
        direct(t, "F3 0F 2C /r", "VEX.LIG.F3.0F 2C /r", "vcvttss2si Gy,Wss");
        direct(t, "F2 0F 2C /r", "VEX.LIG.F2.0F 2C /r", "vcvttsd2si Gy,Wsd");
        scalar(t, "F3 0F 5A /r", "vcvtss2sd Vx,Hx,Wss");
        scalar(t, "F2 0F 5A /r", "vcvtsd2ss Vx,Hx,Wsd");
        packed(t, "NP 0F 5B /r", "vcvtdq2ps", Shape.UNARY, Lanes.SAME, AVX);
        packed(t, "66 0F 5B /r", "vcvtps2dq", Shape.UNARY, Lanes.SAME, AVX);
        packed(t, "F3 0F 5B /r", "vcvttps2dq", Shape.UNARY, Lanes.SAME, AVX);
        // Widening (128-bit source, 256-bit destination) and narrowing (the reverse) conversions.
        v128(t, "NP 0F 5A /r", "vcvtps2pd Vx,Wq", Shape.UNARY);
        v256(t, "NP 0F 5A /r", "vcvtps2pd Vqq,Wx", Shape.UNARY, Lanes.widening(8), AVX);
        v128(t, "F3 0F E6 /r", "vcvtdq2pd Vx,Wq", Shape.UNARY);
        v256(t, "F3 0F E6 /r", "vcvtdq2pd Vqq,Wx", Shape.UNARY, Lanes.widening(8), AVX);
        v128(t, "66 0F 5A /r", "vcvtpd2ps Vx,Wx", Shape.UNARY);
        v256(t, "66 0F 5A /r", "vcvtpd2ps Vx,Wqq", Shape.UNARY, Lanes.NARROWING, AVX);
        v128(t, "F2 0F E6 /r", "vcvtpd2dq Vx,Wx", Shape.UNARY);
        v256(t, "F2 0F E6 /r", "vcvtpd2dq Vx,Wqq", Shape.UNARY, Lanes.NARROWING, AVX);
        v128(t, "66 0F E6 /r", "vcvttpd2dq Vx,Wx", Shape.UNARY);
        v256(t, "66 0F E6 /r", "vcvttpd2dq Vx,Wqq", Shape.UNARY, Lanes.NARROWING, AVX);
    }

    private static void integer(OpcodeTable t) {
        String[] nds = {
            "FC paddb", "FD paddw", "FE paddd", "D4 paddq", "F8 psubb", "F9 psubw", "FA psubd", "FB psubq",
            "DC paddusb", "DD paddusw", "D8 psubusb", "D9 psubusw", "EC paddsb", "ED paddsw", "E8 psubsb", "E9 psubsw",
            "74 pcmpeqb", "75 pcmpeqw", "76 pcmpeqd", "64 pcmpgtb", "65 pcmpgtw", "66 pcmpgtd",
            "DB pand", "DF pandn", "EB por", "EF pxor", "DA pminub", "DE pmaxub", "EA pminsw", "EE pmaxsw",
            "E0 pavgb", "E3 pavgw", "F6 psadbw", "D5 pmullw", "E5 pmulhw", "E4 pmulhuw", "F4 pmuludq", "F5 pmaddwd",
            "60 punpcklbw", "61 punpcklwd", "62 punpckldq", "6C punpcklqdq", "68 punpckhbw", "69 punpckhwd",
            "6A punpckhdq", "6D punpckhqdq", "63 packsswb", "67 packuswb", "6B packssdw",
        };
        for (String n : nds) packed(t, "66 0F " + n.substring(0, 2) + " /r", "v" + n.substring(3), Shape.NDS, Lanes.SAME, AVX2);
        // Shifts by the count in xmm/m128: a VEX.256 form shifts both lanes by that one count.
        String[] byXmm = {"D1 psrlw", "D2 psrld", "D3 psrlq", "E1 psraw", "E2 psrad", "F1 psllw", "F2 pslld", "F3 psllq"};
        for (String n : byXmm) {
            String legacy = "66 0F " + n.substring(0, 2) + " /r", name = "v" + n.substring(3);
            v128(t, legacy, name + " Vx,Hx,Wx", Shape.NDS);
            v256(t, legacy, name + " Vqq,Hqq,Wx", Shape.NDS, Lanes.SHARED_SOURCE, AVX2);
        }
        // Shifts by an immediate: the destination is VEX.vvvv, the source ModRM.rm.
        String[] byImm = {"71 /2 psrlw", "71 /4 psraw", "71 /6 psllw", "72 /2 psrld", "72 /4 psrad", "72 /6 pslld",
                "73 /2 psrlq", "73 /6 psllq", "73 /3 psrldq", "73 /7 pslldq"};
        for (String n : byImm) {
            String legacy = "66 0F " + n.substring(0, 5) + " reg", name = "v" + n.substring(6);
            v128(t, legacy, name + " Hx,Ux,Ib", Shape.NDD);
            v256(t, legacy, name + " Hqq,Uqq,Ib", Shape.NDD, Lanes.SAME, AVX2);
        }
        packedImm(t, "66 0F 70 /r", "vpshufd", Shape.UNARY, Lanes.SAME, AVX2);
        packedImm(t, "F2 0F 70 /r", "vpshuflw", Shape.UNARY, Lanes.SAME, AVX2);
        packedImm(t, "F3 0F 70 /r", "vpshufhw", Shape.UNARY, Lanes.SAME, AVX2);
        v128(t, "66 0F C4 /r", "vpinsrw Vx,Hx,Ew,Ib", Shape.NDS);
        direct(t, "66 0F C5 /r reg", "VEX.128.66.0F C5 /r reg", "vpextrw Gd,Ux,Ib");
    }

    private static void sse3Ssse3(OpcodeTable t) {
        packed(t, "F2 0F D0 /r", "vaddsubps", Shape.NDS, Lanes.SAME, AVX);
        packed(t, "66 0F D0 /r", "vaddsubpd", Shape.NDS, Lanes.SAME, AVX);
        packed(t, "F2 0F 7C /r", "vhaddps", Shape.NDS, Lanes.SAME, AVX);
        packed(t, "66 0F 7C /r", "vhaddpd", Shape.NDS, Lanes.SAME, AVX);
        packed(t, "F2 0F 7D /r", "vhsubps", Shape.NDS, Lanes.SAME, AVX);
        packed(t, "66 0F 7D /r", "vhsubpd", Shape.NDS, Lanes.SAME, AVX);
        packed(t, "F3 0F 16 /r", "vmovshdup", Shape.UNARY, Lanes.SAME, AVX);
        packed(t, "F3 0F 12 /r", "vmovsldup", Shape.UNARY, Lanes.SAME, AVX);
        v128(t, "F2 0F 12 /r", "vmovddup Vx,Wq", Shape.UNARY);
        v256(t, "F2 0F 12 /r", "vmovddup Vqq,Wqq", Shape.UNARY, Lanes.SAME, AVX);
        String[] ssse3 = {"00 pshufb", "01 phaddw", "02 phaddd", "03 phaddsw", "04 pmaddubsw", "05 phsubw", "06 phsubd",
                "07 phsubsw", "08 psignb", "09 psignw", "0A psignd", "0B pmulhrsw"};
        for (String n : ssse3) packed(t, "66 0F 38 " + n.substring(0, 2) + " /r", "v" + n.substring(3), Shape.NDS, Lanes.SAME, AVX2);
        for (String n : new String[] {"1C pabsb", "1D pabsw", "1E pabsd"}) {
            packed(t, "66 0F 38 " + n.substring(0, 2) + " /r", "v" + n.substring(3), Shape.UNARY, Lanes.SAME, AVX2);
        }
        packedImm(t, "66 0F 3A 0F /r", "vpalignr", Shape.NDS, Lanes.SAME, AVX2);
    }

    private static void sse41Sse42(OpcodeTable t) {
        // PMOVSX/ZX read 8, 4 or 2 bytes for the 128-bit form; the 256-bit form reads twice that.
        String[] ext = {"bw", "bd", "bq", "wd", "wq", "dq"};
        String[] width = {"q", "d", "w", "q", "d", "q"};
        int[] bytes = {8, 4, 2, 8, 4, 8};
        for (int k = 0; k < 6; k++) {
            for (String sx : new String[] {"s", "z"}) {
                String legacy = "66 0F 38 " + (sx.equals("s") ? "2" : "3") + k + " /r", name = "vpmov" + sx + "x" + ext[k];
                v128(t, legacy, name + " Vx,W" + width[k], Shape.UNARY);
                v256(t, legacy, name + " Vqq,W" + (bytes[k] == 8 ? "x" : bytes[k] == 4 ? "q" : "d"), Shape.UNARY,
                        Lanes.widening(bytes[k]), AVX2);
            }
        }
        String[] nds = {"28 pmuldq", "29 pcmpeqq", "2B packusdw", "38 pminsb", "39 pminsd", "3A pminuw", "3B pminud",
                "3C pmaxsb", "3D pmaxsd", "3E pmaxuw", "3F pmaxud", "40 pmulld", "37 pcmpgtq"};
        for (String n : nds) packed(t, "66 0F 38 " + n.substring(0, 2) + " /r", "v" + n.substring(3), Shape.NDS, Lanes.SAME, AVX2);
        v128(t, "66 0F 38 41 /r", "vphminposuw Vx,Wx", Shape.UNARY);
        packedImm(t, "66 0F 3A 08 /r", "vroundps", Shape.UNARY, Lanes.SAME, AVX);
        packedImm(t, "66 0F 3A 09 /r", "vroundpd", Shape.UNARY, Lanes.SAME, AVX);
        scalar(t, "66 0F 3A 0A /r", "vroundss Vx,Hx,Wss,Ib");
        scalar(t, "66 0F 3A 0B /r", "vroundsd Vx,Hx,Wsd,Ib");
        packedImm(t, "66 0F 3A 0C /r", "vblendps", Shape.NDS, Lanes.immShift(4), AVX);
        packedImm(t, "66 0F 3A 0D /r", "vblendpd", Shape.NDS, Lanes.immShift(2), AVX);
        packedImm(t, "66 0F 3A 0E /r", "vpblendw", Shape.NDS, Lanes.SAME, AVX2);
        packedImm(t, "66 0F 3A 40 /r", "vdpps", Shape.NDS, Lanes.SAME, AVX);
        v128(t, "66 0F 3A 41 /r", "vdppd Vx,Hx,Wx,Ib", Shape.NDS);
        packedImm(t, "66 0F 3A 42 /r", "vmpsadbw", Shape.NDS, Lanes.immShift(3), AVX2);
        v128(t, "66 0F 3A 20 /r", "vpinsrb Vx,Hx,Ed,Ib", Shape.NDS);
        v128(t, "66 0F 3A 21 /r", "vinsertps Vx,Hx,Wss,Ib", Shape.NDS);
        v128(t, "66 0F 3A 22 /r", "vpinsrd/q Vx,Hx,Ey,Ib", Shape.NDS);
        direct(t, "66 0F 3A 14 /r", "VEX.128.66.0F3A 14 /r", "vpextrb Ed,Vx,Ib");
        direct(t, "66 0F 3A 15 /r", "VEX.128.66.0F3A 15 /r", "vpextrw Ed,Vx,Ib");
        direct(t, "66 0F 3A 16 /r", "VEX.128.66.0F3A 16 /r", "vpextrd/q Ey,Vx,Ib");
        direct(t, "66 0F 3A 17 /r", "VEX.128.66.0F3A 17 /r", "vextractps Ed,Vx,Ib");
        direct(t, "66 0F 38 17 /r", "VEX.128.66.0F38 17 /r", "vptest Vx,Wx");
        direct(t, "66 0F 3A 61 /r", "VEX.128.66.0F3A 61 /r", "vpcmpestri Vx,Wx,Ib");
        direct(t, "66 0F 3A 63 /r", "VEX.128.66.0F3A 63 /r", "vpcmpistri Vx,Wx,Ib");
        // PCMPxSTRM write XMM0; the VEX forms zero the rest of YMM0.
        for (String n : new String[] {"60 vpcmpestrm", "62 vpcmpistrm"}) {
            Op sse = t.op("66 0F 3A " + n.substring(0, 2) + " /r");
            t.row("VEX.128.66.0F3A " + n.substring(0, 2) + " /r", n.substring(3) + " Vx,Wx,Ib", (c, i) -> {
                sse.exec(c, i);
                c.state.ymmHi[0] = 0;
                c.state.ymmHi[1] = 0;
            }, AVX);
        }
        direct(t, "NP 0F AE /2 mem", "VEX.LZ.0F AE /2 mem", "vldmxcsr Md");
        direct(t, "NP 0F AE /3 mem", "VEX.LZ.0F AE /3 mem", "vstmxcsr Md");
    }

    /** The VEX forms of the partial loads and register moves that merge with VEX.vvvv. */
    private static void movesThroughLanes(OpcodeTable t) {
        v128(t, "NP 0F 12 /r mem", "vmovlps Vx,Hx,Mq", Shape.NDS);
        v128(t, "66 0F 12 /r mem", "vmovlpd Vx,Hx,Mq", Shape.NDS);
        v128(t, "NP 0F 16 /r mem", "vmovhps Vx,Hx,Mq", Shape.NDS);
        v128(t, "66 0F 16 /r mem", "vmovhpd Vx,Hx,Mq", Shape.NDS);
        v128(t, "NP 0F 12 /r reg", "vmovhlps Vx,Hx,Ux", Shape.NDS);
        v128(t, "NP 0F 16 /r reg", "vmovlhps Vx,Hx,Ux", Shape.NDS);
        t.row("VEX.LIG.F3.0F 10 /r reg", "vmovss Vx,Hx,Ux", VexLanes.on128(t.op("F3 0F 10 /r"), Shape.NDS), AVX);
        t.row("VEX.LIG.F2.0F 10 /r reg", "vmovsd Vx,Hx,Ux", VexLanes.on128(t.op("F2 0F 10 /r"), Shape.NDS), AVX);
        direct(t, "NP 0F 13 /r mem", "VEX.128.0F 13 /r mem", "vmovlps Mq,Vx");
        direct(t, "66 0F 13 /r mem", "VEX.128.66.0F 13 /r mem", "vmovlpd Mq,Vx");
        direct(t, "NP 0F 17 /r mem", "VEX.128.0F 17 /r mem", "vmovhps Mq,Vx");
        direct(t, "66 0F 17 /r mem", "VEX.128.66.0F 17 /r mem", "vmovhpd Mq,Vx");
        direct(t, "F3 0F 11 /r", "VEX.LIG.F3.0F 11 /r mem", "vmovss Md,Vx");
        direct(t, "F2 0F 11 /r", "VEX.LIG.F2.0F 11 /r mem", "vmovsd Mq,Vx");
        direct(t, "NP 0F 50 /r reg", "VEX.128.0F 50 /r reg", "vmovmskps Gd,Ux");
        direct(t, "66 0F 50 /r reg", "VEX.128.66.0F 50 /r reg", "vmovmskpd Gd,Ux");
        direct(t, "66 0F D7 /r reg", "VEX.128.66.0F D7 /r reg", "vpmovmskb Gd,Ux");
        direct(t, "66 0F F7 /r reg", "VEX.128.66.0F F7 /r reg", "vmaskmovdqu Vx,Ux");
        direct(t, "66 0F 7E /r", "VEX.128.66.0F 7E /r", "vmovd/vmovq Ey,Vx");
    }

    // ------------------------------------------------------------------ row helpers

    /** The operands of a packed form: NDS (V,H,W) or unary (V,W), of the lanes' size. */
    private static final String NDS_X = " Vx,Hx,Wx", UNARY_X = " Vx,Wx", NDS_QQ = " Vqq,Hqq,Wqq", UNARY_QQ = " Vqq,Wqq";

    /** A packed operation: VEX.128 (AVX) and VEX.256 (the given extension). */
    private static void packed(OpcodeTable t, String legacy, String name, Shape shape, Lanes lanes, String ext256) {
        packedForms(t, legacy, name, "", shape, lanes, ext256);
    }

    /** A packed operation with an imm8 operand. */
    private static void packedImm(OpcodeTable t, String legacy, String name, Shape shape, Lanes lanes, String ext256) {
        packedForms(t, legacy, name, ",Ib", shape, lanes, ext256);
    }

    private static void packedForms(OpcodeTable t, String legacy, String name, String imm, Shape shape, Lanes lanes,
            String ext256) {
        LegacyRow sse = t.legacyRow(legacy);
        boolean nds = shape == Shape.NDS;
        t.vexRow(sse, OpcodeTable.VEX_128, name + (nds ? NDS_X : UNARY_X) + imm, VexLanes.on128(sse.handler, shape), AVX);
        t.vexRow(sse, OpcodeTable.VEX_256, name + (nds ? NDS_QQ : UNARY_QQ) + imm,
                VexLanes.on256(sse.handler, shape, lanes), ext256);
    }

    /** A scalar operation: VEX.LIG (VEX.L ignored; bits 255:128 zeroed), three operands. */
    private static void scalar(OpcodeTable t, String legacy, String syntax) {
        LegacyRow sse = t.legacyRow(legacy);
        t.vexRow(sse, OpcodeTable.VEX_LIG, syntax, VexLanes.on128(sse.handler, Shape.NDS), AVX);
    }

    private static void v128(OpcodeTable t, String legacy, String syntax, Shape shape) {
        LegacyRow sse = t.legacyRow(legacy);
        t.vexRow(sse, OpcodeTable.VEX_128, syntax, VexLanes.on128(sse.handler, shape), AVX);
    }

    private static void v256(OpcodeTable t, String legacy, String syntax, Shape shape, Lanes lanes, String ext) {
        LegacyRow sse = t.legacyRow(legacy);
        t.vexRow(sse, OpcodeTable.VEX_256, syntax, VexLanes.on256(sse.handler, shape, lanes), ext);
    }

    /** A VEX form whose legacy operation writes no XMM register (or only what the VEX form writes too): the same handler. */
    private static void direct(OpcodeTable t, String legacy, String vexOpcode, String syntax) {
        t.row(vexOpcode, syntax, t.op(legacy), AVX);
    }
}
