package jvisor.kernel.fs;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

import jvisor.kernel.abi.Errno;
import jvisor.kernel.abi.Fs;
import jvisor.mmu.HostAccess;

/** eventfd(2): a 64-bit counter; EFD_SEMAPHORE reads one at a time. */
public final class EventFd extends FileDescription {
    public static final int EFD_SEMAPHORE = 1;
    private static final long MAX = 0xfffffffffffffffeL;
    private long counter;
    private final boolean semaphore;

    public EventFd(long initial, int flags) {
        super("anon_inode:[eventfd]".getBytes(StandardCharsets.US_ASCII),
                Fs.O_RDWR | (flags & Fs.O_NONBLOCK));
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

    @Override
    public boolean pollable() {
        return true;
    }

    @Override
    public int stat(MemorySegment st) {
        StatBuf.synthetic(st, 0600, 0);
        st.set(ValueLayout.JAVA_LONG, StatBuf.ST_DEV, Mount.anonDev(14));
        return 0;
    }

    public synchronized long count() {
        return counter;
    }
}
