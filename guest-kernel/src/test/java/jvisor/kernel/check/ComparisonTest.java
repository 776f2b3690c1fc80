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

    /** A signalfd_siginfo record of SIGUSR1 (10) sent by pid, in strace's escapes, cut to its first 16 bytes. */
    private static String signalfdRecord(int pid) {
        StringBuilder sb = new StringBuilder("\\x0a\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00");
        for (int k = 0; k < 4; k++) sb.append(String.format("\\x%02x", (pid >>> (8 * k)) & 0xff));
        return sb.toString();
    }

    @Test
    void theSenderInASignalfdRecordIsComparedThroughThePidPairing() {
        String[] common = {"signalfd4(-1, [USR1], 8, 0) = 3"};
        Trace nat = trace(500, common[0], "getpid() = 500", "kill(500, 10) = 0",
                "read(3, \"" + signalfdRecord(500) + "\"..., 128) = 128", "+++ exited with 0 +++");
        Trace jv = trace(42, common[0], "getpid() = 42", "kill(42, 10) = 0",
                "read(3, \"" + signalfdRecord(42) + "\"..., 128) = 128", "+++ exited with 0 +++");
        Comparison c = compare(nat, jv, false);
        assertEquals(List.of(), c.divergences);
        assertEquals(3, c.ruleUses.get(Rule.PIDS));

        // The same bytes from a pipe are data like any other: compared as they are.
        Trace natPipe = trace(500, "pipe2([3, 4], 0) = 0", "getpid() = 500",
                "read(3, \"" + signalfdRecord(500) + "\"..., 128) = 128", "+++ exited with 0 +++");
        Trace jvPipe = trace(42, "pipe2([3, 4], 0) = 0", "getpid() = 42",
                "read(3, \"" + signalfdRecord(42) + "\"..., 128) = 128", "+++ exited with 0 +++");
        assertEquals(1, compare(natPipe, jvPipe, false).divergences.size());

        // A sender that is another task than the pairing says diverges.
        Trace other = trace(42, common[0], "getpid() = 42", "kill(42, 10) = 0",
                "read(3, \"" + signalfdRecord(43) + "\"..., 128) = 128", "+++ exited with 0 +++");
        assertEquals(1, compare(nat, other, false).divergences.size());
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

    private static final String SIGCHLD_501 = "--- SIGCHLD {si_signo=17, si_code=1, si_pid=501, si_uid=0, si_status=3, si_utime=0, si_stime=0} ---";
    private static final String SIGCHLD_43 = "--- SIGCHLD {si_signo=17, si_code=1, si_pid=43, si_uid=0, si_status=3} ---";

    @Test
    void asynchronousSignalsCompareByWhatTheyAreNotWhereTheyLand() {
        Trace nat = trace(500, "rt_sigaction(17, {sa_handler=0x401000, sa_mask=[], sa_flags=0x4000000}, NULL, 8) = 0",
                "fork() = 501", "getpid() = 500", "fork() = -1 ERESTARTNOINTR (To be restarted)", SIGCHLD_501,
                "rt_sigreturn({mask=[]}) = 57", "fork() = 502", "+++ exited with 0 +++");
        Trace jv = trace(42, "rt_sigaction(17, {sa_handler=0x401000, sa_mask=[], sa_flags=0x4000000}, NULL, 8) = 0",
                "fork() = 43", "getpid() = 42", "fork() = 44", SIGCHLD_43, "rt_sigreturn({mask=[]}) = 44",
                "+++ exited with 0 +++");
        Comparison c = compare(nat, jv, false);
        assertEquals(List.of(), c.divergences);
        assertEquals(1, c.ruleUses.get(Rule.ASYNC_SIGNALS));
        assertFalse(compare(nat, jv, true).divergences.isEmpty());

        // What the signal says is still compared: another child's status diverges.
        Trace otherStatus = trace(42, "rt_sigaction(17, {sa_handler=0x401000, sa_mask=[], sa_flags=0x4000000}, NULL, 8) = 0",
                "fork() = 43", "getpid() = 42", "fork() = 44", SIGCHLD_43.replace("si_status=3", "si_status=4"),
                "rt_sigreturn({mask=[]}) = 44", "+++ exited with 0 +++");
        Comparison wrong = compare(nat, otherStatus, false);
        assertEquals(1, wrong.divergences.size());
        assertTrue(wrong.divergences.get(0).detail().contains("si_status"), wrong.divergences.get(0).detail());
    }

    @Test
    void anAsynchronousSignalOnlyOneRunGotDivergesUnlessIgnoredOrMerged() {
        Trace nat = trace(500, "getpid() = 500", "+++ exited with 0 +++");
        Trace jv = trace(42, "getpid() = 42", "--- SIGUSR1 {si_signo=10, si_code=0, si_pid=77, si_uid=0} ---",
                "+++ exited with 0 +++");
        Comparison c = compare(nat, jv, false);
        assertEquals(1, c.divergences.size());
        assertEquals("extra", c.divergences.get(0).kind());

        // Natively SIGCHLD came twice, under jvisor once: the second was merged while the first was pending.
        Trace twice = trace(500, "rt_sigaction(17, {sa_handler=0x401000, sa_mask=[], sa_flags=0x4000000}, NULL, 8) = 0",
                "fork() = 501", SIGCHLD_501, "rt_sigreturn({mask=[]}) = 0", SIGCHLD_501, "rt_sigreturn({mask=[]}) = 0",
                "+++ exited with 0 +++");
        Trace once = trace(42, "rt_sigaction(17, {sa_handler=0x401000, sa_mask=[], sa_flags=0x4000000}, NULL, 8) = 0",
                "fork() = 43", SIGCHLD_43, "rt_sigreturn({mask=[]}) = 0", "+++ exited with 0 +++");
        Comparison merged = compare(twice, once, false);
        assertEquals(List.of(), merged.divergences);
        assertEquals(2, merged.ruleUses.get(Rule.ASYNC_SIGNALS));
    }

    @Test
    void aSignalTheTaskSendsItselfKeepsItsPlace() {
        String raise = "--- SIGUSR1 {si_signo=10, si_code=0xfffffffa, si_pid=%d, si_uid=0} ---";
        Trace nat = trace(500, "getpid() = 500", raise.formatted(500), "write(1, \"a\", 1) = 1", "+++ exited with 0 +++");
        Trace jv = trace(42, "getpid() = 42", "write(1, \"a\", 1) = 1", raise.formatted(42), "+++ exited with 0 +++");
        assertFalse(compare(nat, jv, false).divergences.isEmpty());
    }

    @Test
    void aWaitForAnyChildMayReapAnotherOfThem() {
        Trace nat = trace(500, "fork() = 501", "fork() = 502", "wait4(-1, NULL, 0, NULL) = 502",
                "wait4(-1, NULL, 0, NULL) = 501", "+++ exited with 0 +++");
        Trace jv = trace(42, "fork() = 43", "fork() = 44", "wait4(-1, NULL, 0, NULL) = 43",
                "wait4(-1, NULL, 0, NULL) = 44", "+++ exited with 0 +++");
        Comparison c = compare(nat, jv, false);
        assertEquals(List.of(), c.divergences);
        assertEquals(2, c.ruleUses.get(Rule.WAIT_ORDER));

        // A wait for one child must reap that child; a pid that is no child of the run diverges.
        Trace jvWrong = trace(42, "fork() = 43", "fork() = 44", "wait4(44, NULL, 0, NULL) = 43",
                "wait4(-1, NULL, 0, NULL) = 99", "+++ exited with 0 +++");
        Trace natOne = trace(500, "fork() = 501", "fork() = 502", "wait4(502, NULL, 0, NULL) = 502",
                "wait4(-1, NULL, 0, NULL) = 501", "+++ exited with 0 +++");
        assertEquals(2, compare(natOne, jvWrong, false).divergences.size());
    }

    @Test
    void aTaskKilledFromOutsideMayDieBeforeItsLastCalls() {
        Trace nat = trace(500, "set_robust_list(0x4b0660, 24) = 0", "+++ killed by SIGKILL +++");
        Trace jv = trace(42, "set_robust_list(0x4b0660, 24) = 0", "getpid() = 42",
                "pause() = -1 ERESTARTNOHAND (To be restarted if no handler)", "+++ killed by SIGKILL +++");
        Comparison c = compare(nat, jv, false);
        assertEquals(List.of(), c.divergences);
        assertEquals(1, c.ruleUses.get(Rule.KILLED_MIDWAY));

        // A fault is the task's own doing: the calls before it are compared.
        Trace natSegv = trace(500, "set_robust_list(0x4b0660, 24) = 0", "+++ killed by SIGSEGV +++");
        Trace jvSegv = trace(42, "set_robust_list(0x4b0660, 24) = 0", "getpid() = 42", "+++ killed by SIGSEGV +++");
        assertEquals(1, compare(natSegv, jvSegv, false).divergences.size());
    }
}
