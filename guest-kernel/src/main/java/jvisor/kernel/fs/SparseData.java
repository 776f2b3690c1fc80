package jvisor.kernel.fs;

import java.util.Map;
import java.util.TreeMap;

import jvisor.mmu.HostAccess;

/**
 * The contents of a tmpfs file: pages allocated on first write, so a file grown by truncate or
 * by a write far past its end stays sparse (holes read as zeros, SEEK_HOLE finds them, st_blocks
 * counts only allocated pages), as shmem does.
 */
public final class SparseData {
    public static final int PAGE = 4096;
    private final TreeMap<Long, byte[]> pages = new TreeMap<>();
    private long size;

    public long size() {
        return size;
    }

    /** 512-byte blocks allocated. */
    public long blocks() {
        return pages.size() * (PAGE / 512L);
    }

    /** Copies up to n bytes from off into host memory; returns the count (0 at or past the end). */
    public long read(long off, long hostAddr, long n) {
        if (off >= size) return 0;
        n = Math.min(n, size - off);
        long done = 0;
        while (done < n) {
            long p = (off + done) / PAGE;
            int in = (int) ((off + done) % PAGE);
            int chunk = (int) Math.min(PAGE - in, n - done);
            byte[] page = pages.get(p);
            if (page == null) {
                HostAccess.fill(hostAddr + done, chunk, (byte) 0);
            } else {
                HostAccess.copyIn(page, in, hostAddr + done, chunk);
            }
            done += chunk;
        }
        return n;
    }

    /** Writes n bytes of host memory at off, growing the file. */
    public void write(long off, long hostAddr, long n) {
        long done = 0;
        while (done < n) {
            long p = (off + done) / PAGE;
            int in = (int) ((off + done) % PAGE);
            int chunk = (int) Math.min(PAGE - in, n - done);
            byte[] page = pages.computeIfAbsent(p, k -> new byte[PAGE]);
            HostAccess.copyOut(hostAddr + done, page, in, chunk);
            done += chunk;
        }
        if (off + n > size) size = off + n;
    }

    public void write(long off, byte[] data) {
        for (int i = 0; i < data.length; i++) {
            long p = (off + i) / PAGE;
            pages.computeIfAbsent(p, k -> new byte[PAGE])[(int) ((off + i) % PAGE)] = data[i];
        }
        if (off + data.length > size) size = off + data.length;
    }

    public void truncate(long len) {
        if (len < size) {
            long firstGone = (len + PAGE - 1) / PAGE;
            pages.tailMap(firstGone, true).clear();
            byte[] last = pages.get(len / PAGE);
            if (last != null && len % PAGE != 0) java.util.Arrays.fill(last, (int) (len % PAGE), PAGE, (byte) 0);
        }
        size = len;
    }

    /** fallocate mode 0: allocates pages and grows the size (unless keepSize). */
    public void allocate(long off, long len, boolean keepSize) {
        for (long p = off / PAGE; p <= (off + len - 1) / PAGE; p++) pages.computeIfAbsent(p, k -> new byte[PAGE]);
        if (!keepSize && off + len > size) size = off + len;
    }

    /**
     * FALLOC_FL_PUNCH_HOLE: the pages wholly inside [off, off + len) go (holes again), the bytes of
     * the others in the range become zeros; the size stays.
     */
    public void punchHole(long off, long len) {
        long end = off + len;
        long firstWhole = (off + PAGE - 1) / PAGE, pastWhole = end / PAGE;
        if (firstWhole < pastWhole) pages.subMap(firstWhole, true, pastWhole, false).clear();
        for (long p : new long[] {off / PAGE, (end - 1) / PAGE}) {
            byte[] page = pages.get(p);
            if (page == null) continue;
            long from = Math.max(off, p * PAGE), to = Math.min(end, (p + 1) * PAGE);
            if (from < to) java.util.Arrays.fill(page, (int) (from - p * PAGE), (int) (to - p * PAGE), (byte) 0);
        }
    }

    /** SEEK_DATA: the first data offset at or after off, or -1 (ENXIO). */
    public long seekData(long off) {
        if (off >= size) return -1;
        Map.Entry<Long, byte[]> e = pages.ceilingEntry(off / PAGE);
        if (e == null) return -1;
        long start = Math.max(off, e.getKey() * PAGE);
        return start >= size ? -1 : start;
    }

    /** SEEK_HOLE: the first hole at or after off (the end of the file counts as a hole), or -1. */
    public long seekHole(long off) {
        if (off >= size) return -1;
        long p = off / PAGE;
        while (pages.containsKey(p)) p++;
        return Math.min(Math.max(off, p * PAGE), size);
    }

    public byte[] toBytes() {
        byte[] out = new byte[(int) Math.min(size, Integer.MAX_VALUE - 8)];
        for (Map.Entry<Long, byte[]> e : pages.entrySet()) {
            long start = e.getKey() * PAGE;
            if (start >= out.length) break;
            System.arraycopy(e.getValue(), 0, out, (int) start, (int) Math.min(PAGE, out.length - start));
        }
        return out;
    }
}
