package jvisor.mmu;

import static jvisor.mmu.HostSegment.HOST;
import static jvisor.mmu.HostSegment.U16;
import static jvisor.mmu.HostSegment.U32;
import static jvisor.mmu.HostSegment.U64;
import static jvisor.mmu.HostSegment.U8;
import static jvisor.mmu.HostSegment.DOUBLEWORD;
import static jvisor.mmu.HostSegment.WORD;

import java.lang.foreign.MemorySegment;
import java.lang.reflect.Field;
import java.util.Objects;

/**
 * Loads and stores at host virtual addresses: the one primitive under every guest memory access.
 *
 * <p>Two implementations, chosen once per JVM. When the JVM was started with
 * {@code --sun-misc-unsafe-memory-access=allow} (the launcher and the tests do), accesses go
 * through {@code sun.misc.Unsafe}: one intrinsic each, a few bytes of bytecode, so HotSpot's C2
 * inlines them into translated guest code without spending its inlining budget
 * (DesiredMethodLimit). Otherwise they go through {@link HostSegment#HOST}, a
 * {@code MemorySegment}: just as exact, but each access is a chain of a dozen forced-inline
 * methods (VarHandle, bounds and liveness checks), and in large translated methods C2 then stops
 * inlining the guest's other helpers. Without the flag, touching {@code sun.misc.Unsafe}'s memory
 * methods would print a warning on the guest's stderr (JEP 498), which jvisor must never do.
 *
 * <p>The choice is a static final, so the JIT folds the branch away.
 */
public final class HostAccess {
    private HostAccess() {}

    /** The JVM's own name for the mode set by --sun-misc-unsafe-memory-access. */
    private static final String MODE_PROPERTY = "sun.misc.unsafe.memory.access";

    /** Set to "segment" to force the MemorySegment path (tests of the fallback). */
    private static final String FORCE_PROPERTY = "jvisor.host.access";

    @SuppressWarnings("removal")
    private static final sun.misc.Unsafe U = unsafeIfAllowed();

    /** True when accesses go through sun.misc.Unsafe. */
    public static final boolean UNSAFE = U != null;

    @SuppressWarnings("removal")
    private static final long BYTE_BASE = U != null ? U.arrayBaseOffset(byte[].class) : 0;

    @SuppressWarnings("removal")
    private static sun.misc.Unsafe unsafeIfAllowed() {
        if (!"allow".equals(System.getProperty(MODE_PROPERTY))) return null;
        if ("segment".equals(System.getProperty(FORCE_PROPERTY))) return null;
        try {
            Field f = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            return (sun.misc.Unsafe) f.get(null);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null; // the segment path is always there
        }
    }

    /** Which implementation this JVM uses, for diagnostics. */
    public static String implementation() {
        return UNSAFE ? "unsafe" : "segment";
    }

    @SuppressWarnings("removal")
    public static byte getByte(long hva) {
        return UNSAFE ? U.getByte(hva) : HOST.get(U8, hva);
    }

    @SuppressWarnings("removal")
    public static short getShort(long hva) {
        return UNSAFE ? U.getShort(hva) : HOST.get(U16, hva);
    }

    @SuppressWarnings("removal")
    public static int getInt(long hva) {
        return UNSAFE ? U.getInt(hva) : HOST.get(U32, hva);
    }

    @SuppressWarnings("removal")
    public static long getLong(long hva) {
        return UNSAFE ? U.getLong(hva) : HOST.get(U64, hva);
    }

    @SuppressWarnings("removal")
    public static void putByte(long hva, byte v) {
        if (UNSAFE) U.putByte(hva, v);
        else HOST.set(U8, hva, v);
    }

    @SuppressWarnings("removal")
    public static void putShort(long hva, short v) {
        if (UNSAFE) U.putShort(hva, v);
        else HOST.set(U16, hva, v);
    }

    @SuppressWarnings("removal")
    public static void putInt(long hva, int v) {
        if (UNSAFE) U.putInt(hva, v);
        else HOST.set(U32, hva, v);
    }

    @SuppressWarnings("removal")
    public static void putLong(long hva, long v) {
        if (UNSAFE) U.putLong(hva, v);
        else HOST.set(U64, hva, v);
    }

    /**
     * Copies len bytes of src, from index off, to host memory at hva. Bulk copies between Java
     * arrays and host memory go through here rather than {@code MemorySegment.copy}: that one
     * picks its array kind with a pattern switch whose bootstrap generates classes the first time
     * (about 10 ms of a starting JVM, on the way to a guest's first instruction).
     */
    @SuppressWarnings("removal")
    public static void copyIn(byte[] src, int off, long hva, int len) {
        Objects.checkFromIndexSize(off, len, src.length);
        if (UNSAFE) U.copyMemory(src, BYTE_BASE + off, null, hva, len);
        else MemorySegment.copy(src, off, HOST, U8, hva, len);
    }

    /** Copies len bytes of host memory at hva into dst, from index off (see {@link #copyIn}). */
    @SuppressWarnings("removal")
    public static void copyOut(long hva, byte[] dst, int off, int len) {
        Objects.checkFromIndexSize(off, len, dst.length);
        if (UNSAFE) U.copyMemory(null, hva, dst, BYTE_BASE + off, len);
        else MemorySegment.copy(HOST, U8, hva, dst, off, len);
    }

    /** A new array holding the len bytes of host memory at hva (see {@link #copyIn}). */
    public static byte[] bytes(long hva, int len) {
        byte[] out = new byte[len];
        copyOut(hva, out, 0, len);
        return out;
    }

    /**
     * Copies len bytes of host memory from src to dst; overlapping ranges are copied as if through
     * a temporary buffer (memmove). Through Unsafe where allowed, like the loads and stores: the
     * segment path makes method handle classes on first use, milliseconds of a starting JVM.
     */
    @SuppressWarnings("removal")
    public static void copy(long src, long dst, long len) {
        if (UNSAFE) U.copyMemory(src, dst, len);
        else MemorySegment.copy(HOST, src, HOST, dst, len);
    }

    /** Stores value into the len bytes of host memory at hva (see {@link #copy}). */
    @SuppressWarnings("removal")
    public static void fill(long hva, long len, byte value) {
        if (UNSAFE) U.setMemory(hva, len, value);
        else HOST.asSlice(hva, len).fill(value);
    }

    /** Volatile load of the 8-byte aligned quadword at hva (the locked instructions). */
    @SuppressWarnings("removal")
    public static long getLongVolatile(long hva) {
        return UNSAFE ? U.getLongVolatile(null, hva) : (long) WORD.getVolatile(HOST, hva);
    }

    /** Atomically replaces the 8-byte aligned quadword at hva by update if it holds expect; true if it did. */
    @SuppressWarnings("removal")
    public static boolean compareAndSetLong(long hva, long expect, long update) {
        return UNSAFE ? U.compareAndSwapLong(null, hva, expect, update) : WORD.compareAndSet(HOST, hva, expect, update);
    }

    /** Atomically adds delta to the 8-byte aligned quadword at hva; returns the value before. */
    @SuppressWarnings("removal")
    public static long getAndAddLong(long hva, long delta) {
        return UNSAFE ? U.getAndAddLong(null, hva, delta) : (long) WORD.getAndAdd(HOST, hva, delta);
    }

    /** Atomically adds delta to the 4-byte aligned doubleword at hva; returns the value before. */
    @SuppressWarnings("removal")
    public static int getAndAddInt(long hva, int delta) {
        return UNSAFE ? U.getAndAddInt(null, hva, delta) : (int) DOUBLEWORD.getAndAdd(HOST, hva, delta);
    }
}
