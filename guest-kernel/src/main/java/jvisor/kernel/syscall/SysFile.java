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
import jvisor.kernel.fs.TmpFile;
import jvisor.kernel.fs.TmpFs;
import jvisor.kernel.fs.Vnode;
import jvisor.kernel.proc.Credentials;
import jvisor.kernel.proc.Task;
import jvisor.kernel.tty.Terminal;
import jvisor.kernel.tty.TtyJobControl;

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
        t.define("umask", (k, a, b, c, d, e, f) -> umask(k, a), RET_DEC, CREATE_MODE);
    }

    // ---------------------------------------------------------------- open(2)

    /** openat(2), see open(2) and fs/namei.c do_filp_open for the order of the checks. */
    static long openat(Task t, int dirfd, long pathAddr, int flags, int mode) {
        byte[] path = SysSupport.path(t, pathAddr);
        if ((flags & Fs.O_TMPFILE_BIT) != 0) {
            if ((flags & (Fs.O_TMPFILE | Fs.O_CREAT)) != Fs.O_TMPFILE) return -Errno.EINVAL;
            if ((flags & Fs.O_ACCMODE) == Fs.O_RDONLY) return -Errno.EINVAL;
        }
        if ((flags & Fs.O_PATH) != 0) flags &= Fs.O_PATH | Fs.O_DIRECTORY | Fs.O_NOFOLLOW | Fs.O_CLOEXEC;
        if (path.length == 0) return -Errno.ENOENT;
        int access = flags & Fs.O_ACCMODE;
        boolean pathOnly = (flags & Fs.O_PATH) != 0;
        boolean wantsWrite = !pathOnly && (access != Fs.O_RDONLY || (flags & Fs.O_TRUNC) != 0);
        boolean wantsRead = !pathOnly && access != Fs.O_WRONLY;
        boolean create = (flags & Fs.O_CREAT) != 0;
        boolean excl = create && (flags & Fs.O_EXCL) != 0;
        boolean follow = (flags & Fs.O_NOFOLLOW) == 0 && !excl;
        Credentials creds = t.process.creds;

        if ((flags & Fs.O_TMPFILE_BIT) != 0) return openTmpfile(t, dirfd, path, flags, mode);

        Resolution r = SysSupport.resolve(t, dirfd, path, follow);
        if (r.magic() != null) return reopen(t, r.magic(), flags, wantsRead, wantsWrite);
        Vnode node = r.node();
        boolean created = false;
        if (!r.exists()) {
            if (!create) return -Errno.ENOENT;
            if (r.trailingSlash()) return -Errno.EISDIR;
            Vnode dir = r.parent();
            FsArgs.mayModify(t, dir);
            node = dir.create(r.name(), mode & ~t.process.umask & 07777, creds);
            created = true;
        } else {
            if (excl) return -Errno.EEXIST;
            int type = node.type();
            if (create && type == Fs.S_IFDIR) return -Errno.EISDIR;
            if (type == Fs.S_IFLNK && !pathOnly) return -Errno.ELOOP;
            if ((flags & Fs.O_DIRECTORY) != 0 && type != Fs.S_IFDIR && type != Fs.S_IFLNK) return -Errno.ENOTDIR;
            if (type == Fs.S_IFDIR && wantsWrite) return -Errno.EISDIR;
            if (!pathOnly) {
                int mask = (wantsRead ? Fs.R_OK : 0) | (wantsWrite ? Fs.W_OK : 0);
                int pr = node.permission(mask, creds);
                if (pr == -Errno.EROFS && type != Fs.S_IFREG && type != Fs.S_IFDIR && type != Fs.S_IFLNK) pr = 0;
                if (pr < 0) return pr;
            }
        }
        if ((flags & Fs.O_DIRECTORY) != 0 && node.type() != Fs.S_IFDIR) return -Errno.ENOTDIR;
        FileDescription f = node.open(r.guestPath(), flags);
        if (!created && (flags & Fs.O_TRUNC) != 0 && !pathOnly && node.type() == Fs.S_IFREG) {
            try {
                node.truncate(0);
            } catch (SyscallException e) {
                f.decRef();
                throw e;
            }
        }
        if (node.type() == Fs.S_IFCHR && !pathOnly) {
            // tty_open_proc_set_tty: a session leader's first terminal becomes its controlling one.
            Terminal term = f.terminal();
            if (term != null && !f.ptyMaster()) {
                TtyJobControl.opened(t.process, term, (flags & Fs.O_NOCTTY) != 0, wantsRead);
            }
        }
        return install(t, f, flags);
    }

    /** O_TMPFILE: an unnamed file in the directory's file system (tmpfs only). */
    private static long openTmpfile(Task t, int dirfd, byte[] path, int flags, int mode) {
        Resolution r = SysSupport.resolve(t, dirfd, path, true);
        if (!r.exists()) return -Errno.ENOENT;
        if (r.node().type() != Fs.S_IFDIR) return -Errno.ENOTDIR;
        FsArgs.writableMount(r.node());
        if (!(r.node() instanceof TmpFs.Node)) return -Errno.EOPNOTSUPP;
        int pr = r.node().permission(Fs.W_OK | Fs.X_OK, t.process.creds);
        if (pr < 0) return pr;
        TmpFs fs = t.process.fs.tmpfs();
        TmpFs.File file = fs.newUnlinkedFile(mode & ~t.process.umask, t.process.creds.fsuid(), t.process.creds.fsgid());
        file.setLinkable((flags & Fs.O_EXCL) == 0);
        byte[] name = (new String(r.guestPath(), StandardCharsets.UTF_8) + "/#" + file.ino() + " (deleted)")
                .getBytes(StandardCharsets.UTF_8);
        FileDescription f = new TmpFile(name, syntheticFlags(flags) & ~Fs.O_DIRECTORY & ~Fs.O_TMPFILE_BIT, file);
        return install(t, f, flags);
    }

    /** Opening /proc/self/fd/N of a pipe or an inherited fd: a new description of the same file. */
    private static long reopen(Task t, FileDescription f, int flags, boolean wantsRead, boolean wantsWrite) {
        if ((flags & Fs.O_PATH) != 0 || f.isPathOnly()) {
            f.incRef();
            return install(t, f, flags);
        }
        if (f instanceof HostFile h) {
            int[] errno = new int[1];
            HostFile n = HostFile.reopen(h, flags, errno);
            if (n == null) return -errno[0];
            return install(t, n, flags);
        }
        if (f instanceof jvisor.kernel.fs.Pipe.End e) {
            jvisor.kernel.fs.Pipe p = e.pipe();
            int acc = flags & Fs.O_ACCMODE;
            FileDescription n = acc == Fs.O_RDONLY ? p.readEnd(flags, f.guestPath())
                    : acc == Fs.O_WRONLY ? p.writeEnd(flags, f.guestPath()) : p.bothEnds(flags, f.guestPath());
            return install(t, n, flags);
        }
        if ((wantsWrite && !f.writable()) || (wantsRead && !f.readable())) return -Errno.EACCES;
        f.incRef();
        return install(t, f, flags);
    }

    private static long install(Task t, FileDescription f, int flags) {
        return t.process.fds.install(f, (flags & Fs.O_CLOEXEC) != 0, 0, SysSupport.fdLimit(t));
    }

    private static int syntheticFlags(int flags) {
        return (flags & ~(Fs.O_CREAT | Fs.O_EXCL | Fs.O_NOCTTY | Fs.O_TRUNC | Fs.O_CLOEXEC)) | Fs.O_LARGEFILE;
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

    // ---------------------------------------------------------------- ioctl(2)

    /**
     * ioctl(2): fd flags here, job control requests of terminals by the kernel's job control
     * (TtyJobControl), other terminal requests answered by the host fd (ENOTTY for anything that
     * is not a terminal, as on the host).
     */
    static long ioctl(Task t, long fd, long request, long arg) {
        FileDescription f = SysSupport.file(t, fd);
        int req = (int) request;
        Terminal term = f.isPathOnly() ? null : f.terminal();
        if (term != null) {
            long r = TtyJobControl.ioctl(t, term, f.ptyMaster(), f.readable(), req, arg);
            if (r != TtyJobControl.PASS) return r;
        }
        switch (req) {
            case Ioctls.FIOCLEX -> {
                t.process.fds.setCloexec((int) fd, true);
                return 0;
            }
            case Ioctls.FIONCLEX -> {
                t.process.fds.setCloexec((int) fd, false);
                return 0;
            }
            case Ioctls.FIONREAD -> {
                if (!(f instanceof HostFile)) {
                    long n = f.available();
                    if (n < 0) return n;
                    t.memory().write32(arg, (int) Math.min(n, Integer.MAX_VALUE));
                    return 0;
                }
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
            case Ioctls.TIOCSPGRP, Ioctls.TIOCSPTLCK -> in = 4;
            case Ioctls.TCGETS -> out = Ioctls.TERMIOS_SIZE;
            case Ioctls.TCSETS, Ioctls.TCSETSW, Ioctls.TCSETSF -> in = Ioctls.TERMIOS_SIZE;
            case Ioctls.TIOCGWINSZ -> out = Ioctls.WINSIZE_SIZE;
            case Ioctls.TIOCSWINSZ -> in = Ioctls.WINSIZE_SIZE;
            case Ioctls.FIONREAD, Ioctls.TIOCGPGRP, Ioctls.TIOCOUTQ, Ioctls.TIOCGSID, Ioctls.TIOCGPTN -> out = 4;
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
        FsArgs.Target tg = FsArgs.existing(t, dirfd, pathAddr, (int) flags);
        Vnode v = tg.node();
        if (v == null) return 0; // a pipe or inherited fd: its owner may do anything the mode allows
        Credentials c = t.process.creds;
        // access(2) checks with the real ids (and keeps the capabilities only if the real uid is 0).
        if ((flags & Fs.AT_EACCESS) == 0) c = c.withUids(c.uid(), c.euid(), c.suid(), c.uid()).withGids(c.gid(), c.egid(), c.sgid(), c.gid());
        return v.permission((int) mode, c);
    }

    static long readlinkat(Task t, int dirfd, long pathAddr, long buf, long size) {
        byte[] path = SysSupport.path(t, pathAddr);
        byte[] target;
        if (path.length == 0) {
            if (dirfd == Fs.AT_FDCWD) return -Errno.ENOENT;
            FileDescription f = SysSupport.file(t, dirfd);
            if (f.vnode() == null || f.vnode().type() != Fs.S_IFLNK) return -Errno.ENOENT;
            target = f.vnode().readlink();
        } else {
            Resolution r = SysSupport.resolve(t, dirfd, path, false);
            if (!r.exists()) return -Errno.ENOENT;
            if ((int) size <= 0) return -Errno.EINVAL;
            target = r.node().readlink();
        }
        if ((int) size <= 0) return -Errno.EINVAL;
        int n = (int) Math.min(target.length, size);
        t.memory().writeBytes(buf, target, 0, n);
        return n;
    }

    // ---------------------------------------------------------------- getcwd(2), chdir(2)

    static long getcwd(Task t, long buf, long size) {
        byte[] cwd = t.process.cwd();
        Resolution r = t.process.fs.resolve(new byte[] {'/'}, cwd, true);
        if (!r.ok() || !r.exists()) {
            byte[] un = ("(unreachable)" + new String(cwd, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8);
            cwd = un;
        }
        if (Long.compareUnsigned(size, cwd.length + 1L) < 0) return -Errno.ERANGE;
        byte[] out = Arrays.copyOf(cwd, cwd.length + 1);
        t.memory().writeBytes(buf, out, 0, out.length);
        return out.length;
    }

    static long chdir(Task t, long pathAddr) {
        byte[] path = SysSupport.path(t, pathAddr);
        Resolution r = SysSupport.resolve(t, Fs.AT_FDCWD, path, true);
        if (!r.exists()) return -Errno.ENOENT;
        return enter(t, r.node(), r.guestPath());
    }

    static long fchdir(Task t, long fd) {
        FileDescription f = SysSupport.file(t, fd);
        if (f.vnode() == null) return f.isDirectory() ? 0 : -Errno.ENOTDIR;
        return enter(t, f.vnode(), f.guestPath());
    }

    private static long enter(Task t, Vnode v, byte[] guestPath) {
        if (v.type() != Fs.S_IFDIR) return -Errno.ENOTDIR;
        int pr = v.permission(Fs.X_OK, t.process.creds);
        if (pr < 0) return pr;
        t.process.setCwd(guestPath);
        return 0;
    }

    static long umask(Task t, long mask) {
        int old = t.process.umask;
        t.process.umask = (int) mask & 0777;
        return old;
    }
}
