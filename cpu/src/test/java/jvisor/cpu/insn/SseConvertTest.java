package jvisor.cpu.insn;

import static jvisor.cpu.insn.SseTestSupport.assertSameAsHost;
import static jvisor.cpu.insn.SseTestSupport.randomDouble;
import static jvisor.cpu.insn.SseTestSupport.randomFloat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import jvisor.cpu.insn.SseTestSupport.Case;

/** SSE conversions against the host CPU, with operands around every integer range boundary and every rounding mode. */
class SseConvertTest {
    static final int N = Integer.getInteger("sse.cases", 400);

    private static final double[] EDGES = {0, 0.5, 1, 1.5, 2.5, 0x1p31, 0x1p32, 0x1p52, 0x1p53, 0x1p63, 0x1p64, 0x1p24, 0x1p23};

    /** A double near an integer-range edge, with a fractional part now and then. */
    static double nearEdge(Random r) {
        double e = EDGES[r.nextInt(EDGES.length)];
        double v = switch (r.nextInt(5)) {
            case 0 -> e;
            case 1 -> Math.nextUp(e);
            case 2 -> Math.nextDown(e);
            case 3 -> e + (r.nextInt(9) - 4) * 0.25;
            default -> e - 1 + (r.nextInt(5) - 2) * 0.5;
        };
        return r.nextBoolean() ? -v : v;
    }

    static long dbl(Random r) {
        return r.nextInt(3) == 0 ? Double.doubleToRawLongBits(nearEdge(r)) : randomDouble(r);
    }

    static long flt(Random r) {
        return (r.nextInt(3) == 0 ? Float.floatToRawIntBits((float) nearEdge(r)) : randomFloat(r)) & 0xFFFFFFFFL;
    }

    static long integer(Random r) {
        long[] edges = {0, 1, -1, Integer.MAX_VALUE, Integer.MIN_VALUE, Long.MAX_VALUE, Long.MIN_VALUE, (1L << 53) + 1,
            (1L << 24) + 1, 0xFFFFFFFFL, (1L << 62) + 1, -(1L << 55) - 3};
        return switch (r.nextInt(5)) {
            case 0 -> edges[r.nextInt(edges.length)] + r.nextInt(3) - 1;
            case 1 -> r.nextInt();
            case 2 -> r.nextLong() >> r.nextInt(64);
            default -> r.nextLong();
        };
    }

    static List<Case> cases(String asm, boolean single, long seed) {
        Random r = new Random(seed ^ asm.hashCode());
        List<Case> cases = new ArrayList<>();
        for (int k = 0; k < N; k++) {
            Case c = new Case(asm);
            for (int x = 0; x < 4; x++) {
                if (single) c.xmm(x, flt(r) | flt(r) << 32, flt(r) | flt(r) << 32);
                else c.xmm(x, dbl(r), dbl(r));
            }
            c.rax = integer(r);
            c.rcx = integer(r);
            c.rdx = r.nextLong();
            for (int q = 0; q < 8; q++) c.mem(8 * q, single ? flt(r) | flt(r) << 32 : dbl(r));
            if (r.nextInt(4) == 0) c.mem(0, integer(r), integer(r));
            c.mxcsr = SseFloatTest.mxcsr(r);
            cases.add(c);
        }
        return cases;
    }

    static void check(boolean single, String... asms) {
        List<Case> all = new ArrayList<>();
        for (String a : asms) all.addAll(cases(a, single, Long.getLong("sse.seed", 3)));
        assertSameAsHost(all);
    }

    @Test
    void integerToFloat() {
        check(false, "cvtsi2sd %eax,%xmm0", "cvtsi2sd %rax,%xmm0", "cvtsi2ss %eax,%xmm0", "cvtsi2ss %rax,%xmm0",
                "cvtsi2sdl (%rsi),%xmm1", "cvtsi2sdq 8(%rsi),%xmm1", "cvtsi2ssl 4(%rsi),%xmm2", "cvtsi2ssq (%rsi),%xmm2",
                "cvtsi2sd %ecx,%xmm3", "cvtsi2ss %rcx,%xmm3");
    }

    @Test
    void doubleToInteger() {
        check(false, "cvtsd2si %xmm1,%eax", "cvtsd2si %xmm1,%rax", "cvttsd2si %xmm1,%eax", "cvttsd2si %xmm1,%rax",
                "cvtsd2si 8(%rsi),%ecx", "cvttsd2si (%rsi),%rdx", "cvtsd2si %xmm3,%rdx");
    }

    @Test
    void singleToInteger() {
        check(true, "cvtss2si %xmm1,%eax", "cvtss2si %xmm1,%rax", "cvttss2si %xmm1,%eax", "cvttss2si %xmm1,%rax",
                "cvtss2si 4(%rsi),%ecx", "cvttss2si (%rsi),%rdx");
    }

    @Test
    void betweenFormats() {
        check(false, "cvtsd2ss %xmm1,%xmm0", "cvtsd2ss 8(%rsi),%xmm0", "cvtpd2ps %xmm1,%xmm0", "cvtpd2ps (%rsi),%xmm2",
                "cvtpd2dq %xmm1,%xmm0", "cvttpd2dq %xmm1,%xmm0", "cvttpd2dq 16(%rsi),%xmm3");
        check(true, "cvtss2sd %xmm1,%xmm0", "cvtss2sd 4(%rsi),%xmm0", "cvtps2pd %xmm1,%xmm0", "cvtps2pd 8(%rsi),%xmm2",
                "cvtps2dq %xmm1,%xmm0", "cvttps2dq %xmm1,%xmm0", "cvtps2dq (%rsi),%xmm3", "cvtdq2ps %xmm1,%xmm0",
                "cvtdq2ps 32(%rsi),%xmm2", "cvtdq2pd %xmm1,%xmm0", "cvtdq2pd 4(%rsi),%xmm3");
    }

    @Test
    void misalignedOperands() {
        List<Case> cases = new ArrayList<>();
        for (String s : new String[] {"cvtpd2ps (%rsi),%xmm0", "cvtdq2ps (%rsi),%xmm0", "cvttps2dq (%rsi),%xmm0",
                "cvtpd2dq (%rsi),%xmm0", "cvtps2pd (%rsi),%xmm0", "cvtdq2pd (%rsi),%xmm0", "cvtsd2si (%rsi),%eax"}) {
            for (int off : new int[] {0, 4, 8}) {
                Case c = cases(s, false, off).get(0);
                c.memOffset = off;
                c.mxcsr = 0x1F80;
                cases.add(c);
            }
        }
        assertSameAsHost(cases);
    }
}
