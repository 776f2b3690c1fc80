package jvisor.cpu.insn;

import static jvisor.cpu.insn.SseTestSupport.assertSameAsHost;
import static jvisor.cpu.insn.SseTestSupport.randomDouble;
import static jvisor.cpu.insn.SseTestSupport.randomMxcsr;
import static jvisor.cpu.insn.SseTestSupport.randomPackedFloats;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import jvisor.cpu.insn.SseTestSupport.Case;

/**
 * SSE floating-point arithmetic against the host CPU: random and edge operands (zeros, denormals,
 * infinities, SNaN/QNaN with payloads, overflowing and underflowing results) under every rounding
 * mode, FTZ, DAZ, preset flags and unmasked exceptions (#XM).
 */
class SseFloatTest {
    static final int N = Integer.getInteger("sse.cases", 400);

    static int mxcsr(Random r) {
        return switch (r.nextInt(6)) {
            case 0 -> 0x1F80;
            case 1 -> 0x1FBF;
            default -> randomMxcsr(r);
        };
    }

    static List<Case> cases(String asm, boolean single, int n, long seed) {
        Random r = new Random(seed ^ asm.hashCode());
        List<Case> cases = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            Case c = new Case(asm);
            for (int x = 0; x < 4; x++) {
                if (single) c.xmm(x, randomPackedFloats(r), randomPackedFloats(r));
                else c.xmm(x, randomDouble(r), randomDouble(r));
            }
            if (r.nextInt(3) == 0) {
                // Related operands: cancellation, equal values, halfway cases.
                if (single) {
                    c.xmm[2] = c.xmm[0] ^ (r.nextInt(4) == 0 ? 0x8000000080000000L : r.nextInt(16));
                    c.xmm[3] = c.xmm[1] + r.nextInt(3) - 1;
                } else {
                    c.xmm[2] = c.xmm[0] ^ (r.nextInt(4) == 0 ? 1L << 63 : r.nextInt(16));
                    c.xmm[3] = c.xmm[1] + r.nextInt(3) - 1;
                }
            }
            for (int q = 0; q < 8; q++) {
                c.mem(8 * q, single ? randomPackedFloats(r) : randomDouble(r));
            }
            c.mxcsr = mxcsr(r);
            c.flags = r.nextLong() & jvisor.cpu.Flags.STATUS;
            cases.add(c);
        }
        return cases;
    }

    static void check(boolean single, String... asms) {
        List<Case> all = new ArrayList<>();
        for (String a : asms) all.addAll(cases(a, single, N, Long.getLong("sse.seed", 42)));
        assertSameAsHost(all);
    }

    @Test
    void scalarDouble() {
        check(false, "addsd %xmm1,%xmm0", "subsd %xmm1,%xmm0", "mulsd %xmm1,%xmm0", "divsd %xmm1,%xmm0",
                "minsd %xmm1,%xmm0", "maxsd %xmm1,%xmm0", "sqrtsd %xmm1,%xmm0", "addsd %xmm2,%xmm0", "subsd %xmm2,%xmm0",
                "subsd %xmm3,%xmm1", "divsd %xmm3,%xmm1", "mulsd %xmm3,%xmm1", "addsd 8(%rsi),%xmm0", "divsd (%rsi),%xmm3");
    }

    @Test
    void scalarSingle() {
        check(true, "addss %xmm1,%xmm0", "subss %xmm1,%xmm0", "mulss %xmm1,%xmm0", "divss %xmm1,%xmm0",
                "minss %xmm1,%xmm0", "maxss %xmm1,%xmm0", "sqrtss %xmm1,%xmm0", "addss %xmm2,%xmm0", "subss %xmm2,%xmm0",
                "subss %xmm3,%xmm1", "divss %xmm3,%xmm1", "mulss %xmm3,%xmm1", "mulss 4(%rsi),%xmm2", "sqrtss 12(%rsi),%xmm3");
    }

    @Test
    void packed() {
        check(false, "addpd %xmm1,%xmm0", "subpd %xmm1,%xmm0", "mulpd %xmm1,%xmm0", "divpd %xmm1,%xmm0",
                "minpd %xmm1,%xmm0", "maxpd %xmm1,%xmm0", "sqrtpd %xmm1,%xmm0", "subpd %xmm2,%xmm0", "addpd 16(%rsi),%xmm0");
        check(true, "addps %xmm1,%xmm0", "subps %xmm1,%xmm0", "mulps %xmm1,%xmm0", "divps %xmm1,%xmm0",
                "minps %xmm1,%xmm0", "maxps %xmm1,%xmm0", "sqrtps %xmm1,%xmm0", "subps %xmm2,%xmm0", "mulps 32(%rsi),%xmm1");
    }

    @Test
    void compares() {
        List<String> d = new ArrayList<>(), s = new ArrayList<>();
        for (int p = 0; p < 8; p++) {
            d.add("cmpsd $" + p + ",%xmm1,%xmm0");
            d.add("cmppd $" + p + ",%xmm1,%xmm0");
            s.add("cmpss $" + p + ",%xmm1,%xmm0");
            s.add("cmpps $" + p + ",%xmm1,%xmm0");
        }
        d.add("cmppd $2,%xmm2,%xmm0");
        d.add("cmpsd $13,%xmm1,%xmm0"); // legacy SSE encodings use only imm8[2:0]
        s.add("cmpps $0xfa,%xmm1,%xmm0");
        s.add("cmpps $0,%xmm2,%xmm0");
        d.add("comisd %xmm1,%xmm0");
        d.add("ucomisd %xmm1,%xmm0");
        d.add("ucomisd %xmm2,%xmm0");
        d.add("comisd 8(%rsi),%xmm0");
        s.add("comiss %xmm1,%xmm0");
        s.add("ucomiss %xmm1,%xmm0");
        s.add("ucomiss %xmm2,%xmm0");
        s.add("ucomiss 4(%rsi),%xmm0");
        check(false, d.toArray(String[]::new));
        check(true, s.toArray(String[]::new));
    }

    /**
     * Results right at the underflow and overflow thresholds, where tininess is detected after
     * rounding and the rounding mode decides between the largest finite value and infinity.
     */
    @Test
    void thresholds() {
        List<Case> cases = new ArrayList<>();
        long[] da = {0x0010000000000000L, 0x000FFFFFFFFFFFFFL, 0x0010000000000001L, 0x7FEFFFFFFFFFFFFFL, 0x7FE0000000000000L,
            0x0020000000000000L, 0x001FFFFFFFFFFFFFL};
        long[] db = {0x3FF0000000000000L, 0x3FEFFFFFFFFFFFFFL, 0x3FF0000000000001L, 0x3FE0000000000000L, 0x3FDFFFFFFFFFFFFFL,
            0x3FE0000000000001L, 0x4000000000000000L, 0x3FFFFFFFFFFFFFFFL};
        int[] fa = {0x00800000, 0x007FFFFF, 0x00800001, 0x7F7FFFFF, 0x7F000000, 0x01000000, 0x00FFFFFF};
        int[] fb = {0x3F800000, 0x3F7FFFFF, 0x3F800001, 0x3F000000, 0x3EFFFFFF, 0x3F000001, 0x40000000, 0x3FFFFFFF};
        String[] dops = {"mulsd %xmm1,%xmm0", "divsd %xmm1,%xmm0", "addsd %xmm1,%xmm0", "subsd %xmm1,%xmm0"};
        String[] sops = {"mulss %xmm1,%xmm0", "divss %xmm1,%xmm0", "addss %xmm1,%xmm0", "subss %xmm1,%xmm0"};
        int[] modes = {0x1F80, 0x3F80, 0x5F80, 0x7F80, 0x9F80, 0x1780, 0x1380, 0x7780, 0xDF80};
        for (int m : modes) {
            for (long a : da) {
                for (long b : db) {
                    for (String op : dops) {
                        long bb = op.startsWith("add") || op.startsWith("sub") ? b - 0x3FF0000000000000L + (a & 0x7FF0000000000000L) : b;
                        Case c = new Case(op).xmm(0, a, 0).xmm(1, bb, 0);
                        c.mxcsr = m;
                        cases.add(c);
                        Case n = new Case(op).xmm(0, a ^ 1L << 63, 0).xmm(1, bb, 0);
                        n.mxcsr = m;
                        cases.add(n);
                    }
                }
            }
            for (int a : fa) {
                for (int b : fb) {
                    for (String op : sops) {
                        int bb = op.startsWith("add") || op.startsWith("sub") ? b - 0x3F800000 + (a & 0x7F800000) : b;
                        Case c = new Case(op).xmm(0, a & 0xFFFFFFFFL, 0).xmm(1, bb & 0xFFFFFFFFL, 0);
                        c.mxcsr = m;
                        cases.add(c);
                        Case n = new Case(op).xmm(0, (a ^ 0x80000000) & 0xFFFFFFFFL, 0).xmm(1, bb & 0xFFFFFFFFL, 0);
                        n.mxcsr = m;
                        cases.add(n);
                    }
                }
            }
            for (long a : da) {
                for (String op : new String[] {"cvtsd2ss %xmm1,%xmm0"}) {
                    long[] near = {0x380FFFFFE0000000L, 0x380FFFFFF0000000L, 0x380FFFFFD0000000L, 0x3810000000000000L,
                        0x47EFFFFFE0000000L, 0x47EFFFFFF0000000L, 0x47EFFFFFEFFFFFFFL, 0x47F0000000000000L, 0x36A0000000000000L,
                        0x3690000000000000L, 0x3690000000000001L, a};
                    for (long v : near) {
                        Case c = new Case(op).xmm(1, v, 0);
                        c.mxcsr = m;
                        cases.add(c);
                    }
                }
            }
        }
        assertSameAsHost(cases);
    }

    @Test
    void logicAndShuffles() {
        List<String> a = new ArrayList<>(List.of("andps %xmm1,%xmm0", "andnps %xmm1,%xmm0", "orps %xmm1,%xmm0",
                "xorps %xmm1,%xmm0", "andpd %xmm1,%xmm0", "andnpd %xmm1,%xmm0", "orpd %xmm1,%xmm0", "xorpd %xmm1,%xmm0",
                "xorps %xmm0,%xmm0", "andpd (%rsi),%xmm2", "unpcklps %xmm1,%xmm0", "unpckhps %xmm1,%xmm0",
                "unpcklpd %xmm1,%xmm0", "unpckhpd %xmm1,%xmm0", "unpcklps 16(%rsi),%xmm3", "unpckhpd (%rsi),%xmm0",
                "shufpd $0,%xmm1,%xmm0", "shufpd $1,%xmm1,%xmm0", "shufpd $2,%xmm1,%xmm0", "shufpd $3,%xmm1,%xmm0",
                "shufpd $1,%xmm0,%xmm0", "shufpd $2,(%rsi),%xmm1"));
        for (int imm : new int[] {0, 0x1B, 0x4E, 0xB1, 0xE4, 0xFF, 0x93, 0x39}) {
            a.add("shufps $" + imm + ",%xmm1,%xmm0");
        }
        a.add("shufps $0x8d,%xmm0,%xmm0");
        a.add("shufps $0x72,32(%rsi),%xmm1");
        List<Case> cases = new ArrayList<>();
        for (String s : a) cases.addAll(cases(s, true, 20, 7));
        assertSameAsHost(cases);
    }

    @Test
    void misalignedPackedOperandsFault() {
        List<Case> cases = new ArrayList<>();
        for (String s : new String[] {"addps (%rsi),%xmm0", "mulpd (%rsi),%xmm0", "andpd (%rsi),%xmm0",
                "cmpps $1,(%rsi),%xmm0", "shufps $3,(%rsi),%xmm0", "unpcklpd (%rsi),%xmm0", "sqrtpd (%rsi),%xmm0",
                "addsd (%rsi),%xmm0", "ucomiss (%rsi),%xmm0", "minss (%rsi),%xmm0"}) {
            for (int off : new int[] {0, 1, 4, 8, 12}) {
                Case c = cases(s, s.contains("ps") || s.contains("ss"), 1, off).get(0);
                c.memOffset = off;
                c.mxcsr = 0x1F80;
                cases.add(c);
            }
        }
        assertSameAsHost(cases);
    }

    /** Known values, independent of the host (so something is checked where the oracle cannot run). */
    @Test
    void knownResults() {
        jvisor.cpu.CpuState s = new jvisor.cpu.CpuState();
        long one = Double.doubleToRawLongBits(1.0), third = Double.doubleToRawLongBits(1.0 / 3);
        long r = SseMath.div(s, one, Double.doubleToRawLongBits(3.0), SseMath.DOUBLE);
        SseMath.commit(s);
        assertEquals(third, r);
        assertEquals(0x1FA0, s.mxcsr);
        s.mxcsr = 0x3F80; // round down
        assertEquals(third, SseMath.div(s, one, Double.doubleToRawLongBits(3.0), SseMath.DOUBLE));
        s.mxcsr = 0x5F80; // round up
        assertEquals(third + 1, SseMath.div(s, one, Double.doubleToRawLongBits(3.0), SseMath.DOUBLE));
        SseMath.commit(s);
        // SNaN + 1: the quieted SNaN, IE; QNaN first operand wins over the second.
        s.mxcsr = 0x1F80;
        assertEquals(0x7FF8000000000001L, SseMath.addD(s, 0x7FF0000000000001L, one, false));
        SseMath.commit(s);
        assertEquals(0x1F81, s.mxcsr);
        assertEquals(0xFFF8000000000002L, SseMath.addD(s, 0xFFF8000000000002L, 0x7FF0000000000001L, false));
        // inf - inf: default NaN
        assertEquals(SseMath.QNAN_D, SseMath.addD(s, 0x7FF0000000000000L, 0x7FF0000000000000L, true));
        SseMath.commit(s);
        // Integer indefinite.
        assertEquals(0x80000000L, SseMath.toInt(s, Double.doubleToRawLongBits(3e9), SseMath.DOUBLE, false, true));
        assertEquals(Long.MIN_VALUE, SseMath.toInt(s, SseMath.QNAN_D, SseMath.DOUBLE, true, false));
        SseMath.commit(s);
        // Unmasked divide-by-zero raises #XM and keeps ZE.
        s.mxcsr = 0x1F80 & ~(SseMath.ZE << 7);
        SseMath.divD(s, one, 0);
        try {
            SseMath.commit(s);
            throw new AssertionError("no #XM");
        } catch (jvisor.cpu.CpuFault f) {
            assertEquals(jvisor.cpu.CpuFault.XM, f.vector);
        }
        assertTrue((s.mxcsr & SseMath.ZE) != 0);
    }

    @Test
    void reciprocalApproximationsStayWithinTheArchitecturalBound() {
        Random r = new Random(5);
        for (int k = 0; k < 10000; k++) {
            float x = Float.intBitsToFloat((r.nextInt() & 0x807FFFFF) | (1 + r.nextInt(252)) << 23);
            float rc = Float.intBitsToFloat((int) SseMath.rcp(Float.floatToRawIntBits(x) & 0xFFFFFFFFL));
            double exact = 1.0 / x;
            if (Math.abs(exact) >= 0x1p-126) assertTrue(Math.abs(rc - exact) <= 1.5 * 0x1p-12 * Math.abs(exact), x + " " + rc);
            if (x > 0) {
                float rs = Float.intBitsToFloat((int) SseMath.rsqrt(Float.floatToRawIntBits(x) & 0xFFFFFFFFL));
                double e = 1.0 / Math.sqrt(x);
                assertTrue(Math.abs(rs - e) <= 1.5 * 0x1p-12 * e, x + " " + rs);
            }
        }
        assertEquals(0x7F800000L, SseMath.rcp(0));
        assertEquals(0xFF800000L, SseMath.rcp(0x80000001L));
        assertEquals(0L, SseMath.rcp(0x7F800000L));
        assertEquals(0xFFC00000L, SseMath.rsqrt(0xBF800000L));
        assertEquals(0x7FC01234L, SseMath.rsqrt(0x7F801234L));
    }

    @Test
    void reciprocalSpecialsMatchHost() {
        // Zeros, denormals, infinities and NaNs (and negative values for RSQRT) have exact architectural results.
        List<Case> cases = new ArrayList<>();
        int[] specials = {0, 0x80000000, 1, 0x807FFFFF, 0x7F800000, 0xFF800000, 0x7FC01234, 0xFF800001};
        for (String s : new String[] {"rcpss %xmm1,%xmm0", "rsqrtss %xmm1,%xmm0", "rcpps %xmm1,%xmm0", "rsqrtps %xmm1,%xmm0"}) {
            for (int k = 0; k < specials.length; k++) {
                int a = specials[k], b = specials[(k + 1) % specials.length];
                int c2 = specials[(k + 2) % specials.length], d = s.contains("rsqrt") ? 0xBF800000 : specials[(k + 3) % specials.length];
                Case c = new Case(s).xmm(1, (a & 0xFFFFFFFFL) | (long) b << 32, (c2 & 0xFFFFFFFFL) | (long) d << 32);
                c.xmm(0, 0x1234567890ABCDEFL, 0x0FEDCBA987654321L);
                cases.add(c);
            }
        }
        assertSameAsHost(cases);
    }
}
