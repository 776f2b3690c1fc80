package jvisor.cpu.insn;

import jvisor.cpu.Cpu;
import jvisor.cpu.CpuState;
import jvisor.cpu.decode.Insn;
import jvisor.cpu.decode.OpcodeTable;
import jvisor.cpu.fpu.F80;
import jvisor.mmu.Access;
import jvisor.mmu.Tlb;

/**
 * x87 loads and stores (Intel SDM Vol. 2A/2B, the FLD, FILD, FBLD, FLD1/FLDZ/FLDPI/..., FST/FSTP,
 * FIST/FISTP, FISTTP and FBSTP pages; Vol. 1, 8.3.3 and 8.3.4):
 * <pre>
 *   D9 /0 mem    FLD m32fp          DD /0 mem   FLD m64fp        DB /5 mem  FLD m80fp
 *   D9 C0+i      FLD ST(i)
 *   DF /0 mem    FILD m16int        DB /0 mem   FILD m32int      DF /5 mem  FILD m64int
 *   DF /4 mem    FBLD m80bcd
 *   D9 E8..EE    FLD1 FLDL2T FLDL2E FLDPI FLDLG2 FLDLN2 FLDZ
 *   D9 /2 mem    FST m32fp          D9 /3 mem   FSTP m32fp
 *   DD /2 mem    FST m64fp          DD /3 mem   FSTP m64fp       DB /7 mem  FSTP m80fp
 *   DD D0+i      FST ST(i)          DD D8+i     FSTP ST(i)
 *   DF D0+i, DF D8+i                FSTP ST(i) (reserved aliases the hardware executes as FSTP)
 *   D9 D8+i      FSTP1 ST(i): as FSTP, but an empty ST(0) raises nothing and only pops (measured)
 *   DF /2 mem    FIST m16int        DB /2 mem   FIST m32int
 *   DF /3 mem    FISTP m16int       DB /3 mem   FISTP m32int     DF /7 mem  FISTP m64int
 *   DF /1 mem    FISTTP m16int      DB /1 mem   FISTTP m32int    DD /1 mem  FISTTP m64int
 *   DF /6 mem    FBSTP m80bcd
 * </pre>
 * Loads of m32/m64 are exact (an SNaN is quieted with IE, a denormal raises DE); FLD m80 and FLD
 * ST(i) copy the bits, whatever they encode. Stores round in the RC mode to the destination
 * format (precision control does not apply, SDM 8.1.5.2); an unmasked OE or UE on a store to
 * memory writes nothing and does not pop (SDM 8.5.4, 8.5.5). Out-of-range integer and BCD stores
 * raise IE and write the indefinite (0x8000..., BCD 0xFFFF C000000000000000).
 */
final class X87Load {
    private X87Load() {}

    static void register(OpcodeTable t) {
        t.row("D9 /0 mem", "fld Md", (c, i) -> fldMem(c, i, 4));
        t.row("DD /0 mem", "fld Mq", (c, i) -> fldMem(c, i, 8));
        t.row("DB /5 mem", "fld Mt", (c, i) -> fldMem(c, i, 10));
        t.row("D9 /0 reg", "fld st(i)", X87Load::fldReg);
        t.row("DF /0 mem", "fild Mw", (c, i) -> fild(c, i, 2));
        t.row("DB /0 mem", "fild Md", (c, i) -> fild(c, i, 4));
        t.row("DF /5 mem", "fild Mq", (c, i) -> fild(c, i, 8));
        t.row("DF /4 mem", "fbld Mt", X87Load::fbld);
        for (int k = 0; k < 7; k++) {
            int which = k;
            t.row("D9 /5 reg rm" + k, CONST_NAMES[k], (c, i) -> fldConst(c, i, which));
        }

        t.row("D9 /2 mem", "fst Md", (c, i) -> fstMem(c, i, false, false));
        t.row("D9 /3 mem", "fstp Md", (c, i) -> fstMem(c, i, false, true));
        t.row("DD /2 mem", "fst Mq", (c, i) -> fstMem(c, i, true, false));
        t.row("DD /3 mem", "fstp Mq", (c, i) -> fstMem(c, i, true, true));
        t.row("DB /7 mem", "fstp Mt", X87Load::fstp80);
        t.row("DD /2 reg", "fst st(i)", (c, i) -> fstReg(c, i, false));
        t.row("DD /3 reg", "fstp st(i)", (c, i) -> fstReg(c, i, true));
        t.row("D9 /3 reg", "fstp1 st(i)", X87Load::fstp1);
        t.row("DF /2 reg", "fstp8 st(i)", (c, i) -> fstReg(c, i, true));
        t.row("DF /3 reg", "fstp9 st(i)", (c, i) -> fstReg(c, i, true));

        t.row("DF /2 mem", "fist Mw", (c, i) -> fist(c, i, 2, false, false));
        t.row("DB /2 mem", "fist Md", (c, i) -> fist(c, i, 4, false, false));
        t.row("DF /3 mem", "fistp Mw", (c, i) -> fist(c, i, 2, true, false));
        t.row("DB /3 mem", "fistp Md", (c, i) -> fist(c, i, 4, true, false));
        t.row("DF /7 mem", "fistp Mq", (c, i) -> fist(c, i, 8, true, false));
        t.row("DF /1 mem", "fisttp Mw", (c, i) -> fist(c, i, 2, true, true));
        t.row("DB /1 mem", "fisttp Md", (c, i) -> fist(c, i, 4, true, true));
        t.row("DD /1 mem", "fisttp Mq", (c, i) -> fist(c, i, 8, true, true));
        t.row("DF /6 mem", "fbstp Mt", X87Load::fbstp);
    }

    private static final String[] CONST_NAMES = {"fld1", "fldl2t", "fldl2e", "fldpi", "fldlg2", "fldln2", "fldz"};

    /**
     * The constants as the FPU holds them internally, to 66 bits: significand (64 bits) and the
     * two bits below it, which decide the rounding in each RC mode (SDM 8.3.8: on the Pentium
     * and later the constants are rounded per RC, without raising PE).
     */
    private static final int[] CONST_SE = {0x3FFF, 0x4000, 0x3FFF, 0x4000, 0x3FFD, 0x3FFE, 0};
    private static final long[] CONST_M = {INT(), 0xD49A784BCD1B8AFEL, 0xB8AA3B295C17F0BBL, 0xC90FDAA22168C234L,
        0x9A209A84FBCFF798L, 0xB17217F7D1CF79ABL, 0};
    /** The two bits after the 64-bit significand (binary 00, 01, 10 or 11). */
    private static final int[] CONST_LOW = {0, 1, 2, 3, 2, 3, 0};

    private static long INT() {
        return F80.INT_BIT;
    }

    /** ST(7) (the register a push would use) is not empty. */
    private static boolean full(CpuState s) {
        return (s.fpuTags >>> ((X87.top(s) - 1) & 7) & 1) != 0;
    }

    private static void fldMem(Cpu c, Insn i, int size) {
        Tlb mem = c.mem();
        long a = c.ea(i);
        long bits = size == 4 ? mem.read32(a) & 0xFFFFFFFFL : mem.read64(a);
        int hi = size == 10 ? mem.read16(a + 8) : 0;
        CpuState s = c.state;
        F80 f = X87.enter(c, i);
        if (full(s)) {
            X87.overflow(f);
        } else if (size == 10) {
            f.se = hi;
            f.m = bits;
        } else {
            if (size == 4) f.fromSingle((int) bits); else f.fromDouble(bits);
            if (f.srcDenormal) f.flags |= F80.DE;
            if (F80.isSNaN(f.se, f.m)) f.propagateNaN(f.se, f.m);
        }
        // An unmasked DE does not stop the load (the hardware pushes the normalized value).
        boolean deOnly = (f.flags & ~s.fpuControl & (F80.IE | F80.ZE)) == 0;
        if (X87.commit(c, i, f) || deOnly) X87.push(s, f.se, f.m);
    }

    private static void fldReg(Cpu c, Insn i) {
        CpuState s = c.state;
        F80 f = X87.enter(c, i);
        int k = i.rm & 7;
        if (X87.empty(s, k)) { // an empty source is reported before a full stack (C1 = 0)
            X87.underflow(f);
        } else if (full(s)) {
            X87.overflow(f);
        } else {
            f.se = X87.se(s, k);
            f.m = X87.m(s, k);
        }
        if (X87.commit(c, i, f)) X87.push(s, f.se, f.m);
    }

    private static void fild(Cpu c, Insn i, int size) {
        long a = c.ea(i);
        long v = switch (size) {
            case 2 -> (short) c.mem().read16(a);
            case 4 -> c.mem().read32(a);
            default -> c.mem().read64(a);
        };
        CpuState s = c.state;
        F80 f = X87.enter(c, i);
        if (full(s)) X87.overflow(f); else f.fromLong(v);
        if (X87.commit(c, i, f)) X87.push(s, f.se, f.m);
    }

    private static void fbld(Cpu c, Insn i) {
        long a = c.ea(i);
        long lo = c.mem().read64(a);
        int hi = c.mem().read16(a + 8);
        CpuState s = c.state;
        F80 f = X87.enter(c, i);
        if (full(s)) X87.overflow(f); else f.fromBcd(lo, hi);
        if (X87.commit(c, i, f)) X87.push(s, f.se, f.m);
    }

    private static void fldConst(Cpu c, Insn i, int which) {
        CpuState s = c.state;
        F80 f = X87.enter(c, i);
        if (full(s)) {
            X87.overflow(f);
        } else {
            long m = CONST_M[which];
            int low = CONST_LOW[which];
            boolean upward = switch (f.rc) {
                case F80.RN -> low >= 2;
                case F80.RU -> low != 0;
                default -> false;
            };
            f.se = CONST_SE[which];
            f.m = upward ? m + 1 : m;
        }
        if (X87.commit(c, i, f)) X87.push(s, f.se, f.m);
    }

    private static void fstMem(Cpu c, Insn i, boolean isDouble, boolean pop) {
        long a = c.ea(i);
        CpuState s = c.state;
        F80 f = X87.enter(c, i);
        long v;
        f.suppressed = false;
        if (X87.empty(s, 0)) {
            X87.underflow(f);
            v = isDouble ? 0xFFF8000000000000L : 0xFFC00000L;
        } else {
            v = f.toFloat(X87.se(s, 0), X87.m(s, 0), isDouble);
        }
        if (!X87.commit(c, i, f) || f.suppressed) return;
        if (isDouble) c.mem().write64(a, v); else c.mem().write32(a, (int) v);
        if (pop) X87.pop(s);
    }

    /** Writes an 80-bit value; both ends are probed first so that a page fault writes nothing. */
    static void store80(Cpu c, long a, long lo, int hi) {
        Tlb m = c.mem();
        m.translate(a, Access.WRITE);
        m.translate(a + 9, Access.WRITE);
        m.write64(a, lo);
        m.write16(a + 8, hi);
    }

    /** The value FST/FSTP store: ST(0) in f, or the stack-underflow indefinite when ST(0) is empty. */
    private static void topOrUnderflow(CpuState s, F80 f) {
        if (X87.empty(s, 0)) {
            X87.underflow(f);
        } else {
            f.se = X87.se(s, 0);
            f.m = X87.m(s, 0);
        }
    }

    private static void fstp80(Cpu c, Insn i) {
        long a = c.ea(i);
        CpuState s = c.state;
        F80 f = X87.enter(c, i);
        topOrUnderflow(s, f);
        if (!X87.commit(c, i, f)) return;
        store80(c, a, f.m, f.se);
        X87.pop(s);
    }

    private static void fstReg(Cpu c, Insn i, boolean pop) {
        CpuState s = c.state;
        F80 f = X87.enter(c, i);
        topOrUnderflow(s, f);
        if (!X87.commit(c, i, f)) return;
        X87.write(s, i.rm & 7, f.se, f.m);
        if (pop) X87.pop(s);
    }

    /** D9 D8+i: like FSTP ST(i), except that an empty ST(0) is not a stack underflow: ST(i) is left alone, TOP pops. */
    private static void fstp1(Cpu c, Insn i) {
        CpuState s = c.state;
        X87.enter(c, i);
        s.fpuStatus &= ~F80.C1;
        if (!X87.empty(s, 0)) X87.write(s, i.rm & 7, X87.se(s, 0), X87.m(s, 0));
        X87.pop(s);
    }

    private static void fist(Cpu c, Insn i, int size, boolean pop, boolean truncate) {
        long a = c.ea(i);
        CpuState s = c.state;
        F80 f = X87.enter(c, i);
        long v;
        if (X87.empty(s, 0)) {
            X87.underflow(f);
            v = size == 8 ? Long.MIN_VALUE : size == 4 ? 0x80000000L : 0x8000L;
        } else {
            v = f.toInt(X87.se(s, 0), X87.m(s, 0), size, truncate);
        }
        if (!X87.commit(c, i, f)) return;
        c.store(a, size, v);
        if (pop) X87.pop(s);
    }

    private static void fbstp(Cpu c, Insn i) {
        long a = c.ea(i);
        CpuState s = c.state;
        F80 f = X87.enter(c, i);
        if (X87.empty(s, 0)) {
            X87.underflow(f);
            f.bcdLo = 0xC000000000000000L;
            f.bcdHi = 0xFFFF;
        } else {
            f.toBcd(X87.se(s, 0), X87.m(s, 0));
        }
        if (!X87.commit(c, i, f)) return;
        store80(c, a, f.bcdLo, f.bcdHi);
        X87.pop(s);
    }
}
