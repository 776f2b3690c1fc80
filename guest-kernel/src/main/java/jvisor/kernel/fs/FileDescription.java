package jvisor.kernel.fs;

import java.lang.foreign.MemorySegment;

import jvisor.kernel.abi.Errno;
import jvisor.kernel.abi.Fs;

/**
 * An open file description (open(2)'s "open file description"): what file descriptors point to.
 * Several descriptors share one after dup(2); the description goes away with its last reference.
 *
 * <p>I/O methods take host addresses: the syscall layer has already checked and translated the
 * guest buffer, so a description never sees guest addresses. Every method returns a count or
 * {@code -errno}, like the syscall it serves.
 */
public abstract class FileDescription {
    private int refs = 1;
    /** Access mode and status flags as F_GETFL reports them. */
    protected int flags;
    /** The path inside the sandbox, for /proc/self/fd, /proc/self/maps and *at(2) lookups; may be synthetic. */
    protected final byte[] guestPath;

    protected FileDescription(byte[] guestPath, int flags) {
        this.guestPath = guestPath;
        this.flags = flags;
    }

    public final void incRef() {
        refs++;
    }

    public final void decRef() {
        if (--refs == 0) release();
    }

    /** Called when the last descriptor referring to this description is closed. */
    protected void release() {}

    public byte[] guestPath() {
        return guestPath;
    }

    public int accessMode() {
        return flags & Fs.O_ACCMODE;
    }

    public boolean readable() {
        int m = accessMode();
        return (flags & Fs.O_PATH) == 0 && (m == Fs.O_RDONLY || m == Fs.O_RDWR);
    }

    public boolean writable() {
        int m = accessMode();
        return (flags & Fs.O_PATH) == 0 && (m == Fs.O_WRONLY || m == Fs.O_RDWR);
    }

    public boolean isPathOnly() {
        return (flags & Fs.O_PATH) != 0;
    }

    public int getFlags() {
        return flags;
    }

    /** F_SETFL: only the status flags in Fs.SETFL_MASK change. */
    public int setFlags(int newFlags) {
        flags = (flags & ~Fs.SETFL_MASK) | (newFlags & Fs.SETFL_MASK);
        return 0;
    }

    public boolean isDirectory() {
        return false;
    }

    /** read(2) into host memory. */
    public long read(long hostBuf, long count) {
        return -Errno.EINVAL;
    }

    public long write(long hostBuf, long count) {
        return -Errno.EINVAL;
    }

    public long pread(long hostBuf, long count, long offset) {
        return -Errno.ESPIPE;
    }

    public long pwrite(long hostBuf, long count, long offset) {
        return -Errno.ESPIPE;
    }

    public long seek(long offset, int whence) {
        return -Errno.ESPIPE;
    }

    /** getdents64(2): directory entries as struct linux_dirent64 records into host memory. */
    public long getdents64(long hostBuf, long count) {
        return -Errno.ENOTDIR;
    }

    /** Fills a 144-byte x86-64 struct stat. */
    public abstract int stat(MemorySegment statBuf);

    /** statx(2) of this file, into a 256-byte struct statx. */
    public int statx(int mask, MemorySegment statxBuf) {
        return -Errno.ENOSYS;
    }

    /**
     * ioctl(2) with the argument already copied into a host buffer of argSize bytes (for requests
     * with a known argument size) or the raw argument value.
     */
    public long ioctl(long request, MemorySegment arg) {
        return -Errno.ENOTTY;
    }

    /**
     * Copies length bytes of the file from offset into host memory (a private file mapping is a copy
     * in this kernel); bytes past the end of the file are left as they are (zero).
     */
    public long mmapCopy(long hostAddr, long length, long offset) {
        return -Errno.ENODEV;
    }

    /** The host fd behind this description, or -1 (for /proc/self/fd and faccessat). */
    public int hostFd() {
        return -1;
    }
}
