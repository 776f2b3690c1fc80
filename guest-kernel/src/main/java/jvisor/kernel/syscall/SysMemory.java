package jvisor.kernel.syscall;

import static jvisor.kernel.strace.ArgFormat.HEX;
import static jvisor.kernel.strace.ArgFormat.INT;
import static jvisor.kernel.strace.ArgFormat.MADVICE;
import static jvisor.kernel.strace.ArgFormat.MMAP_FLAGS;
import static jvisor.kernel.strace.ArgFormat.MREMAP_FLAGS;
import static jvisor.kernel.strace.ArgFormat.MREMAP_NEWADDR;
import static jvisor.kernel.strace.ArgFormat.PROT;
import static jvisor.kernel.strace.ArgFormat.PTR;
import static jvisor.kernel.strace.ArgFormat.RET_DEC;
import static jvisor.kernel.strace.ArgFormat.RET_HEX;
import static jvisor.kernel.strace.ArgFormat.ULONG;

import jvisor.kernel.abi.Errno;
import jvisor.kernel.abi.Mman;
import jvisor.kernel.fs.FileDescription;
import jvisor.kernel.proc.Task;

/** brk(2), mmap(2), munmap(2), mprotect(2), mremap(2), madvise(2), msync(2), mincore(2) (gVisor sys_mmap.go); see MemoryManager. */
final class SysMemory {
    private SysMemory() {}

    static void register(SyscallTable t) {
        t.define("brk", (k, a, b, c, d, e, f) -> k.process.mm.brk(a), RET_HEX, PTR);
        t.define("mmap", (k, a, b, c, d, e, f) -> mmap(k, a, b, (int) c, (int) d, (int) e, f), RET_HEX,
                PTR, ULONG, PROT, MMAP_FLAGS, INT, HEX);
        t.define("munmap", (k, a, b, c, d, e, f) -> k.process.mm.munmap(a, b), RET_DEC, PTR, ULONG);
        t.define("mprotect", (k, a, b, c, d, e, f) -> k.process.mm.mprotect(a, b, (int) c), RET_DEC, PTR, ULONG, PROT);
        t.define("mremap", (k, a, b, c, d, e, f) -> k.process.mm.mremap(a, b, c, (int) d, e), RET_HEX,
                PTR, ULONG, ULONG, MREMAP_FLAGS, MREMAP_NEWADDR);
        t.define("madvise", (k, a, b, c, d, e, f) -> k.process.mm.madvise(a, b, (int) c), RET_DEC, PTR, ULONG, MADVICE);
        t.define("msync", (k, a, b, c, d, e, f) -> k.process.mm.msync(a, b, (int) c), RET_DEC, PTR, ULONG, HEX);
        t.define("mincore", (k, a, b, c, d, e, f) -> k.process.mm.mincore(a, b, c), RET_DEC, PTR, ULONG, PTR);
    }

    static long mmap(Task t, long addr, long length, int prot, int flags, int fd, long offset) {
        if ((offset & 0xfff) != 0) return -Errno.EINVAL; // checked first, by x86's sys_mmap
        FileDescription file = null;
        if ((flags & Mman.MAP_ANONYMOUS) == 0) {
            file = t.process.fds.get(fd);
            if (file == null || file.isPathOnly()) return -Errno.EBADF;
        }
        return t.process.mm.mmap(addr, length, prot, flags, file, offset);
    }
}
