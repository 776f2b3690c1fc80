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
import jvisor.cpu.insn.X87TestSupport.X;

/** FCOM/FUCOM/FICOM/FCOMI families, FTST and FXAM against the host CPU. */
class X87CompareTest {
    static final String[] REG = {".byte 0xd8,0xd1", ".byte 0xd8,0xd9", ".byte 0xdc,0xd1", ".byte 0xdc,0xd9", ".byte 0xde,0xd1",
        ".byte 0xde,0xd9", ".byte 0xdd,0xe1", ".byte 0xdd,0xe9", ".byte 0xda,0xe9", ".byte 0xdb,0xf1", ".byte 0xdf,0xf1",
        ".byte 0xdb,0xe9", ".byte 0xdf,0xe9", "ftst", "fxam", ".byte 0xd8,0xd0", ".byte 0xdb,0xf0"};

    @Test
    void registerComparesEveryPair() {
        Random r = new Random(31);
        List<Case> cases = new ArrayList<>();
        for (String insn : REG) {
            for (X a : EDGE) {
                for (X b : EDGE) {
                    Case c = new Case(insn).cw(cw(r.nextInt(4), r.nextInt(4))).top(r.nextInt(8)).st(0, a).st(1, b);
                    c.flags(r.nextLong() & Flags.STATUS).sw(r.nextInt(8) == 0 ? 0x4700 : 0);
                    cases.add(c);
                }
            }
            for (int k = 0; k < 600; k++) {
                Case c = new Case(insn).cw(cw(3, 0) & ~0x3F | (r.nextInt(3) == 0 ? r.nextInt(64) : 0x3F)).top(r.nextInt(8));
                if (r.nextInt(10) != 0) c.st(0, X87TestSupport.random(r));
                if (r.nextInt(10) != 0) c.st(1, X87TestSupport.random(r));
                c.flags(r.nextLong()).sw(r.nextInt(4) == 0 ? 0x4700 : 0);
                cases.add(c);
            }
        }
        assertSameAsHost(cases);
    }

    @Test
    void memoryCompares() {
        Random r = new Random(32);
        String[] insns = {"fcoms 8(%rsi)", "fcomps 8(%rsi)", "fcoml 8(%rsi)", "fcompl 8(%rsi)", "ficoml 8(%rsi)", "ficompl 8(%rsi)",
            "ficoms 8(%rsi)", "ficomps 8(%rsi)"};
        List<Case> cases = new ArrayList<>();
        for (String insn : insns) {
            for (X a : EDGE) {
                for (int j = 0; j < 40; j++) {
                    long v = insn.endsWith("s 8(%rsi)") && insn.startsWith("fcom") ? SseTestSupport.FLOATS[j % SseTestSupport.FLOATS.length] & 0xFFFFFFFFL
                            : insn.startsWith("fcoml") || insn.startsWith("fcompl") ? SseTestSupport.DOUBLES[j % SseTestSupport.DOUBLES.length]
                            : X87LoadStoreTest.INTS[j % X87LoadStoreTest.INTS.length];
                    Case c = new Case(insn).cw(cw(3, 0) & ~0x3F | (r.nextInt(6) == 0 ? r.nextInt(64) : 0x3F)).top(r.nextInt(8));
                    c.st(0, a).memLong(8, v);
                    if (r.nextInt(40) == 0) c.valid[0] = false;
                    cases.add(c);
                }
            }
        }
        assertSameAsHost(cases);
    }
}
