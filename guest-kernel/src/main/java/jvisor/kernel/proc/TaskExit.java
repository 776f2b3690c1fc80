package jvisor.kernel.proc;

import static jvisor.kernel.abi.Clone.FUTEX_OWNER_DIED;
import static jvisor.kernel.abi.Clone.FUTEX_TID_MASK;
import static jvisor.kernel.abi.Clone.FUTEX_WAITERS;

import jvisor.kernel.abi.Signals;
import jvisor.kernel.signal.FatalSignal;
import jvisor.kernel.signal.SigAction;
import jvisor.kernel.signal.SigInfo;
import jvisor.kernel.strace.Strace;
import jvisor.kernel.syscall.SyscallInterceptor;
import jvisor.mmu.AddressSpace;
import jvisor.mmu.PageFault;

/**
 * The end of a task and of a process (Linux's do_exit, exit_mm/mm_release, exit_notify; gVisor's
 * kernel/task_exit.go): robust futexes and the CLONE_CHILD_CLEARTID word are handled, a vfork
 * parent is released, and when the last task of a process is gone its memory and files are
 * released, its children go to init, and its parent gets the exit signal and a zombie to reap.
 */
public final class TaskExit {
    /** Linux's ROBUST_LIST_LIMIT: a corrupt (circular) list cannot keep an exiting thread busy. */
    private static final int ROBUST_LIST_LIMIT = 2048;

    private TaskExit() {}

    /**
     * Called by the task's run loop when it ends, on the task's host thread; interceptor may be null.
     *
     * @return true if the task was the process's last (the process has ended)
     */
    public static boolean exit(Task t, Strace strace, SyscallInterceptor interceptor) {
        Process p = t.process;
        if (p.signals.leave(t)) JobControl.notifyParent(p, Signals.CLD_STOPPED);
        releaseUserMemory(t);
        if (t.vforkDone != null) t.vforkDone.countDown();
        boolean last = p.removeTask(t);
        p.table.unregisterTask(t);
        p.mm.hypervisor().releaseVcpu(t.vcpu); // mapping changes stop waiting for this vCPU
        if (!last) {
            if (interceptor != null) interceptor.taskExited(t, false);
            return false;
        }
        p.lastThreadExited(t.exitCode);
        // Before the parent can learn of the end (the record of a reaped child is complete).
        if (interceptor != null) interceptor.taskExited(t, true);
        processExit(p, strace);
        return true;
    }

    /** mm_release: the robust futex list, then clear_child_tid with a futex wake (pthread_join). */
    private static void releaseUserMemory(Task t) {
        AddressSpace mem = t.memory();
        try {
            if (t.robustListHead != 0) exitRobustList(t, mem);
        } catch (PageFault f) {
            // a bad list stops the walk, as in Linux
        }
        if (t.clearChildTid != 0) {
            try {
                mem.write32(t.clearChildTid, 0);
                t.process.table.futexes.wake(mem, t.clearChildTid, false, 1, -1);
            } catch (PageFault f) {
                // the word went away: nobody to wake
            }
        }
    }

    /**
     * exit_robust_list: every lock the thread still holds on its list (and the one it was about
     * to take or release, list_op_pending) gets FUTEX_OWNER_DIED and one waiter is woken.
     * struct robust_list_head { list; futex_offset; list_op_pending } (futex(2), "Robust futexes").
     */
    private static void exitRobustList(Task t, AddressSpace mem) {
        long head = t.robustListHead;
        long entry = mem.read64(head);
        long offset = mem.read64(head + 8);
        long pending = mem.read64(head + 16);
        for (int n = 0; entry != head && entry != 0 && n < ROBUST_LIST_LIMIT; n++) {
            long next = mem.read64(entry & ~1L);
            if (entry != pending) ownerDied(t, mem, (entry & ~1L) + offset);
            entry = next;
        }
        if (pending != 0) ownerDied(t, mem, (pending & ~1L) + offset);
    }

    /** handle_futex_death: if the word names this thread, mark the owner dead and wake a waiter. */
    private static void ownerDied(Task t, AddressSpace mem, long uaddr) {
        if ((uaddr & 3) != 0) return;
        int val = mem.read32(uaddr);
        if ((val & FUTEX_TID_MASK) != t.tid) return;
        mem.write32(uaddr, (val & FUTEX_WAITERS) | FUTEX_OWNER_DIED);
        if ((val & FUTEX_WAITERS) != 0) t.process.table.futexes.wake(mem, uaddr, false, 1, -1);
    }

    /** The last task is gone: release, reparent, notify the parent, leave a zombie. */
    private static void processExit(Process p, Strace strace) {
        jvisor.kernel.tty.TtyJobControl.sessionLeaderExited(p);
        p.release();
        ProcessTable table = p.table;
        // As Linux's exit_notify under tasklist_lock: the zombie appears and the exit signal is
        // queued in one step, so a parent in wait4 sees the zombie before it sees the signal.
        synchronized (table) {
            Process parent = p.parent;
            boolean autoreap = parent != null && p.exitSignal == Signals.SIGCHLD && ignoresChildren(parent);
            table.becomeZombie(p, autoreap);
            if (parent != null && p.exitSignal != 0) {
                FatalSignal killer = p.killedBy();
                int code = killer != null ? Signals.CLD_KILLED : Signals.CLD_EXITED;
                int status = killer != null ? killer.signo() : p.exitStatus();
                long ticks = jvisor.kernel.time.GuestTime.cpuNanosOfProcess(p) / 10_000_000L;
                parent.signals.sendToProcess(SigInfo.child(p.exitSignal, code, p.pid, p.creds.uid(), status, ticks, 0));
            }
        }
        if (strace != null) {
            FatalSignal s = p.killedBy();
            if (s != null) {
                strace.signal(s);
                strace.killed(s.signo());
            } else {
                strace.exited(p.exitStatus());
            }
        }
    }

    /** SIGCHLD set to SIG_IGN, or SA_NOCLDWAIT: children are reaped as they die (wait(2) NOTES). */
    private static boolean ignoresChildren(Process parent) {
        SigAction a = parent.sigactions.get(Signals.SIGCHLD);
        return a.handler() == Signals.SIG_IGN || (a.flags() & Signals.SA_NOCLDWAIT) != 0;
    }
}
