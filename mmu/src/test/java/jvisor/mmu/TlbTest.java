package jvisor.mmu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

/**
 * The TLB's fast paths (one compare of the first byte's slot with the last byte's page) against
 * the address space's own checked accesses, at every offset around page boundaries.
 */
class TlbTest {
    private static final long BASE = 0x400000;
    private static final int PAGE = HostMemory.PAGE_SIZE;

    @Test
    void everySizeAtEveryOffsetAroundAPageBoundaryAgreesWithTheAddressSpace() {
        AddressSpace as = new AddressSpace();
        as.mapAnonymous(BASE, 2 * PAGE, Prot.RW, "two pages");
        Tlb tlb = new Tlb(as);
        Random rnd = new Random(42);
        for (long at = BASE + PAGE - 24; at < BASE + PAGE + 24; at++) {
            long v = rnd.nextLong();
            tlb.write64(at, v);
            assertEquals(v, as.read64(at), "write64 at " + Long.toHexString(at));
            assertEquals(v, tlb.read64(at));
            tlb.write32(at, (int) ~v);
            assertEquals((int) ~v, as.read32(at));
            assertEquals((int) ~v, tlb.read32(at));
            tlb.write16(at, (int) v);
            assertEquals((int) v & 0xFFFF, as.read16(at));
            assertEquals((int) v & 0xFFFF, tlb.read16(at));
            tlb.write8(at, (int) (v >>> 8));
            assertEquals((int) (v >>> 8) & 0xFF, tlb.read8(at));
        }
    }

    /**
     * The in-place checks of a vector operand: a host address only for a range inside one page
     * whose entry allows the access, -1 (and nothing filled or faulted) otherwise.
     */
    @Test
    void inPlaceChecksAnswerOnlyForAWholeRangeInOnePageTheEntryAllows() {
        AddressSpace as = new AddressSpace();
        as.mapAnonymous(BASE, PAGE, Prot.RW, "read-write");
        as.mapAnonymous(BASE + PAGE, PAGE, Prot.READ, "read-only");
        Tlb tlb = new Tlb(as);
        assertEquals(-1L, tlb.readableInPlace(BASE + 16, 16), "an empty entry");
        tlb.write64(BASE + PAGE - 8, 0x0102030405060708L); // fills the first page's entry
        tlb.read64(BASE + PAGE); // and the second's, for reading only
        long h = tlb.readableInPlace(BASE + PAGE - 16, 16);
        assertEquals(0x0102030405060708L, HostAccess.getLong(h + 8));
        assertEquals(h, tlb.writableInPlace(BASE + PAGE - 16, 16));
        assertEquals(h - (PAGE - 16), tlb.readableInPlace(BASE, 32));
        assertEquals(-1L, tlb.readableInPlace(BASE + PAGE - 8, 16), "crosses into the next page");
        assertEquals(-1L, tlb.writableInPlace(BASE + PAGE - 8, 16), "crosses into the next page");
        assertEquals(0L, HostAccess.getLong(tlb.readableInPlace(BASE + PAGE + 32, 16)));
        assertEquals(-1L, tlb.writableInPlace(BASE + PAGE + 32, 16), "a read-only page");
    }

    @Test
    void anAccessIntoAnUnmappedPageFaultsThereAndWritesNothing() {
        AddressSpace as = new AddressSpace();
        as.mapAnonymous(BASE, PAGE, Prot.RW, "one page");
        Tlb tlb = new Tlb(as);
        tlb.write64(BASE + PAGE - 8, 0x1122334455667788L); // fills the slot of the mapped page
        for (int size : new int[] {2, 4, 8}) {
            long at = BASE + PAGE - size + 1; // the last byte is on the next, unmapped page
            PageFault f = assertThrows(PageFault.class, () -> write(tlb, at, size, -1L));
            assertEquals(BASE + PAGE, f.address, "size " + size);
            assertEquals(0x1122334455667788L, as.read64(BASE + PAGE - 8), "size " + size + " wrote a part");
            assertThrows(PageFault.class, () -> read(tlb, at, size));
        }
    }

    @Test
    void aReadOnlyPageHitsForLoadsAndFaultsForStores() {
        AddressSpace as = new AddressSpace();
        as.mapAnonymous(BASE, PAGE, Prot.READ, "read-only");
        Tlb tlb = new Tlb(as);
        assertEquals(0L, tlb.read64(BASE + 8));
        assertEquals(0L, tlb.read64(BASE + 8)); // now a hit
        PageFault f = assertThrows(PageFault.class, () -> tlb.write32(BASE + 8, 1));
        assertEquals(Access.WRITE, f.access);
    }

    @Test
    void pagesSharingASlotDoNotHitForEachOther() {
        // Pages 1024 apart share a slot of the 1024-entry table.
        long other = BASE + 1024L * PAGE;
        AddressSpace as = new AddressSpace();
        as.mapAnonymous(BASE, PAGE, Prot.RW, "a");
        as.mapAnonymous(other, PAGE, Prot.RW, "b");
        Tlb tlb = new Tlb(as);
        tlb.write64(BASE + 16, 1);
        tlb.write64(other + 16, 2);
        assertEquals(1, tlb.read64(BASE + 16));
        assertEquals(2, tlb.read64(other + 16));
        assertEquals(1, as.read64(BASE + 16));
    }

    @Test
    void theLastBytesOfTheAddressSpaceDoNotWrapToPageZero() {
        AddressSpace as = new AddressSpace();
        as.mapAnonymous(0, PAGE, Prot.RW, "page zero");
        Tlb tlb = new Tlb(as);
        tlb.write64(0, 7); // page zero is in the TLB
        assertThrows(PageFault.class, () -> tlb.read64(-4L));
        assertThrows(PageFault.class, () -> tlb.write64(-4L, 1));
        assertEquals(7, tlb.read64(0));
    }

    /**
     * A JVM started without --sun-misc-unsafe-memory-access=allow uses the MemorySegment path, and
     * prints nothing of its own (the JVM warns on the first use of sun.misc.Unsafe's memory
     * methods otherwise, and jvisor's output is the guest's).
     */
    @Test
    void withoutTheUnsafeFlagTheSegmentPathRunsSilently() throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), SegmentPathProbe.class.getName()));
        Process p = new ProcessBuilder(cmd).start();
        byte[] out = readAll(p.getInputStream());
        byte[] err = readAll(p.getErrorStream());
        assertEquals(0, p.waitFor(), new String(err, StandardCharsets.UTF_8));
        assertEquals("segment 1122334455667788\n", new String(out, StandardCharsets.UTF_8));
        assertEquals("", new String(err, StandardCharsets.UTF_8));
    }

    /** Runs in its own JVM for the test above. */
    static final class SegmentPathProbe {
        public static void main(String[] args) {
            AddressSpace as = new AddressSpace();
            as.mapAnonymous(BASE, PAGE, Prot.RW, "probe");
            Tlb tlb = new Tlb(as);
            tlb.write64(BASE + 3, 0x1122334455667788L);
            System.out.println(HostAccess.implementation() + " " + Long.toHexString(tlb.read64(BASE + 3)));
        }
    }

    @Test
    void theImplementationFollowsTheJvmFlag() {
        boolean allowed = "allow".equals(System.getProperty("sun.misc.unsafe.memory.access"))
                && !"segment".equals(System.getProperty("jvisor.host.access"));
        assertEquals(allowed ? "unsafe" : "segment", HostAccess.implementation());
    }

    private static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        in.transferTo(b);
        return b.toByteArray();
    }

    private static long read(Tlb tlb, long at, int size) {
        return switch (size) {
            case 2 -> tlb.read16(at);
            case 4 -> tlb.read32(at);
            default -> tlb.read64(at);
        };
    }

    private static void write(Tlb tlb, long at, int size, long v) {
        switch (size) {
            case 2 -> tlb.write16(at, (int) v);
            case 4 -> tlb.write32(at, (int) v);
            default -> tlb.write64(at, v);
        }
    }
}
