package jvisor.mmu;

import java.lang.foreign.Arena;

/**
 * Host memory for guest regions: anonymous host mappings obtained from the host kernel with
 * mmap(2) (through {@link HostSyscall}), so that every guest page has a real host virtual address (HVA)
 * and the host kernel pages it in lazily (a 1 GiB guest reservation costs nothing until touched).
 *
 * <p>Loads and stores at HVAs go through {@link HostAccess}, bulk copies and fills through
 * {@link HostSegment}.
 */
public final class HostMemory {
    public static final int PAGE_SIZE = 4096;
    public static final long PAGE_MASK = PAGE_SIZE - 1;

    private static final int PROT_READ = 1, PROT_WRITE = 2;
    private static final int MAP_PRIVATE = 0x02, MAP_ANONYMOUS = 0x20, MAP_NORESERVE = 0x4000;
    private static final int MADV_DONTNEED = 4;

    private HostMemory() {}

    public static long pageAlignUp(long n) {
        return (n + PAGE_MASK) & ~PAGE_MASK;
    }

    /**
     * Reserves length bytes (rounded up to pages) of zeroed host memory and returns its HVA.
     *
     * @throws OutOfMemoryError if the host refuses
     */
    public static long allocate(long length) {
        long len = pageAlignUp(length);
        long hva = HostSyscall.call(HostSyscall.MMAP, 0, len, PROT_READ | PROT_WRITE,
                MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (hva < 0) throw new OutOfMemoryError("host mmap of " + len + " bytes failed: errno " + -hva);
        return hva;
    }

    /** Returns host pages to the host kernel. */
    public static void free(long hva, long length) {
        long rc = HostSyscall.call(HostSyscall.MUNMAP, hva, pageAlignUp(length), 0);
        if (rc != 0) throw new IllegalStateException("host munmap failed at 0x" + Long.toHexString(hva) + ": errno " + -rc);
    }

    /** Drops the contents of host pages; they read as zero afterwards (MADV_DONTNEED on private anonymous memory). */
    public static void zero(long hva, long length) {
        if (HostSyscall.call(HostSyscall.MADVISE, hva, pageAlignUp(length), MADV_DONTNEED) != 0) {
            HostAccess.fill(hva, length, (byte) 0);
        }
    }

    /** A scratch arena for short-lived host buffers (not guest memory). */
    public static Arena scratch() {
        return Arena.ofConfined();
    }
}
