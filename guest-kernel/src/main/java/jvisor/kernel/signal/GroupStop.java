package jvisor.kernel.signal;

import jvisor.kernel.abi.Signals;
import jvisor.kernel.proc.JobControl;
import jvisor.kernel.proc.Task;
import jvisor.kernel.strace.Strace;

/**
 * Stopping and continuing a process (Linux's kernel/signal.c do_signal_stop and the job control
 * part of get_signal; signal(7)). A stop signal with its default action stops every thread of
 * the process: the thread that takes it starts a group stop, the others are woken or kicked out
 * of the guest and stop at their next look at signals; a blocking call they were in ends with a
 * restart code and is restarted once they continue. The last thread to stop makes the process
 * stopped and tells the parent (SIGCHLD with CLD_STOPPED). SIGCONT resumes them when it is sent
 * ({@link ProcessSignals#send}); the first thread to run again tells the parent (CLD_CONTINUED).
 * A stopped thread wakes only for SIGCONT, SIGKILL, or the process's end by other means.
 */
final class GroupStop {
    private GroupStop() {}

    /**
     * Before t dequeues a signal: tells the parent what a SIGCONT changed, and stops t if a group
     * stop waits for it. Returns true if t was stopped (and has been continued since or must die):
     * the caller looks at its signals again.
     */
    static boolean stopIfPending(Task t, Strace strace) {
        ProcessSignals ps = t.process.signals;
        int why = ps.takeParentNotice();
        if (why != 0) JobControl.notifyParent(t.process, why);
        if (!t.jobStopPending) return false;
        return park(t, strace);
    }

    /**
     * t dequeued stop signal sig with its default action. SIGTSTP, SIGTTIN and SIGTTOU do nothing
     * to a process in an orphaned group (POSIX: nobody would continue it); SIGSTOP always stops.
     */
    static void stop(Task t, int sig, Strace strace) {
        if (sig != Signals.SIGSTOP && JobControl.inOrphanedGroup(t.process)) return;
        if (!t.process.signals.beginGroupStop(t, sig)) return;
        park(t, strace);
    }

    /** t takes part in the group stop and sleeps until it is continued or killed. */
    private static boolean park(Task t, Strace strace) {
        ProcessSignals ps = t.process.signals;
        ProcessSignals.StopPart part = ps.participate(t);
        if (part == ProcessSignals.StopPart.NONE) return false;
        if (part == ProcessSignals.StopPart.COMPLETED) JobControl.notifyParent(t.process, Signals.CLD_STOPPED);
        if (strace != null) strace.stopped(ps.lastStopSignal());
        ps.sleepWhileStopped(t);
        return true;
    }
}
