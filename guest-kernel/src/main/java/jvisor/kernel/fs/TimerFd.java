package jvisor.kernel.fs;

import jvisor.kernel.abi.Errno;
import jvisor.kernel.abi.Fs;
import jvisor.mmu.HostAccess;

/**
 * timerfd_create(2): a timer on CLOCK_REALTIME, CLOCK_MONOTONIC or CLOCK_BOOTTIME, counted in
 * host time; reading gives the expirations since the last read, blocking until the first.
 */
public final class TimerFd extends AnonInodeFile {
    private final int clock;
    /** Next expiry in this timer's clock (ns), 0 = disarmed. */
    private long next;
    private long interval;
    private long expirations;

    public TimerFd(int clock, int flags) {
        super("timerfd", Fs.O_RDWR | (flags & Fs.O_NONBLOCK));
        this.clock = clock;
    }

    /** Now on the timer's clock, in ns. */
    public long now() {
        if (clock == 0) {
            java.time.Instant i = java.time.Instant.now();
            return i.getEpochSecond() * 1_000_000_000L + i.getNano();
        }
        return System.nanoTime();
    }

    private void update() {
        if (next == 0) return;
        long now = now();
        if (now < next) return;
        if (interval == 0) {
            expirations++;
            next = 0;
        } else {
            long n = (now - next) / interval + 1;
            expirations += n;
            next += n * interval;
        }
    }

    /** timerfd_settime; values in ns. Returns the old {value, interval}. */
    public synchronized long[] set(long value, long newInterval, boolean absolute) {
        long[] old = get();
        expirations = 0;
        interval = newInterval;
        if (value == 0) {
            next = 0;
        } else {
            next = absolute ? value : now() + value;
            if (next <= 0) next = 1;
        }
        notifyAll();
        return old;
    }

    /** timerfd_gettime: {time to next expiry, interval} in ns. */
    public synchronized long[] get() {
        update();
        long remaining = next == 0 ? 0 : Math.max(1, next - now());
        return new long[] {remaining, interval};
    }

    @Override
    public synchronized long read(long hostBuf, long count) {
        if (count < 8) return -Errno.EINVAL;
        update();
        while (expirations == 0) {
            if ((flags & Fs.O_NONBLOCK) != 0) return -Errno.EAGAIN;
            long wait = next == 0 ? Blocking.TICK_MS : Math.max(1, Math.min(Blocking.TICK_MS, (next - now()) / 1_000_000 + 1));
            if (Blocking.interrupted.getAsBoolean()) return -jvisor.kernel.abi.Signals.ERESTARTSYS;
            try {
                wait(wait);
            } catch (InterruptedException e) {
                return -jvisor.kernel.abi.Signals.ERESTARTSYS;
            }
            update();
        }
        HostAccess.putLong(hostBuf, expirations);
        expirations = 0;
        return 8;
    }

    @Override
    public long write(long hostBuf, long count) {
        return -Errno.EINVAL;
    }

    @Override
    public synchronized int poll(int events) {
        update();
        return expirations > 0 ? (POLLIN | POLLRDNORM) & events : 0;
    }

    /** Time until the timer could become ready, in ns, or -1 if disarmed (poll loops sleep that long). */
    public synchronized long untilReady() {
        return next == 0 ? -1 : Math.max(0, next - now());
    }
}
