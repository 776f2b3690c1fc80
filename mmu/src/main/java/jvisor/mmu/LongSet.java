package jvisor.mmu;

import java.util.Arrays;

/** An open-addressing set of longs (no boxing), for page numbers on slow paths. */
final class LongSet {
    private static final long EMPTY = Long.MIN_VALUE;
    private long[] slots = new long[64];
    private int size;

    LongSet() {
        Arrays.fill(slots, EMPTY);
    }

    boolean contains(long key) {
        int mask = slots.length - 1;
        for (int i = hash(key) & mask; ; i = (i + 1) & mask) {
            long s = slots[i];
            if (s == key) return true;
            if (s == EMPTY) return false;
        }
    }

    boolean add(long key) {
        if ((size + 1) * 2 > slots.length) grow();
        int mask = slots.length - 1;
        for (int i = hash(key) & mask; ; i = (i + 1) & mask) {
            long s = slots[i];
            if (s == key) return false;
            if (s == EMPTY) {
                slots[i] = key;
                size++;
                return true;
            }
        }
    }

    boolean remove(long key) {
        int mask = slots.length - 1;
        int i = hash(key) & mask;
        while (slots[i] != key) {
            if (slots[i] == EMPTY) return false;
            i = (i + 1) & mask;
        }
        slots[i] = EMPTY;
        size--;
        // Re-insert the rest of the probe run so lookups do not stop early at the hole.
        for (int j = (i + 1) & mask; slots[j] != EMPTY; j = (j + 1) & mask) {
            long k = slots[j];
            slots[j] = EMPTY;
            size--;
            add(k);
        }
        return true;
    }

    int size() {
        return size;
    }

    void clear() {
        Arrays.fill(slots, EMPTY);
        size = 0;
    }

    /** The keys in [from, to), in no particular order. */
    long[] keysInRange(long from, long to) {
        long[] out = new long[size];
        int n = 0;
        for (long s : slots) if (s != EMPTY && s >= from && s < to) out[n++] = s;
        return Arrays.copyOf(out, n);
    }

    private void grow() {
        long[] old = slots;
        slots = new long[old.length * 2];
        Arrays.fill(slots, EMPTY);
        size = 0;
        for (long s : old) if (s != EMPTY) add(s);
    }

    private static int hash(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32));
    }
}
