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
     * the process's. Ignored signals that are not blocked are discarded at once, standard signals
     * already pending coalesce. Returns false if the signal was dropped for lack of queue space.
     */
    public synchronized boolean send(Task target, SigInfo info, boolean toThread) {
        int sig = info.signo;
        long bit = Signals.bit(sig);
        // Stop signals cancel a pending SIGCONT and SIGCONT cancels pending stop signals (prepare_signal).
        long stops = Signals.bit(Signals.SIGSTOP) | Signals.bit(Signals.SIGTSTP) | Signals.bit(Signals.SIGTTIN)
                | Signals.bit(Signals.SIGTTOU);
        if ((stops & bit) != 0) discardAll(target, Signals.bit(Signals.SIGCONT));
        else if (sig == Signals.SIGCONT) discardAll(target, stops);
        if ((target.sigmask & bit) == 0 && process.sigactions.ignored(sig) && sig != Signals.SIGKILL) return true;
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

    private void discardAll(Task t, long set) {
        t.pending.discard(set);
        shared.discard(set);
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
    public synchronized void discardIgnored(Task t, int sig) {
        discardAll(t, Signals.bit(sig));
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
            if (((t.pending.mask() | shared.mask()) & wake.getAsLong()) != 0 || t.stopRequested()) return true;
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
            Task target, boolean valueIsId) {
        if (timers.size() >= 32768) return null;
        int id = nextTimerId;
        while (timers.containsKey(id)) id = (id + 1) & Integer.MAX_VALUE;
        nextTimerId = (id + 1) & Integer.MAX_VALUE;
        PosixTimer t = new PosixTimer(id, clock, cpuClock, signo, notify, valueIsId ? id : value, target);
        timers.put(id, t);
        return t;
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
        return t.cpuClock ? GuestTime.cpuNanos(t.target) : System.nanoTime();
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
