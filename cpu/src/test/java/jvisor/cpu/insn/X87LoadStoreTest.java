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

/** FLD/FILD/FBLD/constants and FST/FSTP/FIST/FISTP/FISTTP/FBSTP against the host CPU. */
class X87LoadStoreTest {
    static final long[] INTS = {0, 1, -1, 2, 7, 10, 100, 12345, -99999, 0x7FFF, -0x8000, 0x7FFFFFFFL, -0x80000000L, 0x80000000L,
        Long.MAX_VALUE, Long.MIN_VALUE, 1L << 53, (1L << 53) + 1, -(1L << 62) - 3, 999999999999999999L, -999999999999999999L,
        1000000000000000000L, 0x0123456789ABCDEFL};

    @Test
    void loads() {
        Random r = new Random(21);
        List<Case> cases = new ArrayList<>();
        for (int top = 0; top < 8; top++) {
            for (boolean full : new boolean[] {false, true}) {
                for (int masks : new int[] {0x3F, 0x3E, 0x3D, 0x00}) {
                    int control = cw(r.nextInt(4), r.nextInt(4)) & ~0x3F | masks;
                    int cc = 0x4700 & r.nextInt();
                    for (float f : new float[] {0, -0f, 1, 1.5f, Float.MIN_VALUE, -Float.MIN_NORMAL / 3, Float.MAX_VALUE,
                        Float.POSITIVE_INFINITY, Float.NaN}) {
                        Case c = new Case("flds 4(%rsi)").cw(control).sw(cc).top(top).memLong(0, (long) Float.floatToRawIntBits(f) << 32);
                        if (full) c.st(7, X87TestSupport.d(3));
                        cases.add(c);
                    }
                    for (int bits : new int[] {0x7F800001, 0xFFA00000, 0x7FC01234}) {
                        Case c = new Case("flds 4(%rsi)").cw(control).sw(cc).top(top).memLong(0, (long) bits << 32);
                        cases.add(c);
                    }
                    for (long d : SseTestSupport.DOUBLES) {
                        Case c = new Case("fldl 8(%rsi)").cw(control).top(top).memLong(8, d);
                        if (full) c.st(7, X87TestSupport.d(3));
                        cases.add(c);
                    }
                    for (X v : EDGE) {
                        Case c = new Case("fldt 8(%rsi)").cw(control).sw(cc).top(top).memX(8, v);
                        if (full) c.st(7, v);
                        cases.add(c);
                        for (int i : new int[] {0, 1, 3, 7}) {
                            Case c2 = new Case(String.format(".byte 0xd9,0x%02x", 0xC0 + i)).cw(control).top(top).st(0, v).st(3, v.neg());
                            if (full) c2.st(7, v);
                            if (r.nextBoolean()) c2.st(1, EDGE[r.nextInt(EDGE.length)]);
                            cases.add(c2);
                        }
                    }
                    for (long v : INTS) {
                        cases.add(new Case("filds 2(%rsi)").cw(control).top(top).memLong(0, v << 16));
                        cases.add(new Case("fildl 4(%rsi)").cw(control).top(top).memLong(0, v << 32));
                        Case c = new Case("fildll 8(%rsi)").cw(control).sw(cc).top(top).memLong(8, v);
                        if (full) c.st(7, EDGE[3]);
                        cases.add(c);
                    }
                    for (String k : new String[] {"fld1", "fldl2t", "fldl2e", "fldpi", "fldlg2", "fldln2", "fldz"}) {
                        for (int rc = 0; rc < 4; rc++) {
                            Case c = new Case(k).cw(control & ~0xC00 | rc << 10).sw(cc).top(top);
                            if (full) c.st(7, EDGE[9]);
                            cases.add(c);
                        }
                    }
                }
            }
        }
        // packed BCD, including invalid digits and -0
        for (int k = 0; k < 400; k++) {
            long lo = r.nextLong();
            int hi = r.nextInt(0x10000);
            if (k < 200) {
                lo = 0;
                for (int d = 0; d < 16; d++) lo |= (long) r.nextInt(10) << (4 * d);
                hi = r.nextInt(10) | r.nextInt(10) << 4 | (r.nextBoolean() ? 0x8000 : 0) | (k % 7 == 0 ? 0x7F00 : 0);
                if (k % 13 == 0) lo &= 0xFF;
                if (k % 17 == 0) { lo = 0; hi &= 0x8000; }
            }
            Case c = new Case("fbld 8(%rsi)").cw(cw(3, r.nextInt(4))).top(r.nextInt(8)).memLong(8, lo, hi);
            if (k % 50 == 0) c.st(7, EDGE[1]);
            cases.add(c);
        }
        assertSameAsHost(cases);
    }

    @Test
    void storesEveryMode() {
        Random r = new Random(22);
        String[] insns = {"fsts 8(%rsi)", "fstps 8(%rsi)", "fstl 8(%rsi)", "fstpl 8(%rsi)", "fstpt 8(%rsi)", "fists 8(%rsi)",
            "fistps 8(%rsi)", "fistl 8(%rsi)", "fistpl 8(%rsi)", "fistpll 8(%rsi)", "fisttps 8(%rsi)", "fisttpl 8(%rsi)",
            "fisttpll 8(%rsi)", "fbstp 8(%rsi)", ".byte 0xdd,0xd1", ".byte 0xdd,0xd9", ".byte 0xdd,0xd8", ".byte 0xd9,0xda",
            ".byte 0xdf,0xd3", ".byte 0xdf,0xdc"};
        X[] extra = {X87TestSupport.d(0.5), X87TestSupport.d(1.5), X87TestSupport.d(2.5), X87TestSupport.d(-2.5), X87TestSupport.d(32767.5),
            X87TestSupport.d(-32768.5), X87TestSupport.d(2147483647.5), X87TestSupport.d(-2147483648.4), X87TestSupport.d(0x1p63),
            X87TestSupport.d(-0x1p63), X87TestSupport.x(0xC03E, 0x8000000000000001L), X87TestSupport.x(0x403D, 0xFFFFFFFFFFFFFFFFL),
            X87TestSupport.d(999999999999999999.0), X87TestSupport.d(1e18), X87TestSupport.d(-1e18 + 64), X87TestSupport.d(3.4028235677973366e38),
            X87TestSupport.d(1.1754942807573643e-38), X87TestSupport.d(1.401298464324817e-45), X87TestSupport.d(7e-46),
            X87TestSupport.d(Double.MIN_VALUE), X87TestSupport.x(0x3BCC, 0x8000000000000001L), X87TestSupport.x(0x43FE, 0xFFFFFFFFFFFFF800L),
            X87TestSupport.x(0x43FE, 0xFFFFFFFFFFFFFC00L), X87TestSupport.x(0x407E, 0xFFFFFF8000000000L), X87TestSupport.x(0x3F80, 0xFFFFFF0000000000L)};
        List<Case> cases = new ArrayList<>();
        for (String insn : insns) {
            for (X v : X87ArithTest.concat(EDGE, extra)) {
                for (int rc = 0; rc < 4; rc++) {
                    Case c = new Case(insn).cw(cw(r.nextInt(4), rc)).top(r.nextInt(8)).st(0, v).st(1, EDGE[r.nextInt(EDGE.length)]);
                    c.sw(0x4700 & r.nextInt());
                    c.memLong(0, 0x5555555555555555L, 0xAAAAAAAAAAAAAAAAL, 0x1234567812345678L);
                    cases.add(c);
                }
            }
            for (int k = 0; k < 1500; k++) {
                X v = X87TestSupport.random(r);
                if (insn.contains("fi") && r.nextBoolean()) v = X87TestSupport.x((v.se() & 0x8000) | (16383 + r.nextInt(66)), v.m() | 1L << 63);
                if (insn.contains("fbstp") && r.nextBoolean()) v = X87TestSupport.x((v.se() & 0x8000) | (16383 + 55 + r.nextInt(6)), v.m() | 1L << 63);
                Case c = new Case(insn).cw(cw(r.nextInt(4), r.nextInt(4)) & ~0x3F | (r.nextInt(3) == 0 ? r.nextInt(64) : 0x3F));
                c.top(r.nextInt(8)).sw(0x4700 & r.nextInt());
                if (r.nextInt(25) != 0) c.st(0, v);
                if (r.nextBoolean()) c.st(1, X87TestSupport.random(r));
                c.memLong(0, r.nextLong(), r.nextLong(), r.nextLong());
                cases.add(c);
            }
        }
        assertSameAsHost(cases);
    }
}
