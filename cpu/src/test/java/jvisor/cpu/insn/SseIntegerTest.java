package jvisor.cpu.insn;

import static jvisor.cpu.insn.SseTestSupport.assertSameAsHost;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import jvisor.cpu.insn.SseTestSupport.Case;

/** SSE2 packed integer instructions against the host CPU, with lanes biased towards saturation and sign edges. */
class SseIntegerTest {
    static final int N = Integer.getInteger("sse.cases", 400) / 4 + 20;

    /** A quadword whose bytes are often 0, 0x7F, 0x80, 0xFF or equal to the other operand's. */
    static long lanes(Random r) {
        if (r.nextInt(4) == 0) return r.nextLong();
        long v = 0;
        int[] edge = {0x00, 0x01, 0x7F, 0x80, 0xFF, 0xFE, 0x81};
        for (int b = 0; b < 8; b++) {
            int x = r.nextInt(3) == 0 ? r.nextInt(256) : edge[r.nextInt(edge.length)];
            v |= (long) x << (8 * b);
        }
        return v;
    }

    static List<Case> cases(String asm, int n) {
        Random r = new Random(asm.hashCode());
        List<Case> cases = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            Case c = new Case(asm);
            for (int x = 0; x < 4; x++) c.xmm(x, lanes(r), lanes(r));
            if (r.nextInt(3) == 0) {
                // equal or nearly equal bytes in the two operands (compares, string-function patterns)
                c.xmm[2] = c.xmm[0] ^ (r.nextBoolean() ? 0 : 1L << (8 * r.nextInt(8)));
                c.xmm[3] = c.xmm[1];
            }
            for (int q = 0; q < 8; q++) c.mem(8 * q, lanes(r));
            c.rax = r.nextLong();
            c.rcx = r.nextLong();
            c.rdx = r.nextLong();
            cases.add(c);
        }
        return cases;
    }

    static void check(String... asms) {
        List<Case> all = new ArrayList<>();
        for (String a : asms) all.addAll(cases(a, N));
        assertSameAsHost(all);
    }

    @Test
    void arithmetic() {
        List<String> l = new ArrayList<>();
        for (String op : new String[] {"paddb", "paddw", "paddd", "paddq", "psubb", "psubw", "psubd", "psubq", "paddusb",
                "paddusw", "psubusb", "psubusw", "paddsb", "paddsw", "psubsb", "psubsw", "pminub", "pmaxub", "pminsw",
                "pmaxsw", "pavgb", "pavgw", "psadbw", "pmullw", "pmulhw", "pmulhuw", "pmuludq", "pmaddwd"}) {
            l.add(op + " %xmm1,%xmm0");
            l.add(op + " %xmm2,%xmm0");
        }
        l.add("paddq 16(%rsi),%xmm1");
        l.add("psubb (%rsi),%xmm3");
        l.add("pmaddwd 32(%rsi),%xmm0");
        check(l.toArray(String[]::new));
    }

    @Test
    void logicAndCompares() {
        List<String> l = new ArrayList<>();
        for (String op : new String[] {"pand", "pandn", "por", "pxor", "pcmpeqb", "pcmpeqw", "pcmpeqd", "pcmpgtb",
                "pcmpgtw", "pcmpgtd"}) {
            l.add(op + " %xmm1,%xmm0");
            l.add(op + " %xmm2,%xmm0");
        }
        l.add("pxor %xmm0,%xmm0");
        l.add("pcmpeqb %xmm3,%xmm3");
        l.add("pcmpeqb (%rsi),%xmm0");
        l.add("por 48(%rsi),%xmm2");
        check(l.toArray(String[]::new));
    }

    @Test
    void shifts() {
        List<String> l = new ArrayList<>();
        for (String op : new String[] {"psrlw", "psraw", "psllw", "psrld", "psrad", "pslld", "psrlq", "psllq"}) {
            l.add(op + " %xmm1,%xmm0");
            for (int imm : new int[] {0, 1, 7, 15, 16, 31, 32, 63, 64, 200}) l.add(op + " $" + imm + ",%xmm2");
        }
        for (int imm : new int[] {0, 1, 3, 7, 8, 9, 15, 16, 255}) {
            l.add("psrldq $" + imm + ",%xmm1");
            l.add("pslldq $" + imm + ",%xmm1");
        }
        l.add("psrlq (%rsi),%xmm0");
        l.add("psraw 16(%rsi),%xmm0");
        List<Case> all = new ArrayList<>();
        Random r = new Random(9);
        for (String a : l) {
            for (Case c : cases(a, 12)) {
                // Counts in xmm1's low quadword: small, at the lane widths, and huge.
                long[] counts = {0, 1, 5, 15, 16, 17, 31, 32, 33, 63, 64, 65, 1L << 32, -1L, 0x100000001L};
                c.xmm[2] = counts[r.nextInt(counts.length)];
                c.mem(0, counts[r.nextInt(counts.length)]);
                c.mem(16, counts[r.nextInt(counts.length)]);
                all.add(c);
            }
        }
        assertSameAsHost(all);
    }

    @Test
    void shufflesUnpacksPacks() {
        List<String> l = new ArrayList<>();
        for (String op : new String[] {"punpcklbw", "punpcklwd", "punpckldq", "punpcklqdq", "punpckhbw", "punpckhwd",
                "punpckhdq", "punpckhqdq", "packsswb", "packuswb", "packssdw"}) {
            l.add(op + " %xmm1,%xmm0");
            l.add(op + " %xmm0,%xmm0");
        }
        l.add("punpcklbw (%rsi),%xmm2");
        l.add("packuswb 16(%rsi),%xmm2");
        for (int imm : new int[] {0, 0x1B, 0x4E, 0xB1, 0xE4, 0xFF, 0x39, 0x93}) {
            l.add("pshufd $" + imm + ",%xmm1,%xmm0");
            l.add("pshuflw $" + imm + ",%xmm1,%xmm0");
            l.add("pshufhw $" + imm + ",%xmm1,%xmm0");
        }
        l.add("pshufd $0x1b,(%rsi),%xmm3");
        l.add("pshufd $0,%xmm0,%xmm0");
        for (int imm : new int[] {0, 3, 4, 7, 8, 0xFF}) {
            l.add("pinsrw $" + imm + ",%eax,%xmm0");
            l.add("pextrw $" + imm + ",%xmm1,%eax");
        }
        l.add("pinsrw $5,(%rsi),%xmm2");
        l.add("pinsrw $2,%ecx,%xmm3");
        l.add("pextrw $6,%xmm3,%rdx");
        l.add("pmovmskb %xmm1,%eax");
        l.add("pmovmskb %xmm2,%rcx");
        check(l.toArray(String[]::new));
    }

    @Test
    void alignmentAndUnadvertisedForms() {
        List<Case> all = new ArrayList<>();
        for (String s : new String[] {"paddb (%rsi),%xmm0", "pcmpeqb (%rsi),%xmm0", "pshufd $1,(%rsi),%xmm0",
                "punpcklbw (%rsi),%xmm0", "psrlw (%rsi),%xmm0", "pinsrw $1,(%rsi),%xmm0",
                // MMX forms are not advertised: #UD
                "paddb %mm1,%mm0", "pxor %mm0,%mm0", "movq %mm0,%rax", "pmovmskb %mm1,%eax", "pshufw $1,%mm1,%mm0"}) {
            for (int off : new int[] {0, 1, 8}) {
                Case c = cases(s, 1).get(0);
                c.memOffset = off;
                all.add(c);
            }
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(SseTestSupport.hostAvailable());
        // The host runs MMX, so compare the faults of the MMX forms against #UD by hand.
        List<Case> sse = all.subList(0, 18), mmx = all.subList(18, all.size());
        assertSameAsHost(new ArrayList<>(sse));
        for (Case c : mmx) {
            SseTestSupport.Result got = SseTestSupport.emulate(c, SseTestSupport.bytes(c.asm));
            org.junit.jupiter.api.Assertions.assertEquals("UD", got.fault(), c.asm);
        }
    }
}
