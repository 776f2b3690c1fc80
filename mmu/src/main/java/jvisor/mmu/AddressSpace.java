package jvisor.mmu;

import static jvisor.mmu.HostMemory.HOST;
import static jvisor.mmu.HostMemory.PAGE_MASK;
import static jvisor.mmu.HostMemory.PAGE_SIZE;

import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A guest address space: guest virtual addresses mapped straight to host virtual addresses in
 * regions, with no guest page tables (the NanoPVM model). Regions live in a red-black tree
 * ({@link TreeMap}) keyed by guest start address.
 *
 * <p>The common case never touches the tree: a direct-mapped software TLB caches, per guest
 * page, the distance to its host page and which accesses are allowed, so a load is a tag compare
 * and a host move. Any change of the mapping flushes the TLB.
 *
 * <p>Pages that the CPU decoded code from are "code pages": they are never entered in the write
 * TLB, so the first write to one takes the slow path and tells the {@link CodeListener}.
 *
 * <p>Not thread-safe: one vCPU thread uses an address space at a time in this version.
 */
public final class AddressSpace {
    /** Lowest address mmap hands out without MAP_FIXED (Linux's default vm.mmap_min_addr). */
    public static final long MIN_ADDRESS = 0x10000L;
    /** One past the highest user address of x86-64 with 4-level paging. */
    public static final long USER_END = 0x0000_8000_0000_0000L;

    private static final int TLB_BITS = 10;
    private static final int TLB_SIZE = 1 << TLB_BITS;
    private static final int TLB_MASK = TLB_SIZE - 1;
    private static final long NO_PAGE = -1L; // never a page address: low bits set

    private static final ValueLayout.OfByte U8 = ValueLayout.JAVA_BYTE;
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED;

    private final TreeMap<Long, Region> regions = new TreeMap<>(Long::compareUnsigned);

    // The software TLB: tag = guest page address if that access is allowed, else NO_PAGE.
    private final long[] readTag = new long[TLB_SIZE];
    private final long[] writeTag = new long[TLB_SIZE];
    private final long[] execTag = new long[TLB_SIZE];
    /** hva - gva for the page in the slot. */
    private final long[] addend = new long[TLB_SIZE];

    private final LongSet codePages = new LongSet();
    private CodeListener codeListener = page -> {};
    /** Null unless a debugger, a hook or a trace watches data accesses. */
    private MemoryObserver observer;

    private Region lastRegion;
    private long generation;

    public AddressSpace() {
        flushTlb();
    }

    public void setCodeListener(CodeListener listener) {
        this.codeListener = listener;
    }

    /**
     * Installs (or with null removes) the observer of data accesses. The TLB is flushed, so the
     * pages it covers are seen from the next access on.
     */
    public void setObserver(MemoryObserver observer) {
        this.observer = observer;
        flushTlb();
    }

    public MemoryObserver observer() {
        return observer;
    }

    /** Bumped on every change of the mapping; caches keyed on the mapping compare it. */
    public long generation() {
        return generation;
    }

    // ---------------------------------------------------------------- mapping

    /**
     * Maps [gva, gva+length) to host memory at hva with the given protection, replacing whatever
     * was mapped there (as mmap with MAP_FIXED does).
     */
    public void map(long gva, long length, int prot, long hva, Backing backing, String name, long fileOffset) {
        checkRange(gva, length);
        unmap(gva, length);
        regions.put(gva, new Region(gva, gva + length, prot, hva, backing, name == null ? "" : name, fileOffset));
        changed();
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
        long end = gva + length;
        for (Region r : overlapping(gva, end)) {
            regions.remove(r.start());
            long cutFrom = Math.max(r.start(), gva), cutTo = Math.min(r.end(), end);
            if (r.start() < cutFrom) regions.put(r.start(), r.slice(r.start(), cutFrom, r.prot()));
            if (cutTo < r.end()) regions.put(cutTo, r.slice(cutTo, r.end(), r.prot()));
            dropCodePages(cutFrom, cutTo);
            r.backing().release(r.hostAddress(cutFrom), cutTo - cutFrom);
        }
        changed();
    }

    /**
     * Changes the protection of [gva, gva+length).
     *
     * @return false, changing nothing, if part of the range is not mapped (mprotect's ENOMEM)
     */
    public boolean protect(long gva, long length, int prot) {
        checkRange(gva, length);
        long end = gva + length;
        if (!isFullyMapped(gva, end)) return false;
        for (Region r : overlapping(gva, end)) {
            regions.remove(r.start());
            long from = Math.max(r.start(), gva), to = Math.min(r.end(), end);
            if (r.start() < from) regions.put(r.start(), r.slice(r.start(), from, r.prot()));
            regions.put(from, r.slice(from, to, prot));
            if (to < r.end()) regions.put(to, r.slice(to, r.end(), r.prot()));
            if ((prot & Prot.EXEC) == 0) dropCodePages(from, to);
        }
        changed();
        return true;
    }

    /** Renames [gva, gva+length) for /proc/self/maps (e.g. "[heap]") without changing the mapping. */
    public void rename(long gva, long length, String name) {
        long end = gva + length;
        for (Region r : overlapping(gva, end)) {
            regions.remove(r.start());
            long from = Math.max(r.start(), gva), to = Math.min(r.end(), end);
            if (r.start() < from) regions.put(r.start(), r.slice(r.start(), from, r.prot()));
            Region mid = r.slice(from, to, r.prot());
            regions.put(from, new Region(mid.start(), mid.end(), mid.prot(), mid.hva(), mid.backing(), name, mid.fileOffset()));
            if (to < r.end()) regions.put(to, r.slice(to, r.end(), r.prot()));
        }
        changed();
    }

    /** The region containing gva, or null. */
    public Region find(long gva) {
        Region last = lastRegion;
        if (last != null && last.contains(gva)) return last;
        Map.Entry<Long, Region> e = regions.floorEntry(gva);
        if (e == null || !e.getValue().contains(gva)) return null;
        lastRegion = e.getValue();
        return lastRegion;
    }

    /** All regions in address order (a snapshot). */
    public List<Region> regions() {
        return new ArrayList<>(regions.values());
    }

    public boolean isFullyMapped(long gva, long end) {
        long at = gva;
        while (Long.compareUnsigned(at, end) < 0) {
            Region r = find(at);
            if (r == null) return false;
            at = r.end();
        }
        return true;
    }

    public boolean isFree(long gva, long end) {
        return overlapping(gva, end).isEmpty();
    }

    /**
     * The highest free range of the given length that ends at or below {@code below} and starts at
     * or above {@link #MIN_ADDRESS} (Linux's top-down mmap layout), or -1 if there is none.
     */
    public long findFreeTopDown(long length, long below) {
        long candidateEnd = below & ~PAGE_MASK;
        Map.Entry<Long, Region> e = regions.lowerEntry(candidateEnd);
        while (true) {
            if (e != null && Long.compareUnsigned(e.getValue().end(), candidateEnd) > 0) {
                candidateEnd = e.getValue().start();
                e = regions.lowerEntry(candidateEnd);
                continue;
            }
            long start = candidateEnd - length;
            if (Long.compareUnsigned(candidateEnd, length) < 0 || Long.compareUnsigned(start, MIN_ADDRESS) < 0) return -1;
            if (e == null || Long.compareUnsigned(e.getValue().end(), start) <= 0) return start;
            candidateEnd = e.getValue().start();
            e = regions.lowerEntry(candidateEnd);
        }
    }

    private List<Region> overlapping(long gva, long end) {
        List<Region> out = new ArrayList<>();
        Map.Entry<Long, Region> first = regions.floorEntry(gva);
        Collection<Region> tail = regions.tailMap(first != null ? first.getKey() : gva, true).values();
        for (Region r : tail) {
            if (Long.compareUnsigned(r.start(), end) >= 0) break;
            if (Long.compareUnsigned(r.end(), gva) > 0) out.add(r);
        }
        return out;
    }

    private static void checkRange(long gva, long length) {
        if ((gva & PAGE_MASK) != 0 || (length & PAGE_MASK) != 0 || length <= 0
                || Long.compareUnsigned(gva + length, USER_END) > 0 || Long.compareUnsigned(gva + length, gva) < 0) {
            throw new IllegalArgumentException(String.format("bad guest range 0x%x+0x%x", gva, length));
        }
    }

    private void changed() {
        lastRegion = null;
        generation++;
        flushTlb();
    }

    public void flushTlb() {
        Arrays.fill(readTag, NO_PAGE);
        Arrays.fill(writeTag, NO_PAGE);
        Arrays.fill(execTag, NO_PAGE);
    }

    // ---------------------------------------------------------------- code pages

    /** Marks the page holding gva as holding decoded code: writes to it will be reported. */
    public void markCode(long gva) {
        long page = gva & ~PAGE_MASK;
        if (codePages.add(page)) {
            int slot = slot(page);
            if (writeTag[slot] == page) writeTag[slot] = NO_PAGE;
        }
    }

    private void dropCodePages(long from, long to) {
        if (codePages.size() == 0) return;
        for (long page : codePages.keysInRange(from, to)) {
            codePages.remove(page);
            codeListener.codePageChanged(page);
        }
    }

    // ---------------------------------------------------------------- translation

    private static int slot(long gva) {
        return (int) (gva >>> 12) & TLB_MASK;
    }

    /**
     * Translates gva for an access of the given kind, filling the TLB.
     *
     * @return the host address of gva
     * @throws PageFault if the page is not mapped or the access is not allowed
     */
    public long translate(long gva, Access access) {
        Region r = find(gva);
        if (r == null) throw new PageFault(gva, access, false);
        if ((r.prot() & access.protBit) == 0) throw new PageFault(gva, access, true);
        long page = gva & ~PAGE_MASK;
        if (access == Access.WRITE && codePages.contains(page)) {
            codePages.remove(page);
            codeListener.codePageChanged(page);
        }
        MemoryObserver o = observer;
        if (o != null && o.covers(page)) return r.hostAddress(gva); // stays out of the TLB: every access reports
        int s = slot(page);
        int prot = r.prot();
        addend[s] = r.hva() - r.start();
        readTag[s] = (prot & Prot.READ) != 0 ? page : NO_PAGE;
        writeTag[s] = (prot & Prot.WRITE) != 0 && !codePages.contains(page) ? page : NO_PAGE;
        execTag[s] = (prot & Prot.EXEC) != 0 ? page : NO_PAGE;
        return gva + addend[s];
    }

    /** Host address of gva ignoring protection (the debugger and the loader), or throws PageFault if unmapped. */
    public long translateIgnoringProtection(long gva) {
        Region r = find(gva);
        if (r == null) throw new PageFault(gva, Access.READ, false);
        return r.hostAddress(gva);
    }

    // ---------------------------------------------------------------- loads

    public int read8(long gva) {
        int s = slot(gva);
        if (readTag[s] == (gva & ~PAGE_MASK)) return HOST.get(U8, gva + addend[s]) & 0xFF;
        return read8Slow(gva);
    }

    /** Out of line, so the fast path stays small enough to inline everywhere. */
    private int read8Slow(long gva) {
        int v = HOST.get(U8, translate(gva, Access.READ)) & 0xFF;
        if (observer != null) report(gva, 1, Access.READ, v);
        return v;
    }

    public int read16(long gva) {
        int s = slot(gva);
        if (readTag[s] == (gva & ~PAGE_MASK) && (gva & PAGE_MASK) <= PAGE_SIZE - 2) return HOST.get(U16, gva + addend[s]) & 0xFFFF;
        return (int) readSlow(gva, 2, Access.READ);
    }

    public int read32(long gva) {
        int s = slot(gva);
        if (readTag[s] == (gva & ~PAGE_MASK) && (gva & PAGE_MASK) <= PAGE_SIZE - 4) return HOST.get(U32, gva + addend[s]);
        return (int) readSlow(gva, 4, Access.READ);
    }

    public long read64(long gva) {
        int s = slot(gva);
        if (readTag[s] == (gva & ~PAGE_MASK) && (gva & PAGE_MASK) <= PAGE_SIZE - 8) return HOST.get(U64, gva + addend[s]);
        return readSlow(gva, 8, Access.READ);
    }

    /** Reads an instruction byte: needs execute permission. */
    public int fetch8(long gva) {
        int s = slot(gva);
        if (execTag[s] == (gva & ~PAGE_MASK)) return HOST.get(U8, gva + addend[s]) & 0xFF;
        return HOST.get(U8, translate(gva, Access.EXECUTE)) & 0xFF;
    }

    /** Little-endian load of size bytes that may cross a page boundary. */
    private long readSlow(long gva, int size, Access access) {
        long v = 0;
        if ((gva & PAGE_MASK) <= PAGE_SIZE - size) {
            long h = translate(gva, access);
            for (int i = size - 1; i >= 0; i--) v = (v << 8) | (HOST.get(U8, h + i) & 0xFF);
        } else {
            // Check both pages before reading anything, so a fault leaves no partial effect.
            translate(gva, access);
            translate(secondPage(gva, size), access);
            for (int i = size - 1; i >= 0; i--) v = (v << 8) | (HOST.get(U8, translate(gva + i, access)) & 0xFF);
        }
        if (observer != null) report(gva, size, access, v);
        return v;
    }

    /** The first byte of an access on its second page: what a fault there reports (CR2). */
    private static long secondPage(long gva, int size) {
        return Math.max(gva, (gva + size - 1) & ~PAGE_MASK);
    }

    // ---------------------------------------------------------------- stores

    public void write8(long gva, int v) {
        int s = slot(gva);
        if (writeTag[s] == (gva & ~PAGE_MASK)) HOST.set(U8, gva + addend[s], (byte) v);
        else write8Slow(gva, v);
    }

    private void write8Slow(long gva, int v) {
        long h = translate(gva, Access.WRITE);
        if (observer != null) report(gva, 1, Access.WRITE, v & 0xFF);
        HOST.set(U8, h, (byte) v);
    }

    public void write16(long gva, int v) {
        int s = slot(gva);
        if (writeTag[s] == (gva & ~PAGE_MASK) && (gva & PAGE_MASK) <= PAGE_SIZE - 2) HOST.set(U16, gva + addend[s], (short) v);
        else writeSlow(gva, 2, v);
    }

    public void write32(long gva, int v) {
        int s = slot(gva);
        if (writeTag[s] == (gva & ~PAGE_MASK) && (gva & PAGE_MASK) <= PAGE_SIZE - 4) HOST.set(U32, gva + addend[s], v);
        else writeSlow(gva, 4, v);
    }

    public void write64(long gva, long v) {
        int s = slot(gva);
        if (writeTag[s] == (gva & ~PAGE_MASK) && (gva & PAGE_MASK) <= PAGE_SIZE - 8) HOST.set(U64, gva + addend[s], v);
        else writeSlow(gva, 8, v);
    }

    /**
     * Checks that size bytes at gva may be written, faulting exactly as the store would, without
     * writing. Read-modify-write instructions probe before they record flags, so a store that
     * faults leaves the flags as they were (an instruction that faults has no effect).
     */
    public void probeWrite(long gva, int size) {
        int s = slot(gva);
        if (writeTag[s] == (gva & ~PAGE_MASK) && (gva & PAGE_MASK) <= PAGE_SIZE - size) return;
        translate(gva, Access.WRITE);
        translate(secondPage(gva, size), Access.WRITE);
    }

    private void writeSlow(long gva, int size, long v) {
        // Check both pages before writing anything, so a fault leaves memory untouched.
        translate(gva, Access.WRITE);
        translate(secondPage(gva, size), Access.WRITE);
        if (observer != null) report(gva, size, Access.WRITE, size == 8 ? v : v & ((1L << (8 * size)) - 1));
        for (int i = 0; i < size; i++) HOST.set(U8, translate(gva + i, Access.WRITE), (byte) (v >>> (8 * i)));
    }

    // ---------------------------------------------------------------- bulk copies (the kernel's copy_from_user / copy_to_user)

    /** Copies guest memory into dst; throws PageFault (nothing partial is promised) if any byte is unreadable. */
    public void readBytes(long gva, byte[] dst, int off, int len) {
        int done = 0;
        while (done < len) {
            long at = gva + done;
            int chunk = (int) Math.min(len - done, PAGE_SIZE - (at & PAGE_MASK));
            long h = translate(at, Access.READ);
            java.lang.foreign.MemorySegment.copy(HOST, U8, h, dst, off + done, chunk);
            if (observer != null) report(at, chunk, Access.READ, 0);
            done += chunk;
        }
    }

    public byte[] readBytes(long gva, int len) {
        byte[] b = new byte[len];
        readBytes(gva, b, 0, len);
        return b;
    }

    /** Copies src into guest memory, checking write permission page by page. */
    public void writeBytes(long gva, byte[] src, int off, int len) {
        int done = 0;
        while (done < len) {
            long at = gva + done;
            int chunk = (int) Math.min(len - done, PAGE_SIZE - (at & PAGE_MASK));
            long h = translate(at, Access.WRITE);
            if (observer != null) report(at, chunk, Access.WRITE, 0);
            java.lang.foreign.MemorySegment.copy(src, off + done, HOST, U8, h, chunk);
            done += chunk;
        }
    }

    /** Copies src into guest memory ignoring protection (the ELF loader and the debugger). */
    public void pokeBytes(long gva, byte[] src, int off, int len) {
        int done = 0;
        while (done < len) {
            long at = gva + done;
            int chunk = (int) Math.min(len - done, PAGE_SIZE - (at & PAGE_MASK));
            long page = at & ~PAGE_MASK;
            if (codePages.contains(page)) {
                codePages.remove(page);
                codeListener.codePageChanged(page);
                flushTlb();
            }
            java.lang.foreign.MemorySegment.copy(src, off + done, HOST, U8, translateIgnoringProtection(at), chunk);
            done += chunk;
        }
    }

    /** Tells the observer about an access that touches a page it covers. */
    private void report(long gva, int size, Access kind, long value) {
        MemoryObserver o = observer;
        if (o != null && (o.covers(gva & ~PAGE_MASK) || o.covers((gva + size - 1) & ~PAGE_MASK))) {
            o.accessed(gva, size, kind, value);
        }
    }

    /** Copies guest memory into dst ignoring protection and unobserved (the debugger); throws PageFault if unmapped. */
    public void peekBytes(long gva, byte[] dst, int off, int len) {
        int done = 0;
        while (done < len) {
            long at = gva + done;
            int chunk = (int) Math.min(len - done, PAGE_SIZE - (at & PAGE_MASK));
            java.lang.foreign.MemorySegment.copy(HOST, U8, translateIgnoringProtection(at), dst, off + done, chunk);
            done += chunk;
        }
    }

    /** Reads a NUL-terminated string of at most max bytes (without the NUL); null if no NUL within max. */
    public byte[] readCString(long gva, int max) {
        byte[] buf = new byte[64];
        int n = 0;
        while (n < max) {
            int b = read8(gva + n);
            if (b == 0) return Arrays.copyOf(buf, n);
            if (n == buf.length) buf = Arrays.copyOf(buf, buf.length * 2);
            buf[n++] = (byte) b;
        }
        return null;
    }

    /** Zeroes [gva, gva+len) with write permission checks. */
    public void fill(long gva, long len, byte value) {
        long done = 0;
        while (done < len) {
            long at = gva + done;
            long chunk = Math.min(len - done, PAGE_SIZE - (at & PAGE_MASK));
            long h = translate(at, Access.WRITE);
            if (observer != null) report(at, (int) chunk, Access.WRITE, 0);
            HOST.asSlice(h, chunk).fill(value);
            done += chunk;
        }
    }

    /** Releases every region (process exit). */
    public void clear() {
        if (!regions.isEmpty()) {
            Region first = regions.firstEntry().getValue();
            Region last = regions.lastEntry().getValue();
            long from = first.start(), to = last.end();
            unmap(from, to - from);
        }
    }
}
