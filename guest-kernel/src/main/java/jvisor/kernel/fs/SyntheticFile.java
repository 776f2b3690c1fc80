package jvisor.kernel.fs;

import java.lang.foreign.MemorySegment;

import jvisor.kernel.abi.Errno;
import jvisor.kernel.abi.Fs;
import jvisor.mmu.HostAccess;
import jvisor.mmu.HostMemory;

/**
 * A read-only file whose contents the kernel generates when it is opened (procfs files such as
 * /proc/self/maps): a snapshot, read with a file position like a regular file; stat shows a
 * procfs-like regular file of size 0.
 */
public final class SyntheticFile extends FileDescription {
    private final byte[] content;
    private final boolean directory;
    private long position;

    public SyntheticFile(byte[] guestPath, byte[] content, int flags) {
        this(guestPath, content, flags, false);
    }

    /** A generated directory can be opened (as a dirfd) but not read. */
    public SyntheticFile(byte[] guestPath, byte[] content, int flags, boolean directory) {
        super(guestPath, flags);
        this.content = content;
        this.directory = directory;
    }

    @Override
    public boolean isDirectory() {
        return directory;
    }

    @Override
    public long read(long hostBuf, long count) {
        long n = pread(hostBuf, count, position);
        if (n > 0) position += n;
        return n;
    }

    @Override
    public long pread(long hostBuf, long count, long offset) {
        if (!readable()) return -Errno.EBADF;
        if (directory) return -Errno.EISDIR;
        if (offset < 0) return -Errno.EINVAL;
        if (offset >= content.length) return 0;
        int n = (int) Math.min(count, content.length - offset);
        HostAccess.copyIn(content, (int) offset, hostBuf, n);
        return n;
    }

    /** Generated directories list nothing (their entries can still be opened by name). */
    @Override
    public long getdents64(long hostBuf, long count) {
        return directory ? 0 : -Errno.ENOTDIR;
    }

    @Override
    public long write(long hostBuf, long count) {
        return -Errno.EBADF;
    }

    @Override
    public long seek(long offset, int whence) {
        long base = switch (whence) {
            case Fs.SEEK_SET -> 0;
            case Fs.SEEK_CUR -> position;
            case Fs.SEEK_END -> vnode instanceof ProcNode p ? p.seekEndBase() : content.length;
            default -> -1;
        };
        if (base < 0) return -Errno.EINVAL;
        long p = base + offset;
        if (p < 0) return -Errno.EINVAL;
        position = p;
        return p;
    }

    @Override
    public int stat(MemorySegment statBuf) {
        if (vnode != null) {
            vnode.stat(statBuf);
            return 0;
        }
        StatBuf.synthetic(statBuf, directory ? Fs.S_IFDIR | 0555 : Fs.S_IFREG | 0444, 0);
        return 0;
    }

    @Override
    public long mmapCopy(long hostAddr, long length, long offset) {
        if (offset < content.length) {
            int n = (int) Math.min(length, content.length - offset);
            HostAccess.copyIn(content, (int) offset, hostAddr, n);
        }
        return 0;
    }
}
