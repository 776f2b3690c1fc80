package jvisor.cpu.insn;

import jvisor.cpu.Cpu;
import jvisor.cpu.CpuState;
import jvisor.cpu.Flags;
import jvisor.cpu.decode.Insn;
import jvisor.cpu.decode.OpcodeTable;
import jvisor.cpu.fpu.F80;

/**
 * x87 comparisons and classification (Intel SDM Vol. 2A, the FCOM/FCOMP/FCOMPP, FUCOM/FUCOMP/
 * FUCOMPP, FICOM/FICOMP, FCOMI/FCOMIP/FUCOMI/FUCOMIP, FTST and FXAM pages; Vol. 1, 8.3.6):
 * <pre>
 *   D8 /2 mem  FCOM m32fp     D8 /3 mem  FCOMP m32fp    DC /2 mem FCOM m64fp   DC /3 mem FCOMP m64fp
 *   DA /2 mem  FICOM m32int   DA /3 mem  FICOMP m32int  DE /2 mem FICOM m16int DE /3 mem FICOMP m16int
 *   D8 D0+i    FCOM ST(i)     D8 D8+i    FCOMP ST(i)    DE D9     FCOMPP
 *   DC D0+i, DC D8+i, DE D0+i           FCOM2, FCOMP3, FCOMP5 (reserved aliases, executed as FCOM/FCOMP)
 *   DD E0+i    FUCOM ST(i)    DD E8+i    FUCOMP ST(i)   DA E9     FUCOMPP
 *   DB F0+i    FCOMI          DF F0+i    FCOMIP         DB E8+i   FUCOMI        DF E8+i FUCOMIP
 *   D9 E4      FTST           D9 E5      FXAM
 * </pre>
 * FCOM* and FTST raise IE for any NaN, FUCOM* only for an SNaN; unsupported encodings always
 * raise IE. Results: C3 C2 C0 = 000 greater, 001 less, 100 equal, 111 unordered (FCOMI: ZF PF CF,
 * with OF, SF, AF cleared). A stack underflow gives "unordered" when IE is masked; with IE
 * unmasked nothing changes but the exception flags (no pop).
 */
final class X87Compare {
    private X87Compare() {}

    private static final int M32FP = 0, M64FP = 1, M32INT = 2, M16INT = 3;

    static void register(OpcodeTable t) {
        t.row("D8 /2 mem", "fcom Md", (c, i) -> comMem(c, i, M32FP, 0));
        t.row("D8 /3 mem", "fcomp Md", (c, i) -> comMem(c, i, M32FP, 1));
        t.row("DC /2 mem", "fcom Mq", (c, i) -> comMem(c, i, M64FP, 0));
        t.row("DC /3 mem", "fcomp Mq", (c, i) -> comMem(c, i, M64FP, 1));
        t.row("DA /2 mem", "ficom Md", (c, i) -> comMem(c, i, M32INT, 0));
        t.row("DA /3 mem", "ficomp Md", (c, i) -> comMem(c, i, M32INT, 1));
        t.row("DE /2 mem", "ficom Mw", (c, i) -> comMem(c, i, M16INT, 0));
        t.row("DE /3 mem", "ficomp Mw", (c, i) -> comMem(c, i, M16INT, 1));

        t.row("D8 /2 reg", "fcom st(i)", (c, i) -> comReg(c, i, true, 0, false));
        t.row("D8 /3 reg", "fcomp st(i)", (c, i) -> comReg(c, i, true, 1, false));
        t.row("DC /2 reg", "fcom2 st(i)", (c, i) -> comReg(c, i, true, 0, false));
        t.row("DC /3 reg", "fcomp3 st(i)", (c, i) -> comReg(c, i, true, 1, false));
        t.row("DE /2 reg", "fcomp5 st(i)", (c, i) -> comReg(c, i, true, 1, false));
        t.row("DE /3 reg rm1", "fcompp", (c, i) -> comReg(c, i, true, 2, false));
        t.row("DD /4 reg", "fucom st(i)", (c, i) -> comReg(c, i, false, 0, false));
        t.row("DD /5 reg", "fucomp st(i)", (c, i) -> comReg(c, i, false, 1, false));
        t.row("DA /5 reg rm1", "fucompp", (c, i) -> comReg(c, i, false, 2, false));
        t.row("DB /6 reg", "fcomi st,st(i)", (c, i) -> comReg(c, i, true, 0, true));
        t.row("DF /6 reg", "fcomip st,st(i)", (c, i) -> comReg(c, i, true, 1, true));
        t.row("DB /5 reg", "fucomi st,st(i)", (c, i) -> comReg(c, i, false, 0, true));
        t.row("DF /5 reg", "fucomip st,st(i)", (c, i) -> comReg(c, i, false, 1, true));

        t.row("D9 /4 reg rm4", "ftst", X87Compare::ftst);
        t.row("D9 /4 reg rm5", "fxam", X87Compare::fxam);
    }

    private static void comMem(Cpu c, Insn i, int kind, int pops) {
        long a = c.ea(i);
        long raw = X87Arith.readOperand(c, a, kind);
        CpuState s = c.state;
        F80 f = X87.enter(c, i);
        int r;
        if (X87.empty(s, 0)) {
            X87.underflow(f);
            r = F80.UNORDERED;
        } else {
            X87Arith.loadOperand(kind, f, raw);
            r = f.compare(X87.se(s, 0), X87.m(s, 0), f.se, f.m, true);
        }
        finish(c, i, f, r, pops, false);
    }

    private static void comReg(Cpu c, Insn i, boolean signaling, int pops, boolean eflags) {
        CpuState s = c.state;
        F80 f = X87.enter(c, i);
        int k = i.rm & 7;
        int r;
        if (X87.empty(s, 0) || X87.empty(s, k)) {
            X87.underflow(f);
            r = F80.UNORDERED;
        } else {
            r = f.compare(X87.se(s, 0), X87.m(s, 0), X87.se(s, k), X87.m(s, k), signaling);
        }
        finish(c, i, f, r, pops, eflags);
    }

    private static void finish(Cpu c, Insn i, F80 f, int r, int pops, boolean eflags) {
        CpuState s = c.state;
        f.up = false;
        int c1 = s.fpuStatus & F80.C1;
        // The condition codes (or EFLAGS) are written even when an unmasked exception occurs.
        boolean ok = X87.commit(c, i, f);
        // FCOMI and friends leave C1 alone unless the stack underflows (measured; the SDM says "0")
        if (eflags && (f.flags & F80.SF) == 0) s.fpuStatus = s.fpuStatus & ~F80.C1 | c1;
        if (eflags) {
            long fl = switch (r) {
                case F80.GT -> 0;
                case F80.LT -> Flags.CF;
                case F80.EQ -> Flags.ZF;
                default -> Flags.ZF | Flags.PF | Flags.CF;
            };
            Flags.setEager(s, fl);
        } else {
            X87.conditionCodes(s, r);
        }
        if (ok) for (int k = 0; k < pops; k++) X87.pop(s);
    }

    private static void ftst(Cpu c, Insn i) {
        CpuState s = c.state;
        F80 f = X87.enter(c, i);
        int r;
        if (X87.empty(s, 0)) {
            X87.underflow(f);
            r = F80.UNORDERED;
        } else {
            r = f.compare(X87.se(s, 0), X87.m(s, 0), 0, 0, true);
        }
        finish(c, i, f, r, 0, false);
    }

    /** FXAM: C1 = sign; C3 C2 C0 = class (SDM FXAM table). Raises nothing, even for an empty ST(0). */
    private static void fxam(Cpu c, Insn i) {
        CpuState s = c.state;
        X87.enter(c, i);
        int se = X87.se(s, 0);
        long m = X87.m(s, 0);
        int cc;
        if (X87.empty(s, 0)) {
            cc = F80.C3 | F80.C0;
        } else if (F80.isUnsupported(se, m)) {
            cc = 0;
        } else if (F80.isNaN(se, m)) {
            cc = F80.C0;
        } else if (F80.isInf(se, m)) {
            cc = F80.C2 | F80.C0;
        } else if (F80.isZero(se, m)) {
            cc = F80.C3;
        } else if (F80.isDenormal(se, m)) {
            cc = F80.C3 | F80.C2;
        } else {
            cc = F80.C2;
        }
        if (F80.neg(se)) cc |= F80.C1;
        s.fpuStatus = (s.fpuStatus & ~X87.CC) | cc;
    }
}
