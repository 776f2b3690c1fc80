package jvisor.cpu.insn;

import jvisor.cpu.CpuFault;
import jvisor.cpu.CpuState;

/**
 * IEEE 754 arithmetic as SSE hardware does it, on raw bit patterns (a float in the low 32 bits of
 * a long, or a double), shared by {@link SseFloat} and {@link SseConvert}. Intel SDM Vol. 1,
 * 4.8 (NaN encodings, Table 4-7 "Rules for handling NaNs"), 4.9 (exceptions and their
 * priorities), 10.2.3 (MXCSR: RC, FTZ, DAZ) and 11.5 (SIMD floating-point exceptions).
 *
 * <p><b>Results.</b> Every operation rounds once, from the exact result, to the destination
 * format, in the MXCSR rounding mode. The fast path is Java's own double/float arithmetic, which
 * is IEEE round-to-nearest-even: it is taken only when MXCSR is round-to-nearest without FTZ/DAZ
 * with every exception masked and the result is comfortably normal, and it derives the inexact
 * flag from an exact error term (TwoSum, FMA, or an exact product in double). Everything else
 * (other rounding modes, FTZ, DAZ, unmasked exceptions, NaN, infinite, zero, tiny or overflowing
 * results) goes to the exact path: the operation is done on integer significands ({@link #add},
 * {@link #mul}, {@link #div}, {@link #sqrt}) and rounded by {@link #roundPack}, which implements
 * the four rounding modes, gradual underflow with tininess detected after rounding, FTZ, and the
 * OE/UE/PE flags.
 *
 * <p><b>NaNs.</b> Java's arithmetic does not keep NaN payloads, so NaN operands never reach it:
 * the first source operand's NaN wins, an SNaN is quieted and raises IE, and invalid operations
 * return the default "real indefinite" QNaN (0xFFC00000 / 0xFFF8000000000000).
 *
 * <p><b>Flags.</b> While an instruction runs, the exceptions it raises are collected in bits
 * 16-21 of {@code CpuState.mxcsr} (reserved bits, always zero between instructions: LDMXCSR and
 * FXRSTOR refuse them). {@link #commit} then applies SDM 11.5.1: if any raised exception is
 * unmasked, the destination is not written and #XM is raised; when an unmasked exception is a
 * pre-computation one (IE, DE, ZE), post-computation flags (OE, UE, PE) are not recorded.
 * Every instruction that calls into this class must call {@link #commit} before writing its
 * destination.
 */
final class SseMath {
    private SseMath() {}

    // MXCSR bits (SDM Vol. 1, Figure 10-3).
    static final int IE = 1, DE = 2, ZE = 4, OE = 8, UE = 16, PE = 32;
    static final int DAZ = 1 << 6, FTZ = 1 << 15;
    static final int MASK_SHIFT = 7;
    static final int UM = UE << MASK_SHIFT;
    /** The pre-computation exceptions. */
    static final int PRE = IE | DE | ZE;
    static final int RAISED_SHIFT = 16;
    /** Rounding control values (MXCSR bits 13-14). */
    static final int RN = 0, RD = 1, RU = 2, RZ = 3;

    /** MXCSR bits that decide whether the fast path applies: RC, FTZ, the masks, DAZ. */
    static final int FAST_MASK = 0xFFC0;
    /** ... and their required values: round to nearest, no FTZ, all masked, no DAZ. */
    static final int FAST_BITS = 0x1F80;

    /** Formats. */
    static final int SINGLE = 0, DOUBLE = 1;

    static final long QNAN_S = 0xFFC00000L, QNAN_D = 0xFFF8000000000000L;
    private static final long FRAC_D = (1L << 52) - 1, FRAC_S = (1L << 23) - 1;

    // ------------------------------------------------------------------ classification

    static long signBit(int f) {
        return f == DOUBLE ? 1L << 63 : 1L << 31;
    }

    static boolean neg(long b, int f) {
        return (b & signBit(f)) != 0;
    }

    static int expField(long b, int f) {
        return f == DOUBLE ? (int) (b >>> 52) & 0x7FF : (int) (b >>> 23) & 0xFF;
    }

    static long frac(long b, int f) {
        return f == DOUBLE ? b & FRAC_D : b & FRAC_S;
    }

    static int maxExpField(int f) {
        return f == DOUBLE ? 0x7FF : 0xFF;
    }

    static boolean isNaN(long b, int f) {
        return expField(b, f) == maxExpField(f) && frac(b, f) != 0;
    }

    static boolean isSNaN(long b, int f) {
        return isNaN(b, f) && (b & quietBit(f)) == 0;
    }

    static boolean isInf(long b, int f) {
        return expField(b, f) == maxExpField(f) && frac(b, f) == 0;
    }

    /** Zero of either sign (a denormal is not zero here: see {@link #daz}). */
    static boolean isZero(long b, int f) {
        return (b & ~signBit(f) & (f == DOUBLE ? -1L : 0xFFFFFFFFL)) == 0;
    }

    static boolean isDenormal(long b, int f) {
        return expField(b, f) == 0 && frac(b, f) != 0;
    }

    static long quietBit(int f) {
        return f == DOUBLE ? 1L << 51 : 1L << 22;
    }

    static long quiet(long b, int f) {
        return b | quietBit(f);
    }

    static long defaultNaN(int f) {
        return f == DOUBLE ? QNAN_D : QNAN_S;
    }

    static long inf(boolean neg, int f) {
        return f == DOUBLE ? (neg ? 0xFFF0000000000000L : 0x7FF0000000000000L) : (neg ? 0xFF800000L : 0x7F800000L);
    }

    static long zero(boolean neg, int f) {
        return neg ? signBit(f) : 0;
    }

    static long maxFinite(boolean neg, int f) {
        return f == DOUBLE ? (neg ? 0xFFEFFFFFFFFFFFFFL : 0x7FEFFFFFFFFFFFFFL) : (neg ? 0xFF7FFFFFL : 0x7F7FFFFFL);
    }

    /** Unbiased exponent e of a finite nonzero value, with value = sig * 2^(e-62) (see {@link #sig}). */
    static int exp(long b, int f) {
        int ef = expField(b, f);
        if (ef != 0) return ef - (f == DOUBLE ? 1023 : 127);
        int lz = Long.numberOfLeadingZeros(frac(b, f));
        return f == DOUBLE ? -1011 - lz : -86 - lz;
    }

    /** Significand of a finite nonzero value, normalized so that bit 62 is its leading one. */
    static long sig(long b, int f) {
        long fr = frac(b, f);
        if (expField(b, f) != 0) return f == DOUBLE ? (fr | 1L << 52) << 10 : (fr | 1L << 23) << 39;
        return fr << (Long.numberOfLeadingZeros(fr) - 1);
    }

    static int rc(CpuState s) {
        return s.mxcsr >>> 13 & 3;
    }

    static void raise(CpuState s, int flags) {
        s.mxcsr |= flags << RAISED_SHIFT;
    }

    /**
     * Applies the exceptions the current instruction raised (SDM 11.5.1): records the flags and,
     * if any is unmasked, raises #XM (the caller has not written its destination yet).
     */
    static void commit(CpuState s) {
        int m = s.mxcsr;
        int raised = m >>> RAISED_SHIFT;
        if (raised == 0 || s.simdCommitDeferred) return;
        m &= 0xFFFF;
        int unmasked = raised & ~(m >>> MASK_SHIFT) & 0x3F;
        if ((unmasked & PRE) != 0) raised &= PRE;
        s.mxcsr = m | raised;
        if (unmasked != 0) throw CpuFault.simdException();
    }

    /**
     * Commits the instruction's exceptions ({@link #commit}) and only then, when none faults,
     * writes the 128-bit result lo, hi to the register whose low quadword is xmm[d].
     */
    static void commitThenWrite(CpuState s, int d, long lo, long hi) {
        commit(s);
        s.xmm[d] = lo;
        s.xmm[d + 1] = hi;
    }

    /**
     * A source operand as the operation sees it: a denormal becomes a zero of its sign under DAZ,
     * and otherwise raises DE. NaNs must have been handled before.
     */
    static long daz(CpuState s, long b, int f) {
        if (!isDenormal(b, f)) return b;
        if ((s.mxcsr & DAZ) != 0) return b & signBit(f);
        raise(s, DE);
        return b;
    }

    /** Table 4-7: the first source's NaN wins; an SNaN is quieted and raises IE. */
    static long propagateNaN(CpuState s, long a, long b, int f) {
        if (isSNaN(a, f) || isSNaN(b, f)) raise(s, IE);
        return quiet(isNaN(a, f) ? a : b, f);
    }

    static long invalid(CpuState s, int f) {
        raise(s, IE);
        return defaultNaN(f);
    }

    // ------------------------------------------------------------------ rounding

    /** Shifts right by n, or-ing the bits shifted out into bit 0 ("jamming"). */
    static long jam(long x, int n) {
        if (n == 0) return x;
        if (n >= 63) return x != 0 ? 1 : 0;
        return x >>> n | ((x & ((1L << n) - 1)) != 0 ? 1 : 0);
    }

    /** Whether q (the kept bits) must be incremented, given the dropped bits compared to half an ulp. */
    private static boolean roundUp(int rc, boolean neg, long q, int cmpHalf, boolean inexact) {
        return switch (rc) {
            case RN -> cmpHalf > 0 || cmpHalf == 0 && (q & 1) != 0;
            case RD -> neg && inexact;
            case RU -> !neg && inexact;
            default -> false;
        };
    }

    /**
     * Rounds the exact value (-1)^neg * sig * 2^(e-62) to format f in the current rounding mode and
     * packs it; sig has its leading one at bit 62 and any nonzero bits below its last bit jammed
     * into bit 0. Raises OE, UE, PE as the result requires; applies FTZ.
     */
    static long roundPack(CpuState s, boolean neg, int e, long sig, int f) {
        int m = s.mxcsr;
        int rc = m >>> 13 & 3;
        int p = f == DOUBLE ? 53 : 24;
        int emin = f == DOUBLE ? -1022 : -126, emax = f == DOUBLE ? 1023 : 127;
        int sh = 63 - p;
        long sign = neg ? signBit(f) : 0;
        if (e < emin) {
            boolean tiny = true;
            if (e == emin - 1) {
                // Tininess after rounding: would rounding to p bits with an unbounded exponent reach 2^emin?
                long q = sig >>> sh, rem = sig & ((1L << sh) - 1), half = 1L << (sh - 1);
                if (roundUp(rc, neg, q, Long.compare(rem, half), rem != 0) && q + 1 == 1L << p) tiny = false;
            }
            if (tiny && (m & FTZ) != 0 && (m & UM) != 0) {
                raise(s, UE | PE);
                return sign;
            }
            int shift = sh + (emin - e);
            long q;
            int cmpHalf;
            boolean inexact;
            if (shift >= 64) {
                q = 0;
                cmpHalf = -1;
                inexact = true;
            } else {
                q = sig >>> shift;
                long rem = shift == 63 ? sig : sig & ((1L << shift) - 1);
                cmpHalf = Long.compare(rem, 1L << (shift - 1));
                inexact = rem != 0;
            }
            if (roundUp(rc, neg, q, cmpHalf, inexact)) q++;
            if (tiny && (m & UM) == 0) {
                // Unmasked: #XM follows and nothing is delivered; PE tells whether the result
                // rounded to p bits with an unbounded exponent is inexact.
                raise(s, (sig & ((1L << sh) - 1)) != 0 ? UE | PE : UE);
            } else if (inexact) {
                raise(s, tiny ? UE | PE : PE);
            }
            return sign | q; // q == 2^(p-1) encodes the smallest normal
        }
        long q = sig >>> sh, rem = sig & ((1L << sh) - 1);
        boolean inexact = rem != 0;
        if (roundUp(rc, neg, q, Long.compare(rem, 1L << (sh - 1)), inexact)) {
            q++;
            if (q == 1L << p) {
                q >>>= 1;
                e++;
            }
        }
        if (e > emax) {
            // Masked, the delivered infinity or maximum is always inexact; unmasked, nothing is
            // delivered and PE tells whether the result with an unbounded exponent is inexact.
            raise(s, (m & (OE << MASK_SHIFT)) != 0 || inexact ? OE | PE : OE);
            boolean toInf = rc == RN || rc == RU && !neg || rc == RD && neg;
            return toInf ? inf(neg, f) : maxFinite(neg, f);
        }
        if (inexact) raise(s, PE);
        return sign + ((long) (e + (f == DOUBLE ? 1023 : 127) - 1) << (p - 1)) + q;
    }

    // ------------------------------------------------------------------ exact operations

    /** a + b (or a - b), exactly rounded, with all special cases. */
    static long add(CpuState s, long a, long b, int f, boolean subtract) {
        if (isNaN(a, f) || isNaN(b, f)) return propagateNaN(s, a, b, f);
        a = daz(s, a, f);
        b = daz(s, b, f);
        if (subtract) b ^= signBit(f);
        boolean na = neg(a, f), nb = neg(b, f);
        boolean ia = isInf(a, f), ib = isInf(b, f);
        if (ia || ib) {
            if (ia && ib && na != nb) return invalid(s, f);
            return ia ? a : b;
        }
        boolean za = isZero(a, f), zb = isZero(b, f);
        if (za && zb) return na == nb ? a : zero(rc(s) == RD, f);
        if (za) return roundPack(s, nb, exp(b, f), sig(b, f), f);
        if (zb) return roundPack(s, na, exp(a, f), sig(a, f), f);
        int ea = exp(a, f), eb = exp(b, f);
        long sa = sig(a, f), sb = sig(b, f);
        if (ea < eb || ea == eb && sa < sb) {
            int te = ea; ea = eb; eb = te;
            long ts = sa; sa = sb; sb = ts;
            boolean tn = na; na = nb; nb = tn;
        }
        long x = sa >>> 1, y = jam(sb >>> 1, ea - eb);
        long sum = na == nb ? x + y : x - y;
        if (sum == 0) return zero(rc(s) == RD, f);
        int lz = Long.numberOfLeadingZeros(sum);
        return roundPack(s, na, ea + 2 - lz, sum << (lz - 1), f);
    }

    static long mul(CpuState s, long a, long b, int f) {
        if (isNaN(a, f) || isNaN(b, f)) return propagateNaN(s, a, b, f);
        a = daz(s, a, f);
        b = daz(s, b, f);
        boolean n = neg(a, f) != neg(b, f);
        boolean ia = isInf(a, f), ib = isInf(b, f), za = isZero(a, f), zb = isZero(b, f);
        if (ia || ib) return za || zb ? invalid(s, f) : inf(n, f);
        if (za || zb) return zero(n, f);
        long sa = sig(a, f), sb = sig(b, f);
        long hi = Math.multiplyHigh(sa, sb), lo = sa * sb;
        int t = 63 - Long.numberOfLeadingZeros(hi); // 60 or 61
        long sg = hi << (62 - t) | lo >>> (t + 2) | ((lo << (62 - t)) != 0 ? 1 : 0);
        return roundPack(s, n, exp(a, f) + exp(b, f) + t - 60, sg, f);
    }

    static long div(CpuState s, long a, long b, int f) {
        if (isNaN(a, f) || isNaN(b, f)) return propagateNaN(s, a, b, f);
        if (isZero(b, f) || isDenormal(b, f) && (s.mxcsr & DAZ) != 0) {
            // Division by zero takes priority over a denormal dividend (no DE).
            boolean n = neg(a, f) != neg(b, f);
            if (isInf(a, f)) return inf(n, f);
            if (isZero(a, f) || isDenormal(a, f) && (s.mxcsr & DAZ) != 0) return invalid(s, f);
            raise(s, ZE);
            return inf(n, f);
        }
        a = daz(s, a, f);
        b = daz(s, b, f);
        boolean n = neg(a, f) != neg(b, f);
        boolean ia = isInf(a, f), ib = isInf(b, f), za = isZero(a, f), zb = isZero(b, f);
        if (ia) return ib ? invalid(s, f) : inf(n, f);
        if (ib) return zero(n, f);
        if (zb) {
            if (za) return invalid(s, f);
            raise(s, ZE);
            return inf(n, f);
        }
        if (za) return zero(n, f);
        // Long division of the 53-bit significands, 62 quotient bits plus a sticky remainder.
        long x = sig(a, f) >>> 10, y = sig(b, f) >>> 10;
        int e = exp(a, f) - exp(b, f);
        if (x < y) {
            x <<= 1;
            e--;
        }
        long q = 1, r = x - y;
        for (int k = 0; k < 5; k++) {
            long num = r << 11;
            q = q << 11 | Long.divideUnsigned(num, y);
            r = Long.remainderUnsigned(num, y);
        }
        long num = r << 7;
        q = q << 7 | num / y;
        r = num % y;
        return roundPack(s, n, e, q | (r != 0 ? 1 : 0), f);
    }

    static long sqrt(CpuState s, long a, int f) {
        if (isNaN(a, f)) return propagateNaN(s, a, a, f);
        if (isDenormal(a, f) && (s.mxcsr & DAZ) != 0) return a & signBit(f);
        if (isZero(a, f)) return a;
        if (neg(a, f)) return invalid(s, f); // invalid takes priority over a denormal operand
        a = daz(s, a, f);
        if (isInf(a, f)) return a;
        double v = f == DOUBLE ? Double.longBitsToDouble(a) : Float.intBitsToFloat((int) a);
        int scale = 0;
        if (v < 0x1p-900) {
            v *= 0x1p256; // exact: makes a denormal normal, so that r*r - v below cannot underflow
            scale = -128;
        }
        double r = Math.sqrt(v);
        double err = Math.fma(-r, r, v); // v - r*r, exact in sign
        long rb = Double.doubleToRawLongBits(r);
        int e = (int) (rb >>> 52) - 1023 + scale;
        long sg = ((rb & FRAC_D) | 1L << 52) << 10;
        if (err > 0) {
            sg |= 1;
        } else if (err < 0) {
            sg--;
            if (sg < 1L << 62) {
                sg = sg << 1 | 1;
                e--;
            }
        }
        return roundPack(s, false, e, sg, f);
    }

    // ------------------------------------------------------------------ fast paths

    private static boolean denormalD(long b) {
        return (b & 0x7FF0000000000000L) == 0 && (b & FRAC_D) != 0;
    }

    private static boolean denormalS(long b) {
        return (b & 0x7F800000L) == 0 && (b & FRAC_S) != 0;
    }

    /** Records DE/PE in the fast path (all exceptions are masked there, so flags go straight to MXCSR). */
    private static void fastFlags(CpuState s, int m, boolean inexact, long a, long b, boolean single) {
        int fl = 0;
        if (inexact) fl = PE;
        if ((m & DE) == 0 && (single ? denormalS(a) || denormalS(b) : denormalD(a) || denormalD(b))) fl |= DE;
        if (fl != 0) s.mxcsr = m | fl;
    }

    static long addD(CpuState s, long a, long b, boolean subtract) {
        int m = s.mxcsr;
        if ((m & FAST_MASK) == FAST_BITS) {
            double x = Double.longBitsToDouble(a), y = Double.longBitsToDouble(b);
            if (subtract) y = -y;
            double r = x + y;
            double ar = Math.abs(r);
            if (ar >= 0x1p-960 && ar <= Double.MAX_VALUE) {
                boolean inexact = false;
                if ((m & PE) == 0) {
                    double bv = r - x;
                    inexact = (x - (r - bv)) + (y - bv) != 0;
                }
                fastFlags(s, m, inexact, a, b, false);
                return Double.doubleToRawLongBits(r);
            }
        }
        return add(s, a, b, DOUBLE, subtract);
    }

    static long mulD(CpuState s, long a, long b) {
        int m = s.mxcsr;
        if ((m & FAST_MASK) == FAST_BITS) {
            double x = Double.longBitsToDouble(a), y = Double.longBitsToDouble(b);
            double r = x * y;
            double ar = Math.abs(r);
            if (ar >= 0x1p-960 && ar <= Double.MAX_VALUE) {
                fastFlags(s, m, (m & PE) == 0 && Math.fma(x, y, -r) != 0, a, b, false);
                return Double.doubleToRawLongBits(r);
            }
        }
        return mul(s, a, b, DOUBLE);
    }

    static long divD(CpuState s, long a, long b) {
        int m = s.mxcsr;
        if ((m & FAST_MASK) == FAST_BITS) {
            double x = Double.longBitsToDouble(a), y = Double.longBitsToDouble(b);
            double r = x / y;
            double ar = Math.abs(r);
            if (ar >= 0x1p-960 && ar <= Double.MAX_VALUE && Math.abs(x) >= 0x1p-900) {
                fastFlags(s, m, (m & PE) == 0 && Math.fma(r, y, -x) != 0, a, b, false);
                return Double.doubleToRawLongBits(r);
            }
        }
        return div(s, a, b, DOUBLE);
    }

    static long sqrtD(CpuState s, long a) {
        int m = s.mxcsr;
        if ((m & FAST_MASK) == FAST_BITS) {
            double x = Double.longBitsToDouble(a);
            if (x >= 0x1p-900 && x <= Double.MAX_VALUE) {
                double r = Math.sqrt(x);
                if ((m & PE) == 0 && Math.fma(r, r, -x) != 0) s.mxcsr = m | PE;
                return Double.doubleToRawLongBits(r);
            }
        }
        return sqrt(s, a, DOUBLE);
    }

    static long addS(CpuState s, long a, long b, boolean subtract) {
        int m = s.mxcsr;
        if ((m & FAST_MASK) == FAST_BITS) {
            float x = Float.intBitsToFloat((int) a), y = Float.intBitsToFloat((int) b);
            if (subtract) y = -y;
            float r = x + y;
            float ar = Math.abs(r);
            if (ar >= 0x1p-120f && ar <= Float.MAX_VALUE) {
                boolean inexact = false;
                if ((m & PE) == 0) {
                    float bv = r - x;
                    inexact = (x - (r - bv)) + (y - bv) != 0;
                }
                fastFlags(s, m, inexact, a, b, true);
                return Float.floatToRawIntBits(r) & 0xFFFFFFFFL;
            }
        }
        return add(s, a & 0xFFFFFFFFL, b & 0xFFFFFFFFL, SINGLE, subtract);
    }

    static long mulS(CpuState s, long a, long b) {
        int m = s.mxcsr;
        if ((m & FAST_MASK) == FAST_BITS) {
            float x = Float.intBitsToFloat((int) a), y = Float.intBitsToFloat((int) b);
            float r = x * y;
            float ar = Math.abs(r);
            if (ar >= 0x1p-120f && ar <= Float.MAX_VALUE) {
                fastFlags(s, m, (m & PE) == 0 && (double) x * y != r, a, b, true);
                return Float.floatToRawIntBits(r) & 0xFFFFFFFFL;
            }
        }
        return mul(s, a & 0xFFFFFFFFL, b & 0xFFFFFFFFL, SINGLE);
    }

    static long divS(CpuState s, long a, long b) {
        int m = s.mxcsr;
        if ((m & FAST_MASK) == FAST_BITS) {
            float x = Float.intBitsToFloat((int) a), y = Float.intBitsToFloat((int) b);
            float r = x / y;
            float ar = Math.abs(r);
            if (ar >= 0x1p-120f && ar <= Float.MAX_VALUE) {
                fastFlags(s, m, (m & PE) == 0 && (double) r * y != x, a, b, true);
                return Float.floatToRawIntBits(r) & 0xFFFFFFFFL;
            }
        }
        return div(s, a & 0xFFFFFFFFL, b & 0xFFFFFFFFL, SINGLE);
    }

    static long sqrtS(CpuState s, long a) {
        int m = s.mxcsr;
        if ((m & FAST_MASK) == FAST_BITS) {
            float x = Float.intBitsToFloat((int) a);
            if (x >= 0x1p-120f && x <= Float.MAX_VALUE) {
                float r = (float) Math.sqrt(x); // double rounding is innocuous for sqrt (53 >= 2*24+2)
                if ((m & PE) == 0 && (double) r * r != x) s.mxcsr = m | PE;
                return Float.floatToRawIntBits(r) & 0xFFFFFFFFL;
            }
        }
        return sqrt(s, a & 0xFFFFFFFFL, SINGLE);
    }

    // ------------------------------------------------------------------ min, max, compare

    /**
     * MINSS/MINSD/MAXSS/MAXSD semantics: the second operand is returned when either is a NaN
     * (IE for any NaN: these are signaling comparisons) or when both are zeros of any sign.
     */
    static long minMax(CpuState s, long a, long b, int f, boolean max) {
        if (isNaN(a, f) || isNaN(b, f)) {
            raise(s, IE); // no DE: the NaN takes priority, but DAZ still zeroes a denormal second operand
            return isDenormal(b, f) && (s.mxcsr & DAZ) != 0 ? b & signBit(f) : b;
        }
        a = daz(s, a, f);
        b = daz(s, b, f);
        double x = value(a, f), y = value(b, f);
        return (max ? x > y : x < y) ? a : b;
    }

    static double value(long b, int f) {
        return f == DOUBLE ? Double.longBitsToDouble(b) : Float.intBitsToFloat((int) b);
    }

    /**
     * CMPPS/CMPPD/CMPSS/CMPSD predicate imm (0-7): EQ, LT, LE, UNORD, NEQ, NLT, NLE, ORD; the VEX
     * forms add 8-31 (SDM Vol. 2A "CMPPS", Table 3-1): EQ_UQ, NGE, NGT, FALSE, NEQ_OQ, GE, GT,
     * TRUE, and 16-31 repeat 0-15 with the opposite signaling. A signaling predicate (LT, LE,
     * NLT, NLE, NGE, NGT, GE, GT among 0-15) raises IE on a QNaN too; the others only on an SNaN.
     */
    static boolean compare(CpuState s, long a, long b, int f, int pred) {
        boolean unordered = isNaN(a, f) || isNaN(b, f);
        if (unordered) {
            boolean signaling = ((pred & 3) == 1 || (pred & 3) == 2) ^ pred >= 16;
            if (signaling || isSNaN(a, f) || isSNaN(b, f)) raise(s, IE);
        } else {
            a = daz(s, a, f);
            b = daz(s, b, f);
        }
        double x = value(a, f), y = value(b, f);
        return switch (pred & 15) {
            case 0 -> x == y;
            case 1 -> x < y;
            case 2 -> x <= y;
            case 3 -> unordered;
            case 4 -> !(x == y);
            case 5 -> !(x < y);
            case 6 -> !(x <= y);
            case 7 -> !unordered;
            case 8 -> x == y || unordered;
            case 9 -> !(x >= y);
            case 10 -> !(x > y);
            case 11 -> false;
            case 12 -> x < y || x > y;
            case 13 -> x >= y;
            case 14 -> x > y;
            default -> true;
        };
    }

    // ------------------------------------------------------------------ conversions

    /** Signed integer (64-bit two's complement) to format f, rounded per MXCSR (PE when inexact). */
    static long fromInt(CpuState s, long v, int f) {
        if (v == 0) return 0;
        boolean n = v < 0;
        long mag = n ? -v : v; // Long.MIN_VALUE stays 2^63 as an unsigned value
        int lz = Long.numberOfLeadingZeros(mag);
        if (lz == 0) return roundPack(s, n, 63, mag >>> 1, f);
        return roundPack(s, n, 63 - lz, mag << (lz - 1), f);
    }

    /**
     * Format f to a signed integer of 32 or 64 bits, rounded per MXCSR or truncated. NaN and
     * out-of-range values raise IE and give the integer indefinite (the most negative value).
     */
    static long toInt(CpuState s, long a, int f, boolean is64, boolean truncate) {
        long indefinite = is64 ? Long.MIN_VALUE : 0x80000000L;
        if (isNaN(a, f) || isInf(a, f)) {
            raise(s, IE);
            return indefinite;
        }
        if (isDenormal(a, f) && (s.mxcsr & DAZ) != 0) a &= signBit(f);
        if (isZero(a, f)) return 0;
        boolean n = neg(a, f);
        int e = exp(a, f);
        long sg = sig(a, f);
        if (e > 63) {
            raise(s, IE);
            return indefinite;
        }
        long q;
        boolean inexact;
        int cmpHalf;
        if (e == 63) {
            q = sg << 1; // >= 2^63: only -2^63 itself fits
            inexact = false;
            cmpHalf = -1;
        } else if (e >= 0) {
            int sh = 62 - e;
            q = sg >>> sh;
            long rem = sh == 0 ? 0 : sg & ((1L << sh) - 1);
            inexact = rem != 0;
            cmpHalf = sh == 0 ? -1 : Long.compare(rem, 1L << (sh - 1));
        } else {
            q = 0;
            inexact = true;
            cmpHalf = e == -1 ? Long.compare(sg, 1L << 62) : -1;
        }
        if (roundUp(truncate ? RZ : rc(s), n, q, cmpHalf, inexact)) q++;
        // q is the magnitude as an unsigned value
        long limit = is64 ? Long.MIN_VALUE : 0x80000000L; // |most negative|
        if (Long.compareUnsigned(q, limit) > 0 || q == limit && !n) {
            raise(s, IE);
            return indefinite;
        }
        if (inexact) raise(s, PE);
        long r = n ? -q : q;
        return is64 ? r : r & 0xFFFFFFFFL;
    }

    /** Converts between the formats (CVTSS2SD and friends): NaN payloads are kept in their top bits. */
    static long convert(CpuState s, long a, int from, int to) {
        if (isNaN(a, from)) {
            if (isSNaN(a, from)) raise(s, IE);
            long sign = neg(a, from) ? signBit(to) : 0;
            return to == DOUBLE ? sign | 0x7FF8000000000000L | frac(a, from) << 29
                    : sign | 0x7FC00000L | frac(a, from) >>> 29;
        }
        a = daz(s, a, from);
        boolean n = neg(a, from);
        if (isInf(a, from)) return inf(n, to);
        if (isZero(a, from)) return zero(n, to);
        return roundPack(s, n, exp(a, from), sig(a, from), to);
    }

    // ------------------------------------------------------------------ approximations

    /**
     * RCPSS/RCPPS. The hardware's table-based approximation (relative error at most 1.5 * 2^-12)
     * differs between CPU generations and is not reproduced: this returns the correctly rounded
     * reciprocal, which is within the architectural bound. Denormal inputs count as zero and tiny
     * results are flushed to zero, as the SDM specifies; no flags.
     */
    static long rcp(long a) {
        int f = SINGLE;
        if (isNaN(a, f)) return quiet(a, f);
        boolean n = neg(a, f);
        if (isInf(a, f)) return zero(n, f);
        if (expField(a, f) == 0) return inf(n, f);
        double r = 1.0 / Float.intBitsToFloat((int) a);
        if (Math.abs(r) < 0x1p-126) return zero(n, f);
        return Float.floatToRawIntBits((float) r) & 0xFFFFFFFFL;
    }

    /** RSQRTSS/RSQRTPS: correctly rounded 1/sqrt(x), within the architectural bound; see {@link #rcp}. */
    static long rsqrt(long a) {
        int f = SINGLE;
        if (isNaN(a, f)) return quiet(a, f);
        boolean n = neg(a, f);
        if (expField(a, f) == 0) return inf(n, f);
        if (n) return QNAN_S;
        if (isInf(a, f)) return 0;
        return Float.floatToRawIntBits((float) (1.0 / Math.sqrt(Float.intBitsToFloat((int) a)))) & 0xFFFFFFFFL;
    }
}
