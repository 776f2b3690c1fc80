package jvisor.mmu;

import static jvisor.mmu.HostMemory.PAGE_MASK;
import static jvisor.mmu.HostMemory.PAGE_SIZE;

/**
 * Host pages filled once and then mapped copy-on-write into any number of address spaces with
 * {@link AddressSpace#mapCopyOnWrite} (the loaded segments of a program that many guests run,
 * as Linux maps one page-cache page into every process that maps the file privately). The pages
 * hold a reference of their own until {@link #close}, so no mapping ever counts as their only
 * user: the first write through any mapping copies that page into one of its own (see
 * {@link AddressSpace}'s fork rules), and a write never reaches these pages or another space.
 *
 * <p>Fill the pages through {@link #hva} before the first mapping; after it they are read only.
 * {@link #close} drops the own reference: mappings keep theirs, and the host memory goes back
 * when the last of them is gone.
 */
public final class CopyOnWritePages {
    final HostPages run;
    private boolean closed;

    private CopyOnWritePages(HostPages run) {
        this.run = run;
    }

    /** length bytes (rounded up to pages) of fresh zeroed host memory. */
    public static CopyOnWritePages allocate(long length) {
        long len = HostMemory.pageAlignUp(length);
        return new CopyOnWritePages(new HostPages(HostMemory.allocate(len), len / PAGE_SIZE, Backing.ANONYMOUS));
    }

    /** Host address of the first page, for filling them. */
    public long hva() {
        return run.hva;
    }

    public long length() {
        return run.pages * PAGE_SIZE;
    }

    /** Adds a reference to each page of [offset, offset+length) for a new mapping; false once closed. */
    synchronized boolean reference(long offset, long length) {
        if (closed) return false;
        if ((offset & PAGE_MASK) != 0 || (length & PAGE_MASK) != 0 || offset < 0 || length <= 0
                || offset + length > length()) {
            throw new IllegalArgumentException("bad range 0x" + Long.toHexString(offset) + "+0x"
                    + Long.toHexString(length) + " of " + length() + " bytes");
        }
        run.addRef(offset / PAGE_SIZE, (offset + length) / PAGE_SIZE);
        return true;
    }

    /** Drops the pages' own reference (once); mappings made before keep theirs. */
    public synchronized void close() {
        if (closed) return;
        closed = true;
        run.release(0, run.pages);
    }
}
