package jvisor.kernel.fs;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import jvisor.kernel.abi.Errno;
import jvisor.kernel.abi.Fs;
import jvisor.kernel.host.Libc;
import jvisor.kernel.host.Scratch;
import jvisor.kernel.proc.Credentials;

/**
 * A file of the host directory that is the sandbox root, named by its host path. The host
 * kernel holds the data; every change goes through the host only when the root is mounted
 * read-write (--rw), else fails with EROFS. Ownership is virtual: chown is recorded here, per
 * host inode, and shown by stat, never applied to the host.
 */
public final class HostNode extends Vnode {
    private final byte[] hostPath;

    /** Virtual owners by host (dev, ino), shared by the nodes of one mount. */
    static final class Owners {
        final Map<List<Long>, int[]> byInode = new HashMap<>();
    }

    private final Owners owners;

    HostNode(Mount mount, byte[] hostPath, Owners owners) {
        this.mount = mount;
        this.hostPath = hostPath;
        this.owners = owners;
    }

    public static HostNode root(byte[] hostRoot) {
        return new HostNode(null, hostRoot, new Owners());
    }

    /** The host path ("/" for the host's root). */
    public byte[] hostPath() {
        return hostPath.length == 0 ? new byte[] {'/'} : hostPath;
    }

    private byte[] child(byte[] name) {
        byte[] out = Arrays.copyOf(hostPath, hostPath.length + 1 + name.length);
        out[hostPath.length] = '/';
        System.arraycopy(name, 0, out, hostPath.length + 1, name.length);
        return out;
    }

    /** lstat of the host path into st: 0 or -errno. */
    private int lstat(MemorySegment st) {
        try (Arena arena = Arena.ofConfined()) {
            return Libc.fstatat(Fs.AT_FDCWD, Scratch.cString(arena, hostPath()), st, Fs.AT_SYMLINK_NOFOLLOW);
        }
    }

    @Override
    public int type() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = arena.allocate(StatBuf.SIZE);
            int r = lstat(st);
            return r < 0 ? r : st.get(ValueLayout.JAVA_INT, StatBuf.ST_MODE) & Fs.S_IFMT;
        }
    }

    @Override
    public void stat(MemorySegment st) {
        int r = lstat(st);
        if (r < 0) throw fail(-r);
        applyOwner(st);
    }

    void applyOwner(MemorySegment st) {
        int[] o = owners.byInode.get(List.of(st.get(ValueLayout.JAVA_LONG, StatBuf.ST_DEV),
                st.get(ValueLayout.JAVA_LONG, StatBuf.ST_INO)));
        if (o != null) {
            st.set(ValueLayout.JAVA_INT, StatBuf.ST_UID, o[0]);
            st.set(ValueLayout.JAVA_INT, StatBuf.ST_GID, o[1]);
        }
    }

    @Override
    public Object key() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = arena.allocate(StatBuf.SIZE);
            if (lstat(st) < 0) return this;
            return List.of(st.get(ValueLayout.JAVA_LONG, StatBuf.ST_DEV), st.get(ValueLayout.JAVA_LONG, StatBuf.ST_INO));
        }
    }

    @Override
    public Vnode lookup(byte[] name) {
        int t = type();
        if (t < 0) throw fail(-t);
        if (t != Fs.S_IFDIR) throw fail(Errno.ENOTDIR);
        HostNode c = new HostNode(mount, child(name), owners);
        int ct = c.type();
        if (ct == -Errno.ENOENT) return null;
        if (ct < 0) throw fail(-ct);
        return c;
    }

    @Override
    public byte[] readlink() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(Fs.PATH_MAX);
            long n = Libc.readlink(Scratch.cString(arena, hostPath()), buf, Fs.PATH_MAX);
            if (n < 0) throw fail((int) -n);
            return buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
        }
    }

    @Override
    public FileDescription open(byte[] guestPath, int flags) {
        int[] errno = new int[1];
        HostFile f = HostFile.open(hostPath(), guestPath, flags, errno);
        if (f == null) throw fail(errno[0]);
        f.vnode = this;
        return f;
    }

    @Override
    public List<DirEntry> list() {
        // Host directories are listed by the host fd (HostFile.getdents64); this is for tests.
        return new ArrayList<>();
    }

    private void writable() {
        if (mount.readOnly) throw fail(Errno.EROFS);
    }

    private static void check(int r) {
        if (r < 0) throw fail(-r);
    }

    @Override
    public Vnode create(byte[] name, int mode, Credentials c) {
        writable();
        int fd = HostOps.openat(child(name), Fs.O_CREAT | Fs.O_EXCL | Fs.O_WRONLY | Fs.O_CLOEXEC | Fs.O_NOFOLLOW,
                mode & 07777);
        check(fd);
        Libc.close(fd);
        return new HostNode(mount, child(name), owners);
    }

    @Override
    public void mkdir(byte[] name, int mode, Credentials c) {
        writable();
        check(HostOps.mkdir(child(name), mode & 07777));
    }

    @Override
    public void symlink(byte[] name, byte[] target, Credentials c) {
        writable();
        check(HostOps.symlink(target, child(name)));
    }

    @Override
    public void mknod(byte[] name, int mode, Credentials c) {
        writable();
        if ((mode & Fs.S_IFMT) == Fs.S_IFREG || (mode & Fs.S_IFMT) == 0) {
            create(name, mode, c);
            return;
        }
        // A socket inode: connect finds the in-kernel socket bound to it by the inode's identity.
        if ((mode & Fs.S_IFMT) == Fs.S_IFSOCK) {
            check(HostOps.mknod(child(name), mode));
            return;
        }
        throw fail(Errno.EPERM);
    }

    @Override
    public void link(byte[] name, Vnode existing) {
        writable();
        check(HostOps.link(((HostNode) existing).hostPath(), child(name)));
    }

    @Override
    public void unlink(byte[] name) {
        writable();
        check(HostOps.unlink(child(name), 0));
    }

    @Override
    public void rmdir(byte[] name) {
        writable();
        check(HostOps.unlink(child(name), Fs.AT_REMOVEDIR));
    }

    @Override
    public void rename(byte[] oldName, Vnode newDir, byte[] newName, int flags) {
        writable();
        check(HostOps.rename(child(oldName), ((HostNode) newDir).child(newName), flags));
    }

    @Override
    public void chmod(int mode) {
        writable();
        check(HostOps.chmod(hostPath(), mode & 07777));
    }

    @Override
    public void chown(int uid, int gid) {
        writable();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = arena.allocate(StatBuf.SIZE);
            check(lstat(st));
            applyOwner(st);
            int u = uid == -1 ? st.get(ValueLayout.JAVA_INT, StatBuf.ST_UID) : uid;
            int g = gid == -1 ? st.get(ValueLayout.JAVA_INT, StatBuf.ST_GID) : gid;
            owners.byInode.put(List.of(st.get(ValueLayout.JAVA_LONG, StatBuf.ST_DEV),
                    st.get(ValueLayout.JAVA_LONG, StatBuf.ST_INO)), new int[] {u, g});
        }
    }

    @Override
    public void truncate(long length) {
        writable();
        check(HostOps.truncate(hostPath(), length));
    }

    @Override
    public void utimes(long atimeNs, long mtimeNs) {
        writable();
        long omit = (1L << 30) - 2;
        long[] ts = {
            atimeNs == OMIT ? 0 : Math.floorDiv(atimeNs, 1_000_000_000L),
            atimeNs == OMIT ? omit : Math.floorMod(atimeNs, 1_000_000_000L),
            mtimeNs == OMIT ? 0 : Math.floorDiv(mtimeNs, 1_000_000_000L),
            mtimeNs == OMIT ? omit : Math.floorMod(mtimeNs, 1_000_000_000L)};
        check(HostOps.utimens(hostPath(), ts));
    }

    @Override
    public int permission(int mask, Credentials c) {
        if ((mask & Fs.W_OK) != 0 && mount.readOnly) {
            int t = type();
            if (t == Fs.S_IFREG || t == Fs.S_IFDIR || t == Fs.S_IFLNK) return -Errno.EROFS;
        }
        try (Arena arena = Arena.ofConfined()) {
            return Libc.faccessat(Fs.AT_FDCWD, Scratch.cString(arena, hostPath()), mask & 7, Fs.AT_EACCESS);
        }
    }
}
