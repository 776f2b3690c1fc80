package jvisor.kernel.mm;

import static jvisor.mmu.HostMemory.PAGE_MASK;
import static jvisor.mmu.HostMemory.PAGE_SIZE;

import java.lang.foreign.MemorySegment;
import java.util.List;

import jvisor.hypervisor.Hypervisor;
import jvisor.kernel.abi.Errno;
import jvisor.kernel.abi.Mman;
import jvisor.kernel.fs.FileDescription;
import jvisor.mmu.AddressSpace;
import jvisor.mmu.Backing;
import jvisor.mmu.HostMemory;
import jvisor.mmu.Prot;
import jvisor.mmu.Region;

/**
 * A process's memory layout (Linux's mm_struct and mm/mmap.c, mm/mremap.c, mm/madvise.c for the
 * semantics): the heap (brk), mmap placement, munmap, mprotect, mremap and madvise. Layout changes
 * go through the {@link Hypervisor}; contents are reached through the address space.
 *
 * <p>Addresses follow Linux with address-space randomisation off: mmap hands out ranges top-down
 * below {@link #MMAP_BASE}, the stack sits at the top of the user address space, and the heap
 * starts right after the program's highest segment.
 *
 * <p>All methods return the syscall's result: an address or count, or {@code -errno}.
 */
public final class MemoryManager {
    /** One past the highest user address (x86-64 TASK_SIZE: the top page is never mapped). */
    public static final long TASK_SIZE = 0x7ffffffff000L;
    /** Linux's mmap_base without randomisation: TASK_SIZE minus the 128 MiB minimum stack gap. */
    public static final long MMAP_BASE = 0x7ffff7fff000L;
    /** vm.mmap_min_addr: nothing is placed below this without MAP_FIXED. */
    public static final long MMAP_MIN_ADDR = AddressSpace.MIN_ADDRESS;
    /** The largest heap brk grows to (beyond RLIMIT_DATA, which usually allows more). */
    static final long HEAP_MAX = 16L << 30;

    private static final String HEAP = "[heap]";

    private final Hypervisor hv;
    private final AddressSpace space;

    private long startBrk;
    private long brk;
    /** RLIMIT_DATA's soft limit, for brk. */
    private long dataLimit = -1;

    public MemoryManager(Hypervisor hv, AddressSpace space) {
        this.hv = hv;
        this.space = space;
    }

    public AddressSpace space() {
        return space;
    }

    public Hypervisor hypervisor() {
        return hv;
    }

    public static long pageUp(long n) {
        return (n + PAGE_MASK) & ~PAGE_MASK;
    }

    private static boolean aligned(long a) {
        return (a & PAGE_MASK) == 0;
    }

    /** Linux's x86 rule: a readable page is needed for write or execute (no write-only or exec-only pages). */
    private static int hardwareProt(int prot) {
        int p = prot & Prot.RWX;
        return p == 0 ? 0 : p | Prot.READ;
    }

    // ---------------------------------------------------------------- brk(2)

    /** Sets where the heap starts (the page-aligned end of the loaded program). */
    public void setBrkStart(long start) {
        startBrk = start;
        brk = start;
    }

    public void setDataLimit(long limit) {
        dataLimit = limit;
    }

    public long brkStart() {
        return startBrk;
    }

    public long currentBrk() {
        return brk;
    }

    /**
     * brk(2), as mm/mmap.c: an address below the heap start, over RLIMIT_DATA or colliding with a
     * mapping (with one page of gap) leaves the break where it was; the result is always the break.
     */
    public long brk(long requested) {
        if (Long.compareUnsigned(requested, startBrk) < 0) return brk;
        if (dataLimit >= 0 && requested - startBrk > dataLimit) return brk;
        long newEnd = pageUp(requested);
        long oldEnd = pageUp(brk);
        if (Long.compareUnsigned(newEnd, TASK_SIZE) > 0 || newEnd < requested) return brk;
        if (newEnd == oldEnd) {
            brk = requested;
            return brk;
        }
        if (Long.compareUnsigned(requested, brk) < 0) {
            // Shrink: the pages above the new end go; growing again maps fresh zeroed pages.
            hv.unmap(space, newEnd, oldEnd - newEnd);
            brk = requested;
            return brk;
        }
        if (newEnd - startBrk > HEAP_MAX) return brk;
        if (!space.isFree(oldEnd, newEnd + PAGE_SIZE)) return brk;
        // Each extension is ordinary anonymous memory owned by the address space, so that fork's
        // copy-on-write sharing and unmapping treat the heap like any other private mapping.
        try {
            hv.mapAnonymous(space, oldEnd, newEnd - oldEnd, Prot.RW, HEAP);
        } catch (OutOfMemoryError e) {
            return brk;
        }
        brk = requested;
        return brk;
    }

    // ---------------------------------------------------------------- mmap(2)

    /**
     * mmap(2) (arch/x86 sys_mmap and mm/mmap.c do_mmap). file is the description behind fd for a
     * file mapping, null for MAP_ANONYMOUS; the caller has already answered EBADF.
     */
    public long mmap(long addr, long length, int prot, int flags, FileDescription file, long offset) {
        if ((offset & PAGE_MASK) != 0) return -Errno.EINVAL;
        if (length == 0) return -Errno.EINVAL;
        boolean anonymous = (flags & Mman.MAP_ANONYMOUS) != 0;
        if ((flags & Mman.MAP_FIXED_NOREPLACE) != 0) flags |= Mman.MAP_FIXED;
        boolean fixed = (flags & Mman.MAP_FIXED) != 0;
        long len = pageUp(length);
        if (len == 0 || Long.compareUnsigned(len, TASK_SIZE) > 0) return -Errno.ENOMEM;
        if (!anonymous && Long.compareUnsigned(offset + len, offset) < 0) return -Errno.EOVERFLOW;

        int type = flags & Mman.MAP_TYPE;
        if (type != Mman.MAP_SHARED && type != Mman.MAP_PRIVATE && type != Mman.MAP_SHARED_VALIDATE) {
            return -Errno.EINVAL;
        }
        if (type == Mman.MAP_SHARED_VALIDATE && (flags & ~Mman.LEGACY_MAP_MASK) != 0) return -Errno.EOPNOTSUPP;
        if (file != null) {
            boolean shared = type != Mman.MAP_PRIVATE;
            if (!file.readable()) return -Errno.EACCES;
            if (shared && (prot & Mman.PROT_WRITE) != 0 && !file.writable()) return -Errno.EACCES;
        }

        long at;
        if (fixed) {
            if (!aligned(addr)) return -Errno.EINVAL;
            if (Long.compareUnsigned(addr, TASK_SIZE - len) > 0) return -Errno.ENOMEM;
            if (Long.compareUnsigned(addr, MMAP_MIN_ADDR) < 0 && !mayMapLow()) return -Errno.EPERM;
            if ((flags & Mman.MAP_FIXED_NOREPLACE) != 0 && !space.isFree(addr, addr + len)) return -Errno.EEXIST;
            at = addr;
        } else {
            at = findPlace(addr, len, (flags & Mman.MAP_32BIT) != 0);
            if (at < 0) return at;
        }

        int hwProt = hardwareProt(prot);
        String name = file != null ? new String(file.guestPath(), java.nio.charset.StandardCharsets.UTF_8) : "";
        if (type != Mman.MAP_PRIVATE) return mmapShared(at, len, hwProt, file, offset, name);
        long hva = allocateCopy(len, file, offset);
        if (hva < 0) return hva;
        hv.map(space, at, hva, len, hwProt, Backing.ANONYMOUS, name, file != null ? offset : 0);
        return at;
    }

    /** Fresh host memory holding the file's bytes from offset (zeros without a file, or past its end); -errno on failure. */
    private long allocateCopy(long len, FileDescription file, long offset) {
        long hva;
        try {
            hva = hv.allocateHostMemory(len);
        } catch (OutOfMemoryError e) {
            return -Errno.ENOMEM;
        }
        if (file != null) {
            long r = file.mmapCopy(hva, len, offset);
            if (r < 0) {
                HostMemory.free(hva, len);
                return r;
            }
        }
        return hva;
    }

    /**
     * MAP_SHARED: one block of host memory that every mapping of it uses in place (see
     * {@link SharedMemory}): a host file's own MAP_SHARED mapping, or anonymous memory (also for
     * /dev/zero), or a copy of a kernel file written back on msync and munmap.
     */
    private long mmapShared(long at, long len, int hwProt, FileDescription file, long offset, String name) {
        boolean writable = file == null || file.writable();
        long hva;
        FileDescription writeBack = null;
        int hostFd = file != null ? file.hostFd() : -1;
        if (hostFd >= 0 && !file.isDirectory()) {
            hva = jvisor.kernel.host.Libc.mmapShared(hostFd, len, writable, offset);
            if (hva < 0) return hva;
        } else {
            hva = allocateCopy(len, file, offset);
            if (hva < 0) return hva;
            if (file instanceof jvisor.kernel.fs.TmpFile) writeBack = file;
        }
        SharedMemory block = new SharedMemory(hva, len, writable, writeBack, offset);
        hv.map(space, at, hva, len, hwProt, block, name, file != null ? offset : 0);
        return at;
    }

    /** Root may map below mmap_min_addr (CAP_SYS_RAWIO); others get EPERM. */
    private static boolean mayMapLow() {
        return jvisor.kernel.host.Libc.geteuid() == 0;
    }

    /**
     * Where a mapping without MAP_FIXED goes (arch_get_unmapped_area_topdown): the hint if that
     * range is free, else the highest free range below MMAP_BASE.
     */
    private long findPlace(long hint, long len, boolean below2G) {
        if (hint != 0) {
            long h = hint & ~PAGE_MASK;
            if (Long.compareUnsigned(h, MMAP_MIN_ADDR) < 0) h = MMAP_MIN_ADDR;
            if (Long.compareUnsigned(h, TASK_SIZE - len) <= 0 && space.isFree(h, h + len)) return h;
        }
        if (below2G) {
            long a = space.findFreeTopDown(len, 0x80000000L);
            return a >= 0x40000000L ? a : -Errno.ENOMEM;
        }
        long a = space.findFreeTopDown(len, MMAP_BASE);
        return a >= 0 ? a : -Errno.ENOMEM;
    }

    // ---------------------------------------------------------------- munmap(2), mprotect(2)

    public long munmap(long addr, long length) {
        if (!aligned(addr) || Long.compareUnsigned(addr, TASK_SIZE) > 0
                || Long.compareUnsigned(length, TASK_SIZE - addr) > 0) {
            return -Errno.EINVAL;
        }
        long len = pageUp(length);
        if (len == 0) return -Errno.EINVAL;
        hv.unmap(space, addr, len);
        return 0;
    }

    public long mprotect(long addr, long length, int prot) {
        if (!aligned(addr)) return -Errno.EINVAL;
        if (length == 0) return 0;
        long len = pageUp(length);
        long end = addr + len;
        if (len == 0 || Long.compareUnsigned(end, addr) <= 0) return -Errno.ENOMEM;
        int grows = prot & (Mman.PROT_GROWSDOWN | Mman.PROT_GROWSUP);
        if (grows == (Mman.PROT_GROWSDOWN | Mman.PROT_GROWSUP)) return -Errno.EINVAL;
        prot &= ~grows;
        if ((prot & ~(Mman.PROT_READ | Mman.PROT_WRITE | Mman.PROT_EXEC | Mman.PROT_SEM)) != 0) return -Errno.EINVAL;
        if (Long.compareUnsigned(end, TASK_SIZE) > 0) return -Errno.ENOMEM;
        if ((prot & Mman.PROT_WRITE) != 0) {
            // A shared mapping of a file opened read-only can never become writable (mprotect(2) EACCES).
            for (Region r : space.regions()) {
                if (Long.compareUnsigned(r.end(), addr) <= 0 || Long.compareUnsigned(r.start(), end) >= 0) continue;
                if (r.backing() instanceof SharedMemory sm && !sm.writable) return -Errno.EACCES;
            }
        }
        return hv.protect(space, addr, len, hardwareProt(prot)) ? 0 : -Errno.ENOMEM;
    }

    /**
     * msync(2): flags checked as Linux does; shared copies of kernel files are written back
     * (a host file's shared mapping is the file already). ENOMEM if part of the range is unmapped.
     */
    public long msync(long addr, long length, int flags) {
        if (!aligned(addr)) return -Errno.EINVAL;
        if ((flags & ~(Mman.MS_ASYNC | Mman.MS_INVALIDATE | Mman.MS_SYNC)) != 0) return -Errno.EINVAL;
        if ((flags & Mman.MS_ASYNC) != 0 && (flags & Mman.MS_SYNC) != 0) return -Errno.EINVAL;
        long len = pageUp(length);
        long end = addr + len;
        if (Long.compareUnsigned(end, addr) < 0) return -Errno.ENOMEM;
        if (len == 0) return 0;
        if (!space.isFullyMapped(addr, end)) return -Errno.ENOMEM;
        for (Region r : space.regions()) {
            if (Long.compareUnsigned(r.end(), addr) <= 0 || Long.compareUnsigned(r.start(), end) >= 0) continue;
            if (r.backing() instanceof SharedMemory sm) {
                long from = Math.max(r.start(), addr), to = Math.min(r.end(), end);
                sm.sync(r.hostAddress(from), to - from);
            }
        }
        return 0;
    }

    /**
     * mincore(2): every mapped page counts as resident (the host pages them in on demand, and
     * a guest cannot tell the difference); ENOMEM for unmapped pages, as Linux.
     */
    public long mincore(long addr, long length, long vecAddr) {
        if (!aligned(addr)) return -Errno.EINVAL;
        long len = pageUp(length);
        if (Long.compareUnsigned(addr + len, TASK_SIZE) > 0 || Long.compareUnsigned(addr + len, addr) < 0) {
            return -Errno.ENOMEM;
        }
        if (!space.isFullyMapped(addr, addr + len)) return -Errno.ENOMEM;
        byte[] vec = new byte[(int) (len / PAGE_SIZE)];
        java.util.Arrays.fill(vec, (byte) 1);
        space.writeBytes(vecAddr, vec, 0, vec.length);
        return 0;
    }

    // ---------------------------------------------------------------- mremap(2)

    public long mremap(long oldAddr, long oldSize, long newSize, int flags, long newAddr) {
        if ((flags & ~(Mman.MREMAP_MAYMOVE | Mman.MREMAP_FIXED | Mman.MREMAP_DONTUNMAP)) != 0) return -Errno.EINVAL;
        boolean mayMove = (flags & Mman.MREMAP_MAYMOVE) != 0;
        boolean fixed = (flags & Mman.MREMAP_FIXED) != 0;
        boolean dontUnmap = (flags & Mman.MREMAP_DONTUNMAP) != 0;
        if ((fixed || dontUnmap) && !mayMove) return -Errno.EINVAL;
        if (!aligned(oldAddr)) return -Errno.EINVAL;
        long oldLen = pageUp(oldSize);
        long newLen = pageUp(newSize);
        if (newLen == 0 || (dontUnmap && oldLen != newLen)) return -Errno.EINVAL;
        // old_size 0 duplicates a shared mapping; there are no shared mappings here.
        if (oldLen == 0) return -Errno.EINVAL;
        if (Long.compareUnsigned(oldAddr + oldLen, TASK_SIZE) > 0) return -Errno.EFAULT;

        // The old range must lie in one mapping (one "vma": contiguous, one protection).
        Region first = space.find(oldAddr);
        if (first == null || !uniform(oldAddr, oldAddr + oldLen, first.prot())) return -Errno.EFAULT;

        if (fixed) {
            if (!aligned(newAddr)) return -Errno.EINVAL;
            if (Long.compareUnsigned(newAddr, TASK_SIZE - newLen) > 0) return -Errno.EINVAL;
            if (newAddr < oldAddr + oldLen && oldAddr < newAddr + newLen) return -Errno.EINVAL;
            hv.unmap(space, newAddr, newLen);
            return move(oldAddr, oldLen, newAddr, newLen, first, dontUnmap);
        }
        if (newLen <= oldLen && !dontUnmap) {
            if (newLen < oldLen) {
                hv.unmap(space, oldAddr + newLen, oldLen - newLen);
            }
            return oldAddr;
        }
        long tail = oldAddr + oldLen;
        if (!dontUnmap && Long.compareUnsigned(oldAddr + newLen, TASK_SIZE) <= 0
                && space.isFree(tail, oldAddr + newLen)) {
            // Grow in place.
            try {
                hv.mapAnonymous(space, tail, newLen - oldLen, first.prot(), first.name());
            } catch (OutOfMemoryError e) {
                return -Errno.ENOMEM;
            }
            return oldAddr;
        }
        if (!mayMove) return -Errno.ENOMEM;
        long to = findPlace(0, newLen, false);
        if (to < 0) return to;
        return move(oldAddr, oldLen, to, newLen, first, dontUnmap);
    }

    private boolean uniform(long from, long to, int prot) {
        long at = from;
        while (Long.compareUnsigned(at, to) < 0) {
            Region r = space.find(at);
            if (r == null || r.prot() != prot) return false;
            at = r.end();
        }
        return true;
    }

    /** Moves a mapping: copies its contents to fresh host memory mapped at to, then drops the old range. */
    private long move(long from, long oldLen, long to, long newLen, Region first, boolean keepOld) {
        if (!keepOld) {
            // The pages themselves move (shared memory stays shared, copy-on-write pages stay so).
            long keep = Math.min(oldLen, newLen);
            if (oldLen > newLen) hv.unmap(space, from + newLen, oldLen - newLen);
            hv.move(space, from, keep, to);
            if (newLen > oldLen) {
                try {
                    hv.mapAnonymous(space, to + oldLen, newLen - oldLen, first.prot(), first.name());
                } catch (OutOfMemoryError e) {
                    return -Errno.ENOMEM;
                }
            }
            return to;
        }
        long hva;
        try {
            hva = hv.allocateHostMemory(newLen);
        } catch (OutOfMemoryError e) {
            return -Errno.ENOMEM;
        }
        space.readToHost(from, hva, Math.min(oldLen, newLen)); // MREMAP_DONTUNMAP: a copy, the old range emptied
        hv.map(space, to, hva, newLen, first.prot(), Backing.ANONYMOUS, first.name(),
                first.name().startsWith("/") ? first.fileOffset() : 0);
        if (keepOld) {
            // MREMAP_DONTUNMAP: the old range stays mapped but empty.
            hv.mapAnonymous(space, from, oldLen, first.prot(), first.name());
        } else {
            hv.unmap(space, from, oldLen);
        }
        return to;
    }

    // ---------------------------------------------------------------- madvise(2)

    public long madvise(long addr, long length, int advice) {
        if (Mman.MADVICE.name(advice) == null) return -Errno.EINVAL;
        if (!aligned(addr)) return -Errno.EINVAL;
        long len = pageUp(length);
        if (length != 0 && len == 0) return -Errno.EINVAL;
        long end = addr + len;
        if (Long.compareUnsigned(end, addr) < 0) return -Errno.EINVAL;
        if (end == addr) return 0;
        boolean unmapped = false;
        long at = addr;
        while (Long.compareUnsigned(at, end) < 0) {
            Region r = space.find(at);
            if (r == null) {
                unmapped = true;
                Region next = nextRegion(at, end);
                if (next == null) break;
                at = next.start();
                continue;
            }
            long to = Math.min(end, r.end());
            if (advice == Mman.MADV_DONTNEED || advice == Mman.MADV_FREE || advice == Mman.MADV_REMOVE
                    || advice == Mman.MADV_DONTNEED_LOCKED) {
                // Private anonymous memory reads as zeros afterwards: the range gets fresh pages (never
                // zeroing host pages in place, which a forked process may still share). A private
                // file mapping would show the file's contents again: its copy is left as it is, as is
                // shared memory, whose contents live on in the shared block.
                if (!r.name().startsWith("/")) hv.discard(space, at, to - at);
            }
            at = to;
        }
        return unmapped ? -Errno.ENOMEM : 0;
    }

    private Region nextRegion(long at, long end) {
        for (Region r : space.regions()) {
            if (Long.compareUnsigned(r.start(), at) > 0 && Long.compareUnsigned(r.start(), end) < 0) return r;
        }
        return null;
    }

    /** The mappings, in address order. */
    public List<Region> regions() {
        return space.regions();
    }

    /** Processes using this memory: more than one while a vfork child (CLONE_VM) borrows it. */
    private int users = 1;

    /** Another process shares this memory (clone with CLONE_VM, vfork). */
    public synchronized MemoryManager share() {
        users++;
        return this;
    }

    /**
     * fork's copy of the address space: the same mappings and program break; private memory is
     * shared copy-on-write page by page and MAP_SHARED memory stays shared (the mmu's fork).
     */
    public MemoryManager forkCopy() {
        MemoryManager m = new MemoryManager(hv, hv.forkAddressSpace(space));
        m.startBrk = startBrk;
        m.brk = brk;
        m.dataLimit = dataLimit;
        return m;
    }

    /** Gives every host page back when the last process using this memory lets go (exit, execve). */
    public void release() {
        synchronized (this) {
            if (--users > 0) return;
        }
        space.clear();
    }
}
