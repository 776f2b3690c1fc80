package jvisor.cpu.insn;

import jvisor.cpu.Cpu;
import jvisor.cpu.CpuState;
import jvisor.cpu.decode.Insn;
import jvisor.cpu.decode.OpcodeTable;
import jvisor.cpu.fpu.F80;
import jvisor.cpu.fpu.Transcendental;

/**
 * x87 transcendental instructions (Intel SDM Vol. 2A, the FSIN, FCOS, FSINCOS, FPTAN, FPATAN,
 * F2XM1, FYL2X and FYL2XP1 pages; Vol. 1, 8.3.9 and 8.3.10 on accuracy):
 * <pre>
 *   D9 FE  FSIN       ST(0) = sin ST(0)                  C2 = 1 (nothing done) if |ST(0)| >= 2^63
 *   D9 FF  FCOS       ST(0) = cos ST(0)                  likewise
 *   D9 FB  FSINCOS    ST(0) = sin ST(0), then push cos   likewise
 *   D9 F2  FPTAN      ST(0) = tan ST(0), then push 1.0   likewise
 *   D9 F3  FPATAN     ST(1) = arctan(ST(1) / ST(0)) in the quadrant of (ST(0), ST(1)), pop
 *   D9 F0  F2XM1      ST(0) = 2^ST(0) - 1
 *   D9 F1  FYL2X      ST(1) = ST(1) * log2 ST(0), pop
 *   D9 F9  FYL2XP1    ST(1) = ST(1) * log2 (ST(0) + 1), pop
 * </pre>
 * The values are computed by {@link Transcendental}: correctly rounded from a ~136-bit result
 * (the hardware is within one ulp of that, so results may differ from a given CPU in the last
 * bit, and PE/C1 with them). The argument reduction of the trigonometric instructions uses the
 * hardware's 66-bit pi. Precision control does not apply.
 */
final class X87Transcendental {
    private X87Transcendental() {}

    static void register(OpcodeTable t) {
        t.row("D9 /7 reg rm6", "fsin", (c, i) -> trig(c, i, 0));
        t.row("D9 /7 reg rm7", "fcos", (c, i) -> trig(c, i, 1));
        t.row("D9 /7 reg rm3", "fsincos", (c, i) -> trig(c, i, 2));
        t.row("D9 /6 reg rm2", "fptan", (c, i) -> trig(c, i, 3));
        t.row("D9 /6 reg rm3", "fpatan", (c, i) -> binary(c, i, 0));
        t.row("D9 /6 reg rm1", "fyl2x", (c, i) -> binary(c, i, 1));
        t.row("D9 /7 reg rm1", "fyl2xp1", (c, i) -> binary(c, i, 2));
        t.row("D9 /6 reg rm0", "f2xm1", X87Transcendental::f2xm1);
    }

    private static void trig(Cpu c, Insn i, int kind) {
        CpuState s = c.state;
        F80 f = X87.enter(c, i);
        boolean pushes = kind >= 2;
        long[] second = new long[2];
        boolean full = pushes && (s.fpuTags >>> ((X87.top(s) - 1) & 7) & 1) != 0;
        if (X87.empty(s, 0) || full) {
            if (X87.empty(s, 0)) X87.underflow(f); else X87.overflow(f);
            second[0] = F80.INDEF_SE;
            second[1] = F80.INDEF_M;
        } else if (Transcendental.trig(f, kind, X87.se(s, 0), X87.m(s, 0), second) == Transcendental.OUT_OF_RANGE) {
            s.fpuStatus = (s.fpuStatus & ~F80.C1) | F80.C2;
            return;
        }
        if (F80.isNaN(f.se, f.m) && pushes) { // a NaN operand gives the NaN in both registers
            second[0] = f.se;
            second[1] = f.m;
        }
        if (!X87.commit(c, i, f)) return;
        s.fpuStatus &= ~F80.C2;
        X87.write(s, 0, f.se, f.m);
        if (pushes) X87.push(s, (int) second[0], second[1]);
    }

    private static void binary(Cpu c, Insn i, int kind) {
        CpuState s = c.state;
        F80 f = X87.enter(c, i);
        if (X87.empty(s, 0) || X87.empty(s, 1)) {
            X87.underflow(f);
        } else {
            int xSe = X87.se(s, 0), ySe = X87.se(s, 1);
            long xM = X87.m(s, 0), yM = X87.m(s, 1);
            switch (kind) {
                case 0 -> Transcendental.atan2(f, ySe, yM, xSe, xM);
                case 1 -> Transcendental.fyl2x(f, ySe, yM, xSe, xM);
                default -> Transcendental.fyl2xp1(f, ySe, yM, xSe, xM);
            }
        }
        if (!X87.commit(c, i, f)) return;
        X87.write(s, 1, f.se, f.m);
        X87.pop(s);
    }

    private static void f2xm1(Cpu c, Insn i) {
        CpuState s = c.state;
        F80 f = X87.enter(c, i);
        if (X87.empty(s, 0)) X87.underflow(f); else Transcendental.f2xm1(f, X87.se(s, 0), X87.m(s, 0));
        if (X87.commit(c, i, f)) X87.write(s, 0, f.se, f.m);
    }
}
