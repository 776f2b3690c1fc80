package jvisor.cpu.insn;

import static jvisor.cpu.insn.SseTestSupport.assertSameAsHost;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import jvisor.cpu.insn.SseTestSupport.Case;

/**
 * SSE3 against the host CPU: the horizontal and alternating add/subtract forms on random and edge
 * operands (zeros, denormals, infinities, SNaN/QNaN with payloads) under every rounding mode,
 * FTZ, DAZ, preset flags and unmasked exceptions; the duplicating moves and LDDQU at every
 * alignment, and the #GP of the aligned forms.
 */
class Sse3Test {
    static final int N = Integer.getInteger("sse.cases", 400);

    static void check(boolean single, int n, String... asms) {
        List<Case> all = new ArrayList<>();
        for (String a : asms) all.addAll(SseFloatTest.cases(a, single, n, Long.getLong("sse.seed", 3)));
        assertSameAsHost(all);
    }

    @Test
    void singleArithmetic() {
        check(true, N, "addsubps %xmm1,%xmm0", "haddps %xmm1,%xmm0", "hsubps %xmm1,%xmm0", "addsubps %xmm2,%xmm0",
                "haddps %xmm2,%xmm0", "hsubps %xmm3,%xmm1", "haddps %xmm0,%xmm0", "hsubps %xmm1,%xmm1",
                "addsubps 16(%rsi),%xmm3", "haddps (%rsi),%xmm2", "hsubps 32(%rsi),%xmm0");
    }

    @Test
    void doubleArithmetic() {
        check(false, N, "addsubpd %xmm1,%xmm0", "haddpd %xmm1,%xmm0", "hsubpd %xmm1,%xmm0", "addsubpd %xmm2,%xmm0",
                "haddpd %xmm2,%xmm0", "hsubpd %xmm3,%xmm1", "haddpd %xmm0,%xmm0", "hsubpd %xmm1,%xmm1",
                "addsubpd 16(%rsi),%xmm3", "haddpd (%rsi),%xmm2", "hsubpd 48(%rsi),%xmm0");
    }

    @Test
    void duplicatingMovesAndLddqu() {
        List<Case> all = new ArrayList<>();
        String[] aligned = {"movshdup %xmm1,%xmm0", "movsldup %xmm1,%xmm0", "movddup %xmm1,%xmm0", "movshdup %xmm0,%xmm0",
            "movsldup %xmm3,%xmm3", "movddup %xmm2,%xmm2", "movshdup (%rsi),%xmm1", "movsldup 16(%rsi),%xmm2"};
        for (String a : aligned) all.addAll(SseFloatTest.cases(a, true, 30, 11));
        // Forms that accept any alignment, and aligned ones that must fault when misaligned.
        String[] any = {"movddup (%rsi),%xmm0", "movddup 8(%rsi),%xmm3", "lddqu (%rsi),%xmm1", "lddqu 16(%rsi),%xmm0",
            "movshdup (%rsi),%xmm0", "movsldup (%rsi),%xmm0", "addsubps (%rsi),%xmm0", "haddpd (%rsi),%xmm1",
            "hsubps (%rsi),%xmm2"};
        for (String a : any) {
            for (int off = 0; off < 16; off++) {
                Case c = SseFloatTest.cases(a, true, 1, off).get(0);
                c.memOffset = off;
                c.mxcsr = 0x1F80;
                all.add(c);
            }
        }
        assertSameAsHost(all);
    }

    /** The register form of LDDQU is undefined, as are MONITOR/MWAIT in user mode here. */
    @Test
    void undefinedForms() {
        List<Case> all = new ArrayList<>();
        for (String a : new String[] {".byte 0xf2,0x0f,0xf0,0xc1", ".byte 0x0f,0x7c,0xc1", ".byte 0xf3,0x0f,0xd0,0xc1"}) {
            all.add(new Case(a));
        }
        assertSameAsHost(all);
    }

    /** Both elements of a pair NaN (distinct payloads): the lower-numbered element is the first operand. */
    @Test
    void nanOperandOrder() {
        java.util.Random r = new java.util.Random(31);
        int[] f = {0x7FC00001, 0xFFC00002, 0x7F800003, 0xFF800004, 0x3F800000, 0x7F800000};
        long[] d = {0x7FF8000000000001L, 0xFFF8000000000002L, 0x7FF0000000000003L, 0xFFF0000000000004L, 0x3FF0000000000000L};
        List<Case> all = new ArrayList<>();
        for (String asm : new String[] {"haddps %xmm1,%xmm0", "hsubps %xmm1,%xmm0", "addsubps %xmm1,%xmm0", "haddpd %xmm1,%xmm0",
                "hsubpd %xmm1,%xmm0", "addsubpd %xmm1,%xmm0"}) {
            boolean single = asm.contains("ps ");
            for (int k = 0; k < 60; k++) {
                Case c = new Case(asm);
                for (int x = 0; x < 2; x++) {
                    if (single) {
                        c.xmm(x, f[r.nextInt(f.length)] & 0xFFFFFFFFL | (long) f[r.nextInt(f.length)] << 32,
                                f[r.nextInt(f.length)] & 0xFFFFFFFFL | (long) f[r.nextInt(f.length)] << 32);
                    } else {
                        c.xmm(x, d[r.nextInt(d.length)], d[r.nextInt(d.length)]);
                    }
                }
                all.add(c);
            }
        }
        assertSameAsHost(all);
    }
}
