package jvisor.mmu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class AddressSpaceTest {
    private static final long BASE = 0x400000;
    private static final int PAGE = HostMemory.PAGE_SIZE;

    @Test
    void mappedMemoryStartsZeroedAndRoundTripsEverySize() {
        AddressSpace as = new AddressSpace();
        as.mapAnonymous(BASE, 4 * PAGE, Prot.RW, "test");
        assertEquals(0, as.read64(BASE + 8));
        as.write8(BASE, 0xAB);
        as.write16(BASE + 2, 0xBEEF);
        as.write32(BASE + 4, 0xDEADBEEF);
        as.write64(BASE + 8, 0x0123456789ABCDEFL);
        assertEquals(0xAB, as.read8(BASE));
        assertEquals(0xBEEF, as.read16(BASE + 2));
        assertEquals(0xDEADBEEF, as.read32(BASE + 4));
        assertEquals(0x0123456789ABCDEFL, as.read64(BASE + 8));
        // little endian
        assertEquals(0xEF, as.read8(BASE + 8));
    }

    @Test
    void accessesCrossingPageAndRegionBoundariesWork() {
        AddressSpace as = new AddressSpace();
        as.mapAnonymous(BASE, PAGE, Prot.RW, "a");
        as.mapAnonymous(BASE + PAGE, PAGE, Prot.RW, "b"); // separate host memory
        long at = BASE + PAGE - 3;
        as.write64(at, 0x1122334455667788L);
        assertEquals(0x1122334455667788L, as.read64(at));
        assertEquals(0x88, as.read8(at));
        assertEquals(0x11, as.read8(at + 7));
        as.write32(BASE + PAGE - 1, 0xCAFEBABE);
        assertEquals(0xCAFEBABE, as.read32(BASE + PAGE - 1));
    }

    @Test
    void faultsCarryAddressAccessAndKind() {
        AddressSpace as = new AddressSpace();
        as.mapAnonymous(BASE, PAGE, Prot.READ, "ro");
        PageFault w = assertThrows(PageFault.class, () -> as.write32(BASE + 16, 1));
        assertEquals(BASE + 16, w.address);
        assertEquals(Access.WRITE, w.access);
        assertTrue(w.mapped);
        assertEquals(4 | 1 | 2, w.errorCode());
        PageFault r = assertThrows(PageFault.class, () -> as.read8(BASE + PAGE));
        assertEquals(Access.READ, r.access);
        assertFalse(r.mapped);
        PageFault x = assertThrows(PageFault.class, () -> as.fetch8(BASE));
        assertEquals(Access.EXECUTE, x.access);
        assertTrue(x.mapped);
    }

    @Test
    void writeStraddlingIntoUnmappedPageChangesNothing() {
        AddressSpace as = new AddressSpace();
        as.mapAnonymous(BASE, PAGE, Prot.RW, "a");
        PageFault f = assertThrows(PageFault.class, () -> as.write64(BASE + PAGE - 4, -1L));
        assertEquals(BASE + PAGE, f.address);
        assertEquals(0, as.read32(BASE + PAGE - 4));
    }

    @Test
    void unmapSplitsRegionsAndReleasesHostPages() {
        AddressSpace as = new AddressSpace();
        List<long[]> released = new ArrayList<>();
        long hva = HostMemory.allocate(3 * PAGE);
        as.map(BASE, 3 * PAGE, Prot.RW, hva, (h, len) -> released.add(new long[] {h, len}), "x", 0);
        as.write8(BASE + 2 * PAGE, 7);
        as.unmap(BASE + PAGE, PAGE);
        List<Region> rs = as.regions();
        assertEquals(2, rs.size());
        assertEquals(BASE, rs.get(0).start());
        assertEquals(BASE + PAGE, rs.get(0).end());
        assertEquals(BASE + 2 * PAGE, rs.get(1).start());
        assertEquals(hva + 2 * PAGE, rs.get(1).hva());
        assertEquals(7, as.read8(BASE + 2 * PAGE));
        assertEquals(1, released.size());
        assertArrayEquals(new long[] {hva + PAGE, PAGE}, released.get(0));
        assertNull(as.find(BASE + PAGE));
        assertThrows(PageFault.class, () -> as.read8(BASE + PAGE));
    }

    @Test
    void protectSplitsAndIsCheckedByTheTlb() {
        AddressSpace as = new AddressSpace();
        as.mapAnonymous(BASE, 3 * PAGE, Prot.RW, "x");
        Tlb tlb = new Tlb(as);
        tlb.write8(BASE + PAGE, 1); // fills the TLB with a writable entry
        assertTrue(as.protect(BASE + PAGE, PAGE, Prot.READ));
        tlb.enter(); // catches up with the change, as a vCPU does when it enters the guest
        assertThrows(PageFault.class, () -> tlb.write8(BASE + PAGE, 2));
        tlb.leave();
        assertThrows(PageFault.class, () -> as.write8(BASE + PAGE, 2));
        assertEquals(1, as.read8(BASE + PAGE));
        as.write8(BASE, 3);
        as.write8(BASE + 2 * PAGE, 3);
        assertEquals(3, as.regions().size());
        assertFalse(as.protect(BASE, 8 * PAGE, Prot.RW), "range with a hole is ENOMEM");
        assertEquals(Prot.READ, as.find(BASE + PAGE).prot());
    }

    @Test
    void mapReplacesOverlappingMappings() {
        AddressSpace as = new AddressSpace();
        as.mapAnonymous(BASE, 4 * PAGE, Prot.RW, "old");
        as.write8(BASE + PAGE, 9);
        as.mapAnonymous(BASE + PAGE, 2 * PAGE, Prot.READ, "new");
        assertEquals(0, as.read8(BASE + PAGE));
        assertEquals(3, as.regions().size());
        assertEquals("new", as.find(BASE + 2 * PAGE).name());
    }

    @Test
    void findFreeTopDownSkipsMappings() {
        AddressSpace as = new AddressSpace();
        long top = 0x7ffff7fff000L;
        as.mapAnonymous(top - 2 * PAGE, 2 * PAGE, Prot.RW, "a");
        assertEquals(top - 5 * PAGE, as.findFreeTopDown(3 * PAGE, top));
        assertEquals(top - 3 * PAGE, as.findFreeTopDown(PAGE, top));
        assertEquals(-1, as.findFreeTopDown(PAGE, AddressSpace.MIN_ADDRESS));
    }

    @Test
    void codePagesReportWritesOnce() {
        AddressSpace as = new AddressSpace();
        as.mapAnonymous(BASE, PAGE, Prot.RWX, "code");
        Tlb tlb = new Tlb(as);
        List<Long> changed = new ArrayList<>();
        tlb.setCodeListener(changed::add);
        tlb.write8(BASE, 1); // the TLB now has a writable entry for the page
        assertTrue(tlb.markCode(BASE + 5));
        assertFalse(tlb.markCode(BASE + 6), "already marked");
        tlb.write8(BASE + 100, 2);
        tlb.write8(BASE + 101, 3);
        assertEquals(List.of(BASE), changed);
        assertEquals(3, as.read8(BASE + 101));
    }

    @Test
    void aTlbRemembersMarkedCodePagesUntilOneIsUnmarked() {
        AddressSpace as = new AddressSpace();
        as.mapAnonymous(BASE, 2 * PAGE, Prot.RWX, "code");
        Tlb tlb = new Tlb(as);
        assertTrue(tlb.markCode(BASE));
        assertFalse(tlb.markCode(BASE + 8), "remembered");
        assertTrue(tlb.markCode(BASE + PAGE));
        as.write8(BASE + 16, 1); // the kernel's write unmarks the page (and moves the code epoch)
        assertTrue(tlb.markCode(BASE), "unmarked by the write: marked again");
        assertFalse(tlb.markCode(BASE + PAGE), "the other page is still marked");
        as.unmap(BASE + PAGE, PAGE);
        assertFalse(tlb.markCode(BASE + PAGE), "not mapped: nothing to mark");
        as.mapAnonymous(BASE + PAGE, PAGE, Prot.RWX, "code");
        assertTrue(tlb.markCode(BASE + PAGE), "mapped again: marked anew, not remembered from before");
        List<Long> changed = new ArrayList<>();
        tlb.setCodeListener(changed::add);
        tlb.write8(BASE + PAGE + 1, 2);
        assertEquals(List.of(BASE + PAGE), changed);
    }

    @Test
    void bulkCopiesAndCStrings() {
        AddressSpace as = new AddressSpace();
        as.mapAnonymous(BASE, 2 * PAGE, Prot.RW, "x");
        byte[] text = "hello, world".getBytes();
        as.writeBytes(BASE + PAGE - 5, text, 0, text.length);
        assertArrayEquals(text, as.readBytes(BASE + PAGE - 5, text.length));
        assertArrayEquals(text, as.readCString(BASE + PAGE - 5, 100));
        assertNull(as.readCString(BASE + PAGE - 5, 4));
        as.protect(BASE, PAGE, Prot.READ);
        assertThrows(PageFault.class, () -> as.writeBytes(BASE, text, 0, 1));
        as.pokeBytes(BASE, text, 0, 1);
        assertEquals('h', as.read8(BASE));
    }

    @Test
    void rejectsUnalignedOrOutOfRangeMappings() {
        AddressSpace as = new AddressSpace();
        assertThrows(IllegalArgumentException.class, () -> as.mapAnonymous(BASE + 1, PAGE, Prot.RW, ""));
        assertThrows(IllegalArgumentException.class, () -> as.mapAnonymous(AddressSpace.USER_END, PAGE, Prot.RW, ""));
    }
}
