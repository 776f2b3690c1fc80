package jvisor.mmu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** AddressSpace.forkCopy: private memory copy-on-write page by page, shared memory shared, host memory freed by its last user. */
class ForkTest {
    private static final long BASE = 0x400000;
    private static final int PAGE = HostMemory.PAGE_SIZE;

    /** A backing that records what is given back (and frees it). */
    private static final class Recording implements Backing {
        final List<long[]> released = new ArrayList<>();
        final boolean shared;

        Recording(boolean shared) {
            this.shared = shared;
        }

        @Override
        public synchronized void release(long hva, long length) {
            released.add(new long[] {hva, length});
            HostMemory.free(hva, length);
        }

        @Override
        public boolean shared() {
            return shared;
        }

        synchronized long releasedBytes() {
            return released.stream().mapToLong(r -> r[1]).sum();
        }
    }

    private static AddressSpace spaceWithPattern(int pages, Backing backing) {
        AddressSpace as = new AddressSpace();
        long hva = HostMemory.allocate((long) pages * PAGE);
        as.map(BASE, (long) pages * PAGE, Prot.RW, hva, backing, "data", 0);
        for (int p = 0; p < pages; p++) as.write64(BASE + (long) p * PAGE, 1000 + p);
        return as;
    }

    @Test
    void writesOfEachSideAreInvisibleToTheOther() {
        AddressSpace parent = spaceWithPattern(4, Backing.ANONYMOUS);
        AddressSpace child = parent.forkCopy();
        child.write64(BASE, 7);
        parent.write64(BASE + PAGE, 8);
        assertEquals(1000, parent.read64(BASE));
        assertEquals(7, child.read64(BASE));
        assertEquals(8, parent.read64(BASE + PAGE));
        assertEquals(1001, child.read64(BASE + PAGE));
        assertEquals(1002, child.read64(BASE + 2 * PAGE));
        assertEquals(1, child.pagesCopied());
        assertEquals(1, parent.pagesCopied());
    }

    @Test
    void readsNeverCopyAndOnlyWrittenPagesAre() {
        AddressSpace parent = spaceWithPattern(64, Backing.ANONYMOUS);
        AddressSpace child = parent.forkCopy();
        long before = AddressSpace.totalPagesCopied();
        byte[] all = new byte[64 * PAGE];
        child.readBytes(BASE, all, 0, all.length);
        parent.readBytes(BASE, all, 0, all.length);
        assertEquals(0, child.pagesCopied() + parent.pagesCopied());
        child.write8(BASE + 5 * PAGE + 3, 0x55);
        child.write8(BASE + 5 * PAGE + 4, 0x66); // the same page again: no second copy
        assertEquals(1, child.pagesCopied());
        assertTrue(AddressSpace.totalPagesCopied() - before >= 1);
        assertEquals(1005, parent.read64(BASE + 5 * PAGE));
        assertEquals(0x66_55_00_03_EDL, child.read64(BASE + 5 * PAGE) & 0xFFFF_FFFF_FFFFL);
    }

    @Test
    void theLastUserOfAPageWritesItInPlace() {
        AddressSpace parent = spaceWithPattern(2, Backing.ANONYMOUS);
        AddressSpace child = parent.forkCopy();
        child.write64(BASE, 1); // child copies; the original is now the parent's alone
        parent.write64(BASE, 2);
        assertEquals(0, parent.pagesCopied());
        child.clear(); // exec in the child: the parent's pages are its own again
        parent.write64(BASE + PAGE, 3);
        assertEquals(0, parent.pagesCopied());
        assertEquals(2, parent.read64(BASE));
        assertEquals(3, parent.read64(BASE + PAGE));
    }

    @Test
    void hostMemoryGoesBackWhenItsLastUserDropsIt() {
        Recording backing = new Recording(false);
        AddressSpace parent = spaceWithPattern(4, backing);
        AddressSpace child = parent.forkCopy();
        parent.unmap(BASE + PAGE, PAGE);
        assertEquals(0, backing.releasedBytes(), "the child still maps the page");
        assertEquals(1001, child.read64(BASE + PAGE));
        child.unmap(BASE + PAGE, PAGE);
        assertEquals(PAGE, backing.releasedBytes());
        child.write64(BASE, 9); // a copy: the original page stays the parent's
        child.clear();
        assertEquals(PAGE, backing.releasedBytes(), "the parent still maps pages 0, 2 and 3");
        parent.clear();
        assertEquals(4L * PAGE, backing.releasedBytes());
    }

    @Test
    void forkOfForkKeepsThreeViews() {
        Recording backing = new Recording(false);
        AddressSpace a = spaceWithPattern(3, backing);
        AddressSpace b = a.forkCopy();
        b.write64(BASE, 20); // b's copy of page 0
        AddressSpace c = b.forkCopy(); // shares b's copy and the original pages
        c.write64(BASE, 30);
        b.write64(BASE + PAGE, 21);
        a.write64(BASE + 2 * PAGE, 12);
        assertEquals(List.of(1000L, 1001L, 12L), List.of(a.read64(BASE), a.read64(BASE + PAGE), a.read64(BASE + 2 * PAGE)));
        assertEquals(List.of(20L, 21L, 1002L), List.of(b.read64(BASE), b.read64(BASE + PAGE), b.read64(BASE + 2 * PAGE)));
        assertEquals(List.of(30L, 1001L, 1002L), List.of(c.read64(BASE), c.read64(BASE + PAGE), c.read64(BASE + 2 * PAGE)));
        a.clear();
        b.clear();
        assertEquals(List.of(30L, 1001L, 1002L), List.of(c.read64(BASE), c.read64(BASE + PAGE), c.read64(BASE + 2 * PAGE)));
        c.write64(BASE + PAGE, 31); // c is the last user now: in place
        assertEquals(1, c.pagesCopied());
        c.clear();
        assertEquals(3L * PAGE, backing.releasedBytes());
    }

    @Test
    void protectOnACopyOnWriteRegionAffectsOneSide() {
        AddressSpace parent = spaceWithPattern(2, Backing.ANONYMOUS);
        AddressSpace child = parent.forkCopy();
        assertTrue(parent.protect(BASE, 2L * PAGE, Prot.READ));
        PageFault f = assertThrows(PageFault.class, () -> parent.write64(BASE, 1));
        assertTrue(f.mapped);
        child.write64(BASE, 2);
        assertEquals(1000, parent.read64(BASE));
        assertTrue(parent.protect(BASE, PAGE, Prot.RW));
        parent.write64(BASE, 3); // the child has its copy: in place
        assertEquals(0, parent.pagesCopied());
        assertEquals(2, child.read64(BASE));
        assertEquals(3, parent.regions().size() + child.regions().size());
    }

    @Test
    void sharedMemoryStaysShared() {
        Recording backing = new Recording(true);
        AddressSpace parent = spaceWithPattern(2, backing);
        AddressSpace child = parent.forkCopy();
        child.write64(BASE, 5);
        assertEquals(5, parent.read64(BASE));
        parent.write64(BASE + PAGE, 6);
        assertEquals(6, child.read64(BASE + PAGE));
        AddressSpace grandchild = child.forkCopy();
        grandchild.write64(BASE, 7);
        assertEquals(7, parent.read64(BASE));
        assertEquals(0, parent.pagesCopied() + child.pagesCopied() + grandchild.pagesCopied());
        parent.clear();
        child.clear();
        assertEquals(0, backing.releasedBytes());
        assertEquals(7, grandchild.read64(BASE));
        grandchild.clear();
        assertEquals(2L * PAGE, backing.releasedBytes());
    }

    @Test
    void kernelWritesCopyToo() {
        AddressSpace parent = spaceWithPattern(4, Backing.ANONYMOUS);
        parent.protect(BASE + 3L * PAGE, PAGE, Prot.READ);
        AddressSpace child = parent.forkCopy();
        byte[] text = new byte[2 * PAGE + 100];
        java.util.Arrays.fill(text, (byte) 'x');
        child.writeBytes(BASE + 50, text, 0, text.length); // pages 0, 1, 2
        child.pokeBytes(BASE + 3L * PAGE, new byte[] {1}, 0, 1); // read-only page: the loader's and debugger's write
        assertEquals(4, child.pagesCopied());
        child.fill(BASE, 8, (byte) 0); // already copied
        assertEquals(4, child.pagesCopied());
        for (int p = 0; p < 4; p++) assertEquals(1000 + p, parent.read64(BASE + (long) p * PAGE));
        assertEquals(0x7878787878787878L, child.read64(BASE + PAGE));
        assertEquals(1, child.read8(BASE + 3L * PAGE));
    }

    @Test
    void regionsStayOnePerMappingAfterCopies() {
        AddressSpace parent = spaceWithPattern(16, Backing.ANONYMOUS);
        parent.mapAnonymous(BASE + 32L * PAGE, 4L * PAGE, Prot.RX, "code");
        AddressSpace child = parent.forkCopy();
        for (int p = 0; p < 16; p += 2) child.write8(BASE + (long) p * PAGE, 1);
        assertEquals(parent.regions().stream().map(Region::toString).toList(),
                child.regions().stream().map(Region::toString).toList());
        assertEquals(2, child.regions().size());
        assertEquals(16L * PAGE, child.find(BASE + 3 * PAGE).length());
    }

    @Test
    void discardAndMoveWorkOnSharedPages() {
        AddressSpace parent = spaceWithPattern(3, Backing.ANONYMOUS);
        AddressSpace child = parent.forkCopy();
        parent.discard(BASE, 2L * PAGE);
        assertEquals(0, parent.read64(BASE));
        assertEquals(0, parent.read64(BASE + PAGE));
        assertEquals(1000, child.read64(BASE));
        assertEquals(1001, child.read64(BASE + PAGE));
        child.write64(BASE + 2L * PAGE, 42);
        child.move(BASE, 3L * PAGE, BASE + 16L * PAGE);
        assertThrows(PageFault.class, () -> child.read64(BASE));
        assertEquals(1000, child.read64(BASE + 16L * PAGE));
        assertEquals(42, child.read64(BASE + 18L * PAGE));
        assertEquals(1002, parent.read64(BASE + 2L * PAGE));
        child.discard(BASE + 18L * PAGE, PAGE); // its own copy: zeroed in place
        assertEquals(0, child.read64(BASE + 18L * PAGE));
        assertEquals(1002, parent.read64(BASE + 2L * PAGE));
    }

    @Test
    void aTlbWriteAfterForkCopiesAndTheTlbOfTheParentForgetsItsWriteEntries() {
        AddressSpace parent = spaceWithPattern(2, Backing.ANONYMOUS);
        Tlb parentTlb = new Tlb(parent);
        parentTlb.enter();
        parentTlb.write64(BASE, 1); // a write entry in the parent's TLB
        parentTlb.leave(); // a VM exit: the vCPU calls fork
        AddressSpace child = parent.forkCopy();
        parentTlb.enter(); // back into the guest: catches up
        parentTlb.write64(BASE, 2);
        parentTlb.leave();
        assertEquals(1, child.read64(BASE));
        assertEquals(2, parent.read64(BASE));
        Tlb childTlb = new Tlb(child);
        childTlb.enter();
        childTlb.write64(BASE + PAGE, 3);
        assertEquals(3, childTlb.read64(BASE + PAGE));
        childTlb.leave();
        assertEquals(1001, parent.read64(BASE + PAGE));
        assertArrayEquals(new long[] {1, 1}, new long[] {parent.pagesCopied(), child.pagesCopied()});
    }

    @Test
    void pinnedRangesAreWritableInPlaceAndOutliveUnmap() {
        Recording backing = new Recording(false);
        AddressSpace parent = spaceWithPattern(3, backing);
        AddressSpace child = parent.forkCopy();
        long len = 2L * PAGE;
        try (HostRange r = parent.pin(BASE + 100, len, Access.WRITE)) { // a host read(2) into the parent's buffer
            assertEquals(3, parent.pagesCopied(), "pinning for writing copies the shared pages first");
            long total = 0;
            for (int i = 0; i < r.segments(); i++) {
                HostSegment.HOST.asSlice(r.address(i), r.length(i)).fill((byte) 0x11);
                total += r.length(i);
            }
            assertEquals(len, total);
        }
        assertEquals(0x1111111111111111L, parent.read64(BASE + PAGE));
        assertEquals(1001, child.read64(BASE + PAGE));
        HostRange held = child.pin(BASE, 3L * PAGE, Access.READ);
        assertEquals(1, held.segments(), "the child's pages are still the original host run");
        assertEquals(held.address(0), held.contiguous());
        parent.clear();
        child.clear();
        assertEquals(0, backing.releasedBytes(), "pinned pages stay until the pin is closed");
        held.close();
        assertEquals(3L * PAGE, backing.releasedBytes());
        AddressSpace two = new AddressSpace();
        two.mapAnonymous(BASE, PAGE, Prot.READ, "a");
        two.mapAnonymous(BASE + PAGE, PAGE, Prot.READ, "b");
        try (HostRange r = two.pin(BASE, 2L * PAGE, Access.READ)) {
            assertEquals(-1, r.contiguous());
            assertEquals(2, r.segments());
        }
        assertThrows(PageFault.class, () -> two.pin(BASE, 2L * PAGE, Access.WRITE));
        two.clear();
    }
}
