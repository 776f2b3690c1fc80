package jvisor.kernel.syscall;

import java.lang.foreign.MemorySegment;

import jvisor.kernel.abi.Errno;
import jvisor.kernel.abi.Fs;
import jvisor.kernel.fs.FileDescription;
import jvisor.kernel.fs.Resolution;
import jvisor.kernel.mm.GuestMemory;
import jvisor.kernel.mm.MemoryManager;
import jvisor.kernel.proc.Task;
import jvisor.mmu.AddressSpace;

/** Helpers the syscall families share: fds, paths, and copies to and from guest memory. */
final class SysSupport {
    private SysSupport() {}

    static SyscallException err(int errno) {
        return SyscallException.of(errno);
    }

    /** The description behind fd, or EBADF. */
    static FileDescription file(Task t, long fd) {
        if (fd != (int) fd) throw err(Errno.EBADF);
        FileDescription f = t.process.fds.get(fd);
        if (f == null) throw err(Errno.EBADF);
        return f;
    }

    /** RLIMIT_NOFILE's soft limit, at most fs.nr_open: descriptors must be below it. */
    static long fdLimit(Task t) {
        return Math.min(t.process.limits.curClamped(jvisor.kernel.abi.Rlimits.RLIMIT_NOFILE),
                jvisor.kernel.abi.Rlimits.NR_OPEN);
    }

    /**
     * Installs two new descriptions (pipe2, socketpair) and writes their descriptors to int[2] at
     * fdsAddr: 0, or the error with nothing left installed.
     */
    static long installPair(Task t, FileDescription a, FileDescription b, boolean cloexec, long fdsAddr) {
        long limit = fdLimit(t);
        int fa = t.process.fds.install(a, cloexec, 0, limit);
        if (fa < 0) {
            b.decRef();
            return fa;
        }
        int fb = t.process.fds.install(b, cloexec, 0, limit);
        if (fb < 0) {
            t.process.fds.close(fa);
            return fb;
        }
        try {
            t.memory().write32(fdsAddr, fa);
            t.memory().write32(fdsAddr + 4, fb);
        } catch (RuntimeException e) {
            t.process.fds.close(fa);
            t.process.fds.close(fb);
            return -Errno.EFAULT;
        }
        return 0;
    }

    /** A path argument (getname): EFAULT if unreadable, ENAMETOOLONG if longer than PATH_MAX. */
    static byte[] path(Task t, long addr) {
        byte[] p = t.memory().readCString(addr, Fs.PATH_MAX);
        if (p == null) throw err(Errno.ENAMETOOLONG);
        return p;
    }

    /** The directory relative paths start from: the cwd for AT_FDCWD, else dirfd's directory. */
    static byte[] baseDir(Task t, int dirfd, byte[] path) {
        if (path.length > 0 && path[0] == '/') return null;
        if (dirfd == Fs.AT_FDCWD) return t.process.cwd();
        FileDescription f = file(t, dirfd);
        if (!f.isDirectory()) throw err(Errno.ENOTDIR);
        return f.guestPath();
    }

    /** Resolves a path argument relative to dirfd; throws the lookup's errno. */
    static Resolution resolve(Task t, int dirfd, byte[] path, boolean followFinal) {
        if (path.length == 0) throw err(Errno.ENOENT);
        Resolution r = t.process.fs.resolve(baseDir(t, dirfd, path), path, followFinal);
        if (!r.ok()) throw err(r.error());
        return r;
    }

    /** Copies n bytes of native memory to guest memory. */
    static void copyOut(Task t, long gva, MemorySegment src, long n) {
        GuestMemory.copyOut(t.memory(), gva, src, 0, n);
    }

    static void copyIn(Task t, long gva, MemorySegment dst, long n) {
        GuestMemory.copyIn(t.memory(), gva, dst, 0, n);
    }

    static AddressSpace mem(Task t) {
        return t.memory();
    }

    /** Linux's MAX_RW_COUNT: one read or write moves at most this much. */
    static final long MAX_RW_COUNT = 0x7ffff000L;

    /**
     * access_ok: whether [addr, addr+len) lies below TASK_SIZE, the only check Linux makes of a
     * buffer it will not read (arch/x86/include/asm/uaccess_64.h).
     */
    static boolean inUserSpace(long addr, long len) {
        return Long.compareUnsigned(len, MemoryManager.TASK_SIZE) <= 0
                && Long.compareUnsigned(addr, MemoryManager.TASK_SIZE - len) <= 0;
    }

    static long clampCount(long count) {
        return Long.compareUnsigned(count, MAX_RW_COUNT) > 0 ? MAX_RW_COUNT : count;
    }
}
