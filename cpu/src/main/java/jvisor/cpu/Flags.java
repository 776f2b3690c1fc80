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
    // Each flag is a function of the recorded fields; the CpuState forms read them from the state,
    // the value forms serve code that keeps the fields elsewhere (the translator keeps them in
    // locals of the code it generates, jvisor.cpu.jit).

    public static boolean cf(CpuState s) {
        return cf(s.lfOp, s.lfSize, s.lfDst, s.lfSrc, s.lfRes, s.lfAux);
    }

    public static boolean cf(int op, int size, long dst, long src, long res, long aux) {
        long m = mask(size);
        long d = dst & m;
        return switch (op) {
            case OP_EAGER -> (res & CF) != 0;
            case OP_ADD -> Long.compareUnsigned(res, d) < 0;
            case OP_ADC -> aux != 0 ? Long.compareUnsigned(res, d) <= 0 : Long.compareUnsigned(res, d) < 0;
            case OP_SUB -> Long.compareUnsigned(d, src & m) < 0;
            case OP_SBB -> aux != 0 ? Long.compareUnsigned(d, src & m) <= 0 : Long.compareUnsigned(d, src & m) < 0;
            case OP_INC, OP_DEC -> aux != 0;
            default -> false;
        };
    }

    public static boolean zf(CpuState s) {
        return zf(s.lfOp, s.lfRes);
    }

    public static boolean zf(int op, long res) {
        return op == OP_EAGER ? (res & ZF) != 0 : res == 0;
    }

    public static boolean sf(CpuState s) {
        return sf(s.lfOp, s.lfSize, s.lfRes);
    }

    public static boolean sf(int op, int size, long res) {
        return op == OP_EAGER ? (res & SF) != 0 : (res & signBit(size)) != 0;
    }

    public static boolean pf(CpuState s) {
        return pf(s.lfOp, s.lfRes);
    }

    public static boolean pf(int op, long res) {
        return op == OP_EAGER ? (res & PF) != 0 : parity(res);
    }

    /** PF is set when the low byte of the result has an even number of one bits. */
    public static boolean parity(long res) {
        return (Integer.bitCount((int) res & 0xFF) & 1) == 0;
    }

    public static boolean af(CpuState s) {
        return af(s.lfOp, s.lfDst, s.lfSrc, s.lfRes);
    }

    public static boolean af(int op, long dst, long src, long res) {
        return switch (op) {
            case OP_EAGER -> (res & AF) != 0;
            case OP_ADD, OP_ADC, OP_SUB, OP_SBB -> ((dst ^ src ^ res) & 0x10) != 0;
            case OP_INC -> (res & 0xF) == 0;
            case OP_DEC -> (res & 0xF) == 0xF;
            default -> false;
        };
    }

    public static boolean of(CpuState s) {
        return of(s.lfOp, s.lfSize, s.lfDst, s.lfSrc, s.lfRes);
    }

    public static boolean of(int op, int size, long dst, long src, long res) {
        long sign = signBit(size);
        return switch (op) {
            case OP_EAGER -> (res & OF) != 0;
            case OP_ADD, OP_ADC -> ((dst ^ res) & (src ^ res) & sign) != 0;
            case OP_SUB, OP_SBB -> ((dst ^ src) & (dst ^ res) & sign) != 0;
            case OP_INC -> res == sign;
            case OP_DEC -> res == sign - 1;
            default -> false;
        };
    }

    /** The six status flags as RFLAGS bits. */
    public static long status(CpuState s) {
        return status(s.lfOp, s.lfSize, s.lfDst, s.lfSrc, s.lfRes, s.lfAux);
    }

    public static long status(int op, int size, long dst, long src, long res, long aux) {
        if (op == OP_EAGER) return res;
        long f = 0;
        if (cf(op, size, dst, src, res, aux)) f |= CF;
        if (pf(op, res)) f |= PF;
        if (af(op, dst, src, res)) f |= AF;
        if (zf(op, res)) f |= ZF;
        if (sf(op, size, res)) f |= SF;
        if (of(op, size, dst, src, res)) f |= OF;
        return f;
    }

    /**
     * Evaluates condition code cc (the low nibble of Jcc/SETcc/CMOVcc), Intel SDM Vol. 1 B.1.
     * Comparisons, the common case, are answered straight from the recorded operands.
     */
    public static boolean condition(CpuState s, int cc) {
        return condition(s.lfOp, s.lfSize, s.lfDst, s.lfSrc, s.lfRes, s.lfAux, cc);
    }

    public static boolean condition(int op, int size, long dst, long src, long res, long aux, int cc) {
        if (op == OP_SUB) {
            long m = mask(size);
            long d = dst & m, sv = src & m;
            boolean r = switch (cc >> 1) {
                case 1 -> Long.compareUnsigned(d, sv) < 0; // B
                case 2 -> d == sv; // Z
                case 3 -> Long.compareUnsigned(d, sv) <= 0; // BE
                case 6 -> signExtend(d, size) < signExtend(sv, size); // L
                case 7 -> signExtend(d, size) <= signExtend(sv, size); // LE
                default -> generic(op, size, dst, src, res, aux, cc >> 1);
            };
            return r ^ ((cc & 1) != 0);
        }
        return generic(op, size, dst, src, res, aux, cc >> 1) ^ ((cc & 1) != 0);
    }

    private static boolean generic(int op, int size, long dst, long src, long res, long aux, int cond) {
        return switch (cond) {
            case 0 -> of(op, size, dst, src, res);
            case 1 -> cf(op, size, dst, src, res, aux);
            case 2 -> zf(op, res);
            case 3 -> cf(op, size, dst, src, res, aux) || zf(op, res);
            case 4 -> sf(op, size, res);
            case 5 -> pf(op, res);
            case 6 -> sf(op, size, res) != of(op, size, dst, src, res);
            default -> zf(op, res) || sf(op, size, res) != of(op, size, dst, src, res);
        };
    }
}
