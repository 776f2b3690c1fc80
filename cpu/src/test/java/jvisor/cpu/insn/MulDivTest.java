package jvisor.cpu.insn;

import static jvisor.cpu.CpuTestSupport.DATA;
import static jvisor.cpu.CpuTestSupport.assertMatchesHost;
import static jvisor.cpu.CpuTestSupport.emulate;
import static jvisor.cpu.CpuTestSupport.hostAvailable;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import jvisor.cpu.CpuFault;
import jvisor.cpu.CpuTestSupport;
import jvisor.cpu.CpuTestSupport.Case;
import jvisor.cpu.CpuTestSupport.Result;
import jvisor.cpu.Flags;
import jvisor.cpu.Reg;

/** MUL, IMUL, DIV, IDIV: differential sweeps against the host, #DE cases, and the 128/64 division. */
class MulDivTest {
    static final char[] SUFFIX = {'b', 'w', 'l', 'q'};
    static final String[] RBX = {"%bl", "%bx", "%ebx", "%rbx"};
    static final String[] RAX = {"%al", "%ax", "%eax", "%rax"};
    static final long ALL = Flags.STATUS;

    static final long[] EDGES = {0, 1, 2, 3, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0x7FFF_FFFFL, 0x8000_0000L, 0xFFFF_FFFFL,
            Long.MAX_VALUE, Long.MIN_VALUE, -1L, -2L, 0x1234_5678_9ABC_DEF1L, 0x1_0000_0000L, 0xFEDC_BA98_7654_3211L, 0xC1, 0x41};

    static long[] withRandom(long[] base, int extra, long seed) {
        Random rnd = new Random(seed);
        long[] v = java.util.Arrays.copyOf(base, base.length + extra);
        for (int k = base.length; k < v.length; k++) {
            v[k] = switch (k % 4) {
                case 0 -> rnd.nextLong();
                case 1 -> rnd.nextInt();
                case 2 -> (short) rnd.nextInt();
                default -> (byte) rnd.nextInt();
            };
        }
        return v;
    }

    @Test
    void multipliesMatchHost() {
        assumeTrue(hostAvailable());
        long[] values = withRandom(EDGES, 4, 1);
        List<Case> cases = new ArrayList<>();
        for (int s = 0; s < 4; s++) {
            String[] asms = s == 0
                    ? new String[] {"mulb %bl", "imulb %bl"}
                    : new String[] {"mul" + SUFFIX[s] + " " + RBX[s], "imul" + SUFFIX[s] + " " + RBX[s],
                            "imul" + SUFFIX[s] + " " + RBX[s] + "," + RAX[s],
                            "imul" + SUFFIX[s] + " $-3," + RBX[s] + "," + RAX[s],
                            "imul" + SUFFIX[s] + " $0x7fff," + RBX[s] + "," + RAX[s],
                            "imul" + SUFFIX[s] + " $-0x8000," + RBX[s] + "," + RAX[s]};
            for (String asm : asms) {
                for (long a : values) {
                    for (long b : values) {
                        cases.add(new Case(asm).set(Reg.RAX, a).set(Reg.RBX, b).set(Reg.RDX, 0x5555_5555_5555_5555L)
                                .flags((a ^ b) % 3 == 0 ? ALL : 0).undefined(Flags.SF | Flags.ZF | Flags.AF | Flags.PF));
                    }
                }
            }
        }
        assertMatchesHost(cases);
    }

    @Test
    void multiplyFormsWithMemoryAndOddRegistersMatchHost() {
        assumeTrue(hostAvailable());
        List<Case> cases = new ArrayList<>();
        String[] asms = {"mulb (%rsi)", "imulb 1(%rsi)", "mulw 2(%rsi)", "imull 4(%rsi)", "mulq 8(%rsi)", "imulq (%rsi)",
                "imul 8(%rsi),%r12", "imul $100,(%rsi),%r13d", "imul $-1,8(%rsi),%r14w", "imulb %ah", "mulb %ch",
                "imul %r9,%r9", "imul $7,%r10,%r10", "mulq %rax", "imulq %rdx"};
        long[][] datas = {{0x8123_4567_89AB_CDEFL, 0xF0E1_D2C3_B4A5_9687L}, {-1L, Long.MIN_VALUE}, {0, 1}};
        for (String asm : asms) {
            for (long[] d : datas) {
                for (long a : new long[] {3, -1L, 0x8000_0000_0000_0000L, 0x1234_5678L}) {
                    cases.add(new Case(asm).set(Reg.RSI, DATA).set(Reg.RAX, a).set(Reg.RCX, 0x8000 | a).set(Reg.RDX, ~a)
                            .set(Reg.R9, a).set(Reg.R10, d[0]).set(Reg.R12, a).data(d).flags(ALL)
                            .undefined(Flags.SF | Flags.ZF | Flags.AF | Flags.PF));
                }
            }
        }
        assertMatchesHost(cases);
    }

    /** True if dividing hi:lo (2*size bytes) by d does not raise #DE. */
    static boolean divides(boolean signed, int size, long hi, long lo, long d) {
        int bits = size * 8;
        BigInteger n, div;
        if (size == 1) {
            n = BigInteger.valueOf(signed ? (short) lo : lo & 0xFFFF);
            div = BigInteger.valueOf(signed ? (byte) d : d & 0xFF);
        } else {
            BigInteger h = signed ? BigInteger.valueOf(Flags.signExtend(hi, size)) : new BigInteger(Long.toUnsignedString(hi & Flags.mask(size)));
            n = h.shiftLeft(bits).or(new BigInteger(Long.toUnsignedString(lo & Flags.mask(size))));
            div = signed ? BigInteger.valueOf(Flags.signExtend(d, size)) : new BigInteger(Long.toUnsignedString(d & Flags.mask(size)));
        }
        if (div.signum() == 0) return false;
        BigInteger q = n.divide(div); // truncates toward zero, like IDIV
        return signed ? q.bitLength() < bits : q.bitLength() <= bits;
    }

    @Test
    void dividesMatchHost() {
        assumeTrue(hostAvailable());
        long[] values = withRandom(EDGES, 6, 2);
        List<Case> cases = new ArrayList<>();
        for (int s = 0; s < 4; s++) {
            for (boolean signed : new boolean[] {false, true}) {
                String asm = (signed ? "idiv" : "div") + SUFFIX[s] + " " + RBX[s];
                for (long hi : new long[] {0, 1, -1L, 0x7F, 0x7FFF_FFFF_FFFF_FFFFL, 0x1234}) {
                    for (long lo : values) {
                        for (long d : values) {
                            // For bytes the dividend is AX: let hi provide AH.
                            long rax = s == 0 ? (lo & ~0xFF00L) | ((hi & 0xFF) << 8) : lo;
                            if (!divides(signed, 1 << s, hi, rax, d)) continue;
                            cases.add(new Case(asm).set(Reg.RAX, rax).set(Reg.RDX, hi).set(Reg.RBX, d)
                                    .flags(((lo ^ d) & 1) == 0 ? ALL : Flags.CF | Flags.ZF).undefined(ALL));
                        }
                    }
                }
            }
        }
        assertTrue(cases.size() > 2000, "enough non-faulting divisions: " + cases.size());
        assertMatchesHost(cases);
    }

    // ------------------------------------------------------------------ hand-checked

    private static Result div(String asm, long rax, long rdx, long rbx) {
        return emulate(new Case(asm).set(Reg.RAX, rax).set(Reg.RDX, rdx).set(Reg.RBX, rbx).flags(Flags.ZF | Flags.SF));
    }

    private static void assertDivideError(String asm, long rax, long rdx, long rbx) {
        Result r = div(asm, rax, rdx, rbx);
        assertTrue(r.faulted(), asm + " should fault");
        assertEquals(CpuFault.DE, r.vector(), asm);
        assertEquals(CpuTestSupport.machine().place(CpuTestSupport.asm(asm)), r.rip(), "RIP stays on the faulting instruction");
        assertEquals(rax, r.reg(Reg.RAX), "RAX unchanged");
        assertEquals(rdx, r.reg(Reg.RDX), "RDX unchanged");
    }

    @Test
    void divideByZeroRaisesDivideError() {
        for (int s = 0; s < 4; s++) {
            assertDivideError("div" + SUFFIX[s] + " " + RBX[s], 100, 0, 0xFFFF_FFFF_0000_0000L & ~Flags.mask(1 << s));
            assertDivideError("idiv" + SUFFIX[s] + " " + RBX[s], 100, 0, 0);
        }
        assertDivideError("divl 0x20000000", 1, 0, 0); // the data area holds zeros
    }

    @Test
    void quotientOverflowRaisesDivideError() {
        assertDivideError("divb %bl", 0x100, 0, 1);
        assertDivideError("divw %bx", 0, 1, 1);
        assertDivideError("divl %ebx", 0, 5, 5);
        assertDivideError("divq %rbx", 0, 7, 7);
        assertDivideError("divq %rbx", 0, -1L, 1);
        // the most negative dividend divided by -1
        assertDivideError("idivb %bl", 0xFF80, 0, 0xFF);
        assertDivideError("idivw %bx", 0x8000, 0xFFFF, 0xFFFF);
        assertDivideError("idivl %ebx", 0x8000_0000L, 0xFFFF_FFFFL, 0xFFFF_FFFFL);
        assertDivideError("idivq %rbx", Long.MIN_VALUE, -1L, -1L);
        // +2^63 does not fit, -2^63 does
        assertDivideError("idivq %rbx", Long.MIN_VALUE, 0, 1);
        Result r = div("idivq %rbx", Long.MIN_VALUE, -1L, 1);
        assertEquals(Long.MIN_VALUE, r.reg(Reg.RAX));
        assertEquals(0, r.reg(Reg.RDX));
        r = div("idivq %rbx", 0, 1, -2); // 2^64 / -2 = -2^63
        assertEquals(Long.MIN_VALUE, r.reg(Reg.RAX));
        assertDivideError("idivq %rbx", 0, 1, 2); // 2^64 / 2 = 2^63: too big
        assertDivideError("idivb %bl", 0x0100, 0, 2); // 256 / 2 = 128
        r = div("idivb %bl", 0xFF00, 0, 2); // -256 / 2 = -128
        assertEquals(0x80, r.reg(Reg.RAX) & 0xFFFF);
    }

    @Test
    void divisionKeepsFlagsAndSplitsQuotientAndRemainder() {
        Result r = div("divq %rbx", 5, 3, 7); // (3 * 2^64 + 5) / 7
        BigInteger n = BigInteger.valueOf(3).shiftLeft(64).add(BigInteger.valueOf(5));
        assertEquals(n.divide(BigInteger.valueOf(7)).longValue(), r.reg(Reg.RAX));
        assertEquals(n.mod(BigInteger.valueOf(7)).longValue(), r.reg(Reg.RDX));
        assertEquals(Flags.ZF | Flags.SF, r.status());
        r = div("idivl %ebx", -7L & 0xFFFF_FFFFL, 0xFFFF_FFFFL, 2); // -7 / 2 = -3 rem -1
        assertEquals(0xFFFF_FFFDL, r.reg(Reg.RAX));
        assertEquals(0xFFFF_FFFFL, r.reg(Reg.RDX));
        r = div("divb %bl", 0xABCD_0000_0000_0107L, 0, 0x10); // AX = 0x0107: AL = 0x10, AH = 7
        assertEquals(0xABCD_0000_0000_0710L, r.reg(Reg.RAX));
    }

    @Test
    void multiplyFlagsFollowIntel() {
        Result r = emulate(new Case("mulb %bl").set(Reg.RAX, 3).set(Reg.RBX, 0x80));
        assertEquals(0x180, r.reg(Reg.RAX) & 0xFFFF);
        assertEquals(Flags.CF | Flags.OF | Flags.SF, r.status());
        r = emulate(new Case("mulq %rbx").set(Reg.RAX, 0).set(Reg.RBX, 5).flags(ALL));
        assertEquals(Flags.PF, r.status(), "ZF stays clear even for a zero product; AF is cleared");
        r = emulate(new Case("imulq %rbx").set(Reg.RAX, -1L).set(Reg.RBX, Long.MIN_VALUE));
        assertEquals(Long.MIN_VALUE, r.reg(Reg.RAX)); // -1 * -2^63 = 2^63: RDX:RAX = 0:2^63
        assertEquals(0, r.reg(Reg.RDX));
        assertEquals(Flags.CF | Flags.OF | Flags.SF | Flags.PF, r.status());
        r = emulate(new Case("imul %rbx,%rax").set(Reg.RAX, 0x1_0000_0000L).set(Reg.RBX, 0x8000_0000L));
        assertEquals(Long.MIN_VALUE, r.reg(Reg.RAX));
        assertEquals(Flags.CF | Flags.OF | Flags.SF | Flags.PF, r.status());
        r = emulate(new Case("imul $-1,%ebx,%eax").set(Reg.RBX, 5));
        assertEquals(0xFFFF_FFFBL, r.reg(Reg.RAX));
        assertEquals(Flags.SF, r.status());
    }

    @Test
    void divideUnsigned128MatchesBigInteger() {
        Random rnd = new Random(3);
        BigInteger two64 = BigInteger.ONE.shiftLeft(64);
        for (int k = 0; k < 60_000; k++) {
            long d = switch (k % 5) {
                case 0 -> rnd.nextLong();
                case 1 -> rnd.nextLong() >>> rnd.nextInt(64);
                case 2 -> 1L << rnd.nextInt(64);
                case 3 -> (1L << rnd.nextInt(64)) - 1;
                default -> rnd.nextLong() | Long.MIN_VALUE;
            };
            if (d == 0) d = 1;
            long hi = rnd.nextLong();
            if (k % 3 == 0) hi = Long.remainderUnsigned(hi, d);
            else if (k % 3 == 1) hi = d - 1;
            else hi = Long.remainderUnsigned(hi >>> rnd.nextInt(64), d);
            long lo = k % 7 == 0 ? -1L : k % 7 == 1 ? 0 : rnd.nextLong();
            BigInteger n = new BigInteger(Long.toUnsignedString(hi)).multiply(two64).add(new BigInteger(Long.toUnsignedString(lo)));
            long expected = n.divide(new BigInteger(Long.toUnsignedString(d))).longValue();
            long h = hi, l = lo, dd = d;
            assertEquals(expected, MulDiv.divideUnsigned128(hi, lo, d),
                    () -> Long.toHexString(h) + ":" + Long.toHexString(l) + " / " + Long.toHexString(dd));
        }
    }
}
