package jvisor.kernel.fs;

import java.lang.foreign.MemorySegment;

import jvisor.kernel.abi.Errno;
import jvisor.kernel.abi.Fs;

/** An open tmpfs regular file (also memfd_create's and O_TMPFILE's files). */
public final class TmpFile extends FileDescription {
    /** fallocate(2) modes. */
    private static final int FALLOC_FL_KEEP_SIZE = 1, FALLOC_FL_PUNCH_HOLE = 2;
    private final TmpFs.File file;
    private long position;
    /** Max file size (MAX_LFS_FILESIZE). */
    private static final long MAX_SIZE = Long.MAX_VALUE;

    public TmpFile(byte[] guestPath, int flags, TmpFs.File file) {
        super(guestPath, (flags & ~(Fs.O_CREAT | Fs.O_EXCL | Fs.O_NOCTTY | Fs.O_TRUNC | Fs.O_CLOEXEC))
                | Fs.O_LARGEFILE);
        this.file = file;
        this.vnode = file;
    }

    public TmpFs.File file() {
        return file;
    }

    @Override
    public long read(long hostBuf, long count) {
        long n = pread0(hostBuf, count, position);
        if (n > 0) position += n;
        return n;
    }

    @Override
    public long pread(long hostBuf, long count, long offset) {
        if (!readable()) return -Errno.EBADF;
        if (offset < 0) return -Errno.EINVAL;
        return pread0(hostBuf, count, offset);
    }

    private long pread0(long hostBuf, long count, long offset) {
        if (!readable()) return -Errno.EBADF;
        return file.data.read(offset, hostBuf, count);
    }

    @Override
    public long write(long hostBuf, long count) {
        if (!writable()) return -Errno.EBADF;
        if ((flags & Fs.O_APPEND) != 0) position = file.data.size();
        long n = pwrite0(hostBuf, count, position);
        if (n > 0) position += n;
        return n;
    }

    @Override
    public long pwrite(long hostBuf, long count, long offset) {
        if (!writable()) return -Errno.EBADF;
        if (offset < 0) return -Errno.EINVAL;
        // Linux: pwrite on an O_APPEND file appends whatever the offset.
        if ((flags & Fs.O_APPEND) != 0) offset = file.data.size();
        return pwrite0(hostBuf, count, offset);
    }

    private long pwrite0(long hostBuf, long count, long offset) {
        if (count == 0) return 0;
        if (offset + count < 0 || offset + count > MAX_SIZE) return -Errno.EFBIG;
        if ((file.seals & 0x8) != 0) return -Errno.EPERM; // F_SEAL_WRITE
        if ((file.seals & 0x4) != 0 && offset + count > file.data.size()) return -Errno.EPERM; // F_SEAL_GROW
        file.data.write(offset, hostBuf, count);
        file.modified();
        return count;
    }

    @Override
    public long seek(long offset, int whence) {
        if (isPathOnly()) return -Errno.EBADF;
        long size = file.data.size();
        long p;
        switch (whence) {
            case Fs.SEEK_SET -> p = offset;
            case Fs.SEEK_CUR -> p = position + offset;
            case Fs.SEEK_END -> p = size + offset;
            case Fs.SEEK_DATA -> {
                if (offset < 0) return -Errno.ENXIO;
                p = file.data.seekData(offset);
                if (p < 0) return -Errno.ENXIO;
            }
            case Fs.SEEK_HOLE -> {
                if (offset < 0) return -Errno.ENXIO;
                p = file.data.seekHole(offset);
                if (p < 0) return -Errno.ENXIO;
            }
            default -> {
                return -Errno.EINVAL;
            }
        }
        if (p < 0) return -Errno.EINVAL;
        position = p;
        return p;
    }

    @Override
    public int stat(MemorySegment statBuf) {
        file.stat(statBuf);
        return 0;
    }

    @Override
    public int truncate(long length) {
        if (!writable()) return -Errno.EINVAL;
        if (length < 0) return -Errno.EINVAL;
        try {
            file.truncate(length);
        } catch (jvisor.kernel.syscall.SyscallException e) {
            return -e.errno;
        }
        return 0;
    }

    @Override
    public int fallocate(int mode, long offset, long length) {
        if (!writable()) return -Errno.EBADF;
        if (offset < 0 || length <= 0) return -Errno.EINVAL;
        // shmem_fallocate: allocation (mode 0, or KEEP_SIZE) and PUNCH_HOLE, which vfs_fallocate
        // accepts only with KEEP_SIZE; a write seal forbids the punch.
        if (mode == (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE)) {
            if ((file.seals & 0x8) != 0) return -Errno.EPERM; // F_SEAL_WRITE
            file.data.punchHole(offset, length);
            file.modified();
            return 0;
        }
        if ((mode & ~FALLOC_FL_KEEP_SIZE) != 0) return -Errno.EOPNOTSUPP;
        file.data.allocate(offset, length, (mode & FALLOC_FL_KEEP_SIZE) != 0);
        file.modified();
        return 0;
    }

    @Override
    public long available() {
        return Math.max(0, file.data.size() - position);
    }

    @Override
    public long mmapCopy(long hostAddr, long length, long offset) {
        file.data.read(offset, hostAddr, length);
        return 0;
    }

    @Override
    public long ioctl(long request, MemorySegment arg) {
        return -Errno.ENOTTY;
    }
}
