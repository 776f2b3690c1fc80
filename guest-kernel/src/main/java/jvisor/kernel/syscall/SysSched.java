package jvisor.kernel.syscall;

import static jvisor.kernel.strace.ArgFormat.INT;
import static jvisor.kernel.strace.ArgFormat.PTR;
import static jvisor.kernel.strace.ArgFormat.RET_DEC;

import java.util.ArrayList;
import java.util.List;

import jvisor.kernel.abi.Errno;
import jvisor.kernel.proc.Credentials;
import jvisor.kernel.proc.Process;
import jvisor.kernel.proc.Task;

/**
 * Nice values and scheduling policies (getpriority(2), setpriority(2), sched_setscheduler(2),
 * sched_get_priority_max(2)), as kernel/sys.c and kernel/sched/core.c answer them. The values are
 * the guest's own: every guest task runs on an ordinary host thread, so they change nothing in
 * how the host schedules it (listed in the README's deliberate differences).
 */
final class SysSched {
    private SysSched() {}

    static final int PRIO_PROCESS = 0, PRIO_PGRP = 1, PRIO_USER = 2;
    static final int SCHED_OTHER = 0, SCHED_FIFO = 1, SCHED_RR = 2, SCHED_BATCH = 3, SCHED_IDLE = 5;
    /** sched_setscheduler's flag: children start with SCHED_OTHER. Accepted, not recorded. */
    static final int SCHED_RESET_ON_FORK = 0x40000000;
    static final int MIN_NICE = -20, MAX_NICE = 19;

    static void register(SyscallTable t) {
        t.define("getpriority", (k, a, b, c, d, e, f) -> getpriority(k, (int) a, (int) b), RET_DEC, INT, INT);
        t.define("setpriority", (k, a, b, c, d, e, f) -> setpriority(k, (int) a, (int) b, (int) c),
                RET_DEC, INT, INT, INT);
        t.define("sched_getscheduler", (k, a, b, c, d, e, f) -> {
            Process p = target(k, (int) a);
            return p == null ? (int) a < 0 ? -Errno.EINVAL : -Errno.ESRCH : p.schedPolicy;
        }, RET_DEC, INT);
        t.define("sched_getparam", (k, a, b, c, d, e, f) -> {
            if ((int) a < 0 || b == 0) return -Errno.EINVAL;
            Process p = target(k, (int) a);
            if (p == null) return -Errno.ESRCH;
            k.memory().write32(b, p.schedPriority);
            return 0;
        }, RET_DEC, INT, PTR);
        t.define("sched_setscheduler", (k, a, b, c, d, e, f) -> setscheduler(k, (int) a, (int) b, c), RET_DEC,
                INT, INT, PTR);
        t.define("sched_setparam", (k, a, b, c, d, e, f) -> setscheduler(k, (int) a, -1, b), RET_DEC, INT, PTR);
        t.define("sched_get_priority_max", (k, a, b, c, d, e, f) -> priorityRange((int) a, true), RET_DEC, INT);
        t.define("sched_get_priority_min", (k, a, b, c, d, e, f) -> priorityRange((int) a, false), RET_DEC, INT);
    }

    /** The process a pid names (0: the caller's), or null. */
    private static Process target(Task t, int pid) {
        if (pid < 0) return null;
        if (pid == 0) return t.process;
        Task x = t.process.table.task(pid);
        return x != null ? x.process : null;
    }

    /** The processes "which" and "who" select, or null for a bad "which". */
    private static List<Process> select(Task t, int which, int who) {
        List<Process> out = new ArrayList<>();
        switch (which) {
            case PRIO_PROCESS -> {
                Process p = target(t, who);
                if (p != null) out.add(p);
            }
            case PRIO_PGRP -> out.addAll(t.process.table.group(who == 0 ? t.process.pgid() : who));
            case PRIO_USER -> {
                int uid = who == 0 ? t.process.creds.euid() : who;
                for (Process p : t.process.table.processes()) if (p.creds.uid() == uid) out.add(p);
            }
            default -> {
                return null;
            }
        }
        return out;
    }

    /** The raw syscall returns 20 - nice of the highest-priority match (glibc turns it back). */
    static long getpriority(Task t, int which, int who) {
        List<Process> ps = select(t, which, who);
        if (ps == null) return -Errno.EINVAL;
        if (ps.isEmpty()) return -Errno.ESRCH;
        int best = MAX_NICE + 1;
        for (Process p : ps) best = Math.min(best, p.nice);
        return 20 - best;
    }

    /**
     * set_one_prio: another user's process needs privilege (EPERM); a lower nice value than the
     * current one needs CAP_SYS_NICE (EACCES); the value is clamped to -20..19.
     */
    static long setpriority(Task t, int which, int who, int niceval) {
        List<Process> ps = select(t, which, who);
        if (ps == null) return -Errno.EINVAL;
        int nice = Math.max(MIN_NICE, Math.min(MAX_NICE, niceval));
        Credentials me = t.process.creds;
        long error = -Errno.ESRCH;
        for (Process p : ps) {
            Credentials c = p.creds;
            if (!me.privileged() && c.uid() != me.euid() && c.euid() != me.euid()) {
                error = -Errno.EPERM;
            } else if (nice < p.nice && !me.privileged()) {
                error = -Errno.EACCES;
            } else {
                p.nice = nice;
                if (error == -Errno.ESRCH) error = 0;
            }
        }
        return error;
    }

    /** sched_setscheduler, or with policy -1 sched_setparam (the policy stays). */
    static long setscheduler(Task t, int pid, int policy, long paramAddr) {
        if (pid < 0 || paramAddr == 0) return -Errno.EINVAL;
        int prio = t.memory().read32(paramAddr);
        Process p = target(t, pid);
        if (p == null) return -Errno.ESRCH;
        int pol = policy == -1 ? p.schedPolicy : policy & ~SCHED_RESET_ON_FORK;
        boolean realtime = pol == SCHED_FIFO || pol == SCHED_RR;
        if (!realtime && pol != SCHED_OTHER && pol != SCHED_BATCH && pol != SCHED_IDLE) return -Errno.EINVAL;
        if (realtime ? prio < 1 || prio > 99 : prio != 0) return -Errno.EINVAL;
        Credentials me = t.process.creds;
        if (!me.privileged() && (realtime || (p != t.process && p.creds.uid() != me.euid()))) return -Errno.EPERM;
        p.schedPolicy = pol;
        p.schedPriority = prio;
        return 0;
    }

    static long priorityRange(int policy, boolean max) {
        return switch (policy) {
            case SCHED_FIFO, SCHED_RR -> max ? 99 : 1;
            case SCHED_OTHER, SCHED_BATCH, SCHED_IDLE -> 0;
            default -> -Errno.EINVAL;
        };
    }
}
