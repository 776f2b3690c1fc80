package jvisor.cpu.insn;

import static jvisor.cpu.insn.SseTestSupport.assertSameAsHost;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import jvisor.cpu.insn.SseTestSupport.Case;

/**
 * SSSE3 against the host CPU, with lanes biased towards the saturation and sign edges (0, 1,
 * 0x7F, 0x80, 0xFF...), PSHUFB controls with and without bit 7, every PALIGNR shift count, the
 * #GP of misaligned memory operands and the #UD of the MMX forms.
 */
class Ssse3Test {
    static final int N = SseIntegerTest.N;

    static final String[] OPS = {"pshufb", "phaddw", "phaddd", "phaddsw", "pmaddubsw", "phsubw", "phsubd", "phsubsw",
        "psignb", "psignw", "psignd", "pmulhrsw", "pabsb", "pabsw", "pabsd"};

    static void check(int n, List<String> asms) {
        List<Case> all = new ArrayList<>();
        for (String a : asms) all.addAll(SseIntegerTest.cases(a, n));
        assertSameAsHost(all);
    }

    @Test
    void registerAndMemoryForms() {
        check(N, SseTestSupport.registerAndMemoryForms(OPS));
    }

    /** Word lanes near the saturation limits, where PHADDSW, PMADDUBSW and PMULHRSW clamp or round. */
    @Test
    void saturationEdges() {
        Random r = new Random(17);
        int[] words = {0, 1, 0xFFFF, 0x7FFF, 0x8000, 0x8001, 0x7FFE, 0x4000, 0xC000, 0x3FFF, 0x00FF, 0xFF00, 0xFF80, 0x0080};
        List<Case> all = new ArrayList<>();
        for (String op : new String[] {"phaddsw", "phsubsw", "pmaddubsw", "pmulhrsw", "phaddw", "phsubw", "psignw", "pabsw"}) {
            for (int k = 0; k < 150; k++) {
                Case c = new Case(op + " %xmm1,%xmm0");
                for (int x = 0; x < 4; x++) {
                    long lo = 0, hi = 0;
                    for (int w = 0; w < 4; w++) {
                        lo |= (long) words[r.nextInt(words.length)] << (16 * w);
                        hi |= (long) words[r.nextInt(words.length)] << (16 * w);
                    }
                    c.xmm(x, lo, hi);
                }
                all.add(c);
            }
        }
        assertSameAsHost(all);
    }

    @Test
    void pshufbControls() {
        Random r = new Random(23);
        List<Case> all = new ArrayList<>();
        for (String a : new String[] {"pshufb %xmm1,%xmm0", "pshufb %xmm0,%xmm0", "pshufb (%rsi),%xmm2"}) {
            for (int k = 0; k < 100; k++) {
                Case c = SseIntegerTest.cases(a, 1).get(0);
                long lo = 0, hi = 0;
                for (int b = 0; b < 8; b++) {
                    lo |= (long) (r.nextInt(3) == 0 ? r.nextInt(256) : r.nextInt(16)) << (8 * b);
                    hi |= (long) (r.nextInt(3) == 0 ? r.nextInt(256) : r.nextInt(16)) << (8 * b);
                }
                c.xmm(1, lo, hi);
                c.mem(0, lo, hi);
                c.xmm(0, r.nextLong(), r.nextLong());
                all.add(c);
            }
        }
        assertSameAsHost(all);
    }

    @Test
    void palignrEveryCount() {
        List<String> l = new ArrayList<>();
        for (int n = 0; n < 256; n++) {
            if (n <= 34 || n % 17 == 0 || n == 255) {
                l.add("palignr $" + n + ",%xmm1,%xmm0");
            }
        }
        l.add("palignr $5,%xmm0,%xmm0");
        l.add("palignr $9,(%rsi),%xmm2");
        l.add("palignr $17,32(%rsi),%xmm3");
        check(6, l);
    }

    @Test
    void misalignedOperandsFault() {
        List<Case> all = new ArrayList<>();
        for (String op : OPS) {
            for (int off : new int[] {0, 1, 8, 15}) {
                Case c = SseIntegerTest.cases(op + " (%rsi),%xmm0", 1).get(0);
                c.memOffset = off;
                all.add(c);
            }
        }
        for (int off : new int[] {0, 3, 8}) {
            Case c = SseIntegerTest.cases("palignr $3,(%rsi),%xmm1", 1).get(0);
            c.memOffset = off;
            all.add(c);
        }
        assertSameAsHost(all);
    }

    /**
     * The MMX forms (no 66 prefix) raise #UD: jvisor's CPU has no MMX. Checked on the emulator
     * only, since the host does run them.
     */
    @Test
    void mmxFormsAreUndefined() {
        byte[][] codes = {{0x0f, 0x38, 0x00, (byte) 0xc1}, {0x0f, 0x38, 0x01, (byte) 0xc1}, {0x0f, 0x38, 0x04, (byte) 0xc1},
            {0x0f, 0x38, 0x0b, (byte) 0xc1}, {0x0f, 0x38, 0x1e, (byte) 0xc1}, {0x0f, 0x3a, 0x0f, (byte) 0xc1, 0x01},
            {(byte) 0xf3, 0x0f, 0x38, 0x00, (byte) 0xc1}, {(byte) 0xf2, 0x0f, 0x38, 0x08, (byte) 0xc1}};
        for (byte[] code : codes) {
            assertEquals("UD", SseTestSupport.emulate(new Case("mmx"), code).fault(), java.util.HexFormat.of().formatHex(code));
        }
    }
}
