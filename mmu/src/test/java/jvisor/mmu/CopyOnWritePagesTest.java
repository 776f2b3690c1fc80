package jvisor.mmu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.ValueLayout;

import org.junit.jupiter.api.Test;

/** CopyOnWritePages: one filled image, many private mappings; writes stay in the space that made them. */
class CopyOnWritePagesTest {
    private static final long BASE = 0x400000;
    private static final int PAGE = HostMemory.PAGE_SIZE;

    private static CopyOnWritePages pattern(int pages) {
        CopyOnWritePages img = CopyOnWritePages.allocate((long) pages * PAGE);
        for (int p = 0; p < pages; p++) HostSegment.HOST.set(ValueLayout.JAVA_LONG_UNALIGNED, img.hva() + (long) p * PAGE, 1000 + p);
        return img;
    }

    private static long imageWord(CopyOnWritePages img, int page) {
        return HostSegment.HOST.get(ValueLayout.JAVA_LONG_UNALIGNED, img.hva() + (long) page * PAGE);
    }

    @Test
    void eachSpaceReadsTheImageAndWritesACopyOfItsOwn() {
        CopyOnWritePages img = pattern(4);
        AddressSpace a = new AddressSpace(), b = new AddressSpace();
        assertTrue(a.mapCopyOnWrite(BASE, 4L * PAGE, Prot.RW, img, 0, "prog", 0));
        assertTrue(b.mapCopyOnWrite(BASE + PAGE, 2L * PAGE, Prot.RW, img, PAGE, "prog", PAGE));
        assertEquals(1001, a.read64(BASE + PAGE));
        assertEquals(1001, b.read64(BASE + PAGE));
        a.write64(BASE + PAGE, 7);
        b.write64(BASE + 2 * PAGE, 8);
        assertEquals(7, a.read64(BASE + PAGE));
        assertEquals(1002, a.read64(BASE + 2 * PAGE));
        assertEquals(1001, b.read64(BASE + PAGE));
        assertEquals(8, b.read64(BASE + 2 * PAGE));
        assertEquals(1001, imageWord(img, 1), "the image never changes");
        assertEquals(1002, imageWord(img, 2));
        assertEquals(1, a.pagesCopied());
        assertEquals(1, b.pagesCopied());
        assertEquals("prog", a.find(BASE).name());
        assertEquals(PAGE, b.find(BASE + PAGE).fileOffset());
        a.clear();
        b.clear();
        img.close();
    }

    @Test
    void aMappingOutlivesTheImageAndThenWritesInPlace() {
        CopyOnWritePages img = pattern(2);
        AddressSpace a = new AddressSpace();
        assertTrue(a.mapCopyOnWrite(BASE, 2L * PAGE, Prot.RW, img, 0, "", 0));
        img.close();
        img.close(); // once only
        assertEquals(1000, a.read64(BASE));
        a.write64(BASE, 5); // the last user of the page: no copy
        assertEquals(0, a.pagesCopied());
        assertEquals(5, a.read64(BASE));
        a.clear();
    }

    @Test
    void aClosedImageMapsNothing() {
        CopyOnWritePages img = pattern(1);
        img.close();
        AddressSpace a = new AddressSpace();
        assertFalse(a.mapCopyOnWrite(BASE, PAGE, Prot.READ, img, 0, "", 0));
        assertNull(a.find(BASE));
    }

    @Test
    void rangesOutsideTheImageAreRefused() {
        CopyOnWritePages img = pattern(2);
        AddressSpace a = new AddressSpace();
        assertThrows(IllegalArgumentException.class, () -> a.mapCopyOnWrite(BASE, 2L * PAGE, Prot.READ, img, PAGE, "", 0));
        assertThrows(IllegalArgumentException.class, () -> a.mapCopyOnWrite(BASE, PAGE, Prot.READ, img, 100, "", 0));
        img.close();
    }
}
