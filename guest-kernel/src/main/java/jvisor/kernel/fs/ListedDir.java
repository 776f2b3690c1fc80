package jvisor.kernel.fs;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import jvisor.kernel.abi.Errno;
import jvisor.kernel.abi.Fs;
import jvisor.mmu.HostAccess;

/**
 * An open directory whose entries the kernel knows (tmpfs, /proc): getdents64 lists ".", ".."
 * and a snapshot of the entries taken when the listing starts (or restarts after a seek to 0);
 * d_off is the index of the next entry, as lseek and telldir use.
 */
public class ListedDir extends FileDescription {
    private List<Vnode.DirEntry> snapshot;
    private long position;

    public ListedDir(byte[] guestPath, int flags, Vnode dir) {
        super(guestPath, (flags & ~(Fs.O_CREAT | Fs.O_EXCL | Fs.O_NOCTTY | Fs.O_TRUNC | Fs.O_CLOEXEC))
                | Fs.O_LARGEFILE);
        this.vnode = dir;
    }

    @Override
    public boolean isDirectory() {
        return vnode.type() == Fs.S_IFDIR;
    }

    @Override
    public long read(long hostBuf, long count) {
        return isPathOnly() ? -Errno.EBADF : -Errno.EISDIR;
    }

    @Override
    public long pread(long hostBuf, long count, long offset) {
        return isPathOnly() ? -Errno.EBADF : -Errno.EISDIR;
    }

    @Override
    public long write(long hostBuf, long count) {
        return -Errno.EBADF;
    }

    @Override
    public long pwrite(long hostBuf, long count, long offset) {
        return -Errno.EBADF;
    }

    @Override
    public int stat(MemorySegment statBuf) {
        try {
            vnode.stat(statBuf);
        } catch (jvisor.kernel.syscall.SyscallException e) {
            return -e.errno;
        }
        return 0;
    }

    @Override
    public long seek(long offset, int whence) {
        if (isPathOnly()) return -Errno.EBADF;
        long p = switch (whence) {
            case Fs.SEEK_SET -> offset;
            case Fs.SEEK_CUR -> position + offset;
            default -> -1;
        };
        if (p < 0) return -Errno.EINVAL;
        if (p == 0) snapshot = null;
        position = p;
        return p;
    }

    private long inoOf(Vnode v) {
        if (v instanceof TmpFs.Node n) return n.ino();
        if (v instanceof ProcNode p) return p.ino();
        return 1;
    }

    @Override
    public long getdents64(long hostBuf, long count) {
        if (isPathOnly()) return -Errno.EBADF;
        if (!isDirectory()) return -Errno.ENOTDIR;
        if (snapshot == null) {
            List<Vnode.DirEntry> all = new ArrayList<>();
            long self = inoOf(vnode);
            all.add(new Vnode.DirEntry(new byte[] {'.'}, self, 4));
            all.add(new Vnode.DirEntry(new byte[] {'.', '.'}, vnode.parentIno(), 4));
            try {
                all.addAll(vnode.list());
            } catch (jvisor.kernel.syscall.SyscallException e) {
                return -e.errno;
            }
            snapshot = all;
        }
        long out = 0;
        while (position < snapshot.size()) {
            Vnode.DirEntry e = snapshot.get((int) position);
            int reclen = (19 + e.name().length + 1 + 7) & ~7;
            if (out + reclen > count) {
                if (out == 0) return -Errno.EINVAL;
                break;
            }
            long a = hostBuf + out;
            HostAccess.fill(a, reclen, (byte) 0);
            HostAccess.putLong(a, e.ino());
            HostAccess.putLong(a + 8, position + 1);
            HostAccess.putShort(a + 16, (short) reclen);
            HostAccess.putByte(a + 18, (byte) e.type());
            HostAccess.copyIn(e.name(), 0, a + 19, e.name().length);
            out += reclen;
            position++;
        }
        return out;
    }

    /** An O_PATH description of a file that cannot otherwise be opened here (a symlink, a FIFO). */
    public static final class PathOnly extends ListedDir {
        public PathOnly(byte[] guestPath, int flags, Vnode v) {
            super(guestPath, flags, v);
        }
    }
}
