package jvisor.kernel.fs;

import java.util.function.BooleanSupplier;

import jvisor.kernel.abi.Errno;

/**
 * Where a blocking file operation (a read from an empty pipe, a write to a full one, a read of
 * an unexpired timerfd, poll and epoll_wait) waits. The wait is on the file's monitor, so another
 * task that changes the file (notifyAll) wakes it; with a single task nothing ever does, and the
 * call blocks forever, as on Linux.
 *
 * <p><b>Hook for signals:</b> {@link #interrupted} is asked every {@link #TICK_MS} ms; the
 * signal code sets it to report "the calling task has an unblocked signal pending", and the
 * operation then fails with EINTR (the syscall layer may turn that into a restart).
 */
public final class Blocking {
    private Blocking() {}

    public static final long TICK_MS = 20;

    /** True if the current task has a pending signal that interrupts a blocking call. */
    public static volatile BooleanSupplier interrupted = () -> false;

    /**
     * Waits (holding monitor's lock, released while waiting) until ready is true: 0, or -EINTR.
     * Must be called with monitor locked.
     */
    public static int await(Object monitor, BooleanSupplier ready) {
        while (!ready.getAsBoolean()) {
            if (interrupted.getAsBoolean()) return -Errno.EINTR;
            try {
                monitor.wait(TICK_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return -Errno.EINTR;
            }
        }
        return 0;
    }

    /** Sleeps up to ms (for poll loops): 0, or -EINTR. */
    public static int nap(long ms) {
        if (interrupted.getAsBoolean()) return -Errno.EINTR;
        try {
            Thread.sleep(Math.max(0, Math.min(ms, TICK_MS)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -Errno.EINTR;
        }
        return interrupted.getAsBoolean() ? -Errno.EINTR : 0;
    }
}
