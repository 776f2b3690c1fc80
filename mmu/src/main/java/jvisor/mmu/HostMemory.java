package jvisor.mmu;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Host memory for guest regions: anonymous host mappings obtained from the host kernel with
 * mmap(2) through the FFM API, so that every guest page has a real host virtual address (HVA)
 * and the host kernel pages it in lazily (a 1 GiB guest reservation costs nothing until touched).
 *
 * <p>{@link #HOST} is a segment covering the whole host address space; all guest loads and
 * stores go through it at HVA offsets, which HotSpot compiles to plain moves.
 */
public final class HostMemory {
    /** Every host address; accesses through it are bounds-checked only against Long.MAX_VALUE. */
    public static final MemorySegment HOST = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    public static final int PAGE_SIZE = 4096;
    public static final long PAGE_MASK = PAGE_SIZE - 1;

    private static final int PROT_READ = 1, PROT_WRITE = 2;
    private static final int MAP_PRIVATE = 0x02, MAP_ANONYMOUS = 0x20, MAP_NORESERVE = 0x4000;
    private static final int MADV_DONTNEED = 4;

    // One holder class per function: the JVM makes a downcall stub (several milliseconds at
    // start-up) when the function is first called, and a program that never frees memory never
    // pays for munmap's and madvise's.
    private static final class Mmap {
        static final MethodHandle H = link("mmap", FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS,
                ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
    }

    private static final class Munmap {
        static final MethodHandle H = link("munmap", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                ValueLayout.JAVA_LONG));
    }

    private static final class Madvise {
        static final MethodHandle H = link("madvise", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
    }

    private static MethodHandle link(String name, FunctionDescriptor fd) {
        Linker linker = Linker.nativeLinker();
        return linker.downcallHandle(linker.defaultLookup().find(name).orElseThrow(), fd);
    }

    private HostMemory() {}

    public static long pageAlignUp(long n) {
        return (n + PAGE_MASK) & ~PAGE_MASK;
    }

    /**
     * Reserves length bytes (rounded up to pages) of zeroed host memory and returns its HVA.
     *
     * @throws OutOfMemoryError if the host refuses
     */
    public static long allocate(long length) {
        long len = pageAlignUp(length);
        try {
            MemorySegment p = (MemorySegment) Mmap.H.invokeExact(MemorySegment.NULL, len, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0L);
            long hva = p.address();
            if (hva == -1L) throw new OutOfMemoryError("host mmap of " + len + " bytes failed");
            return hva;
        } catch (OutOfMemoryError e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("host mmap", t);
        }
    }

    /** Returns host pages to the host kernel. */
    public static void free(long hva, long length) {
        try {
            int rc = (int) Munmap.H.invokeExact(MemorySegment.ofAddress(hva), pageAlignUp(length));
            if (rc != 0) throw new IllegalStateException("host munmap failed at 0x" + Long.toHexString(hva));
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("host munmap", t);
        }
    }

    /** Drops the contents of host pages; they read as zero afterwards (MADV_DONTNEED on private anonymous memory). */
    public static void zero(long hva, long length) {
        try {
            int rc = (int) Madvise.H.invokeExact(MemorySegment.ofAddress(hva), pageAlignUp(length), MADV_DONTNEED);
            if (rc != 0) HOST.asSlice(hva, length).fill((byte) 0);
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("host madvise", t);
        }
    }

    /** A scratch arena for short-lived host buffers (not guest memory). */
    public static Arena scratch() {
        return Arena.ofConfined();
    }
}
