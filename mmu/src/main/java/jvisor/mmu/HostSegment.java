package jvisor.mmu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * A segment covering the whole host address space: {@link HostAccess}'s way to host memory when
 * sun.misc.Unsafe is not allowed (and the tests'). A class of its own so that it is made on first
 * use: making it (a restricted method's checks) and its VarHandle generates method handle
 * classes, milliseconds of a starting JVM that a JVM on the Unsafe path should not pay.
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
    static final VarHandle DOUBLEWORD = ValueLayout.JAVA_INT.varHandle();
}
