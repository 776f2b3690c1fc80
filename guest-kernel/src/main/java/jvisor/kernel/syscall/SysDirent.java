package jvisor.kernel.syscall;

import static jvisor.kernel.strace.ArgFormat.INT;
import static jvisor.kernel.strace.ArgFormat.PTR;
import static jvisor.kernel.strace.ArgFormat.RET_DEC;
import static jvisor.kernel.strace.ArgFormat.ULONG;

import java.lang.foreign.MemorySegment;

import jvisor.kernel.abi.Errno;
import jvisor.kernel.fs.FileDescription;
import jvisor.kernel.host.Scratch;
import jvisor.kernel.mm.GuestMemory;
import jvisor.kernel.proc.Task;
import jvisor.mmu.Access;

/**
 * getdents64(2) (gVisor sys_getdents.go): the host directory's entries, whose struct
 * linux_dirent64 layout is the guest's too. The old getdents(2) is not provided; libcs use this one.
 */
final class SysDirent {
    private SysDirent() {}

    static void register(SyscallTable t) {
        t.define("getdents64", (k, a, b, c, d, e, f) -> getdents64(k, a, b, c), RET_DEC, INT, PTR, ULONG);
    }

    static long getdents64(Task t, long fd, long buf, long count) {
        FileDescription f = SysSupport.file(t, fd);
        count = Math.min(SysSupport.clampCount(count), 1L << 20);
        if (count <= 0) return -Errno.EINVAL;
        long n = GuestMemory.accessiblePrefix(t.memory(), buf, count, Access.WRITE);
        if (n == 0) return -Errno.EFAULT;
        MemorySegment scratch = Scratch.get(n);
        long r = f.getdents64(scratch.address(), n);
        if (r > 0) GuestMemory.copyOut(t.memory(), buf, scratch, 0, r);
        return r;
    }
}
