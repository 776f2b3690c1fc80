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
import jvisor.cpu.CpuTestSupport;
import jvisor.cpu.CpuTestSupport.Case;
import jvisor.cpu.CpuTestSupport.Result;
import jvisor.cpu.Flags;
import jvisor.cpu.Reg;

/** BT/BTS/BTR/BTC, BSF/BSR, TZCNT/LZCNT, POPCNT. */
class BitOpsTest {
    static final char[] SUFFIX = {'w', 'l', 'q'};
    static final String[] RDX = {"%dx", "%edx", "%rdx"};
    static final String[] RCX = {"%cx", "%ecx", "%rcx"};
    static final long ALL = Flags.STATUS;
    static final long[] VALUES = {0, 1, 0x8000, 0x8000_0000L, Long.MIN_VALUE, -1L, 0xDEAD_BEEF_0000_0000L,
            0xDEAD_BEEF_8000_0001L, 0x1234, 0xF0, 0x0100_0000_0000_0000L};

    static byte[] pattern(int n) {
        byte[] b = new byte[n];
        for (int k = 0; k < n; k++) b[k] = (byte) (k * 37 + (k >> 8));
        return b;
    }

    @Test
    void bitTestsOnRegistersMatchHost() {
        assumeTrue(hostAvailable());
        List<Case> cases = new ArrayList<>();
        long[] offsets = {0, 1, 7, 15, 16, 17, 31, 32, 33, 63, 64, 0x80, -1L, 0xFFFF_0000_FFFF_8000L};
        for (String op : new String[] {"bt", "bts", "btr", "btc"}) {
            for (int s = 0; s < 3; s++) {
                String asm = op + SUFFIX[s] + " " + RCX[s] + "," + RDX[s];
                for (long v : VALUES) {
                    for (long off : offsets) {
                        for (long fin : new long[] {0, ALL}) {
                            cases.add(new Case(asm).set(Reg.RDX, v).set(Reg.RCX, off).flags(fin).undefined(Flags.OF | Flags.SF | Flags.AF | Flags.PF));
                        }
                    }
                }
                for (int imm : new int[] {0, 5, 15, 16, 31, 32, 63, 64, 200}) {
                    String immAsm = op + SUFFIX[s] + " $" + imm + "," + RDX[s];
                    for (long v : VALUES) {
                        for (long fin : new long[] {0, ALL}) cases.add(new Case(immAsm).set(Reg.RDX, v).flags(fin).undefined(Flags.OF | Flags.SF | Flags.AF | Flags.PF));
                    }
                }
            }
        }
        assertMatchesHost(cases);
    }

    @Test
    void bitTestsOnMemoryAddressBeyondTheOperandMatchHost() {
        assumeTrue(hostAvailable());
        List<Case> cases = new ArrayList<>();
        byte[] data = pattern(0x2000);
        // RSI points to the middle of 8 KiB of data: 16-bit offsets reach -4096..+4095 bytes from it.
        long[] offsets = {0, 1, 7, 8, 15, 16, 31, 32, 63, 64, 65, 1000, -1, -8, -9, -16, -17, -32, -33, -64, -65, -1000,
                0x7FFF, -0x8000, 0x3FFF, -0x4000};
        for (String op : new String[] {"bt", "bts", "btr", "btc", "lock bts", "lock btr", "lock btc"}) {
            for (int s = 0; s < 3; s++) {
                String asm = op + SUFFIX[s] + " " + RCX[s] + ",(%rsi)";
                for (long off : offsets) {
                    cases.add(new Case(asm).set(Reg.RSI, DATA + 0x1000).set(Reg.RCX, off).data(data).flags(off % 3 == 0 ? ALL : 0)
                            .undefined(Flags.OF | Flags.SF | Flags.AF | Flags.PF));
                }
                // the upper bits of a 16/32-bit offset register are ignored
                if (s < 2) cases.add(new Case(asm).set(Reg.RSI, DATA + 0x1000).set(Reg.RCX, 0x7777_0000_0000_0000L | (s == 0 ? 0x7777_FFF5L : 0xFFFF_FFF5L))
                        .data(data).undefined(Flags.OF | Flags.SF | Flags.AF | Flags.PF));
                // 32-bit addressing: the upper half of RSI is ignored
                String a32 = op + SUFFIX[s] + " " + RCX[s] + ",(%esi)";
                for (long off : new long[] {-33, 5, 0x7FFF}) {
                    cases.add(new Case(a32).set(Reg.RSI, 0x0F0F_0000_0000_0000L | (DATA + 0x1000)).set(Reg.RCX, off).data(data)
                            .undefined(Flags.OF | Flags.SF | Flags.AF | Flags.PF));
                }
                for (int imm : new int[] {0, 9, 17, 33, 63, 64, 255}) {
                    cases.add(new Case(op + SUFFIX[s] + " $" + imm + ",3(%rsi)").set(Reg.RSI, DATA + 0x1000).data(data).flags(ALL)
                            .undefined(Flags.OF | Flags.SF | Flags.AF | Flags.PF));
                }
            }
        }
        assertMatchesHost(cases);
    }

    /** BSF/BSR leave all but ZF undefined, TZCNT/LZCNT all but CF and ZF; POPCNT defines every flag. */
    static long undefinedFlags(String op) {
        return switch (op) {
            case "popcnt" -> 0;
            case "tzcnt", "lzcnt" -> Flags.OF | Flags.SF | Flags.AF | Flags.PF;
            default -> Flags.CF | Flags.OF | Flags.SF | Flags.AF | Flags.PF;
        };
    }

    @Test
    void scansAndPopcountMatchHost() {
        assumeTrue(hostAvailable());
        List<Case> cases = new ArrayList<>();
        for (String op : new String[] {"bsf", "bsr", "popcnt", "tzcnt", "lzcnt"}) {
            for (int s = 0; s < 3; s++) {
                String asm = op + SUFFIX[s] + " " + RCX[s] + "," + RDX[s];
                for (long v : VALUES) {
                    for (long fin : new long[] {0, ALL}) {
                        cases.add(new Case(asm).set(Reg.RCX, v).set(Reg.RDX, 0xAAAA_AAAA_5555_5555L).flags(fin)
                                .undefined(undefinedFlags(op)));
                    }
                }
                for (long v : new long[] {0, 0x80, 0x0100_0000_0000_8000L, -1L}) {
                    cases.add(new Case(op + SUFFIX[s] + " 8(%rsi)," + RDX[s]).set(Reg.RSI, DATA).data(0L, v).flags(ALL)
                            .undefined(undefinedFlags(op)));
                }
            }
        }
        assertMatchesHost(cases);
    }

    // ------------------------------------------------------------------ hand-checked

    @Test
    void btWithRegisterOffsetAddressesOutsideTheOperand() {
        // bit -1 relative to DATA+8 is bit 7 of the byte at DATA+7; a 32-bit access at DATA+4
        Result r = emulate(new Case("btsl %ecx,8(%rsi)").set(Reg.RSI, DATA).set(Reg.RCX, -1L).window(16));
        assertEquals(0x80, r.window()[7] & 0xFF);
        assertEquals(0, r.status() & Flags.CF);
        r = emulate(new Case("btq %rcx,(%rsi)").set(Reg.RSI, DATA).set(Reg.RCX, 64 + 3).data(0L, 8L));
        assertEquals(Flags.CF, r.status() & Flags.CF);
        r = emulate(new Case("btrw %cx,(%rsi)").set(Reg.RSI, DATA + 16).set(Reg.RCX, 0xFFF0).data(-1L, -1L, -1L).window(24));
        assertEquals(0xFE, r.window()[14] & 0xFF, "offset -16 bits: bit 0 of the word at -2");
        assertEquals(Flags.CF, r.status() & Flags.CF);
    }

    @Test
    void btKeepsOtherFlagsAndRegisterOffsetsWrap() {
        Result r = emulate(new Case("btl %ecx,%edx").set(Reg.RDX, 0x8000_0000L).set(Reg.RCX, 63).flags(Flags.ZF | Flags.OF));
        assertEquals(Flags.ZF | Flags.OF | Flags.CF, r.status());
        assertEquals(0x8000_0000L, r.reg(Reg.RDX));
        r = emulate(new Case("btcq $64,%rdx").set(Reg.RDX, 1));
        assertEquals(0, r.reg(Reg.RDX));
        assertEquals(Flags.CF, r.status());
        r = emulate(new Case("btsl $3,%edx").set(Reg.RDX, 0xFFFF_FFFF_0000_0000L));
        assertEquals(8, r.reg(Reg.RDX), "a 32-bit BTS zero-extends");
    }

    @Test
    void bsfAndBsrLeaveTheDestinationForZero() {
        Result r = emulate(new Case("bsfl %ecx,%edx").set(Reg.RCX, 0).set(Reg.RDX, 0xDEAD_BEEF_1234_5678L).flags(Flags.CF));
        assertEquals(0xDEAD_BEEF_1234_5678L, r.reg(Reg.RDX), "not written, not even zero-extended");
        assertEquals(Flags.ZF | Flags.PF, r.status());
        r = emulate(new Case("bsrq %rcx,%rdx").set(Reg.RCX, 0x0100_0000_0000_0001L));
        assertEquals(56, r.reg(Reg.RDX));
        assertEquals(0, r.status() & Flags.ZF);
        r = emulate(new Case("bsfw %cx,%dx").set(Reg.RCX, 0x8000).set(Reg.RDX, 0xAAAA_AAAA_AAAA_AAAAL));
        assertEquals(0xAAAA_AAAA_AAAA_000FL, r.reg(Reg.RDX));
    }

    @Test
    void popcntCountsAndClearsFlags() {
        Result r = emulate(new Case("popcntq %rcx,%rdx").set(Reg.RCX, -1L).flags(ALL));
        assertEquals(64, r.reg(Reg.RDX));
        assertEquals(0, r.status());
        r = emulate(new Case("popcntw %cx,%dx").set(Reg.RCX, 0xFFFF_0000).set(Reg.RDX, 0x1_0000_FFFFL).flags(ALL));
        assertEquals(0x1_0000_0000L, r.reg(Reg.RDX));
        assertEquals(Flags.ZF, r.status());
    }

    private static void assertUndefined(String bytes) {
        Result r = emulate(new Case(bytes).set(Reg.RSI, DATA));
        assertTrue(r.faulted(), bytes);
        assertEquals(CpuFault.UD, r.vector(), bytes);
    }

    @Test
    void invalidEncodingsRaiseUndefinedOpcode() {
        assertUndefined(".byte 0x0f,0xb8,0xc1"); // 0F B8 without F3 (JMPE)
        assertUndefined(".byte 0x0f,0xba,0xe2-0x20,0x01"); // 0F BA /0
        assertUndefined(".byte 0x0f,0xba,0xda,0x01"); // 0F BA /3
        assertUndefined(".byte 0xf0,0x0f,0xab,0xca"); // LOCK BTS with a register destination
        assertUndefined(".byte 0xf0,0x0f,0xa3,0x0e"); // LOCK BT (not lockable)
        assertUndefined(".byte 0xf0,0xf3,0x0f,0xb8,0x0e"); // LOCK POPCNT
    }
}
