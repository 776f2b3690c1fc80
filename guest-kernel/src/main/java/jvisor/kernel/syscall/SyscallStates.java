package jvisor.kernel.syscall;

import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * How far jvisor follows Linux, per syscall: the metadata behind `jvisor syscalls`, docs/SYSCALLS.md
 * and the deliberate differences `jvisor check` accepts. A syscall with a handler in the
 * {@link SyscallTable} is implemented and one without is not; this file adds one declarative entry
 * per syscall that is only partly implemented (what is missing) or deliberately different (why,
 * and how the difference shows next to a native run).
 */
public final class SyscallStates {
    private SyscallStates() {}

    public enum State {
        IMPLEMENTED("implemented"), PARTIAL("partial"), DELIBERATE("deliberately different"),
        NOT_IMPLEMENTED("not implemented");

        public final String text;

        State(String text) {
            this.text = text;
        }
    }

    /** How a deliberate difference shows when a run is compared with a native one. */
    public enum Shows {
        /** jvisor's run makes calls the native run does not make (or not always). */
        EXTRA_CALLS,
        /** The result differs. */
        RESULT,
        /** What the call writes to memory differs. */
        OUTPUT
    }

    /** One entry: the syscall, its state, what is missing or why it differs, and how a difference shows. */
    public record Entry(String name, State state, String detail, Set<Shows> shows) {
    }

    private static final Map<String, Entry> ENTRIES = new LinkedHashMap<>();

    private static void partial(String name, String missing) {
        ENTRIES.put(name, new Entry(name, State.PARTIAL, missing, Set.of()));
    }

    private static void deliberate(String name, String why, Shows first, Shows... more) {
        ENTRIES.put(name, new Entry(name, State.DELIBERATE, why, EnumSet.of(first, more)));
    }

    static {
        // Only partly implemented: what is missing.
        partial("futex", "priority-inheritance operations (FUTEX_LOCK_PI, FUTEX_UNLOCK_PI, FUTEX_TRYLOCK_PI, "
                + "FUTEX_WAIT_REQUEUE_PI, FUTEX_CMP_REQUEUE_PI, FUTEX_LOCK_PI2) fail with ENOSYS");
        partial("clone", "CLONE_PIDFD fails with EINVAL and namespaces (CLONE_NEW*) with EPERM");
        partial("clone3", "CLONE_PIDFD and CLONE_INTO_CGROUP fail with EINVAL, set_tid with EPERM, namespaces "
                + "with EPERM");
        partial("mremap", "moving a MAP_SHARED mapping moves a private copy");
        partial("prctl", "PR_SET_NAME/GET_NAME, PDEATHSIG, DUMPABLE, KEEPCAPS, CAPBSET_READ, TIMERSLACK, "
                + "CHILD_SUBREAPER, NO_NEW_PRIVS, GET_SECCOMP; other options fail with EINVAL, and the recorded "
                + "settings (parent death signal, subreaper) have no effect yet");
        partial("prlimit64", "only the calling process's limits: other pids fail with ESRCH");
        partial("sched_setaffinity", "only the calling thread (other tids fail with ESRCH); the mask is checked "
                + "and not enforced: the host schedules guest threads");
        partial("get_robust_list", "only the calling thread: other tids fail with ESRCH");
        partial("openat", "O_TMPFILE only in tmpfs directories (/tmp): EOPNOTSUPP on the host's file systems");
        partial("open", "O_TMPFILE only in tmpfs directories (/tmp): EOPNOTSUPP on the host's file systems");
        partial("renameat2", "RENAME_WHITEOUT fails with EINVAL");
        partial("arch_prctl", "ARCH_SET_CPUID fails with ENODEV (no CPUID faulting); ARCH_GET_CPUID answers 1");
        partial("ioctl", "FIOCLEX, FIONCLEX, FIONBIO, FIONREAD, the job control requests (TIOC[GS]PGRP, "
                + "TIOCGSID, TIOCSCTTY without stealing, TIOCNOTTY) and the terminal requests the host answers "
                + "(TCGETS, TCSETS*, TIOC[GS]WINSZ, TIOCOUTQ, TCFLSH, TCXONC, TCSBRK, TIOCGPTN, TIOCSPTLCK); other "
                + "requests go to the file without an argument buffer (ENOTTY on most)");

        // Deliberately different: why, and how it shows next to a native run.
        String noVdso = "no vDSO: the libc asks the kernel, where natively the vDSO may answer without a syscall";
        deliberate("clock_gettime", noVdso + "; CPU-time clocks count guest instructions at a nominal 1 GHz",
                Shows.EXTRA_CALLS);
        deliberate("gettimeofday", noVdso, Shows.EXTRA_CALLS);
        deliberate("time", noVdso, Shows.EXTRA_CALLS);
        deliberate("getcpu", noVdso + "; guest threads are not pinned to an emulated CPU, so the CPU is always 0",
                Shows.EXTRA_CALLS, Shows.OUTPUT);
        deliberate("times", "guest CPU time is instructions retired at a nominal 1 GHz", Shows.OUTPUT);
        deliberate("getrusage", "guest CPU time is instructions retired at a nominal 1 GHz; the counters jvisor "
                + "does not keep (faults, context switches, maximum RSS) are 0", Shows.OUTPUT);
    }

    /** The entry of a syscall, or null when it has none (then the table alone says its state). */
    public static Entry entry(String name) {
        return ENTRIES.get(name);
    }

    /** Every entry, in the order of this file. */
    public static Iterable<Entry> entries() {
        return ENTRIES.values();
    }

    /** The state of a syscall in jvisor: from its entry, else from whether the table has a handler. */
    public static State state(SyscallTable table, String name) {
        Entry e = ENTRIES.get(name);
        if (e != null) return e.state();
        SyscallEntry s = table.get(table.number(name));
        return s != null && s.handler() != null ? State.IMPLEMENTED : State.NOT_IMPLEMENTED;
    }
}
