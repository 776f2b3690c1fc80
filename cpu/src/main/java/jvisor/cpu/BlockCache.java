package jvisor.cpu;

import java.util.Arrays;

/**
 * Decoded blocks by guest start address: an open-addressing table of primitive keys (no boxing
 * on lookup). Any change to a code page empties it; code changes are rare enough (loading,
 * unloading, JITs in the guest) that exact per-page bookkeeping is not worth its cost yet.
 * Emptying it marks every block it held invalid, which also cuts the chains between them
 * ({@link Block#valid}).
 */
final class BlockCache {
    private static final long EMPTY = -1L; // no instruction starts at the last address byte with a full block
    private long[] keys;
    private Block[] blocks;
    private int size;

    BlockCache() {
        clear();
    }

    Block get(long start) {
        long[] k = keys;
        int mask = k.length - 1;
        for (int i = hash(start) & mask; ; i = (i + 1) & mask) {
            long key = k[i];
            if (key == start) return blocks[i];
            if (key == EMPTY) return null;
        }
    }

    void put(Block b) {
        if ((size + 1) * 2 > keys.length) grow();
        insert(b);
    }

    private void insert(Block b) {
        int mask = keys.length - 1;
        for (int i = hash(b.start) & mask; ; i = (i + 1) & mask) {
            if (keys[i] == b.start) { blocks[i] = b; return; }
            if (keys[i] == EMPTY) {
                keys[i] = b.start;
                blocks[i] = b;
                size++;
                return;
            }
        }
    }

    private void grow() {
        Block[] old = blocks;
        keys = new long[keys.length * 2];
        Arrays.fill(keys, EMPTY);
        blocks = new Block[keys.length];
        size = 0;
        for (Block b : old) if (b != null) insert(b);
    }

    void clear() {
        if (blocks != null) {
            for (Block b : blocks) if (b != null) b.valid = false;
        }
        keys = new long[1024];
        Arrays.fill(keys, EMPTY);
        blocks = new Block[1024];
        size = 0;
    }

    int size() {
        return size;
    }

    private static int hash(long addr) {
        long h = addr * 0x9E3779B97F4A7C15L;
        return (int) (h >>> 32);
    }
}
