package jvisor.kernel.syscall;

import static jvisor.kernel.strace.ArgFormat.AT_FLAGS;
import static jvisor.kernel.strace.ArgFormat.DIRFD;
import static jvisor.kernel.strace.ArgFormat.HEX;
import static jvisor.kernel.strace.ArgFormat.INT;
import static jvisor.kernel.strace.ArgFormat.PATH;
import static jvisor.kernel.strace.ArgFormat.RET_DEC;
import static jvisor.kernel.strace.ArgFormat.STATX_OUT;
import static jvisor.kernel.strace.ArgFormat.STAT_OUT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import jvisor.kernel.abi.Errno;
import jvisor.kernel.abi.Fs;
import jvisor.kernel.fs.FileDescription;
import jvisor.kernel.fs.Resolution;
import jvisor.kernel.fs.StatBuf;
import jvisor.kernel.fs.SyntheticNode;
import jvisor.kernel.host.Libc;
import jvisor.kernel.host.Scratch;
import jvisor.kernel.proc.Task;

/**
 * stat(2) and friends (gVisor sys_stat.go): the host's struct stat of the file, copied as it is
 * (the x86-64 layout is the same for glibc and the kernel). For fds 0-2 that is the real host fd,
 * so glibc picks the same stdout buffering as natively (line buffered on a terminal).
 */
final class SysStat {
    private SysStat() {}

    /** statx(2) flags: AT_STATX_SYNC_TYPE is two bits. */
    private static final int AT_STATX_SYNC_TYPE = 0x6000;
    private static final int STATX_RESERVED = 0x80000000;

    static void register(SyscallTable t) {
        t.define("stat", (k, a, b, c, d, e, f) -> fstatat(k, Fs.AT_FDCWD, a, b, 0), RET_DEC, PATH, STAT_OUT);
        t.define("lstat", (k, a, b, c, d, e, f) -> fstatat(k, Fs.AT_FDCWD, a, b, Fs.AT_SYMLINK_NOFOLLOW), RET_DEC,
                PATH, STAT_OUT);
        t.define("fstat", (k, a, b, c, d, e, f) -> fstat(k, a, b), RET_DEC, INT, STAT_OUT);
        t.define("newfstatat", (k, a, b, c, d, e, f) -> fstatat(k, (int) a, b, c, (int) d), RET_DEC,
                DIRFD, PATH, STAT_OUT, AT_FLAGS);
        t.define("statx", (k, a, b, c, d, e, f) -> statx(k, (int) a, b, (int) c, (int) d, e), RET_DEC,
                DIRFD, PATH, AT_FLAGS, HEX, STATX_OUT);
    }

    static long fstat(Task t, long fd, long buf) {
        FileDescription f = SysSupport.file(t, fd);
        MemorySegment st = Scratch.get(StatBuf.SIZE);
        int r = f.stat(st);
        if (r < 0) return r;
        SysSupport.copyOut(t, buf, st, StatBuf.SIZE);
        return 0;
    }

    static long fstatat(Task t, int dirfd, long pathAddr, long buf, int flags) {
        if ((flags & ~(Fs.AT_SYMLINK_NOFOLLOW | Fs.AT_NO_AUTOMOUNT | Fs.AT_EMPTY_PATH)) != 0) return -Errno.EINVAL;
        byte[] path = SysSupport.path(t, pathAddr);
        if (path.length == 0 && (flags & Fs.AT_EMPTY_PATH) != 0) {
            if (dirfd != Fs.AT_FDCWD) return fstat(t, dirfd, buf);
            path = t.process.cwd();
        }
        Resolution r = SysSupport.resolve(t, dirfd, path, (flags & Fs.AT_SYMLINK_NOFOLLOW) == 0);
        if (!r.exists()) return -Errno.ENOENT;
        MemorySegment st = Scratch.get(StatBuf.SIZE);
        SyntheticNode node = r.synthetic();
        if (node != null) {
            if (node.kind() == SyntheticNode.Kind.MAGIC_FD && (flags & Fs.AT_SYMLINK_NOFOLLOW) == 0) {
                FileDescription f = t.process.fds.get(node.fd());
                if (f == null) return -Errno.ENOENT;
                int rc = f.stat(st);
                if (rc < 0) return rc;
            } else {
                StatBuf.synthetic(st, node.mode(), 0);
            }
        } else {
            try (Arena arena = Arena.ofConfined()) {
                int rc = Libc.fstatat(Fs.AT_FDCWD, Scratch.cString(arena, r.hostPath()), st, Fs.AT_SYMLINK_NOFOLLOW);
                if (rc < 0) return rc;
            }
        }
        SysSupport.copyOut(t, buf, st, StatBuf.SIZE);
        return 0;
    }

    static long statx(Task t, int dirfd, long pathAddr, int flags, int mask, long buf) {
        if ((flags & ~(Fs.AT_SYMLINK_NOFOLLOW | Fs.AT_NO_AUTOMOUNT | Fs.AT_EMPTY_PATH | AT_STATX_SYNC_TYPE)) != 0
                || (flags & AT_STATX_SYNC_TYPE) == AT_STATX_SYNC_TYPE) {
            return -Errno.EINVAL;
        }
        if ((mask & STATX_RESERVED) != 0) return -Errno.EINVAL;
        byte[] path = SysSupport.path(t, pathAddr);
        MemorySegment sx = Scratch.get(StatBuf.STATX_SIZE);
        sx.asSlice(0, StatBuf.STATX_SIZE).fill((byte) 0);
        if (path.length == 0 && (flags & Fs.AT_EMPTY_PATH) != 0 && dirfd != Fs.AT_FDCWD) {
            int rc = SysSupport.file(t, dirfd).statx(mask, sx);
            if (rc == -Errno.ENOSYS) rc = statxFromStat(SysSupport.file(t, dirfd), sx);
            if (rc < 0) return rc;
        } else {
            if (path.length == 0 && (flags & Fs.AT_EMPTY_PATH) != 0) path = t.process.cwd();
            Resolution r = SysSupport.resolve(t, dirfd, path, (flags & Fs.AT_SYMLINK_NOFOLLOW) == 0);
            if (!r.exists()) return -Errno.ENOENT;
            SyntheticNode node = r.synthetic();
            if (node != null) {
                if (node.kind() == SyntheticNode.Kind.MAGIC_FD && (flags & Fs.AT_SYMLINK_NOFOLLOW) == 0) {
                    FileDescription f = t.process.fds.get(node.fd());
                    if (f == null) return -Errno.ENOENT;
                    int rc = f.statx(mask, sx);
                    if (rc == -Errno.ENOSYS) rc = statxFromStat(f, sx);
                    if (rc < 0) return rc;
                } else {
                    sx.set(ValueLayout.JAVA_INT, 0, 0x7ff); // STATX_BASIC_STATS
                    sx.set(ValueLayout.JAVA_INT, 4, 1024);
                    sx.set(ValueLayout.JAVA_INT, 16, 1);
                    sx.set(ValueLayout.JAVA_SHORT, 28, (short) node.mode());
                }
            } else {
                try (Arena arena = Arena.ofConfined()) {
                    int rc = Libc.statx(Fs.AT_FDCWD, Scratch.cString(arena, r.hostPath()),
                            (flags & AT_STATX_SYNC_TYPE) | Fs.AT_SYMLINK_NOFOLLOW, mask, sx);
                    if (rc < 0) return rc;
                }
            }
        }
        SysSupport.copyOut(t, buf, sx, StatBuf.STATX_SIZE);
        return 0;
    }

    /** Fills a struct statx from struct stat, for descriptions without a host fd. */
    private static int statxFromStat(FileDescription f, MemorySegment sx) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = arena.allocate(StatBuf.SIZE);
            int rc = f.stat(st);
            if (rc < 0) return rc;
            sx.set(ValueLayout.JAVA_INT, 0, 0x7ff);
            sx.set(ValueLayout.JAVA_INT, 4, (int) st.get(ValueLayout.JAVA_LONG, StatBuf.ST_BLKSIZE));
            sx.set(ValueLayout.JAVA_INT, 16, (int) st.get(ValueLayout.JAVA_LONG, StatBuf.ST_NLINK));
            sx.set(ValueLayout.JAVA_INT, 20, st.get(ValueLayout.JAVA_INT, StatBuf.ST_UID));
            sx.set(ValueLayout.JAVA_INT, 24, st.get(ValueLayout.JAVA_INT, StatBuf.ST_GID));
            sx.set(ValueLayout.JAVA_SHORT, 28, (short) st.get(ValueLayout.JAVA_INT, StatBuf.ST_MODE));
            sx.set(ValueLayout.JAVA_LONG, 32, st.get(ValueLayout.JAVA_LONG, StatBuf.ST_INO));
            sx.set(ValueLayout.JAVA_LONG, 40, st.get(ValueLayout.JAVA_LONG, StatBuf.ST_SIZE));
            sx.set(ValueLayout.JAVA_LONG, 48, st.get(ValueLayout.JAVA_LONG, StatBuf.ST_BLOCKS));
            return 0;
        }
    }
}
