package jvisor.kernel.fs;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The x86-64 struct stat (arch/x86/include/uapi/asm/stat.h), 144 bytes: the same layout glibc's
 * fstatat fills on the host, so host results are copied to the guest as they are.
 */
public final class StatBuf {
    public static final int SIZE = 144;
    public static final int ST_DEV = 0, ST_INO = 8, ST_NLINK = 16, ST_MODE = 24, ST_UID = 28, ST_GID = 32,
            ST_RDEV = 40, ST_SIZE = 48, ST_BLKSIZE = 56, ST_BLOCKS = 64, ST_ATIME = 72, ST_MTIME = 88,
            ST_CTIME = 104;
    /** sizeof(struct statx). */
    public static final int STATX_SIZE = 256;

    private StatBuf() {}

    /** A stat for a kernel-generated file: procfs's device 0:22-like numbers are not worth faking. */
    public static void synthetic(MemorySegment buf, int mode, long size) {
        buf.asSlice(0, SIZE).fill((byte) 0);
        buf.set(ValueLayout.JAVA_LONG, ST_NLINK, 1);
        buf.set(ValueLayout.JAVA_INT, ST_MODE, mode);
        buf.set(ValueLayout.JAVA_LONG, ST_SIZE, size);
        buf.set(ValueLayout.JAVA_LONG, ST_BLKSIZE, 1024);
        long now = System.currentTimeMillis();
        for (int off : new int[] {ST_ATIME, ST_MTIME, ST_CTIME}) {
            buf.set(ValueLayout.JAVA_LONG, off, now / 1000);
            buf.set(ValueLayout.JAVA_LONG, off + 8, (now % 1000) * 1_000_000);
        }
    }
}
