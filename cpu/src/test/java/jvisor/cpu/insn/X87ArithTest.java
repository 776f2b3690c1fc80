package jvisor.cpu.insn;

import static jvisor.cpu.insn.X87TestSupport.EDGE;
import static jvisor.cpu.insn.X87TestSupport.assertSameAsHost;
import static jvisor.cpu.insn.X87TestSupport.cw;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import jvisor.cpu.insn.X87TestSupport.Case;
import jvisor.cpu.insn.X87TestSupport.X;

/**
 * FADD/FSUB/FSUBR/FMUL/FDIV/FDIVR in every form, FCHS, FABS, FSQRT, FRNDINT, FSCALE, FXTRACT,
 * FPREM, FPREM1 against the host CPU: edge operands x every precision control x every rounding
 * control, random operands, unmasked exceptions and stack faults.
 */
class X87ArithTest {
    /** D8 register forms: op = ModRM.reg (0 add, 1 mul, 4 sub, 5 subr, 6 div, 7 divr). */
    static final int[] OPS = {0, 1, 4, 5, 6, 7};

    static String enc(int first, int op, int i) {
        return String.format(".byte 0x%02x,0x%02x", first, 0xC0 | op << 3 | i);
    }

    /** A case with ST(0) = a, ST(1) = b and the other registers partly filled. */
    static Case two(String asm, X a, X b, int control, int top) {
        Case c = new Case(asm).cw(control).top(top).st(0, a).st(1, b);
        c.sw(0x4700 & (a.hashCode() * 31 + b.hashCode() + control) * 0x9E3779B9); // some condition codes set beforehand
        c.st(3, X87TestSupport.d(7.25));
        return c;
    }

    @Test
    void registerFormsEveryModeAndEdge() {
        for (int op : OPS) {
            List<Case> cases = new ArrayList<>();
            for (X a : EDGE) {
                for (X b : EDGE) {
                    for (int pc = 0; pc < 4; pc++) {
                        for (int rc = 0; rc < 4; rc++) cases.add(two(enc(0xD8, op, 1), a, b, cw(pc, rc), (pc + rc) & 7));
                    }
                }
            }
            assertSameAsHost(cases);
        }
    }

    /** A core of EDGE for the forms whose every operand pair is run in all sixteen modes. */
    static final X[] CORE = pick(0, 1, 2, 3, 5, 6, 7, 9, 10, 11, 15, 16, 17, 19, 20, 22, 23, 25, 26, 27, 28, 29, 30, 31, 33, 34);

    static X[] pick(int... idx) {
        X[] r = new X[idx.length];
        for (int k = 0; k < idx.length; k++) r[k] = EDGE[idx[k]];
        return r;
    }

    @Test
    void otherRegisterEncodingsEveryMode() {
        Random r = new Random(11);
        for (int first : new int[] {0xD8, 0xDC, 0xDE}) {
            List<Case> cases = new ArrayList<>();
            for (int op : OPS) {
                int i = first == 0xD8 ? 2 : first == 0xDC ? 1 : 3;
                for (X a : CORE) {
                    for (X b : CORE) {
                        for (int pc = 0; pc < 4; pc++) {
                            for (int rc = 0; rc < 4; rc++) {
                                Case c = new Case(enc(first, op, i)).cw(cw(pc, rc)).top(r.nextInt(8)).st(0, a).st(i, b);
                                c.sw(0x4700 & r.nextInt());
                                cases.add(c);
                            }
                        }
                    }
                }
                for (int k : new int[] {0, 7}) { // ST(0) with itself, and ST(7)
                    for (int n = 0; n < 200; n++) {
                        Case c = new Case(enc(first, op, k)).cw(cw(r.nextInt(4), r.nextInt(4))).top(r.nextInt(8));
                        c.st(0, X87TestSupport.random(r)).st(k == 0 ? 0 : 7, X87TestSupport.random(r));
                        cases.add(c);
                    }
                }
            }
            assertSameAsHost(cases);
        }
    }

    @Test
    void randomOperandsEveryMode() {
        Random r = new Random(12);
        List<Case> cases = new ArrayList<>();
        for (int k = 0; k < 60000; k++) {
            int op = OPS[r.nextInt(OPS.length)];
            cases.add(two(enc(0xD8, op, 1), X87TestSupport.random(r), X87TestSupport.random(r), cw(r.nextInt(4), r.nextInt(4)), r.nextInt(8)));
        }
        assertSameAsHost(cases);
    }

    @Test
    void memoryOperandsEveryMode() {
        Random r = new Random(13);
        String[] names = {"fadd", "fmul", "", "", "fsub", "fsubr", "fdiv", "fdivr"};
        long[] i32 = {0, 1, -1 & 0xFFFFFFFFL, 2, 3, 7, 0x7FFFFFFF, 0x80000000L, 1000000007, 0xFFFFCFC7L, 0x10000, 0x40000000};
        long[] i16 = {0, 1, 0xFFFF, 2, 3, 7, 0x7FFF, 0x8000, 10007, 0xCFC7, 0x100, 0x4000};
        for (int kind = 0; kind < 4; kind++) {
            List<Case> cases = new ArrayList<>();
            for (int op : OPS) {
                String insn = switch (kind) {
                    case 0 -> names[op] + "s 8(%rsi)";
                    case 1 -> names[op] + "l 8(%rsi)";
                    case 2 -> "fi" + names[op].substring(1) + "l 8(%rsi)";
                    default -> "fi" + names[op].substring(1) + "s 8(%rsi)";
                };
                int n = kind == 0 ? SseTestSupport.FLOATS.length : kind == 1 ? SseTestSupport.DOUBLES.length : 12;
                for (X a : CORE) {
                    for (int j = 0; j < n; j++) {
                        long v = switch (kind) {
                            case 0 -> SseTestSupport.FLOATS[j] & 0xFFFFFFFFL;
                            case 1 -> SseTestSupport.DOUBLES[j];
                            case 2 -> i32[j];
                            default -> i16[j];
                        };
                        for (int pc = 0; pc < 4; pc++) {
                            for (int rc = 0; rc < 4; rc++) {
                                if (kind < 2 && r.nextInt(3) != 0) continue; // a third of the float/double pairs per mode
                                Case c = new Case(insn).cw(cw(pc, rc)).top(r.nextInt(8)).st(0, a).memLong(8, v).sw(0x4700 & r.nextInt());
                                cases.add(c);
                            }
                        }
                    }
                }
            }
            assertSameAsHost(cases);
        }
    }

    @Test
    void unmaskedExceptionsAndStackFaults() {
        Random r = new Random(14);
        List<Case> cases = new ArrayList<>();
        for (int k = 0; k < 20000; k++) {
            int op = OPS[r.nextInt(OPS.length)];
            int masks = r.nextInt(64);
            int control = cw(r.nextInt(4), r.nextInt(4)) & ~0x3F | masks;
            boolean mem = r.nextInt(4) == 0;
            String asm = mem ? new String[] {"fadds", "fmuls", "", "", "fsubs", "fsubrs", "fdivs", "fdivrs"}[op] + " (%rsi)"
                    : enc(r.nextBoolean() ? 0xD8 : r.nextBoolean() ? 0xDC : 0xDE, op, 1);
            Case c = new Case(asm).cw(control).top(r.nextInt(8));
            if (r.nextInt(8) != 0) c.st(0, X87TestSupport.random(r));
            if (r.nextInt(8) != 0) c.st(1, X87TestSupport.random(r));
            c.memLong(0, SseTestSupport.randomFloat(r) & 0xFFFFFFFFL);
            c.sw(r.nextInt(4) == 0 ? r.nextInt(64) & masks | 0x4700 & r.nextInt() : 0); // flags already set only where masked
            cases.add(c);
        }
        assertSameAsHost(cases);
    }

    @Test
    void unaryOperations() {
        Random r = new Random(15);
        String[] insns = {"fchs", "fabs", "fsqrt", "frndint"};
        List<Case> cases = new ArrayList<>();
        for (String insn : insns) {
            for (X a : EDGE) {
                for (int pc = 0; pc < 4; pc++) {
                    for (int rc = 0; rc < 4; rc++) cases.add(new Case(insn).cw(cw(pc, rc)).top(pc + 2 * rc).st(0, a).sw(0x4700 & r.nextInt()));
                }
            }
            for (int k = 0; k < 5000; k++) {
                Case c = new Case(insn).cw(cw(r.nextInt(4), r.nextInt(4)) & ~0x3F | (r.nextInt(3) == 0 ? r.nextInt(64) : 0x3F));
                c.top(r.nextInt(8));
                if (r.nextInt(20) != 0) c.st(0, X87TestSupport.random(r));
                cases.add(c);
            }
        }
        assertSameAsHost(cases);
    }

    @Test
    void scaleExtractRemainder() {
        Random r = new Random(16);
        String[] insns = {"fscale", "fxtract", "fprem", "fprem1"};
        List<Case> cases = new ArrayList<>();
        X[] scales = {X87TestSupport.d(0), X87TestSupport.d(1), X87TestSupport.d(-1), X87TestSupport.d(2.5), X87TestSupport.d(-2.5),
            X87TestSupport.d(100), X87TestSupport.d(-16400), X87TestSupport.d(16400), X87TestSupport.d(0.75), X87TestSupport.d(40000),
            X87TestSupport.d(-40000), X87TestSupport.d(1e30), X87TestSupport.d(-63), X87TestSupport.d(64)};
        for (String insn : insns) {
            for (X a : EDGE) {
                for (X b : insn.equals("fscale") ? concat(EDGE, scales) : EDGE) {
                    for (int rc = 0; rc < 4; rc++) {
                        cases.add(new Case(insn).cw(cw(r.nextInt(4), rc)).top(r.nextInt(8)).st(0, a).st(1, b).sw(0x4700 & r.nextInt()));
                    }
                }
            }
            for (int k = 0; k < 6000; k++) {
                X a = X87TestSupport.random(r);
                X b = insn.equals("fscale") ? X87TestSupport.d(r.nextInt(200) - 100 + r.nextDouble()) : X87TestSupport.random(r);
                if (insn.startsWith("fprem") && r.nextBoolean()) {
                    // exponent differences around 64 and the quotient bits
                    b = X87TestSupport.x((b.se() & 0x8000) | Math.max(1, (a.se() & 0x7FFF) - r.nextInt(140)), b.m() | 1L << 63);
                }
                Case c = new Case(insn).cw(cw(r.nextInt(4), r.nextInt(4)) & ~0x3F | (r.nextInt(4) == 0 ? r.nextInt(64) : 0x3F));
                c.top(r.nextInt(8)).st(0, a).st(1, b).sw(0x4700 & r.nextInt());
                if (r.nextInt(30) == 0) c.valid[1] = false;
                if (r.nextInt(30) == 0) c.st(7, a);
                cases.add(c);
            }
        }
        assertSameAsHost(cases);
    }

    static X[] concat(X[] a, X[] b) {
        X[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
