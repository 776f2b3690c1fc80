package jvisor.cpu.fpu;

/**
 * x87 double extended precision arithmetic, exactly as the hardware computes it, on values held
 * as an int {@code se} (bit 15 sign, bits 0-14 biased exponent) and a long {@code m} (64-bit
 * significand with an explicit integer bit 63). Intel SDM Vol. 1, 4.2.2 and 8.2 (encodings and
 * Table 8-3 "unsupported" encodings), 4.8 and Table 4-7 (NaNs), 4.9 and 8.5 (exceptions and
 * their priority), 8.1.5 (precision and rounding control).
 *
 * <p>One instance is the scratch "arithmetic unit" of one vCPU: an operation writes its result
 * into {@link #se}/{@link #m}, ORs the exceptions it detects into {@link #flags} (status word bit
 * positions: IE, DE, ZE, OE, UE, PE, and SF for stack faults raised by the callers) and records
 * in {@link #up} whether rounding increased the magnitude (the C1 bit). Nothing allocates.
 *
 * <p><b>Rounding.</b> Every operation computes the exact result as a 128-bit significand (the
 * low half jammed with a sticky bit) and rounds it once in {@link #roundPack}: to 24, 53 or 64
 * bits (precision control, only for the instructions that honour it; the exponent range stays
 * the extended one), in the RC mode; gradual underflow denormalizes first and then rounds at the
 * same bit positions of the 64-bit field; tininess is detected after rounding with an unbounded
 * exponent (SDM 4.9.1.5). Masked overflow gives infinity or the largest finite number of the
 * precision; unmasked overflow and underflow deliver the result with the exponent adjusted by
 * 24576 (SDM 8.5.4, 8.5.5).
 *
 * <p><b>Operands.</b> Denormals and pseudo-denormals (exponent 0, integer bit set, read as if the
 * exponent were 1) raise DE; unnormals, pseudo-infinities and pseudo-NaNs are unsupported and
 * raise IE with the real indefinite (0xFFFF C000000000000000) as result. NaNs follow the x87
 * column of SDM Table 4-7: an SNaN is quieted with IE; of two NaNs of the same kind the one with
 * the larger significand wins (the positive one on a tie); a QNaN wins over an SNaN.
 */
public final class F80 {
    // Status word exception bits (SDM Vol. 1, Figure 8-4) and condition codes.
    public static final int IE = 1, DE = 2, ZE = 4, OE = 8, UE = 16, PE = 32, SF = 64, ES = 128;
    public static final int C0 = 1 << 8, C1 = 1 << 9, C2 = 1 << 10, C3 = 1 << 14, B = 1 << 15;
    /** Rounding control values (control word bits 10-11). */
    public static final int RN = 0, RD = 1, RU = 2, RZ = 3;

    public static final int INDEF_SE = 0xFFFF;
    public static final long INDEF_M = 0xC000000000000000L;
    public static final long INT_BIT = 1L << 63;
    static final long QUIET_BIT = 1L << 62;
    public static final int BIAS = 16383;
    /** Exponent adjustment of unmasked overflow/underflow results (SDM 8.5.4). */
    static final int ADJUST = 24576;

    /** The result of the last operation. */
    public int se;
    public long m;
    /** Exceptions detected since {@link #begin}. */
    public int flags;
    /** The last rounding increased the magnitude (C1). */
    public boolean up;

    /** Parameters of the current operation, from the control word. */
    public int rc, prec = 64, masks = 0x3F;

    /** Set by a caller for an operand converted from a float/double denormal: counts as a denormal operand. */
    public boolean srcDenormal;

    // rounding scratch
    private long rTrunc;
    private boolean rIncr, rInexact;
    private long rem;

    /** Starts an instruction: takes RC, PC and the masks from the control word and clears the flags. */
    public void begin(int cw) {
        rc = cw >>> 10 & 3;
        int pc = cw >>> 8 & 3;
        prec = pc == 0 ? 24 : pc == 2 ? 53 : 64;
        masks = cw & 0x3F;
        flags = 0;
        up = false;
        srcDenormal = false;
    }

    // ================================================================== classification

    public static int exp(int se) {
        return se & 0x7FFF;
    }

    public static boolean neg(int se) {
        return (se & 0x8000) != 0;
    }

    public static boolean isNaN(int se, long m) {
        return (se & 0x7FFF) == 0x7FFF && m < 0 && (m << 1) != 0;
    }

    public static boolean isSNaN(int se, long m) {
        return isNaN(se, m) && (m & QUIET_BIT) == 0;
    }

    public static boolean isInf(int se, long m) {
        return (se & 0x7FFF) == 0x7FFF && m == INT_BIT;
    }

    public static boolean isZero(int se, long m) {
        return (se & 0x7FFF) == 0 && m == 0;
    }

    /** Denormal or pseudo-denormal. */
    public static boolean isDenormal(int se, long m) {
        return (se & 0x7FFF) == 0 && m != 0;
    }

    /** Unnormal, pseudo-infinity, pseudo-NaN (SDM Table 8-3): the integer bit is clear with a nonzero exponent. */
    public static boolean isUnsupported(int se, long m) {
        return (se & 0x7FFF) != 0 && m >= 0;
    }

    /** The tag of a non-empty register (SDM 8.1.7): 0 valid, 1 zero, 2 special. */
    public static int tag(int se, long m) {
        int e = se & 0x7FFF;
        if (e == 0) return m == 0 ? 1 : 2;
        if (e == 0x7FFF || m >= 0) return 2;
        return 0;
    }

    // ================================================================== results

    private void set(int se, long m) {
        this.se = se;
        this.m = m;
    }

    /** IE with the real indefinite as result. */
    public void invalid() {
        flags |= IE;
        set(INDEF_SE, INDEF_M);
    }

    private void inf(boolean neg) {
        set((neg ? 0x8000 : 0) | 0x7FFF, INT_BIT);
    }

    private void zero(boolean neg) {
        set(neg ? 0x8000 : 0, 0);
    }

    /** Table 4-7 for the x87 FPU; both are NaNs or one is. */
    public void propagateNaN(int aSe, long aM, int bSe, long bM) {
        boolean aNaN = isNaN(aSe, aM), bNaN = isNaN(bSe, bM);
        boolean aS = aNaN && (aM & QUIET_BIT) == 0, bS = bNaN && (bM & QUIET_BIT) == 0;
        if (aS || bS) flags |= IE;
        long qa = aM | QUIET_BIT, qb = bM | QUIET_BIT;
        if (aNaN && bNaN) {
            if (aS != bS) {
                if (aS) set(bSe, qb); else set(aSe, qa);
                return;
            }
            int c = Long.compareUnsigned(qa, qb);
            if (c > 0 || c == 0 && (aSe & 0x8000) <= (bSe & 0x8000)) set(aSe, qa); else set(bSe, qb);
            return;
        }
        if (aNaN) set(aSe, qa); else set(bSe, qb);
    }

    /** A single NaN operand: quieted, IE if it was signaling. */
    public void propagateNaN(int se, long m) {
        if ((m & QUIET_BIT) == 0) flags |= IE;
        set(se, m | QUIET_BIT);
    }

    // ================================================================== operand unpacking

    private int ue;
    private long um;

    /** Normalizes a finite nonzero operand into ue/um, raising DE for a (pseudo-)denormal. */
    private void unpack(int se, long m) {
        int e = se & 0x7FFF;
        if (e == 0) {
            flags |= DE;
            int lz = Long.numberOfLeadingZeros(m);
            um = m << lz;
            ue = 1 - lz;
        } else {
            um = m;
            ue = e;
        }
    }

    /** Normalizes without raising DE (stores, integer conversions). */
    private void unpackQuiet(int se, long m) {
        int f = flags;
        unpack(se, m);
        flags = f;
    }

    private boolean denormalOperand(int se, long m) {
        return (se & 0x7FFF) == 0 && m != 0;
    }

    /** Raises DE when either operand is denormal or was converted from a float/double denormal. */
    private void flagDenormals(int aSe, long aM, int bSe, long bM) {
        if (denormalOperand(aSe, aM) || denormalOperand(bSe, bM) || srcDenormal) flags |= DE;
    }

    /**
     * The first step of a two-operand instruction: an unsupported operand gives the indefinite with
     * IE, a NaN operand the propagated NaN. Returns whether the result is already set.
     */
    boolean unsupportedOrNaN(int aSe, long aM, int bSe, long bM) {
        if (isUnsupported(aSe, aM) || isUnsupported(bSe, bM)) {
            invalid();
            return true;
        }
        if (isNaN(aSe, aM) || isNaN(bSe, bM)) {
            propagateNaN(aSe, aM, bSe, bM);
            return true;
        }
        return false;
    }

    // ================================================================== rounding

    /**
     * Rounds s0:s1 (s0 normalized, s1 the bits below with a sticky bit) to p bits in the current
     * mode: leaves rTrunc (s0 with the dropped bits cleared), rIncr, rInexact.
     */
    private void roundBits(boolean neg, long s0, long s1, int p) {
        int cmp;
        long lsb;
        if (p == 64) {
            rTrunc = s0;
            rInexact = s1 != 0;
            cmp = Long.compareUnsigned(s1, INT_BIT);
            lsb = s0 & 1;
        } else {
            int k = 64 - p;
            long lm = (1L << k) - 1, r = s0 & lm, half = 1L << (k - 1);
            rTrunc = s0 & ~lm;
            rInexact = r != 0 || s1 != 0;
            cmp = r != half ? Long.compare(r, half) : s1 != 0 ? 1 : 0;
            lsb = s0 >>> k & 1;
        }
        rIncr = switch (rc) {
            case RN -> cmp > 0 || cmp == 0 && lsb != 0;
            case RD -> neg && rInexact;
            case RU -> !neg && rInexact;
            default -> false;
        };
    }

    private static long unit(int p) {
        return 1L << (64 - p);
    }

    /** Largest significand of p bits. */
    private static long maxSig(int p) {
        return -unit(p);
    }

    /**
     * Rounds and packs (-1)^neg * s0.s1 * 2^(e - BIAS - 63) (s0 normalized; e may be out of range)
     * to extended precision with p significant bits; sets the result, flags and up.
     */
    public void roundPack(boolean neg, int e, long s0, long s1, int p) {
        int sign = neg ? 0x8000 : 0;
        if (e <= 0) {
            roundBits(neg, s0, s1, p);
            boolean carry = rIncr && rTrunc + unit(p) == 0;
            boolean tiny = e < 0 || !carry;
            if (tiny && (masks & UE) == 0) {
                flags |= UE; // unmasked: deliver the result scaled up by 2^24576
                e += ADJUST;
                if (e <= 0) { // still too small (FSCALE): a zero, inexact (measured)
                    flags |= PE;
                    set(sign, 0);
                    return;
                }
            } else {
                int sh = 1 - e;
                long d0, d1;
                if (sh >= 128) {
                    d0 = 0;
                    d1 = (s0 | s1) != 0 ? 1 : 0;
                } else if (sh >= 64) {
                    d0 = 0;
                    d1 = sh == 64 ? s0 | (s1 != 0 ? 1 : 0) : s0 >>> (sh - 64) | ((s0 << (128 - sh)) != 0 || s1 != 0 ? 1 : 0);
                } else {
                    d0 = s0 >>> sh;
                    d1 = s0 << (64 - sh) | s1 >>> sh | ((s1 << (64 - sh)) != 0 ? 1 : 0);
                }
                roundBits(neg, d0, d1, p);
                long r = rIncr ? rTrunc + unit(p) : rTrunc;
                if (rInexact) {
                    flags |= tiny ? UE | PE : PE;
                    up = rIncr;
                }
                set(sign | (r < 0 ? 1 : 0), r);
                return;
            }
        }
        roundBits(neg, s0, s1, p);
        long r = rTrunc;
        if (rIncr) {
            r += unit(p);
            if (r == 0) {
                r = INT_BIT;
                e++;
            }
        }
        if (e >= 0x7FFF) {
            if ((masks & OE) != 0) {
                flags |= OE | PE;
                boolean toInf = rc == RN || rc == RU && !neg || rc == RD && neg;
                if (toInf) set(sign | 0x7FFF, INT_BIT); else set(sign | 0x7FFE, maxSig(p));
                up = toInf;
                return;
            }
            flags |= OE;
            e -= ADJUST;
            if (e >= 0x7FFF) { // still too large (FSCALE): an infinity, inexact, rounded up (measured)
                flags |= PE;
                up = true;
                set(sign | 0x7FFF, INT_BIT);
                return;
            }
        }
        if (rInexact) {
            flags |= PE;
            up = rIncr;
        }
        set(sign | (e & 0x7FFF), r);
    }

    /** Rounds an exact nonzero finite extended value to the current precision (FADD x+0 and friends). */
    private void roundOperand(boolean neg, int se, long m) {
        unpack(se, m);
        roundPack(neg, ue, um, 0, prec);
    }

    // ================================================================== arithmetic

    /** a + b, or a - b. */
    public void add(int aSe, long aM, int bSe, long bM, boolean sub) {
        if (unsupportedOrNaN(aSe, aM, bSe, bM)) return;
        boolean an = neg(aSe), bn = neg(bSe) ^ sub;
        int ae = aSe & 0x7FFF, be = bSe & 0x7FFF;
        if (ae == 0x7FFF || be == 0x7FFF) {
            if (ae == 0x7FFF && be == 0x7FFF) {
                if (an != bn) invalid(); else inf(an);
                return;
            }
            flagDenormals(aSe, aM, bSe, bM);
            inf(ae == 0x7FFF ? an : bn);
            return;
        }
        if (srcDenormal) flags |= DE;
        boolean az = ae == 0 && aM == 0, bz = be == 0 && bM == 0;
        if (az && bz) {
            zero(an == bn ? an : rc == RD);
            return;
        }
        if (az) {
            if (be == 0) flags |= DE;
            roundOperand(bn, bSe, bM);
            return;
        }
        if (bz) {
            if (ae == 0) flags |= DE;
            roundOperand(an, aSe, aM);
            return;
        }
        unpack(aSe, aM);
        int ea = ue;
        long sa = um;
        unpack(bSe, bM);
        int eb = ue;
        long sb = um;
        if (ea < eb || ea == eb && Long.compareUnsigned(sa, sb) < 0) {
            int te = ea; ea = eb; eb = te;
            long ts = sa; sa = sb; sb = ts;
            boolean tn = an; an = bn; bn = tn;
        }
        int d = ea - eb;
        long b0, b1;
        if (d == 0) {
            b0 = sb;
            b1 = 0;
        } else if (d < 64) {
            b0 = sb >>> d;
            b1 = sb << (64 - d);
        } else if (d == 64) {
            b0 = 0;
            b1 = sb;
        } else if (d < 128) {
            b0 = 0;
            b1 = sb >>> (d - 64) | ((sb << (128 - d)) != 0 ? 1 : 0);
        } else {
            b0 = 0;
            b1 = 1;
        }
        long s0, s1;
        if (an == bn) {
            s0 = sa + b0;
            s1 = b1;
            if (Long.compareUnsigned(s0, sa) < 0) {
                s1 = s1 >>> 1 | s0 << 63 | (s1 & 1);
                s0 = s0 >>> 1 | INT_BIT;
                ea++;
            }
        } else {
            s1 = -b1;
            s0 = sa - b0 - (b1 != 0 ? 1 : 0);
            if (s0 == 0 && s1 == 0) {
                zero(rc == RD);
                return;
            }
            if (s0 == 0) {
                s0 = s1;
                s1 = 0;
                ea -= 64;
            }
            int lz = Long.numberOfLeadingZeros(s0);
            if (lz > 0) {
                s0 = s0 << lz | s1 >>> (64 - lz);
                s1 <<= lz;
                ea -= lz;
            }
        }
        roundPack(an, ea, s0, s1, prec);
    }

    public void mul(int aSe, long aM, int bSe, long bM) {
        if (unsupportedOrNaN(aSe, aM, bSe, bM)) return;
        boolean n = neg(aSe) != neg(bSe);
        int ae = aSe & 0x7FFF, be = bSe & 0x7FFF;
        boolean az = ae == 0 && aM == 0, bz = be == 0 && bM == 0;
        if (ae == 0x7FFF || be == 0x7FFF) {
            if (az || bz) {
                invalid();
                return;
            }
            flagDenormals(aSe, aM, bSe, bM);
            inf(n);
            return;
        }
        flagDenormals(aSe, aM, bSe, bM);
        if (az || bz) {
            zero(n);
            return;
        }
        unpack(aSe, aM);
        int ea = ue;
        long sa = um;
        unpack(bSe, bM);
        long hi = Math.unsignedMultiplyHigh(sa, um), lo = sa * um;
        int e = ea + ue - BIAS + 1;
        if (hi >= 0) {
            hi = hi << 1 | lo >>> 63;
            lo <<= 1;
            e--;
        }
        roundPack(n, e, hi, lo, prec);
    }

    public void div(int aSe, long aM, int bSe, long bM) {
        if (unsupportedOrNaN(aSe, aM, bSe, bM)) return;
        boolean n = neg(aSe) != neg(bSe);
        int ae = aSe & 0x7FFF, be = bSe & 0x7FFF;
        boolean az = ae == 0 && aM == 0, bz = be == 0 && bM == 0;
        if (ae == 0x7FFF || be == 0x7FFF) {
            if (ae == 0x7FFF && be == 0x7FFF) {
                invalid();
                return;
            }
            flagDenormals(aSe, aM, bSe, bM);
            if (ae == 0x7FFF) inf(n); else zero(n);
            return;
        }
        if (bz) {
            if (az) {
                invalid();
                return;
            }
            flags |= ZE; // division by zero takes priority over a denormal dividend (no DE)
            inf(n);
            return;
        }
        flagDenormals(aSe, aM, bSe, bM);
        if (az) {
            zero(n);
            return;
        }
        unpack(aSe, aM);
        int ea = ue;
        long sa = um;
        unpack(bSe, bM);
        int eb = ue;
        long sb = um;
        long u1, u0;
        int e;
        if (Long.compareUnsigned(sa, sb) >= 0) {
            u1 = sa >>> 1;
            u0 = sa << 63;
            e = ea - eb + BIAS;
        } else {
            u1 = sa;
            u0 = 0;
            e = ea - eb + BIAS - 1;
        }
        long q = divlu(u1, u0, sb);
        // The bits below q only matter as "half" and "sticky": rem / sb against 1/2 (no second division).
        long r = rem, s1;
        if (r == 0) {
            s1 = 0;
        } else {
            int c = Long.compareUnsigned(r, sb - r);
            s1 = c == 0 ? INT_BIT : c > 0 ? INT_BIT | 1 : 1;
        }
        roundPack(n, e, q, s1, prec);
    }

    /**
     * (u1:u0) / v for a normalized v (bit 63 set) and u1 < v: the 64-bit quotient, remainder in
     * {@link #rem}. Hacker's Delight, divlu.
     */
    private long divlu(long u1, long u0, long v) {
        final long b = 1L << 32;
        long vn1 = v >>> 32, vn0 = v & 0xFFFFFFFFL;
        long un1 = u0 >>> 32, un0 = u0 & 0xFFFFFFFFL;
        long q1 = Long.divideUnsigned(u1, vn1);
        long rhat = u1 - q1 * vn1;
        while (Long.compareUnsigned(q1, b) >= 0 || Long.compareUnsigned(q1 * vn0, (rhat << 32) + un1) > 0) {
            q1--;
            rhat += vn1;
            if (Long.compareUnsigned(rhat, b) >= 0) break;
        }
        long un21 = (u1 << 32) + un1 - q1 * v;
        long q0 = Long.divideUnsigned(un21, vn1);
        rhat = un21 - q0 * vn1;
        while (Long.compareUnsigned(q0, b) >= 0 || Long.compareUnsigned(q0 * vn0, (rhat << 32) + un0) > 0) {
            q0--;
            rhat += vn1;
            if (Long.compareUnsigned(rhat, b) >= 0) break;
        }
        rem = (un21 << 32) + un0 - q0 * v;
        return (q1 << 32) + q0;
    }

    public void sqrt(int aSe, long aM) {
        if (isUnsupported(aSe, aM)) {
            invalid();
            return;
        }
        int ae = aSe & 0x7FFF;
        if (ae == 0x7FFF) {
            if (aM << 1 != 0) propagateNaN(aSe, aM);
            else if (neg(aSe)) invalid();
            else set(aSe, aM);
            return;
        }
        if (ae == 0 && aM == 0) {
            set(aSe, 0);
            return;
        }
        if (neg(aSe)) {
            invalid();
            return;
        }
        unpack(aSe, aM);
        int e = ue - BIAS;
        long xh, xl;
        if ((e & 1) != 0) {
            xh = um;
            xl = 0;
        } else {
            xh = um >>> 1;
            xl = um << 63;
        }
        // Digit-by-digit square root of the 128-bit xh:xl: a 64-bit root and the remainder rh:rl.
        long rh = 0, rl = 0, root = 0;
        for (int k = 0; k < 64; k++) {
            long two = xh >>> 62;
            xh = xh << 2 | xl >>> 62;
            xl <<= 2;
            rh = rh << 2 | rl >>> 62;
            rl = rl << 2 | two;
            long th = root >>> 62, tl = root << 2 | 1;
            if (rh > th || rh == th && Long.compareUnsigned(rl, tl) >= 0) {
                rh = rh - th - (Long.compareUnsigned(rl, tl) < 0 ? 1 : 0);
                rl -= tl;
                root = root << 1 | 1;
            } else {
                root <<= 1;
            }
        }
        // The next root bit is one iff remainder > root (a tie is impossible).
        boolean half = rh != 0 || Long.compareUnsigned(rl, root) > 0;
        long s1 = (half ? INT_BIT : 0) | (rh != 0 || rl != 0 ? 1 : 0);
        roundPack(false, (e >> 1) + BIAS, root, s1, prec);
    }

    // ================================================================== comparisons

    public static final int GT = 0, LT = 1, EQ = 2, UNORDERED = 3;

    /**
     * Compares a with b (FCOM: signaling on any NaN; FUCOM: only on SNaN). Returns GT, LT, EQ or
     * UNORDERED; raises IE and DE as the instruction pages say.
     */
    public int compare(int aSe, long aM, int bSe, long bM, boolean signaling) {
        if (isUnsupported(aSe, aM) || isUnsupported(bSe, bM)) {
            flags |= IE;
            return UNORDERED;
        }
        boolean aNaN = isNaN(aSe, aM), bNaN = isNaN(bSe, bM);
        if (aNaN || bNaN) {
            if (signaling || aNaN && (aM & QUIET_BIT) == 0 || bNaN && (bM & QUIET_BIT) == 0) flags |= IE;
            return UNORDERED;
        }
        flagDenormals(aSe, aM, bSe, bM);
        return compareValues(aSe, aM, bSe, bM);
    }

    /** Orders two supported non-NaN values. */
    static int compareValues(int aSe, long aM, int bSe, long bM) {
        boolean az = (aSe & 0x7FFF) == 0 && aM == 0, bz = (bSe & 0x7FFF) == 0 && bM == 0;
        if (az && bz) return EQ;
        boolean an = neg(aSe), bn = neg(bSe);
        if (az) return bn ? GT : LT;
        if (bz) return an ? LT : GT;
        if (an != bn) return an ? LT : GT;
        int ea = aSe & 0x7FFF, eb = bSe & 0x7FFF;
        // pseudo-denormals have the value of exponent 1
        if (ea == 0) ea = 1;
        if (eb == 0) eb = 1;
        int c = ea != eb ? Integer.compare(ea, eb) : Long.compareUnsigned(aM, bM);
        if (c == 0) return EQ;
        return (c > 0) != an ? GT : LT;
    }

    // ================================================================== rounding to integer, scaling, remainders

    /** FRNDINT: rounds to an integer in the RC mode (precision control does not apply). */
    public void roundInt(int aSe, long aM) {
        if (isUnsupported(aSe, aM)) {
            invalid();
            return;
        }
        int ae = aSe & 0x7FFF;
        if (ae == 0x7FFF) {
            if (aM << 1 != 0) propagateNaN(aSe, aM); else set(aSe, aM);
            return;
        }
        if (ae == 0 && aM == 0) {
            set(aSe, aM);
            return;
        }
        boolean n = neg(aSe);
        unpack(aSe, aM);
        int e = ue - BIAS; // value = um * 2^(e-63)
        if (e >= 63) {
            set(aSe, aM);
            return;
        }
        long q, r0, r1;
        if (e >= 0) {
            int sh = 63 - e;
            q = um >>> sh;
            r0 = um << (64 - sh); // fraction bits, left aligned
            r1 = 0;
        } else {
            q = 0;
            if (e == -1) {
                r0 = um;
                r1 = 0;
            } else {
                r0 = 0;
                r1 = 1; // < 1/2, nonzero
            }
        }
        boolean inexact = r0 != 0 || r1 != 0;
        int cmp = r0 != INT_BIT ? Long.compareUnsigned(r0, INT_BIT) : r1 != 0 ? 1 : 0;
        boolean incr = switch (rc) {
            case RN -> cmp > 0 || cmp == 0 && (q & 1) != 0;
            case RD -> n && inexact;
            case RU -> !n && inexact;
            default -> false;
        };
        if (incr) q++;
        if (inexact) {
            flags |= PE;
            up = incr;
        }
        if (q == 0) {
            zero(n);
            return;
        }
        int lz = Long.numberOfLeadingZeros(q);
        set((n ? 0x8000 : 0) | (BIAS + 63 - lz), q << lz);
    }

    /** FSCALE: a * 2^trunc(b) (SDM FSCALE, Table 3-x), rounded at 64 bits. */
    public void scale(int aSe, long aM, int bSe, long bM) {
        if (unsupportedOrNaN(aSe, aM, bSe, bM)) return;
        int ae = aSe & 0x7FFF, be = bSe & 0x7FFF;
        boolean an = neg(aSe), bn = neg(bSe);
        boolean az = ae == 0 && aM == 0;
        if (be == 0x7FFF) { // b infinite
            if (ae == 0x7FFF) {
                if (bn) invalid(); else set(aSe, aM);
                return;
            }
            if (denormalOperand(aSe, aM)) flags |= DE;
            if (az) {
                if (bn) set(aSe, aM); else invalid();
                return;
            }
            if (bn) zero(an); else inf(an);
            return;
        }
        if (denormalOperand(bSe, bM)) flags |= DE;
        if (ae == 0x7FFF) {
            set(aSe, aM);
            return;
        }
        if (az) {
            if (denormalOperand(aSe, aM)) flags |= DE;
            set(aSe, aM);
            return;
        }
        // trunc(b), clamped: beyond +-2^16 the result saturates anyway
        int sc;
        if (be == 0 || be < BIAS) {
            sc = 0;
        } else if (be - BIAS >= 16) {
            sc = bn ? -(1 << 17) : 1 << 17;
        } else {
            int v = (int) (bM >>> (63 - (be - BIAS)));
            sc = bn ? -v : v;
        }
        unpack(aSe, aM);
        roundPack(an, ue + sc, um, 0, 64);
    }

    /** Quotient bits of the last {@link #remainder}: Q0..Q2 in bits 0-2; partial sets bit 3; -1 when there is none (invalid, NaN). */
    public int quotient;

    /**
     * FPREM (truncating) or FPREM1 (IEEE, round to nearest): a rem b, exact. When the exponent
     * difference is 64 or more only a partial remainder is computed (quotient bit 3 = C2).
     */
    public void remainder(int aSe, long aM, int bSe, long bM, boolean ieee) {
        quotient = -1; // no quotient: C0 and C3 stay as they were
        if (unsupportedOrNaN(aSe, aM, bSe, bM)) return;
        int ae = aSe & 0x7FFF, be = bSe & 0x7FFF;
        boolean az = ae == 0 && aM == 0, bz = be == 0 && bM == 0;
        if (ae == 0x7FFF || bz) {
            invalid();
            return;
        }
        quotient = 0;
        if (denormalOperand(aSe, aM) || denormalOperand(bSe, bM)) flags |= DE;
        if (be == 0x7FFF || az) {
            set(aSe, aM);
            if (az) return;
            // finite / inf: the dividend, normalized if it was a denormal
            unpackQuiet(aSe, aM);
            if (ue > 0) set((aSe & 0x8000) | ue, um);
            else roundPack(neg(aSe), ue, um, 0, 64);
            return;
        }
        boolean an = neg(aSe);
        unpack(aSe, aM);
        int ea = ue;
        long sa = um;
        unpack(bSe, bM);
        int eb = ue;
        long sb = um;
        int d = ea - eb;
        if (d >= 64) {
            int nb = (d & 31) | 32;
            // reduce by b * 2^(d - nb): keep nb quotient bits
            long hi = sa >>> (64 - nb), lo = sa << nb;
            divlu(hi, lo, sb);
            long r = rem;
            quotient = 8;
            if (r == 0) {
                zero(an);
                return;
            }
            int lz = Long.numberOfLeadingZeros(r);
            roundPack(an, ea - nb - lz, r << lz, 0, 64);
            return;
        }
        long q, r;
        boolean flip = false;
        if (d < 0) {
            if (ieee && d == -1 && Long.compareUnsigned(sa, sb) > 0) {
                // |a| in (|b|/2, |b|): q = 1 and |a - b| = (2*sb - sa) at a's exponent (fits in 64 bits)
                remainderResult(!an, ea, (sb << 1) - sa, 1);
                return;
            }
            roundPack(an, ea, sa, 0, 64); // nothing to reduce: the dividend
            return;
        }
        long hi = d == 0 ? 0 : sa >>> (64 - d), lo = sa << d;
        q = divlu(hi, lo, sb);
        r = rem;
        if (ieee) {
            // round to nearest: compare 2r with sb
            int c = Long.compareUnsigned(r, sb - r);
            if (c > 0 || c == 0 && (q & 1) != 0) {
                q++;
                r = sb - r;
                flip = true;
            }
        }
        remainderResult(an ^ flip, eb, r, q);
    }

    /** Packs the exact remainder r (at exponent e, unnormalized) and records the quotient bits. */
    private void remainderResult(boolean n, int e, long r, long q) {
        quotient = (int) (q & 7);
        if (r == 0) {
            zero(n);
            return;
        }
        int lz = Long.numberOfLeadingZeros(r);
        roundPack(n, e - lz, r << lz, 0, 64);
    }

    // ================================================================== conversions in

    /** Single (float bits) to extended, exact; DE for a denormal is reported via srcDenormal. */
    public void fromSingle(int bits) {
        int e = bits >>> 23 & 0xFF, f = bits & 0x7FFFFF;
        int sign = bits < 0 ? 0x8000 : 0;
        if (e == 0xFF) {
            set(sign | 0x7FFF, INT_BIT | (long) f << 40);
        } else if (e == 0) {
            if (f == 0) {
                set(sign, 0);
            } else {
                int lz = Long.numberOfLeadingZeros(f);
                set(sign | (BIAS + 63 - 149 - lz), (long) f << lz);
                srcDenormal = true;
            }
        } else {
            set(sign | (e - 127 + BIAS), INT_BIT | (long) f << 40);
        }
    }

    public void fromDouble(long bits) {
        int e = (int) (bits >>> 52) & 0x7FF;
        long f = bits & 0xFFFFFFFFFFFFFL;
        int sign = bits < 0 ? 0x8000 : 0;
        if (e == 0x7FF) {
            set(sign | 0x7FFF, INT_BIT | f << 11);
        } else if (e == 0) {
            if (f == 0) {
                set(sign, 0);
            } else {
                int lz = Long.numberOfLeadingZeros(f);
                set(sign | (BIAS + 63 - 1074 - lz), f << lz);
                srcDenormal = true;
            }
        } else {
            set(sign | (e - 1023 + BIAS), INT_BIT | f << 11);
        }
    }

    /** A signed 64-bit integer to extended: always exact. */
    public void fromLong(long v) {
        if (v == 0) {
            set(0, 0);
            return;
        }
        int sign = v < 0 ? 0x8000 : 0;
        long mag = v < 0 ? -v : v;
        int lz = Long.numberOfLeadingZeros(mag);
        set(sign | (BIAS + 63 - lz), mag << lz);
    }

    /**
     * Packed BCD (FBLD): 18 digits in lo (digits 0-15) and the low byte of hi (digits 16-17), sign
     * in bit 15 of hi. Invalid digits (A-F) count with their binary value.
     */
    public void fromBcd(long lo, int hi) {
        long v = 0;
        for (int k = 1; k >= 0; k--) v = v * 10 + (hi >>> (4 * k) & 0xF);
        for (int k = 15; k >= 0; k--) v = v * 10 + (lo >>> (4 * k) & 0xF);
        fromLong(v);
        if ((hi & 0x8000) != 0) se |= 0x8000;
    }

    // ================================================================== conversions out

    /** True if the last store conversion must not write (unmasked IE, OE or UE for a memory destination). */
    public boolean suppressed;

    /**
     * Extended to single (p=24) or double (p=53) bits, rounded in the RC mode with the format's
     * exponent range. Masked exceptions give the IEEE default results; unmasked OE/UE set
     * {@link #suppressed} (nothing is stored, SDM 8.5.4).
     */
    public long toFloat(int aSe, long aM, boolean isDouble) {
        suppressed = false;
        int p = isDouble ? 53 : 24, bias = isDouble ? 1023 : 127, emax = isDouble ? 0x7FF : 0xFF;
        int fb = p - 1;
        long signBit = isDouble ? 1L << 63 : 1L << 31;
        long sign = neg(aSe) ? signBit : 0;
        long fracMask = (1L << fb) - 1;
        long qnan = isDouble ? 0xFFF8000000000000L : 0xFFC00000L;
        if (isUnsupported(aSe, aM)) {
            flags |= IE;
            return qnan;
        }
        int ae = aSe & 0x7FFF;
        if (ae == 0x7FFF) {
            if (aM << 1 == 0) return sign | (long) emax << fb;
            if ((aM & QUIET_BIT) == 0) flags |= IE;
            return sign | (long) emax << fb | (aM >>> (64 - p)) & fracMask | 1L << (fb - 1);
        }
        if (ae == 0 && aM == 0) return sign;
        boolean n = neg(aSe);
        unpackQuiet(aSe, aM);
        int t = ue - BIAS + bias; // biased target exponent of the normalized value
        if (t <= 0) {
            roundBits(n, um, 0, p);
            boolean carry = rIncr && rTrunc + unit(p) == 0;
            boolean tiny = t < 0 || !carry;
            if (tiny && (masks & UE) == 0) {
                flags |= UE; // unmasked, to memory: nothing stored, and no PE (SDM 8.5.5)
                suppressed = true;
                return 0;
            }
            int sh = 1 - t;
            long d0, d1;
            if (sh >= 64) {
                d0 = 0;
                d1 = sh == 64 ? um : um >>> Math.min(sh - 64, 63) | 1;
            } else {
                d0 = um >>> sh;
                d1 = um << (64 - sh);
            }
            roundBits(n, d0, d1, p);
            long r = rIncr ? rTrunc + unit(p) : rTrunc;
            if (rInexact) {
                flags |= tiny ? UE | PE : PE;
                up = rIncr;
            }
            // r holds the significand at bit 63 = 2^(1-bias): exponent field 1 if the integer bit is set
            return sign | (r >>> (64 - p));
        }
        roundBits(n, um, 0, p);
        long r = rTrunc;
        if (rIncr) {
            r += unit(p);
            if (r == 0) {
                r = INT_BIT;
                t++;
            }
        }
        if (t >= emax) {
            if ((masks & OE) == 0) {
                flags |= OE; // unmasked, to memory: nothing stored, and no PE (SDM 8.5.4)
                suppressed = true;
                return 0;
            }
            flags |= OE | PE;
            boolean toInf = rc == RN || rc == RU && !n || rc == RD && n;
            up = toInf;
            return toInf ? sign | (long) emax << fb : sign | ((long) (emax - 1) << fb | fracMask);
        }
        if (rInexact) {
            flags |= PE;
            up = rIncr;
        }
        return sign | (long) t << fb | (r >>> (64 - p)) & fracMask;
    }

    /**
     * Extended to a signed integer of size bytes (2, 4, 8), rounded in the RC mode or truncated
     * (FISTTP). NaN, infinity, unsupported and out-of-range values raise IE and give the integer
     * indefinite (the most negative value).
     */
    public long toInt(int aSe, long aM, int size, boolean truncate) {
        long indefinite = size == 8 ? Long.MIN_VALUE : size == 4 ? 0x80000000L : 0x8000L;
        int ae = aSe & 0x7FFF;
        if (isUnsupported(aSe, aM) || ae == 0x7FFF) {
            flags |= IE;
            return indefinite;
        }
        if (ae == 0 && aM == 0) return 0;
        boolean n = neg(aSe);
        unpackQuiet(aSe, aM);
        int e = ue - BIAS;
        if (e >= 64) {
            flags |= IE;
            return indefinite;
        }
        long q, r0;
        long r1 = 0;
        if (e == 63) {
            q = um;
            r0 = 0;
        } else if (e >= 0) {
            int sh = 63 - e;
            q = um >>> sh;
            r0 = um << (64 - sh);
        } else {
            q = 0;
            if (e == -1) {
                r0 = um;
            } else {
                r0 = 0;
                r1 = 1;
            }
        }
        boolean inexact = r0 != 0 || r1 != 0;
        int cmp = r0 != INT_BIT ? Long.compareUnsigned(r0, INT_BIT) : r1 != 0 ? 1 : 0;
        int mode = truncate ? RZ : rc;
        boolean incr = switch (mode) {
            case RN -> cmp > 0 || cmp == 0 && (q & 1) != 0;
            case RD -> n && inexact;
            case RU -> !n && inexact;
            default -> false;
        };
        if (incr) q++;
        long limit = size == 8 ? Long.MIN_VALUE : 1L << (size * 8 - 1); // |most negative|
        if (incr && q == 0 || Long.compareUnsigned(q, limit) > 0 || q == limit && !n) {
            flags |= IE;
            return indefinite;
        }
        if (inexact) {
            flags |= PE;
            up = incr;
        }
        long v = n ? -q : q;
        return size == 8 ? v : v & ((1L << (size * 8)) - 1);
    }

    /** BCD result of {@link #toBcd}: 18 digits in bcdLo/bcdHi (low byte), sign in bit 15. */
    public long bcdLo;
    public int bcdHi;

    /** FBSTP: rounds in the RC mode to an integer of at most 18 digits; IE gives the BCD indefinite. */
    public void toBcd(int aSe, long aM) {
        long v = toInt(aSe, aM, 8, false);
        boolean n = neg(aSe);
        if ((flags & IE) != 0 || v == Long.MIN_VALUE || Math.abs(v) > 999_999_999_999_999_999L) {
            flags = flags & ~(PE) | IE;
            up = false;
            bcdLo = 0xC000000000000000L;
            bcdHi = 0xFFFF;
            return;
        }
        long mag = Math.abs(v);
        long lo = 0;
        for (int k = 0; k < 16; k++) {
            lo |= (mag % 10) << (4 * k);
            mag /= 10;
        }
        int hi = (int) (mag % 10) | (int) (mag / 10 % 10) << 4;
        bcdLo = lo;
        bcdHi = hi | (n ? 0x8000 : 0);
    }

    // ================================================================== FXTRACT

    /** FXTRACT of a finite nonzero supported value: exponent (as an extended value) in se/m; significand in xSe/xM. */
    public int xSe;
    public long xM;

    public void extract(int aSe, long aM) {
        unpack(aSe, aM);
        xSe = (aSe & 0x8000) | BIAS;
        xM = um;
        fromLong(ue - BIAS);
    }
}
