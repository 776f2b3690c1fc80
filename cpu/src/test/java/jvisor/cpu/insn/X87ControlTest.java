package jvisor.cpu.insn;

import static jvisor.cpu.insn.X87TestSupport.EDGE;
import static jvisor.cpu.insn.X87TestSupport.assertSameAsHost;
import static jvisor.cpu.insn.X87TestSupport.cw;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import jvisor.cpu.Flags;
import jvisor.cpu.insn.X87TestSupport.Case;

/**
 * FXCH (and aliases), FFREE, FFREEP, FINCSTP, FDECSTP, FCMOVcc, FNOP and the no-op leftovers;
 * the state instructions FNSTENV/FLDENV/FNSAVE/FRSTOR (32- and 16-bit formats), FXSAVE/FXRSTOR
 * (with and without REX.W), FLDCW/FNSTCW/FNSTSW/FNCLEX/FNINIT; and unmasked exceptions
 * delivered as #MF by the next waiting instruction.
 */
class X87ControlTest {
    static Case random(String insn, Random r) {
        Case c = new Case(insn).cw(cw(r.nextInt(4), r.nextInt(4)) & ~0x3F | (r.nextInt(3) == 0 ? r.nextInt(64) : 0x3F));
        c.top(r.nextInt(8)).flags(r.nextLong() & Flags.STATUS).sw(r.nextInt(2) == 0 ? 0x4700 & r.nextInt() : 0);
        for (int i = 0; i < 8; i++) if (r.nextInt(3) != 0) c.st(i, r.nextInt(3) == 0 ? EDGE[r.nextInt(EDGE.length)] : X87TestSupport.random(r));
        c.memLong(0, r.nextLong(), r.nextLong(), r.nextLong(), r.nextLong());
        return c;
    }

    @Test
    void stackControl() {
        Random r = new Random(41);
        List<String> insns = new ArrayList<>();
        for (int i : new int[] {0, 1, 3, 7}) {
            insns.add(String.format(".byte 0xd9,0x%02x", 0xC8 + i)); // fxch
            insns.add(String.format(".byte 0xdd,0x%02x", 0xC8 + i)); // fxch4
            insns.add(String.format(".byte 0xdf,0x%02x", 0xC8 + i)); // fxch7
            insns.add(String.format(".byte 0xdd,0x%02x", 0xC0 + i)); // ffree
            insns.add(String.format(".byte 0xdf,0x%02x", 0xC0 + i)); // ffreep
            for (int cc = 0; cc < 4; cc++) {
                insns.add(String.format(".byte 0xda,0x%02x", 0xC0 + 8 * cc + i)); // fcmovb/e/be/u
                insns.add(String.format(".byte 0xdb,0x%02x", 0xC0 + 8 * cc + i)); // fcmovnb/ne/nbe/nu
            }
        }
        insns.addAll(List.of("fincstp", "fdecstp", "fnop", ".byte 0xdb,0xe0", ".byte 0xdb,0xe1", ".byte 0xdb,0xe4"));
        List<Case> cases = new ArrayList<>();
        for (String insn : insns) for (int k = 0; k < 250; k++) cases.add(random(insn, r));
        assertSameAsHost(cases);
    }

    @Test
    void stateSaveAndRestore() {
        Random r = new Random(42);
        String[] insns = {"fnstenv (%rsi)", "fnstenv 2(%rsi)", "data16 fnstenv (%rsi)", "fnsave (%rsi)", "data16 fnsave 4(%rsi)",
            "fldenv (%rsi)", "data16 fldenv (%rsi)", "frstor (%rsi)", "data16 frstor (%rsi)", "fxsave64 (%rsi)", "fxsave (%rsi)",
            "fnstcw 6(%rsi)", "fnstsw 6(%rsi)", "fnstsw %ax", "fnclex", "fninit", "fldcw 8(%rsi)", "fwait",
            "fnstenv (%rsi); fldenv 32(%rsi)", "fnsave (%rsi); frstor (%rsi)", "fxsave64 (%rsi); fninit; fxrstor64 (%rsi)",
            "fxsave (%rsi); fninit; fxrstor (%rsi)", "fldenv (%rsi); fnstenv 32(%rsi)"};
        List<Case> cases = new ArrayList<>();
        for (String insn : insns) {
            for (int k = 0; k < 300; k++) {
                Case c = random(insn, r);
                if (insn.startsWith("fldenv") || insn.startsWith("data16 fldenv") || insn.startsWith("frstor")
                        || insn.startsWith("data16 frstor")) {
                    // a plausible environment image: control, status, tags, pointers, registers
                    int cwv = 0x0340 | r.nextInt(0x1000) & 0x0F3F | (r.nextBoolean() ? 0x3F : 0);
                    int swv = r.nextInt(0x10000) & ~0x80 & ~0x8000;
                    if ((swv & ~cwv & 0x3F) != 0 && r.nextInt(3) != 0) swv &= ~0x3F; // mostly nothing pending
                    long tw = r.nextInt(0x10000);
                    c.memLong(0, (cwv | 0xFFFF0000L) | (swv | 0xFFFF0000L) << 32, (tw | 0xFFFF0000L) | r.nextLong() << 32,
                            r.nextLong(), r.nextLong() & 0xFFFFFFFF07FF0000L);
                    if (insn.startsWith("data16")) c.memLong(0, cwv | (long) swv << 16 | tw << 32 | (long) r.nextInt(0x10000) << 48,
                            r.nextLong());
                    for (int q = 0; q < 8; q++) {
                        X87TestSupport.X v = X87TestSupport.random(r);
                        int base = (insn.startsWith("data16") ? 14 : 28) + 10 * q;
                        if (base + 10 <= 128) c.memX(base, v);
                    }
                }
                if (insn.startsWith("fldcw")) c.memLong(8, r.nextInt(0x10000));
                if (insn.contains("fx")) c.memOff = 0; // 16-byte aligned buffer
                cases.add(c);
            }
        }
        assertSameAsHost(cases);
    }

    @Test
    void unmaskedExceptionsRaiseMfAtTheNextWaitingInstruction() {
        Random r = new Random(43);
        String[] first = {"fdivs (%rsi)", ".byte 0xd8,0xf1", "fsqrt", "faddl 8(%rsi)", "fmul %st(1),%st", "fists 16(%rsi)",
            "fstps 16(%rsi)", "fldl 8(%rsi)", "fld %st(5)", "fcoms (%rsi)", "fxch %st(3)", "frndint", "fscale", "fprem1"};
        String[] then = {"fwait", "fld1", "fnop", "fnstsw %ax", "fnclex; fwait", "fldcw 24(%rsi)", "fnstenv 32(%rsi); fwait",
            "fninit; fwait", "fxch %st(1)", "fnsave 32(%rsi); fwait", "fincstp", "fldenv 32(%rsi)"};
        List<Case> cases = new ArrayList<>();
        for (String a : first) {
            for (String b : then) {
                for (int k = 0; k < 60; k++) {
                    Case c = random(a + "; " + b, r);
                    c.cw(c.cw & ~0x3F | r.nextInt(64));
                    c.memLong(0, X87TestSupport.d(r.nextInt(5) - 2).m() >>> 40 & 0xFFFFFFFFL, Double.doubleToRawLongBits(r.nextInt(5) - 2 + 1e-300 * r.nextInt(2)),
                            0, 0x037F);
                    cases.add(c);
                }
            }
        }
        assertSameAsHost(cases);
    }
}
