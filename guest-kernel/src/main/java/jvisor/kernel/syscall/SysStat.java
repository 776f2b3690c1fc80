package jvisor.kernel.syscall;

import static jvisor.kernel.strace.ArgFormat.AT_FLAGS;
import static jvisor.kernel.strace.ArgFormat.DIRFD;
import static jvisor.kernel.strace.ArgFormat.HEX;
import static jvisor.kernel.strace.ArgFormat.INT;
import static jvisor.kernel.strace.ArgFormat.PATH;
import static jvisor.kernel.strace.ArgFormat.PTR;
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
import jvisor.kernel.fs.HostNode;
import jvisor.kernel.fs.Vnode;
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
        t.define("statfs", (k, a, b, c, d, e, f) -> {
            FsArgs.Target tg = FsArgs.existing(k, Fs.AT_FDCWD, a, 0);
            return statfs(k, tg.node(), tg.file(), b);
        }, RET_DEC, PATH, PTR);
        t.define("fstatfs", (k, a, b, c, d, e, f) -> {
            FileDescription fd = SysSupport.file(k, a);
            return statfs(k, fd.vnode(), fd, b);
        }, RET_DEC, INT, PTR);
    }

    static long fstat(Task t, long fd, long buf) {
        FileDescription f = SysSupport.file(t, fd);
        MemorySegment st = Scratch.get(StatBuf.SIZE);
        int r = f.stat(st);
        if (r < 0) return r;
        SysSupport.copyOut(t, buf, st, StatBuf.SIZE);
        return 0;
    }

    /** Fills st for a target: the vnode's stat, or the open file's for pipes and inherited fds. */
    private static int statOf(FsArgs.Target tg, MemorySegment st) {
        if (tg.file() != null && (tg.file().vnode() == null || tg.r() == null)) return tg.file().stat(st);
        tg.node().stat(st);
        return 0;
    }

    static long fstatat(Task t, int dirfd, long pathAddr, long buf, int flags) {
        if ((flags & ~(Fs.AT_SYMLINK_NOFOLLOW | Fs.AT_NO_AUTOMOUNT | Fs.AT_EMPTY_PATH)) != 0) return -Errno.EINVAL;
        FsArgs.Target tg = FsArgs.existing(t, dirfd, pathAddr, flags);
        MemorySegment st = Scratch.get(StatBuf.SIZE);
        int rc = statOf(tg, st);
        if (rc < 0) return rc;
        SysSupport.copyOut(t, buf, st, StatBuf.SIZE);
        return 0;
    }

    static long statx(Task t, int dirfd, long pathAddr, int flags, int mask, long buf) {
        if ((flags & ~(Fs.AT_SYMLINK_NOFOLLOW | Fs.AT_NO_AUTOMOUNT | Fs.AT_EMPTY_PATH | AT_STATX_SYNC_TYPE)) != 0
                || (flags & AT_STATX_SYNC_TYPE) == AT_STATX_SYNC_TYPE) {
            return -Errno.EINVAL;
        }
        if ((mask & STATX_RESERVED) != 0) return -Errno.EINVAL;
        FsArgs.Target tg = FsArgs.existing(t, dirfd, pathAddr, flags);
        MemorySegment sx = Scratch.get(StatBuf.STATX_SIZE + StatBuf.SIZE);
        sx.asSlice(0, StatBuf.STATX_SIZE).fill((byte) 0);
        MemorySegment st = sx.asSlice(StatBuf.STATX_SIZE, StatBuf.SIZE);
        int rc = statOf(tg, st);
        if (rc < 0) return rc;
        Vnode v = tg.node();
        boolean host = false;
        if (v instanceof HostNode h && tg.file() == null) {
            try (Arena arena = Arena.ofConfined()) {
                host = Libc.statx(Fs.AT_FDCWD, Scratch.cString(arena, h.hostPath()),
                        (flags & AT_STATX_SYNC_TYPE) | Fs.AT_SYMLINK_NOFOLLOW, mask, sx) == 0;
            }
        } else if (tg.file() instanceof jvisor.kernel.fs.HostFile hf && (v == null || v instanceof HostNode)) {
            host = hf.statx(mask, sx) == 0;
        }
        if (host) {
            sx.set(ValueLayout.JAVA_INT, 20, st.get(ValueLayout.JAVA_INT, StatBuf.ST_UID));
            sx.set(ValueLayout.JAVA_INT, 24, st.get(ValueLayout.JAVA_INT, StatBuf.ST_GID));
        } else {
            statxFromStat(st, sx);
        }
        SysSupport.copyOut(t, buf, sx, StatBuf.STATX_SIZE);
        return 0;
    }

    /** Fills a struct statx from a struct stat. */
    private static void statxFromStat(MemorySegment st, MemorySegment sx) {
        sx.set(ValueLayout.JAVA_INT, 0, 0x7ff);
        sx.set(ValueLayout.JAVA_INT, 4, (int) st.get(ValueLayout.JAVA_LONG, StatBuf.ST_BLKSIZE));
        sx.set(ValueLayout.JAVA_INT, 16, (int) st.get(ValueLayout.JAVA_LONG, StatBuf.ST_NLINK));
        sx.set(ValueLayout.JAVA_INT, 20, st.get(ValueLayout.JAVA_INT, StatBuf.ST_UID));
        sx.set(ValueLayout.JAVA_INT, 24, st.get(ValueLayout.JAVA_INT, StatBuf.ST_GID));
        sx.set(ValueLayout.JAVA_SHORT, 28, (short) st.get(ValueLayout.JAVA_INT, StatBuf.ST_MODE));
        sx.set(ValueLayout.JAVA_LONG, 32, st.get(ValueLayout.JAVA_LONG, StatBuf.ST_INO));
        sx.set(ValueLayout.JAVA_LONG, 40, st.get(ValueLayout.JAVA_LONG, StatBuf.ST_SIZE));
        sx.set(ValueLayout.JAVA_LONG, 48, st.get(ValueLayout.JAVA_LONG, StatBuf.ST_BLOCKS));
        int[] so = {StatBuf.ST_ATIME, StatBuf.ST_CTIME, StatBuf.ST_MTIME};
        int[] xo = {64, 96, 112};
        for (int i = 0; i < 3; i++) {
            sx.set(ValueLayout.JAVA_LONG, xo[i], st.get(ValueLayout.JAVA_LONG, so[i]));
            sx.set(ValueLayout.JAVA_INT, xo[i] + 8, (int) st.get(ValueLayout.JAVA_LONG, so[i] + 8));
        }
        long rdev = st.get(ValueLayout.JAVA_LONG, StatBuf.ST_RDEV);
        long dev = st.get(ValueLayout.JAVA_LONG, StatBuf.ST_DEV);
        sx.set(ValueLayout.JAVA_INT, 128, (int) (((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & ~0xfffL)));
        sx.set(ValueLayout.JAVA_INT, 132, (int) ((rdev & 0xff) | ((rdev >>> 12) & ~0xffL)));
        sx.set(ValueLayout.JAVA_INT, 136, (int) (((dev >>> 8) & 0xfff) | ((dev >>> 32) & ~0xfffL)));
        sx.set(ValueLayout.JAVA_INT, 140, (int) ((dev & 0xff) | ((dev >>> 12) & ~0xffL)));
    }

    /** statfs(2)/fstatfs(2): per file system type; the host root reports the host's numbers. */
    static long statfs(Task t, Vnode v, FileDescription f, long buf) {
        MemorySegment sf = Scratch.get(120);
        sf.asSlice(0, 120).fill((byte) 0);
        String type = v != null && v.mount() != null ? v.mount().fsType : "pipefs";
        long magic = switch (type) {
            case "tmpfs", "devtmpfs" -> 0x01021994L;
            case "proc" -> 0x9fa0L;
            case "pipefs" -> 0x50495045L;
            default -> 0xef53L;
        };
        sf.set(ValueLayout.JAVA_LONG, 0, magic);
        sf.set(ValueLayout.JAVA_LONG, 8, 4096);
        if (!type.equals("proc") && !type.equals("pipefs")) {
            sf.set(ValueLayout.JAVA_LONG, 16, 1L << 20);
            sf.set(ValueLayout.JAVA_LONG, 24, 1L << 19);
            sf.set(ValueLayout.JAVA_LONG, 32, 1L << 19);
            sf.set(ValueLayout.JAVA_LONG, 40, 1L << 20);
            sf.set(ValueLayout.JAVA_LONG, 48, 1L << 19);
        }
        sf.set(ValueLayout.JAVA_LONG, 64, 255);
        sf.set(ValueLayout.JAVA_LONG, 72, 4096);
        long flags = 0x20; // ST_RELATIME-ish: ST_VALID
        if (v != null && v.mount() != null && v.mount().readOnly) flags |= 1;
        sf.set(ValueLayout.JAVA_LONG, 80, flags | 0x400);
        SysSupport.copyOut(t, buf, sf, 120);
        return 0;
    }
}
