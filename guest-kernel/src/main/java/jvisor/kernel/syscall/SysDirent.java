package jvisor.kernel.syscall;

import static jvisor.kernel.strace.ArgFormat.INT;
import static jvisor.kernel.strace.ArgFormat.PTR;
import static jvisor.kernel.strace.ArgFormat.RET_DEC;
import static jvisor.kernel.strace.ArgFormat.ULONG;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import jvisor.kernel.abi.Errno;
import jvisor.kernel.fs.FileDescription;
import jvisor.kernel.host.Scratch;
import jvisor.kernel.mm.GuestMemory;
import jvisor.kernel.proc.Task;
import jvisor.mmu.Access;

/**
 * getdents64(2) and getdents(2) (gVisor sys_getdents.go). The old struct linux_dirent has the
 * same record length as linux_dirent64 for every name (d_type moves from before the name to the
 * last byte of the record), so getdents is getdents64 converted in place.
 */
final class SysDirent {
    private SysDirent() {}

    static void register(SyscallTable t) {
        t.define("getdents64", (k, a, b, c, d, e, f) -> getdents(k, a, b, c, true), RET_DEC, INT, PTR, ULONG);
        t.define("getdents", (k, a, b, c, d, e, f) -> getdents(k, a, b, c, false), RET_DEC, INT, PTR, ULONG);
    }

    static long getdents(Task t, long fd, long buf, long count, boolean is64) {
        FileDescription f = SysSupport.file(t, fd);
        count = Math.min(SysSupport.clampCount(count), 1L << 20);
        if (f.isPathOnly()) return -Errno.EBADF;
        if (!f.isDirectory()) return -Errno.ENOTDIR;
        if (count <= 0) return -Errno.EINVAL;
        long n = GuestMemory.accessiblePrefix(t.memory(), buf, count, Access.WRITE);
        if (n == 0) return -Errno.EFAULT;
        MemorySegment scratch = Scratch.get(n);
        long r = f.getdents64(scratch.address(), n);
        if (r > 0) {
            if (!is64) toOld(scratch, r);
            GuestMemory.copyOut(t.memory(), buf, scratch, 0, r);
        }
        return r;
    }

    private static void toOld(MemorySegment s, long len) {
        long off = 0;
        while (off < len) {
            int reclen = s.get(ValueLayout.JAVA_SHORT_UNALIGNED, off + 16) & 0xffff;
            byte type = s.get(ValueLayout.JAVA_BYTE, off + 18);
            int nameLen = 0;
            while (s.get(ValueLayout.JAVA_BYTE, off + 19 + nameLen) != 0) nameLen++;
            MemorySegment.copy(s, off + 19, s, off + 18, nameLen);
            s.set(ValueLayout.JAVA_BYTE, off + 18 + nameLen, (byte) 0);
            for (long i = off + 19 + nameLen; i < off + reclen - 1; i++) s.set(ValueLayout.JAVA_BYTE, i, (byte) 0);
            s.set(ValueLayout.JAVA_BYTE, off + reclen - 1, type);
            off += reclen;
        }
    }
}
