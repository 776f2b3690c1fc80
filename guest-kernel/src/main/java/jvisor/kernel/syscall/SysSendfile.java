package jvisor.kernel.syscall;

import static jvisor.kernel.strace.ArgFormat.HEX;
import static jvisor.kernel.strace.ArgFormat.INT;
import static jvisor.kernel.strace.ArgFormat.IOVEC_IN;
import static jvisor.kernel.strace.ArgFormat.IOVEC_OUT;
import static jvisor.kernel.strace.ArgFormat.LONG;
import static jvisor.kernel.strace.ArgFormat.OFFSET_HIGH;
import static jvisor.kernel.strace.ArgFormat.PTR;
import static jvisor.kernel.strace.ArgFormat.RET_DEC;
import static jvisor.kernel.strace.ArgFormat.ULONG;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import jvisor.kernel.abi.Errno;
import jvisor.kernel.abi.Fs;
import jvisor.kernel.abi.Signals;
import jvisor.kernel.fs.DevFile;
import jvisor.kernel.fs.FileDescription;
import jvisor.kernel.fs.Pipe;
import jvisor.kernel.fs.ProcNode;
import jvisor.kernel.fs.StatBuf;
import jvisor.kernel.host.Scratch;
import jvisor.kernel.mm.GuestMemory;
import jvisor.kernel.proc.Task;
import jvisor.mmu.AddressSpace;

/**
 * Vectored I/O at an offset (preadv, pwritev, preadv2, pwritev2) and in-kernel copies between
 * files (sendfile, copy_file_range, splice, tee), done through a bounce buffer.
 */
final class SysSendfile {
    private SysSendfile() {}

    static final int RWF_HIPRI = 1, RWF_DSYNC = 2, RWF_SYNC = 4, RWF_NOWAIT = 8, RWF_APPEND = 0x10, RWF_NOAPPEND = 0x20,
            RWF_NOSIGNAL = 0x100;
    /** The flags preadv2 and pwritev2 take (kiocb_set_rw_flags); RWF_ATOMIC and RWF_DONTCACHE are refused. */
    private static final int RWF_SUPPORTED = RWF_HIPRI | RWF_DSYNC | RWF_SYNC | RWF_NOWAIT | RWF_APPEND | RWF_NOAPPEND
            | RWF_NOSIGNAL;

    static void register(SyscallTable t) {
        t.define("preadv", (k, a, b, c, d, e, f) -> preadv(k, a, b, c, d, 0), RET_DEC, INT, IOVEC_OUT, INT, LONG);
        t.define("preadv2", (k, a, b, c, d, e, f) -> preadv(k, a, b, c, d, (int) f), RET_DEC, INT, IOVEC_OUT, INT,
                LONG, OFFSET_HIGH, HEX);
        t.define("pwritev", (k, a, b, c, d, e, f) -> pwritev(k, a, b, c, d, 0), RET_DEC, INT, IOVEC_IN, INT, LONG);
        t.define("pwritev2", (k, a, b, c, d, e, f) -> pwritev(k, a, b, c, d, (int) f), RET_DEC, INT, IOVEC_IN, INT,
                LONG, OFFSET_HIGH, HEX);
        t.define("sendfile", (k, a, b, c, d, e, f) -> sendfile(k, a, b, c, d), RET_DEC, INT, INT, PTR, ULONG);
        t.define("copy_file_range", (k, a, b, c, d, e, f) -> copyFileRange(k, a, b, c, d, e, (int) f), RET_DEC,
                INT, PTR, INT, PTR, ULONG, HEX);
        t.define("splice", (k, a, b, c, d, e, f) -> splice(k, a, b, c, d, e, (int) f), RET_DEC,
                INT, PTR, INT, PTR, ULONG, HEX);
    }

    /** The iovec array: {bases, lens, total} with Linux's checks. */
    private static long[][] iovecs(Task t, long iov, long iovcnt) {
        if (iovcnt < 0 || iovcnt > SysRead.UIO_MAXIOV) throw SysSupport.err(Errno.EINVAL);
        AddressSpace mem = t.memory();
        long[] bases = new long[(int) iovcnt];
        long[] lens = new long[(int) iovcnt];
        long total = 0;
        for (int i = 0; i < iovcnt; i++) {
            bases[i] = mem.read64(iov + 16L * i);
            lens[i] = mem.read64(iov + 16L * i + 8);
            if (lens[i] < 0) throw SysSupport.err(Errno.EINVAL);
            total += lens[i];
            if (total < 0) throw SysSupport.err(Errno.EINVAL);
        }
        return new long[][] {bases, lens, {SysSupport.clampCount(total)}};
    }

    static long preadv(Task t, long fd, long iov, long iovcnt, long offset, int flags) {
        FileDescription f = SysSupport.file(t, fd);
        if ((flags & ~RWF_SUPPORTED) != 0) return -Errno.EOPNOTSUPP;
        if (!f.readable()) return -Errno.EBADF;
        if (f.isDirectory()) return -Errno.EISDIR;
        long[][] v = iovecs(t, iov, iovcnt);
        if (offset < -1 || (offset == -1 && flags == 0 && false)) return -Errno.EINVAL;
        long total = v[2][0];
        MemorySegment scratch = Scratch.get(Math.max(total, 1));
        long r = offset == -1 ? f.read(scratch.address(), total) : f.pread(scratch.address(), total, offset);
        if (r <= 0) return r;
        long done = 0;
        for (int i = 0; i < v[0].length && done < r; i++) {
            long n = Math.min(v[1][i], r - done);
            GuestMemory.copyOut(t.memory(), v[0][i], scratch, done, n);
            done += n;
        }
        return r;
    }

    static long pwritev(Task t, long fd, long iov, long iovcnt, long offset, int flags) {
        FileDescription f = SysSupport.file(t, fd);
        if ((flags & ~RWF_SUPPORTED) != 0) return -Errno.EOPNOTSUPP;
        if (!f.writable()) return -Errno.EBADF;
        long[][] v = iovecs(t, iov, iovcnt);
        if (offset < -1) return -Errno.EINVAL;
        long total = v[2][0];
        MemorySegment scratch = Scratch.get(Math.max(total, 1));
        long done = 0;
        for (int i = 0; i < v[0].length && done < total; i++) {
            long n = Math.min(v[1][i], total - done);
            GuestMemory.copyIn(t.memory(), v[0][i], scratch, done, n);
            done += n;
        }
        long r = (flags & RWF_APPEND) != 0 ? append(f, scratch.address(), total, offset)
                : offset == -1 ? f.write(scratch.address(), total) : f.pwrite(scratch.address(), total, offset);
        if (r == -Errno.EPIPE && (flags & RWF_NOSIGNAL) == 0) SysSignal.raise(t, Signals.SIGPIPE, Signals.SI_USER);
        return r;
    }

    /**
     * RWF_APPEND (readv(2)): this write goes to the end of the file whatever the offset, as with
     * O_APPEND; only with offset -1 does the file position move (to the end of what it wrote). A
     * file without positions (a pipe, a socket) just writes.
     */
    private static long append(FileDescription f, long buf, long count, long offset) {
        long position = f.seek(0, Fs.SEEK_CUR);
        if (position < 0) return f.write(buf, count);
        long end = f.seek(0, Fs.SEEK_END);
        if (offset == -1 || end < 0) return f.write(buf, count);
        f.seek(position, Fs.SEEK_SET);
        return f.pwrite(buf, count, end);
    }

    private static final long CHUNK = 1 << 16;

    /**
     * Copies up to count bytes from in to out: in at *inOff (or its position), out at *outOff (or its
     * position). Returns the count moved or -errno if nothing moved.
     */
    private static long copy(Task t, FileDescription in, long[] inOff, FileDescription out, long[] outOff, long count) {
        long done = 0;
        MemorySegment buf = Scratch.get(CHUNK);
        while (done < count) {
            long want = Math.min(CHUNK, count - done);
            if (in instanceof Pipe.End && done > 0 && in.available() == 0) break;
            long n = inOff != null ? in.pread(buf.address(), want, inOff[0]) : in.read(buf.address(), want);
            if (n < 0) return done > 0 ? done : n;
            if (n == 0) break;
            long w = 0;
            while (w < n) {
                long m = outOff != null ? out.pwrite(buf.address() + w, n - w, outOff[0] + w)
                        : out.write(buf.address() + w, n - w);
                if (m < 0) {
                    if (m == -Errno.EPIPE) SysSignal.raise(t, Signals.SIGPIPE, Signals.SI_USER);
                    if (inOff != null) inOff[0] += w;
                    else if (w < n) in.seek(w - n, Fs.SEEK_CUR);
                    return done + w > 0 ? done + w : m;
                }
                w += m;
            }
            if (inOff != null) inOff[0] += n;
            if (outOff != null) outOff[0] += n;
            done += n;
            if (n < want) break;
        }
        return done;
    }

    /**
     * sendfile(2) as fs/read_write.c do_sendfile and fs/splice.c decide what may be copied: an offset
     * needs a source that can pread (ESPIPE); the source needs a splice_read, which pipes, eventfds,
     * timerfds, epoll, directories, /dev/null and a process's /proc files lack (EINVAL); into a pipe that is all, but into
     * anything else (splice_direct_to_actor) the source must also be seekable, which sockets and
     * terminals are not ("we don't want to randomly drop data"), the target must not be O_APPEND
     * and must have a splice_write (anonymous inodes have none).
     */
    static long sendfile(Task t, long outFd, long inFd, long offAddr, long count) {
        FileDescription in = SysSupport.file(t, inFd);
        FileDescription out = SysSupport.file(t, outFd);
        if (!in.readable() || !out.writable()) return -Errno.EBADF;
        boolean seekable = in.seek(0, Fs.SEEK_CUR) >= 0;
        if (offAddr != 0 && !seekable) return -Errno.ESPIPE;
        int inType = fileType(in), outType = fileType(out);
        boolean spliceRead = switch (inType) {
            case Fs.S_IFREG -> !(in.vnode() instanceof ProcNode p && !p.spliceReadable());
            case Fs.S_IFSOCK -> true;
            case Fs.S_IFCHR -> !(in instanceof DevFile d && d.kind() == DevFile.Kind.NULL);
            default -> false;
        };
        if (in.terminal() != null) spliceRead = false; // a terminal has no splice_read: callers fall back to read
        if (!spliceRead) return -Errno.EINVAL;
        if (outType != Fs.S_IFIFO) {
            if (!seekable || (out.getFlags() & Fs.O_APPEND) != 0 || outType == 0) return -Errno.EINVAL;
        }
        long[] off = null;
        if (offAddr != 0) {
            off = new long[] {t.memory().read64(offAddr)};
            if (off[0] < 0) return -Errno.EINVAL;
        }
        count = SysSupport.clampCount(count);
        long r = copy(t, in, off, out, null, count);
        if (off != null && r >= 0) t.memory().write64(offAddr, off[0]);
        return r;
    }

    /** The S_IFMT bits of the file's type (0 for an anonymous inode: eventfd, timerfd, epoll). */
    private static int fileType(FileDescription f) {
        MemorySegment st = Scratch.get(StatBuf.SIZE);
        if (f.stat(st) < 0) return 0;
        return st.get(ValueLayout.JAVA_INT, StatBuf.ST_MODE) & Fs.S_IFMT;
    }

    static long copyFileRange(Task t, long inFd, long inOffAddr, long outFd, long outOffAddr, long len, int flags) {
        if (flags != 0) return -Errno.EINVAL;
        FileDescription in = SysSupport.file(t, inFd);
        FileDescription out = SysSupport.file(t, outFd);
        if (!in.readable() || !out.writable()) return -Errno.EBADF;
        if ((out.getFlags() & Fs.O_APPEND) != 0) return -Errno.EBADF;
        if (in.isDirectory() || out.isDirectory()) return -Errno.EISDIR;
        if (in.vnode() == null || out.vnode() == null || in.vnode().type() != Fs.S_IFREG
                || out.vnode().type() != Fs.S_IFREG) {
            return -Errno.EINVAL;
        }
        long[] io = inOffAddr != 0 ? new long[] {t.memory().read64(inOffAddr)} : null;
        long[] oo = outOffAddr != 0 ? new long[] {t.memory().read64(outOffAddr)} : null;
        if ((io != null && io[0] < 0) || (oo != null && oo[0] < 0)) return -Errno.EINVAL;
        if (in.vnode().key().equals(out.vnode().key())) {
            long is = io != null ? io[0] : in.seek(0, Fs.SEEK_CUR);
            long os = oo != null ? oo[0] : out.seek(0, Fs.SEEK_CUR);
            if (is < os + len && os < is + len) return -Errno.EINVAL;
        }
        long[] ioUse = io != null ? io : new long[] {in.seek(0, Fs.SEEK_CUR)};
        long[] ooUse = oo != null ? oo : new long[] {out.seek(0, Fs.SEEK_CUR)};
        long r = copy(t, in, ioUse, out, ooUse, SysSupport.clampCount(len));
        if (r > 0) {
            if (io != null) t.memory().write64(inOffAddr, ioUse[0]);
            else in.seek(ioUse[0], Fs.SEEK_SET);
            if (oo != null) t.memory().write64(outOffAddr, ooUse[0]);
            else out.seek(ooUse[0], Fs.SEEK_SET);
        }
        return r;
    }

    static long splice(Task t, long inFd, long inOffAddr, long outFd, long outOffAddr, long len, int flags) {
        FileDescription in = SysSupport.file(t, inFd);
        FileDescription out = SysSupport.file(t, outFd);
        if (!in.readable() || !out.writable()) return -Errno.EBADF;
        boolean inPipe = in instanceof Pipe.End, outPipe = out instanceof Pipe.End;
        if (!inPipe && !outPipe) return -Errno.EINVAL;
        if ((inPipe && inOffAddr != 0) || (outPipe && outOffAddr != 0)) return -Errno.ESPIPE;
        if ((out.getFlags() & Fs.O_APPEND) != 0) return -Errno.EINVAL;
        long[] io = inOffAddr != 0 ? new long[] {t.memory().read64(inOffAddr)} : null;
        long[] oo = outOffAddr != 0 ? new long[] {t.memory().read64(outOffAddr)} : null;
        if ((io != null && io[0] < 0) || (oo != null && oo[0] < 0)) return -Errno.EINVAL;
        long r = copy(t, in, io, out, oo, SysSupport.clampCount(len));
        if (r > 0) {
            if (io != null) t.memory().write64(inOffAddr, io[0]);
            if (oo != null) t.memory().write64(outOffAddr, oo[0]);
        }
        return r;
    }
}
