package jvisor.mmu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** Every data access to a covered page is reported once, with its size and value; others never. */
class MemoryObserverTest {
    private static final long BASE = 0x400000;
    private static final int PAGE = HostMemory.PAGE_SIZE;

    record Seen(long gva, int size, Access kind, long value, long memoryAtReport) {
    }

    /** Covers the second page only; records what it sees and what memory held at that moment. */
    static final class Recorder implements MemoryObserver {
        final List<Seen> seen = new ArrayList<>();
        AddressSpace as;

        @Override
        public boolean covers(long page) {
            return page == BASE + PAGE;
        }

        @Override
        public void accessed(long gva, int size, Access kind, long value) {
            byte[] b = new byte[Math.min(size, 8)];
            as.peekBytes(gva, b, 0, b.length);
            long m = 0;
            for (int i = b.length - 1; i >= 0; i--) m = (m << 8) | (b[i] & 0xFF);
            seen.add(new Seen(gva, size, kind, value, m));
        }
    }

    private static AddressSpace space(Recorder r) {
        AddressSpace as = new AddressSpace();
        as.mapAnonymous(BASE, 3 * PAGE, Prot.RW, "t");
        r.as = as;
        as.setObserver(r);
        return as;
    }

    @Test
    void repeatedAccessesToACoveredPageAreEachReported() {
        Recorder r = new Recorder();
        AddressSpace as = space(r);
        long a = BASE + PAGE + 16;
        for (int k = 0; k < 3; k++) as.write64(a, 0x1111 * (k + 1));
        assertEquals(3, r.seen.size(), "no access may hide in the TLB");
        // stores are reported before memory changes: the old value is still there
        assertEquals(new Seen(a, 8, Access.WRITE, 0x3333, 0x2222), r.seen.get(2));
        r.seen.clear();
        assertEquals(0x3333, as.read64(a));
        assertEquals(0x33, as.read8(a));
        assertEquals(0x3333, as.read32(a));
        assertEquals(0x3333, as.read16(a));
        assertEquals(List.of(new Seen(a, 8, Access.READ, 0x3333, 0x3333), new Seen(a, 1, Access.READ, 0x33, 0x33),
                new Seen(a, 4, Access.READ, 0x3333, 0x3333), new Seen(a, 2, Access.READ, 0x3333, 0x3333)), r.seen);
    }

    @Test
    void uncoveredPagesStayFastAndUnreported() {
        Recorder r = new Recorder();
        AddressSpace as = space(r);
        as.write32(BASE + 8, 7);
        as.write8(BASE + 2 * PAGE, 1);
        assertEquals(7, as.read32(BASE + 8));
        as.write64(BASE + PAGE - 4, -1L); // straddles into the covered page: reported
        assertEquals(List.of(new Seen(BASE + PAGE - 4, 8, Access.WRITE, -1L, 0)), r.seen);
    }

    @Test
    void bulkCopiesAndFillsReportTheirPieces() {
        Recorder r = new Recorder();
        AddressSpace as = space(r);
        byte[] data = new byte[PAGE + 100];
        as.writeBytes(BASE + PAGE - 50, data, 0, data.length);
        as.fill(BASE + PAGE, 10, (byte) 1);
        byte[] back = new byte[10];
        as.readBytes(BASE + PAGE, back, 0, 10);
        assertArrayEquals(new byte[] {1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, back);
        List<Seen> covered = r.seen;
        assertEquals(3, covered.size(), covered.toString()); // the first 50 bytes fall on an uncovered page
        assertEquals(PAGE, covered.get(0).size());
        assertEquals(Access.WRITE, covered.get(1).kind());
        assertEquals(Access.READ, covered.get(2).kind());
    }

    @Test
    void aFaultingStoreIsNotReportedAndPeekIgnoresProtection() {
        Recorder r = new Recorder();
        AddressSpace as = space(r);
        as.write64(BASE + PAGE, 42);
        as.protect(BASE + PAGE, PAGE, Prot.READ);
        r.seen.clear();
        assertThrows(PageFault.class, () -> as.write64(BASE + PAGE, 1));
        assertEquals(List.of(), r.seen);
        byte[] b = new byte[1];
        as.protect(BASE + PAGE, PAGE, Prot.NONE);
        as.peekBytes(BASE + PAGE, b, 0, 1);
        assertEquals(42, b[0]);
        assertEquals(List.of(), r.seen);
    }
}
