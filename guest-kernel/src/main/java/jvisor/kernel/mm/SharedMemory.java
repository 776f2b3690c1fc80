package jvisor.kernel.mm;

import java.util.concurrent.atomic.AtomicLong;

import jvisor.kernel.fs.FileDescription;
import jvisor.mmu.Backing;
import jvisor.mmu.HostMemory;

/**
 * The host memory behind a MAP_SHARED mapping: one block that every mapping of it (in this
 * process, in forked children, after mremap moves) uses in place, so a write through one is seen
 * by all. The block is given back when no guest page maps any part of it any more: the address
 * space reports each unmapped range through {@link #release} and the count of mapped bytes
 * reaches zero.
 *
 * <p>For a host file the block is the host kernel's own MAP_SHARED mapping of it, so writes reach
 * the file (and other processes) at once. For a file of the kernel's own (tmpfs, memfd) the block
 * is a copy that is written back to the file by msync and when it is unmapped.
 */
public final class SharedMemory implements Backing {
    private final long base;
    private final long size;
    /** Whether guest writes are allowed at all (a shared mapping of a read-only file: no). */
    final boolean writable;
    private final AtomicLong mapped;
    /** The file a copy is written back to, and the file offset of base; null for host mappings and anonymous memory. */
    private final FileDescription writeBack;
    private final long fileOffset;

    SharedMemory(long base, long size, boolean writable, FileDescription writeBack, long fileOffset) {
        this.base = base;
        this.size = size;
        this.writable = writable;
        this.mapped = new AtomicLong(size);
        this.writeBack = writeBack;
        this.fileOffset = fileOffset;
        if (writeBack != null) writeBack.incRef();
    }

    @Override
    public boolean shared() {
        return true;
    }

    /** msync: a copy goes back to its file (host mappings are the file already). */
    void sync(long hva, long length) {
        if (writeBack == null || !writable) return;
        long from = Math.max(hva, base), to = Math.min(hva + length, base + size);
        if (from < to) writeBack.pwrite(from, to - from, fileOffset + (from - base));
    }

    @Override
    public void release(long hva, long length) {
        sync(hva, length);
        if (mapped.addAndGet(-length) == 0) {
            HostMemory.free(base, size);
            if (writeBack != null) writeBack.decRef();
        }
    }
}
