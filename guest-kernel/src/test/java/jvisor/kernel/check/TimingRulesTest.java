package jvisor.kernel.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import jvisor.kernel.syscall.SyscallTable;

/**
 * The rules for what timing and the host decide (reap-timing, stream-chunks, concurrent-writers,
 * futex-contention, ports, and the inode and clock-time cases of inode-numbers and times): for
 * each, a difference it allows, and a plain divergence next to it that it must not hide.
 */
class TimingRulesTest {
    private static final SyscallTable TABLE = SyscallTable.linux();

    /** A record of several tasks: {tid, lines...} groups, the first the root; children found from clone results. */
    private static Trace record(Object[]... tasks) {
        Trace t = new Trace();
        for (Object[] task : tasks) {
            Trace.Task tt = t.task((Integer) task[0]);
            for (int i = 1; i < task.length; i++) tt.events.add(StraceOutput.event((String) task[i]));
        }
        t.linkChildren();
        return t;
    }

    private static Object[] task(int tid, String... lines) {
        Object[] o = new Object[lines.length + 1];
        o[0] = tid;
        System.arraycopy(lines, 0, o, 1, lines.length);
        return o;
    }

    private static Comparison compare(Trace nat, Trace jv, boolean strict) {
        Comparison c = new Comparison(TABLE, strict);
        c.compare(nat, jv);
        return c;
    }

    private static long unexplained(Comparison c) {
        return c.divergences.stream().filter(d -> !d.explained()).count();
    }

    // ---------------------------------------------------------------- reap-timing

    private static final String FORK = "clone(child_stack=NULL, flags=0x1200011, child_tidptr=0x7f10) = %d";
    private static final String EXITED = "wait4(-1, [{WIFEXITED(s) && WEXITSTATUS(s) == %d}], %d, NULL) = %d";
    private static final String NO_CHILD = "wait4(-1, 0x7ffd10, 1, NULL) = -1 ECHILD (No child processes)";

    /** A shell running a command: natively its SIGCHLD handler reaps it, under jvisor its blocking wait4 does. */
    private static Trace shellNative(int status) {
        return record(task(500, "rt_sigaction(17, {sa_handler=0x430a00, sa_mask=[], sa_flags=0x14000000}, NULL, 8) = 0",
                FORK.formatted(501), "read(3, \"\", 4096) = 0",
                "--- SIGCHLD {si_signo=17, si_code=1, si_pid=501, si_uid=0, si_status=" + status + "} ---",
                EXITED.formatted(status, 1, 501), NO_CHILD, "rt_sigreturn({mask=[2]}) = 0", "close(3) = 0",
                "rt_sigprocmask(0, [17], [], 8) = 0", "rt_sigprocmask(2, [], NULL, 8) = 0", "+++ exited with 0 +++"),
                task(501, "exit_group(" + status + ") = ?", "+++ exited with " + status + " +++"));
    }

    private static Trace shellJvisor(int status, String... extra) {
        return shellJvisor(status, extra, new String[0]);
    }

    private static Trace shellJvisor(int status, String[] extra, String[] atTheEnd) {
        List<String> root = new java.util.ArrayList<>(List.of(
                "rt_sigaction(17, {sa_handler=0x430a00, sa_mask=[], sa_flags=0x14000000}, NULL, 8) = 0",
                FORK.formatted(43), "read(3, \"\", 4096) = 0", "close(3) = 0", "rt_sigprocmask(0, [17], [], 8) = 0"));
        root.addAll(List.of(extra));
        root.addAll(List.of(EXITED.formatted(status, 0, 43), "rt_sigprocmask(2, [], NULL, 8) = 0",
                "--- SIGCHLD {si_signo=17, si_code=1, si_pid=43, si_uid=0, si_status=" + status + "} ---", NO_CHILD,
                "rt_sigreturn({mask=[]}) = 0"));
        root.addAll(List.of(atTheEnd));
        root.add("+++ exited with 0 +++");
        return record(task(42, root.toArray(String[]::new)), task(43, "exit_group(" + status + ") = ?",
                "+++ exited with " + status + " +++"));
    }

    @Test
    void aChildReapedAtAnotherMomentIsComparedByItsStatus() {
        // Under jvisor the wait loop also blocked and unblocked SIGCHLD once more: undone, so allowed.
        Comparison c = compare(shellNative(0), shellJvisor(0, "rt_sigprocmask(2, [], NULL, 8) = 0",
                "rt_sigprocmask(0, [17], [], 8) = 0"), false);
        assertEquals(List.of(), c.divergences);
        assertTrue(c.ruleUses.get(Rule.REAP_TIMING) >= 1);
        assertFalse(compare(shellNative(0), shellJvisor(0), true).divergences.isEmpty());
    }

    @Test
    void reapTimingDoesNotHideAnotherStatusAMissingReapOrAMaskLeftChanged() {
        // The same child with another exit status (the child's own exit differs too: two divergences).
        Comparison status = compare(shellNative(0), shellJvisor(1), false);
        assertTrue(status.divergences.stream().anyMatch(d -> d.syscall().equals("wait4") && d.detail().contains("status")),
                status.divergences::toString);

        // jvisor never reaps the child.
        Trace noReap = record(task(42, "rt_sigaction(17, {sa_handler=0x430a00, sa_mask=[], sa_flags=0x14000000}, NULL, 8) = 0",
                FORK.formatted(43), "read(3, \"\", 4096) = 0", "close(3) = 0", "rt_sigprocmask(0, [17], [], 8) = 0",
                NO_CHILD, "rt_sigprocmask(2, [], NULL, 8) = 0", "+++ exited with 0 +++"),
                task(43, "exit_group(0) = ?", "+++ exited with 0 +++"));
        Comparison missing = compare(shellNative(0), noReap, false);
        assertTrue(missing.divergences.stream().anyMatch(d -> d.detail().contains("reaps a child")), missing.divergences::toString);

        // An extra mask change that is not undone is no wait loop going round again.
        Comparison masked = compare(shellNative(0), shellJvisor(0, new String[0],
                new String[] {"rt_sigprocmask(0, [10], [], 8) = 0"}), false);
        assertEquals(1, unexplained(masked));
        assertEquals("rt_sigprocmask", masked.divergences.get(0).syscall());
    }

    @Test
    void undonePairsAreThoseThatLeaveMaskAndHandlersAsTheyWere() {
        List<Event> events = List.of(StraceOutput.event("rt_sigprocmask(0, NULL, [], 8) = 0"),
                StraceOutput.event("rt_sigprocmask(0, [17], [], 8) = 0"),
                StraceOutput.event("mmap(NULL, 528384, 3, 34, -1, 0) = 0x7f0000"),
                StraceOutput.event("rt_sigprocmask(2, [], NULL, 8) = 0"),
                StraceOutput.event("rt_sigaction(2, {sa_handler=0x42dc70, sa_mask=[], sa_flags=0x4000000}, "
                        + "{sa_handler=0, sa_mask=[], sa_flags=0x4000000}, 8) = 0"),
                StraceOutput.event("rt_sigaction(2, {sa_handler=0, sa_mask=[], sa_flags=0x4000000}, "
                        + "{sa_handler=0x42dc70, sa_mask=[], sa_flags=0x4000000}, 8) = 0"),
                StraceOutput.event("rt_sigprocmask(0, [17], [], 8) = 0"));
        List<Event> left = Reaping.withoutUndonePairs(events);
        // The block/unblock around the mmap and the handler switched and back go; the last block stays.
        assertEquals(List.of("rt_sigprocmask 0", "mmap", "rt_sigprocmask 0"), left.stream().map(Event::key).toList());
        assertTrue(Reaping.netNil(events, 1, 4));
        assertFalse(Reaping.netNil(events, 1, 3));
        assertFalse(Reaping.netNil(events, 4, 5));

        // bash's wait with SIGINT ignored from the start: SIGINT set to SIG_IGN over SIG_IGN between
        // blocking and unblocking SIGCHLD changes nothing, and the block/unblock pair around it goes too.
        String ignoreInt = "rt_sigaction(2, {sa_handler=1, sa_mask=[], sa_flags=0x4000000}, "
                + "{sa_handler=1, sa_mask=[], sa_flags=0x4000000}, 8) = 0";
        List<Event> ignored = List.of(StraceOutput.event("rt_sigprocmask(0, [17], [], 8) = 0"),
                StraceOutput.event(ignoreInt), StraceOutput.event("rt_sigprocmask(2, [], NULL, 8) = 0"));
        assertEquals(List.of(), Reaping.withoutUndonePairs(ignored));
        // Setting SIG_IGN where the default was is a change: it stays.
        List<Event> changed = List.of(StraceOutput.event("rt_sigaction(2, {sa_handler=1, sa_mask=[], "
                + "sa_flags=0x4000000}, {sa_handler=0, sa_mask=[], sa_flags=0x4000000}, 8) = 0"));
        assertEquals(changed, Reaping.withoutUndonePairs(changed));
    }

    // ---------------------------------------------------------------- stream-chunks

    @Test
    void aStreamMayDeliverTheSameBytesInOtherPieces() {
        Trace nat = record(task(500, "pipe2([3, 4], 0) = 0", "read(3, \"ab\", 4096) = 2", "read(3, \"cd\", 4096) = 2",
                "read(3, \"\", 4096) = 0", "socketpair(1, 1, 0, [5, 6]) = 0", "write(5, \"abcdef\", 6) = 4",
                "write(5, \"ef\", 2) = 2", "read(3, \"x\", 10) = 1", "write(1, \"x\", 1) = 1", "read(3, \"y\", 10) = 1",
                "write(1, \"y\", 1) = 1", "+++ exited with 0 +++"));
        Trace jv = record(task(42, "pipe2([3, 4], 0) = 0", "read(3, \"abcd\", 4096) = 4", "read(3, \"\", 4096) = 0",
                "socketpair(1, 1, 0, [5, 6]) = 0", "write(5, \"abcdef\", 6) = 6", "read(3, \"xy\", 10) = 2",
                "write(1, \"xy\", 2) = 2", "+++ exited with 0 +++"));
        Comparison c = compare(nat, jv, false);
        assertEquals(List.of(), c.divergences);
        assertEquals(4, c.ruleUses.get(Rule.STREAM_CHUNKS)); // the reads, the partial write, the copy loop's read and write
        assertFalse(compare(nat, jv, true).divergences.isEmpty());
    }

    @Test
    void streamChunksDoNotHideOtherBytesOrShortReadsOfAFile() {
        Trace nat = record(task(500, "pipe2([3, 4], 0) = 0", "read(3, \"ab\", 4096) = 2", "read(3, \"cd\", 4096) = 2",
                "+++ exited with 0 +++"));
        Trace other = record(task(42, "pipe2([3, 4], 0) = 0", "read(3, \"abce\", 4096) = 4", "+++ exited with 0 +++"));
        Comparison c = compare(nat, other, false);
        assertEquals(1, unexplained(c));
        assertEquals("data", c.divergences.get(0).kind());

        // A regular file is no stream: a short read of it is a divergence.
        Trace file = record(task(500, "openat(-100, \"f\", 0) = 3", "read(3, \"ab\", 4096) = 2", "read(3, \"cd\", 4096) = 2",
                "+++ exited with 0 +++"));
        Trace fileJv = record(task(42, "openat(-100, \"f\", 0) = 3", "read(3, \"abcd\", 4096) = 4", "+++ exited with 0 +++"));
        assertEquals(2, unexplained(compare(file, fileJv, false)));

        // Nor is a pipe whose read end was closed and the number reused for a file.
        Trace reused = record(task(500, "pipe2([3, 4], 0) = 0", "close(3) = 0", "openat(-100, \"f\", 0) = 3",
                "read(3, \"ab\", 4096) = 2", "read(3, \"cd\", 4096) = 2", "+++ exited with 0 +++"));
        Trace reusedJv = record(task(42, "pipe2([3, 4], 0) = 0", "close(3) = 0", "openat(-100, \"f\", 0) = 3",
                "read(3, \"abcd\", 4096) = 4", "+++ exited with 0 +++"));
        assertEquals(2, unexplained(compare(reused, reusedJv, false)));
    }

    // ---------------------------------------------------------------- concurrent-writers

    private static Trace writers(int root, String read, String[] first, String[] second) {
        return record(task(root, "pipe2([3, 4], 0) = 0", FORK.formatted(root + 1), FORK.formatted(root + 2), read,
                "+++ exited with 0 +++"), task(root + 1, first), task(root + 2, second));
    }

    @Test
    void writesOfSeveralTasksIntoOnePipeMayArriveInAnotherOrder() {
        Trace nat = writers(500, "read(3, \"xy\", 10) = 2", new String[] {"write(4, \"x\", 1) = 1"},
                new String[] {"write(4, \"y\", 1) = 1"});
        Trace jv = writers(42, "read(3, \"yx\", 10) = 2", new String[] {"write(4, \"x\", 1) = 1"},
                new String[] {"write(4, \"y\", 1) = 1"});
        Comparison c = compare(nat, jv, false);
        assertEquals(List.of(), c.divergences);
        assertEquals(1, c.ruleUses.get(Rule.CONCURRENT_WRITERS));
    }

    @Test
    void concurrentWritersDoNotHideOneTasksWritesReorderedOrBytesNobodyWrote() {
        String[] both = {"write(4, \"x\", 1) = 1", "write(4, \"y\", 1) = 1"};
        Trace nat = writers(500, "read(3, \"xy\", 10) = 2", both, new String[] {"getpid() = 502"});
        Trace jv = writers(42, "read(3, \"yx\", 10) = 2", both, new String[] {"getpid() = 44"});
        assertEquals(1, unexplained(compare(nat, jv, false)));

        Trace natTwo = writers(500, "read(3, \"xy\", 10) = 2", new String[] {"write(4, \"x\", 1) = 1"},
                new String[] {"write(4, \"y\", 1) = 1"});
        Trace jvOther = writers(42, "read(3, \"yz\", 10) = 2", new String[] {"write(4, \"x\", 1) = 1"},
                new String[] {"write(4, \"y\", 1) = 1"});
        assertEquals(1, unexplained(compare(natTwo, jvOther, false)));
    }

    // ---------------------------------------------------------------- futex-contention

    private static final String THREAD = "clone(child_stack=0x7f0000, flags=0x3d0f00, parent_tid=0x7f10, tls=0x7f20, "
            + "child_tidptr=0x7f10) = %d";

    private static Trace threads(int root, String[] main, String[] thread) {
        String[] m = new String[main.length + 2];
        m[0] = THREAD.formatted(root + 1);
        System.arraycopy(main, 0, m, 1, main.length);
        m[m.length - 1] = "+++ exited with 0 +++";
        return record(task(root, m), task(root + 1, thread));
    }

    @Test
    void threadsContendingMakeOtherFutexCalls() {
        Trace nat = threads(500, new String[] {"futex(0x4c0, 128, 2, NULL) = 0", "futex(0x4c0, 128, 2, NULL) = -1 EAGAIN "
                + "(Resource temporarily unavailable)", "write(1, \"a\", 1) = 1"}, new String[] {"futex(0x4c0, 129, 1) = 1",
                "sched_yield() = 0", "sched_yield() = 0", "exit(0) = ?"});
        Trace jv = threads(42, new String[] {"write(1, \"a\", 1) = 1"}, new String[] {"futex(0x4c0, 129, 1) = 0",
                "exit(0) = ?"});
        Comparison c = compare(nat, jv, false);
        assertEquals(List.of(), c.divergences);
        assertEquals(2, c.ruleUses.get(Rule.FUTEX_CONTENTION));
    }

    @Test
    void aDirectorysLinkCountBelongsToTheFileSystemAFilesDoesNot() {
        String stat = "newfstatat(-100, \"%s\", {st_mode=%s, st_nlink=%d, st_size=40}, 0) = 0";
        Comparison dir = compare(record(task(500, stat.formatted("/tmp", "17407", 179), "+++ exited with 0 +++")),
                record(task(42, stat.formatted("/tmp", "17407", 2), "+++ exited with 0 +++")), false);
        assertEquals(List.of(), dir.divergences);
        assertTrue(dir.ruleUses.get(Rule.FILE_SYSTEM_LAYOUT) >= 1);
        assertEquals(1, unexplained(compare(record(task(500, stat.formatted("f", "33188", 2), "+++ exited with 0 +++")),
                record(task(42, stat.formatted("f", "33188", 1), "+++ exited with 0 +++")), false)));
    }

    @Test
    void sigreturnGivesBackWhatTheInterruptedCodeHadEvenAnErrno() {
        String usr1 = "--- SIGUSR1 {si_signo=10, si_code=-6, si_pid=500, si_uid=0} ---";
        String usr1Jv = "--- SIGUSR1 {si_signo=10, si_code=-6, si_pid=42, si_uid=0} ---";
        Comparison c = compare(record(task(500, usr1, "rt_sigreturn({mask=[]}) = -1 EAGAIN (Resource temporarily unavailable)",
                "+++ exited with 0 +++")), record(task(42, usr1Jv, "rt_sigreturn({mask=[]}) = 0", "+++ exited with 0 +++")), false);
        assertEquals(List.of(), c.divergences);
        assertTrue(c.ruleUses.get(Rule.INTERRUPTED_REGISTERS) >= 1);
    }

    @Test
    void aJoinWaitsForTheThreadsIdInBothRuns() {
        // pthread_join waits on the word that holds the thread's id, with a bitset (strace shows no uaddr2).
        Comparison c = compare(threads(500, new String[] {"futex(0x7f10, 265, 501, NULL, 0xffffffff) = 0"},
                new String[] {"exit(0) = ?"}), threads(42, new String[] {"futex(0x7f10, 265, 43, NULL, 0xffffffff) = 0"},
                new String[] {"exit(0) = ?"}), false);
        assertEquals(List.of(), c.divergences);
        // Compared alike, yet not coverage: whether the join had to wait at all is timing.
        assertFalse(c.covered.containsKey("futex"), () -> "covered: " + c.covered);
        assertTrue(c.covered.containsKey("clone"), () -> "covered: " + c.covered);
        // A wait for another thread (the one the join found still running in that run) is contention.
        Comparison other = compare(threads(500, new String[] {"futex(0x7f10, 265, 501, NULL, 0xffffffff) = 0"},
                new String[] {"exit(0) = ?"}), threads(42, new String[] {"futex(0x7f10, 265, 44, NULL, 0xffffffff) = 0"},
                new String[] {"exit(0) = ?"}), false);
        assertEquals(List.of(), other.divergences);
        assertEquals(1, other.ruleUses.get(Rule.FUTEX_CONTENTION));
        // ... and an impossible result is still a divergence.
        assertEquals(1, unexplained(compare(threads(500, new String[] {"futex(0x7f10, 265, 501, NULL, 0xffffffff) = 0"},
                new String[] {"exit(0) = ?"}), threads(42, new String[] {"futex(0x7f10, 265, 44, NULL, 0xffffffff) = 5"},
                new String[] {"exit(0) = ?"}), false)));
    }

    @Test
    void futexContentionDoesNotHideImpossibleResultsOtherCallsOrASingleThread() {
        Trace nat = threads(500, new String[] {"futex(0x4c0, 128, 2, NULL) = 0", "write(1, \"a\", 1) = 1"},
                new String[] {"exit(0) = ?"});
        // A wake of one that woke three, and another write.
        Trace jv = threads(42, new String[] {"write(1, \"b\", 1) = 1"}, new String[] {"futex(0x4c0, 129, 1) = 3",
                "exit(0) = ?"});
        Comparison c = compare(nat, jv, false);
        assertEquals(2, unexplained(c));
        assertTrue(c.divergences.stream().anyMatch(d -> d.detail().contains("wake of 1")), c.divergences::toString);

        // Without a second thread there is no contention: a missing futex wait diverges.
        Trace single = record(task(500, "futex(0x4c0, 128, 2, NULL) = 0", "write(1, \"a\", 1) = 1", "+++ exited with 0 +++"));
        Trace singleJv = record(task(42, "write(1, \"a\", 1) = 1", "+++ exited with 0 +++"));
        assertEquals(1, unexplained(compare(single, singleJv, false)));
    }

    // ---------------------------------------------------------------- ports

    private static Trace ports(int root, String learned, String passed, String connect) {
        return record(task(root, "getsockname(3, {sa_family=2, sin_port=\"" + learned + "\", sin_addr=\"\\x7f\\x00\\x00\\x01\"}, "
                + "[16]) = 0", "read(5, \"" + passed + "\", 2) = 2", "connect(6, {sa_family=2, sin_port=\"" + connect
                + "\", sin_addr=\"\\x7f\\x00\\x00\\x01\"}, 16) = 0", "+++ exited with 0 +++"));
    }

    @Test
    void portsTheHostChoseStandForEachOther() {
        Comparison c = compare(ports(500, "\\x9f\\xb5", "\\x9f\\xb5", "\\x9f\\xb5"), ports(42, "\\x8d\\x50", "\\x8d\\x50",
                "\\x8d\\x50"), false);
        assertEquals(List.of(), c.divergences);
        assertEquals(3, c.ruleUses.get(Rule.PORTS));
    }

    @Test
    void portsDoNotHideAPortNeverLearnedOrAnotherPairing() {
        // The data is a port neither run learned from the kernel.
        assertEquals(1, unexplained(compare(ports(500, "\\x9f\\xb5", "\\x11\\x22", "\\x9f\\xb5"),
                ports(42, "\\x8d\\x50", "\\x33\\x44", "\\x8d\\x50"), false)));
        // connect passes another port than the one paired with the native one.
        assertEquals(1, unexplained(compare(ports(500, "\\x9f\\xb5", "\\x9f\\xb5", "\\x9f\\xb5"),
                ports(42, "\\x8d\\x50", "\\x8d\\x50", "\\x12\\x34"), false)));
    }

    // ---------------------------------------------------------------- inode-numbers, times in text

    @Test
    void aPipesLinkIsAsLongAsItsInodeNumber() {
        Trace nat = record(task(500, "readlink(\"/proc/self/fd/3\", \"pipe:[4026]\", 4096) = 11", "+++ exited with 0 +++"));
        Trace jv = record(task(42, "readlink(\"/proc/self/fd/3\", \"pipe:[123456]\", 4096) = 13", "+++ exited with 0 +++"));
        Comparison c = compare(nat, jv, false);
        assertEquals(List.of(), c.divergences);
        assertTrue(c.ruleUses.get(Rule.INODE_NUMBERS) >= 1);

        Trace link = record(task(500, "readlink(\"/tmp/l\", \"abc\", 4096) = 3", "+++ exited with 0 +++"));
        Trace linkJv = record(task(42, "readlink(\"/tmp/l\", \"abcd\", 4096) = 4", "+++ exited with 0 +++"));
        assertEquals(1, unexplained(compare(link, linkJv, false)));
    }

    @Test
    void procSelfIsAsLongAsThePid() {
        Comparison c = compare(record(task(500, "readlink(\"/proc/self\", \"500\", 4096) = 3", "+++ exited with 0 +++")),
                record(task(42, "readlink(\"/proc/self\", \"42\", 4096) = 2", "+++ exited with 0 +++")), false);
        assertEquals(List.of(), c.divergences);
        assertTrue(c.ruleUses.get(Rule.PIDS) >= 1);

        // Another process's id than the pair the tasks make.
        assertEquals(1, unexplained(compare(record(task(500, "readlink(\"/proc/self\", \"501\", 4096) = 3", "+++ exited with 0 +++")),
                record(task(42, "readlink(\"/proc/self\", \"42\", 4096) = 2", "+++ exited with 0 +++")), false)));
    }

    @Test
    void aClockTimeInTextMayFallInTheNextMinute() {
        String ls = "write(1, \"-rw-r--r-- 1 root root 12 Nov 22 %s %s\\n\", 42) = 42";
        Comparison c = compare(record(task(500, ls.formatted("21:51", "f"), "+++ exited with 0 +++")),
                record(task(42, ls.formatted("21:50", "f"), "+++ exited with 0 +++")), false);
        assertEquals(List.of(), c.divergences);
        assertEquals(1, c.ruleUses.get(Rule.TIMES));

        assertEquals(1, unexplained(compare(record(task(500, ls.formatted("23:50", "f"), "+++ exited with 0 +++")),
                record(task(42, ls.formatted("21:50", "f"), "+++ exited with 0 +++")), false)));
        assertEquals(1, unexplained(compare(record(task(500, ls.formatted("21:51", "g"), "+++ exited with 0 +++")),
                record(task(42, ls.formatted("21:50", "f"), "+++ exited with 0 +++")), false)));
        assertTrue(Comparison.sameButClockTimes("at 09:59:58.".getBytes(), "at 10:00:03.".getBytes()));
        assertFalse(Comparison.sameButClockTimes("v1:20".getBytes(), "v1:21".getBytes()));
    }

    /** A ustar header for name with the given mtime (octal text), its checksum filled in. */
    private static byte[] tarHeader(String name, String mtime) {
        byte[] h = new byte[512];
        byte[] n = name.getBytes(), m = mtime.getBytes(), magic = {'u', 's', 't', 'a', 'r', 0, '0', '0'};
        System.arraycopy(n, 0, h, 0, n.length);
        System.arraycopy(m, 0, h, 136, m.length);
        System.arraycopy(magic, 0, h, 257, magic.length);
        java.util.Arrays.fill(h, 148, 156, (byte) ' ');
        long sum = 0;
        for (byte b : h) sum += b & 0xFF;
        byte[] c = String.format("%06o", sum).getBytes();
        System.arraycopy(c, 0, h, 148, 6);
        h[154] = 0;
        return h;
    }

    @Test
    void aTarHeaderMayCarryAnotherMtimeButNothingElse() {
        byte[] nat = tarHeader("sub/a.txt", "15107052264"), jv = tarHeader("sub/a.txt", "15107052251");
        assertTrue(Comparison.sameButTarTimes(nat, jv));
        assertFalse(Comparison.sameButTarTimes(nat, tarHeader("sub/b.txt", "15107052251")));
        byte[] badSum = jv.clone();
        badSum[148] = '7';
        assertFalse(Comparison.sameButTarTimes(nat, badSum));
        // The same bytes outside a ustar header are no tar time.
        byte[] plain = nat.clone(), plainJv = jv.clone();
        plain[257] = plainJv[257] = 'x';
        assertFalse(Comparison.sameButTarTimes(plain, plainJv));
    }

    @Test
    void numbersAreNoTemporaryNames() {
        Comparison names = compare(record(task(500, "openat(-100, \"/tmp/f-a1B2c3\", 0xc2, 0600) = 3",
                "+++ exited with 0 +++")), record(task(42, "openat(-100, \"/tmp/f-Zz9y8X\", 0xc2, 0600) = 3",
                "+++ exited with 0 +++")), false);
        assertEquals(List.of(), names.divergences);
        assertEquals(1, names.ruleUses.get(Rule.TEMP_NAMES));
        assertEquals(1, unexplained(compare(record(task(500, "write(1, \"mtime 15107052264\", 17) = 17",
                "+++ exited with 0 +++")), record(task(42, "write(1, \"mtime 15107052251\", 17) = 17",
                "+++ exited with 0 +++")), false)));
    }

    @Test
    void aTaskKilledFromOutsideMayDieInsideItsLastCall() {
        Comparison c = compare(record(task(500, "set_robust_list(0x4b0660, 24) = 0", "+++ killed by SIGKILL +++")),
                record(task(42, "set_robust_list(0x4b0660, 24) = ?", "+++ killed by SIGKILL +++")), false);
        assertEquals(List.of(), c.divergences);
        assertEquals(1, c.ruleUses.get(Rule.KILLED_MIDWAY));
        // The run whose last call returned may have gone on to make more calls.
        Comparison further = compare(record(task(500, "set_robust_list(0x4b0660, 24) = 0", "getpid() = 500",
                "+++ killed by SIGKILL +++")), record(task(42, "set_robust_list(0x4b0660, 24) = ?", "+++ killed by SIGKILL +++")), false);
        assertEquals(List.of(), further.divergences);
        // A fault is the task's own doing; and a call before the last one must return in both runs.
        assertEquals(1, unexplained(compare(record(task(500, "set_robust_list(0x4b0660, 24) = 0", "+++ killed by SIGSEGV +++")),
                record(task(42, "set_robust_list(0x4b0660, 24) = ?", "+++ killed by SIGSEGV +++")), false)));
        assertEquals(1, unexplained(compare(record(task(500, "set_robust_list(0x4b0660, 24) = 0", "getpid() = 500",
                "+++ killed by SIGKILL +++")), record(task(42, "set_robust_list(0x4b0660, 24) = ?", "getpid() = 42",
                "+++ killed by SIGKILL +++")), false)));
    }

    // ---------------------------------------------------------------- asynchronous signals by sender

    @Test
    void aChildsSignalPairsWithTheSameChildsOrMerges() {
        String natSig = "--- SIGCHLD {si_signo=17, si_code=1, si_pid=%d, si_uid=0, si_status=%d} ---";
        String[] children = {"exit_group(0) = ?", "+++ exited with 0 +++"};
        String handler = "rt_sigaction(17, {sa_handler=0x401000, sa_mask=[], sa_flags=0x4000000}, NULL, 8) = 0";
        Trace nat = record(task(500, handler, FORK.formatted(501), FORK.formatted(502), natSig.formatted(501, 0),
                natSig.formatted(502, 5), "+++ exited with 0 +++"), task(501, children), task(502, children));
        // Under jvisor only the second child's SIGCHLD came (the first merged with it).
        Trace jv = record(task(42, handler, FORK.formatted(43), FORK.formatted(44), natSig.formatted(44, 5),
                "+++ exited with 0 +++"), task(43, children), task(44, children));
        Comparison c = compare(nat, jv, false);
        assertEquals(List.of(), c.divergences);

        Trace wrong = record(task(42, handler, FORK.formatted(43), FORK.formatted(44), natSig.formatted(44, 0),
                "+++ exited with 0 +++"), task(43, children), task(44, children));
        Comparison w = compare(nat, wrong, false);
        assertEquals(1, unexplained(w));
        assertTrue(w.divergences.get(0).detail().contains("si_status"), w.divergences.get(0).detail());
        assertNull(w.divergences.get(0).explanation());
    }
}
