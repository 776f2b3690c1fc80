package jvisor.cpu.insn;

import jvisor.cpu.Cpu;
import jvisor.cpu.CpuState;
import jvisor.cpu.Flags;
import jvisor.cpu.decode.Insn;
import jvisor.cpu.decode.OpcodeTable;

/**
 * The AVX instructions with no SSE ancestor that select, blend or test (Intel SDM Vol. 2):
 * VPERMILPS/PD (by an immediate or by a control vector, within each 128-bit lane), VPERM2F128 and
 * VPERM2I128, the four-operand blends VBLENDVPS/PD and VPBLENDVB (the mask register in imm8[7:4]),
 * VTESTPS/PD, VPTEST on 256 bits, and the AVX2 VPERMD/PS/Q/PD, VPBLENDD and the variable shifts
 * VPSLLVD/Q, VPSRLVD/Q, VPSRAVD.
 *
 * <p>Operands are read into the scratch entries of {@code CpuState.xmm} (32-39: quadwords 0-3 of
 * the first source at 32, of the second at 36) before the destination is written, so any
 * register may be both source and destination.
 */
final class AvxPermute {
    private AvxPermute() {}

    /** Where the sources are staged: quadword k of source 1 at xmm[S1 + k], of source 2 at xmm[S2 + k]. */
    private static final int S1 = 32, S2 = 36;

    static void register(OpcodeTable t) {
        for (int l = 0; l < 2; l++) {
            String len = l == 0 ? "128" : "256", sz = l == 0 ? "x" : "qq", int2 = l == 0 ? "avx" : "avx2";
            t.row("VEX." + len + ".66.0F38.W0 0C /r", "vpermilps V" + sz + ",H" + sz + ",W" + sz, (c, i) -> permilVar(c, i, 4), "avx");
            t.row("VEX." + len + ".66.0F38.W0 0D /r", "vpermilpd V" + sz + ",H" + sz + ",W" + sz, (c, i) -> permilVar(c, i, 8), "avx");
            t.row("VEX." + len + ".66.0F3A.W0 04 /r", "vpermilps V" + sz + ",W" + sz + ",Ib", (c, i) -> permilImm(c, i, 4), "avx");
            t.row("VEX." + len + ".66.0F3A.W0 05 /r", "vpermilpd V" + sz + ",W" + sz + ",Ib", (c, i) -> permilImm(c, i, 8), "avx");
            t.row("VEX." + len + ".66.0F3A.W0 4A /r", "vblendvps V" + sz + ",H" + sz + ",W" + sz + ",L" + sz, (c, i) -> blendv(c, i, 32), "avx");
            t.row("VEX." + len + ".66.0F3A.W0 4B /r", "vblendvpd V" + sz + ",H" + sz + ",W" + sz + ",L" + sz, (c, i) -> blendv(c, i, 64), "avx");
            t.row("VEX." + len + ".66.0F3A.W0 4C /r", "vpblendvb V" + sz + ",H" + sz + ",W" + sz + ",L" + sz, (c, i) -> blendv(c, i, 8), int2);
            t.row("VEX." + len + ".66.0F38.W0 0E /r", "vtestps V" + sz + ",W" + sz, (c, i) -> test(c, i, 0x8000_0000_8000_0000L), "avx");
            t.row("VEX." + len + ".66.0F38.W0 0F /r", "vtestpd V" + sz + ",W" + sz, (c, i) -> test(c, i, 0x8000_0000_0000_0000L), "avx");
            t.row("VEX." + len + ".66.0F3A.W0 02 /r", "vpblendd V" + sz + ",H" + sz + ",W" + sz + ",Ib", AvxPermute::blendd, "avx2");
            t.row("VEX." + len + ".66.0F38.W0 47 /r", "vpsllvd V" + sz + ",H" + sz + ",W" + sz, (c, i) -> shiftVar(c, i, 32, SLL), "avx2");
            t.row("VEX." + len + ".66.0F38.W1 47 /r", "vpsllvq V" + sz + ",H" + sz + ",W" + sz, (c, i) -> shiftVar(c, i, 64, SLL), "avx2");
            t.row("VEX." + len + ".66.0F38.W0 45 /r", "vpsrlvd V" + sz + ",H" + sz + ",W" + sz, (c, i) -> shiftVar(c, i, 32, SRL), "avx2");
            t.row("VEX." + len + ".66.0F38.W1 45 /r", "vpsrlvq V" + sz + ",H" + sz + ",W" + sz, (c, i) -> shiftVar(c, i, 64, SRL), "avx2");
            t.row("VEX." + len + ".66.0F38.W0 46 /r", "vpsravd V" + sz + ",H" + sz + ",W" + sz, (c, i) -> shiftVar(c, i, 32, SRA), "avx2");
        }
        t.row("VEX.256.66.0F38 17 /r", "vptest Vqq,Wqq", (c, i) -> test(c, i, -1L), "avx");
        t.row("VEX.256.66.0F3A.W0 06 /r", "vperm2f128 Vqq,Hqq,Wqq,Ib", AvxPermute::perm2x128, "avx");
        t.row("VEX.256.66.0F3A.W0 46 /r", "vperm2i128 Vqq,Hqq,Wqq,Ib", AvxPermute::perm2x128, "avx2");
        t.row("VEX.256.66.0F38.W0 36 /r", "vpermd Vqq,Hqq,Wqq", AvxPermute::permd, "avx2");
        t.row("VEX.256.66.0F38.W0 16 /r", "vpermps Vqq,Hqq,Wqq", AvxPermute::permd, "avx2");
        t.row("VEX.256.66.0F3A.W1 00 /r", "vpermq Vqq,Wqq,Ib", AvxPermute::permq, "avx2");
        t.row("VEX.256.66.0F3A.W1 01 /r", "vpermpd Vqq,Wqq,Ib", AvxPermute::permq, "avx2");
    }

    private static final int SLL = 0, SRL = 1, SRA = 2;

    // ------------------------------------------------------------------ operand staging

    /** Quadwords of the vector length (2 or 4). */
    private static int quads(Insn i) {
        return i.vexL == 1 ? 4 : 2;
    }

    /** Stages the W operand (register or memory, one access) at xmm[at..at+quads). */
    private static void stageW(Cpu c, Insn i, int at) {
        CpuState s = c.state;
        int n = quads(i);
        if (i.mem) {
            long a = c.ea(i);
            AvxMove.checkLoad(c, a, 8 * n);
            for (int k = 0; k < n; k++) s.xmm[at + k] = c.mem().read64(a + 8L * k);
        } else {
            for (int k = 0; k < n; k++) s.xmm[at + k] = AvxMove.q(s, i.rm, k);
        }
    }

    /** Stages the two sources of a three-operand form: VEX.vvvv at S1, the W operand at S2. */
    private static void stageSources(Cpu c, Insn i) {
        stageW(c, i, S2);
        stageReg(c.state, i, i.vvvv, S1);
    }

    /** Stages register n at xmm[at..at+quads). */
    private static void stageReg(CpuState s, Insn i, int n, int at) {
        for (int k = 0; k < quads(i); k++) s.xmm[at + k] = AvxMove.q(s, n, k);
    }

    /** Writes the destination (ModRM.reg) from xmm[from..]: the vector length's quadwords, zero above. */
    private static void writeDest(CpuState s, Insn i, int from) {
        int n = quads(i);
        for (int k = 0; k < 4; k++) AvxMove.setQ(s, i.reg, k, k < n ? s.xmm[from + k] : 0);
    }

    /** Element e (of size bytes) of the staged vector at xmm[at..]. */
    private static long element(long[] x, int at, int size, int e) {
        if (size == 8) return x[at + e];
        int per = 8 / size;
        long q = x[at + e / per];
        return q >>> (8 * size * (e % per)) & ((1L << (8 * size)) - 1);
    }

    private static void setElement(long[] x, int at, int size, int e, long v) {
        if (size == 8) {
            x[at + e] = v;
            return;
        }
        int per = 8 / size, sh = 8 * size * (e % per);
        long m = ((1L << (8 * size)) - 1) << sh;
        x[at + e / per] = x[at + e / per] & ~m | v << sh & m;
    }

    // ------------------------------------------------------------------ permutes

    /** VPERMILPS/PD by a control vector (W): element k of each lane from element ctl[k] of the same lane of VEX.vvvv. */
    private static void permilVar(Cpu c, Insn i, int size) {
        CpuState s = c.state;
        long[] x = s.xmm;
        stageSources(c, i);
        int per = 16 / size, count = 8 * quads(i) / size;
        long r0 = 0, r1 = 0, r2 = 0, r3 = 0; // (the control vector in S2 is read to the end first)
        for (int e = 0; e < count; e++) {
            long ctl = element(x, S2, size, e);
            int sel = size == 4 ? (int) ctl & 3 : (int) (ctl >>> 1) & 1;
            long v = element(x, S1, size, e / per * per + sel);
            int q = e / (8 / size), sh = size == 8 ? 0 : 32 * (e & 1);
            long part = size == 8 ? v : v << sh;
            switch (q) {
                case 0 -> r0 |= part;
                case 1 -> r1 |= part;
                case 2 -> r2 |= part;
                default -> r3 |= part;
            }
        }
        x[S2] = r0;
        x[S2 + 1] = r1;
        x[S2 + 2] = r2;
        x[S2 + 3] = r3;
        writeDest(s, i, S2);
    }

    /** VPERMILPS/PD by imm8: the PS selectors repeat for each lane; PD uses bit k for element k. */
    private static void permilImm(Cpu c, Insn i, int size) {
        CpuState s = c.state;
        long[] x = s.xmm;
        stageW(c, i, S1);
        int per = 16 / size, count = 8 * quads(i) / size, imm = (int) i.imm;
        for (int e = 0; e < count; e++) {
            int sel = size == 4 ? imm >>> (2 * (e % 4)) & 3 : imm >>> e & 1;
            setElement(x, S2, size, e, element(x, S1, size, e / per * per + sel));
        }
        writeDest(s, i, S2);
    }

    /** VPERM2F128/I128: each destination lane is one of the four source lanes (imm8[1:0], [5:4]), or zero (imm8[3], [7]). */
    private static void perm2x128(Cpu c, Insn i) {
        CpuState s = c.state;
        long[] x = s.xmm;
        stageSources(c, i);
        int imm = (int) i.imm;
        long[] r = x;
        long lo0, lo1, hi0, hi1;
        int sel = imm & 3;
        lo0 = (imm & 8) != 0 ? 0 : r[(sel < 2 ? S1 : S2) + 2 * (sel & 1)];
        lo1 = (imm & 8) != 0 ? 0 : r[(sel < 2 ? S1 : S2) + 2 * (sel & 1) + 1];
        sel = imm >>> 4 & 3;
        hi0 = (imm & 0x80) != 0 ? 0 : r[(sel < 2 ? S1 : S2) + 2 * (sel & 1)];
        hi1 = (imm & 0x80) != 0 ? 0 : r[(sel < 2 ? S1 : S2) + 2 * (sel & 1) + 1];
        AvxMove.setQ(s, i.reg, 0, lo0);
        AvxMove.setQ(s, i.reg, 1, lo1);
        AvxMove.setQ(s, i.reg, 2, hi0);
        AvxMove.setQ(s, i.reg, 3, hi1);
    }

    /** VPERMD/VPERMPS: dword k of the destination is dword (VEX.vvvv[k] mod 8) of the W source, across lanes. */
    private static void permd(Cpu c, Insn i) {
        CpuState s = c.state;
        long[] x = s.xmm;
        stageSources(c, i);
        for (int k = 0; k < 4; k++) {
            long lo = element(x, S2, 4, (int) element(x, S1, 4, 2 * k) & 7);
            long hi = element(x, S2, 4, (int) element(x, S1, 4, 2 * k + 1) & 7);
            x[S1 + k] = lo | hi << 32; // S1's dwords 2k and 2k+1 were read: they can be replaced
        }
        writeDest(s, i, S1);
    }

    /** VPERMQ/VPERMPD: qword k of the destination is qword imm8[2k+1:2k] of the source. */
    private static void permq(Cpu c, Insn i) {
        CpuState s = c.state;
        long[] x = s.xmm;
        stageW(c, i, S1);
        int imm = (int) i.imm;
        for (int k = 0; k < 4; k++) x[S2 + k] = x[S1 + (imm >>> (2 * k) & 3)];
        writeDest(s, i, S2);
    }

    // ------------------------------------------------------------------ blends and tests

    /** VBLENDVPS/PD, VPBLENDVB: the W element where the mask register's (imm8[7:4]) element has its top bit set, else VEX.vvvv's. */
    private static void blendv(Cpu c, Insn i, int width) {
        CpuState s = c.state;
        long[] x = s.xmm;
        stageSources(c, i);
        int maskReg = (int) (i.imm >>> 4) & 15;
        for (int k = 0; k < quads(i); k++) {
            long m = Sse41.laneMask(AvxMove.q(s, maskReg, k), width);
            x[S1 + k] = x[S1 + k] & ~m | x[S2 + k] & m;
        }
        writeDest(s, i, S1);
    }

    /** VPBLENDD: dword k from the W source where imm8 bit k is set, else from VEX.vvvv (bits 0-3 for VEX.128). */
    private static void blendd(Cpu c, Insn i) {
        CpuState s = c.state;
        long[] x = s.xmm;
        stageSources(c, i);
        int imm = (int) i.imm;
        for (int k = 0; k < quads(i); k++) {
            long m = ((imm >>> (2 * k) & 1) != 0 ? 0xFFFFFFFFL : 0) | ((imm >>> (2 * k + 1) & 1) != 0 ? 0xFFFFFFFF00000000L : 0);
            x[S1 + k] = x[S1 + k] & ~m | x[S2 + k] & m;
        }
        writeDest(s, i, S1);
    }

    /**
     * VTESTPS/PD (the sign bits of the elements) and VPTEST (all bits): ZF = (dest AND src) is
     * zero, CF = (NOT dest AND src) is zero, over the bits selected by mask; OF, SF, AF, PF cleared.
     */
    private static void test(Cpu c, Insn i, long mask) {
        CpuState s = c.state;
        long[] x = s.xmm;
        stageW(c, i, S2);
        long and = 0, andn = 0;
        for (int k = 0; k < quads(i); k++) {
            long a = AvxMove.q(s, i.reg, k), b = x[S2 + k];
            and |= a & b & mask;
            andn |= ~a & b & mask;
        }
        Flags.setEager(s, (and == 0 ? Flags.ZF : 0) | (andn == 0 ? Flags.CF : 0));
    }

    /** VPSLLVD/Q, VPSRLVD/Q, VPSRAVD: each element of VEX.vvvv shifted by the matching element of W; counts past the width give 0 (sign fill for SRA). */
    private static void shiftVar(Cpu c, Insn i, int width, int kind) {
        CpuState s = c.state;
        long[] x = s.xmm;
        stageSources(c, i);
        int size = width / 8, count = 8 * quads(i) / size;
        for (int e = 0; e < count; e++) {
            long v = element(x, S1, size, e), n = element(x, S2, size, e);
            long r;
            if (Long.compareUnsigned(n, width - 1) > 0) {
                r = kind == SRA ? (width == 32 ? (int) v >> 31 : v >> 63) : 0;
            } else {
                r = switch (kind) {
                    case SLL -> v << n;
                    case SRL -> v >>> n;
                    default -> (width == 32 ? (long) (int) v : v) >> n;
                };
            }
            setElement(x, S1, size, e, r);
        }
        writeDest(s, i, S1);
    }
}
