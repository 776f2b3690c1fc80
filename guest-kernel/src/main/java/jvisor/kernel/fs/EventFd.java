package jvisor.kernel.fs;

import jvisor.kernel.abi.Errno;
import jvisor.kernel.abi.Fs;
import jvisor.mmu.HostAccess;

/** eventfd(2): a 64-bit counter; EFD_SEMAPHORE reads one at a time. */
public final class EventFd extends AnonInodeFile {
    public static final int EFD_SEMAPHORE = 1;
    private static final long MAX = 0xfffffffffffffffeL;
    private long counter;
    private final boolean semaphore;

    public EventFd(long initial, int flags) {
        super("eventfd", Fs.O_RDWR | (flags & Fs.O_NONBLOCK));
        this.counter = initial;
        this.semaphore = (flags & EFD_SEMAPHORE) != 0;
    }

    private boolean nonblock() {
        return (flags & Fs.O_NONBLOCK) != 0;
    }

    @Override
    public synchronized long read(long hostBuf, long count) {
        if (count < 8) return -Errno.EINVAL;
        if (counter == 0) {
            if (nonblock()) return -Errno.EAGAIN;
            int r = Blocking.await(this, () -> counter != 0);
            if (r < 0) return r;
        }
        long v = semaphore ? 1 : counter;
        counter -= v;
        HostAccess.putLong(hostBuf, v);
        notifyAll();
        return 8;
    }

    @Override
    public synchronized long write(long hostBuf, long count) {
        if (count < 8) return -Errno.EINVAL;
        long v = HostAccess.getLong(hostBuf);
        if (v == -1L) return -Errno.EINVAL;
        if (Long.compareUnsigned(v, MAX - counter) > 0) {
            if (nonblock()) return -Errno.EAGAIN;
            int r = Blocking.await(this, () -> Long.compareUnsigned(v, MAX - counter) <= 0);
            if (r < 0) return r;
        }
        counter += v;
        notifyAll();
        return 8;
    }

    @Override
    public synchronized int poll(int events) {
        int ev = 0;
        if (counter != 0) ev |= POLLIN | POLLRDNORM;
        if (Long.compareUnsigned(counter, MAX) < 0) ev |= POLLOUT | POLLWRNORM;
        return ev & events;
    }

    public synchronized long count() {
        return counter;
    }
}
