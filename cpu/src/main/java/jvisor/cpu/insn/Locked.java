package jvisor.cpu.insn;

import jvisor.cpu.Cpu;
import jvisor.cpu.Flags;
import jvisor.mmu.HostAccess;

/**
 * LOCK-prefixed read-modify-writes (and XCHG with memory, which is always locked) as atomic
 * operations on host memory, so that vCPUs on other host threads sharing the address space see
 * each one whole (Intel SDM Vol. 3A "Locked Atomic Operations",
 * "Bus Locking"; Vol. 2A "LOCK").
 *
 * <p>An operand of 1, 2, 4 or 8 bytes inside one aligned 8-byte word is updated with a
 * compare-and-set loop on that word: the handler loads the operand, computes the new value and
 * stores it only if the word still holds what it loaded, else starts over. The compare covers the
 * whole word, so a plain store by another vCPU to a neighbouring byte is never undone. Additions
 * (ADD, ADC, SUB, SBB, INC, DEC, XADD) to a naturally aligned doubleword or quadword are one
 * atomic add of the host instead ({@link #getAndAdd}).
 *
 * <p>An operand crossing an 8-byte boundary (a split lock, which hardware turns into a bus lock)
 * runs the plain instruction under one global lock instead: atomic with respect to every other
 * split locked access, not to aligned locked accesses that overlap it (which no sane program
 * mixes). CMPXCHG16B needs a 16-byte atomic update that Java has no compare-and-set for: it runs
 * under one of 64 locks chosen by address, atomic with respect to every other CMPXCHG16B, not to
 * 8-byte locked updates of one of its halves.
 *
 * <p>The host address comes from {@link jvisor.mmu.Tlb#translateForUpdate}: read permission is
 * checked first, then write permission, so a fault is the one the plain instruction raises, and a
 * page shared copy-on-write is copied before it is updated. The address stays valid to the end of
 * the instruction.
 */
final class Locked {
    /** The lock of split locked accesses. */
    static final Object SPLIT = new Object();

    private static final Object[] STRIPES = new Object[64];

    static {
        for (int k = 0; k < STRIPES.length; k++) STRIPES[k] = new Object();
    }

    private Locked() {}

    /** True if size bytes at a cross an 8-byte boundary (guest and host addresses agree modulo a page). */
    static boolean splits(long a, int size) {
        return (a & 7) + size > 8;
    }

    /** The host address of the operand at guest address a, checked for reading and writing. */
    static long address(Cpu c, long a) {
        return c.mem().translateForUpdate(a);
    }

    /** The operand of size bytes at host address h (inside one aligned word), zero-extended. */
    static long load(long h, int size) {
        long w = HostAccess.getLongVolatile(h & ~7L);
        return (w >>> shift(h)) & Flags.mask(size);
    }

    /**
     * Stores update into the operand at h if it still holds expect (both zero-extended), atomically.
     *
     * @return false if the operand changed since it was loaded
     */
    static boolean compareAndSet(long h, int size, long expect, long update) {
        long word = h & ~7L;
        int shift = shift(h);
        long m = Flags.mask(size) << shift;
        while (true) {
            long w = HostAccess.getLongVolatile(word);
            if ((w & m) != (expect << shift)) return false;
            if (HostAccess.compareAndSetLong(word, w, (w & ~m) | ((update << shift) & m))) return true;
            // another byte of the word changed: the operand may still match, look again
        }
    }

    /**
     * Adds delta to the operand of size bytes at host address h (inside one aligned word),
     * atomically; returns its value before, zero-extended. A naturally aligned doubleword or
     * quadword takes one atomic add of the host (LOCK XADD), which, unlike the compare-and-set
     * loop the other operands take, never starts over when another vCPU updates the operand at
     * the same time (the atomic counter of scripts/bench, with two vCPUs incrementing it).
     */
    static long getAndAdd(long h, int size, long delta) {
        if (size == 8 && (h & 7) == 0) return HostAccess.getAndAddLong(h, delta);
        if (size == 4 && (h & 3) == 0) return HostAccess.getAndAddInt(h, (int) delta) & 0xFFFFFFFFL;
        long m = Flags.mask(size), v;
        do {
            v = load(h, size);
        } while (!compareAndSet(h, size, v, (v + delta) & m));
        return v;
    }

    /**
     * LOCK ADD, SUB, INC, DEC or XADD of delta to the operand of size bytes at guest address a:
     * one atomic update ({@link #getAndAdd}), or for a split operand a load and a store under
     * {@link #SPLIT}; returns the operand's value before, zero-extended. It faults as the plain
     * instruction does (read permission, then write) and before it changes anything.
     */
    static long getAndAddAt(Cpu c, long a, int size, long delta) {
        if (!splits(a, size)) return getAndAdd(address(c, a), size, delta);
        synchronized (SPLIT) {
            long d = c.load(a, size);
            c.store(a, size, (d + delta) & Flags.mask(size));
            return d;
        }
    }

    /**
     * LOCK CMPXCHG on the operand of size bytes at guest address a: stores update if the operand
     * holds expected, atomically, and returns the operand's value before (zero-extended); a split
     * operand is compared and written back (as the SDM specifies for a failed compare) under
     * {@link #SPLIT}. It faults as the plain instruction does, before any change.
     */
    static long compareExchangeAt(Cpu c, long a, int size, long expected, long update) {
        if (!splits(a, size)) {
            long h = address(c, a);
            long d;
            do {
                d = load(h, size);
            } while (d == expected && !compareAndSet(h, size, d, update));
            return d;
        }
        synchronized (SPLIT) {
            long d = c.load(a, size);
            c.store(a, size, d == expected ? update : d);
            return d;
        }
    }

    /**
     * XCHG with memory (atomic with or without LOCK): stores v into the operand of size bytes at
     * guest address a and returns the operand's value before, zero-extended; a split operand
     * under {@link #SPLIT}. It faults as the plain instruction does, before any change.
     */
    static long exchangeAt(Cpu c, long a, int size, long v) {
        if (!splits(a, size)) {
            long h = address(c, a);
            long m;
            do {
                m = load(h, size);
            } while (!compareAndSet(h, size, m, v));
            return m;
        }
        synchronized (SPLIT) {
            long m = c.load(a, size);
            c.store(a, size, v);
            return m;
        }
    }

    /** The lock that makes CMPXCHG16B at host address h atomic. */
    static Object stripe(long h) {
        return STRIPES[(int) (h >>> 4) & (STRIPES.length - 1)];
    }

    private static int shift(long h) {
        return (int) (h & 7) * 8;
    }
}
