package jvisor.cpu.insn;

import jvisor.cpu.Cpu;
import jvisor.cpu.CpuState;
import jvisor.cpu.Flags;
import jvisor.cpu.decode.Insn;
import jvisor.cpu.decode.OpcodeTable;
import jvisor.cpu.fpu.F80;

/**
 * x87 register-stack control (Intel SDM Vol. 2A, the FXCH, FFREE, FINCSTP, FDECSTP, FCMOVcc and
 * FNOP pages; Vol. 1, 8.3.11):
 * <pre>
 *   D9 C8+i  FXCH ST(i)      DD C8+i, DF C8+i   FXCH4, FXCH7 (reserved aliases of FXCH)
 *   DD C0+i  FFREE ST(i)     DF C0+i            FFREEP ST(i) (reserved: FFREE, then pop)
 *   D9 F7    FINCSTP         D9 F6              FDECSTP
 *   DA C0+i  FCMOVB          DA C8+i FCMOVE     DA D0+i FCMOVBE     DA D8+i FCMOVU
 *   DB C0+i  FCMOVNB         DB C8+i FCMOVNE    DB D0+i FCMOVNBE    DB D8+i FCMOVNU
 *   D9 D0    FNOP            DB E0, E1, E4      FNENI, FNDISI, FNSETPM (8087/287 leftovers: no-ops)
 * </pre>
 * The state save/restore instructions (FNSAVE, FRSTOR, FNSTENV, FLDENV, FXSAVE, FXRSTOR) are in
 * {@link FpuState}.
 */
final class X87Control {
    private X87Control() {}

    static void register(OpcodeTable t) {
        t.row("D9 /1 reg", "fxch st(i)", X87Control::fxch);
        t.row("DD /1 reg", "fxch4 st(i)", X87Control::fxch);
        t.row("DF /1 reg", "fxch7 st(i)", X87Control::fxch);
        t.row("DD /0 reg", "ffree st(i)", (c, i) -> ffree(c, i, false));
        t.row("DF /0 reg", "ffreep st(i)", (c, i) -> ffree(c, i, true));
        t.row("D9 /6 reg rm7", "fincstp", (c, i) -> step(c, i, 1));
        t.row("D9 /6 reg rm6", "fdecstp", (c, i) -> step(c, i, -1));
        String[] names = {"b", "e", "be", "u"};
        int[] cc = {0x2, 0x4, 0x6, 0xA};
        for (int k = 0; k < 4; k++) {
            int cond = cc[k];
            t.row("DA /" + k + " reg", "fcmov" + names[k] + " st,st(i)", (c, i) -> fcmov(c, i, cond));
            t.row("DB /" + k + " reg", "fcmovn" + names[k] + " st,st(i)", (c, i) -> fcmov(c, i, cond | 1));
        }
        t.row("D9 /2 reg rm0", "fnop", (c, i) -> X87.enter(c, i)); // condition codes unchanged (measured)
        t.row("DB /4 reg rm0", "fneni", (c, i) -> { });
        t.row("DB /4 reg rm1", "fndisi", (c, i) -> { });
        t.row("DB /4 reg rm4", "fnsetpm", (c, i) -> { });
    }

    /** FXCH: an empty operand is replaced by the real indefinite first when IE is masked. */
    private static void fxch(Cpu c, Insn i) {
        CpuState s = c.state;
        F80 f = X87.enter(c, i);
        int k = i.rm & 7;
        boolean e0 = X87.empty(s, 0), ek = X87.empty(s, k);
        int se0 = X87.se(s, 0), sek = X87.se(s, k);
        long m0 = X87.m(s, 0), mk = X87.m(s, k);
        if (e0 || ek) {
            X87.underflow(f);
            if (e0) {
                se0 = F80.INDEF_SE;
                m0 = F80.INDEF_M;
            }
            if (ek) {
                sek = F80.INDEF_SE;
                mk = F80.INDEF_M;
            }
        }
        if (!X87.commit(c, i, f)) return;
        X87.write(s, 0, sek, mk);
        X87.write(s, k, se0, m0);
    }

    private static void ffree(Cpu c, Insn i, boolean pop) {
        CpuState s = c.state;
        X87.enter(c, i);
        s.fpuStatus &= ~F80.C1;
        s.fpuTags &= ~(1 << X87.phys(s, i.rm & 7));
        if (pop) X87.pop(s);
    }

    private static void step(Cpu c, Insn i, int d) {
        CpuState s = c.state;
        X87.enter(c, i);
        X87.setTop(s, X87.top(s) + d);
        s.fpuStatus &= ~F80.C1;
    }

    private static void fcmov(Cpu c, Insn i, int cc) {
        CpuState s = c.state;
        F80 f = X87.enter(c, i);
        int k = i.rm & 7;
        boolean move;
        if (X87.empty(s, 0) || X87.empty(s, k)) {
            X87.underflow(f);
            move = true;
        } else {
            move = Flags.condition(s, cc);
            f.se = X87.se(s, k);
            f.m = X87.m(s, k);
        }
        int c1 = s.fpuStatus & F80.C1;
        boolean ok = X87.commit(c, i, f);
        if ((f.flags & F80.SF) == 0) s.fpuStatus = s.fpuStatus & ~F80.C1 | c1; // C1 kept unless the stack underflows (measured)
        if (ok && move) X87.write(s, 0, f.se, f.m);
    }
}
