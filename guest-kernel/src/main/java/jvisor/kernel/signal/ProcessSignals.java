package jvisor.kernel.signal;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import jvisor.hypervisor.Hypervisor;
import jvisor.kernel.abi.Signals;
import jvisor.kernel.proc.Process;
import jvisor.kernel.proc.Task;
import jvisor.kernel.time.GuestTime;

/**
 * The process-wide signal state (Linux's signal_struct + sighand lock): the shared pending set
 * (kill(2), timers), the timers, and the lock every pending set of the process is guarded by
 * (this object's monitor). Signals may be sent from other host threads (timers); the target is
 * then woken if it blocks in a syscall ({@link #await}) or kicked out of the guest with
 * {@link Hypervisor#kick}, and the signal is delivered at its next return to the guest.
 */
public final class ProcessSignals {
    private final Process process;
    /** Signals sent to the whole process. */
    final SigQueue shared = new SigQueue();
    private Hypervisor hv;

    private final Map<Integer, PosixTimer> timers = new TreeMap<>();
    private final PosixTimer[] itimers = new PosixTimer[3];
    private int nextTimerId;
    private ScheduledThreadPoolExecutor executor;

    public ProcessSignals(Process process) {
        this.process = process;
    }

    /** The hypervisor used to kick a running vCPU when a signal arrives from another thread. */
    public void attach(Hypervisor hv) {
        this.hv = hv;
    }

    /** Something (a mask change of t) may have made a pending signal deliverable to t. */
    public void markRecheck(Task t) {
        t.recheck = true;
    }

    // ---------------------------------------------------------------- sending

    /**
     * Generates a signal (send_signal_locked): to the task's own pending set if toThread, else to
     * the process's. Job control acts first, whatever the mask and disposition (prepare_signal): a
     * stop signal cancels a pending SIGCONT, SIGCONT cancels pending stop signals and resumes a
     * stopped process. Ignored signals that are not blocked are then discarded, standard signals
     * already pending coalesce. Returns false if the signal was dropped for lack of queue space.
     */
    public synchronized boolean send(Task target, SigInfo info, boolean toThread) {
        int sig = info.signo;
        long bit = Signals.bit(sig);
        if ((STOP_SIGNALS & bit) != 0) discardEverywhere(Signals.bit(Signals.SIGCONT));
        else if (sig == Signals.SIGCONT) continueProcess();
        // sig_ignored: a signal blocked, or blocked before a sigtimedwait unblocked it, is queued.
        if (((target.sigmask | target.realBlocked) & bit) == 0 && process.sigactions.ignored(sig)
                && sig != Signals.SIGKILL) {
            return true;
        }
        boolean queued = (toThread ? target.pending : shared).add(info);
        if (!queued) return info.signo < Signals.SIGRTMIN;
        if (toThread) {
            wake(target);
        } else {
            // complete_signal picks one thread that does not block it; waking them all is simpler
            // and as correct: each takes shared signals with its own mask, the first one wins.
            for (Task t : process.tasks()) wake(t);
            if (process.taskCount() == 0) wake(target);
        }
        return true;
    }

    /**
     * A signal to the whole process (kill(2), SIGCHLD): queued on the shared set through any of
     * its live tasks. Returns false if the process has no task left (a zombie: nothing to do).
     */
    public boolean sendToProcess(SigInfo info) {
        Task target = process.mainTask();
        if (target == null || target.stopRequested()) {
            java.util.List<Task> live = process.tasks();
            if (live.isEmpty()) return false;
            target = live.get(0);
        }
        send(target, info, false);
        return true;
    }

    /** Drops the signals in set from the process's pending set and from every thread's. */
    private void discardEverywhere(long set) {
        shared.discard(set);
        for (Task t : process.tasks()) t.pending.discard(set);
    }

    /** Wakes the target from a blocking syscall and out of the guest. Called with the lock held. */
    private void wake(Task target) {
        target.recheck = true;
        notifyAll();
        if (hv != null) hv.kick(target.vcpu);
        else target.vcpu.cpu().kick();
    }

    /** Wakes every task blocked in {@link #await} so that it looks at its state again. */
    public synchronized void wakeAll() {
        notifyAll();
    }

    /** Drops the pending instances of a signal that just became ignored, in every pending set. */
    public synchronized void discardIgnored(int sig) {
        discardEverywhere(Signals.bit(sig));
    }

    // ---------------------------------------------------------------- taking

    /** The signals pending for t (its own and the process's), blocked or not. */
    public synchronized long pending(Task t) {
        return t.pending.mask() | shared.mask();
    }

    /** True if a signal in set is pending for t. */
    public synchronized boolean pendingIn(Task t, long set) {
        return ((t.pending.mask() | shared.mask()) & set) != 0;
    }

    /**
     * Takes the next signal among allowed (dequeue_signal): the task's own first, then the
     * process's; synchronous (fault) signals before others, then the lowest number. Null if none.
     */
    public synchronized SigInfo dequeue(Task t, long allowed) {
        int sig = SigQueue.next(t.pending.mask(), allowed);
        SigInfo info;
        if (sig != 0) {
            info = t.pending.take(sig);
        } else {
            sig = SigQueue.next(shared.mask(), allowed);
            if (sig == 0) return null;
            info = shared.take(sig);
        }
        if ((STOP_SIGNALS & Signals.bit(sig)) != 0) t.stopDequeued = true;
        if (info != null && info.timer != null) {
            PosixTimer tm = info.timer;
            info.overrun = tm.overrun;
            tm.lastOverrun = tm.overrun;
            tm.overrun = 0;
        }
        return info;
    }

    /**
     * Blocks the calling task until a signal in wake (normally ~sigmask) is pending for it, or
     * until deadline (System.nanoTime(); Long.MAX_VALUE for none). Returns true if woken by a
     * signal, false on timeout.
     */
    public synchronized boolean await(Task t, long deadline, java.util.function.LongSupplier wake) {
        while (true) {
            if (((t.pending.mask() | shared.mask()) & wake.getAsLong()) != 0 || t.stopRequested()
                    || t.jobStopPending) {
                return true;
            }
            long now = System.nanoTime();
            if (deadline != Long.MAX_VALUE && now - deadline >= 0) return false;
            try {
                if (deadline == Long.MAX_VALUE) {
                    wait();
                } else {
                    long left = deadline - now;
                    wait(left / 1_000_000, (int) (left % 1_000_000));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return true;
            }
        }
    }

    // ---------------------------------------------------------------- job control

    /** SIGSTOP, SIGTSTP, SIGTTIN and SIGTTOU (SIG_KERNEL_STOP_MASK). */
    public static final long STOP_SIGNALS = Signals.bit(Signals.SIGSTOP) | Signals.bit(Signals.SIGTSTP)
            | Signals.bit(Signals.SIGTTIN) | Signals.bit(Signals.SIGTTOU);

    /** How a task took part in a group stop ({@link #participate}). */
    public enum StopPart {
        /** A SIGCONT came first: the task does not stop. */
        NONE,
        /** The task stopped; others are still to stop. */
        STOPPED,
        /** The task was the last one to stop: the process is stopped now and its parent must be told. */
        COMPLETED
    }

    // Linux's signal_struct fields of a group stop (kernel/signal.c do_signal_stop, prepare_signal).
    /** Threads that have yet to stop for the group stop in progress (group_stop_count). */
    private int groupStopCount;
    /** The signal that stopped the process, until a wait reports it (group_exit_code); 0 after. */
    private int stopSignal;
    /**
     * si_status of the CLD_STOPPED notice the parent is to get: the stop signal as it was when the
     * stop completed. The notice is sent after this object's lock is released, and by then the
     * parent's wait may already have reported the stop and cleared {@link #stopSignal}.
     */
    private int stopNoticeStatus;
    /** The last stop signal, for /proc and strace (not consumed by wait). */
    private int lastStopSignal;
    /** SIGNAL_STOP_STOPPED: every thread stopped, and no SIGCONT since. */
    private boolean stopped;
    /** SIGNAL_STOP_CONTINUED: a SIGCONT ended a stop that a WCONTINUED wait has not reported yet. */
    private boolean continuedUnreported;
    /** SIGNAL_CLD_STOPPED or SIGNAL_CLD_CONTINUED: CLD_STOPPED or CLD_CONTINUED still to be told to the parent, or 0. */
    private int parentNotice;

    /**
     * SIGCONT's effect when it is generated, whatever its disposition and mask (prepare_signal):
     * pending stop signals are dropped, a group stop in progress is called off and a stopped
     * process resumes. The parent hears of it from the first task to run again: CLD_CONTINUED, or
     * CLD_STOPPED when the stop was not complete yet (Linux pretends it completed and was continued).
     */
    private void continueProcess() {
        discardEverywhere(STOP_SIGNALS);
        java.util.List<Task> tasks = process.tasks();
        for (Task t : tasks) {
            t.jobStopPending = false;
            t.stopDequeued = false;
            t.jobStopped = false;
        }
        int why = stopped ? Signals.CLD_CONTINUED : groupStopCount > 0 ? Signals.CLD_STOPPED : 0;
        if (why == 0) return;
        if (why == Signals.CLD_STOPPED) stopNoticeStatus = 0; // Linux clears group_exit_code here too
        parentNotice = why;
        continuedUnreported = true;
        stopped = false;
        groupStopCount = 0;
        stopSignal = 0;
        for (Task t : tasks) wake(t);
    }

    /**
     * The first half of do_signal_stop, after t dequeued the stop signal sig with its default
     * action: every thread that is not stopped yet must stop (each is woken or kicked out of the
     * guest). False if a SIGCONT came since t dequeued sig, or the process is exiting.
     */
    public synchronized boolean beginGroupStop(Task t, int sig) {
        if (t.jobStopPending) return true; // a group stop is already under way: t joins it
        if (!t.stopDequeued || process.exited()) return false;
        if (!stopped) stopSignal = sig;
        lastStopSignal = sig;
        groupStopCount = 0;
        for (Task x : process.tasks()) {
            if (x.jobStopped || x.leavingSignals) continue;
            x.jobStopPending = true;
            groupStopCount++;
            if (x != t) wake(x);
        }
        return true;
    }

    /**
     * task_participate_group_stop: t, which has a stop pending, stops. The last thread to stop
     * makes the process stopped.
     */
    public synchronized StopPart participate(Task t) {
        if (!t.jobStopPending) return StopPart.NONE;
        t.jobStopPending = false;
        t.stopDequeued = false;
        t.jobStopped = true;
        if (groupStopCount > 0) groupStopCount--;
        if (groupStopCount == 0 && !stopped) {
            stopped = true;
            stopNoticeStatus = stopSignal & 0x7f;
            return StopPart.COMPLETED;
        }
        return StopPart.STOPPED;
    }

    /**
     * exit_signals: t is exiting and takes no more part in job control. A group stop that counts
     * it sees it as stopped (a thread that a SIGCONT let go on its way out is counted by the next
     * stop until it is gone); true if that completes the stop, and then the parent must be told.
     */
    public synchronized boolean leave(Task t) {
        t.leavingSignals = true;
        return participate(t) == StopPart.COMPLETED;
    }

    /**
     * A stopped task sleeps (TASK_STOPPED) until SIGCONT resumes it, SIGKILL arrives or the
     * process ends otherwise.
     */
    public synchronized void sleepWhileStopped(Task t) {
        while (t.jobStopped && !t.stopRequested() && !killPending(t)) {
            try {
                wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        t.jobStopped = false;
    }

    /**
     * True if SIGKILL is pending for t. Only SIGKILL wakes a stopped thread: another signal that
     * would end the process waits for SIGCONT (complete_signal: a stopped thread wants no signal
     * but SIGKILL).
     */
    private boolean killPending(Task t) {
        return ((t.pending.mask() | shared.mask()) & Signals.bit(Signals.SIGKILL)) != 0;
    }

    /** Takes what the parent is still to be told (SIGNAL_CLD_MASK): CLD_STOPPED, CLD_CONTINUED or 0. */
    public synchronized int takeParentNotice() {
        int why = parentNotice;
        parentNotice = 0;
        return why;
    }

    /** si_status of a CLD_STOPPED notice: the stop signal when the stop completed (group_exit_code & 0x7f). */
    public synchronized int stopStatus() {
        return stopNoticeStatus;
    }

    /** The signal that stopped the process last (for strace's "stopped by" line). */
    public synchronized int lastStopSignal() {
        return lastStopSignal;
    }

    /** True while the process is stopped (SIGNAL_STOP_STOPPED). */
    public synchronized boolean isStopped() {
        return stopped;
    }

    /**
     * wait_task_stopped: the signal that stopped the process if it is stopped and no wait has
     * reported this stop yet, else 0. consume (a wait without WNOWAIT) makes it reported.
     */
    public synchronized int takeStopReport(boolean consume) {
        if (!stopped || stopSignal == 0) return 0;
        int sig = stopSignal;
        if (consume) stopSignal = 0;
        return sig;
    }

    /** wait_task_continued: true if a SIGCONT resumed the process since a wait last reported it. */
    public synchronized boolean takeContinueReport(boolean consume) {
        if (!continuedUnreported) return false;
        if (consume) continuedUnreported = false;
        return true;
    }

    // ---------------------------------------------------------------- timers

    private ScheduledThreadPoolExecutor executor() {
        if (executor == null) {
            executor = new ScheduledThreadPoolExecutor(1, r -> {
                Thread th = new Thread(r, "jvisor-timers-" + process.pid);
                th.setDaemon(true);
                return th;
            });
            executor.setRemoveOnCancelPolicy(true);
        }
        return executor;
    }

    /** Stops every timer (process exit). */
    public synchronized void shutdown() {
        for (PosixTimer t : timers.values()) disarm(t);
        for (PosixTimer t : itimers) if (t != null) disarm(t);
        if (executor != null) executor.shutdownNow();
    }

    /** timer_create: a new timer with the lowest free id; -1 if there are too many. */
    public synchronized PosixTimer createTimer(int clock, boolean cpuClock, int signo, int notify, long value,
            Task creator, Task target, boolean valueIsId) {
        if (timers.size() >= 32768) return null;
        int id = takeTimerId();
        PosixTimer t = new PosixTimer(id, clock, cpuClock, signo, notify, valueIsId ? id : value, target, creator);
        timers.put(id, t);
        return t;
    }

    /**
     * Takes the id the next timer gets (posix_timer_add: the next free one after the last taken);
     * a timer_create that fails after this has used it up.
     */
    public synchronized int takeTimerId() {
        int id = nextTimerId;
        while (timers.containsKey(id)) id = (id + 1) & Integer.MAX_VALUE;
        nextTimerId = (id + 1) & Integer.MAX_VALUE;
        return id;
    }

    public synchronized PosixTimer timer(int id) {
        return timers.get(id);
    }

    public synchronized int overrun(PosixTimer t) {
        return t.lastOverrun;
    }

    public synchronized void deleteTimer(PosixTimer t) {
        disarm(t);
        t.deleted = true;
        timers.remove(t.id);
        t.target.pending.remove(t);
        shared.remove(t);
    }

    /** The interval timer which (ITIMER_REAL, _VIRTUAL, _PROF), created on first use. */
    public synchronized PosixTimer itimer(int which, Task t) {
        if (itimers[which] == null) {
            itimers[which] = new PosixTimer(-1 - which, which == 0 ? jvisor.kernel.abi.Clocks.CLOCK_MONOTONIC
                    : jvisor.kernel.abi.Clocks.CLOCK_PROCESS_CPUTIME_ID, which != 0, PosixTimer.itimerSignal(which),
                    PosixTimer.SIGEV_SIGNAL, 0, t);
        }
        return itimers[which];
    }

    private long now(PosixTimer t) {
        return t.cpuClock ? GuestTime.cpuNanos(t.clockTask) : System.nanoTime();
    }

    /** Time left until the next expiry in ns (0 if disarmed), and the interval. */
    public synchronized long[] get(PosixTimer t) {
        if (t.expiry == 0) return new long[] {0, t.interval};
        long left = t.expiry - now(t);
        if (left <= 0) left = t.isInterval() ? 1000 : 1; // expiring now: the kernel reports the smallest unit
        return new long[] {left, t.interval};
    }

    /**
     * Arms (value > 0) or disarms (value == 0) a timer; value is relative ns from now. Returns
     * the previous {remaining, interval}.
     */
    public synchronized long[] set(PosixTimer t, long value, long interval) {
        long[] old = get(t);
        disarm(t);
        t.interval = interval;
        t.overrun = 0;
        if (value > 0) {
            t.expiry = now(t) + value;
            if (t.expiry == 0) t.expiry = 1;
            schedule(t);
        }
        return old;
    }

    private void disarm(PosixTimer t) {
        t.expiry = 0;
        if (t.future != null) {
            t.future.cancel(false);
            t.future = null;
        }
    }

    private void schedule(PosixTimer t) {
        if (t.cpuClock) {
            t.future = executor().scheduleWithFixedDelay(() -> poll(t), 1, 1, TimeUnit.MILLISECONDS);
        } else {
            long delay = Math.max(0, t.expiry - System.nanoTime());
            t.future = executor().schedule(() -> fire(t), delay, TimeUnit.NANOSECONDS);
        }
    }

    private synchronized void poll(PosixTimer t) {
        if (t.expiry == 0 || process.exited()) return;
        if (now(t) - t.expiry < 0) return;
        expire(t);
        if (t.expiry == 0 && t.future != null) {
            t.future.cancel(false);
            t.future = null;
        }
    }

    private synchronized void fire(PosixTimer t) {
        if (t.expiry == 0 || process.exited()) return;
        if (System.nanoTime() - t.expiry < 0) { // woken early
            schedule(t);
            return;
        }
        expire(t);
        if (t.expiry != 0) schedule(t);
    }

    /** One expiry (with the ones missed since): queue the signal or count an overrun; reload. */
    private void expire(PosixTimer t) {
        int missed = 0;
        if (t.interval > 0) {
            long now = now(t);
            long next = t.expiry + t.interval;
            if (now - next >= 0) {
                long n = (now - t.expiry) / t.interval;
                missed = (int) Math.min(Integer.MAX_VALUE, n);
                next = t.expiry + (n + 1) * t.interval;
            }
            t.expiry = next == 0 ? 1 : next;
        } else {
            t.expiry = 0;
        }
        if (t.notify == PosixTimer.SIGEV_NONE) return;
        boolean toThread = t.notify == PosixTimer.SIGEV_THREAD_ID;
        if (t.isInterval()) {
            send(t.target, t.info(), false);
            return;
        }
        if (t.target.pending.holds(t) || shared.holds(t)) {
            t.overrun = (int) Math.min(Integer.MAX_VALUE, (long) t.overrun + 1 + missed);
            return;
        }
        t.overrun = missed;
        send(t.target, t.info(), toThread);
    }
}
