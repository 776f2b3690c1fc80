package jvisor.cpu;

import static jvisor.cpu.CpuTestSupport.DATA;
import static jvisor.cpu.CpuTestSupport.FS_BASE;
import static jvisor.cpu.CpuTestSupport.GS_BASE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;

import jvisor.cpu.CpuTestSupport.Case;
import jvisor.cpu.CpuTestSupport.Result;

/** The test harness itself: the assembler, the emulator runner and the host oracle agree on simple facts. */
class CpuTestSupportTest {
    @Test
    void assemblesSnippets() {
        assertArrayEquals(new byte[] {0x48, 0x01, (byte) 0xD8}, CpuTestSupport.asm("add %rbx,%rax"));
        assertArrayEquals(new byte[] {(byte) 0xF3, (byte) 0xA4}, CpuTestSupport.asm("rep movsb"));
    }

    @Test
    void emulatorRunsToTheExitAndKeepsRcxAndR11() {
        Result r = CpuTestSupport.emulate(new Case("add %rbx,%rax").set(Reg.RAX, 1).set(Reg.RBX, 2).set(Reg.RCX, 77));
        assertEquals(Cpu.EXIT_SYSCALL, r.exit());
        assertEquals(3, r.reg(Reg.RAX));
        assertEquals(77, r.reg(Reg.RCX));
        assertEquals(CpuTestSupport.defaultReg(Reg.R11), r.reg(Reg.R11));
        assertEquals(Flags.PF, r.status());
    }

    @Test
    void emulatorReportsFaults() {
        Result r = CpuTestSupport.emulate(new Case("ud2"));
        assertTrue(r.faulted());
        assertEquals(CpuFault.UD, r.vector());
    }

    private static List<Case> probes() {
        return List.of(
                new Case("add %rbx,%rax").set(Reg.RAX, 1).set(Reg.RBX, 2),
                new Case("movq %rax,0x20000008").set(Reg.RAX, 0x1122_3344_5566_7788L).window(16),
                new Case("mov 0x20000000,%rax").data(0x0102_0304_0506_0708L),
                new Case("mov %fs:0,%rax; mov %gs:8,%rbx").data(fsGsData()).window(0),
                new Case("nop").flags(Flags.DF | Flags.CF | Flags.OF));
    }

    private static byte[] fsGsData() {
        byte[] d = new byte[0x2010];
        d[0x1000] = 0x5A;
        d[0x2008] = 0x6B;
        return d;
    }

    @Test
    void hostOracleRunsTheSameCases() {
        assumeTrue(CpuTestSupport.hostAvailable());
        List<Result> h = CpuTestSupport.host(probes());
        assertEquals(3, h.get(0).reg(Reg.RAX));
        assertEquals(CpuTestSupport.defaultReg(Reg.R15), h.get(0).reg(Reg.R15));
        assertEquals(Flags.PF, h.get(0).status());
        assertEquals(0x1122_3344_5566_7788L, h.get(1).dataLong(8));
        assertEquals(0x0102_0304_0506_0708L, h.get(2).reg(Reg.RAX));
        assertEquals(0x5A, h.get(3).reg(Reg.RAX));
        assertEquals(0x6B, h.get(3).reg(Reg.RBX));
        assertEquals(Flags.DF | Flags.CF | Flags.OF, h.get(4).status());
        CpuTestSupport.assertMatchesHost(probes());
        assertEquals(DATA + 0x1000, FS_BASE);
        assertEquals(DATA + 0x2000, GS_BASE);
    }

    @Test
    void differencesAreReported() {
        assumeTrue(CpuTestSupport.hostAvailable());
        // RDTSC differs between any two runs, so the comparison must fail.
        assertThrows(AssertionFailedError.class, () -> CpuTestSupport.assertMatchesHost(List.of(new Case("rdtsc"))));
    }
}
