package jvisor.mmu;

import static jvisor.mmu.HostMemory.PAGE_MASK;
import static jvisor.mmu.HostMemory.PAGE_SIZE;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.StampedLock;

import jvisor.mmu.Vma.PageRefs;

/**
 * A guest address space: guest virtual addresses mapped straight to host virtual addresses in
 * mappings, with no guest page tables (the NanoPVM model). Mappings ({@link Vma}) live in a
 * red-black tree ({@link TreeMap}) keyed by guest start address; {@link #regions} shows them as
 * /proc/self/maps does.
 *
 * <h2>Threads</h2>
 * Several vCPUs run on one address space at once, each on its own host thread and through its own
 * {@link Tlb}; kernel code on any thread reads and writes guest memory through the methods here
 * and changes the mapping concurrently with them. The rules that keep every access away from
 * host memory that has been released, and every TLB from outliving an access right:
 * <ol>
 *   <li>A {@link StampedLock}: mapping changes take it for writing; TLB refills and the kernel's
 *       copies (one page at a time) take it for reading, so a kernel copy never sees host memory
 *       disappear under it. Nobody waits for vCPUs while holding it.</li>
 *   <li>An epoch, bumped by every change that removes or reduces access (unmap, protect, fork,
 *       copy-on-write, code marking) and by every change of code pages. Each vCPU checks it at
 *       every block boundary and inside long instructions, and then flushes its TLB or drops its
 *       decoded blocks. Each vCPU publishes whether it runs guest code and the epoch it has caught
 *       up with.</li>
 *   <li>A change bumps the epoch, releases the lock, and waits (spinning, then parking) until
 *       every other vCPU of the space is outside guest code or has caught up; only then does it
 *       return, and only then is replaced host memory given back. A vCPU that itself waits (it
 *       copies a page on write) counts as outside guest code meanwhile and retranslates after.</li>
 * </ol>
 * The fast paths stay as they were: a load is a TLB tag compare and a host move, and a block
 * boundary costs one volatile read more.
 *
 * <h2>Fork and copy-on-write</h2>
 * {@link #forkCopy} gives a child the same mappings over the same host pages and adds a reference
 * to each ({@link HostPages} counts references per page). A private page referenced more than
 * once is never entered in a write TLB; the first write by either side, guest or kernel, copies
 * that page alone into a page of its own ({@link PagePool}) and drops a reference to the original.
 * A page whose other users are all gone is written in place again. Shared memory
 * ({@link Backing#shared()}) is never copied. Host memory goes back to its {@link Backing} when its
 * last reference is dropped.
 *
 * <h2>Code pages</h2>
 * Pages a vCPU decoded code from are marked ({@link Tlb#markCode}) before their bytes are
 * fetched; marking takes write permission away from every TLB. The first write to a marked page,
 * by any vCPU or the kernel, unmarks it and bumps the code epoch, and every vCPU of the space
 * drops its decoded blocks at its next block boundary (the writer at once).
 */
public final class AddressSpace implements CodeSource, GuestMemory {
    /** Lowest address mmap hands out without MAP_FIXED (Linux's default vm.mmap_min_addr). */
    public static final long MIN_ADDRESS = 0x10000L;
    /** One past the highest user address of x86-64 with 4-level paging. */
    public static final long USER_END = 0x0000_8000_0000_0000L;


    /** tryResolve's answers that are not host addresses (which are never negative). */
    private static final long NEEDS_COPY = -1, WRITES_CODE = -2;

    private static final VarHandle EPOCH, TLB_EPOCH, CODE_EPOCH;
    private static final AtomicLong TOTAL_PAGES_COPIED = new AtomicLong();

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            EPOCH = l.findVarHandle(AddressSpace.class, "epoch", long.class);
            TLB_EPOCH = l.findVarHandle(AddressSpace.class, "tlbEpoch", long.class);
            CODE_EPOCH = l.findVarHandle(AddressSpace.class, "codeEpoch", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final TreeMap<Long, Vma> vmas = new TreeMap<>(Long::compareUnsigned);
    /** Guards vmas and codePages: see the class comment. */
    private final StampedLock lock = new StampedLock();
    private final LongSet codePages = new LongSet();
    /** Null unless a debugger, a hook or a trace watches data accesses. */
    private volatile MemoryObserver observer;

    /** Bumped after every change a TLB or a decoded-block cache must catch up with. */
    volatile long epoch;
    /** Bumped (before {@link #epoch}) by changes that invalidate translations. */
    volatile long tlbEpoch;
    /** Bumped (before {@link #epoch}) by changes of code pages. */
    volatile long codeEpoch;

    /** The TLBs of the vCPUs running on this space (copy on write, under vcpuLock). */
    private volatile Tlb[] vcpus = new Tlb[0];
    private final Object vcpuLock = new Object();

    private final AtomicLong pagesCopied = new AtomicLong();

    /**
     * Installs (or with null removes) the observer of data accesses. Every vCPU's TLB is flushed
     * before this returns, so the pages it covers are seen from the next access on.
     */
    public void setObserver(MemoryObserver observer) {
        long target;
        long stamp = lock.writeLock();
        try {
            this.observer = observer;
            target = bump(true, false);
        } finally {
            lock.unlockWrite(stamp);
        }
        awaitVcpus(target, null);
    }

    public MemoryObserver observer() {
        return observer;
    }

    /** Tells the observer about an access that touches a page it covers (nothing if there is none). */
    void report(long gva, int size, Access kind, long value) {
        MemoryObserver o = observer;
        if (o != null && (o.covers(gva & ~PAGE_MASK) || o.covers((gva + size - 1) & ~PAGE_MASK))) {
            o.accessed(gva, size, kind, value);
        }
    }

    /** Bumped on every change of the mapping that caches must see. */
    public long generation() {
        return epoch;
    }

    // ---------------------------------------------------------------- vCPUs

    void attach(Tlb t) {
        synchronized (vcpuLock) {
            Tlb[] v = Arrays.copyOf(vcpus, vcpus.length + 1);
            v[v.length - 1] = t;
            vcpus = v;
        }
    }

    void detach(Tlb t) {
        synchronized (vcpuLock) {
            Tlb[] v = vcpus;
            for (int i = 0; i < v.length; i++) {
                if (v[i] == t) {
                    Tlb[] w = new Tlb[v.length - 1];
                    System.arraycopy(v, 0, w, 0, i);
                    System.arraycopy(v, i + 1, w, i, v.length - i - 1);
                    vcpus = w;
                    return;
                }
            }
        }
    }

    /** How many vCPUs (TLBs) are attached. */
    public int vcpuCount() {
        return vcpus.length;
    }

    private boolean hasOtherVcpus(Tlb self) {
        Tlb[] v = vcpus;
        return v.length > 1 || (v.length == 1 && v[0] != self);
    }

    private long bump(boolean tlb, boolean code) {
        if (tlb) TLB_EPOCH.getAndAdd(this, 1L);
        if (code) CODE_EPOCH.getAndAdd(this, 1L);
        return (long) EPOCH.getAndAdd(this, 1L) + 1;
    }

    /**
     * Waits until every vCPU other than self is outside guest code or has caught up with epoch
     * target. Called without the lock. While it waits, self counts as outside guest code (it holds
     * no host address); afterwards it catches up itself.
     */
    private void awaitVcpus(long target, Tlb self) {
        boolean wasInGuest = self != null && self.inGuest;
        if (wasInGuest) self.inGuest = false;
        try {
            for (Tlb t : vcpus) {
                if (t == self) continue;
                for (int spins = 0; t.inGuest && t.published < target; spins++) {
                    if (spins < 100) Thread.onSpinWait();
                    else if (spins < 200) Thread.yield();
                    else LockSupport.parkNanos(20_000);
                }
            }
        } finally {
            if (wasInGuest) self.inGuest = true;
            if (self != null && self.stale()) self.sync();
        }
    }

    /** What one mapping change did, to be finished after the write lock is released. */
    private static final class Change {
        final List<PageRefs> dropped = new ArrayList<>();
        boolean tlb, code;
    }

    /** Bumps the epoch for the change (under the write lock). */
    private long publish(Change c) {
        return c.tlb || c.code ? bump(c.tlb, c.code) : 0;
    }

    /** After the write lock: waits for the vCPUs to catch up, then gives back what nobody maps any more. */
    private void finish(Change c, long target) {
        if (c.tlb) awaitVcpus(target, null);
        for (PageRefs r : c.dropped) r.release();
    }

    // ---------------------------------------------------------------- mapping

    /**
     * Maps [gva, gva+length) to host memory at hva with the given protection, replacing whatever
     * was mapped there (as mmap with MAP_FIXED does). The mapping holds one reference to each host
     * page; backing gets the pages back when the last reference (this space's, or a fork child's)
     * is gone.
     */
    public void map(long gva, long length, int prot, long hva, Backing backing, String name, long fileOffset) {
        checkRange(gva, length);
        HostPages run = new HostPages(hva, length / PAGE_SIZE, backing);
        install(Vma.of(gva, gva + length, prot, run, backing, name == null ? "" : name, fileOffset));
    }

    /**
     * Maps [gva, gva+length) privately to the bytes [offset, offset+length) of pages, replacing
     * whatever was mapped there: reads see their contents, the first write to a page gives this
     * space a copy of its own (nothing written here reaches pages or another space that maps them).
     *
     * @return false, mapping nothing, if pages is closed
     */
    public boolean mapCopyOnWrite(long gva, long length, int prot, CopyOnWritePages pages, long offset, String name,
            long fileOffset) {
        checkRange(gva, length);
        if (!pages.reference(offset, length)) return false;
        HostPages run = pages.run;
        long first = offset / PAGE_SIZE;
        Region r = new Region(gva, gva + length, prot, run.hostPage(first), run.owner, name == null ? "" : name,
                fileOffset);
        install(new Vma(r, run, first, null));
        return true;
    }

    /** Puts v into the tree in place of whatever it overlaps. */
    private void install(Vma v) {
        long gva = v.start(), length = v.end() - v.start();
        Change c = new Change();
        long target;
        long stamp = lock.writeLock();
        try {
            removeRange(gva, gva + length, c);
            vmas.put(gva, v);
            target = publish(c);
        } finally {
            lock.unlockWrite(stamp);
        }
        finish(c, target);
    }

    /** Maps fresh zeroed anonymous host memory at gva and returns its host address. */
    public long mapAnonymous(long gva, long length, int prot, String name) {
        long hva = HostMemory.allocate(length);
        map(gva, length, prot, hva, Backing.ANONYMOUS, name, 0);
        return hva;
    }

    /** Removes every mapping in [gva, gva+length); unmapped holes are fine (as munmap). */
    public void unmap(long gva, long length) {
        checkRange(gva, length);
        Change c = new Change();
        long target;
        long stamp = lock.writeLock();
        try {
            removeRange(gva, gva + length, c);
            target = publish(c);
        } finally {
            lock.unlockWrite(stamp);
        }
        finish(c, target);
    }

    /**
     * Changes the protection of [gva, gva+length).
     *
     * @return false, changing nothing, if part of the range is not mapped (mprotect's ENOMEM)
     */
    public boolean protect(long gva, long length, int prot) {
        checkRange(gva, length);
        long end = gva + length;
        Change c = new Change();
        long target;
        long stamp = lock.writeLock();
        try {
            if (!fullyMapped(gva, end)) return false;
            for (Vma v : cut(gva, end)) {
                vmas.put(v.start(), v.slice(v.start(), v.end(), prot, v.region.name()));
                if ((v.prot() & ~prot) != 0) c.tlb = true; // an access right goes: TLBs must forget it
            }
            if ((prot & Prot.EXEC) == 0) dropCodePages(gva, end, c);
            target = publish(c);
        } finally {
            lock.unlockWrite(stamp);
        }
        finish(c, target);
        return true;
    }

    /** Renames [gva, gva+length) for /proc/self/maps (e.g. "[heap]") without changing the mapping. */
    public void rename(long gva, long length, String name) {
        long end = gva + length;
        long stamp = lock.writeLock();
        try {
            for (Vma v : cut(gva, end)) vmas.put(v.start(), v.slice(v.start(), v.end(), v.prot(), name));
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    /**
     * Moves the mappings in [from, from+length) to [to, to+length) with their pages, contents and
     * copy-on-write state (mremap without copying): whatever was mapped at the destination is
     * unmapped, the source range is left unmapped. The ranges must not overlap.
     */
    public void move(long from, long length, long to) {
        checkRange(from, length);
        checkRange(to, length);
        if (from < to + length && to < from + length) {
            throw new IllegalArgumentException(String.format("overlapping move 0x%x -> 0x%x (+0x%x)", from, to, length));
        }
        Change c = new Change();
        long target;
        long stamp = lock.writeLock();
        try {
            removeRange(to, to + length, c);
            List<Vma> moving = cut(from, from + length);
            for (Vma v : moving) {
                Vma m = v.movedTo(v.start() - from + to);
                vmas.put(m.start(), m);
            }
            if (!moving.isEmpty()) c.tlb = true;
            dropCodePages(from, from + length, c);
            target = publish(c);
        } finally {
            lock.unlockWrite(stamp);
        }
        finish(c, target);
    }

    /**
     * Drops the contents of the private pages in [gva, gva+length): they read as zero afterwards
     * (MADV_DONTNEED on anonymous memory). A page another address space still shares is not
     * touched: this space gets a fresh zero page instead. Shared mappings keep their contents, as
     * Linux's shared memory does. Unmapped holes are skipped.
     */
    public void discard(long gva, long length) {
        checkRange(gva, length);
        long end = gva + length;
        Change c = new Change();
        long target;
        long stamp = lock.writeLock();
        try {
            List<PageRefs> refs = new ArrayList<>();
            for (Vma v : overlapping(gva, end)) {
                if (v.shared) continue;
                long from = Math.max(v.start(), gva), to = Math.min(v.end(), end);
                refs.clear();
                v.collectRefs(from, to, refs);
                long page = from;
                for (PageRefs r : refs) {
                    if (r.run().exclusive(r.from(), r.to())) {
                        HostMemory.zero(r.run().hostPage(r.from()), (r.to() - r.from()) * PAGE_SIZE);
                    } else {
                        for (long i = r.from(); i < r.to(); i++) {
                            long p = page + (i - r.from()) * PAGE_SIZE;
                            if (r.run().exclusive(i)) {
                                HostMemory.zero(r.run().hostPage(i), PAGE_SIZE);
                            } else {
                                v.putCopy(p, new HostPages(PagePool.INSTANCE.allocate(), 1, PagePool.INSTANCE));
                                c.dropped.add(new PageRefs(r.run(), i, i + 1));
                                c.tlb = true;
                            }
                        }
                    }
                    page += (r.to() - r.from()) * PAGE_SIZE;
                }
            }
            dropCodePages(gva, end, c);
            target = publish(c);
        } finally {
            lock.unlockWrite(stamp);
        }
        finish(c, target);
    }

    /**
     * A copy of this address space for fork(2): the same mappings, names and protections. Private
     * memory is shared copy-on-write page by page (the first write by either side copies that page
     * only; reads never copy), shared memory stays shared. When this returns, no vCPU of this space
     * can write a shared private page in place any more. Code-page marks are not inherited: the
     * child's vCPUs decode for themselves.
     */
    public AddressSpace forkCopy() {
        AddressSpace child = new AddressSpace();
        List<PageRefs> refs = new ArrayList<>();
        long target;
        long stamp = lock.writeLock();
        try {
            for (Vma v : vmas.values()) {
                refs.clear();
                v.collectRefs(v.start(), v.end(), refs);
                for (PageRefs r : refs) r.addRef();
                child.vmas.put(v.start(), v.duplicate());
            }
            target = bump(true, false);
        } finally {
            lock.unlockWrite(stamp);
        }
        awaitVcpus(target, null);
        return child;
    }

    /** Releases every mapping (process exit, execve): host pages no other address space shares go back. */
    public void clear() {
        Change c = new Change();
        long target;
        long stamp = lock.writeLock();
        try {
            for (Vma v : vmas.values()) v.collectRefs(v.start(), v.end(), c.dropped);
            vmas.clear();
            if (codePages.size() != 0) {
                codePages.clear();
                c.code = true;
            }
            c.tlb = true;
            target = publish(c);
        } finally {
            lock.unlockWrite(stamp);
        }
        finish(c, target);
    }

    /** Pages this address space copied on write so far. */
    public long pagesCopied() {
        return pagesCopied.get();
    }

    /** Pages every address space copied on write so far (benchmarks, tests). */
    public static long totalPagesCopied() {
        return TOTAL_PAGES_COPIED.get();
    }

    /** Removes the mappings' parts in [from, to) and records their page references (write lock held). */
    private void removeRange(long from, long to, Change c) {
        List<Vma> gone = cut(from, to);
        if (gone.isEmpty()) return;
        for (Vma v : gone) v.collectRefs(v.start(), v.end(), c.dropped);
        c.tlb = true;
        dropCodePages(from, to, c);
    }

    /**
     * Takes the parts of the mappings inside [from, to) out of the tree (leaving the parts outside
     * in it) and returns them, in address order (write lock held).
     */
    private List<Vma> cut(long from, long to) {
        List<Vma> inside = new ArrayList<>();
        for (Vma v : overlapping(from, to)) {
            vmas.remove(v.start());
            long a = Math.max(v.start(), from), b = Math.min(v.end(), to);
            if (v.start() < a) vmas.put(v.start(), v.slice(v.start(), a, v.prot(), v.region.name()));
            if (b < v.end()) vmas.put(b, v.slice(b, v.end(), v.prot(), v.region.name()));
            inside.add(a == v.start() && b == v.end() ? v : v.slice(a, b, v.prot(), v.region.name()));
        }
        return inside;
    }

    private void dropCodePages(long from, long to, Change c) {
        if (codePages.size() == 0) return;
        for (long page : codePages.keysInRange(from, to)) {
            codePages.remove(page);
            c.code = true;
        }
    }

    private static void checkRange(long gva, long length) {
        if ((gva & PAGE_MASK) != 0 || (length & PAGE_MASK) != 0 || length <= 0
                || Long.compareUnsigned(gva + length, USER_END) > 0 || Long.compareUnsigned(gva + length, gva) < 0) {
            throw new IllegalArgumentException(String.format("bad guest range 0x%x+0x%x", gva, length));
        }
    }

    // ---------------------------------------------------------------- queries

    private Vma findVma(long gva) {
        Map.Entry<Long, Vma> e = vmas.floorEntry(gva);
        if (e == null || !e.getValue().region.contains(gva)) return null;
        return e.getValue();
    }

    private List<Vma> overlapping(long gva, long end) {
        List<Vma> out = new ArrayList<>();
        Map.Entry<Long, Vma> first = vmas.floorEntry(gva);
        for (Vma v : vmas.tailMap(first != null ? first.getKey() : gva, true).values()) {
            if (Long.compareUnsigned(v.start(), end) >= 0) break;
            if (Long.compareUnsigned(v.end(), gva) > 0) out.add(v);
        }
        return out;
    }

    private boolean fullyMapped(long gva, long end) {
        long at = gva;
        while (Long.compareUnsigned(at, end) < 0) {
            Vma v = findVma(at);
            if (v == null) return false;
            at = v.end();
        }
        return true;
    }

    /** The mapping containing gva, or null. */
    public Region find(long gva) {
        long stamp = lock.readLock();
        try {
            Vma v = findVma(gva);
            return v == null ? null : v.region;
        } finally {
            lock.unlockRead(stamp);
        }
    }

    /** All mappings in address order (a snapshot), one per mapping however its pages were copied. */
    public List<Region> regions() {
        long stamp = lock.readLock();
        try {
            List<Region> out = new ArrayList<>(vmas.size());
            for (Vma v : vmas.values()) out.add(v.region);
            return out;
        } finally {
            lock.unlockRead(stamp);
        }
    }

    public boolean isFullyMapped(long gva, long end) {
        long stamp = lock.readLock();
        try {
            return fullyMapped(gva, end);
        } finally {
            lock.unlockRead(stamp);
        }
    }

    public boolean isFree(long gva, long end) {
        long stamp = lock.readLock();
        try {
            return overlapping(gva, end).isEmpty();
        } finally {
            lock.unlockRead(stamp);
        }
    }

    /**
     * The highest free range of the given length that ends at or below {@code below} and starts at
     * or above {@link #MIN_ADDRESS} (Linux's top-down mmap layout), or -1 if there is none.
     */
    public long findFreeTopDown(long length, long below) {
        long stamp = lock.readLock();
        try {
            long candidateEnd = below & ~PAGE_MASK;
            Map.Entry<Long, Vma> e = vmas.lowerEntry(candidateEnd);
            while (true) {
                if (e != null && Long.compareUnsigned(e.getValue().end(), candidateEnd) > 0) {
                    candidateEnd = e.getValue().start();
                    e = vmas.lowerEntry(candidateEnd);
                    continue;
                }
                long start = candidateEnd - length;
                if (Long.compareUnsigned(candidateEnd, length) < 0 || Long.compareUnsigned(start, MIN_ADDRESS) < 0) return -1;
                if (e == null || Long.compareUnsigned(e.getValue().end(), start) <= 0) return start;
                candidateEnd = e.getValue().start();
                e = vmas.lowerEntry(candidateEnd);
            }
        } finally {
            lock.unlockRead(stamp);
        }
    }

    // ---------------------------------------------------------------- translation

    /**
     * The host address of gva for an access (read lock held), entered in tlb if there is one.
     *
     * @return the host address, or NEEDS_COPY (a write to a page shared copy-on-write) or
     *     WRITES_CODE (a write to a code page), for the caller to handle without the read lock
     */
    private long tryResolve(long gva, Access access, boolean checkProt, Tlb tlb) {
        Vma v = findVma(gva);
        if (v == null) throw new PageFault(gva, access, false);
        int prot = v.prot();
        if (checkProt && (prot & access.protBit) == 0) throw new PageFault(gva, access, true);
        long page = gva & ~PAGE_MASK;
        boolean inPlace = v.writableInPlace(page);
        boolean code = codePages.size() != 0 && codePages.contains(page);
        if (access == Access.WRITE) {
            if (!inPlace) return NEEDS_COPY;
            if (code) return WRITES_CODE;
        }
        long host = v.hostPage(page);
        MemoryObserver o = observer;
        // A page the observer covers stays out of the TLB: every access takes the slow path and reports.
        if (tlb != null && (o == null || !o.covers(page))) tlb.install(page, host, prot, inPlace && !code);
        return host + (gva & PAGE_MASK);
    }

    /** Handles what tryResolve could not do under the read lock; the caller then tries again. */
    private void prepareWrite(long gva, long answer, Tlb tlb) {
        if (answer == NEEDS_COPY) copyOnWrite(gva, tlb);
        else codeWritten(gva & ~PAGE_MASK, tlb);
    }

    /** The TLB miss path of a vCPU: translates, fills the slot, returns the host address. */
    long refill(Tlb tlb, long gva, Access access) {
        return resolve(gva, access, true, tlb);
    }

    /**
     * Translates gva for an access of the given kind; a write copies a page shared copy-on-write
     * and drops decoded code of the page first.
     *
     * @return the host address of gva, valid only while no other thread changes the mapping (use
     *     the copying methods below from code that may run concurrently with such changes)
     * @throws PageFault if the page is not mapped or the access is not allowed
     */
    public long translate(long gva, Access access) {
        return resolve(gva, access, true, null);
    }

    /** Host address of gva ignoring protection (the debugger and the loader), or throws PageFault if unmapped. */
    public long translateIgnoringProtection(long gva) {
        return resolve(gva, Access.READ, false, null);
    }

    private long resolve(long gva, Access access, boolean checkProt, Tlb tlb) {
        while (true) {
            long h;
            long stamp = lock.readLock();
            try {
                h = tryResolve(gva, access, checkProt, tlb);
            } finally {
                lock.unlockRead(stamp);
            }
            if (h >= 0) return h;
            prepareWrite(gva, h, tlb);
        }
    }

    /** The first byte of an access on its second page: what a fault there reports (CR2). */
    static long secondPage(long gva, int size) {
        return Math.max(gva, (gva + size - 1) & ~PAGE_MASK);
    }

    /**
     * Gives the page at gva a copy of its own for writing, unless it has become writable in place
     * meanwhile (the other sharers are gone). Called without the lock.
     */
    private void copyOnWrite(long gva, Tlb self) {
        long page = gva & ~PAGE_MASK;
        boolean others = hasOtherVcpus(self);
        // No vCPU may still hold a write translation from before the page was shared (fork bumps
        // the epoch): otherwise a store could land in the original after it is copied.
        if (others) awaitVcpus(epoch, self);
        PageRefs original = null;
        long target = 0;
        long stamp = lock.writeLock();
        try {
            Vma v = findVma(page);
            if (v != null && !v.writableInPlace(page)) {
                original = v.pageRef(page);
                long copy = PagePool.INSTANCE.allocate();
                HostAccess.copy(v.hostPage(page), copy, PAGE_SIZE);
                v.putCopy(page, new HostPages(copy, 1, PagePool.INSTANCE));
                pagesCopied.incrementAndGet();
                TOTAL_PAGES_COPIED.incrementAndGet();
                if (others) target = bump(true, false);
                else if (self != null) self.drop(page);
            }
        } finally {
            lock.unlockWrite(stamp);
        }
        if (original == null) return;
        // The other vCPUs forget the original before this space's reference to it goes.
        if (others) awaitVcpus(target, self);
        original.release();
    }

    /** A write is about to reach a code page: unmark it and tell every vCPU's decoded-block cache. */
    private void codeWritten(long page, Tlb writer) {
        long code;
        long stamp = lock.writeLock();
        try {
            if (!codePages.remove(page)) return;
            code = (long) CODE_EPOCH.getAndAdd(this, 1L) + 1;
            EPOCH.getAndAdd(this, 1L);
        } finally {
            lock.unlockWrite(stamp);
        }
        if (writer != null) writer.codeChangedHere(page, code);
    }

    /** Marks the page holding gva as holding decoded code (see {@link Tlb#markCode}); for the debugger too. */
    public boolean markCode(long gva) {
        return markCode(gva, null) == CODE_MARKED_NOW;
    }

    /** What {@link #markCode(long, Tlb)} found: the page newly marked, marked before, or not mapped. */
    static final int CODE_MARKED_NOW = 1, CODE_MARKED_BEFORE = 0, CODE_NOT_MAPPED = -1;

    int markCode(long gva, Tlb self) {
        long page = gva & ~PAGE_MASK;
        long stamp = lock.readLock();
        try {
            if (findVma(page) == null) return CODE_NOT_MAPPED;
            if (codePages.contains(page)) return CODE_MARKED_BEFORE;
        } finally {
            lock.unlockRead(stamp);
        }
        boolean others = hasOtherVcpus(self);
        long target = 0;
        stamp = lock.writeLock(); // also waits for kernel copies into the page that are under way
        try {
            if (findVma(page) == null) return CODE_NOT_MAPPED;
            if (!codePages.add(page)) return CODE_MARKED_BEFORE;
            if (others) target = bump(true, false);
        } finally {
            lock.unlockWrite(stamp);
        }
        if (self != null) self.dropWrite(page);
        if (others) awaitVcpus(target, self);
        return CODE_MARKED_NOW;
    }

    // ---------------------------------------------------------------- the kernel's accesses (copy_from_user / copy_to_user)

    @FunctionalInterface
    private interface PageAccess {
        /** Accesses chunk bytes at host address host, which are bytes [done, done+chunk) of the request. */
        void run(long host, long done, int chunk);
    }

    /**
     * Runs action on [gva, gva+len) page by page, each under the read lock, so no host page goes
     * away during it. A fault stops at the first page that is not accessible (earlier pages done).
     */
    private void eachPage(long gva, long len, Access access, boolean checkProt, PageAccess action) {
        long done = 0;
        while (done < len) {
            long at = gva + done;
            int chunk = (int) Math.min(len - done, PAGE_SIZE - (at & PAGE_MASK));
            long h;
            long stamp = lock.readLock();
            try {
                h = tryResolve(at, access, checkProt, null);
                if (h >= 0) action.run(h, done, chunk);
            } finally {
                lock.unlockRead(stamp);
            }
            if (h >= 0) done += chunk;
            else prepareWrite(at, h, null);
        }
    }

    /**
     * Pins the host memory of [gva, gva+len) for an access of the given kind by the host itself (a
     * host system call reading into or writing from a guest buffer): see {@link HostRange}. Close
     * the range when the host is done; it holds no lock meanwhile.
     *
     * @throws PageFault (with nothing pinned) if part of the range does not allow the access
     */
    public HostRange pin(long gva, long len, Access access) {
        HostRange.Builder pins = new HostRange.Builder();
        try {
            long done = 0;
            while (done < len) {
                long at = gva + done;
                long chunk = Math.min(len - done, PAGE_SIZE - (at & PAGE_MASK));
                long h;
                long stamp = lock.readLock();
                try {
                    h = tryResolve(at, access, true, null);
                    if (h >= 0) pins.add(findVma(at).runOf(at & ~PAGE_MASK), h, chunk);
                } finally {
                    lock.unlockRead(stamp);
                }
                if (h >= 0) done += chunk;
                else prepareWrite(at, h, null);
            }
        } catch (RuntimeException | Error e) {
            pins.build().close();
            throw e;
        }
        return pins.build();
    }

    /** Copies guest memory into dst; throws PageFault (nothing partial is promised) if any byte is unreadable. */
    public void readBytes(long gva, byte[] dst, int off, int len) {
        eachPage(gva, len, Access.READ, true, (h, done, chunk) -> HostAccess.copyOut(h, dst, off + (int) done, chunk));
        if (observer != null) reportChunks(gva, len, Access.READ);
    }

    public byte[] readBytes(long gva, int len) {
        byte[] b = new byte[len];
        readBytes(gva, b, 0, len);
        return b;
    }

    /** Copies guest memory into dst ignoring protection (the debugger, fault reports); PageFault if unmapped. */
    public void peekBytes(long gva, byte[] dst, int off, int len) {
        eachPage(gva, len, Access.READ, false, (h, done, chunk) -> HostAccess.copyOut(h, dst, off + (int) done, chunk));
    }

    /** Copies guest memory into host memory at dst (page by page, read-checked). */
    public void readToHost(long gva, long dst, long len) {
        eachPage(gva, len, Access.READ, true, (h, done, chunk) -> HostAccess.copy(h, dst + done, chunk));
        if (observer != null) reportChunks(gva, len, Access.READ);
    }

    /** Copies src into guest memory, checking write permission page by page (earlier pages are written when a later one faults). */
    public void writeBytes(long gva, byte[] src, int off, int len) {
        if (observer != null) reportChunks(gva, len, Access.WRITE);
        eachPage(gva, len, Access.WRITE, true, (h, done, chunk) -> HostAccess.copyIn(src, off + (int) done, h, chunk));
    }

    /** Copies host memory at src into guest memory (page by page, write-checked). */
    public void writeFromHost(long gva, long src, long len) {
        if (observer != null) reportChunks(gva, len, Access.WRITE);
        eachPage(gva, len, Access.WRITE, true, (h, done, chunk) -> HostAccess.copy(src + done, h, chunk));
    }

    /** Copies src into guest memory ignoring protection (the ELF loader and the debugger). */
    public void pokeBytes(long gva, byte[] src, int off, int len) {
        eachPage(gva, len, Access.WRITE, false, (h, done, chunk) -> HostAccess.copyIn(src, off + (int) done, h, chunk));
    }

    /** Stores value into [gva, gva+len) with write permission checks. */
    public void fill(long gva, long len, byte value) {
        if (observer != null) reportChunks(gva, len, Access.WRITE);
        eachPage(gva, len, Access.WRITE, true, (h, done, chunk) -> HostAccess.fill(h, chunk, value));
    }

    /**
     * Reports a bulk access page-sized piece by piece with value 0 (see {@link MemoryObserver}): reads
     * after they happened, writes before (a watchpoint can still read the old bytes).
     */
    private void reportChunks(long gva, long len, Access kind) {
        long done = 0;
        while (done < len) {
            long at = gva + done;
            int chunk = (int) Math.min(len - done, PAGE_SIZE - (at & PAGE_MASK));
            report(at, chunk, kind, 0);
            done += chunk;
        }
    }

    /** Reads a NUL-terminated string of at most max bytes (without the NUL); null if no NUL within max. */
    public byte[] readCString(long gva, int max) {
        byte[] buf = new byte[Math.min(max, 256)];
        int n = 0;
        while (n < max) {
            long at = gva + n;
            int chunk = (int) Math.min(max - n, PAGE_SIZE - (at & PAGE_MASK));
            if (n + chunk > buf.length) buf = Arrays.copyOf(buf, Math.min(max, Math.max(buf.length * 2, n + chunk)));
            readBytes(at, buf, n, chunk); // one page at most: readable as a whole or not at all
            for (int i = n; i < n + chunk; i++) if (buf[i] == 0) return Arrays.copyOf(buf, i);
            n += chunk;
        }
        return null;
    }

    /**
     * Checks that [gva, gva+size) may be written, faulting as a write would (at the first page that
     * may not), without writing; pages shared copy-on-write get their copies.
     */
    public void probeWrite(long gva, int size) {
        for (long p = gva & ~PAGE_MASK; Long.compareUnsigned(p, gva + size) < 0; p += PAGE_SIZE) {
            translate(Math.max(p, gva), Access.WRITE);
        }
    }

    /** Little-endian load of size (1, 2, 4 or 8) bytes, which may cross a page. */
    private long readValue(long gva, int size) {
        if ((gva & PAGE_MASK) <= PAGE_SIZE - size) {
            long stamp = lock.readLock();
            try {
                long h = tryResolve(gva, Access.READ, true, null); // a read needs no preparation
                return switch (size) {
                    case 1 -> HostAccess.getByte(h) & 0xFF;
                    case 2 -> HostAccess.getShort(h) & 0xFFFF;
                    case 4 -> HostAccess.getInt(h) & 0xFFFFFFFFL;
                    default -> HostAccess.getLong(h);
                };
            } finally {
                lock.unlockRead(stamp);
            }
        }
        byte[] b = new byte[size];
        eachPage(gva, size, Access.READ, true, (h, done, chunk) -> HostAccess.copyOut(h, b, (int) done, chunk));
        long v = 0;
        for (int i = size - 1; i >= 0; i--) v = (v << 8) | (b[i] & 0xFF);
        return v;
    }

    /** Little-endian store of size (1, 2, 4 or 8) bytes; a store crossing into a page it may not write changes nothing. */
    private void writeValue(long gva, int size, long v) {
        if ((gva & PAGE_MASK) <= PAGE_SIZE - size) {
            while (true) {
                long h;
                long stamp = lock.readLock();
                try {
                    h = tryResolve(gva, Access.WRITE, true, null);
                    if (h >= 0) {
                        switch (size) {
                            case 1 -> HostAccess.putByte(h, (byte) v);
                            case 2 -> HostAccess.putShort(h, (short) v);
                            case 4 -> HostAccess.putInt(h, (int) v);
                            default -> HostAccess.putLong(h, v);
                        }
                        return;
                    }
                } finally {
                    lock.unlockRead(stamp);
                }
                prepareWrite(gva, h, null);
            }
        }
        probeWrite(gva, size);
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) b[i] = (byte) (v >>> (8 * i));
        eachPage(gva, size, Access.WRITE, true, (h, done, chunk) -> HostAccess.copyIn(b, (int) done, h, chunk));
    }

    public int read8(long gva) {
        return (int) observedRead(gva, 1);
    }

    public int read16(long gva) {
        return (int) observedRead(gva, 2);
    }

    public int read32(long gva) {
        return (int) observedRead(gva, 4);
    }

    public long read64(long gva) {
        return observedRead(gva, 8);
    }

    private long observedRead(long gva, int size) {
        long v = readValue(gva, size);
        if (observer != null) report(gva, size, Access.READ, v);
        return v;
    }

    private void observedWrite(long gva, int size, long v) {
        if (observer != null) {
            probeWrite(gva, size); // a store that faults is not reported
            report(gva, size, Access.WRITE, size == 8 ? v : v & ((1L << (8 * size)) - 1));
        }
        writeValue(gva, size, v);
    }

    /** Reads an instruction byte: needs execute permission. */
    @Override
    public int fetch8(long gva) {
        byte[] b = new byte[1];
        eachPage(gva, 1, Access.EXECUTE, true, (h, done, chunk) -> b[0] = HostAccess.getByte(h));
        return b[0] & 0xFF;
    }

    public void write8(long gva, int v) {
        observedWrite(gva, 1, v);
    }

    public void write16(long gva, int v) {
        observedWrite(gva, 2, v);
    }

    public void write32(long gva, int v) {
        observedWrite(gva, 4, v);
    }

    public void write64(long gva, long v) {
        observedWrite(gva, 8, v);
    }
}
