package jvisor.kernel.syscall;

import static jvisor.kernel.strace.ArgFormat.AT_FLAGS;
import static jvisor.kernel.strace.ArgFormat.CREATE_MODE;
import static jvisor.kernel.strace.ArgFormat.DIRFD;
import static jvisor.kernel.strace.ArgFormat.HEX;
import static jvisor.kernel.strace.ArgFormat.INT;
import static jvisor.kernel.strace.ArgFormat.LONG;
import static jvisor.kernel.strace.ArgFormat.PATH;
import static jvisor.kernel.strace.ArgFormat.PTR;
import static jvisor.kernel.strace.ArgFormat.RET_DEC;

import jvisor.kernel.abi.Errno;
import jvisor.kernel.abi.Fs;
import jvisor.kernel.fs.FileDescription;
import jvisor.kernel.fs.Resolution;
import jvisor.kernel.fs.Vnode;
import jvisor.kernel.proc.Credentials;
import jvisor.kernel.proc.Task;

/**
 * The calls that change the tree or a file's attributes (gVisor sys_file.go, sys_stat.go;
 * fs/namei.c, fs/open.c, fs/attr.c): mkdir, mknod, rmdir, unlink, rename, link, symlink,
 * chmod, chown, truncate, utimes, fsync, sync, fallocate.
 */
final class SysPath {
    private SysPath() {}

    static final int RENAME_NOREPLACE = 1, RENAME_EXCHANGE = 2, RENAME_WHITEOUT = 4;
    static final long UTIME_NOW = (1L << 30) - 1, UTIME_OMIT = (1L << 30) - 2;

    static void register(SyscallTable t) {
        t.define("mkdir", (k, a, b, c, d, e, f) -> mkdirat(k, Fs.AT_FDCWD, a, (int) b), RET_DEC, PATH, CREATE_MODE);
        t.define("mkdirat", (k, a, b, c, d, e, f) -> mkdirat(k, (int) a, b, (int) c), RET_DEC, DIRFD, PATH, CREATE_MODE);
        t.define("mknod", (k, a, b, c, d, e, f) -> mknodat(k, Fs.AT_FDCWD, a, (int) b), RET_DEC, PATH, CREATE_MODE, HEX);
        t.define("mknodat", (k, a, b, c, d, e, f) -> mknodat(k, (int) a, b, (int) c), RET_DEC, DIRFD, PATH, CREATE_MODE,
                HEX);
        t.define("rmdir", (k, a, b, c, d, e, f) -> unlinkat(k, Fs.AT_FDCWD, a, Fs.AT_REMOVEDIR), RET_DEC, PATH);
        t.define("unlink", (k, a, b, c, d, e, f) -> unlinkat(k, Fs.AT_FDCWD, a, 0), RET_DEC, PATH);
        t.define("unlinkat", (k, a, b, c, d, e, f) -> unlinkat(k, (int) a, b, (int) c), RET_DEC, DIRFD, PATH, AT_FLAGS);
        t.define("rename", (k, a, b, c, d, e, f) -> renameat2(k, Fs.AT_FDCWD, a, Fs.AT_FDCWD, b, 0), RET_DEC, PATH, PATH);
        t.define("renameat", (k, a, b, c, d, e, f) -> renameat2(k, (int) a, b, (int) c, d, 0), RET_DEC,
                DIRFD, PATH, DIRFD, PATH);
        t.define("renameat2", (k, a, b, c, d, e, f) -> renameat2(k, (int) a, b, (int) c, d, (int) e), RET_DEC,
                DIRFD, PATH, DIRFD, PATH, HEX);
        t.define("link", (k, a, b, c, d, e, f) -> linkat(k, Fs.AT_FDCWD, a, Fs.AT_FDCWD, b, 0), RET_DEC, PATH, PATH);
        t.define("linkat", (k, a, b, c, d, e, f) -> linkat(k, (int) a, b, (int) c, d, (int) e), RET_DEC,
                DIRFD, PATH, DIRFD, PATH, AT_FLAGS);
        t.define("symlink", (k, a, b, c, d, e, f) -> symlinkat(k, a, Fs.AT_FDCWD, b), RET_DEC, PATH, PATH);
        t.define("symlinkat", (k, a, b, c, d, e, f) -> symlinkat(k, a, (int) b, c), RET_DEC, PATH, DIRFD, PATH);
        t.define("chmod", (k, a, b, c, d, e, f) -> fchmodat(k, Fs.AT_FDCWD, a, (int) b, 0), RET_DEC, PATH, CREATE_MODE);
        t.define("fchmod", (k, a, b, c, d, e, f) -> fchmod(k, a, (int) b), RET_DEC, INT, CREATE_MODE);
        t.define("fchmodat", (k, a, b, c, d, e, f) -> fchmodat(k, (int) a, b, (int) c, 0), RET_DEC,
                DIRFD, PATH, CREATE_MODE);
        t.define("fchmodat2", (k, a, b, c, d, e, f) -> fchmodat(k, (int) a, b, (int) c, (int) d), RET_DEC,
                DIRFD, PATH, CREATE_MODE, AT_FLAGS);
        t.define("chown", (k, a, b, c, d, e, f) -> fchownat(k, Fs.AT_FDCWD, a, (int) b, (int) c, 0), RET_DEC,
                PATH, INT, INT);
        t.define("lchown", (k, a, b, c, d, e, f) -> fchownat(k, Fs.AT_FDCWD, a, (int) b, (int) c,
                Fs.AT_SYMLINK_NOFOLLOW), RET_DEC, PATH, INT, INT);
        t.define("fchown", (k, a, b, c, d, e, f) -> fchown(k, a, (int) b, (int) c), RET_DEC, INT, INT, INT);
        t.define("fchownat", (k, a, b, c, d, e, f) -> fchownat(k, (int) a, b, (int) c, (int) d, (int) e), RET_DEC,
                DIRFD, PATH, INT, INT, AT_FLAGS);
        t.define("truncate", (k, a, b, c, d, e, f) -> truncate(k, a, b), RET_DEC, PATH, LONG);
        t.define("ftruncate", (k, a, b, c, d, e, f) -> ftruncate(k, a, b), RET_DEC, INT, LONG);
        t.define("fallocate", (k, a, b, c, d, e, f) -> fallocate(k, a, (int) b, c, d), RET_DEC, INT, HEX, LONG, LONG);
        t.define("fsync", (k, a, b, c, d, e, f) -> SysSupport.file(k, a).fsync(false), RET_DEC, INT);
        t.define("fdatasync", (k, a, b, c, d, e, f) -> SysSupport.file(k, a).fsync(true), RET_DEC, INT);
        t.define("syncfs", (k, a, b, c, d, e, f) -> {
            SysSupport.file(k, a);
            return 0;
        }, RET_DEC, INT);
        t.define("sync", (k, a, b, c, d, e, f) -> 0, RET_DEC);
        t.define("sync_file_range", (k, a, b, c, d, e, f) -> syncFileRange(k, a, b, c, (int) d), RET_DEC,
                INT, LONG, LONG, HEX);
        t.define("utimensat", (k, a, b, c, d, e, f) -> utimensat(k, (int) a, b, c, (int) d), RET_DEC,
                DIRFD, PATH, PTR, AT_FLAGS);
        t.define("utimes", (k, a, b, c, d, e, f) -> utimesTimeval(k, Fs.AT_FDCWD, a, b), RET_DEC, PATH, PTR);
        t.define("futimesat", (k, a, b, c, d, e, f) -> utimesTimeval(k, (int) a, b, c), RET_DEC, DIRFD, PATH, PTR);
        t.define("utime", (k, a, b, c, d, e, f) -> utime(k, a, b), RET_DEC, PATH, PTR);
    }

    // ---------------------------------------------------------------- creation

    static long mkdirat(Task t, int dirfd, long pathAddr, int mode) {
        byte[] path = SysSupport.path(t, pathAddr);
        Resolution r = FsArgs.parentOf(t, dirfd, path);
        if (r.exists()) return -Errno.EEXIST;
        FsArgs.mayModify(t, r.parent());
        r.parent().mkdir(r.name(), mode & ~t.process.umask & 01777, t.process.creds);
        return 0;
    }

    static long mknodat(Task t, int dirfd, long pathAddr, int mode) {
        int type = mode & Fs.S_IFMT;
        if (type != 0 && type != Fs.S_IFREG && type != Fs.S_IFIFO && type != Fs.S_IFCHR && type != Fs.S_IFBLK
                && type != Fs.S_IFSOCK) {
            return -Errno.EINVAL;
        }
        byte[] path = SysSupport.path(t, pathAddr);
        Resolution r = FsArgs.parentOf(t, dirfd, path);
        if (r.exists()) return -Errno.EEXIST;
        if (r.trailingSlash()) return -Errno.ENOENT;
        if ((type == Fs.S_IFCHR || type == Fs.S_IFBLK) && !t.process.creds.privileged()) return -Errno.EPERM;
        FsArgs.mayModify(t, r.parent());
        r.parent().mknod(r.name(), (type == 0 ? Fs.S_IFREG : type) | (mode & ~t.process.umask & 07777),
                t.process.creds);
        return 0;
    }

    static long symlinkat(Task t, long targetAddr, int dirfd, long pathAddr) {
        byte[] target = SysSupport.path(t, targetAddr);
        byte[] path = SysSupport.path(t, pathAddr);
        if (target.length == 0) return -Errno.ENOENT;
        Resolution r = FsArgs.parentOf(t, dirfd, path);
        if (r.exists()) return -Errno.EEXIST;
        if (r.trailingSlash()) return -Errno.ENOENT;
        FsArgs.mayModify(t, r.parent());
        r.parent().symlink(r.name(), target, t.process.creds);
        return 0;
    }

    static long linkat(Task t, int olddirfd, long oldAddr, int newdirfd, long newAddr, int flags) {
        if ((flags & ~(Fs.AT_SYMLINK_FOLLOW | Fs.AT_EMPTY_PATH)) != 0) return -Errno.EINVAL;
        FsArgs.Target from = FsArgs.existing(t, olddirfd, oldAddr,
                (flags & Fs.AT_EMPTY_PATH) | ((flags & Fs.AT_SYMLINK_FOLLOW) != 0 ? 0 : Fs.AT_SYMLINK_NOFOLLOW));
        Vnode src = from.node();
        if (src == null) return -Errno.ENOENT;
        byte[] path = SysSupport.path(t, newAddr);
        Resolution r = FsArgs.parentOf(t, newdirfd, path);
        if (r.exists()) return -Errno.EEXIST;
        if (r.trailingSlash()) return -Errno.ENOENT;
        if (src.mount() != r.parent().mount()) return -Errno.EXDEV;
        FsArgs.mayModify(t, r.parent());
        if (src.type() == Fs.S_IFDIR) return -Errno.EPERM;
        r.parent().link(r.name(), src);
        return 0;
    }

    // ---------------------------------------------------------------- removal

    static long unlinkat(Task t, int dirfd, long pathAddr, int flags) {
        if ((flags & ~Fs.AT_REMOVEDIR) != 0) return -Errno.EINVAL;
        byte[] path = SysSupport.path(t, pathAddr);
        boolean rmdir = (flags & Fs.AT_REMOVEDIR) != 0;
        if (rmdir && FsArgs.endsInDots(path)) {
            Resolution r = FsArgs.parentOf(t, dirfd, path);
            if (!r.exists()) return -Errno.ENOENT;
            return FsArgs.endsInDotDot(path) ? -Errno.ENOTEMPTY : -Errno.EINVAL;
        }
        Resolution r = FsArgs.parentOf(t, dirfd, path);
        if (!rmdir && FsArgs.endsInDots(path)) return r.exists() ? -Errno.EISDIR : -Errno.ENOENT;
        if (!r.exists()) return -Errno.ENOENT;
        Vnode node = r.node();
        if (r.node().mount() != null && r.node().mount().root == node) {
            return rmdir ? -Errno.EBUSY : -Errno.EISDIR;
        }
        int type = node.type();
        if (rmdir && type != Fs.S_IFDIR) return -Errno.ENOTDIR;
        if (!rmdir && r.trailingSlash()) return type == Fs.S_IFDIR ? -Errno.EISDIR : -Errno.ENOTDIR;
        FsArgs.mayModify(t, r.parent());
        stickyCheck(t, r.parent(), node);
        if (rmdir) r.parent().rmdir(r.name());
        else {
            if (type == Fs.S_IFDIR) return -Errno.EISDIR;
            r.parent().unlink(r.name());
        }
        return 0;
    }

    /** The sticky bit of a directory: only the owners of the file or directory (or root) may remove it. */
    private static void stickyCheck(Task t, Vnode dir, Vnode node) {
        Credentials c = t.process.creds;
        if (c.privileged() || (dir.mode() & Fs.S_ISVTX) == 0) return;
        if (owner(dir) == c.euid() || owner(node) == c.euid()) return;
        throw SysSupport.err(Errno.EPERM);
    }

    private static int owner(Vnode v) {
        java.lang.foreign.MemorySegment st = jvisor.kernel.host.Scratch.get(jvisor.kernel.fs.StatBuf.SIZE);
        v.stat(st);
        return st.get(java.lang.foreign.ValueLayout.JAVA_INT, jvisor.kernel.fs.StatBuf.ST_UID);
    }

    static long renameat2(Task t, int olddirfd, long oldAddr, int newdirfd, long newAddr, int flags) {
        if ((flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT)) != 0) return -Errno.EINVAL;
        if ((flags & RENAME_EXCHANGE) != 0 && (flags & (RENAME_NOREPLACE | RENAME_WHITEOUT)) != 0) return -Errno.EINVAL;
        if ((flags & RENAME_WHITEOUT) != 0) return -Errno.EINVAL;
        byte[] oldPath = SysSupport.path(t, oldAddr);
        byte[] newPath = SysSupport.path(t, newAddr);
        Resolution from = FsArgs.parentOf(t, olddirfd, oldPath);
        Resolution to = FsArgs.parentOf(t, newdirfd, newPath);
        if (from.parent().mount() != to.parent().mount()) return -Errno.EXDEV;
        if (FsArgs.endsInDots(oldPath)) return -Errno.EBUSY;
        if (FsArgs.endsInDots(newPath)) return (flags & RENAME_NOREPLACE) != 0 ? -Errno.EEXIST : -Errno.EBUSY;
        FsArgs.writableMount(from.parent());
        if (!from.exists()) return -Errno.ENOENT;
        Vnode src = from.node();
        if (src.mount() != null && src.mount().root == src) return -Errno.EBUSY;
        if ((flags & RENAME_EXCHANGE) != 0 && !to.exists()) return -Errno.ENOENT;
        if ((flags & RENAME_NOREPLACE) != 0 && to.exists()) return -Errno.EEXIST;
        boolean srcDir = src.type() == Fs.S_IFDIR;
        if ((from.trailingSlash() || to.trailingSlash()) && !srcDir && (flags & RENAME_EXCHANGE) == 0) {
            return -Errno.ENOTDIR;
        }
        if (to.exists()) {
            Vnode dst = to.node();
            if (dst.mount() != null && dst.mount().root == dst) return -Errno.EBUSY;
            if (dst.key().equals(src.key())) return 0;
            if ((flags & RENAME_EXCHANGE) == 0) {
                boolean dstDir = dst.type() == Fs.S_IFDIR;
                if (srcDir && !dstDir) return -Errno.ENOTDIR;
                if (!srcDir && dstDir) return -Errno.EISDIR;
            }
        }
        FsArgs.mayModify(t, from.parent());
        FsArgs.mayModify(t, to.parent());
        stickyCheck(t, from.parent(), src);
        if (to.exists()) stickyCheck(t, to.parent(), to.node());
        from.parent().rename(from.name(), to.parent(), to.name(), flags);
        return 0;
    }

    // ---------------------------------------------------------------- attributes

    private static void ownerOrRoot(Task t, Vnode v) {
        Credentials c = t.process.creds;
        if (!c.privileged() && owner(v) != c.euid()) throw SysSupport.err(Errno.EPERM);
    }

    static long fchmod(Task t, long fd, int mode) {
        FileDescription f = SysSupport.file(t, fd);
        if (f.isPathOnly()) return -Errno.EBADF;
        Vnode v = f.vnode();
        if (v == null) return 0;
        FsArgs.writableMount(v);
        ownerOrRoot(t, v);
        v.chmod(mode);
        return 0;
    }

    static long fchmodat(Task t, int dirfd, long pathAddr, int mode, int flags) {
        if ((flags & ~(Fs.AT_SYMLINK_NOFOLLOW | Fs.AT_EMPTY_PATH)) != 0) return -Errno.EINVAL;
        FsArgs.Target tg = FsArgs.existing(t, dirfd, pathAddr, flags);
        Vnode v = tg.node();
        if (v == null) return 0;
        if (v.type() == Fs.S_IFLNK) return -Errno.EOPNOTSUPP;
        FsArgs.writableMount(v);
        ownerOrRoot(t, v);
        v.chmod(mode);
        return 0;
    }

    static long fchown(Task t, long fd, int uid, int gid) {
        FileDescription f = SysSupport.file(t, fd);
        if (f.isPathOnly()) return -Errno.EBADF;
        Vnode v = f.vnode();
        if (v == null) return 0;
        return chown(t, v, uid, gid);
    }

    static long fchownat(Task t, int dirfd, long pathAddr, int uid, int gid, int flags) {
        if ((flags & ~(Fs.AT_SYMLINK_NOFOLLOW | Fs.AT_EMPTY_PATH)) != 0) return -Errno.EINVAL;
        FsArgs.Target tg = FsArgs.existing(t, dirfd, pathAddr, flags);
        Vnode v = tg.node();
        if (v == null) return 0;
        return chown(t, v, uid, gid);
    }

    /** chown(2): ownership is recorded, never applied to the host; the rules are Linux's chown_ok. */
    private static long chown(Task t, Vnode v, int uid, int gid) {
        FsArgs.writableMount(v);
        Credentials c = t.process.creds;
        if (!c.privileged()) {
            java.lang.foreign.MemorySegment st = jvisor.kernel.host.Scratch.get(jvisor.kernel.fs.StatBuf.SIZE);
            v.stat(st);
            int curUid = st.get(java.lang.foreign.ValueLayout.JAVA_INT, jvisor.kernel.fs.StatBuf.ST_UID);
            int curGid = st.get(java.lang.foreign.ValueLayout.JAVA_INT, jvisor.kernel.fs.StatBuf.ST_GID);
            if (uid != -1 && uid != curUid) return -Errno.EPERM;
            if (gid != -1 && gid != curGid && (curUid != c.euid() || gid != c.egid())) return -Errno.EPERM;
            if (gid != -1 && curUid != c.euid() && gid != curGid) return -Errno.EPERM;
        }
        v.chown(uid, gid);
        return 0;
    }

    static long truncate(Task t, long pathAddr, long length) {
        if (length < 0) return -Errno.EINVAL;
        FsArgs.Target tg = FsArgs.existing(t, Fs.AT_FDCWD, pathAddr, 0);
        Vnode v = tg.node();
        if (v == null) return -Errno.EINVAL;
        int type = v.type();
        if (type == Fs.S_IFDIR) return -Errno.EISDIR;
        if (type != Fs.S_IFREG) return -Errno.EINVAL;
        int pr = v.permission(Fs.W_OK, t.process.creds);
        if (pr < 0) return pr;
        v.truncate(length);
        return 0;
    }

    static long ftruncate(Task t, long fd, long length) {
        if (length < 0) return -Errno.EINVAL;
        FileDescription f = SysSupport.file(t, fd);
        if (f.isPathOnly()) return -Errno.EBADF;
        return f.truncate(length);
    }

    static long fallocate(Task t, long fd, int mode, long offset, long len) {
        FileDescription f = SysSupport.file(t, fd);
        if (offset < 0 || len <= 0) return -Errno.EINVAL;
        if (!f.writable()) return -Errno.EBADF;
        if (f.vnode() == null) return -Errno.ESPIPE;
        if (f.vnode().type() == Fs.S_IFDIR) return -Errno.EISDIR;
        if (f.vnode().type() != Fs.S_IFREG) return -Errno.ENODEV;
        return f.fallocate(mode, offset, len);
    }

    static long syncFileRange(Task t, long fd, long offset, long nbytes, int flags) {
        if ((flags & ~7) != 0 || offset < 0 || nbytes < 0) return -Errno.EINVAL;
        FileDescription f = SysSupport.file(t, fd);
        if (f.vnode() == null && !(f instanceof jvisor.kernel.fs.HostFile)) return -Errno.ESPIPE;
        return 0;
    }

    // ---------------------------------------------------------------- times

    private static long nowNs() {
        java.time.Instant i = java.time.Instant.now();
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }

    /** utimensat(2) with times in ns (Vnode.OMIT to leave one) and whether both were "now". */
    private static long setTimes(Task t, Vnode v, long atime, long mtime, boolean explicit) {
        if (v == null) return 0;
        if (atime == Vnode.OMIT && mtime == Vnode.OMIT) return 0;
        FsArgs.writableMount(v);
        Credentials c = t.process.creds;
        if (!c.privileged() && owner(v) != c.euid()) {
            if (explicit) return -Errno.EPERM;
            int pr = v.permission(Fs.W_OK, c);
            if (pr < 0) return -Errno.EACCES;
        }
        v.utimes(atime, mtime);
        return 0;
    }

    static long utimensat(Task t, int dirfd, long pathAddr, long timesAddr, int flags) {
        if ((flags & ~(Fs.AT_SYMLINK_NOFOLLOW | Fs.AT_EMPTY_PATH)) != 0) return -Errno.EINVAL;
        long at = Vnode.OMIT, mt = Vnode.OMIT;
        boolean explicit = false;
        long now = nowNs();
        if (timesAddr == 0) {
            at = mt = now;
        } else {
            long[] ts = new long[4];
            for (int i = 0; i < 4; i++) ts[i] = t.memory().read64(timesAddr + 8L * i);
            long[] out = new long[2];
            for (int i = 0; i < 2; i++) {
                long sec = ts[2 * i], nsec = ts[2 * i + 1];
                if (nsec == UTIME_OMIT) out[i] = Vnode.OMIT;
                else if (nsec == UTIME_NOW) out[i] = now;
                else if (nsec < 0 || nsec >= 1_000_000_000L) return -Errno.EINVAL;
                else {
                    out[i] = sec * 1_000_000_000L + nsec;
                    explicit = true;
                }
            }
            at = out[0];
            mt = out[1];
            if (at == Vnode.OMIT && mt == Vnode.OMIT) {
                // Linux still checks the path
            }
        }
        if (pathAddr == 0) {
            // utimensat(fd, NULL, ...): futimens
            if (dirfd == Fs.AT_FDCWD) return -Errno.EFAULT;
            FileDescription f = SysSupport.file(t, dirfd);
            if (f.isPathOnly()) return -Errno.EBADF;
            return setTimes(t, f.vnode(), at, mt, explicit);
        }
        FsArgs.Target tg = FsArgs.existing(t, dirfd, pathAddr, flags);
        return setTimes(t, tg.node(), at, mt, explicit);
    }

    static long utimesTimeval(Task t, int dirfd, long pathAddr, long tvAddr) {
        long at, mt;
        boolean explicit = tvAddr != 0;
        if (tvAddr == 0) {
            at = mt = nowNs();
        } else {
            long[] tv = new long[4];
            for (int i = 0; i < 4; i++) tv[i] = t.memory().read64(tvAddr + 8L * i);
            if (tv[1] < 0 || tv[1] >= 1_000_000 || tv[3] < 0 || tv[3] >= 1_000_000) return -Errno.EINVAL;
            at = tv[0] * 1_000_000_000L + tv[1] * 1000;
            mt = tv[2] * 1_000_000_000L + tv[3] * 1000;
        }
        FsArgs.Target tg = FsArgs.existing(t, dirfd, pathAddr, 0);
        return setTimes(t, tg.node(), at, mt, explicit);
    }

    static long utime(Task t, long pathAddr, long bufAddr) {
        long at, mt;
        if (bufAddr == 0) {
            at = mt = nowNs();
        } else {
            at = t.memory().read64(bufAddr) * 1_000_000_000L;
            mt = t.memory().read64(bufAddr + 8) * 1_000_000_000L;
        }
        FsArgs.Target tg = FsArgs.existing(t, Fs.AT_FDCWD, pathAddr, 0);
        return setTimes(t, tg.node(), at, mt, bufAddr != 0);
    }
}
