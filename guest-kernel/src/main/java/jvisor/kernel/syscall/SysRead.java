package jvisor.kernel.syscall;

import static jvisor.kernel.strace.ArgFormat.BUF_OUT;
import static jvisor.kernel.strace.ArgFormat.INT;
import static jvisor.kernel.strace.ArgFormat.IOVEC_OUT;
import static jvisor.kernel.strace.ArgFormat.LONG;
import static jvisor.kernel.strace.ArgFormat.RET_DEC;
import static jvisor.kernel.strace.ArgFormat.ULONG;

import java.lang.foreign.MemorySegment;

import jvisor.kernel.abi.Errno;
import jvisor.kernel.fs.FileDescription;
import jvisor.kernel.host.Scratch;
import jvisor.kernel.mm.GuestMemory;
import jvisor.kernel.proc.Task;
import jvisor.mmu.Access;
import jvisor.mmu.AddressSpace;
import jvisor.mmu.HostRange;

/** read(2), pread64(2), readv(2) (gVisor sys_read.go). */
final class SysRead {
    private SysRead() {}

    static void register(SyscallTable t) {
        t.define("read", (k, a, b, c, d, e, f) -> read(k, a, b, c, -1), RET_DEC, INT, BUF_OUT, ULONG);
        t.define("pread64", (k, a, b, c, d, e, f) -> pread(k, a, b, c, d), RET_DEC, INT, BUF_OUT, ULONG, LONG);
        t.define("readv", (k, a, b, c, d, e, f) -> readv(k, a, b, c), RET_DEC, INT, IOVEC_OUT, INT);
    }

    private static FileDescription readableFile(Task t, long fd) {
        FileDescription f = SysSupport.file(t, fd);
        if (!f.readable()) throw SysSupport.err(Errno.EBADF);
        if (f.isDirectory()) throw SysSupport.err(Errno.EISDIR);
        return f;
    }

    static long pread(Task t, long fd, long buf, long count, long offset) {
        FileDescription f = readableFile(t, fd);
        if (offset < 0) return -Errno.EINVAL;
        return read(t, fd, buf, count, offset);
    }

    /**
     * Reads into the guest buffer: straight into the guest's host memory when the buffer is one
     * host range, else through scratch memory. Only the accessible prefix of the buffer is used,
     * so a buffer that runs into unmapped memory gives a short read, EFAULT only when nothing of it
     * is accessible (as copy_to_user failing part-way).
     *
     * @param offset the file offset for pread, or -1 for the file position
     */
    static long read(Task t, long fd, long buf, long count, long offset) {
        FileDescription f = readableFile(t, fd);
        count = SysSupport.clampCount(count);
        if (count == 0) return offset < 0 ? f.read(Scratch.get(1).address(), 0) : f.pread(Scratch.get(1).address(), 0, offset);
        AddressSpace mem = t.memory();
        long n = GuestMemory.accessiblePrefix(mem, buf, count, Access.WRITE);
        if (n == 0) return unwritableBuffer(f, offset);
        try (HostRange pinned = GuestMemory.pinForHost(mem, buf, n, Access.WRITE)) {
            if (pinned != null) {
                long hva = pinned.contiguous();
                return offset < 0 ? f.read(hva, n) : f.pread(hva, n, offset);
            }
        }
        MemorySegment scratch = Scratch.get(n);
        long r = offset < 0 ? f.read(scratch.address(), n) : f.pread(scratch.address(), n, offset);
        if (r > 0) GuestMemory.copyOut(mem, buf, scratch, 0, r);
        return r;
    }

    /**
     * A read into memory the guest cannot write: Linux only notices when it copies data, so at end
     * of file the result is 0, otherwise EFAULT with the file position unchanged. Probed with a
     * one-byte pread where the file can seek; anything else gets EFAULT.
     */
    private static long unwritableBuffer(FileDescription f, long offset) {
        long pos = offset >= 0 ? offset : f.seek(0, jvisor.kernel.abi.Fs.SEEK_CUR);
        if (pos < 0) return -Errno.EFAULT;
        long n = f.pread(Scratch.get(1).address(), 1, pos);
        return n == 0 ? 0 : -Errno.EFAULT;
    }

    /** Maximum iovec count (UIO_MAXIOV). */
    static final int UIO_MAXIOV = 1024;

    /**
     * readv(2): one read of the total length into scratch memory, then scattered, so a pipe read
     * stays a single operation.
     */
    static long readv(Task t, long fd, long iov, long iovcnt) {
        FileDescription f = readableFile(t, fd);
        if (iovcnt < 0 || iovcnt > UIO_MAXIOV) return -Errno.EINVAL;
        AddressSpace mem = t.memory();
        long[] bases = new long[(int) iovcnt];
        long[] lens = new long[(int) iovcnt];
        long total = 0;
        for (int i = 0; i < iovcnt; i++) {
            bases[i] = mem.read64(iov + 16L * i);
            lens[i] = mem.read64(iov + 16L * i + 8);
            if (lens[i] < 0) return -Errno.EINVAL;
            total += lens[i];
            if (total < 0) return -Errno.EINVAL;
        }
        total = SysSupport.clampCount(total);
        MemorySegment scratch = Scratch.get(Math.max(total, 1));
        long r = f.read(scratch.address(), total);
        if (r <= 0) return r;
        long done = 0;
        for (int i = 0; i < iovcnt && done < r; i++) {
            long n = Math.min(lens[i], r - done);
            GuestMemory.copyOut(mem, bases[i], scratch, done, n);
            done += n;
        }
        return r;
    }
}
