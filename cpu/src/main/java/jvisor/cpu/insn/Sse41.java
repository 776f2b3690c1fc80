package jvisor.cpu.insn;

import jvisor.cpu.Cpu;
import jvisor.cpu.CpuState;
import jvisor.cpu.Flags;
import jvisor.cpu.decode.Insn;
import jvisor.cpu.decode.OpcodeTable;

/**
 * SSE4.1 (Intel SDM Vol. 1, 12.10 "SSE4.1 Instruction Set"; Vol. 2, the instructions' pages):
 * <pre>
 *   66 0F 38 10 /r     PBLENDVB   xmm1, xmm2/m128, &lt;XMM0&gt;  bytes of s where XMM0's byte has bit 7 set
 *   66 0F 38 14 /r     BLENDVPS   xmm1, xmm2/m128, &lt;XMM0&gt;  dwords of s where XMM0's dword sign is set
 *   66 0F 38 15 /r     BLENDVPD   xmm1, xmm2/m128, &lt;XMM0&gt;  qwords of s where XMM0's qword sign is set
 *   66 0F 38 17 /r     PTEST      xmm1, xmm2/m128   ZF = (d &amp; s) == 0, CF = (~d &amp; s) == 0, AF OF PF SF = 0
 *   66 0F 38 20 /r     PMOVSXBW   xmm1, xmm2/m64    (21 BD m32, 22 BQ m16, 23 WD m64, 24 WQ m32, 25 DQ m64)
 *   66 0F 38 28 /r     PMULDQ     xmm1, xmm2/m128   signed dwords 0 and 2 to signed qwords
 *   66 0F 38 29 /r     PCMPEQQ    xmm1, xmm2/m128
 *   66 0F 38 2A /r mem MOVNTDQA   xmm1, m128        aligned load (the non-temporal hint has no effect)
 *   66 0F 38 2B /r     PACKUSDW   xmm1, xmm2/m128   signed dwords to unsigned-saturated words
 *   66 0F 38 30 /r     PMOVZXBW   xmm1, xmm2/m64    (31 BD m32, 32 BQ m16, 33 WD m64, 34 WQ m32, 35 DQ m64)
 *   66 0F 38 38 /r     PMINSB     xmm1, xmm2/m128   (39 PMINSD, 3A PMINUW, 3B PMINUD,
 *   66 0F 38 3C /r     PMAXSB     xmm1, xmm2/m128    3D PMAXSD, 3E PMAXUW, 3F PMAXUD)
 *   66 0F 38 40 /r     PMULLD     xmm1, xmm2/m128   low 32 bits of the dword products
 *   66 0F 38 41 /r     PHMINPOSUW xmm1, xmm2/m128   minimum unsigned word in bits 0-15, its (lowest) index in 16-18, rest 0
 *   66 0F 3A 08 /r ib  ROUNDPS    xmm1, xmm2/m128, imm8
 *   66 0F 3A 09 /r ib  ROUNDPD    xmm1, xmm2/m128, imm8
 *   66 0F 3A 0A /r ib  ROUNDSS    xmm1, xmm2/m32, imm8
 *   66 0F 3A 0B /r ib  ROUNDSD    xmm1, xmm2/m64, imm8
 *   66 0F 3A 0C /r ib  BLENDPS    xmm1, xmm2/m128, imm8  (imm8[3:0] selects s per dword)
 *   66 0F 3A 0D /r ib  BLENDPD    xmm1, xmm2/m128, imm8  (imm8[1:0] per qword)
 *   66 0F 3A 0E /r ib  PBLENDW    xmm1, xmm2/m128, imm8  (imm8[7:0] per word)
 *   66 0F 3A 14 /r ib  PEXTRB     r32/r64/m8, xmm2, imm8    (imm8[3:0]; a register is zero-extended)
 *   66 0F 3A 15 /r ib  PEXTRW     r32/r64/m16, xmm2, imm8   (imm8[2:0])
 *   66 0F 3A 16 /r ib  PEXTRD     r/m32, xmm2, imm8; with REX.W PEXTRQ r/m64, xmm2, imm8
 *   66 0F 3A 17 /r ib  EXTRACTPS  r/m32, xmm1, imm8     (imm8[1:0]; a register is zero-extended)
 *   66 0F 3A 20 /r ib  PINSRB     xmm1, r32/m8, imm8    (imm8[3:0]; the low byte of the 32-bit register)
 *   66 0F 3A 21 /r ib  INSERTPS   xmm1, xmm2/m32, imm8  (imm8: [7:6] source dword of a register, [5:4] target, [3:0] zero mask)
 *   66 0F 3A 22 /r ib  PINSRD     xmm1, r/m32, imm8; with REX.W PINSRQ xmm1, r/m64, imm8
 *   66 0F 3A 40 /r ib  DPPS       xmm1, xmm2/m128, imm8
 *   66 0F 3A 41 /r ib  DPPD       xmm1, xmm2/m128, imm8
 *   66 0F 3A 42 /r ib  MPSADBW    xmm1, xmm2/m128, imm8
 * </pre>
 *
 * <p><b>ROUND*</b> (SDM Vol. 2 "ROUNDPS", Table 4-18 "Rounding Modes and Encoding of Rounding
 * Control (RC) Field"): imm8[1:0] is the rounding mode unless imm8[2] selects MXCSR.RC; imm8[3]
 * suppresses the precision exception. An SNaN raises IE and is quieted; denormal operands do not
 * raise DE, and are zeros under DAZ; the result is never tiny, so FTZ never applies.
 *
 * <p><b>DPPS/DPPD</b> (SDM Vol. 2 "DPPS", the DP_primitive pseudocode): the selected products are
 * rounded (unselected ones are +0.0), then summed pairwise as (p0 + p1) + (p2 + p3); every step
 * is an ordinary SSE operation with its own rounding, FTZ/DAZ (a denormal product is a denormal
 * operand of the sum: DE, or zero under DAZ) and flags. What the pseudocode leaves open, as
 * measured on hardware: the sum is computed in every lane, and the operand order (which decides
 * which of two NaNs propagates) is a[k] = p[k^1] + p[k], then a[k] + a[k^2], in lane k for DPPS, and
 * p[k] + p[k^1] for DPPD; the steps are separate, so an unmasked exception in the products
 * raises #XM before the sums contribute any flag.
 *
 * <p>128-bit memory operands must be 16-byte aligned (#GP), except where a form reads fewer bytes
 * (PMOVSX/ZX, ROUNDSS/SD, INSERTPS, the insert/extract forms). Only the float forms touch MXCSR;
 * only PTEST writes RFLAGS.
 */
final class Sse41 {
    private Sse41() {}

    private static final int PMINSB = 0, PMINSD = 1, PMINUW = 2, PMINUD = 3, PMAXSB = 4, PMAXSD = 5, PMAXUW = 6,
            PMAXUD = 7, PMULLD = 8, PMULDQ = 9, PCMPEQQ = 10;

    static void register(OpcodeTable t) {
        t.row("66 0F 38 10 /r", "pblendvb Vx,Wx", (c, i) -> blendv(c, i, 8));
        t.row("66 0F 38 14 /r", "blendvps Vx,Wx", (c, i) -> blendv(c, i, 32));
        t.row("66 0F 38 15 /r", "blendvpd Vx,Wx", (c, i) -> blendv(c, i, 64));
        t.row("66 0F 38 17 /r", "ptest Vx,Wx", Sse41::ptest);
        String[] ext = {"bw", "bd", "bq", "wd", "wq", "dq"};
        for (int k = 0; k < 6; k++) {
            int kind = k;
            t.row("66 0F 38 " + Integer.toHexString(0x20 + k) + " /r", "pmovsx" + ext[k] + " Vx,Wx", (c, i) -> pmov(c, i, kind, true));
            t.row("66 0F 38 " + Integer.toHexString(0x30 + k) + " /r", "pmovzx" + ext[k] + " Vx,Wx", (c, i) -> pmov(c, i, kind, false));
        }
        t.row("66 0F 38 28 /r", "pmuldq Vx,Wx", (c, i) -> lanes(c, i, PMULDQ));
        t.row("66 0F 38 29 /r", "pcmpeqq Vx,Wx", (c, i) -> lanes(c, i, PCMPEQQ));
        t.row("66 0F 38 2A /r mem", "movntdqa Vx,Mx", Sse41::movntdqa);
        t.row("66 0F 38 2B /r", "packusdw Vx,Wx", Sse41::packusdw);
        t.row("66 0F 38 38 /r", "pminsb Vx,Wx", (c, i) -> lanes(c, i, PMINSB));
        t.row("66 0F 38 39 /r", "pminsd Vx,Wx", (c, i) -> lanes(c, i, PMINSD));
        t.row("66 0F 38 3A /r", "pminuw Vx,Wx", (c, i) -> lanes(c, i, PMINUW));
        t.row("66 0F 38 3B /r", "pminud Vx,Wx", (c, i) -> lanes(c, i, PMINUD));
        t.row("66 0F 38 3C /r", "pmaxsb Vx,Wx", (c, i) -> lanes(c, i, PMAXSB));
        t.row("66 0F 38 3D /r", "pmaxsd Vx,Wx", (c, i) -> lanes(c, i, PMAXSD));
        t.row("66 0F 38 3E /r", "pmaxuw Vx,Wx", (c, i) -> lanes(c, i, PMAXUW));
        t.row("66 0F 38 3F /r", "pmaxud Vx,Wx", (c, i) -> lanes(c, i, PMAXUD));
        t.row("66 0F 38 40 /r", "pmulld Vx,Wx", (c, i) -> lanes(c, i, PMULLD));
        t.row("66 0F 38 41 /r", "phminposuw Vx,Wx", Sse41::phminposuw);

        t.row("66 0F 3A 08 /r", "roundps Vx,Wx,Ib", Sse41::roundps);
        t.row("66 0F 3A 09 /r", "roundpd Vx,Wx,Ib", Sse41::roundpd);
        t.row("66 0F 3A 0A /r", "roundss Vx,Wss,Ib", Sse41::roundss);
        t.row("66 0F 3A 0B /r", "roundsd Vx,Wsd,Ib", Sse41::roundsd);
        t.row("66 0F 3A 0C /r", "blendps Vx,Wx,Ib", (c, i) -> blend(c, i, 32));
        t.row("66 0F 3A 0D /r", "blendpd Vx,Wx,Ib", (c, i) -> blend(c, i, 64));
        t.row("66 0F 3A 0E /r", "pblendw Vx,Wx,Ib", (c, i) -> blend(c, i, 16));
        t.row("66 0F 3A 14 /r", "pextrb Ed,Vx,Ib", (c, i) -> extract(c, i, 1));
        t.row("66 0F 3A 15 /r", "pextrw Ed,Vx,Ib", (c, i) -> extract(c, i, 2));
        t.row("66 0F 3A 16 /r", "pextrd/q Ey,Vx,Ib", (c, i) -> extract(c, i, i.opsize));
        t.row("66 0F 3A 17 /r", "extractps Ed,Vx,Ib", (c, i) -> extract(c, i, 4));
        t.row("66 0F 3A 20 /r", "pinsrb Vx,Ed,Ib", (c, i) -> insert(c, i, 1));
        t.row("66 0F 3A 21 /r", "insertps Vx,Wss,Ib", Sse41::insertps);
        t.row("66 0F 3A 22 /r", "pinsrd/q Vx,Ey,Ib", (c, i) -> insert(c, i, i.opsize));
        t.row("66 0F 3A 40 /r", "dpps Vx,Wx,Ib", Sse41::dpps);
        t.row("66 0F 3A 41 /r", "dppd Vx,Wx,Ib", Sse41::dppd);
        t.row("66 0F 3A 42 /r", "mpsadbw Vx,Wx,Ib", Sse41::mpsadbw);
    }

    // ------------------------------------------------------------------ blends

    /** Expands the top bit of each lane of m (lane width 8, 32 or 64) to the whole lane. */
    static long laneMask(long m, int width) {
        return switch (width) {
            case 8 -> ((m >>> 7) & 0x0101010101010101L) * 0xFF;
            case 32 -> (m >> 63 & 0xFFFFFFFF00000000L) | (m >>> 31 & 1) * 0xFFFFFFFFL;
            default -> m >> 63;
        };
    }

    private static void blendv(Cpu c, Insn i, int width) {
        long ad = XmmAccess.wAddr(c, i);
        long s0 = XmmAccess.lo(c, i, ad), s1 = XmmAccess.hi(c, i, ad);
        long[] x = c.state.xmm;
        int d = XmmAccess.v(i);
        long m0 = laneMask(x[0], width), m1 = laneMask(x[1], width);
        x[d] = (x[d] & ~m0) | (s0 & m0);
        x[d + 1] = (x[d + 1] & ~m1) | (s1 & m1);
    }

    /** Expands imm8 bits to lane masks: bit k selects lane k of width bits. */
    private static long immMask(int bits, int width) {
        long m = 0;
        int lanes = 64 / width;
        long ones = width == 64 ? -1L : (1L << width) - 1;
        for (int k = 0; k < lanes; k++) if ((bits >>> k & 1) != 0) m |= ones << (k * width);
        return m;
    }

    private static void blend(Cpu c, Insn i, int width) {
        long ad = XmmAccess.wAddr(c, i);
        long s0 = XmmAccess.lo(c, i, ad), s1 = XmmAccess.hi(c, i, ad);
        long[] x = c.state.xmm;
        int d = XmmAccess.v(i);
        int imm = (int) i.imm & 0xFF, lanes = 64 / width;
        long m0 = immMask(imm, width), m1 = immMask(imm >>> lanes, width);
        x[d] = (x[d] & ~m0) | (s0 & m0);
        x[d + 1] = (x[d + 1] & ~m1) | (s1 & m1);
    }

    // ------------------------------------------------------------------ PTEST

    private static void ptest(Cpu c, Insn i) {
        long ad = XmmAccess.wAddr(c, i);
        long s0 = XmmAccess.lo(c, i, ad), s1 = XmmAccess.hi(c, i, ad);
        long[] x = c.state.xmm;
        int d = XmmAccess.v(i);
        long f = 0;
        if (((x[d] & s0) | (x[d + 1] & s1)) == 0) f |= Flags.ZF;
        if (((~x[d] & s0) | (~x[d + 1] & s1)) == 0) f |= Flags.CF;
        Flags.setEager(c.state, f);
    }

    // ------------------------------------------------------------------ PMOVSX / PMOVZX

    /** Bytes read from memory by PMOVSX/ZX kind BW, BD, BQ, WD, WQ, DQ. */
    private static final int[] PMOV_BYTES = {8, 4, 2, 8, 4, 8};

    private static void pmov(Cpu c, Insn i, int kind, boolean signed) {
        long v = i.mem ? c.load(c.ea(i), PMOV_BYTES[kind]) : c.state.xmm[XmmAccess.u(i)];
        int from = kind < 3 ? 8 : kind < 5 ? 16 : 32; // source element bits
        int to = switch (kind) {
            case 0 -> 16;
            case 1, 3 -> 32;
            default -> 64;
        };
        int perQuad = 64 / to;
        long[] x = c.state.xmm;
        int d = XmmAccess.v(i);
        x[d] = widen(v, 0, perQuad, from, to, signed);
        x[d + 1] = widen(v, perQuad, perQuad, from, to, signed);
    }

    /** count elements of from bits, starting at element first of v, widened to to bits each. */
    private static long widen(long v, int first, int count, int from, int to, boolean signed) {
        long r = 0;
        long m = to == 64 ? -1L : (1L << to) - 1;
        int sh = 64 - from;
        for (int k = 0; k < count; k++) {
            long e = v >>> ((first + k) * from) << sh;
            e = signed ? e >> sh : e >>> sh;
            r |= (e & m) << (k * to);
        }
        return r;
    }

    // ------------------------------------------------------------------ lane-wise integer operations

    private static void lanes(Cpu c, Insn i, int op) {
        long ad = XmmAccess.wAddr(c, i);
        long s0 = XmmAccess.lo(c, i, ad), s1 = XmmAccess.hi(c, i, ad);
        long[] x = c.state.xmm;
        int d = XmmAccess.v(i);
        x[d] = lane64(op, x[d], s0);
        x[d + 1] = lane64(op, x[d + 1], s1);
    }

    private static long lane64(int op, long a, long b) {
        switch (op) {
            case PMULDQ: return (long) (int) a * (int) b;
            case PCMPEQQ: return a == b ? -1L : 0;
            case PMINSB, PMAXSB: {
                long r = 0;
                for (int k = 0; k < 64; k += 8) {
                    int x = (byte) (a >>> k), y = (byte) (b >>> k);
                    r |= ((op == PMINSB ? Math.min(x, y) : Math.max(x, y)) & 0xFFL) << k;
                }
                return r;
            }
            case PMINUW, PMAXUW: {
                long r = 0;
                for (int k = 0; k < 64; k += 16) {
                    int x = (int) (a >>> k) & 0xFFFF, y = (int) (b >>> k) & 0xFFFF;
                    r |= (long) (op == PMINUW ? Math.min(x, y) : Math.max(x, y)) << k;
                }
                return r;
            }
            default: {
                long r = 0;
                for (int k = 0; k < 64; k += 32) {
                    int x = (int) (a >>> k), y = (int) (b >>> k);
                    int v = switch (op) {
                        case PMINSD -> Math.min(x, y);
                        case PMAXSD -> Math.max(x, y);
                        case PMINUD -> Integer.compareUnsigned(x, y) <= 0 ? x : y;
                        case PMAXUD -> Integer.compareUnsigned(x, y) >= 0 ? x : y;
                        default -> x * y; // PMULLD
                    };
                    r |= (v & 0xFFFFFFFFL) << k;
                }
                return r;
            }
        }
    }

    private static void packusdw(Cpu c, Insn i) {
        long ad = XmmAccess.wAddr(c, i);
        long s0 = XmmAccess.lo(c, i, ad), s1 = XmmAccess.hi(c, i, ad);
        long[] x = c.state.xmm;
        int d = XmmAccess.v(i);
        long d0 = x[d], d1 = x[d + 1];
        x[d] = packUs(d0) | packUs(d1) << 32;
        x[d + 1] = packUs(s0) | packUs(s1) << 32;
    }

    /** Two signed dwords to two unsigned-saturated words. */
    private static long packUs(long q) {
        int lo = (int) q, hi = (int) (q >>> 32);
        lo = lo < 0 ? 0 : Math.min(lo, 0xFFFF);
        hi = hi < 0 ? 0 : Math.min(hi, 0xFFFF);
        return lo | (long) hi << 16;
    }

    private static void phminposuw(Cpu c, Insn i) {
        long ad = XmmAccess.wAddr(c, i);
        long s0 = XmmAccess.lo(c, i, ad), s1 = XmmAccess.hi(c, i, ad);
        int min = 0x10000, at = 0;
        for (int k = 0; k < 8; k++) {
            int w = (int) ((k < 4 ? s0 : s1) >>> (16 * (k & 3))) & 0xFFFF;
            if (w < min) {
                min = w;
                at = k;
            }
        }
        long[] x = c.state.xmm;
        int d = XmmAccess.v(i);
        x[d] = min | (long) at << 16;
        x[d + 1] = 0;
    }

    private static void movntdqa(Cpu c, Insn i) {
        XmmAccess.load128(c, XmmAccess.v(i), XmmAccess.aligned(c, i));
    }

    // ------------------------------------------------------------------ insert / extract

    /** PEXTRB/W/D/Q and EXTRACTPS: element imm8 of size bytes to a register (zero-extended) or memory. */
    private static void extract(Cpu c, Insn i, int size) {
        int per = 8 / size;
        int k = (int) i.imm & (16 / size - 1);
        long q = c.state.xmm[XmmAccess.v(i) + k / per];
        long v = size == 8 ? q : q >>> (8 * size * (k % per)) & ((1L << (8 * size)) - 1);
        if (i.mem) c.store(c.ea(i), size, v);
        else c.r[i.rm] = v;
    }

    /** PINSRB/D/Q: a byte (the low byte of a 32-bit register), dword or qword into element imm8. */
    private static void insert(Cpu c, Insn i, int size) {
        long v = i.mem ? c.load(c.ea(i), size) : c.r[i.rm];
        int per = 8 / size;
        int k = (int) i.imm & (16 / size - 1);
        long[] x = c.state.xmm;
        int idx = XmmAccess.v(i) + k / per;
        if (size == 8) {
            x[idx] = v;
        } else {
            int sh = 8 * size * (k % per);
            long m = ((1L << (8 * size)) - 1) << sh;
            x[idx] = (x[idx] & ~m) | (v << sh & m);
        }
    }

    private static void insertps(Cpu c, Insn i) {
        int imm = (int) i.imm & 0xFF;
        long[] x = c.state.xmm;
        long v;
        if (i.mem) {
            v = c.mem().read32(c.ea(i)) & 0xFFFFFFFFL;
        } else {
            int cs = imm >>> 6;
            v = x[XmmAccess.u(i) + (cs >>> 1)] >>> (32 * (cs & 1)) & 0xFFFFFFFFL;
        }
        int d = XmmAccess.v(i);
        int cd = imm >>> 4 & 3;
        int idx = d + (cd >>> 1), sh = 32 * (cd & 1);
        x[idx] = (x[idx] & ~(0xFFFFFFFFL << sh)) | v << sh;
        long z0 = immMask(imm & 3, 32), z1 = immMask(imm >>> 2 & 3, 32);
        x[d] &= ~z0;
        x[d + 1] &= ~z1;
    }

    // ------------------------------------------------------------------ ROUND

    /** The rounding mode of a ROUND* immediate: imm8[1:0], or MXCSR.RC when imm8[2] is set. */
    private static int roundingMode(CpuState s, int imm) {
        return (imm & 4) != 0 ? SseMath.rc(s) : imm & 3;
    }

    /** One element rounded to an integral value in format f (a float in the low 32 bits for SINGLE). */
    static long round(CpuState s, long a, int f, int rc, boolean suppressPe) {
        if (SseMath.isNaN(a, f)) {
            if (SseMath.isSNaN(a, f)) SseMath.raise(s, SseMath.IE);
            return SseMath.quiet(a, f);
        }
        if (SseMath.isDenormal(a, f) && (s.mxcsr & SseMath.DAZ) != 0) return a & SseMath.signBit(f);
        double v = SseMath.value(a, f);
        double r = switch (rc) {
            case SseMath.RN -> Math.rint(v);
            case SseMath.RD -> Math.floor(v);
            case SseMath.RU -> Math.ceil(v);
            default -> v < 0 ? Math.ceil(v) : Math.floor(v);
        };
        if (r != v && !suppressPe) SseMath.raise(s, SseMath.PE);
        // Zero, infinite and integral values come back unchanged, with their sign.
        return f == SseMath.DOUBLE ? Double.doubleToRawLongBits(r) : Float.floatToRawIntBits((float) r) & 0xFFFFFFFFL;
    }

    private static void roundps(Cpu c, Insn i) {
        long ad = XmmAccess.wAddr(c, i);
        long s0 = XmmAccess.lo(c, i, ad), s1 = XmmAccess.hi(c, i, ad);
        CpuState s = c.state;
        int imm = (int) i.imm, rc = roundingMode(s, imm);
        boolean np = (imm & 8) != 0;
        int f = SseMath.SINGLE;
        long r0 = round(s, s0 & 0xFFFFFFFFL, f, rc, np), r1 = round(s, s0 >>> 32, f, rc, np);
        long r2 = round(s, s1 & 0xFFFFFFFFL, f, rc, np), r3 = round(s, s1 >>> 32, f, rc, np);
        SseMath.commit(s);
        long[] x = s.xmm;
        int d = XmmAccess.v(i);
        x[d] = r0 | r1 << 32;
        x[d + 1] = r2 | r3 << 32;
    }

    private static void roundpd(Cpu c, Insn i) {
        long ad = XmmAccess.wAddr(c, i);
        long s0 = XmmAccess.lo(c, i, ad), s1 = XmmAccess.hi(c, i, ad);
        CpuState s = c.state;
        int imm = (int) i.imm, rc = roundingMode(s, imm);
        boolean np = (imm & 8) != 0;
        long r0 = round(s, s0, SseMath.DOUBLE, rc, np), r1 = round(s, s1, SseMath.DOUBLE, rc, np);
        SseMath.commit(s);
        long[] x = s.xmm;
        int d = XmmAccess.v(i);
        x[d] = r0;
        x[d + 1] = r1;
    }

    private static void roundss(Cpu c, Insn i) {
        long a = XmmAccess.d(c, i) & 0xFFFFFFFFL;
        CpuState s = c.state;
        int imm = (int) i.imm;
        long r = round(s, a, SseMath.SINGLE, roundingMode(s, imm), (imm & 8) != 0);
        SseMath.commit(s);
        long[] x = s.xmm;
        int d = XmmAccess.v(i);
        x[d] = (x[d] & 0xFFFFFFFF00000000L) | r;
    }

    private static void roundsd(Cpu c, Insn i) {
        long a = XmmAccess.q(c, i);
        CpuState s = c.state;
        int imm = (int) i.imm;
        long r = round(s, a, SseMath.DOUBLE, roundingMode(s, imm), (imm & 8) != 0);
        SseMath.commit(s);
        s.xmm[XmmAccess.v(i)] = r;
    }

    // ------------------------------------------------------------------ dot products

    private static void dpps(Cpu c, Insn i) {
        long ad = XmmAccess.wAddr(c, i);
        long s0 = XmmAccess.lo(c, i, ad), s1 = XmmAccess.hi(c, i, ad);
        CpuState s = c.state;
        long[] x = s.xmm;
        int d = XmmAccess.v(i);
        long d0 = x[d], d1 = x[d + 1];
        int imm = (int) i.imm;
        // Stage 1: the selected products.
        long p0 = (imm & 0x10) != 0 ? SseMath.mulS(s, d0, s0) : 0;
        long p1 = (imm & 0x20) != 0 ? SseMath.mulS(s, d0 >>> 32, s0 >>> 32) : 0;
        long p2 = (imm & 0x40) != 0 ? SseMath.mulS(s, d1, s1) : 0;
        long p3 = (imm & 0x80) != 0 ? SseMath.mulS(s, d1 >>> 32, s1 >>> 32) : 0;
        SseMath.commit(s);
        // Stage 2: lane k holds p[k^1] + p[k].
        long a0 = SseMath.addS(s, p1, p0, false), a1 = SseMath.addS(s, p0, p1, false);
        long a2 = SseMath.addS(s, p3, p2, false), a3 = SseMath.addS(s, p2, p3, false);
        SseMath.commit(s);
        // Stage 3: lane k holds a[k] + a[k^2].
        long r0 = SseMath.addS(s, a0, a2, false) & 0xFFFFFFFFL, r1 = SseMath.addS(s, a1, a3, false) & 0xFFFFFFFFL;
        long r2 = SseMath.addS(s, a2, a0, false) & 0xFFFFFFFFL, r3 = SseMath.addS(s, a3, a1, false) & 0xFFFFFFFFL;
        SseMath.commitThenWrite(s, d, ((imm & 1) != 0 ? r0 : 0) | ((imm & 2) != 0 ? r1 << 32 : 0),
                ((imm & 4) != 0 ? r2 : 0) | ((imm & 8) != 0 ? r3 << 32 : 0));
    }

    private static void dppd(Cpu c, Insn i) {
        long ad = XmmAccess.wAddr(c, i);
        long s0 = XmmAccess.lo(c, i, ad), s1 = XmmAccess.hi(c, i, ad);
        CpuState s = c.state;
        long[] x = s.xmm;
        int d = XmmAccess.v(i);
        int imm = (int) i.imm;
        long p0 = (imm & 0x10) != 0 ? SseMath.mulD(s, x[d], s0) : 0;
        long p1 = (imm & 0x20) != 0 ? SseMath.mulD(s, x[d + 1], s1) : 0;
        SseMath.commit(s);
        // Lane k holds p[k] + p[k^1] (the opposite order from DPPS's first sum, as the hardware does it).
        long r0 = SseMath.addD(s, p0, p1, false), r1 = SseMath.addD(s, p1, p0, false);
        SseMath.commitThenWrite(s, d, (imm & 1) != 0 ? r0 : 0, (imm & 2) != 0 ? r1 : 0);
    }

    // ------------------------------------------------------------------ MPSADBW

    private static void mpsadbw(Cpu c, Insn i) {
        long ad = XmmAccess.wAddr(c, i);
        long s0 = XmmAccess.lo(c, i, ad), s1 = XmmAccess.hi(c, i, ad);
        long[] x = c.state.xmm;
        int d = XmmAccess.v(i);
        long d0 = x[d], d1 = x[d + 1];
        int imm = (int) i.imm;
        int dOff = (imm & 4) != 0 ? 4 : 0, sOff = (imm & 3) * 4;
        long blk = (sOff < 8 ? s0 >>> (8 * sOff) : s1 >>> (8 * (sOff - 8))) & 0xFFFFFFFFL;
        long r0 = 0, r1 = 0;
        for (int k = 0; k < 8; k++) {
            long win = Ssse3.window(d0, d1, 0, 0, dOff + k); // bytes dOff+k .. dOff+k+3 in the low dword
            int sum = 0;
            for (int b = 0; b < 32; b += 8) sum += Math.abs((int) (win >>> b & 0xFF) - (int) (blk >>> b & 0xFF));
            if (k < 4) r0 |= (long) sum << (16 * k);
            else r1 |= (long) sum << (16 * (k - 4));
        }
        x[d] = r0;
        x[d + 1] = r1;
    }
}
