package jvisor.mmu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * HostAccess's bulk and atomic operations on host memory. The module's tests run twice (see its
 * pom.xml): through sun.misc.Unsafe and through the MemorySegment path, which must agree.
 */
class HostAccessTest {
    private static final int SIZE = HostMemory.PAGE_SIZE;
    private long h;

    @BeforeEach
    void allocate() {
        h = HostMemory.allocate(SIZE);
    }

    @AfterEach
    void free() {
        HostMemory.free(h, SIZE);
    }

    private void numberBytes(int count) {
        for (int i = 0; i < count; i++) HostAccess.putByte(h + i, (byte) i);
    }

    @Test
    void copyMovesBytesBetweenDisjointRanges() {
        numberBytes(64);
        HostAccess.copy(h, h + 1000, 64);
        for (int i = 0; i < 64; i++) assertEquals(i, HostAccess.getByte(h + 1000 + i));
        assertEquals(0, HostAccess.getByte(h + 1064), "nothing past the range");
    }

    /** Overlapping ranges copy as memmove does, as if through a temporary buffer, in both directions. */
    @Test
    void overlappingCopiesKeepTheSourceBytesInBothDirections() {
        numberBytes(64);
        HostAccess.copy(h, h + 8, 32); // destination above the source
        for (int i = 0; i < 32; i++) assertEquals(i, HostAccess.getByte(h + 8 + i));
        numberBytes(64);
        HostAccess.copy(h + 8, h, 32); // destination below the source
        for (int i = 0; i < 32; i++) assertEquals(i + 8, HostAccess.getByte(h + i));
    }

    @Test
    void fillStoresTheByteOverTheRangeOnly() {
        numberBytes(64);
        HostAccess.fill(h + 10, 20, (byte) 0xAB);
        assertEquals(9, HostAccess.getByte(h + 9));
        for (int i = 10; i < 30; i++) assertEquals((byte) 0xAB, HostAccess.getByte(h + i));
        assertEquals(30, HostAccess.getByte(h + 30));
    }

    @Test
    void compareAndSetReplacesOnlyTheExpectedValue() {
        HostAccess.putLong(h + 16, 5);
        assertFalse(HostAccess.compareAndSetLong(h + 16, 4, 9));
        assertEquals(5, HostAccess.getLongVolatile(h + 16));
        assertTrue(HostAccess.compareAndSetLong(h + 16, 5, 9));
        assertEquals(9, HostAccess.getLongVolatile(h + 16));
        assertEquals(0, HostAccess.getLong(h + 8), "the quadword before is untouched");
        assertEquals(0, HostAccess.getLong(h + 24), "and the one after");
    }

    /** Increments by compare-and-set from two threads: none is lost (what LOCK-prefixed instructions rely on). */
    @Test
    void concurrentCompareAndSetLosesNoUpdate() throws InterruptedException {
        onTwoThreads(() -> {
            long v;
            do {
                v = HostAccess.getLongVolatile(h);
            } while (!HostAccess.compareAndSetLong(h, v, v + 1));
        });
        assertEquals(2L * STEPS, HostAccess.getLongVolatile(h));
    }

    /** How many times each of the two threads of a concurrency test updates memory. */
    private static final int STEPS = 200_000;

    /** Runs step STEPS times on each of two threads at once, and waits for both. */
    private static void onTwoThreads(Runnable step) throws InterruptedException {
        Runnable work = () -> {
            for (int k = 0; k < STEPS; k++) step.run();
        };
        Thread a = new Thread(work), b = new Thread(work);
        a.start();
        b.start();
        a.join();
        b.join();
    }

    @Test
    void getAndAddReturnsTheValueBeforeAndTouchesOnlyItsOperand() {
        HostAccess.putLong(h + 16, -2);
        assertEquals(-2, HostAccess.getAndAddLong(h + 16, 5));
        assertEquals(3, HostAccess.getLong(h + 16));
        HostAccess.putInt(h + 36, 0x7FFF_FFFF);
        assertEquals(0x7FFF_FFFF, HostAccess.getAndAddInt(h + 36, 1));
        assertEquals(Integer.MIN_VALUE, HostAccess.getInt(h + 36), "wraps as a doubleword");
        assertEquals(0, HostAccess.getInt(h + 32), "the doubleword before is untouched");
        assertEquals(0, HostAccess.getLong(h + 40), "and the quadword after");
    }

    /** Adds from two threads, to a quadword and to a doubleword next to it: none is lost (LOCK ADD, LOCK XADD). */
    @Test
    void concurrentGetAndAddLosesNoUpdate() throws InterruptedException {
        onTwoThreads(() -> {
            HostAccess.getAndAddLong(h, 1);
            HostAccess.getAndAddInt(h + 8, -1);
        });
        assertEquals(2L * STEPS, HostAccess.getLongVolatile(h));
        assertEquals(-2 * STEPS, HostAccess.getInt(h + 8));
        assertEquals(0, HostAccess.getInt(h + 12), "the other half of that quadword is untouched");
    }
}
