package jvisor.kernel.proc;

import jvisor.kernel.abi.Signals;
import jvisor.kernel.signal.SigAction;
import jvisor.kernel.signal.SigInfo;

/**
 * Job control across the process tree (Linux's kernel/signal.c do_notify_parent_cldstop and
 * kernel/exit.c's orphaned process groups): a parent hears that its child stopped or continued,
 * and a process group that loses its last tie to the rest of its session is orphaned. POSIX
 * (setpgid(2), credentials(7)): a group is orphaned when no member has a parent in another group
 * of the same session. Stop signals from the terminal do nothing to an orphaned group (nobody is
 * left to continue it), and a group that becomes orphaned while some member is stopped gets
 * SIGHUP and then SIGCONT.
 */
public final class JobControl {
    private JobControl() {}

    /**
     * do_notify_parent_cldstop: SIGCHLD with CLD_STOPPED (si_status the stop signal) or
     * CLD_CONTINUED (si_status SIGCONT), unless the parent ignores SIGCHLD or set SA_NOCLDSTOP;
     * the parent's waits look again either way.
     */
    public static void notifyParent(Process p, int why) {
        ProcessTable table = p.table;
        synchronized (table) {
            Process parent = p.parent;
            if (parent != null && !parent.zombie) {
                SigAction a = parent.sigactions.get(Signals.SIGCHLD);
                if (a.handler() != Signals.SIG_IGN && (a.flags() & Signals.SA_NOCLDSTOP) == 0) {
                    int status = why == Signals.CLD_CONTINUED ? Signals.SIGCONT : p.signals.stopStatus();
                    long ticks = jvisor.kernel.time.GuestTime.cpuNanosOfProcess(p) / 10_000_000L;
                    parent.signals.sendToProcess(
                            SigInfo.child(Signals.SIGCHLD, why, p.pid, p.creds.uid(), status, ticks, 0));
                }
            }
            table.notifyAll();
        }
    }

    /** is_current_pgrp_orphaned: true if p's process group is orphaned. */
    public static boolean inOrphanedGroup(Process p) {
        synchronized (p.table) {
            return willBecomeOrphaned(p.table, p.pgid, null);
        }
    }

    /** True if jvisor's own host process group (the first process's at start) is tied to its session. */
    public static boolean hostGroupTied(ProcessTable table) {
        Process init = table.init();
        return init != null && init.hostGroupTied;
    }

    /**
     * will_become_orphaned_pgrp: no member of group pgid but ignored (a process that is exiting)
     * has a parent in another group of the same session. Caller holds the table lock.
     */
    static boolean willBecomeOrphaned(ProcessTable table, int pgid, Process ignored) {
        for (Process p : table.all()) {
            if (p.pgid != pgid || p == ignored || p.zombie) continue;
            if (tiedOutsideGroup(p, p.parent)) return false;
        }
        return true;
    }

    /**
     * True if parent (p's parent, or for kill_orphaned_pgrp's reparent case the one it just
     * lost) is in another group of p's session. The first process's parent is outside the
     * sandbox: the host says whether its group has such a tie. A process adopted by the sandbox's
     * first process would natively belong to the host's init (is_global_init: never a tie), unless
     * the first process made itself a child subreaper.
     */
    private static boolean tiedOutsideGroup(Process p, Process parent) {
        if (parent == null) return p.hostGroupTied;
        if (p.adopted && !parent.childSubreaper) return false;
        return parent.pgid != p.pgid && parent.sid == p.sid;
    }

    /** has_stopped_jobs: a live member of group pgid is stopped. Caller holds the table lock. */
    private static boolean hasStoppedJobs(ProcessTable table, int pgid) {
        for (Process p : table.all()) {
            if (p.pgid == pgid && !p.zombie && p.signals.isStopped()) return true;
        }
        return false;
    }

    /**
     * kill_orphaned_pgrp, when process p exits (lostParent null: p's own group may lose its tie
     * through p) or when p's parent lostParent exits (p's group may lose the tie that parent
     * was): if the group becomes orphaned and has a stopped member, every member gets SIGHUP and
     * then SIGCONT from the kernel. Caller holds the table lock.
     */
    static void killOrphanedGroup(ProcessTable table, Process p, Process lostParent) {
        Process ignored = lostParent == null ? p : null;
        boolean tied = lostParent == null ? tiedOutsideGroup(p, p.parent)
                : lostParent.pgid != p.pgid && lostParent.sid == p.sid;
        if (!tied || !willBecomeOrphaned(table, p.pgid, ignored) || !hasStoppedJobs(table, p.pgid)) return;
        java.util.List<Process> members = new java.util.ArrayList<>();
        for (Process q : table.all()) if (q.pgid == p.pgid && !q.zombie) members.add(q);
        for (Process q : members) q.signals.sendToProcess(SigInfo.kernel(Signals.SIGHUP));
        for (Process q : members) q.signals.sendToProcess(SigInfo.kernel(Signals.SIGCONT));
    }
}
