package jvisor.kernel.syscall;

import static jvisor.kernel.strace.ArgFormat.FCNTL_ARG;
import static jvisor.kernel.strace.ArgFormat.FCNTL_CMD;
import static jvisor.kernel.strace.ArgFormat.INT;
import static jvisor.kernel.strace.ArgFormat.RET_FCNTL;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import jvisor.kernel.abi.Errno;
import jvisor.kernel.abi.Fs;
import jvisor.kernel.fs.FileDescription;
import jvisor.kernel.fs.Pipe;
import jvisor.kernel.fs.FileLocks;
import jvisor.kernel.fs.TmpFile;
import jvisor.kernel.host.Scratch;
import jvisor.kernel.proc.Task;
import jvisor.mmu.AddressSpace;

/** fcntl(2) (fs/fcntl.c, fs/locks.c): descriptor flags, status flags, record locks, pipes, seals. */
final class SysFcntl {
    private SysFcntl() {}

    static void register(SyscallTable t) {
        t.define("fcntl", (k, a, b, c, d, e, f) -> fcntl(k, a, (int) b, c), RET_FCNTL, INT, FCNTL_CMD, FCNTL_ARG);
        t.define("flock", (k, a, b, c, d, e, f) -> flock(k, a, (int) b), jvisor.kernel.strace.ArgFormat.RET_DEC,
                INT, INT);
    }

    static final int F_SEAL_SEAL = 1, F_SEAL_SHRINK = 2, F_SEAL_GROW = 4, F_SEAL_WRITE = 8, F_SEAL_FUTURE_WRITE = 16;

    static long fcntl(Task t, long fd, int cmd, long arg) {
        FileDescription f = SysSupport.file(t, fd);
        int ifd = (int) fd;
        boolean pathOnly = f.isPathOnly();
        switch (cmd) {
            case Fs.F_DUPFD, Fs.F_DUPFD_CLOEXEC -> {
                long limit = SysSupport.fdLimit(t);
                if ((int) arg < 0 || (int) arg >= limit) return -Errno.EINVAL;
                f.incRef();
                return t.process.fds.install(f, cmd == Fs.F_DUPFD_CLOEXEC, (int) arg, limit);
            }
            case Fs.F_GETFD -> {
                return t.process.fds.isCloexec(ifd) ? Fs.FD_CLOEXEC : 0;
            }
            case Fs.F_SETFD -> {
                t.process.fds.setCloexec(ifd, (arg & Fs.FD_CLOEXEC) != 0);
                return 0;
            }
            case Fs.F_GETFL -> {
                return f.getFlags();
            }
            case Fs.F_SETFL -> {
                if (pathOnly) return -Errno.EBADF;
                return f.setFlags((int) arg);
            }
            case Fs.F_GETLK, Fs.F_SETLK, Fs.F_SETLKW, Fs.F_OFD_GETLK, Fs.F_OFD_SETLK, Fs.F_OFD_SETLKW -> {
                if (pathOnly) return -Errno.EBADF;
                return lock(t, f, cmd, arg);
            }
            case Fs.F_GETOWN, Fs.F_SETOWN, Fs.F_GETSIG, Fs.F_SETSIG -> {
                if (pathOnly) return -Errno.EBADF;
                return 0;
            }
            case Fs.F_GETLEASE -> {
                if (pathOnly) return -Errno.EBADF;
                return FileLocks.F_UNLCK;
            }
            case Fs.F_SETLEASE -> {
                if (pathOnly) return -Errno.EBADF;
                if (arg != FileLocks.F_UNLCK && arg != FileLocks.F_RDLCK && arg != FileLocks.F_WRLCK) {
                    return -Errno.EINVAL;
                }
                return f.vnode() != null && f.vnode().type() == Fs.S_IFREG ? 0 : -Errno.EINVAL;
            }
            case Fs.F_GETPIPE_SZ -> {
                if (!(f instanceof Pipe.End e)) return -Errno.EBADF;
                return e.pipe().capacity();
            }
            case Fs.F_SETPIPE_SZ -> {
                if (!(f instanceof Pipe.End e)) return -Errno.EBADF;
                return e.pipe().resize(arg);
            }
            case Fs.F_GET_SEALS -> {
                if (!(f instanceof TmpFile tf) || !tf.file().sealable()) return -Errno.EINVAL;
                return tf.file().seals();
            }
            case Fs.F_ADD_SEALS -> {
                if (!(f instanceof TmpFile tf) || !tf.file().sealable()) return -Errno.EINVAL;
                if (!f.writable()) return -Errno.EPERM;
                if ((arg & ~0x1fL) != 0) return -Errno.EINVAL;
                if ((tf.file().seals() & F_SEAL_SEAL) != 0) return -Errno.EPERM;
                tf.file().addSeals((int) arg);
                return 0;
            }
            default -> {
                return -Errno.EINVAL;
            }
        }
    }

    /** struct flock: l_type, l_whence (shorts), l_start, l_len, l_pid. */
    private static long lock(Task t, FileDescription f, int cmd, long arg) {
        AddressSpace m = t.memory();
        short type = (short) m.read16(arg);
        short whence = (short) m.read16(arg + 2);
        long start = m.read64(arg + 8);
        long len = m.read64(arg + 16);
        int pid = m.read32(arg + 24);
        boolean ofd = cmd == Fs.F_OFD_GETLK || cmd == Fs.F_OFD_SETLK || cmd == Fs.F_OFD_SETLKW;
        if (ofd && pid != 0) return -Errno.EINVAL;
        boolean get = cmd == Fs.F_GETLK || cmd == Fs.F_OFD_GETLK;
        if (type != FileLocks.F_RDLCK && type != FileLocks.F_WRLCK && (get || type != FileLocks.F_UNLCK)) {
            return -Errno.EINVAL;
        }
        long base;
        switch (whence) {
            case Fs.SEEK_SET -> base = 0;
            case Fs.SEEK_CUR -> {
                base = f.seek(0, Fs.SEEK_CUR);
                if (base < 0) base = 0;
            }
            case Fs.SEEK_END -> {
                MemorySegment st = Scratch.get(jvisor.kernel.fs.StatBuf.SIZE);
                int r = f.stat(st);
                if (r < 0) return r;
                base = st.get(ValueLayout.JAVA_LONG, jvisor.kernel.fs.StatBuf.ST_SIZE);
            }
            default -> {
                return -Errno.EINVAL;
            }
        }
        long s = base + start;
        long end;
        if (len > 0) {
            end = s + len;
            if (end < s) return -Errno.EOVERFLOW;
        } else if (len < 0) {
            end = s;
            s = s + len;
        } else {
            end = Long.MAX_VALUE;
        }
        if (s < 0) return -Errno.EINVAL;
        Object owner = ofd ? f : t.process.fds;
        int lockPid = ofd ? FileLocks.OFD_PID : t.process.pid;
        if (get) {
            // F_GETLK: the first lock of another owner that would block this one, or F_UNLCK.
            FileLocks.Lock c = FileLocks.INSTANCE.conflict(f.lockKey(), owner, s, end, type);
            if (c == null) {
                m.write16(arg, FileLocks.F_UNLCK);
                return 0;
            }
            m.write16(arg, c.type());
            m.write16(arg + 2, Fs.SEEK_SET);
            m.write64(arg + 8, c.start());
            m.write64(arg + 16, c.end() == Long.MAX_VALUE ? 0 : c.end() - c.start());
            m.write32(arg + 24, c.pid());
            return 0;
        }
        if (type == FileLocks.F_RDLCK && !f.readable()) return -Errno.EBADF;
        if (type == FileLocks.F_WRLCK && !f.writable()) return -Errno.EBADF;
        if (ofd) f.lockedThrough();
        boolean wait = cmd == Fs.F_SETLKW || cmd == Fs.F_OFD_SETLKW;
        return FileLocks.INSTANCE.set(f.lockKey(), owner, lockPid, s, end, type, wait, !ofd);
    }

    /** flock(2): whole-file locks of the open file description (LOCK_SH 1, LOCK_EX 2, LOCK_UN 8, LOCK_NB 4). */
    static long flock(Task t, long fd, int op) {
        FileDescription f = SysSupport.file(t, fd);
        if (f.isPathOnly()) return -Errno.EBADF;
        int kind = op & ~4; // LOCK_NB
        if (kind != 1 && kind != 2 && kind != 8) return -Errno.EINVAL;
        f.lockedThrough();
        return FileLocks.INSTANCE.flock(f.lockKey(), f, kind, (op & 4) != 0);
    }
}
