package jvisor.cpu.fpu;

import java.math.BigInteger;

/**
 * The x87 transcendental functions (FSIN, FCOS, FSINCOS, FPTAN, FPATAN, F2XM1, FYL2X, FYL2XP1)
 * on extended-precision operands: special cases as the SDM instruction pages tabulate them, and
 * finite results computed in ~136-bit binary floating point ({@link Big}) and rounded once to 64
 * bits in the RC mode (precision control does not apply, SDM 8.1.5.2).
 *
 * <p>The hardware's own results are within one ulp of the exact ones (SDM 8.3.10) and not
 * reproduced bit for bit; what is reproduced is the argument reduction of FSIN, FCOS, FSINCOS
 * and FPTAN, which the hardware does with a 66-bit approximation of pi (SDM 8.3.10: "...the
 * value of pi used ... is 66 bits"): results near multiples of pi follow the hardware's value,
 * not the mathematical one. Operands of magnitude 2^63 or more are out of range: C2 is set and
 * nothing changes.
 *
 * <p>These functions allocate (BigInteger) and take microseconds; they are not on hot paths.
 */
public final class Transcendental {
    private Transcendental() {}

    /** Working precision in bits. */
    static final int P = 136;

    /** pi to 66 bits, as the FPU's reduction uses it: PI66 * 2^-64. */
    private static final BigInteger PI66 = new BigInteger("3243F6A8885A308D3", 16);
    static final Big PI = Big.pi();
    static final Big LN2 = Big.ln2();

    // ================================================================== results

    /** Rounds a Big to the unit's result (64 bits, RC), setting PE/UE/OE and C1. */
    static void round(F80 f, Big v) {
        if (v.man.signum() == 0) {
            f.se = 0;
            f.m = 0;
            return;
        }
        boolean neg = v.man.signum() < 0;
        BigInteger s = v.man.abs();
        int bl = s.bitLength();
        long hi, lo;
        boolean sticky;
        if (bl > 128) {
            BigInteger t = s.shiftRight(bl - 128);
            sticky = s.getLowestSetBit() < bl - 128;
            hi = t.shiftRight(64).longValue();
            lo = t.longValue();
        } else {
            BigInteger t = s.shiftLeft(128 - bl);
            sticky = false;
            hi = t.shiftRight(64).longValue();
            lo = t.longValue();
        }
        long e = (long) v.exp + bl - 1 + F80.BIAS;
        int ei = (int) Math.max(Math.min(e, 0x20000), -0x20000);
        f.roundPack(neg, ei, hi, lo | (sticky ? 1 : 0), 64);
    }

    /** Outcome of the trigonometric functions: out of range (C2) or done. */
    public static final int DONE = 0, OUT_OF_RANGE = 1;

    /**
     * FSIN (kind 0), FCOS (1), FSINCOS (2: sine in f, cosine in out[0] (se) and out[1] (m)), FPTAN
     * (3: tangent in f). Returns OUT_OF_RANGE for |x| >= 2^63 (nothing computed).
     */
    public static int trig(F80 f, int kind, int se, long m, long[] out) {
        if (F80.isUnsupported(se, m)) {
            f.invalid();
            out[0] = f.se;
            out[1] = f.m;
            return DONE;
        }
        int e = se & 0x7FFF;
        if (e == 0x7FFF) {
            if (m << 1 != 0) f.propagateNaN(se, m); else f.invalid();
            out[0] = f.se;
            out[1] = f.m;
            return DONE;
        }
        if (e == 0 && m == 0) {
            // sin(+-0) = +-0, cos(0) = 1, tan(+-0) = +-0
            if (kind == 1) {
                f.se = F80.BIAS;
                f.m = F80.INT_BIT;
            } else {
                f.se = se;
                f.m = 0;
            }
            out[0] = F80.BIAS;
            out[1] = F80.INT_BIT;
            return DONE;
        }
        if (e - F80.BIAS >= 63) return OUT_OF_RANGE;
        if (e == 0) f.flags |= F80.DE;
        if (e < F80.BIAS - 32) {
            // |x| < 2^-32: the hardware returns sin x = tan x = x and cos x = 1, inexact (measured;
            // within the documented error, though not correctly rounded in the directed modes)
            int saved = f.rc;
            f.rc = F80.RZ;
            if (kind == 1) {
                f.roundPack(false, F80.BIAS, F80.INT_BIT, 1, 64);
            } else {
                Big x = Big.of(se, m);
                int bl = x.man.bitLength();
                f.roundPack(F80.neg(se), x.exp + bl - 1 + F80.BIAS, x.man.abs().shiftLeft(64 - bl).longValue(), 1, 64);
            }
            f.rc = saved;
            f.up = false;
            out[0] = F80.BIAS; // FSINCOS's cosine and FPTAN's pushed 1.0
            out[1] = F80.INT_BIT;
            return DONE;
        }
        // Reduce by the FPU's pi/2: x = k * PI66/2 + r, with k the nearest integer (exact).
        Big x = Big.of(se, m);
        Big red = x;
        int q = 0;
        if (e >= F80.BIAS - 1) { // |x| >= 1/2 (smaller ones need no reduction)
            int common = Math.max(-x.exp, 65);
            BigInteger xm = x.man.shiftLeft(common + x.exp); // x * 2^common
            BigInteger half = PI66.shiftLeft(common - 65); // PI66/2 * 2^common
            BigInteger[] qr = xm.divideAndRemainder(half);
            BigInteger k = qr[0], r = qr[1];
            if (r.abs().shiftLeft(1).compareTo(half) > 0) {
                int sg = r.signum();
                k = k.add(BigInteger.valueOf(sg));
                r = r.subtract(half.multiply(BigInteger.valueOf(sg)));
            }
            red = new Big(r, -common).trim();
            q = k.intValue() & 3;
        }
        // sin(x) and cos(x) by quadrant; only the series needed are summed
        boolean needSin = true, needCos = true;
        if (kind == 0) {
            needSin = (q & 1) == 0;
            needCos = !needSin;
        } else if (kind == 1) {
            needCos = (q & 1) == 0;
            needSin = !needCos;
        }
        Big sin = needSin ? sinSeries(red) : null, cos = needCos ? cosSeries(red) : null;
        Big ps = null, pc = null;
        switch (q) {
            case 0 -> { ps = sin; pc = cos; }
            case 1 -> { ps = cos; pc = sin == null ? null : sin.negate(); }
            case 2 -> { ps = sin == null ? null : sin.negate(); pc = cos == null ? null : cos.negate(); }
            default -> { ps = cos == null ? null : cos.negate(); pc = sin; }
        }
        switch (kind) {
            case 0 -> round(f, ps);
            case 1 -> round(f, pc);
            case 2 -> {
                round(f, pc);
                out[0] = f.se;
                out[1] = f.m;
                round(f, ps);
            }
            default -> round(f, ps.div(pc));
        }
        if (kind != 2) {
            out[0] = F80.BIAS;
            out[1] = F80.INT_BIT;
        }
        return DONE;
    }

    /** sin(r) by its Taylor series (|r| <= pi/4). */
    static Big sinSeries(Big r) {
        if (r.man.signum() == 0) return r;
        Big r2 = r.mul(r);
        Big term = r, sum = r;
        for (int k = 1; k < 200; k++) {
            term = term.mul(r2).divSmall(-(2L * k) * (2L * k + 1));
            if (term.man.signum() == 0 || term.magnitude() < sum.magnitude() - P - 8) return sum.nudge(term.man.signum());
            sum = sum.add(term);
        }
        return sum;
    }

    static Big cosSeries(Big r) {
        Big one = Big.ONE;
        if (r.man.signum() == 0) return one;
        Big r2 = r.mul(r);
        Big term = one, sum = one;
        for (int k = 1; k < 200; k++) {
            term = term.mul(r2).divSmall(-(2L * k - 1) * (2L * k));
            if (term.man.signum() == 0 || term.magnitude() < sum.magnitude() - P - 8) return sum.nudge(term.man.signum());
            sum = sum.add(term);
        }
        return sum;
    }

    /** atan(t) for |t| <= 1/3 (after the caller's reduction): one argument halving, then Taylor. */
    static Big atanSmall(Big t) {
        if (t.man.signum() == 0) return t;
        // atan(t) = 2 atan(t / (1 + sqrt(1 + t^2)))
        Big u = t.div(Big.ONE.add(Big.ONE.add(t.mul(t)).sqrt()));
        Big u2 = u.mul(u);
        Big term = u, sum = u;
        for (int k = 1; k < 400; k++) {
            term = term.mul(u2).negate();
            Big add = term.divSmall(2L * k + 1);
            if (add.man.signum() == 0 || add.magnitude() < sum.magnitude() - P - 8) return sum.nudge(add.man.signum()).scale(1);
            sum = sum.add(add);
        }
        return sum.scale(1);
    }

    /** atan(q) for 0 <= q <= 1. */
    static Big atanUnit(Big q) {
        if (q.compareAbs(Big.HALF) > 0) {
            // atan(q) = pi/4 + atan((q - 1) / (q + 1))
            Big t = q.sub(Big.ONE).div(q.add(Big.ONE));
            return PI.scale(-2).add(atanSmall(t));
        }
        return atanSmall(q);
    }

    /** FPATAN: atan2(y, x) = arctan(ST(1) / ST(0)) with the quadrant of (x, y), SDM FPATAN table. */
    public static void atan2(F80 f, int ySe, long yM, int xSe, long xM) {
        if (f.unsupportedOrNaN(ySe, yM, xSe, xM)) return;
        if (F80.isDenormal(ySe, yM) || F80.isDenormal(xSe, xM)) f.flags |= F80.DE;
        boolean yn = F80.neg(ySe), xn = F80.neg(xSe);
        boolean yInf = F80.isInf(ySe, yM), xInf = F80.isInf(xSe, xM);
        boolean yZero = F80.isZero(ySe, yM), xZero = F80.isZero(xSe, xM);
        Big angle;
        if (yInf && xInf) {
            angle = xn ? PI.mul(Big.of(3)).scale(-2) : PI.scale(-2);
        } else if (yInf || xZero && !yZero) {
            angle = PI.scale(-1);
        } else if (xInf || yZero) {
            if (!xn) {
                f.se = yn ? 0x8000 : 0;
                f.m = 0;
                return;
            }
            angle = PI;
        } else {
            Big y = Big.of(ySe, yM).abs(), x = Big.of(xSe, xM).abs();
            if (y.compareAbs(x) <= 0) {
                Big a = atanUnit(y.div(x));
                angle = xn ? PI.sub(a) : a;
            } else {
                Big a = PI.scale(-1).sub(atanUnit(x.div(y)));
                angle = xn ? PI.sub(a) : a;
            }
        }
        round(f, yn ? angle.negate() : angle);
    }

    /** F2XM1: 2^x - 1, defined for -1 <= x <= 1 (the result outside that range is computed the same way). */
    public static void f2xm1(F80 f, int se, long m) {
        if (F80.isUnsupported(se, m)) {
            f.invalid();
            return;
        }
        int e = se & 0x7FFF;
        if (e == 0x7FFF) {
            if (m << 1 != 0) {
                f.propagateNaN(se, m);
            } else if (F80.neg(se)) {
                f.se = 0xBFFF; // 2^-inf - 1 = -1
                f.m = F80.INT_BIT;
            } else {
                f.se = se;
                f.m = m;
            }
            return;
        }
        if (e == 0 && m == 0) {
            f.se = se;
            f.m = 0;
            return;
        }
        if (e == 0) f.flags |= F80.DE;
        if (e > F80.BIAS || e == F80.BIAS && m != F80.INT_BIT) {
            // |x| > 1 is outside the domain: the hardware returns x, inexact (measured)
            f.se = se;
            f.m = m;
            f.flags |= F80.PE;
            return;
        }
        if (m == F80.INT_BIT && e == F80.BIAS) { // x = +-1: exact results 1 and -1/2
            f.se = F80.neg(se) ? 0xBFFE : F80.BIAS;
            f.m = F80.INT_BIT;
            return;
        }
        Big y = Big.of(se, m).mul(LN2);
        // expm1(y) = sum y^k / k!
        Big term = y, sum = y;
        for (int k = 2; k < 400; k++) {
            term = term.mul(y).divSmall(k);
            if (term.man.signum() == 0 || term.magnitude() < sum.magnitude() - P - 8) {
                sum = sum.nudge(term.man.signum());
                break;
            }
            sum = sum.add(term);
        }
        round(f, sum);
    }

    /** ln(m) for m in [1/sqrt2, sqrt2]: 2 atanh((m-1)/(m+1)). */
    static Big lnNear1(Big t) { // t = (m-1)/(m+1)
        if (t.man.signum() == 0) return t;
        Big t2 = t.mul(t);
        Big term = t, sum = t;
        for (int k = 1; k < 400; k++) {
            term = term.mul(t2);
            Big add = term.divSmall(2L * k + 1);
            if (add.man.signum() == 0 || add.magnitude() < sum.magnitude() - P - 8) return sum.nudge(add.man.signum()).scale(1);
            sum = sum.add(add);
        }
        return sum.scale(1);
    }

    /** log2 of a positive finite supported value. */
    static Big log2(int se, long m) {
        Big x = Big.of(se & 0x7FFF, m);
        // x = mant * 2^k with mant in [1, 2)
        int bl = x.man.bitLength();
        int k = x.exp + bl - 1;
        Big mant = new Big(x.man, -(bl - 1));
        // keep mant in [sqrt(1/2), sqrt(2)]
        if (mant.compareAbs(Big.SQRT2) > 0) {
            mant = mant.scale(-1);
            k++;
        }
        Big t = mant.sub(Big.ONE).div(mant.add(Big.ONE));
        Big ln = lnNear1(t);
        return Big.of(k).add(ln.div(LN2));
    }

    /** FYL2X: y * log2(x), SDM FYL2X table. */
    public static void fyl2x(F80 f, int ySe, long yM, int xSe, long xM) {
        if (f.unsupportedOrNaN(ySe, yM, xSe, xM)) return;
        boolean yn = F80.neg(ySe), xn = F80.neg(xSe);
        boolean yInf = F80.isInf(ySe, yM), xInf = F80.isInf(xSe, xM);
        boolean yZero = F80.isZero(ySe, yM), xZero = F80.isZero(xSe, xM);
        if (xn && !xZero) {
            f.invalid();
            return;
        }
        if (xZero) {
            if (yZero) {
                f.invalid();
                return;
            }
            if (!yInf) f.flags |= F80.ZE; // division by zero: no DE for a denormal y (measured)
            inf(f, !yn);
            return;
        }
        if (F80.isDenormal(ySe, yM) || F80.isDenormal(xSe, xM)) f.flags |= F80.DE;
        if (xInf) {
            if (yZero) {
                f.invalid();
                return;
            }
            inf(f, yn);
            return;
        }
        boolean one = (xSe & 0x7FFF) == F80.BIAS && xM == F80.INT_BIT;
        boolean below1 = (xSe & 0x7FFF) < F80.BIAS;
        if (yInf) {
            if (one) {
                f.invalid();
                return;
            }
            inf(f, yn != below1);
            return;
        }
        if (one || yZero) {
            f.se = yn != below1 ? 0x8000 : 0; // +-0 with the sign of y * log2(x)
            f.m = 0;
            return;
        }
        round(f, Big.of(ySe, yM).mul(log2(xSe, xM)));
    }

    /** FYL2XP1: y * log2(x + 1), defined for |x| < 1 - sqrt(2)/2. */
    public static void fyl2xp1(F80 f, int ySe, long yM, int xSe, long xM) {
        if (f.unsupportedOrNaN(ySe, yM, xSe, xM)) return;
        boolean yn = F80.neg(ySe), xn = F80.neg(xSe);
        boolean yInf = F80.isInf(ySe, yM), xInf = F80.isInf(xSe, xM);
        boolean yZero = F80.isZero(ySe, yM), xZero = F80.isZero(xSe, xM);
        boolean den = F80.isDenormal(ySe, yM) || F80.isDenormal(xSe, xM);
        if (xZero) {
            if (yInf) {
                f.invalid();
                return;
            }
            if (den) f.flags |= F80.DE;
            f.se = yn != xn ? 0x8000 : 0;
            f.m = 0;
            return;
        }
        if (yInf || xInf) {
            if (xInf && xn || yInf && xZero) {
                f.invalid();
                return;
            }
            if (xInf && yZero) {
                f.invalid();
                return;
            }
            if (den) f.flags |= F80.DE;
            inf(f, yn != xn);
            return;
        }
        if (den) f.flags |= F80.DE; // an invalid operation above is reported without DE (measured)
        if (yZero) {
            f.se = yn != xn ? 0x8000 : 0;
            f.m = 0;
            return;
        }
        Big x = Big.of(xSe, xM);
        if (x.compareTo(Big.ONE.negate()) <= 0) {
            f.invalid();
            return;
        }
        // ln(1 + x) = 2 atanh(x / (2 + x))
        Big ln = lnNear1(x.div(Big.TWO.add(x)));
        round(f, Big.of(ySe, yM).mul(ln.div(LN2)));
    }

    private static void inf(F80 f, boolean neg) {
        f.se = (neg ? 0x8000 : 0) | 0x7FFF;
        f.m = F80.INT_BIT;
    }

    // ================================================================== multi-precision binary floating point

    /** man * 2^exp, with man kept to about P bits (truncated). Immutable. */
    static final class Big {
        static final Big ONE = new Big(BigInteger.ONE, 0);
        static final Big TWO = new Big(BigInteger.TWO, 0);
        static final Big HALF = new Big(BigInteger.ONE, -1);
        static final Big SQRT2 = new Big(BigInteger.TWO.shiftLeft(2 * P).sqrt(), -P);

        final BigInteger man;
        final int exp;

        Big(BigInteger man, int exp) {
            this.man = man;
            this.exp = exp;
        }

        static Big of(long v) {
            return new Big(BigInteger.valueOf(v), 0);
        }

        /** An extended value, exactly (finite). */
        static Big of(int se, long m) {
            int e = se & 0x7FFF;
            BigInteger mm = new BigInteger(Long.toUnsignedString(m));
            if (F80.neg(se)) mm = mm.negate();
            return new Big(mm, (e == 0 ? 1 : e) - F80.BIAS - 63);
        }

        Big trim() {
            int bl = man.bitLength();
            if (bl <= P + 8) return this;
            int sh = bl - P - 8;
            return new Big(man.signum() < 0 ? man.negate().shiftRight(sh).negate() : man.shiftRight(sh), exp + sh);
        }

        /** Position of the top bit (floor(log2 |v|)); very small for zero. */
        long magnitude() {
            return man.signum() == 0 ? Long.MIN_VALUE / 2 : (long) exp + man.bitLength() - 1;
        }

        /**
         * Marks a truncated series: the value moved a quarter of its last place in the direction
         * of the first neglected term, so that rounding sees it as inexact, on the right side.
         */
        Big nudge(int sign) {
            if (sign == 0 || man.signum() == 0) return this;
            int sh = Math.max(2, P + 8 - man.bitLength());
            return new Big(man.shiftLeft(sh).add(BigInteger.valueOf(sign)), exp - sh);
        }

        Big negate() {
            return new Big(man.negate(), exp);
        }

        Big abs() {
            return man.signum() < 0 ? negate() : this;
        }

        Big scale(int k) {
            return new Big(man, exp + k);
        }

        Big mul(Big o) {
            return new Big(man.multiply(o.man), exp + o.exp).trim();
        }

        Big add(Big o) {
            if (man.signum() == 0) return o;
            if (o.man.signum() == 0) return this;
            long ma = magnitude(), mb = o.magnitude();
            if (ma - mb > P + 16) return this;
            if (mb - ma > P + 16) return o;
            int e = Math.min(exp, o.exp);
            return new Big(man.shiftLeft(exp - e).add(o.man.shiftLeft(o.exp - e)), e).trim();
        }

        Big sub(Big o) {
            return add(o.negate());
        }

        Big div(Big o) {
            int sh = P + 16 + Math.max(0, o.man.bitLength() - man.bitLength());
            return new Big(man.shiftLeft(sh).divide(o.man), exp - o.exp - sh).trim();
        }

        Big divSmall(long d) {
            int sh = 64;
            return new Big(man.shiftLeft(sh).divide(BigInteger.valueOf(d)), exp - sh).trim();
        }

        Big sqrt() {
            // man * 2^exp with an even exponent and about 2P bits
            int sh = Math.max(0, 2 * P + 16 - man.bitLength());
            if (((exp - sh) & 1) != 0) sh++;
            return new Big(man.shiftLeft(sh).sqrt(), (exp - sh) / 2).trim();
        }

        int compareAbs(Big o) {
            return abs().compareTo(o.abs());
        }

        int compareTo(Big o) {
            return sub(o).man.signum();
        }

        /** pi by Machin's formula, to P + 64 bits. */
        static Big pi() {
            int bits = P + 64;
            BigInteger one = BigInteger.ONE.shiftLeft(bits);
            BigInteger v = atanInv(5, one).shiftLeft(4).subtract(atanInv(239, one).shiftLeft(2));
            return new Big(v, -bits).trim();
        }

        /** ln 2 = 2 atanh(1/3), to P + 64 bits. */
        static Big ln2() {
            int bits = P + 64;
            BigInteger one = BigInteger.ONE.shiftLeft(bits);
            BigInteger t = one.divide(BigInteger.valueOf(3)), s = t;
            BigInteger nine = BigInteger.valueOf(9);
            for (int k = 1; t.signum() != 0; k++) {
                t = t.divide(nine);
                s = s.add(t.divide(BigInteger.valueOf(2L * k + 1)));
            }
            return new Big(s.shiftLeft(1), -bits).trim();
        }

        private static BigInteger atanInv(int n, BigInteger one) {
            BigInteger bn = BigInteger.valueOf(n), n2 = BigInteger.valueOf((long) n * n);
            BigInteger t = one.divide(bn), s = t;
            for (int k = 1; t.signum() != 0; k++) {
                t = t.divide(n2);
                BigInteger add = t.divide(BigInteger.valueOf(2L * k + 1));
                s = (k & 1) != 0 ? s.subtract(add) : s.add(add);
            }
            return s;
        }
    }
}
