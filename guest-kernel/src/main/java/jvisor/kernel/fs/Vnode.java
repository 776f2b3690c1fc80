package jvisor.kernel.fs;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

import jvisor.kernel.abi.Errno;
import jvisor.kernel.abi.Fs;
import jvisor.kernel.proc.Credentials;
import jvisor.kernel.syscall.SyscallException;

/**
 * A file of the guest's file system tree, whatever file system holds it (Linux's inode with the
 * operations of its file system): a host file under the sandbox root, a tmpfs inode, a generated
 * /proc entry. Directory operations are called on the parent directory with the final name.
 * Failures throw {@link SyscallException} with Linux's errno; unsupported operations fail as
 * Linux does for a file system without them (EPERM).
 */
public abstract class Vnode {
    protected Mount mount;

    public Mount mount() {
        return mount;
    }

    void setMount(Mount m) {
        this.mount = m;
    }

    protected static SyscallException fail(int errno) {
        return SyscallException.of(errno);
    }

    /** The file type bits (S_IFMT) of the file; -errno if it vanished. */
    public abstract int type();

    /** Fills the 144-byte struct stat. */
    public abstract void stat(MemorySegment st);

    /** An identity for "same file" tests and record locks (equal for hard links of one inode). */
    public abstract Object key();

    /** st_mode (type and permission bits). */
    public int mode() {
        MemorySegment st = jvisor.kernel.host.Scratch.get(StatBuf.SIZE).asSlice(0, StatBuf.SIZE);
        stat(st);
        return st.get(ValueLayout.JAVA_INT, StatBuf.ST_MODE);
    }

    public boolean isDir() {
        return type() == Fs.S_IFDIR;
    }

    /** The child called name of this directory, or null if there is none. */
    public Vnode lookup(byte[] name) {
        throw fail(Errno.ENOTDIR);
    }

    public byte[] readlink() {
        throw fail(Errno.EINVAL);
    }

    /** Opens the file for the guest (flags as open(2) got them; creation already done). */
    public abstract FileDescription open(byte[] guestPath, int flags);

    /** The entries of a directory for getdents (without "." and ".."). */
    public List<DirEntry> list() {
        throw fail(Errno.ENOTDIR);
    }

    /** The inode number of this directory's parent, for a listing's "..". */
    public long parentIno() {
        return 1;
    }

    public Vnode create(byte[] name, int mode, Credentials c) {
        throw fail(Errno.EPERM);
    }

    public void mkdir(byte[] name, int mode, Credentials c) {
        throw fail(Errno.EPERM);
    }

    public void symlink(byte[] name, byte[] target, Credentials c) {
        throw fail(Errno.EPERM);
    }

    /** mknod(2) of a FIFO or regular file. */
    public void mknod(byte[] name, int mode, Credentials c) {
        throw fail(Errno.EPERM);
    }

    public void link(byte[] name, Vnode existing) {
        throw fail(Errno.EPERM);
    }

    public void unlink(byte[] name) {
        throw fail(Errno.EPERM);
    }

    public void rmdir(byte[] name) {
        throw fail(Errno.EPERM);
    }

    /** rename(2) within this file system; flags RENAME_NOREPLACE (1), RENAME_EXCHANGE (2). */
    public void rename(byte[] oldName, Vnode newDir, byte[] newName, int flags) {
        throw fail(Errno.EPERM);
    }

    public void chmod(int mode) {
        throw fail(Errno.EPERM);
    }

    /** -1 leaves an id unchanged. */
    public void chown(int uid, int gid) {
        throw fail(Errno.EPERM);
    }

    public void truncate(long length) {
        throw fail(Errno.EINVAL);
    }

    /** Sets times in ns since the epoch; {@link #OMIT} leaves one unchanged. */
    public void utimes(long atimeNs, long mtimeNs) {
        throw fail(Errno.EPERM);
    }

    public static final long OMIT = Long.MIN_VALUE;

    /**
     * access(2)-style check of mask (R_OK 4, W_OK 2, X_OK 1) against the mode bits, with root's
     * overrides (generic_permission): 0 or -EACCES.
     */
    public int permission(int mask, Credentials c) {
        if (mask == 0) return 0;
        MemorySegment st = jvisor.kernel.host.Scratch.get(StatBuf.SIZE).asSlice(0, StatBuf.SIZE);
        stat(st);
        int mode = st.get(ValueLayout.JAVA_INT, StatBuf.ST_MODE);
        int uid = st.get(ValueLayout.JAVA_INT, StatBuf.ST_UID);
        int gid = st.get(ValueLayout.JAVA_INT, StatBuf.ST_GID);
        return Perm.check(mode, uid, gid, c, mask);
    }

    /** A directory entry for getdents. */
    public record DirEntry(byte[] name, long ino, int type) {
    }
}
