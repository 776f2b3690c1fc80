package jvisor.kernel.fs;

import java.lang.foreign.MemorySegment;

import jvisor.kernel.abi.Errno;
import jvisor.kernel.abi.Fs;
import jvisor.mmu.HostAccess;

/** /dev/null, /dev/zero, /dev/full, /dev/random and /dev/urandom (drivers/char/mem.c, random.c). */
public final class DevFile extends FileDescription {
    public enum Kind { NULL, ZERO, FULL, RANDOM }

    private final Kind kind;

    public DevFile(byte[] guestPath, int flags, Kind kind) {
        super(guestPath, (flags & ~(Fs.O_CREAT | Fs.O_EXCL | Fs.O_NOCTTY | Fs.O_TRUNC | Fs.O_CLOEXEC)) | Fs.O_LARGEFILE);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }

    @Override
    public long read(long hostBuf, long count) {
        if (!readable()) return -Errno.EBADF;
        switch (kind) {
            case NULL -> {
                return 0;
            }
            case ZERO, FULL -> {
                HostAccess.fill(hostBuf, count, (byte) 0);
                return count;
            }
            default -> {
                int n = (int) Math.min(count, 1 << 25);
                byte[] b = new byte[n];
                jvisor.kernel.host.HostRandom.fill(b);
                HostAccess.copyIn(b, 0, hostBuf, n);
                return n;
            }
        }
    }

    @Override
    public long pread(long hostBuf, long count, long offset) {
        if (kind == Kind.RANDOM) return -Errno.ESPIPE;
        return read(hostBuf, count);
    }

    @Override
    public long write(long hostBuf, long count) {
        if (!writable()) return -Errno.EBADF;
        return kind == Kind.FULL ? -Errno.ENOSPC : count;
    }

    @Override
    public boolean writeIgnoresData() {
        return kind != Kind.RANDOM; // random_write mixes the data into the pool
    }

    @Override
    public long pwrite(long hostBuf, long count, long offset) {
        if (kind == Kind.RANDOM) return -Errno.ESPIPE;
        return write(hostBuf, count);
    }

    @Override
    public long seek(long offset, int whence) {
        return 0; // mem.c's null_lseek: every seek succeeds and leaves position 0
    }

    @Override
    public boolean pollable() {
        return kind == Kind.RANDOM;
    }

    @Override
    public int stat(MemorySegment st) {
        vnode.stat(st);
        return 0;
    }

    @Override
    public long mmapCopy(long hostAddr, long length, long offset) {
        return kind == Kind.ZERO ? 0 : -Errno.ENODEV;
    }
}
