package jvisor.cpu.insn;

import jvisor.cpu.Cpu;
import jvisor.cpu.CpuState;
import jvisor.cpu.decode.Insn;
import jvisor.cpu.decode.OpcodeTable;
import jvisor.cpu.fpu.F80;

/**
 * x87 basic arithmetic (Intel SDM Vol. 2A, the FADD, FSUB, FSUBR, FMUL, FDIV, FDIVR, FCHS, FABS,
 * FSQRT, FRNDINT, FSCALE, FXTRACT, FPREM and FPREM1 pages; Vol. 1, 8.3.5):
 * <pre>
 *   D8 /r mem   FADD FMUL - - FSUB FSUBR FDIV FDIVR  m32fp      ST(0) = ST(0) op m
 *   DC /r mem   the same with m64fp
 *   DA /r mem   FIADD FIMUL - - FISUB FISUBR FIDIV FIDIVR m32int
 *   DE /r mem   the same with m16int
 *   D8 C0+i     FADD ST(0),ST(i)      D8 C8+i FMUL     D8 E0+i FSUB    D8 E8+i FSUBR
 *                                     D8 F0+i FDIV     D8 F8+i FDIVR   (ST(0) = ST(0) op ST(i))
 *   DC C0+i     FADD ST(i),ST(0)      DC C8+i FMUL     DC E0+i FSUBR   DC E8+i FSUB
 *                                     DC F0+i FDIVR    DC F8+i FDIV    (ST(i) = ST(i) op ST(0))
 *   DE C0+i     FADDP ST(i),ST(0)     DE C8+i FMULP    DE E0+i FSUBRP  DE E8+i FSUBP
 *                                     DE F0+i FDIVRP   DE F8+i FDIVP   (as DC, then pop)
 *   D9 E0 FCHS   D9 E1 FABS   D9 FA FSQRT   D9 FC FRNDINT   D9 FD FSCALE   D9 F4 FXTRACT
 *   D9 F8 FPREM  D9 F5 FPREM1
 * </pre>
 * In the DC and DE register forms the SUB/SUBR and DIV/DIVR encodings are the other way round
 * from D8 (Intel's mnemonics: DC E0+i is FSUBR ST(i),ST(0), ST(i) = ST(0) - ST(i)); AT&amp;T
 * assemblers swap these mnemonics, so tests use the encodings.
 *
 * <p>Precision control applies to FADD, FSUB(R), FMUL, FDIV(R) in all forms and FSQRT (SDM
 * 8.1.5.2); FRNDINT, FSCALE, FPREM and FXTRACT always work at 64 bits.
 */
final class X87Arith {
    private X87Arith() {}

    static final int ADD = 0, MUL = 1, SUB = 4, SUBR = 5, DIV = 6, DIVR = 7;
    private static final int M32FP = 0, M64FP = 1, M32INT = 2, M16INT = 3;
    private static final String[] NAMES = {"add", "mul", "com", "comp", "sub", "subr", "div", "divr"};

    static void register(OpcodeTable t) {
        for (int op : new int[] {ADD, MUL, SUB, SUBR, DIV, DIVR}) {
            String n = NAMES[op];
            t.row("D8 /" + op + " mem", "f" + n + " Md", (c, i) -> arithMem(c, i, op, M32FP));
            t.row("DC /" + op + " mem", "f" + n + " Mq", (c, i) -> arithMem(c, i, op, M64FP));
            t.row("DA /" + op + " mem", "fi" + n + " Md", (c, i) -> arithMem(c, i, op, M32INT));
            t.row("DE /" + op + " mem", "fi" + n + " Mw", (c, i) -> arithMem(c, i, op, M16INT));
            t.row("D8 /" + op + " reg", "f" + n + " st,st(i)", (c, i) -> arithReg(c, i, op, false, false));
            // DC and DE: destination ST(i); SUB<->SUBR and DIV<->DIVR encodings swapped
            int rop = op >= SUB ? op ^ 1 : op;
            t.row("DC /" + op + " reg", "f" + NAMES[rop] + " st(i),st", (c, i) -> arithReg(c, i, rop, true, false));
            t.row("DE /" + op + " reg", "f" + NAMES[rop] + "p st(i),st", (c, i) -> arithReg(c, i, rop, true, true));
        }
        t.row("D9 /4 reg rm0", "fchs", (c, i) -> sign(c, i, true));
        t.row("D9 /4 reg rm1", "fabs", (c, i) -> sign(c, i, false));
        t.row("D9 /7 reg rm2", "fsqrt", X87Arith::fsqrt);
        t.row("D9 /7 reg rm4", "frndint", X87Arith::frndint);
        t.row("D9 /7 reg rm5", "fscale", X87Arith::fscale);
        t.row("D9 /6 reg rm4", "fxtract", X87Arith::fxtract);
        t.row("D9 /7 reg rm0", "fprem", (c, i) -> fprem(c, i, false));
        t.row("D9 /6 reg rm5", "fprem1", (c, i) -> fprem(c, i, true));
    }

    /** x op y into the unit. */
    static void compute(F80 f, int op, int xSe, long xM, int ySe, long yM) {
        switch (op) {
            case ADD -> f.add(xSe, xM, ySe, yM, false);
            case MUL -> f.mul(xSe, xM, ySe, yM);
            case SUB -> f.add(xSe, xM, ySe, yM, true);
            case SUBR -> f.add(ySe, yM, xSe, xM, true);
            case DIV -> f.div(xSe, xM, ySe, yM);
            default -> f.div(ySe, yM, xSe, xM);
        }
    }

    /**
     * Reads a memory source operand and converts it (exactly) into the unit's se/m; a float or
     * double denormal is remembered as a denormal operand (srcDenormal).
     */
    static void loadOperand(int kind, F80 f, long raw) {
        switch (kind) {
            case M32FP -> f.fromSingle((int) raw);
            case M64FP -> f.fromDouble(raw);
            case M32INT -> f.fromLong((int) raw);
            default -> f.fromLong((short) raw);
        }
    }

    static long readOperand(Cpu c, long a, int kind) {
        return switch (kind) {
            case M32FP, M32INT -> c.mem().read32(a);
            case M64FP -> c.mem().read64(a);
            default -> c.mem().read16(a);
        };
    }

    private static void arithMem(Cpu c, Insn i, int op, int kind) {
        long a = c.ea(i);
        long raw = readOperand(c, a, kind);
        CpuState s = c.state;
        F80 f = X87.enter(c, i);
        if (X87.empty(s, 0)) {
            X87.underflow(f);
        } else {
            loadOperand(kind, f, raw);
            compute(f, op, X87.se(s, 0), X87.m(s, 0), f.se, f.m);
        }
        if (X87.commit(c, i, f)) X87.write(s, 0, f.se, f.m);
    }

    /** Register forms: toSti writes ST(i) = ST(i) op ST(0), else ST(0) = ST(0) op ST(i). */
    private static void arithReg(Cpu c, Insn i, int op, boolean toSti, boolean pop) {
        CpuState s = c.state;
        F80 f = X87.enter(c, i);
        int k = i.rm & 7;
        if (X87.empty(s, 0) || X87.empty(s, k)) {
            X87.underflow(f);
        } else if (toSti) {
            compute(f, op, X87.se(s, k), X87.m(s, k), X87.se(s, 0), X87.m(s, 0));
        } else {
            compute(f, op, X87.se(s, 0), X87.m(s, 0), X87.se(s, k), X87.m(s, k));
        }
        if (!X87.commit(c, i, f)) return;
        X87.write(s, toSti ? k : 0, f.se, f.m);
        if (pop) X87.pop(s);
    }

    /** FCHS and FABS: sign bit only, whatever the operand encodes (no IE for SNaN). */
    private static void sign(Cpu c, Insn i, boolean chs) {
        CpuState s = c.state;
        F80 f = X87.enter(c, i);
        if (X87.empty(s, 0)) {
            X87.underflow(f);
        } else {
            int se = X87.se(s, 0);
            f.se = chs ? se ^ 0x8000 : se & 0x7FFF;
            f.m = X87.m(s, 0);
        }
        if (X87.commit(c, i, f)) X87.write(s, 0, f.se, f.m);
    }

    private static void fsqrt(Cpu c, Insn i) {
        CpuState s = c.state;
        F80 f = X87.enter(c, i);
        if (X87.empty(s, 0)) X87.underflow(f); else f.sqrt(X87.se(s, 0), X87.m(s, 0));
        if (X87.commit(c, i, f)) X87.write(s, 0, f.se, f.m);
    }

    private static void frndint(Cpu c, Insn i) {
        CpuState s = c.state;
        F80 f = X87.enter(c, i);
        if (X87.empty(s, 0)) X87.underflow(f); else f.roundInt(X87.se(s, 0), X87.m(s, 0));
        if (X87.commit(c, i, f)) X87.write(s, 0, f.se, f.m);
    }

    private static void fscale(Cpu c, Insn i) {
        CpuState s = c.state;
        F80 f = X87.enter(c, i);
        if (X87.empty(s, 0) || X87.empty(s, 1)) X87.underflow(f);
        else f.scale(X87.se(s, 0), X87.m(s, 0), X87.se(s, 1), X87.m(s, 1));
        if (X87.commit(c, i, f)) X87.write(s, 0, f.se, f.m);
    }

    /** FXTRACT: ST(0) = exponent of ST(0) (unbiased, as a number), then push its significand. */
    private static void fxtract(Cpu c, Insn i) {
        CpuState s = c.state;
        F80 f = X87.enter(c, i);
        int se = X87.se(s, 0);
        long m = X87.m(s, 0);
        int sigSe, expSe;
        long sigM, expM;
        boolean full = (s.fpuTags >>> ((X87.top(s) - 1) & 7) & 1) != 0;
        if (X87.empty(s, 0) || full) {
            if (X87.empty(s, 0)) X87.underflow(f); else X87.overflow(f);
            sigSe = expSe = F80.INDEF_SE;
            sigM = expM = F80.INDEF_M;
        } else if (F80.isUnsupported(se, m)) {
            f.invalid();
            sigSe = expSe = F80.INDEF_SE;
            sigM = expM = F80.INDEF_M;
        } else if (F80.isNaN(se, m)) {
            f.propagateNaN(se, m);
            sigSe = expSe = f.se;
            sigM = expM = f.m;
        } else if (F80.isInf(se, m)) {
            sigSe = se;
            sigM = m;
            expSe = 0x7FFF;
            expM = F80.INT_BIT;
        } else if (F80.isZero(se, m)) {
            f.flags |= F80.ZE;
            sigSe = se;
            sigM = 0;
            expSe = 0xFFFF;
            expM = F80.INT_BIT;
        } else {
            f.extract(se, m);
            sigSe = f.xSe;
            sigM = f.xM;
            expSe = f.se;
            expM = f.m;
        }
        if (!X87.commit(c, i, f)) return;
        X87.write(s, 0, expSe, expM);
        X87.push(s, sigSe, sigM);
    }

    /** FPREM/FPREM1: C2 set for a partial remainder; otherwise C0, C3, C1 = quotient bits 2, 1, 0. */
    private static void fprem(Cpu c, Insn i, boolean ieee) {
        CpuState s = c.state;
        F80 f = X87.enter(c, i);
        f.quotient = -1;
        if (X87.empty(s, 0) || X87.empty(s, 1)) {
            X87.underflow(f);
        } else {
            f.remainder(X87.se(s, 0), X87.m(s, 0), X87.se(s, 1), X87.m(s, 1), ieee);
            f.up = f.quotient > 0 && (f.quotient & 1) != 0;
        }
        int q = f.quotient;
        boolean ok = X87.commit(c, i, f);
        if (ok) X87.write(s, 0, f.se, f.m);
        if (q < 0 || !ok) { // no quotient (stack fault, NaN, invalid): C2 cleared, C0 and C3 unchanged (measured)
            s.fpuStatus &= ~F80.C2;
            return;
        }
        int cc = ((q & 4) != 0 ? F80.C0 : 0) | ((q & 2) != 0 ? F80.C3 : 0) | ((q & 8) != 0 ? F80.C2 : 0);
        s.fpuStatus = (s.fpuStatus & ~(F80.C0 | F80.C2 | F80.C3)) | cc;
    }
}
