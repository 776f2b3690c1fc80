package jvisor.kernel.fs;

import java.util.function.BooleanSupplier;

import jvisor.kernel.abi.Signals;

/**
 * Where a blocking file operation (a read from an empty pipe, a write to a full one, a read of
 * an unexpired timerfd, poll and epoll_wait) waits. The wait is on the file's monitor, so another
 * task that changes the file (notifyAll) wakes it; with a single task nothing ever does, and the
 * call blocks forever, as on Linux.
 *
 * <p><b>Signals:</b> {@link #interrupted} is asked every {@link #TICK_MS} ms: it reports "the
 * calling task has an unblocked signal pending or must exit". A wait then ends with Linux's
 * restart codes: ERESTARTSYS for reads and writes (restarted under SA_RESTART or when no
 * handler runs, EINTR otherwise) and ERESTARTNOHAND for poll and select (restarted only when no
 * handler runs), which the signal delivery path settles (signal(7), "Interruption of system
 * calls and library functions by signal handlers").
 */
public final class Blocking {
    private Blocking() {}

    public static final long TICK_MS = 20;

    /** True if the calling task has a pending signal that interrupts a blocking call, or must exit. */
    public static final BooleanSupplier interrupted = () -> {
        jvisor.kernel.proc.Task t = jvisor.kernel.proc.Task.current();
        return t != null && t.interrupted();
    };

    /**
     * Waits (holding monitor's lock, released while waiting) until ready is true: 0, or -ERESTARTSYS.
     * Must be called with monitor locked.
     */
    public static int await(Object monitor, BooleanSupplier ready) {
        while (!ready.getAsBoolean()) {
            if (interrupted.getAsBoolean()) return -Signals.ERESTARTSYS;
            try {
                monitor.wait(TICK_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return -Signals.ERESTARTSYS;
            }
        }
        return 0;
    }

    /** Sleeps up to ms (for poll loops): 0, or -ERESTARTNOHAND. */
    public static int nap(long ms) {
        if (interrupted.getAsBoolean()) return -Signals.ERESTARTNOHAND;
        try {
            Thread.sleep(Math.max(0, Math.min(ms, TICK_MS)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -Signals.ERESTARTNOHAND;
        }
        return interrupted.getAsBoolean() ? -Signals.ERESTARTNOHAND : 0;
    }
}
