package jvisor.mmu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * A segment covering the whole host address space, for bulk copies and fills at host addresses
 * ({@link AddressSpace}, the kernel's devices) and for {@link HostAccess} when sun.misc.Unsafe is
 * not allowed. A class of its own so that it is made on first use: making it (a restricted
 * method's checks) generates method handle classes, a few milliseconds of a starting JVM that a
 * guest which never needs the segment should not pay.
 */
public final class HostSegment {
    private HostSegment() {}

    /** Every host address; accesses through it are bounds-checked only against Long.MAX_VALUE. */
    public static final MemorySegment HOST = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    // HostAccess's segment path: the layouts of its loads and stores, the handle of its atomics.
    static final ValueLayout.OfByte U8 = ValueLayout.JAVA_BYTE;
    static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED;
    static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED;
    static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED;
    static final VarHandle WORD = ValueLayout.JAVA_LONG.varHandle();
}
