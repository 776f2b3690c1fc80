package jvisor.kernel.fs;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

import jvisor.kernel.abi.Errno;
import jvisor.kernel.abi.Fs;
import jvisor.kernel.host.Libc;
import jvisor.mmu.HostAccess;
import jvisor.mmu.HostMemory;

/**
 * A pipe (pipe(7)): an in-kernel ring buffer of 64 KiB (F_SETPIPE_SZ changes it) with counts of
 * open read and write ends. Reads block while it is empty and a writer exists; writes of at most
 * PIPE_BUF bytes are atomic (they wait for room for all of it); larger ones may be split. A write
 * without readers fails with EPIPE (the caller raises SIGPIPE). Blocking goes through
 * {@link Blocking}, so signals can interrupt it.
 */
public final class Pipe {
    public static final int PIPE_BUF = 4096;
    public static final int DEFAULT_SIZE = 65536;
    private static long nextIno = 100000;

    /** Linux's pipe_buffer ring: pages holding [start, end) of data; at most slots of them. */
    private static final class Page {
        final byte[] data = new byte[PAGE];
        int start, end;
    }

    private static final int PAGE = 4096;
    private final java.util.ArrayDeque<Page> pages = new java.util.ArrayDeque<>();
    private int slots = DEFAULT_SIZE / PAGE;
    private int len;
    private int readers;
    private int writers;
    /** How many times a read end, and a write end, was opened (fs/pipe.c's r_counter, w_counter). */
    private int readerOpens, writerOpens;
    public final long ino = nextIno++;
    private final long created = System.currentTimeMillis();

    public synchronized int readers() {
        return readers;
    }

    public synchronized int writers() {
        return writers;
    }

    private byte[] name() {
        return ("pipe:[" + ino + "]").getBytes(StandardCharsets.US_ASCII);
    }

    public synchronized End readEnd(int flags, byte[] guestPath) {
        readers++;
        readerOpens++;
        notifyAll();
        return new End(this, guestPath != null ? guestPath : name(), (flags & ~Fs.O_ACCMODE) | Fs.O_RDONLY, true, false);
    }

    public synchronized End writeEnd(int flags, byte[] guestPath) {
        writers++;
        writerOpens++;
        notifyAll();
        return new End(this, guestPath != null ? guestPath : name(), (flags & ~Fs.O_ACCMODE) | Fs.O_WRONLY, false, true);
    }

    public synchronized End bothEnds(int flags, byte[] guestPath) {
        readers++;
        writers++;
        readerOpens++;
        writerOpens++;
        notifyAll();
        return new End(this, guestPath != null ? guestPath : name(), (flags & ~Fs.O_ACCMODE) | Fs.O_RDWR, true, true);
    }

    /**
     * fifo(7): opening a FIFO for reading or for writing only, without O_NONBLOCK, waits for the
     * other end. A reader that finds no writer waits until a writer opens the FIFO, a writer that
     * finds no reader until a reader does: an opening since the wait began is enough, even if that
     * end is closed again already (fs/pipe.c fifo_open, wait_for_partner). 0, or -ERESTARTSYS.
     */
    synchronized int awaitPartner(boolean reader) {
        if (reader ? writers > 0 : readers > 0) return 0;
        int seen = reader ? writerOpens : readerOpens;
        return Blocking.await(this, () -> (reader ? writerOpens : readerOpens) != seen);
    }

    public synchronized int capacity() {
        return slots * PAGE;
    }

    /** F_SETPIPE_SZ: rounds up to a power of two pages; EBUSY if the data would not fit. */
    public synchronized int resize(long size) {
        if (size <= 0) return -Errno.EINVAL;
        if (size > 1048576) return -Errno.EPERM;
        int n = 1;
        while ((long) n * PAGE < size) n <<= 1;
        if (n < pages.size()) return -Errno.EBUSY;
        slots = n;
        notifyAll();
        return n * PAGE;
    }

    synchronized long read(long hostAddr, long count, boolean nonblock) {
        if (count == 0) return 0;
        if (len == 0) {
            if (writers == 0) return 0;
            if (nonblock) return -Errno.EAGAIN;
            int r = Blocking.await(this, () -> len > 0 || writers == 0);
            if (r < 0) return r;
            if (len == 0) return 0;
        }
        long done = 0;
        while (done < count && !pages.isEmpty()) {
            Page p = pages.peekFirst();
            int chunk = (int) Math.min(count - done, p.end - p.start);
            HostAccess.copyIn(p.data, p.start, hostAddr + done, chunk);
            p.start += chunk;
            done += chunk;
            if (p.start == p.end) pages.pollFirst();
        }
        len -= (int) done;
        notifyAll();
        return done;
    }

    synchronized long write(long hostAddr, long count, boolean nonblock) {
        if (count == 0) return 0; // pipe_write: a null write succeeds, readers or not
        if (readers == 0) return -Errno.EPIPE;
        long written = 0;
        // pipe_write: the first count % PAGE bytes may merge into the last page.
        int chars = (int) (count & (PAGE - 1));
        if (chars != 0 && !pages.isEmpty()) {
            Page last = pages.peekLast();
            if (last.end + chars <= PAGE) {
                HostAccess.copyOut(hostAddr, last.data, last.end, chars);
                last.end += chars;
                len += chars;
                written = chars;
                notifyAll();
                if (written == count) return written;
            }
        }
        while (written < count) {
            if (readers == 0) return written > 0 ? written : -Errno.EPIPE;
            if (pages.size() >= slots) {
                if (nonblock) return written > 0 ? written : -Errno.EAGAIN;
                int r = Blocking.await(this, () -> pages.size() < slots || readers == 0);
                if (r < 0) return written > 0 ? written : r;
                continue;
            }
            Page p = new Page();
            int n = (int) Math.min(PAGE, count - written);
            HostAccess.copyOut(hostAddr + written, p.data, 0, n);
            p.end = n;
            pages.addLast(p);
            len += n;
            written += n;
            notifyAll();
        }
        return written;
    }

    synchronized int pollRead() {
        int ev = 0;
        if (len > 0) ev |= FileDescription.POLLIN | FileDescription.POLLRDNORM;
        if (writers == 0) ev |= FileDescription.POLLHUP;
        return ev;
    }

    synchronized int pollWrite() {
        int ev = 0;
        if (pages.size() < slots) {
            ev |= FileDescription.POLLOUT | FileDescription.POLLWRNORM;
        }
        if (readers == 0) ev |= FileDescription.POLLERR;
        return ev;
    }

    synchronized int available() {
        return len;
    }

    synchronized void close(boolean r, boolean w) {
        if (r) readers--;
        if (w) writers--;
        notifyAll();
    }

    /** One end of the pipe (or both, for a FIFO opened O_RDWR). */
    public static final class End extends FileDescription {
        private final Pipe pipe;
        private final boolean reads, writes;

        End(Pipe pipe, byte[] guestPath, int flags, boolean reads, boolean writes) {
            super(guestPath, flags);
            this.pipe = pipe;
            this.reads = reads;
            this.writes = writes;
        }

        public Pipe pipe() {
            return pipe;
        }

        @Override
        protected void release() {
            pipe.close(reads, writes);
        }

        private boolean nonblock() {
            return (flags & Fs.O_NONBLOCK) != 0;
        }

        @Override
        public long read(long hostBuf, long count) {
            if (!reads || isPathOnly()) return -Errno.EBADF;
            return pipe.read(hostBuf, count, nonblock());
        }

        @Override
        public long write(long hostBuf, long count) {
            if (!writes || isPathOnly()) return -Errno.EBADF;
            return pipe.write(hostBuf, count, nonblock());
        }

        @Override
        public int poll(int events) {
            int ev = 0;
            if (reads) ev |= pipe.pollRead();
            if (writes) ev |= pipe.pollWrite();
            if (!reads) ev &= ~FileDescription.POLLHUP;
            return ev & (events | FileDescription.POLLERR | FileDescription.POLLHUP);
        }

        @Override
        public boolean pollable() {
            return true;
        }

        @Override
        public long available() {
            return pipe.available();
        }

        @Override
        public int stat(MemorySegment st) {
            if (vnode != null) {
                vnode.stat(st);
                return 0;
            }
            StatBuf.synthetic(st, Fs.S_IFIFO | 0600, 0);
            st.set(ValueLayout.JAVA_LONG, StatBuf.ST_DEV, Mount.anonDev(13));
            st.set(ValueLayout.JAVA_LONG, StatBuf.ST_INO, pipe.ino);
            st.set(ValueLayout.JAVA_INT, StatBuf.ST_UID, Libc.geteuid());
            st.set(ValueLayout.JAVA_INT, StatBuf.ST_GID, Libc.getegid());
            st.set(ValueLayout.JAVA_LONG, StatBuf.ST_BLKSIZE, 4096);
            long t = pipe.created;
            for (int off : new int[] {StatBuf.ST_ATIME, StatBuf.ST_MTIME, StatBuf.ST_CTIME}) {
                st.set(ValueLayout.JAVA_LONG, off, t / 1000);
                st.set(ValueLayout.JAVA_LONG, off + 8, (t % 1000) * 1_000_000);
            }
            return 0;
        }

        @Override
        public long ioctl(long request, MemorySegment arg) {
            return -Errno.ENOTTY;
        }
    }
}
