package jvisor.mmu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.junit.jupiter.api.Test;

/**
 * Host system calls through whichever path this JVM took: the JNI library in the default test run
 * (the build puts it beside the classes), FFM in the run with jvisor.host.library=none (see
 * mmu/pom.xml). Both must give the kernel's result, or -errno.
 */
class HostSyscallTest {
    private static final long CLOSE = 3, GETPID = 39, EBADF = 9, EINVAL = 22, CLOCK_MONOTONIC = 1;

    @Test
    void takesThePathTheBuildArrangedFor() {
        String expected = "none".equals(System.getProperty(HostSyscall.LIBRARY_PROPERTY)) ? "ffm" : "jni";
        assertEquals(expected, HostSyscall.implementation());
    }

    @Test
    void returnsTheKernelsResult() {
        assertEquals(ProcessHandle.current().pid(), HostSyscall.call(GETPID, 0, 0, 0));
    }

    @Test
    void returnsMinusErrnoOnFailure() {
        assertEquals(-EBADF, HostSyscall.call(CLOSE, -1, 0, 0));
    }

    @Test
    void passesAllSixArguments() {
        // mmap(NULL, 2 pages, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0): the fifth
        // argument (fd -1) and the sixth (offset) must arrive for the mapping to be made.
        long hva = HostMemory.allocate(2 * HostMemory.PAGE_SIZE);
        try {
            byte[] in = {1, 2, 3, 4, 5, 6, 7, 8};
            HostAccess.copyIn(in, 0, hva + HostMemory.PAGE_SIZE - 4, in.length);
            byte[] out = new byte[in.length];
            HostAccess.copyOut(hva + HostMemory.PAGE_SIZE - 4, out, 0, out.length);
            assertArrayEquals(in, out);
            // An offset that is not page-aligned: EINVAL, from the sixth argument alone.
            long bad = HostSyscall.call(HostSyscall.MMAP, 0, HostMemory.PAGE_SIZE, 3, 0x22, -1, 1);
            assertEquals(-22, bad);
        } finally {
            HostMemory.free(hva, 2 * HostMemory.PAGE_SIZE);
        }
    }

    @Test
    void readsTheHostsClocks() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ts = arena.allocate(16, 8);
            long before = System.nanoTime(); // CLOCK_MONOTONIC, as HotSpot reads it on Linux
            assertEquals(0, HostSyscall.clockGettime(CLOCK_MONOTONIC, ts.address()));
            long after = System.nanoTime();
            long ns = ts.get(ValueLayout.JAVA_LONG, 0) * 1_000_000_000L + ts.get(ValueLayout.JAVA_LONG, 8);
            assertTrue(before <= ns && ns <= after, before + " <= " + ns + " <= " + after);
            assertEquals(-EINVAL, HostSyscall.clockGettime(4096, ts.address()));
        }
    }
}
