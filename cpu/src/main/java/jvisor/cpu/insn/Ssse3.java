package jvisor.cpu.insn;

import jvisor.cpu.Cpu;
import jvisor.cpu.decode.Insn;
import jvisor.cpu.decode.OpcodeTable;

/**
 * SSSE3 (Intel SDM Vol. 1, 12.9 "SSSE3 Instructions"; Vol. 2, the instructions' pages), the XMM
 * forms only:
 * <pre>
 *   66 0F 38 00 /r     PSHUFB    xmm1, xmm2/m128       byte i = s[i] bit 7 ? 0 : d[s[i] &amp; 15]
 *   66 0F 38 01 /r     PHADDW    xmm1, xmm2/m128       d0+d1 .. d6+d7, s0+s1 .. s6+s7 (wrapping)
 *   66 0F 38 02 /r     PHADDD    xmm1, xmm2/m128       d0+d1, d2+d3, s0+s1, s2+s3
 *   66 0F 38 03 /r     PHADDSW   xmm1, xmm2/m128       as PHADDW, signed saturation
 *   66 0F 38 04 /r     PMADDUBSW xmm1, xmm2/m128       unsigned d bytes * signed s bytes, pairs summed, saturated
 *   66 0F 38 05 /r     PHSUBW    xmm1, xmm2/m128       d0-d1 .., s0-s1 .. (even minus odd)
 *   66 0F 38 06 /r     PHSUBD    xmm1, xmm2/m128
 *   66 0F 38 07 /r     PHSUBSW   xmm1, xmm2/m128       as PHSUBW, signed saturation
 *   66 0F 38 08 /r     PSIGNB    xmm1, xmm2/m128       s &lt; 0 ? -d : s == 0 ? 0 : d
 *   66 0F 38 09 /r     PSIGNW    xmm1, xmm2/m128
 *   66 0F 38 0A /r     PSIGND    xmm1, xmm2/m128
 *   66 0F 38 0B /r     PMULHRSW  xmm1, xmm2/m128       ((d * s &gt;&gt; 14) + 1) &gt;&gt; 1, signed words
 *   66 0F 38 1C /r     PABSB     xmm1, xmm2/m128       |s| (unsigned result: |-128| = 0x80)
 *   66 0F 38 1D /r     PABSW     xmm1, xmm2/m128
 *   66 0F 38 1E /r     PABSD     xmm1, xmm2/m128
 *   66 0F 3A 0F /r ib  PALIGNR   xmm1, xmm2/m128, imm8 bytes imm8.. of the 32-byte d:s, zeros beyond
 * </pre>
 * The MMX forms (no 66 prefix) are not declared and raise #UD, as on a CPU without MMX. The
 * 128-bit memory operand must be 16-byte aligned (#GP). None of these touch MXCSR or RFLAGS.
 */
final class Ssse3 {
    private Ssse3() {}

    private static final int PHADDW = 0, PHADDD = 1, PHADDSW = 2, PHSUBW = 3, PHSUBD = 4, PHSUBSW = 5;
    private static final int PMADDUBSW = 0, PSIGNB = 1, PSIGNW = 2, PSIGND = 3, PMULHRSW = 4;

    static void register(OpcodeTable t) {
        t.row("66 0F 38 00 /r", "pshufb Vx,Wx", Ssse3::pshufb);
        t.row("66 0F 38 01 /r", "phaddw Vx,Wx", (c, i) -> horizontal(c, i, PHADDW));
        t.row("66 0F 38 02 /r", "phaddd Vx,Wx", (c, i) -> horizontal(c, i, PHADDD));
        t.row("66 0F 38 03 /r", "phaddsw Vx,Wx", (c, i) -> horizontal(c, i, PHADDSW));
        t.row("66 0F 38 04 /r", "pmaddubsw Vx,Wx", (c, i) -> lanes(c, i, PMADDUBSW));
        t.row("66 0F 38 05 /r", "phsubw Vx,Wx", (c, i) -> horizontal(c, i, PHSUBW));
        t.row("66 0F 38 06 /r", "phsubd Vx,Wx", (c, i) -> horizontal(c, i, PHSUBD));
        t.row("66 0F 38 07 /r", "phsubsw Vx,Wx", (c, i) -> horizontal(c, i, PHSUBSW));
        t.row("66 0F 38 08 /r", "psignb Vx,Wx", (c, i) -> lanes(c, i, PSIGNB));
        t.row("66 0F 38 09 /r", "psignw Vx,Wx", (c, i) -> lanes(c, i, PSIGNW));
        t.row("66 0F 38 0A /r", "psignd Vx,Wx", (c, i) -> lanes(c, i, PSIGND));
        t.row("66 0F 38 0B /r", "pmulhrsw Vx,Wx", (c, i) -> lanes(c, i, PMULHRSW));
        t.row("66 0F 38 1C /r", "pabsb Vx,Wx", (c, i) -> pabs(c, i, 8));
        t.row("66 0F 38 1D /r", "pabsw Vx,Wx", (c, i) -> pabs(c, i, 16));
        t.row("66 0F 38 1E /r", "pabsd Vx,Wx", (c, i) -> pabs(c, i, 32));
        t.row("66 0F 3A 0F /r", "palignr Vx,Wx,Ib", Ssse3::palignr);
    }

    private static void pshufb(Cpu c, Insn i) {
        long ad = XmmAccess.wAddr(c, i);
        long s0 = XmmAccess.lo(c, i, ad), s1 = XmmAccess.hi(c, i, ad);
        long[] x = c.state.xmm;
        int d = XmmAccess.v(i);
        long d0 = x[d], d1 = x[d + 1];
        x[d] = shuffle(d0, d1, s0);
        x[d + 1] = shuffle(d0, d1, s1);
    }

    /** Eight bytes selected from the table t0:t1 by the control bytes of ctl. */
    private static long shuffle(long t0, long t1, long ctl) {
        long r = 0;
        for (int k = 0; k < 64; k += 8) {
            int sel = (int) (ctl >>> k) & 0xFF;
            if (sel < 0x80) r |= ((((sel & 8) == 0 ? t0 : t1) >>> ((sel & 7) << 3)) & 0xFF) << k;
        }
        return r;
    }

    // ------------------------------------------------------------------ horizontal add/subtract

    private static void horizontal(Cpu c, Insn i, int op) {
        long ad = XmmAccess.wAddr(c, i);
        long s0 = XmmAccess.lo(c, i, ad), s1 = XmmAccess.hi(c, i, ad);
        long[] x = c.state.xmm;
        int d = XmmAccess.v(i);
        long d0 = x[d], d1 = x[d + 1];
        x[d] = pair(op, d0) | pair(op, d1) << 32;
        x[d + 1] = pair(op, s0) | pair(op, s1) << 32;
    }

    /** The horizontal operation on the elements of one quadword, packed into its low 32 bits. */
    private static long pair(int op, long q) {
        switch (op) {
            case PHADDD: return (q + (q >>> 32)) & 0xFFFFFFFFL;
            case PHSUBD: return (q - (q >>> 32)) & 0xFFFFFFFFL;
            default: {
                int w0 = (short) q, w1 = (short) (q >>> 16), w2 = (short) (q >>> 32), w3 = (short) (q >>> 48);
                int a, b;
                switch (op) {
                    case PHADDW -> { a = w0 + w1; b = w2 + w3; }
                    case PHSUBW -> { a = w0 - w1; b = w2 - w3; }
                    case PHADDSW -> { a = sat16(w0 + w1); b = sat16(w2 + w3); }
                    default -> { a = sat16(w0 - w1); b = sat16(w2 - w3); } // PHSUBSW
                }
                return (a & 0xFFFFL) | (b & 0xFFFFL) << 16;
            }
        }
    }

    private static int sat16(int v) {
        return v < -32768 ? -32768 : Math.min(v, 32767);
    }

    // ------------------------------------------------------------------ lane-wise operations

    private static void lanes(Cpu c, Insn i, int op) {
        long ad = XmmAccess.wAddr(c, i);
        long s0 = XmmAccess.lo(c, i, ad), s1 = XmmAccess.hi(c, i, ad);
        long[] x = c.state.xmm;
        int d = XmmAccess.v(i);
        x[d] = lane64(op, x[d], s0);
        x[d + 1] = lane64(op, x[d + 1], s1);
    }

    private static long lane64(int op, long a, long b) {
        long r = 0;
        switch (op) {
            case PMADDUBSW -> {
                for (int k = 0; k < 64; k += 16) {
                    int v = (int) (a >>> k & 0xFF) * (byte) (b >>> k) + (int) (a >>> (k + 8) & 0xFF) * (byte) (b >>> (k + 8));
                    r |= (sat16(v) & 0xFFFFL) << k;
                }
            }
            case PSIGNB -> {
                for (int k = 0; k < 64; k += 8) {
                    int s = (byte) (b >>> k), v = (byte) (a >>> k);
                    r |= ((s < 0 ? -v : s == 0 ? 0 : v) & 0xFFL) << k;
                }
            }
            case PSIGNW -> {
                for (int k = 0; k < 64; k += 16) {
                    int s = (short) (b >>> k), v = (short) (a >>> k);
                    r |= ((s < 0 ? -v : s == 0 ? 0 : v) & 0xFFFFL) << k;
                }
            }
            case PSIGND -> {
                for (int k = 0; k < 64; k += 32) {
                    int s = (int) (b >>> k), v = (int) (a >>> k);
                    r |= ((s < 0 ? -v : s == 0 ? 0 : v) & 0xFFFFFFFFL) << k;
                }
            }
            default -> { // PMULHRSW
                for (int k = 0; k < 64; k += 16) {
                    int p = (short) (a >>> k) * (short) (b >>> k);
                    r |= (((p >> 14) + 1) >> 1 & 0xFFFFL) << k;
                }
            }
        }
        return r;
    }

    private static void pabs(Cpu c, Insn i, int width) {
        long ad = XmmAccess.wAddr(c, i);
        long s0 = XmmAccess.lo(c, i, ad), s1 = XmmAccess.hi(c, i, ad);
        long[] x = c.state.xmm;
        int d = XmmAccess.v(i);
        x[d] = abs64(s0, width);
        x[d + 1] = abs64(s1, width);
    }

    private static long abs64(long q, int width) {
        long m = width == 32 ? 0xFFFFFFFFL : (1L << width) - 1;
        int sh = 64 - width;
        long r = 0;
        for (int k = 0; k < 64; k += width) {
            long v = (q >>> k) << sh >> sh; // sign-extended lane
            r |= (Math.abs(v) & m) << k;
        }
        return r;
    }

    // ------------------------------------------------------------------ PALIGNR

    private static void palignr(Cpu c, Insn i) {
        long ad = XmmAccess.wAddr(c, i);
        long s0 = XmmAccess.lo(c, i, ad), s1 = XmmAccess.hi(c, i, ad);
        long[] x = c.state.xmm;
        int d = XmmAccess.v(i);
        long d0 = x[d], d1 = x[d + 1];
        int n = (int) i.imm & 0xFF;
        x[d] = window(s0, s1, d0, d1, n);
        x[d + 1] = window(s0, s1, d0, d1, n + 8);
    }

    /** Eight bytes starting at byte offset o of the 32-byte value q3:q2:q1:q0; bytes past its end are zero. */
    static long window(long q0, long q1, long q2, long q3, int o) {
        if (o >= 32) return 0;
        int k = o >>> 3, sh = (o & 7) << 3;
        long lo = quad(q0, q1, q2, q3, k);
        if (sh == 0) return lo;
        return lo >>> sh | quad(q0, q1, q2, q3, k + 1) << (64 - sh);
    }

    private static long quad(long q0, long q1, long q2, long q3, int k) {
        return switch (k) {
            case 0 -> q0;
            case 1 -> q1;
            case 2 -> q2;
            case 3 -> q3;
            default -> 0;
        };
    }
}
