package jvisor.mmu;

import static jvisor.mmu.HostMemory.PAGE_SIZE;

/**
 * Single host pages for copy-on-write copies. They are cut from large host mappings instead of
 * one host mmap each, because the host limits the number of mappings of a process
 * (vm.max_map_count, 65,530 by default) and a forked guest may copy far more pages than that.
 * A page given back is emptied with MADV_DONTNEED (its memory returns to the host at once, and it
 * reads as zero again) and kept for the next copy; the chunks' address space itself is kept for
 * the life of the JVM.
 */
final class PagePool implements Backing {
    static final PagePool INSTANCE = new PagePool();

    /** Pages per host mapping: 1 MiB. */
    private static final int CHUNK_PAGES = 256;

    private long[] free = new long[CHUNK_PAGES];
    private int freeCount;

    private PagePool() {}

    /** A zeroed page of host memory (fresh from the host, or emptied when it was given back). */
    synchronized long allocate() {
        if (freeCount == 0) {
            long chunk = HostMemory.allocate((long) CHUNK_PAGES * PAGE_SIZE);
            ensureRoom(CHUNK_PAGES);
            for (int i = CHUNK_PAGES - 1; i >= 0; i--) free[freeCount++] = chunk + (long) i * PAGE_SIZE;
        }
        return free[--freeCount];
    }

    /** Pages no guest maps any more. */
    @Override
    public synchronized void release(long hva, long length) {
        HostMemory.zero(hva, length);
        int n = (int) (length / PAGE_SIZE);
        ensureRoom(n);
        for (int i = 0; i < n; i++) free[freeCount++] = hva + (long) i * PAGE_SIZE;
    }

    private void ensureRoom(int more) {
        if (freeCount + more > free.length) free = java.util.Arrays.copyOf(free, Math.max(free.length * 2, freeCount + more));
    }
}
