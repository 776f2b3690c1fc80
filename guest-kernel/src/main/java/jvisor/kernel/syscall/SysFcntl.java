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
import jvisor.kernel.fs.RecordLocks;
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
                return RecordLocks.F_UNLCK;
            }
            case Fs.F_SETLEASE -> {
                if (pathOnly) return -Errno.EBADF;
                if (arg != RecordLocks.F_UNLCK && arg != RecordLocks.F_RDLCK && arg != RecordLocks.F_WRLCK) {
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
        if (type != RecordLocks.F_RDLCK && type != RecordLocks.F_WRLCK && (get || type != RecordLocks.F_UNLCK)) {
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
        if (get) {
            // Our own locks never conflict with a new one of ours: nothing would block.
            m.write16(arg, RecordLocks.F_UNLCK);
            return 0;
        }
        if (type == RecordLocks.F_RDLCK && !f.readable()) return -Errno.EBADF;
        if (type == RecordLocks.F_WRLCK && !f.writable()) return -Errno.EBADF;
        t.process.fds.locks.set(f.lockKey(), s, end, type);
        return 0;
    }

    /** flock(2): whole-file locks; one process never conflicts with itself. */
    static long flock(Task t, long fd, int op) {
        FileDescription f = SysSupport.file(t, fd);
        if (f.isPathOnly()) return -Errno.EBADF;
        int kind = op & ~4; // LOCK_NB
        if (kind != 1 && kind != 2 && kind != 8) return -Errno.EINVAL;
        return 0;
    }
}
