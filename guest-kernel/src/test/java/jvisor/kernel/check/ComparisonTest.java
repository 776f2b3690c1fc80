package jvisor.kernel.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import jvisor.kernel.syscall.SyscallTable;

/** The comparison of two records: rules, pid pairing, alignment, divergences and their explanations. */
class ComparisonTest {
    private static final SyscallTable TABLE = SyscallTable.linux();

    private static Trace trace(int tid, String... straceLines) {
        Trace t = new Trace();
        Trace.Task task = t.task(tid);
        for (String l : straceLines) task.events.add(StraceOutput.event(l));
        t.linkChildren();
        return t;
    }

    private static Comparison compare(Trace nat, Trace jv, boolean strict) {
        Comparison c = new Comparison(TABLE, strict);
        c.compare(nat, jv);
        return c;
    }

    @Test
    void addressesPidsAndTimesDifferUnderRules() {
        Trace nat = trace(500, "brk(NULL) = 0x2c901000", "getpid() = 500",
                "mmap(NULL, 8192, 0x3, 0x22, -1, 0) = 0x7f1234560000",
                "clock_gettime(0, {tv_sec=1795369870, tv_nsec=440158233}) = 0", "kill(500, 0) = 0",
                "+++ exited with 0 +++");
        Trace jv = trace(42, "brk(NULL) = 0x4ac000", "getpid() = 42",
                "mmap(NULL, 8192, 0x3, 0x22, -1, 0) = 0x7ffff7ff0000",
                "clock_gettime(0, {tv_sec=1795369871, tv_nsec=1}) = 0", "kill(42, 0) = 0", "+++ exited with 0 +++");
        Comparison c = compare(nat, jv, false);
        assertEquals(List.of(), c.divergences);
        assertEquals(1, c.ruleUses.get(Rule.BRK_ADDRESSES));
        assertEquals(2, c.ruleUses.get(Rule.PIDS));
        assertEquals(1, c.ruleUses.get(Rule.MMAP_ADDRESSES));
        assertEquals(2, c.ruleUses.get(Rule.TIMES));

        Comparison strict = compare(nat, jv, true);
        assertEquals(5, strict.divergences.size());
        assertTrue(strict.ruleUses.isEmpty());
    }

    @Test
    void aPidThatDoesNotStandForTheSameTaskDiverges() {
        Trace nat = trace(500, "getpid() = 500", "kill(500, 0) = 0");
        Trace jv = trace(42, "getpid() = 42", "kill(43, 0) = -1 ESRCH (No such process)");
        Comparison c = compare(nat, jv, false);
        assertEquals(1, c.divergences.size());
        Divergence d = c.divergences.get(0);
        assertEquals("result", d.kind());
        assertEquals("kill", d.syscall());
        assertTrue(d.detail().contains("arg0"), d.detail());
    }

    @Test
    void aWrongErrnoIsNamedWithBothResults() {
        Trace nat = trace(1, "openat(-100, \"\\x6e\\x6f\", 0) = -1 ENOENT (No such file or directory)", "close(3) = 0");
        Trace jv = trace(2, "openat(-100, \"\\x6e\\x6f\", 0) = -1 EACCES (Permission denied)", "close(3) = 0");
        Comparison c = compare(nat, jv, false);
        assertEquals(1, c.divergences.size());
        Divergence d = c.divergences.get(0);
        assertEquals("errno", d.kind());
        assertEquals("openat", d.syscall());
        assertEquals(0, d.nativeIndex());
        assertTrue(d.nativeText().endsWith("= -1 ENOENT"), d.nativeText());
        assertTrue(d.jvisorText().endsWith("= -1 EACCES"), d.jvisorText());
        assertNull(d.explanation());
    }

    @Test
    void dataAndArgumentsAreCompared() {
        Trace nat = trace(1, "write(1, \"\\x68\\x69\", 2) = 2", "openat(-100, \"\\x61\", 0x42, 0666) = 3");
        Trace jv = trace(2, "write(1, \"\\x68\\x6f\", 2) = 2", "openat(-100, \"\\x61\", 0x40, 0666) = 3");
        Comparison c = compare(nat, jv, false);
        assertEquals(2, c.divergences.size());
        assertEquals("data", c.divergences.get(0).kind());
        assertEquals("args", c.divergences.get(1).kind());
    }

    @Test
    void missingAndExtraCallsAreAlignedAndDeliberateExtrasExplained() {
        Trace nat = trace(1, "getuid() = 0", "getpid() = 1", "write(1, \"\\x61\", 1) = 1", "+++ exited with 0 +++");
        Trace jv = trace(2, "getuid() = 0", "clock_gettime(0, {tv_sec=1, tv_nsec=2}) = 0", "getpid() = 2",
                "+++ exited with 1 +++");
        Comparison c = compare(nat, jv, false);
        assertEquals(3, c.divergences.size());
        Divergence extra = c.divergences.get(0);
        assertEquals("extra", extra.kind());
        assertEquals("clock_gettime", extra.syscall());
        assertTrue(extra.explained());
        Divergence missing = c.divergences.get(1);
        assertEquals("missing", missing.kind());
        assertEquals("write", missing.syscall());
        assertFalse(missing.explained());
        assertEquals("exit", c.divergences.get(2).kind());
    }

    @Test
    void signalsAndSetsCompare() {
        Trace nat = trace(7, "rt_sigprocmask(0x2, NULL, [10 28], 8) = 0",
                "--- SIGUSR1 {si_signo=10, si_code=0xfffffffa, si_pid=7, si_uid=0} ---", "+++ killed by SIGSEGV +++");
        Trace jv = trace(9, "rt_sigprocmask(0x2, NULL, [10], 8) = 0",
                "--- SIGUSR1 {si_signo=10, si_code=0xfffffffa, si_pid=9, si_uid=0} ---", "+++ killed by SIGSEGV +++");
        Comparison c = compare(nat, jv, false);
        assertEquals(1, c.divergences.size());
        assertEquals("args", c.divergences.get(0).kind());
        assertEquals(1, c.ruleUses.get(Rule.PIDS));
    }

    @Test
    void sameNumberComparesIntArgumentsInTheirThirtyTwoBits() {
        assertTrue(Comparison.sameNumber(0xffffffffL, -1));
        assertTrue(Comparison.sameNumber(-100, -100));
        assertFalse(Comparison.sameNumber(0x1_0000_0000L, 0));
    }
}
