package jvisor.mmu;

import static jvisor.mmu.HostMemory.PAGE_SIZE;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One mapping of an address space (a line of /proc/self/maps, Linux's vm_area_struct): the
 * {@link Region} the kernel sees, and where each of its pages lives. A page lives in the
 * mapping's own host run ({@link #base}, from page {@link #baseIndex} on) unless a write after a
 * fork gave it a private copy, kept in {@link #copies}. Everything but {@link #copies} is
 * immutable; {@link #copies} changes only under the address space's write lock.
 */
final class Vma {
    final Region region;
    final HostPages base;
    /** The page of {@link #base} that holds {@code region.start()}. */
    final long baseIndex;
    /** Guest page address -> its private copy (a one-page run), or null when there is none. */
    TreeMap<Long, HostPages> copies;
    /** MAP_SHARED: every writer writes the same pages, fork shares them instead of copying on write. */
    final boolean shared;

    Vma(Region region, HostPages base, long baseIndex, TreeMap<Long, HostPages> copies) {
        this.region = region;
        this.shared = region.backing().shared();
        this.base = base;
        this.baseIndex = baseIndex;
        this.copies = copies == null || copies.isEmpty() ? null : copies;
    }

    /** A new mapping of host run base from its first page on. */
    static Vma of(long start, long end, int prot, HostPages base, Backing backing, String name, long fileOffset) {
        return new Vma(new Region(start, end, prot, base.hva, backing, name, fileOffset), base, 0, null);
    }

    long start() {
        return region.start();
    }

    long end() {
        return region.end();
    }

    int prot() {
        return region.prot();
    }

    private long baseIndexOf(long page) {
        return baseIndex + (page - region.start()) / PAGE_SIZE;
    }

    private HostPages copyOf(long page) {
        return copies == null ? null : copies.get(page);
    }

    /** Host address of the guest page at page (page aligned, inside the mapping). */
    long hostPage(long page) {
        HostPages c = copyOf(page);
        return c != null ? c.hva : base.hostPage(baseIndexOf(page));
    }

    /** The host run that holds the page at page. */
    HostPages runOf(long page) {
        HostPages c = copyOf(page);
        return c != null ? c : base;
    }

    /** True if a write to page may go to its host page in place: shared memory, or no one else maps the page. */
    boolean writableInPlace(long page) {
        if (shared) return true;
        HostPages c = copyOf(page);
        return c != null ? c.exclusive(0) : base.exclusive(baseIndexOf(page));
    }

    /** The reference of the page at page, as a one-page range. */
    PageRefs pageRef(long page) {
        HostPages c = copyOf(page);
        if (c != null) return new PageRefs(c, 0, 1);
        long i = baseIndexOf(page);
        return new PageRefs(base, i, i + 1);
    }

    /** Gives page a host page of its own (after it has been filled). */
    void putCopy(long page, HostPages copy) {
        if (copies == null) copies = new TreeMap<>();
        copies.put(page, copy);
    }

    /** The part [from, to) of this mapping with another protection and name, sharing its pages. */
    Vma slice(long from, long to, int prot, String name) {
        Region r = region;
        Region part = new Region(from, to, prot, r.hva() + (from - r.start()), r.backing(), name,
                r.fileOffset() + (from - r.start()));
        TreeMap<Long, HostPages> c = copies == null ? null : new TreeMap<>(copies.subMap(from, to));
        return new Vma(part, base, baseIndexOf(from), c);
    }

    /** The same pages at another guest address (mremap). */
    Vma movedTo(long to) {
        Region r = region;
        long delta = to - r.start();
        Region moved = new Region(to, r.end() + delta, r.prot(), r.hva(), r.backing(), r.name(), r.fileOffset());
        TreeMap<Long, HostPages> c = null;
        if (copies != null) {
            c = new TreeMap<>();
            for (Map.Entry<Long, HostPages> e : copies.entrySet()) c.put(e.getKey() + delta, e.getValue());
        }
        return new Vma(moved, base, baseIndex, c);
    }

    /** Another mapping of the same pages (the child's, at fork); the caller adds the references. */
    Vma duplicate() {
        return new Vma(region, base, baseIndex, copies == null ? null : new TreeMap<>(copies));
    }

    /** Appends the host page ranges that [from, to) of this mapping references, one entry per run. */
    void collectRefs(long from, long to, List<PageRefs> out) {
        long at = from;
        if (copies != null) {
            for (Map.Entry<Long, HostPages> e : copies.subMap(from, to).entrySet()) {
                long page = e.getKey();
                if (at < page) out.add(new PageRefs(base, baseIndexOf(at), baseIndexOf(page)));
                out.add(new PageRefs(e.getValue(), 0, 1));
                at = page + PAGE_SIZE;
            }
        }
        if (at < to) out.add(new PageRefs(base, baseIndexOf(at), baseIndexOf(to)));
    }

    /** A range [from, to) of pages of one host run. */
    record PageRefs(HostPages run, long from, long to) {
        void addRef() {
            run.addRef(from, to);
        }

        void release() {
            run.release(from, to);
        }
    }
}
