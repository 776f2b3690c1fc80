package jvisor.mmu;

import static jvisor.mmu.HostMemory.PAGE_SIZE;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A run of host pages that guest pages map, with a reference count per page: how many guest
 * pages, in every address space, map it. A mapping starts with one reference per page; fork adds
 * one for the child; unmapping and copy-on-write drop one. A page goes back to its
 * {@link Backing} when its count reaches zero, so host memory lives exactly as long as its last
 * user (Linux's struct page refcount, at the granularity of runs).
 *
 * <p>Counts are kept run-length encoded (first page index of a run of equal counts, to the count),
 * so a 1 GiB reservation shared by fork costs two entries, not 262,144. Until a page is shared
 * for the first time every mapped page has count 1 and {@link #exclusive} answers without a
 * lookup, which keeps the TLB refill of an address space that never forked as cheap as before.
 *
 * <p>Thread-safe: counts change under this object's monitor; the address spaces that share the
 * run may be used by different threads.
 */
final class HostPages {
    /** Host address of page 0. */
    final long hva;
    /** Number of pages. */
    final long pages;
    /** Who gets pages back when their count reaches zero. */
    final Backing owner;

    /** Page index where a run of equal counts starts -> that count; a final entry at {@link #pages} holds 0. */
    private final TreeMap<Long, Integer> counts = new TreeMap<>();
    /** Set once any page has been referenced twice; before that, every mapped page is exclusive. */
    private volatile boolean everShared;
    /** Open {@link HostRange}s over pages of this run: pages released meanwhile wait in deferred. */
    private int pins;
    private List<long[]> deferred;

    HostPages(long hva, long pages, Backing owner) {
        this.hva = hva;
        this.pages = pages;
        this.owner = owner;
        counts.put(0L, 1);
        counts.put(pages, 0);
    }

    long hostPage(long index) {
        return hva + index * PAGE_SIZE;
    }

    /** True if exactly one guest page maps page index, so that guest page may write it in place. */
    boolean exclusive(long index) {
        return !everShared || count(index) == 1;
    }

    /** True if every page in [from, to) is mapped by exactly one guest page. */
    boolean exclusive(long from, long to) {
        if (!everShared) return true;
        synchronized (this) {
            if (counts.floorEntry(from).getValue() != 1) return false;
            for (int c : counts.subMap(from, false, to, false).values()) if (c != 1) return false;
            return true;
        }
    }

    synchronized int count(long index) {
        return counts.floorEntry(index).getValue();
    }

    /** One more reference to each page in [from, to) (fork). */
    synchronized void addRef(long from, long to) {
        everShared = true;
        for (Map.Entry<Long, Integer> e : split(from, to).entrySet()) {
            if (e.getValue() <= 0) throw new IllegalStateException("reference to a released host page");
            e.setValue(e.getValue() + 1);
        }
        merge(from, to);
    }

    /** One reference less to each page in [from, to); pages nobody maps any more go back to the owner. */
    void release(long from, long to) {
        long freeFrom = -1;
        synchronized (this) {
            for (Map.Entry<Long, Integer> e : split(from, to).entrySet()) {
                if (e.getValue() <= 0) throw new IllegalStateException("host page released twice");
                e.setValue(e.getValue() - 1);
            }
            // Hand back each maximal run of pages that reached zero inside [from, to).
            for (Map.Entry<Long, Integer> e : counts.subMap(from, true, to, true).entrySet()) {
                long at = e.getKey();
                if (e.getValue() == 0 && at < to) {
                    if (freeFrom < 0) freeFrom = at;
                } else if (freeFrom >= 0) {
                    giveBack(hostPage(freeFrom), (at - freeFrom) * PAGE_SIZE);
                    freeFrom = -1;
                }
            }
            merge(from, to);
        }
    }

    /** Hands pages back to the owner, or keeps them until the last pin goes (monitor held). */
    private void giveBack(long host, long length) {
        if (pins == 0) {
            owner.release(host, length);
        } else {
            if (deferred == null) deferred = new ArrayList<>();
            deferred.add(new long[] {host, length});
        }
    }

    /** Keeps pages of this run from going back to the owner until {@link #unpin}. */
    synchronized void pin() {
        pins++;
    }

    synchronized void unpin() {
        if (--pins > 0 || deferred == null) return;
        for (long[] r : deferred) owner.release(r[0], r[1]);
        deferred = null;
    }

    /** The sub-map [from, to) after making from and to run boundaries. */
    private Map<Long, Integer> split(long from, long to) {
        if (from < 0 || to > pages || from >= to) {
            throw new IllegalArgumentException("pages [" + from + ", " + to + ") of a run of " + pages);
        }
        counts.putIfAbsent(from, counts.floorEntry(from).getValue());
        counts.putIfAbsent(to, counts.floorEntry(to).getValue());
        return counts.subMap(from, true, to, false);
    }

    /** Drops run boundaries in [from, to] that separate equal counts. */
    private void merge(long from, long to) {
        Map.Entry<Long, Integer> prev = counts.lowerEntry(from);
        for (Long at : counts.subMap(from, true, to, true).keySet().toArray(new Long[0])) {
            int c = counts.get(at);
            if (prev != null && prev.getValue() == c && at != pages) counts.remove(at);
            else prev = Map.entry(at, c);
        }
    }
}
