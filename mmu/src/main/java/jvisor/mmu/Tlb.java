package jvisor.mmu;

import static jvisor.mmu.HostMemory.PAGE_MASK;
import static jvisor.mmu.HostMemory.PAGE_SIZE;

import java.util.Arrays;

/**
 * The software TLB of one vCPU: the vCPU's loads, stores and instruction fetches go through it.
 * It caches, per guest page, the distance to its host page and which accesses are allowed, in a
 * direct-mapped table, so a load is a tag compare and a host move; a miss asks the
 * {@link AddressSpace} and refills the slot.
 *
 * <p>Only the owning thread uses a TLB. Other threads change the address space and then make
 * every TLB catch up before host memory is released or an access right removed (see the protocol
 * in {@link AddressSpace}): the owner publishes whether it is running guest code
 * ({@link #enter}, {@link #leave}) and the address-space epoch it has caught up with, and checks
 * the epoch at every block boundary ({@link #stale}, {@link #sync}) and inside long instructions
 * ({@link #poll}). Code that holds a host address from this TLB must not cross such a check: a
 * host address is valid until the next block boundary, poll, or slow-path translation for write.
 *
 * <p>The write tag of a page is set only when a write may go to the host page in place: the
 * page is writable, no vCPU decoded code from it (so the first write reaches the slow path and
 * drops the decoded blocks), and no other address space shares it copy-on-write.
 */
public final class Tlb implements CodeSource, GuestMemory {
    private static final int TLB_BITS = 10;
    private static final int TLB_SIZE = 1 << TLB_BITS;
    private static final int TLB_MASK = TLB_SIZE - 1;
    private static final long NO_PAGE = -1L; // never a page address: low bits set


    // tag = guest page address if that access is allowed, else NO_PAGE.
    private final long[] readTag = new long[TLB_SIZE];
    private final long[] writeTag = new long[TLB_SIZE];
    private final long[] execTag = new long[TLB_SIZE];
    /** hva - gva for the page in the slot. */
    private final long[] addend = new long[TLB_SIZE];

    private AddressSpace space;
    private boolean attached;

    /** True while the owner runs guest code (and so may hold host addresses from this TLB). */
    volatile boolean inGuest;
    /** The address-space epoch this TLB has caught up with; threads that change the mapping wait for it. */
    volatile long published = -1;
    /** The owner's copy of {@link #published}, for the check at every block boundary. */
    private long synced = -1;
    private long seenTlbEpoch, seenCodeEpoch;
    private CodeListener listener = page -> {};

    /**
     * Pages this TLB has seen marked as code (see {@link #markCode}), direct-mapped by page number,
     * valid while the space's code epoch is {@link #codeTagEpoch}: every unmarking (a write to the
     * page, munmap, exec) moves the epoch. A decoded block marks its page before its bytes are
     * fetched; without this, each of hello's 905 blocks took the space's read lock to learn its
     * page was marked already: marking took 1.2-2.3 ms of hello's guest, 0.6-0.8 ms now (6 runs
     * each), in the JVM's interpreter.
     */
    private static final int CODE_SLOTS = 16;
    private final long[] codeTag = newCodeTags();
    private long codeTagEpoch = -1;

    private static long[] newCodeTags() {
        long[] t = new long[CODE_SLOTS];
        java.util.Arrays.fill(t, -1L);
        return t;
    }

    /** A TLB attached to space. */
    public Tlb(AddressSpace space) {
        flush();
        attach(space);
    }

    public AddressSpace space() {
        return space;
    }

    /** Told (on the owner's thread) when code pages of the address space change. */
    public void setCodeListener(CodeListener listener) {
        this.listener = listener;
    }

    /** Moves this TLB to another address space (execve); it starts empty. */
    public void attach(AddressSpace s) {
        detach();
        flush();
        space = s;
        synced = -1; // the next enter() or stale() check catches up
        seenTlbEpoch = s.tlbEpoch;
        seenCodeEpoch = s.codeEpoch;
        codeTagEpoch = -1; // another space: nothing known of its code pages
        s.attach(this);
        attached = true;
    }

    /**
     * Detaches from the address space: the vCPU is gone (its thread exited), so mapping changes no
     * longer wait for it. The TLB must not be used again unless re-attached.
     */
    public void detach() {
        inGuest = false;
        if (attached) {
            space.detach(this);
            attached = false;
        }
    }

    // ---------------------------------------------------------------- the catch-up protocol

    /** The owner starts running guest code: from here on, mapping changes wait for this TLB. */
    public void enter() {
        inGuest = true; // a volatile store, ordered before the epoch load below
        if (space.epoch != synced) sync();
    }

    /** The owner stopped running guest code (a VM exit): it holds no host address any more. */
    public void leave() {
        inGuest = false;
    }

    /** True when the address space changed since this TLB last caught up: call {@link #sync} at the next boundary. */
    public boolean stale() {
        return space.epoch != synced;
    }

    /** Inside a long instruction, between iterations that hold no host address: catches up if needed. */
    public void poll() {
        if (space.epoch != synced) sync();
    }

    /** Catches up with the address space: drops stale translations and tells the listener about changed code. */
    public void sync() {
        AddressSpace s = space;
        long e = s.epoch; // read first: the counters below are at least as new
        long t = s.tlbEpoch;
        if (t != seenTlbEpoch) {
            seenTlbEpoch = t;
            flush();
        }
        long c = s.codeEpoch;
        if (c != seenCodeEpoch) {
            seenCodeEpoch = c;
            listener.codePageChanged(-1);
        }
        synced = e;
        published = e;
    }

    /** This TLB's own write changed code: its listener hears it now, the other vCPUs at their next boundary. */
    void codeChangedHere(long page, long newCodeEpoch) {
        listener.codePageChanged(page);
        if (seenCodeEpoch == newCodeEpoch - 1) seenCodeEpoch = newCodeEpoch; // nothing else changed since
    }

    /** The address space's observer of data accesses (see {@link AddressSpace#setObserver}). */
    public MemoryObserver observer() {
        return space.observer();
    }

    public void setObserver(MemoryObserver observer) {
        space.setObserver(observer);
    }

    public void flush() {
        Arrays.fill(readTag, NO_PAGE);
        Arrays.fill(writeTag, NO_PAGE);
        Arrays.fill(execTag, NO_PAGE);
    }

    private static int slot(long gva) {
        return (int) (gva >>> 12) & TLB_MASK;
    }

    /** Enters a translation of the guest page at page to host page host. */
    void install(long page, long host, int prot, boolean writeInPlace) {
        int s = slot(page);
        addend[s] = host - page;
        readTag[s] = (prot & Prot.READ) != 0 ? page : NO_PAGE;
        writeTag[s] = (prot & Prot.WRITE) != 0 && writeInPlace ? page : NO_PAGE;
        execTag[s] = (prot & Prot.EXEC) != 0 ? page : NO_PAGE;
    }

    /** Forgets the translation of one page. */
    void drop(long page) {
        int s = slot(page);
        if (readTag[s] == page || writeTag[s] == page || execTag[s] == page) {
            readTag[s] = NO_PAGE;
            writeTag[s] = NO_PAGE;
            execTag[s] = NO_PAGE;
        }
    }

    /** Takes write permission away from one page (it became a code page). */
    void dropWrite(long page) {
        int s = slot(page);
        if (writeTag[s] == page) writeTag[s] = NO_PAGE;
    }

    // ---------------------------------------------------------------- translation

    /**
     * Translates gva for an access of the given kind, filling the TLB on a miss. A write to a page
     * shared copy-on-write copies it first, which may wait for the other vCPUs of the address
     * space: host addresses obtained before this call may then be stale.
     *
     * @return the host address of gva
     * @throws PageFault if the page is not mapped or the access is not allowed
     */
    public long translate(long gva, Access access) {
        int s = slot(gva);
        long page = gva & ~PAGE_MASK;
        long[] tags = access == Access.READ ? readTag : access == Access.WRITE ? writeTag : execTag;
        if (tags[s] == page) return gva + addend[s];
        return space.refill(this, gva, access);
    }

    /**
     * The host address of gva for a read-modify-write of memory: faults as the load would, then
     * as the store would (LOCK-prefixed and other atomic instructions).
     */
    public long translateForUpdate(long gva) {
        int s = slot(gva);
        long page = gva & ~PAGE_MASK;
        if (writeTag[s] == page && readTag[s] == page) return gva + addend[s];
        translate(gva, Access.READ);
        return translate(gva, Access.WRITE);
    }

    /**
     * Marks the page holding gva as holding decoded code: from now on a write to it, by any vCPU or
     * the kernel, reaches the slow path and tells every vCPU's listener. Call before fetching the
     * bytes to decode.
     *
     * @return true if the page was not marked before
     */
    public boolean markCode(long gva) {
        long page = gva & ~PAGE_MASK;
        int s = (int) (page >>> 12) & (CODE_SLOTS - 1);
        // Read before asking the space: a page unmarked from here on moves the epoch past it.
        long epoch = space.codeEpoch;
        if (codeTag[s] == page && codeTagEpoch == epoch) return false;
        int found = space.markCode(gva, this);
        if (codeTagEpoch != epoch) {
            java.util.Arrays.fill(codeTag, -1L);
            codeTagEpoch = epoch;
        }
        if (found != AddressSpace.CODE_NOT_MAPPED) codeTag[s] = page;
        return found == AddressSpace.CODE_MARKED_NOW;
    }

    // ---------------------------------------------------------------- loads

    // The loads and stores call the fast paths of the section for translated code below, with
    // this TLB's arrays.

    public int read8(long gva) {
        return read8(this, readTag, addend, gva);
    }

    /** Out of line, so the fast path stays small enough to inline everywhere. */
    private int read8Slow(long gva) {
        int v = HostAccess.getByte(translate(gva, Access.READ)) & 0xFF;
        space.report(gva, 1, Access.READ, v);
        return v;
    }

    public int read16(long gva) {
        return read16(this, readTag, addend, gva);
    }

    public int read32(long gva) {
        return read32(this, readTag, addend, gva);
    }

    public long read64(long gva) {
        return read64(this, readTag, addend, gva);
    }

    /**
     * The host address of the size bytes at gva if this TLB already lets them all be read in
     * place (they lie in one page whose entry allows reading), else -1, having done nothing: the
     * caller then reads them with {@link #read64} and the like, whose slow paths fault, fill the
     * TLB and tell observers. One tag compare for all the quadwords of a vector operand, where
     * reading them one by one took one each.
     */
    public long readableInPlace(long gva, int size) {
        return inPlace(readTag, addend, gva, size);
    }

    // ---------------------------------------------------------------- for translated code

    // The fast paths are what translated guest code inlines at every memory access, and
    // HotSpot's C2 stops inlining once a method and its inlined callees pass DesiredMethodLimit
    // (8000 bytes of bytecode): so they are kept to the fewest bytecodes. The slot is computed
    // inline rather than through slot(). A multi-byte access compares the slot of its first
    // byte with the page of its last byte: they match only when the whole access lies in one
    // page that hits (the next page always has another slot), one compare where there were two.
    //
    // They take the TLB's arrays as arguments. Code translated for a vCPU (jvisor.cpu.jit) passes
    // the arrays of that vCPU's TLB as constants of its class: the JVM's compiler then knows their
    // length, so a slot (masked to it) needs no range check, and it loads neither field nor
    // length. At a guest memory access in C2's code: two range checks and four loads less, the
    // arrays' addresses immediates. The arrays are final, and a translation runs only on the
    // vCPU it was made for (its blocks are that vCPU's).

    /** This TLB's read tags, for {@link #read64(Tlb, long[], long[], long)} and the like. */
    public long[] readTags() {
        return readTag;
    }

    /** This TLB's write tags, for {@link #write64(Tlb, long[], long[], long, long)} and the like. */
    public long[] writeTags() {
        return writeTag;
    }

    /** hva - gva per slot, for the static fast paths. */
    public long[] addends() {
        return addend;
    }

    public static int read8(Tlb t, long[] readTag, long[] addend, long gva) {
        int s = (int) (gva >>> 12) & TLB_MASK;
        if (readTag[s] == (gva & ~PAGE_MASK)) return HostAccess.getByte(gva + addend[s]) & 0xFF;
        return t.read8Slow(gva);
    }

    public static int read16(Tlb t, long[] readTag, long[] addend, long gva) {
        int s = (int) (gva >>> 12) & TLB_MASK;
        if (readTag[s] == ((gva + 1) & ~PAGE_MASK)) return HostAccess.getShort(gva + addend[s]) & 0xFFFF;
        return (int) t.readSlow(gva, 2, Access.READ);
    }

    public static int read32(Tlb t, long[] readTag, long[] addend, long gva) {
        int s = (int) (gva >>> 12) & TLB_MASK;
        if (readTag[s] == ((gva + 3) & ~PAGE_MASK)) return HostAccess.getInt(gva + addend[s]);
        return (int) t.readSlow(gva, 4, Access.READ);
    }

    public static long read64(Tlb t, long[] readTag, long[] addend, long gva) {
        int s = (int) (gva >>> 12) & TLB_MASK;
        if (readTag[s] == ((gva + 7) & ~PAGE_MASK)) return HostAccess.getLong(gva + addend[s]);
        return t.readSlow(gva, 8, Access.READ);
    }

    public static void write8(Tlb t, long[] writeTag, long[] addend, long gva, int v) {
        int s = (int) (gva >>> 12) & TLB_MASK;
        if (writeTag[s] == (gva & ~PAGE_MASK)) HostAccess.putByte(gva + addend[s], (byte) v);
        else t.write8Slow(gva, v);
    }

    public static void write16(Tlb t, long[] writeTag, long[] addend, long gva, int v) {
        int s = (int) (gva >>> 12) & TLB_MASK;
        if (writeTag[s] == ((gva + 1) & ~PAGE_MASK)) HostAccess.putShort(gva + addend[s], (short) v);
        else t.writeSlow(gva, 2, v);
    }

    public static void write32(Tlb t, long[] writeTag, long[] addend, long gva, int v) {
        int s = (int) (gva >>> 12) & TLB_MASK;
        if (writeTag[s] == ((gva + 3) & ~PAGE_MASK)) HostAccess.putInt(gva + addend[s], v);
        else t.writeSlow(gva, 4, v);
    }

    public static void write64(Tlb t, long[] writeTag, long[] addend, long gva, long v) {
        int s = (int) (gva >>> 12) & TLB_MASK;
        if (writeTag[s] == ((gva + 7) & ~PAGE_MASK)) HostAccess.putLong(gva + addend[s], v);
        else t.writeSlow(gva, 8, v);
    }

    /** {@link #readableInPlace} or {@link #writableInPlace}, by the tags given. */
    public static long inPlace(long[] tags, long[] addend, long gva, int size) {
        int s = (int) (gva >>> 12) & TLB_MASK;
        return tags[s] == ((gva + size - 1) & ~PAGE_MASK) ? gva + addend[s] : -1;
    }

    /** Reads an instruction byte: needs execute permission. */
    @Override
    public int fetch8(long gva) {
        int s = (int) (gva >>> 12) & TLB_MASK;
        if (execTag[s] == (gva & ~PAGE_MASK)) return HostAccess.getByte(gva + addend[s]) & 0xFF;
        return HostAccess.getByte(translate(gva, Access.EXECUTE)) & 0xFF;
    }

    /** Little-endian load of size bytes that may cross a page boundary. */
    private long readSlow(long gva, int size, Access access) {
        long v = 0;
        if ((gva & PAGE_MASK) <= PAGE_SIZE - size) {
            long h = translate(gva, access);
            for (int i = size - 1; i >= 0; i--) v = (v << 8) | (HostAccess.getByte(h + i) & 0xFF);
        } else {
            // Check both pages before reading anything, so a fault leaves no partial effect.
            translateBoth(gva, size, access);
            for (int i = size - 1; i >= 0; i--) v = (v << 8) | (HostAccess.getByte(translate(gva + i, access)) & 0xFF);
        }
        space.report(gva, size, access, v);
        return v;
    }

    // ---------------------------------------------------------------- stores

    public void write8(long gva, int v) {
        write8(this, writeTag, addend, gva, v);
    }

    private void write8Slow(long gva, int v) {
        long h = translate(gva, Access.WRITE);
        space.report(gva, 1, Access.WRITE, v & 0xFF);
        HostAccess.putByte(h, (byte) v);
    }

    public void write16(long gva, int v) {
        write16(this, writeTag, addend, gva, v);
    }

    public void write32(long gva, int v) {
        write32(this, writeTag, addend, gva, v);
    }

    public void write64(long gva, long v) {
        write64(this, writeTag, addend, gva, v);
    }

    /** As {@link #readableInPlace}, for writing: -1 unless the entry lets the whole range be written in place. */
    public long writableInPlace(long gva, int size) {
        return inPlace(writeTag, addend, gva, size);
    }

    /**
     * Checks that [gva, gva+size) (size at most a page) may be written, faulting as the write would,
     * without writing. Read-modify-write instructions probe before they record flags, so a store
     * that faults leaves the flags as they were (an instruction that faults has no effect).
     */
    public void probeWrite(long gva, int size) {
        int s = slot(gva);
        if (writeTag[s] == (gva & ~PAGE_MASK) && (gva & PAGE_MASK) <= PAGE_SIZE - size) return;
        translateBoth(gva, size, Access.WRITE);
    }

    private void writeSlow(long gva, int size, long v) {
        // Check both pages before writing anything, so a fault leaves memory untouched.
        translateBoth(gva, size, Access.WRITE);
        space.report(gva, size, Access.WRITE, size == 8 ? v : v & ((1L << (8 * size)) - 1));
        for (int i = 0; i < size; i++) HostAccess.putByte(translate(gva + i, Access.WRITE), (byte) (v >>> (8 * i)));
    }

    /**
     * Translates both pages of an access that crosses a page boundary, faulting where the CPU
     * does: an access whose end leaves the canonical range faults there first (the CPU checks the
     * whole access against the canonical range before paging: #GP or #SS, SDM Vol. 3A 6.15; a
     * non-canonical address is never mapped, so its PageFault carries it to the CPU, which
     * classifies it), otherwise at the first unusable page in address order.
     */
    private void translateBoth(long gva, int size, Access access) {
        long second = AddressSpace.secondPage(gva, size);
        if ((second >> 47) != 0 && (second >> 47) != -1) translate(second, access);
        translate(gva, access);
        translate(second, access);
    }

    /** Stores value into [gva, gva+len), page by page with write checks (REP STOS of one repeated byte). */
    public void fill(long gva, long len, byte value) {
        long done = 0;
        while (done < len) {
            long at = gva + done;
            long chunk = Math.min(len - done, PAGE_SIZE - (at & PAGE_MASK));
            long h = translate(at, Access.WRITE);
            space.report(at, (int) chunk, Access.WRITE, 0);
            HostAccess.fill(h, chunk, value);
            done += chunk;
        }
    }
}
