package jvisor.kernel.syscall;

import static jvisor.kernel.strace.ArgFormat.BUF_IN;
import static jvisor.kernel.strace.ArgFormat.INT;
import static jvisor.kernel.strace.ArgFormat.IOVEC_IN;
import static jvisor.kernel.strace.ArgFormat.LONG;
import static jvisor.kernel.strace.ArgFormat.RET_DEC;
import static jvisor.kernel.strace.ArgFormat.ULONG;

import java.lang.foreign.MemorySegment;

import jvisor.kernel.abi.Errno;
import jvisor.kernel.abi.Signals;
import jvisor.kernel.fs.FileDescription;
import jvisor.kernel.host.Scratch;
import jvisor.kernel.mm.GuestMemory;
import jvisor.kernel.proc.Task;
import jvisor.mmu.Access;
import jvisor.mmu.AddressSpace;
import jvisor.mmu.HostRange;

/** write(2), pwrite64(2), writev(2) (gVisor sys_write.go). */
final class SysWrite {
    private SysWrite() {}

    static void register(SyscallTable t) {
        t.define("write", (k, a, b, c, d, e, f) -> write(k, a, b, c, -1), RET_DEC, INT, BUF_IN, ULONG);
        t.define("pwrite64", (k, a, b, c, d, e, f) -> pwrite(k, a, b, c, d), RET_DEC, INT, BUF_IN, ULONG, LONG);
        t.define("writev", (k, a, b, c, d, e, f) -> writev(k, a, b, c), RET_DEC, INT, IOVEC_IN, INT);
    }

    private static FileDescription writableFile(Task t, long fd) {
        FileDescription f = SysSupport.file(t, fd);
        if (!f.writable()) throw SysSupport.err(Errno.EBADF);
        return f;
    }

    static long pwrite(Task t, long fd, long buf, long count, long offset) {
        writableFile(t, fd);
        if (offset < 0) return -Errno.EINVAL;
        return write(t, fd, buf, count, offset);
    }

    /** Writes from the guest buffer, in place when it is one host range (see SysRead.read). */
    static long write(Task t, long fd, long buf, long count, long offset) {
        FileDescription f = writableFile(t, fd);
        count = SysSupport.clampCount(count);
        long r;
        if (count == 0) {
            r = offset < 0 ? f.write(Scratch.get(1).address(), 0) : f.pwrite(Scratch.get(1).address(), 0, offset);
        } else if (f.writeIgnoresData()) {
            if (!SysSupport.inUserSpace(buf, count)) return -Errno.EFAULT;
            r = offset < 0 ? f.write(0, count) : f.pwrite(0, count, offset);
        } else {
            AddressSpace mem = t.memory();
            long n = GuestMemory.accessiblePrefix(mem, buf, count, Access.READ);
            if (n == 0) return -Errno.EFAULT;
            try (HostRange pinned = GuestMemory.pinForHost(mem, buf, n, Access.READ)) {
                if (pinned != null) {
                    long hva = pinned.contiguous();
                    r = offset < 0 ? f.write(hva, n) : f.pwrite(hva, n, offset);
                } else {
                    MemorySegment scratch = Scratch.get(n);
                    GuestMemory.copyIn(mem, buf, scratch, 0, n);
                    r = offset < 0 ? f.write(scratch.address(), n) : f.pwrite(scratch.address(), n, offset);
                }
            }
        }
        return brokenPipe(t, r);
    }

    /** writev(2): gathered into one write, so that a write to a pipe stays atomic. */
    static long writev(Task t, long fd, long iov, long iovcnt) {
        FileDescription f = writableFile(t, fd);
        if (iovcnt < 0 || iovcnt > SysRead.UIO_MAXIOV) return -Errno.EINVAL;
        AddressSpace mem = t.memory();
        long total = 0;
        for (int i = 0; i < iovcnt; i++) {
            long len = mem.read64(iov + 16L * i + 8);
            if (len < 0) return -Errno.EINVAL;
            total += len;
            if (total < 0) return -Errno.EINVAL;
        }
        total = SysSupport.clampCount(total);
        if (total == 0) return 0; // vfs_writev: nothing to write reaches no file (not even a pipe without readers)
        if (f.writeIgnoresData()) {
            // import_iovec checks each segment, cut to what fits in MAX_RW_COUNT, with access_ok.
            long checked = 0;
            for (int i = 0; i < iovcnt; i++) {
                long len = Math.min(mem.read64(iov + 16L * i + 8), SysSupport.MAX_RW_COUNT - checked);
                if (!SysSupport.inUserSpace(mem.read64(iov + 16L * i), len)) return -Errno.EFAULT;
                checked += len;
            }
            return f.write(0, total);
        }
        MemorySegment scratch = Scratch.get(Math.max(total, 1));
        long done = 0;
        for (int i = 0; i < iovcnt && done < total; i++) {
            long base = mem.read64(iov + 16L * i);
            long len = Math.min(mem.read64(iov + 16L * i + 8), total - done);
            GuestMemory.copyIn(mem, base, scratch, done, len);
            done += len;
        }
        return brokenPipe(t, f.write(scratch.address(), total));
    }

    /** A write to a pipe without readers also raises SIGPIPE (pipe(7)). */
    private static long brokenPipe(Task t, long r) {
        if (r == -Errno.EPIPE) SysSignal.raise(t, Signals.SIGPIPE, Signals.SI_USER);
        return r;
    }
}
