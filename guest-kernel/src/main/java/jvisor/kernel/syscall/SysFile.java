package jvisor.kernel.syscall;

import static jvisor.kernel.strace.ArgFormat.ACCESS_MODE;
import static jvisor.kernel.strace.ArgFormat.BUF_OUT;
import static jvisor.kernel.strace.ArgFormat.CREATE_MODE;
import static jvisor.kernel.strace.ArgFormat.DIRFD;
import static jvisor.kernel.strace.ArgFormat.DUP3_FLAGS;
import static jvisor.kernel.strace.ArgFormat.FACCESSAT_FLAGS;
import static jvisor.kernel.strace.ArgFormat.FCNTL_ARG;
import static jvisor.kernel.strace.ArgFormat.FCNTL_CMD;
import static jvisor.kernel.strace.ArgFormat.INT;
import static jvisor.kernel.strace.ArgFormat.IOCTL_ARG;
import static jvisor.kernel.strace.ArgFormat.IOCTL_CMD;
import static jvisor.kernel.strace.ArgFormat.LONG;
import static jvisor.kernel.strace.ArgFormat.OPEN_FLAGS;
import static jvisor.kernel.strace.ArgFormat.PATH;
import static jvisor.kernel.strace.ArgFormat.PATH_OUT;
import static jvisor.kernel.strace.ArgFormat.RET_DEC;
import static jvisor.kernel.strace.ArgFormat.RET_FCNTL;
import static jvisor.kernel.strace.ArgFormat.ULONG;
import static jvisor.kernel.strace.ArgFormat.WHENCE;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import jvisor.kernel.abi.Errno;
import jvisor.kernel.abi.Fs;
import jvisor.kernel.abi.Ioctls;
import jvisor.kernel.fs.FileDescription;
import jvisor.kernel.fs.HostFile;
import jvisor.kernel.fs.Resolution;
import jvisor.kernel.fs.StatBuf;
import jvisor.kernel.fs.SyntheticFile;
import jvisor.kernel.fs.SyntheticNode;
import jvisor.kernel.host.Libc;
import jvisor.kernel.host.Scratch;
import jvisor.kernel.proc.Task;

/**
 * Opening, closing and manipulating file descriptors; access, readlink, getcwd, chdir (gVisor
 * sys_file.go, sys_ioctl.go). The file system is the sandbox root, read-only: opening for writing
 * or creating fails with EROFS, except the devices /dev/null and /dev/tty and the descriptors the
 * process inherited (reopened through /proc/self/fd, /dev/stdout and friends).
 */
final class SysFile {
    private SysFile() {}

    private static final byte[] DEV_NULL = "/dev/null".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DEV_TTY = "/dev/tty".getBytes(StandardCharsets.US_ASCII);

    static void register(SyscallTable t) {
        t.define("open", (k, a, b, c, d, e, f) -> openat(k, Fs.AT_FDCWD, a, (int) b, (int) c), RET_DEC,
                PATH, OPEN_FLAGS, CREATE_MODE);
        t.define("openat", (k, a, b, c, d, e, f) -> openat(k, (int) a, b, (int) c, (int) d), RET_DEC,
                DIRFD, PATH, OPEN_FLAGS, CREATE_MODE);
        t.define("creat", (k, a, b, c, d, e, f) -> openat(k, Fs.AT_FDCWD, a,
                Fs.O_CREAT | Fs.O_WRONLY | Fs.O_TRUNC, (int) b), RET_DEC, PATH, CREATE_MODE);
        t.define("close", (k, a, b, c, d, e, f) -> k.process.fds.close(a), RET_DEC, INT);
        t.define("dup", (k, a, b, c, d, e, f) -> dup(k, a), RET_DEC, INT);
        t.define("dup2", (k, a, b, c, d, e, f) -> dup2(k, a, b), RET_DEC, INT, INT);
        t.define("dup3", (k, a, b, c, d, e, f) -> dup3(k, a, b, c), RET_DEC, INT, INT, DUP3_FLAGS);
        t.define("fcntl", (k, a, b, c, d, e, f) -> fcntl(k, a, (int) b, c), RET_FCNTL, INT, FCNTL_CMD, FCNTL_ARG);
        t.define("ioctl", (k, a, b, c, d, e, f) -> ioctl(k, a, b, c), RET_DEC, INT, IOCTL_CMD, IOCTL_ARG);
        t.define("lseek", (k, a, b, c, d, e, f) -> SysSupport.file(k, a).seek(b, (int) c), RET_DEC, INT, LONG, WHENCE);
        t.define("access", (k, a, b, c, d, e, f) -> faccessat(k, Fs.AT_FDCWD, a, b, 0), RET_DEC, PATH, ACCESS_MODE);
        t.define("faccessat", (k, a, b, c, d, e, f) -> faccessat(k, (int) a, b, c, 0), RET_DEC,
                DIRFD, PATH, ACCESS_MODE);
        t.define("faccessat2", (k, a, b, c, d, e, f) -> faccessat(k, (int) a, b, c, d), RET_DEC,
                DIRFD, PATH, ACCESS_MODE, FACCESSAT_FLAGS);
        t.define("readlink", (k, a, b, c, d, e, f) -> readlinkat(k, Fs.AT_FDCWD, a, b, c), RET_DEC,
                PATH, BUF_OUT, ULONG);
        t.define("readlinkat", (k, a, b, c, d, e, f) -> readlinkat(k, (int) a, b, c, d), RET_DEC,
                DIRFD, PATH, BUF_OUT, ULONG);
        t.define("getcwd", (k, a, b, c, d, e, f) -> getcwd(k, a, b), RET_DEC, PATH_OUT, ULONG);
        t.define("chdir", (k, a, b, c, d, e, f) -> chdir(k, a), RET_DEC, PATH);
        t.define("fchdir", (k, a, b, c, d, e, f) -> fchdir(k, a), RET_DEC, INT);
    }

    // ---------------------------------------------------------------- open(2)

    /** openat(2), see open(2) and fs/namei.c do_open for the order of the checks. */
    static long openat(Task t, int dirfd, long pathAddr, int flags, int mode) {
        byte[] path = SysSupport.path(t, pathAddr);
        if (path.length == 0) return -Errno.ENOENT;
        int access = flags & Fs.O_ACCMODE;
        boolean wantsWrite = (flags & Fs.O_PATH) == 0 && access != Fs.O_RDONLY;
        boolean create = (flags & Fs.O_CREAT) != 0;
        if ((flags & Fs.O_TMPFILE) == Fs.O_TMPFILE) {
            return access == Fs.O_RDONLY ? -Errno.EINVAL : -Errno.EROFS;
        }
        boolean follow = (flags & Fs.O_NOFOLLOW) == 0 && !(create && (flags & Fs.O_EXCL) != 0);

        byte[] base = SysSupport.baseDir(t, dirfd, path);
        Resolution r = t.process.fs.resolve(base, path, follow);
        if (!r.ok()) {
            if (r.error() == Errno.ENOENT && isWritableDevice(path)) return openDevice(t, path, flags);
            return -r.error();
        }
        if (isWritableDevice(r.guestPath())) return openDevice(t, r.guestPath(), flags);
        if (!r.exists()) return create ? -Errno.EROFS : -Errno.ENOENT;
        if (create && (flags & Fs.O_EXCL) != 0) return -Errno.EEXIST;

        SyntheticNode node = r.synthetic();
        if (node != null) return openSynthetic(t, r, node, flags, wantsWrite);

        int type = hostType(r.hostPath());
        if (type < 0) return type;
        if (create && type == Fs.S_IFDIR) return -Errno.EISDIR;
        if ((flags & Fs.O_DIRECTORY) != 0 && type != Fs.S_IFDIR) return -Errno.ENOTDIR;
        if ((flags & Fs.O_TRUNC) != 0 && type == Fs.S_IFREG && (flags & Fs.O_PATH) == 0) return -Errno.EROFS;
        if (wantsWrite) return type == Fs.S_IFDIR ? -Errno.EISDIR : -Errno.EROFS;

        int[] errno = new int[1];
        HostFile f = HostFile.open(r.hostPath(), r.guestPath(), flags, errno);
        if (f == null) return -errno[0];
        return install(t, f, flags);
    }

    private static long install(Task t, FileDescription f, int flags) {
        return t.process.fds.install(f, (flags & Fs.O_CLOEXEC) != 0, 0, SysSupport.fdLimit(t));
    }

    private static boolean isWritableDevice(byte[] guestPath) {
        return Arrays.equals(guestPath, DEV_NULL) || Arrays.equals(guestPath, DEV_TTY);
    }

    /** /dev/null and /dev/tty are the host's, whatever the root holds. */
    private static long openDevice(Task t, byte[] guestPath, int flags) {
        int[] errno = new int[1];
        HostFile f = HostFile.open(guestPath, guestPath, flags & ~(Fs.O_CREAT | Fs.O_TRUNC | Fs.O_EXCL), errno);
        if (f == null) return -errno[0];
        return install(t, f, flags);
    }

    private static long openSynthetic(Task t, Resolution r, SyntheticNode node, int flags, boolean wantsWrite) {
        switch (node.kind()) {
            case MAGIC_FD -> {
                // Reopening an open file: the same file, shared (Linux would make a new description).
                FileDescription f = t.process.fds.get(node.fd());
                if (f == null) return -Errno.ENOENT;
                if ((wantsWrite && !f.writable()) || ((flags & Fs.O_PATH) == 0
                        && (flags & Fs.O_ACCMODE) != Fs.O_WRONLY && !f.readable() && !f.isPathOnly())) {
                    return -Errno.EACCES;
                }
                f.incRef();
                return install(t, f, flags);
            }
            case DIR -> {
                if (wantsWrite) return -Errno.EISDIR;
                return install(t, new SyntheticFile(r.guestPath(), new byte[0], syntheticFlags(flags), true), flags);
            }
            case FILE -> {
                if (wantsWrite) return -Errno.EACCES;
                if ((flags & Fs.O_DIRECTORY) != 0) return -Errno.ENOTDIR;
                return install(t, new SyntheticFile(r.guestPath(), node.content().get(), syntheticFlags(flags)), flags);
            }
            default -> {
                return -Errno.ELOOP; // a symbolic link opened with O_NOFOLLOW
            }
        }
    }

    private static int syntheticFlags(int flags) {
        return (flags & ~(Fs.O_CREAT | Fs.O_EXCL | Fs.O_NOCTTY | Fs.O_TRUNC | Fs.O_CLOEXEC)) | Fs.O_LARGEFILE;
    }

    /** The file type (S_IFMT bits) of a host path, or -errno. */
    static int hostType(byte[] hostPath) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = arena.allocate(StatBuf.SIZE);
            int rc = Libc.fstatat(Fs.AT_FDCWD, Scratch.cString(arena, hostPath), st, Fs.AT_SYMLINK_NOFOLLOW);
            if (rc < 0) return rc;
            return st.get(ValueLayout.JAVA_INT, StatBuf.ST_MODE) & Fs.S_IFMT;
        }
    }

    // ---------------------------------------------------------------- dup(2), fcntl(2)

    static long dup(Task t, long fd) {
        FileDescription f = SysSupport.file(t, fd);
        f.incRef();
        return t.process.fds.install(f, false, 0, SysSupport.fdLimit(t));
    }

    static long dup2(Task t, long oldFd, long newFd) {
        FileDescription f = SysSupport.file(t, oldFd);
        if (newFd < 0 || newFd >= SysSupport.fdLimit(t)) return -Errno.EBADF;
        if (oldFd == newFd) return newFd;
        f.incRef();
        t.process.fds.installAt((int) newFd, f, false);
        return newFd;
    }

    static long dup3(Task t, long oldFd, long newFd, long flags) {
        if ((flags & ~Fs.O_CLOEXEC) != 0) return -Errno.EINVAL;
        if (oldFd == newFd) return -Errno.EINVAL;
        FileDescription f = SysSupport.file(t, oldFd);
        if (newFd < 0 || newFd >= SysSupport.fdLimit(t)) return -Errno.EBADF;
        f.incRef();
        t.process.fds.installAt((int) newFd, f, (flags & Fs.O_CLOEXEC) != 0);
        return newFd;
    }

    /** fcntl(2). Locks always succeed: one process cannot conflict with itself. */
    static long fcntl(Task t, long fd, int cmd, long arg) {
        FileDescription f = SysSupport.file(t, fd);
        int ifd = (int) fd;
        switch (cmd) {
            case Fs.F_DUPFD, Fs.F_DUPFD_CLOEXEC -> {
                long limit = SysSupport.fdLimit(t);
                if (arg < 0 || arg >= limit) return -Errno.EINVAL;
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
                return f.setFlags((int) arg);
            }
            case Fs.F_GETLK, Fs.F_OFD_GETLK -> {
                if (f.isPathOnly()) return -Errno.EBADF;
                t.memory().write16(arg, 2); // l_type = F_UNLCK: nothing would block
                return 0;
            }
            case Fs.F_SETLK, Fs.F_SETLKW, Fs.F_OFD_SETLK, Fs.F_OFD_SETLKW -> {
                if (f.isPathOnly()) return -Errno.EBADF;
                t.memory().read16(arg);
                return 0;
            }
            case Fs.F_GETOWN -> {
                return 0;
            }
            case Fs.F_SETOWN -> {
                return 0;
            }
            default -> {
                return -Errno.EINVAL;
            }
        }
    }

    // ---------------------------------------------------------------- ioctl(2)

    /**
     * ioctl(2): fd flags here, terminal requests answered by the host fd (ENOTTY for anything that
     * is not a terminal, as on the host).
     */
    static long ioctl(Task t, long fd, long request, long arg) {
        FileDescription f = SysSupport.file(t, fd);
        int req = (int) request;
        switch (req) {
            case Ioctls.FIOCLEX -> {
                t.process.fds.setCloexec((int) fd, true);
                return 0;
            }
            case Ioctls.FIONCLEX -> {
                t.process.fds.setCloexec((int) fd, false);
                return 0;
            }
            case Ioctls.FIONBIO -> {
                int on = t.memory().read32(arg);
                return f.setFlags(on != 0 ? f.getFlags() | Fs.O_NONBLOCK : f.getFlags() & ~Fs.O_NONBLOCK);
            }
            default -> { }
        }
        int in = 0, out = 0;
        boolean byValue = false;
        switch (req) {
            case Ioctls.TCGETS -> out = Ioctls.TERMIOS_SIZE;
            case Ioctls.TCSETS, Ioctls.TCSETSW, Ioctls.TCSETSF -> in = Ioctls.TERMIOS_SIZE;
            case Ioctls.TIOCGWINSZ -> out = Ioctls.WINSIZE_SIZE;
            case Ioctls.TIOCSWINSZ -> in = Ioctls.WINSIZE_SIZE;
            case Ioctls.FIONREAD, Ioctls.TIOCGPGRP, Ioctls.TIOCOUTQ, Ioctls.TIOCGSID -> out = 4;
            case Ioctls.TCFLSH, Ioctls.TCXONC, Ioctls.TCSBRK -> byValue = true;
            default -> {
                return f.ioctl(request, MemorySegment.NULL);
            }
        }
        if (byValue) return f.ioctl(request, MemorySegment.ofAddress(arg));
        MemorySegment buf = Scratch.get(64);
        buf.asSlice(0, 64).fill((byte) 0);
        if (in > 0) SysSupport.copyIn(t, arg, buf, in);
        long r = f.ioctl(request, buf);
        if (r >= 0 && out > 0) SysSupport.copyOut(t, arg, buf, out);
        return r;
    }

    // ---------------------------------------------------------------- access(2), readlink(2)

    static long faccessat(Task t, int dirfd, long pathAddr, long mode, long flags) {
        if ((mode & ~(Fs.R_OK | Fs.W_OK | Fs.X_OK)) != 0) return -Errno.EINVAL;
        if ((flags & ~(Fs.AT_EACCESS | Fs.AT_SYMLINK_NOFOLLOW | Fs.AT_EMPTY_PATH)) != 0) return -Errno.EINVAL;
        byte[] path = SysSupport.path(t, pathAddr);
        if (path.length == 0 && (flags & Fs.AT_EMPTY_PATH) != 0) {
            FileDescription f = dirfd == Fs.AT_FDCWD ? null : SysSupport.file(t, dirfd);
            if (f == null) path = t.process.cwd();
            else return (mode & Fs.W_OK) != 0 && !f.writable() ? -Errno.EROFS : 0;
        }
        Resolution r = SysSupport.resolve(t, dirfd, path, (flags & Fs.AT_SYMLINK_NOFOLLOW) == 0);
        if (!r.exists()) return -Errno.ENOENT;
        if (r.synthetic() != null) {
            SyntheticNode n = r.synthetic();
            if ((mode & Fs.W_OK) != 0) return -Errno.EACCES;
            if ((mode & Fs.X_OK) != 0 && n.kind() == SyntheticNode.Kind.FILE) return -Errno.EACCES;
            return 0;
        }
        boolean device = isWritableDevice(r.guestPath());
        if ((mode & Fs.W_OK) != 0 && !device) {
            int type = hostType(r.hostPath());
            if (type < 0) return type;
            if (type != Fs.S_IFCHR && type != Fs.S_IFBLK && type != Fs.S_IFIFO && type != Fs.S_IFSOCK) {
                return -Errno.EROFS;
            }
        }
        try (Arena arena = Arena.ofConfined()) {
            return Libc.faccessat(Fs.AT_FDCWD, Scratch.cString(arena, r.hostPath()), (int) mode,
                    (int) (flags & Fs.AT_EACCESS) | Fs.AT_SYMLINK_NOFOLLOW);
        }
    }

    static long readlinkat(Task t, int dirfd, long pathAddr, long buf, long size) {
        byte[] path = SysSupport.path(t, pathAddr);
        if ((int) size <= 0) return -Errno.EINVAL;
        Resolution r = SysSupport.resolve(t, dirfd, path, false);
        if (!r.exists()) return -Errno.ENOENT;
        byte[] target;
        if (r.synthetic() != null) {
            SyntheticNode n = r.synthetic();
            if (n.kind() != SyntheticNode.Kind.SYMLINK && n.kind() != SyntheticNode.Kind.MAGIC_FD) return -Errno.EINVAL;
            target = n.linkTarget();
        } else {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment out = arena.allocate(Fs.PATH_MAX);
                long n = Libc.readlink(Scratch.cString(arena, r.hostPath()), out, Fs.PATH_MAX);
                if (n < 0) return n;
                target = out.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
            }
        }
        int n = (int) Math.min(target.length, size);
        t.memory().writeBytes(buf, target, 0, n);
        return n;
    }

    // ---------------------------------------------------------------- getcwd(2), chdir(2)

    static long getcwd(Task t, long buf, long size) {
        byte[] cwd = t.process.cwd();
        if (Long.compareUnsigned(size, cwd.length + 1L) < 0) return -Errno.ERANGE;
        byte[] out = Arrays.copyOf(cwd, cwd.length + 1);
        t.memory().writeBytes(buf, out, 0, out.length);
        return out.length;
    }

    static long chdir(Task t, long pathAddr) {
        byte[] path = SysSupport.path(t, pathAddr);
        Resolution r = SysSupport.resolve(t, Fs.AT_FDCWD, path, true);
        if (!r.exists()) return -Errno.ENOENT;
        return enter(t, r);
    }

    static long fchdir(Task t, long fd) {
        FileDescription f = SysSupport.file(t, fd);
        if (!f.isDirectory()) return -Errno.ENOTDIR;
        Resolution r = t.process.fs.resolve(new byte[] {'/'}, f.guestPath(), true);
        if (!r.ok()) return -r.error();
        return enter(t, r);
    }

    private static long enter(Task t, Resolution r) {
        if (r.synthetic() != null) {
            if (r.synthetic().kind() != SyntheticNode.Kind.DIR) return -Errno.ENOTDIR;
        } else {
            int type = hostType(r.hostPath());
            if (type < 0) return type;
            if (type != Fs.S_IFDIR) return -Errno.ENOTDIR;
            try (Arena arena = Arena.ofConfined()) {
                int rc = Libc.faccessat(Fs.AT_FDCWD, Scratch.cString(arena, r.hostPath()), Fs.X_OK, 0);
                if (rc < 0) return rc;
            }
        }
        t.process.setCwd(r.guestPath());
        return 0;
    }
}
