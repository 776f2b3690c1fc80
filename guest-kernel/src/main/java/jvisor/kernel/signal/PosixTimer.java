package jvisor.kernel.signal;

import java.util.concurrent.ScheduledFuture;

import jvisor.kernel.abi.Signals;
import jvisor.kernel.proc.Task;

/**
 * A timer of the process: a POSIX timer (timer_create(2)) or one of the three interval timers
 * (setitimer(2), alarm(2)), which Linux also keeps per process. Wall-clock timers (REALTIME,
 * MONOTONIC, BOOTTIME) run on the host's monotonic clock and fire on the process's timer thread;
 * CPU timers (ITIMER_VIRTUAL, ITIMER_PROF, CPU-time clocks) count guest CPU time
 * ({@link jvisor.kernel.time.GuestTime#cpuNanos}) and are polled by that thread every millisecond.
 * Fields are guarded by the {@link ProcessSignals} lock.
 */
public final class PosixTimer {
    public static final int SIGEV_SIGNAL = 0, SIGEV_NONE = 1, SIGEV_THREAD = 2, SIGEV_THREAD_ID = 4;
    /** Ids of the interval timers (never visible to the guest). */
    public static final int ITIMER_REAL_ID = -1, ITIMER_VIRTUAL_ID = -2, ITIMER_PROF_ID = -3;

    final int id;
    final int clock;
    final boolean cpuClock;
    final int signo;
    final int notify;
    final long value;
    /** The task the signal goes to (SIGEV_THREAD_ID's thread, else the creator, for the process). */
    final Task target;
    /** The task whose CPU time a CPU-clock timer follows: its creator. */
    final Task clockTask;

    /** Reload interval in ns (0: one shot). */
    long interval;
    /** Absolute expiry: System.nanoTime() for wall timers, guest CPU ns for CPU timers; 0 when disarmed. */
    long expiry;
    /** Expirations while the timer's signal was still queued, since it was queued. */
    int overrun;
    /** timer_getoverrun(2): the overrun count of the last delivered signal. */
    int lastOverrun;
    ScheduledFuture<?> future;
    boolean deleted;

    PosixTimer(int id, int clock, boolean cpuClock, int signo, int notify, long value, Task target) {
        this(id, clock, cpuClock, signo, notify, value, target, target);
    }

    PosixTimer(int id, int clock, boolean cpuClock, int signo, int notify, long value, Task target, Task clockTask) {
        this.id = id;
        this.clock = clock;
        this.cpuClock = cpuClock;
        this.signo = signo;
        this.notify = notify;
        this.value = value;
        this.target = target;
        this.clockTask = clockTask;
    }

    public int id() {
        return id;
    }

    public int clock() {
        return clock;
    }

    /** The siginfo of one expiration. */
    SigInfo info() {
        if (id < 0) return SigInfo.kernel(signo); // itimers: SEND_SIG_PRIV
        return SigInfo.timer(signo, this);
    }

    boolean isInterval() {
        return id < 0;
    }

    static int itimerSignal(int which) {
        return switch (which) {
            case 0 -> Signals.SIGALRM;
            case 1 -> Signals.SIGVTALRM;
            default -> Signals.SIGPROF;
        };
    }
}
