package jvisor.kernel.mm;

import static jvisor.kernel.abi.Mman.MAP_ANONYMOUS;
import static jvisor.kernel.abi.Mman.MAP_FIXED;
import static jvisor.kernel.abi.Mman.MAP_FIXED_NOREPLACE;
import static jvisor.kernel.abi.Mman.MAP_PRIVATE;
import static jvisor.kernel.abi.Mman.MAP_SHARED;
import static jvisor.kernel.abi.Mman.PROT_EXEC;
import static jvisor.kernel.abi.Mman.PROT_READ;
import static jvisor.kernel.abi.Mman.PROT_WRITE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import jvisor.hypervisor.Hypervisor;
import jvisor.kernel.abi.Errno;
import jvisor.kernel.abi.Mman;
import jvisor.mmu.AddressSpace;
import jvisor.mmu.PageFault;
import jvisor.mmu.Prot;
import jvisor.mmu.Region;

class MemoryManagerTest {
    private static final int RW = PROT_READ | PROT_WRITE;
    private static final int ANON = MAP_PRIVATE | MAP_ANONYMOUS;
    private static final long TOP = MemoryManager.MMAP_BASE;

    private Hypervisor hv;
    private AddressSpace space;
    private MemoryManager mm;

    @BeforeEach
    void setUp() {
        hv = new Hypervisor();
        space = hv.createAddressSpace();
        mm = new MemoryManager(hv, space);
        mm.setBrkStart(0x4ac000);
    }

    @Test
    void anonymousMappingsGoTopDownBelowTheMmapBase() {
        assertEquals(TOP - 0x2000, mm.mmap(0, 8192, RW, ANON, null, 0));
        assertEquals(TOP - 0x3000, mm.mmap(0, 1, RW, ANON, null, 0));
        // A freed hole is reused when it fits.
        assertEquals(0, mm.munmap(TOP - 0x2000, 0x1000));
        assertEquals(TOP - 0x2000, mm.mmap(0, 4096, PROT_READ, ANON, null, 0));
        Region r = space.find(TOP - 0x2000);
        assertEquals(Prot.READ, r.prot());
        assertEquals("", r.name());
    }

    @Test
    void hintsAreTakenWhenFree() {
        assertEquals(0x20000000L, mm.mmap(0x20000000L, 4096, RW, ANON, null, 0));
        // The same hint again is occupied: placed top-down instead.
        assertEquals(TOP - 0x1000, mm.mmap(0x20000000L, 4096, RW, ANON, null, 0));
        // An unaligned hint is rounded down.
        assertEquals(0x30000000L, mm.mmap(0x30000123L, 4096, RW, ANON, null, 0));
    }

    @Test
    void fixedMappingsReplaceAndNoReplaceRefuses() {
        long a = mm.mmap(0x10000000L, 0x3000, RW, ANON | MAP_FIXED, null, 0);
        assertEquals(0x10000000L, a);
        space.write32(0x10001000L, 0x1234);
        assertEquals(0x10001000L, mm.mmap(0x10001000L, 0x1000, PROT_READ, ANON | MAP_FIXED, null, 0));
        assertEquals(0, space.read32(0x10001000L), "MAP_FIXED replaced the page with a fresh one");
        assertEquals(-Errno.EEXIST, mm.mmap(0x10000000L, 0x1000, RW, ANON | MAP_FIXED_NOREPLACE, null, 0));
        assertEquals(0x10003000L, mm.mmap(0x10003000L, 0x1000, RW, ANON | MAP_FIXED_NOREPLACE, null, 0));
        assertEquals(-Errno.EINVAL, mm.mmap(0x10000010L, 0x1000, RW, ANON | MAP_FIXED, null, 0));
        assertEquals(-Errno.ENOMEM, mm.mmap(0x7ffffffff000L, 0x2000, RW, ANON | MAP_FIXED, null, 0));
    }

    @Test
    void argumentErrorsAreLinuxs() {
        assertEquals(-Errno.EINVAL, mm.mmap(0, 0, RW, ANON, null, 0));
        assertEquals(-Errno.EINVAL, mm.mmap(0, 4096, RW, MAP_ANONYMOUS, null, 0)); // no MAP_PRIVATE/SHARED
        assertEquals(-Errno.EINVAL, mm.mmap(0, 4096, RW, ANON, null, 100)); // unaligned offset
        assertEquals(-Errno.ENOMEM, mm.mmap(0, -4096L, RW, ANON, null, 0));
        assertEquals(-Errno.EOPNOTSUPP, mm.mmap(0, 4096, RW, Mman.MAP_SHARED_VALIDATE | MAP_ANONYMOUS | 0x800000,
                null, 0));
        assertEquals(-Errno.EINVAL, mm.munmap(0x1001, 4096));
        assertEquals(-Errno.EINVAL, mm.munmap(0x10000, 0));
        assertEquals(0, mm.munmap(0x50000000L, 4096), "unmapping nothing is fine");
    }

    @Test
    void mprotectChangesProtectionAndRefusesHoles() {
        long a = mm.mmap(0, 0x3000, RW, ANON, null, 0);
        assertEquals(0, mm.mprotect(a + 0x1000, 0x1000, PROT_READ));
        assertEquals(Prot.READ, space.find(a + 0x1000).prot());
        assertEquals(Prot.RW, space.find(a).prot());
        assertThrows(PageFault.class, () -> space.write8(a + 0x1000, 1));
        assertEquals(-Errno.ENOMEM, mm.mprotect(a + 0x2000, 0x2000, PROT_READ), "range runs past the mapping");
        assertEquals(-Errno.EINVAL, mm.mprotect(a + 1, 0x1000, PROT_READ));
        assertEquals(-Errno.EINVAL, mm.mprotect(a, 0x1000, 0x40));
        assertEquals(0, mm.mprotect(a, 0, PROT_READ));
        // x86 has no write-only or exec-only pages: reading is always allowed with any access.
        assertEquals(0, mm.mprotect(a, 0x1000, PROT_EXEC));
        assertEquals(Prot.RX, space.find(a).prot());
    }

    @Test
    void mremapShrinksGrowsInPlaceAndMoves() {
        long a = mm.mmap(0x20000000L, 0x2000, RW, ANON | MAP_FIXED, null, 0);
        space.write64(a, 0x1122334455667788L);
        // Shrink.
        assertEquals(a, mm.mremap(a, 0x2000, 0x1000, 0, 0));
        assertNull(space.find(a + 0x1000));
        // Grow in place (the space after it is free).
        assertEquals(a, mm.mremap(a, 0x1000, 0x3000, 0, 0));
        assertNotNull(space.find(a + 0x2000));
        // Blocked growth without MAYMOVE fails, with MAYMOVE it moves and keeps the contents.
        mm.mmap(a + 0x3000, 0x1000, RW, ANON | MAP_FIXED, null, 0);
        assertEquals(-Errno.ENOMEM, mm.mremap(a, 0x3000, 0x5000, 0, 0));
        long b = mm.mremap(a, 0x3000, 0x5000, Mman.MREMAP_MAYMOVE, 0);
        assertEquals(TOP - 0x5000, b);
        assertEquals(0x1122334455667788L, space.read64(b));
        assertNull(space.find(a));
        // MREMAP_FIXED moves to the given place.
        long c = mm.mremap(b, 0x5000, 0x5000, Mman.MREMAP_MAYMOVE | Mman.MREMAP_FIXED, 0x30000000L);
        assertEquals(0x30000000L, c);
        assertEquals(0x1122334455667788L, space.read64(c));
        assertEquals(-Errno.EFAULT, mm.mremap(0x40000000L, 0x1000, 0x2000, Mman.MREMAP_MAYMOVE, 0));
        assertEquals(-Errno.EINVAL, mm.mremap(c, 0x1000, 0x2000, Mman.MREMAP_FIXED, 0x50000000L));
    }

    @Test
    void mremapRefusesARangeSpanningTwoProtections() {
        long a = mm.mmap(0, 0x2000, RW, ANON, null, 0);
        mm.mprotect(a, 0x1000, PROT_READ);
        assertEquals(-Errno.EFAULT, mm.mremap(a, 0x2000, 0x4000, Mman.MREMAP_MAYMOVE, 0));
    }

    @Test
    void madviseDontneedZeroesAnonymousMemory() {
        long a = mm.mmap(0, 0x2000, RW, ANON, null, 0);
        space.write64(a, -1L);
        space.write64(a + 0x1000, -1L);
        assertEquals(0, mm.madvise(a, 0x1000, Mman.MADV_DONTNEED));
        assertEquals(0, space.read64(a));
        assertEquals(-1L, space.read64(a + 0x1000));
        assertEquals(0, mm.madvise(a, 0x2000, Mman.MADV_WILLNEED));
        assertEquals(-Errno.EINVAL, mm.madvise(a, 0x1000, 77));
        assertEquals(-Errno.EINVAL, mm.madvise(a + 1, 0x1000, Mman.MADV_DONTNEED));
        assertEquals(-Errno.ENOMEM, mm.madvise(a, 0x3000, Mman.MADV_DONTNEED), "part of the range is unmapped");
    }

    @Test
    void brkGrowsShrinksAndZeroesWhatComesBack() {
        assertEquals(0x4ac000, mm.brk(0));
        assertEquals(0x4acd00, mm.brk(0x4acd00));
        Region heap = space.find(0x4ac000);
        assertEquals("[heap]", heap.name());
        assertEquals(Prot.RW, heap.prot());
        assertEquals(0x4ce000, mm.brk(0x4ce000));
        space.write64(0x4cd000, 42);
        assertEquals(0x4ad000, mm.brk(0x4ad000));
        assertNull(space.find(0x4cd000));
        assertEquals(0x4ce000, mm.brk(0x4ce000));
        assertEquals(0, space.read64(0x4cd000), "memory given back and taken again reads as zero");
        // Below the start: the break stays.
        assertEquals(0x4ce000, mm.brk(0x1000));
        // Growing into a mapping (within a page of it) fails and leaves the break.
        mm.mmap(0x4d0000, 0x1000, RW, ANON | MAP_FIXED, null, 0);
        assertEquals(0x4ce000, mm.brk(0x4d0000));
        assertEquals(0x4ce000, mm.brk(0x4cf000 + 1));
        assertEquals(0x4cf000, mm.brk(0x4cf000));
    }

    @Test
    void heapPagesUnmappedByTheGuestComeBackZeroed() {
        mm.brk(0x4b0000);
        space.write64(0x4af000, 99);
        assertEquals(0, mm.munmap(0x4af000, 0x1000));
        assertNull(space.find(0x4af000));
        mm.brk(0x4ae000);
        mm.brk(0x4b0000);
        assertEquals(0, space.read64(0x4af000));
    }

    @Test
    void heapGrownInStepsHoldsDataAcrossTheSteps() {
        mm.brk(0x4ad000);
        mm.brk(0x4b0000);
        mm.brk(0x4f0000);
        byte[] data = new byte[0x40000];
        for (int i = 0; i < data.length; i++) data[i] = (byte) (i * 31 + 7);
        space.writeBytes(0x4ac800, data, 0, data.length);
        assertArrayEquals(data, space.readBytes(0x4ac800, data.length));
    }

    @Test
    void sharedFileMappingsForWritingNeedAWritableFile() {
        jvisor.kernel.fs.SyntheticFile ro = new jvisor.kernel.fs.SyntheticFile("/f".getBytes(), new byte[] {1, 2, 3}, 0);
        assertEquals(-Errno.EACCES, mm.mmap(0, 4096, RW, MAP_SHARED, ro, 0));
        long a = mm.mmap(0, 4096, RW, MAP_PRIVATE, ro, 0);
        assertArrayEquals(new byte[] {1, 2, 3, 0}, space.readBytes(a, 4));
        assertEquals("/f", space.find(a).name());
    }

    @Test
    void accessiblePrefixStopsAtTheFirstInaccessiblePage() {
        long a = mm.mmap(0x60000000L, 0x2000, RW, ANON | MAP_FIXED, null, 0);
        assertEquals(0x2000, GuestMemory.accessiblePrefix(space, a, 0x5000, jvisor.mmu.Access.WRITE));
        mm.mprotect(a + 0x1000, 0x1000, PROT_READ);
        assertEquals(0x1000, GuestMemory.accessiblePrefix(space, a, 0x5000, jvisor.mmu.Access.WRITE));
        assertEquals(0x2000, GuestMemory.accessiblePrefix(space, a, 0x5000, jvisor.mmu.Access.READ));
        assertEquals(0, GuestMemory.accessiblePrefix(space, 0x100, 10, jvisor.mmu.Access.READ));
    }
}
