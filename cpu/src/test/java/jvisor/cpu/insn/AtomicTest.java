package jvisor.cpu.insn;

import static jvisor.cpu.CpuTestSupport.DATA;
import static jvisor.cpu.CpuTestSupport.assertMatchesHost;
import static jvisor.cpu.CpuTestSupport.emulate;
import static jvisor.cpu.CpuTestSupport.hostAvailable;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import jvisor.cpu.CpuFault;
import jvisor.cpu.CpuTestSupport.Case;
import jvisor.cpu.CpuTestSupport.Result;
import jvisor.cpu.Flags;
import jvisor.cpu.Reg;

/** CMPXCHG, CMPXCHG8B, CMPXCHG16B, XADD, with and without LOCK. */
class AtomicTest {
    static final char[] SUFFIX = {'b', 'w', 'l', 'q'};
    static final String[][] REGS = {{"%bl", "%bx", "%ebx", "%rbx"}, {"%dl", "%dx", "%edx", "%rdx"}};
    static final long ALL = Flags.STATUS;
    static final long[] VALUES = {0, 1, 0x7F, 0x80, 0xFF, 0x8000, 0x7FFF_FFFFL, 0x8000_0000L, -1L, Long.MIN_VALUE,
            0xAAAA_AAAA_0000_0005L, 0x5555_5555_0000_0005L};

    @Test
    void compareExchangeMatchesHost() {
        assumeTrue(hostAvailable());
        List<Case> cases = new ArrayList<>();
        for (int s = 0; s < 4; s++) {
            char x = SUFFIX[s];
            for (String asm : new String[] {"cmpxchg" + x + " " + REGS[0][s] + "," + REGS[1][s],
                    "cmpxchg" + x + " " + REGS[0][s] + ",8(%rsi)", "lock cmpxchg" + x + " " + REGS[0][s] + ",8(%rsi)",
                    "cmpxchg" + x + " " + REGS[0][s] + "," + new String[] {"%al", "%ax", "%eax", "%rax"}[s]}) {
                for (long a : VALUES) {
                    for (long d : VALUES) {
                        cases.add(new Case(asm).set(Reg.RAX, a).set(Reg.RDX, d).set(Reg.RBX, 0x0123_4567_89AB_CDEFL)
                                .set(Reg.RSI, DATA).data(0L, d).flags(((a ^ d) & 1) == 0 ? ALL : 0));
                    }
                }
            }
        }
        // AH/BH/CH/DH forms
        for (long a : VALUES) {
            cases.add(new Case("cmpxchg %bh,%ch").set(Reg.RAX, a).set(Reg.RCX, a << 8).set(Reg.RBX, 0x7700));
            cases.add(new Case("cmpxchg %bh,%ah").set(Reg.RAX, a).set(Reg.RBX, 0x7700));
        }
        assertMatchesHost(cases);
    }

    @Test
    void compareExchange8And16MatchHost() {
        assumeTrue(hostAvailable());
        List<Case> cases = new ArrayList<>();
        long[][] mem = {{0x1111_1111_2222_2222L, 0x3333_3333_4444_4444L}, {0, 0}, {-1L, Long.MIN_VALUE}};
        for (String asm : new String[] {"cmpxchg8b 8(%rsi)", "lock cmpxchg8b (%rsi)", "cmpxchg16b 16(%rsi)", "lock cmpxchg16b (%rsi)"}) {
            boolean b16 = asm.contains("16b");
            int off = asm.contains("8(") ? 8 : asm.contains("16(") ? 16 : 0;
            for (long[] m : mem) {
                long lo = m[0], hi = m[1];
                // expected value: equal, low half differs, high half differs
                long[][] expect = b16
                        ? new long[][] {{lo, hi}, {lo ^ 1, hi}, {lo, hi ^ Long.MIN_VALUE}}
                        : new long[][] {{lo & 0xFFFF_FFFFL | 0xDEAD_0000_0000_0000L, lo >>> 32 | 0xBEEF_0000_0000_0000L},
                                {lo ^ 1, lo >>> 32}, {lo, (lo >>> 32) ^ 0x8000_0000L}};
                for (long[] e : expect) {
                    for (long fin : new long[] {0, ALL}) {
                        long[] data = new long[4];
                        if (b16) {
                            data[off / 8] = lo;
                            data[off / 8 + 1] = hi;
                        } else {
                            data[off / 8] = lo;
                            data[off / 8 + 1] = hi;
                        }
                        cases.add(new Case(asm).set(Reg.RSI, DATA).set(Reg.RAX, e[0]).set(Reg.RDX, e[1])
                                .set(Reg.RBX, 0x0102_0304_0506_0708L).set(Reg.RCX, 0x1112_1314_1516_1718L).data(data).flags(fin));
                    }
                }
            }
        }
        assertMatchesHost(cases);
    }

    @Test
    void exchangeAddMatchesHost() {
        assumeTrue(hostAvailable());
        List<Case> cases = new ArrayList<>();
        for (int s = 0; s < 4; s++) {
            char x = SUFFIX[s];
            for (String asm : new String[] {"xadd" + x + " " + REGS[0][s] + "," + REGS[1][s], "xadd" + x + " " + REGS[0][s] + ",(%rsi)",
                    "lock xadd" + x + " " + REGS[0][s] + ",4(%rsi)", "xadd" + x + " " + REGS[0][s] + "," + REGS[0][s]}) {
                for (long a : VALUES) {
                    for (long b : VALUES) {
                        cases.add(new Case(asm).set(Reg.RBX, a).set(Reg.RDX, b).set(Reg.RSI, DATA).data(b, a).flags(ALL));
                    }
                }
            }
        }
        cases.add(new Case("xadd %ah,%bh").set(Reg.RAX, 0x8000).set(Reg.RBX, 0x8000));
        assertMatchesHost(cases);
    }

    // ------------------------------------------------------------------ hand-checked

    @Test
    void cmpxchgRegisterDetails() {
        // failure: EAX gets the destination (zero-extended), the destination register is untouched
        Result r = emulate(new Case("cmpxchgl %ebx,%edx").set(Reg.RAX, 0xAAAA_AAAA_0000_0007L).set(Reg.RDX, 0xDDDD_DDDD_0000_0005L));
        assertEquals(5, r.reg(Reg.RAX));
        assertEquals(0xDDDD_DDDD_0000_0005L, r.reg(Reg.RDX));
        assertEquals(0, r.status() & Flags.ZF);
        // success: the destination is written (zero-extended), RAX is untouched
        r = emulate(new Case("cmpxchgl %ebx,%edx").set(Reg.RAX, 0xAAAA_AAAA_0000_0005L).set(Reg.RDX, 0xDDDD_DDDD_0000_0005L)
                .set(Reg.RBX, 0x5555_5555_0000_0009L));
        assertEquals(0xAAAA_AAAA_0000_0005L, r.reg(Reg.RAX));
        assertEquals(9, r.reg(Reg.RDX));
        assertEquals(Flags.ZF | Flags.PF, r.status());
    }

    @Test
    void cmpxchg16bNeedsAlignment() {
        Result r = emulate(new Case("cmpxchg16b 8(%rsi)").set(Reg.RSI, DATA));
        assertTrue(r.faulted());
        assertEquals(CpuFault.GP, r.vector());
        r = emulate(new Case("cmpxchg8b 4(%rsi)").set(Reg.RSI, DATA).set(Reg.RAX, 0).set(Reg.RDX, 0).set(Reg.RBX, 7).set(Reg.RCX, 9)
                .window(16));
        assertTrue(!r.faulted(), "CMPXCHG8B has no alignment requirement");
        assertEquals(7, r.window()[4]);
        assertEquals(9, r.window()[8]);
        assertEquals(Flags.ZF, r.status() & Flags.ZF);
    }

    @Test
    void lockNeedsAMemoryDestination() {
        for (String bytes : new String[] {".byte 0xf0,0x0f,0xb1,0xda", ".byte 0xf0,0x0f,0xc1,0xda", ".byte 0xf0,0x0f,0xc7,0xc8"}) {
            Result r = emulate(new Case(bytes));
            assertTrue(r.faulted(), bytes);
            assertEquals(CpuFault.UD, r.vector(), bytes);
        }
    }

    @Test
    void xaddOfARegisterWithItselfDoubles() {
        Result r = emulate(new Case("xaddl %ebx,%ebx").set(Reg.RBX, 0x1111_1111_8000_0005L));
        assertEquals(0xA, r.reg(Reg.RBX));
        assertEquals(Flags.CF | Flags.OF | Flags.PF, r.status());
    }
}
