package jvisor.cpu;

/**
 * RFLAGS bits and the lazy-flags engine.
 *
 * <p>Arithmetic instructions do not compute RFLAGS. They record the operation, its operand size,
 * and its operands and result in {@link CpuState} (lfOp, lfSize, lfDst, lfSrc, lfRes, lfAux); a
 * flag is derived only when something reads it (Jcc, SETcc, CMOVcc, ADC, PUSHF, a syscall
 * saving R11). Instructions whose flag rules are irregular (shifts, multiplies, bit tests)
 * compute the six status flags themselves and record them with {@link #OP_EAGER}.
 *
 * <p>Semantics: Intel SDM Vol. 1, 3.4.3 "EFLAGS Register", and Appendix A "EFLAGS Cross-Reference".
 */
public final class Flags {
    public static final long CF = 1L << 0, PF = 1L << 2, AF = 1L << 4, ZF = 1L << 6, SF = 1L << 7;
    public static final long TF = 1L << 8, IF = 1L << 9, DF = 1L << 10, OF = 1L << 11;
    public static final long AC = 1L << 18, ID = 1L << 21;
    /** The six status flags that the lazy engine owns. */
    public static final long STATUS = CF | PF | AF | ZF | SF | OF;
    /** Flags user code may change with POPF (IOPL, IF, VM, RF... are kernel-owned). */
    public static final long USER_WRITABLE = STATUS | TF | DF | AC | ID;
    /** Bit 1 always reads as one; IF is always set in user mode. */
    public static final long FIXED = (1L << 1) | IF;

    // The operation that last set the status flags.
    public static final int OP_EAGER = 0; // lfRes holds the status bits themselves
    public static final int OP_ADD = 1;
    public static final int OP_ADC = 2; // lfAux = carry in
    public static final int OP_SUB = 3; // also CMP and NEG (0 - src)
    public static final int OP_SBB = 4; // lfAux = borrow in
    public static final int OP_LOGIC = 5; // AND, OR, XOR, TEST: CF = OF = 0
    public static final int OP_INC = 6; // lfAux = preserved CF
    public static final int OP_DEC = 7; // lfAux = preserved CF

    private Flags() {}

    public static long mask(int size) {
        return size == 8 ? -1L : (1L << (size * 8)) - 1;
    }

    public static long signBit(int size) {
        return 1L << (size * 8 - 1);
    }

    /** Sign-extends the low size bytes of v. */
    public static long signExtend(long v, int size) {
        int shift = 64 - size * 8;
        return (v << shift) >> shift;
    }

    // ------------------------------------------------------------ recording

    public static void setAdd(CpuState s, long dst, long src, long res, int size) {
        s.lfOp = OP_ADD; s.lfSize = size; s.lfDst = dst; s.lfSrc = src; s.lfRes = res & mask(size);
    }

    public static void setSub(CpuState s, long dst, long src, long res, int size) {
        s.lfOp = OP_SUB; s.lfSize = size; s.lfDst = dst; s.lfSrc = src; s.lfRes = res & mask(size);
    }

    public static void setLogic(CpuState s, long res, int size) {
        s.lfOp = OP_LOGIC; s.lfSize = size; s.lfRes = res & mask(size);
    }

    /** Records flags computed by the instruction itself (status bits only). */
    public static void setEager(CpuState s, long statusBits) {
        s.lfOp = OP_EAGER; s.lfRes = statusBits & STATUS;
    }

    // ------------------------------------------------------------ reading

    public static boolean cf(CpuState s) {
        long m = mask(s.lfSize);
        long d = s.lfDst & m, r = s.lfRes;
        return switch (s.lfOp) {
            case OP_EAGER -> (s.lfRes & CF) != 0;
            case OP_ADD -> Long.compareUnsigned(r, d) < 0;
            case OP_ADC -> s.lfAux != 0 ? Long.compareUnsigned(r, d) <= 0 : Long.compareUnsigned(r, d) < 0;
            case OP_SUB -> Long.compareUnsigned(d, s.lfSrc & m) < 0;
            case OP_SBB -> s.lfAux != 0 ? Long.compareUnsigned(d, s.lfSrc & m) <= 0 : Long.compareUnsigned(d, s.lfSrc & m) < 0;
            case OP_INC, OP_DEC -> s.lfAux != 0;
            default -> false;
        };
    }

    public static boolean zf(CpuState s) {
        return s.lfOp == OP_EAGER ? (s.lfRes & ZF) != 0 : s.lfRes == 0;
    }

    public static boolean sf(CpuState s) {
        return s.lfOp == OP_EAGER ? (s.lfRes & SF) != 0 : (s.lfRes & signBit(s.lfSize)) != 0;
    }

    public static boolean pf(CpuState s) {
        return s.lfOp == OP_EAGER ? (s.lfRes & PF) != 0 : parity(s.lfRes);
    }

    /** PF is set when the low byte of the result has an even number of one bits. */
    public static boolean parity(long res) {
        return (Integer.bitCount((int) res & 0xFF) & 1) == 0;
    }

    public static boolean af(CpuState s) {
        return switch (s.lfOp) {
            case OP_EAGER -> (s.lfRes & AF) != 0;
            case OP_ADD, OP_ADC, OP_SUB, OP_SBB -> ((s.lfDst ^ s.lfSrc ^ s.lfRes) & 0x10) != 0;
            case OP_INC -> (s.lfRes & 0xF) == 0;
            case OP_DEC -> (s.lfRes & 0xF) == 0xF;
            default -> false;
        };
    }

    public static boolean of(CpuState s) {
        long sign = signBit(s.lfSize);
        return switch (s.lfOp) {
            case OP_EAGER -> (s.lfRes & OF) != 0;
            case OP_ADD, OP_ADC -> ((s.lfDst ^ s.lfRes) & (s.lfSrc ^ s.lfRes) & sign) != 0;
            case OP_SUB, OP_SBB -> ((s.lfDst ^ s.lfSrc) & (s.lfDst ^ s.lfRes) & sign) != 0;
            case OP_INC -> s.lfRes == sign;
            case OP_DEC -> s.lfRes == sign - 1;
            default -> false;
        };
    }

    /** The six status flags as RFLAGS bits. */
    public static long status(CpuState s) {
        if (s.lfOp == OP_EAGER) return s.lfRes;
        long f = 0;
        if (cf(s)) f |= CF;
        if (pf(s)) f |= PF;
        if (af(s)) f |= AF;
        if (zf(s)) f |= ZF;
        if (sf(s)) f |= SF;
        if (of(s)) f |= OF;
        return f;
    }

    /**
     * Evaluates condition code cc (the low nibble of Jcc/SETcc/CMOVcc), Intel SDM Vol. 1 B.1.
     * Comparisons, the common case, are answered straight from the recorded operands.
     */
    public static boolean condition(CpuState s, int cc) {
        if (s.lfOp == OP_SUB) {
            int size = s.lfSize;
            long m = mask(size);
            long d = s.lfDst & m, src = s.lfSrc & m;
            boolean r = switch (cc >> 1) {
                case 1 -> Long.compareUnsigned(d, src) < 0; // B
                case 2 -> d == src; // Z
                case 3 -> Long.compareUnsigned(d, src) <= 0; // BE
                case 6 -> signExtend(d, size) < signExtend(src, size); // L
                case 7 -> signExtend(d, size) <= signExtend(src, size); // LE
                default -> generic(s, cc >> 1);
            };
            return r ^ ((cc & 1) != 0);
        }
        return generic(s, cc >> 1) ^ ((cc & 1) != 0);
    }

    private static boolean generic(CpuState s, int cond) {
        return switch (cond) {
            case 0 -> of(s);
            case 1 -> cf(s);
            case 2 -> zf(s);
            case 3 -> cf(s) || zf(s);
            case 4 -> sf(s);
            case 5 -> pf(s);
            case 6 -> sf(s) != of(s);
            default -> zf(s) || sf(s) != of(s);
        };
    }
}
