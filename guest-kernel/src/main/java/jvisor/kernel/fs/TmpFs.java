package jvisor.kernel.fs;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

import jvisor.kernel.abi.Errno;
import jvisor.kernel.abi.Fs;
import jvisor.kernel.proc.Credentials;

/**
 * An in-memory file system (Linux's tmpfs/shmem): directories, regular files with sparse
 * contents, symbolic links, hard links, FIFOs and (for /dev) device nodes whose opening is
 * delegated to a function. Nothing reaches the host.
 */
public final class TmpFs {
    private long nextIno = 1;
    Mount mount;
    public final Dir root;

    public TmpFs(int rootMode, int uid, int gid) {
        root = new Dir(this, Fs.S_IFDIR | rootMode, uid, gid, null);
    }

    public Mount mount() {
        return mount;
    }

    /** A detached regular file (memfd_create, O_TMPFILE). */
    public File newUnlinkedFile(int mode, int uid, int gid) {
        File f = new File(this, Fs.S_IFREG | (mode & 07777), uid, gid);
        f.nlink = 0;
        return f;
    }

    static long now() {
        java.time.Instant i = java.time.Instant.now();
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }

    static String nameKey(byte[] name) {
        return new String(name, StandardCharsets.ISO_8859_1);
    }

    /** An inode. */
    public abstract static class Node extends Vnode {
        final TmpFs fs;
        final long ino;
        int mode;
        int uid, gid;
        int nlink = 1;
        long atime, mtime, ctime;
        int rdev;

        Node(TmpFs fs, int mode, int uid, int gid) {
            this.fs = fs;
            this.ino = fs.nextIno++;
            this.mode = mode;
            this.uid = uid;
            this.gid = gid;
            atime = mtime = ctime = now();
        }

        @Override
        public Mount mount() {
            return fs.mount;
        }

        @Override
        public int type() {
            return mode & Fs.S_IFMT;
        }

        @Override
        public int mode() {
            return mode;
        }

        @Override
        public Object key() {
            return this;
        }

        public long ino() {
            return ino;
        }

        long size() {
            return 0;
        }

        long blocks() {
            return 0;
        }

        @Override
        public void stat(MemorySegment st) {
            st.asSlice(0, StatBuf.SIZE).fill((byte) 0);
            st.set(ValueLayout.JAVA_LONG, StatBuf.ST_DEV, fs.mount != null ? fs.mount.dev : 0);
            st.set(ValueLayout.JAVA_LONG, StatBuf.ST_INO, ino);
            st.set(ValueLayout.JAVA_LONG, StatBuf.ST_NLINK, nlink);
            st.set(ValueLayout.JAVA_INT, StatBuf.ST_MODE, mode);
            st.set(ValueLayout.JAVA_INT, StatBuf.ST_UID, uid);
            st.set(ValueLayout.JAVA_INT, StatBuf.ST_GID, gid);
            st.set(ValueLayout.JAVA_LONG, StatBuf.ST_RDEV, rdev);
            st.set(ValueLayout.JAVA_LONG, StatBuf.ST_SIZE, size());
            st.set(ValueLayout.JAVA_LONG, StatBuf.ST_BLKSIZE, 4096);
            st.set(ValueLayout.JAVA_LONG, StatBuf.ST_BLOCKS, blocks());
            long[] t = {atime, mtime, ctime};
            int[] off = {StatBuf.ST_ATIME, StatBuf.ST_MTIME, StatBuf.ST_CTIME};
            for (int i = 0; i < 3; i++) {
                st.set(ValueLayout.JAVA_LONG, off[i], Math.floorDiv(t[i], 1_000_000_000L));
                st.set(ValueLayout.JAVA_LONG, off[i] + 8, Math.floorMod(t[i], 1_000_000_000L));
            }
        }

        void writable() {
            if (fs.mount != null && fs.mount.readOnly) throw fail(Errno.EROFS);
        }

        @Override
        public void chmod(int m) {
            writable();
            mode = (mode & Fs.S_IFMT) | (m & 07777);
            ctime = now();
        }

        @Override
        public void chown(int u, int g) {
            writable();
            if (u != -1) uid = u;
            if (g != -1) gid = g;
            if (u != -1 || g != -1) {
                if (type() != Fs.S_IFDIR) mode &= ~(Fs.S_ISUID | ((mode & 010) != 0 ? Fs.S_ISGID : 0));
            }
            ctime = now();
        }

        @Override
        public void utimes(long a, long m) {
            writable();
            if (a != OMIT) atime = a;
            if (m != OMIT) mtime = m;
            ctime = now();
        }

        @Override
        public void truncate(long length) {
            throw fail(type() == Fs.S_IFDIR ? Errno.EISDIR : Errno.EINVAL);
        }
    }

    /** A directory. */
    public static final class Dir extends Node {
        final Map<String, Node> entries = new LinkedHashMap<>();
        Dir parent;

        Dir(TmpFs fs, int mode, int uid, int gid, Dir parent) {
            super(fs, mode, uid, gid);
            this.parent = parent == null ? this : parent;
            nlink = 2;
        }

        @Override
        long size() {
            return 40L + 20L * entries.size(); // shmem counts BOGO_DIRENT_SIZE per entry
        }

        @Override
        public Vnode lookup(byte[] name) {
            if (nlink == 0) return null; // a removed directory has no entries
            return entries.get(nameKey(name));
        }

        @Override
        public long parentIno() {
            return parent.ino;
        }

        @Override
        public List<DirEntry> list() {
            List<DirEntry> out = new ArrayList<>();
            for (Map.Entry<String, Node> e : entries.entrySet()) {
                out.add(new DirEntry(e.getKey().getBytes(StandardCharsets.ISO_8859_1), e.getValue().ino,
                        Perm.dtype(e.getValue().mode)));
            }
            return out;
        }

        @Override
        public FileDescription open(byte[] guestPath, int flags) {
            ListedDir d = new ListedDir(guestPath, flags, this);
            return d;
        }

        int gidFor(Credentials c) {
            return (mode & Fs.S_ISGID) != 0 ? gid : c.fsgid();
        }

        private void add(byte[] name, Node n) {
            writable();
            if (nlink == 0) throw fail(Errno.ENOENT);
            if (entries.containsKey(nameKey(name))) throw fail(Errno.EEXIST);
            entries.put(nameKey(name), n);
            mtime = ctime = now();
        }

        @Override
        public Vnode create(byte[] name, int m, Credentials c) {
            File f = new File(fs, Fs.S_IFREG | (m & 07777), c.fsuid(), gidFor(c));
            add(name, f);
            return f;
        }

        @Override
        public void mkdir(byte[] name, int m, Credentials c) {
            int sgid = mode & Fs.S_ISGID;
            Dir d = new Dir(fs, Fs.S_IFDIR | (m & 07777) | sgid, c.fsuid(), gidFor(c), this);
            add(name, d);
            nlink++;
        }

        @Override
        public void symlink(byte[] name, byte[] target, Credentials c) {
            add(name, new Symlink(fs, target, c.fsuid(), gidFor(c)));
        }

        @Override
        public void mknod(byte[] name, int m, Credentials c) {
            int type = m & Fs.S_IFMT;
            if (type == 0 || type == Fs.S_IFREG) {
                create(name, m, c);
            } else if (type == Fs.S_IFIFO) {
                add(name, new Fifo(fs, Fs.S_IFIFO | (m & 07777), c.fsuid(), gidFor(c)));
            } else if (type == Fs.S_IFSOCK) {
                add(name, new SocketNode(fs, Fs.S_IFSOCK | (m & 07777), c.fsuid(), gidFor(c)));
            } else {
                throw fail(Errno.EPERM);
            }
        }

        /** Adds a device node (for /dev). */
        public Device device(String name, int m, int major, int minor, BiFunction<byte[], Integer, FileDescription> opener) {
            Device d = new Device(fs, m, major, minor, opener);
            entries.put(name, d);
            return d;
        }

        /** Removes a device node the kernel added (a pty's slave once its master is closed). */
        public void removeDevice(String name, Device d) {
            if (entries.remove(name, d)) d.nlink = 0;
        }

        public Dir subdir(String name, int m) {
            Dir d = new Dir(fs, Fs.S_IFDIR | m, 0, 0, this);
            entries.put(name, d);
            nlink++;
            return d;
        }

        public void symlinkEntry(String name, String target) {
            entries.put(name, new Symlink(fs, target.getBytes(StandardCharsets.UTF_8), 0, 0));
        }

        @Override
        public void link(byte[] name, Vnode existing) {
            Node n = (Node) existing;
            if (n.type() == Fs.S_IFDIR) throw fail(Errno.EPERM);
            if (n.nlink == 0 && !(n instanceof File f && f.linkable)) throw fail(Errno.ENOENT);
            add(name, n);
            n.nlink++;
            n.ctime = now();
        }

        @Override
        public void unlink(byte[] name) {
            writable();
            Node n = entries.get(nameKey(name));
            if (n == null) throw fail(Errno.ENOENT);
            if (n.type() == Fs.S_IFDIR) throw fail(Errno.EISDIR);
            entries.remove(nameKey(name));
            n.nlink--;
            n.ctime = now();
            mtime = ctime = now();
        }

        @Override
        public void rmdir(byte[] name) {
            writable();
            Node n = entries.get(nameKey(name));
            if (n == null) throw fail(Errno.ENOENT);
            if (n.type() != Fs.S_IFDIR) throw fail(Errno.ENOTDIR);
            Dir d = (Dir) n;
            if (!d.entries.isEmpty()) throw fail(Errno.ENOTEMPTY);
            entries.remove(nameKey(name));
            d.nlink = 0;
            nlink--;
            mtime = ctime = now();
        }

        private boolean isAncestorOf(Dir d) {
            for (Dir p = d; ; p = p.parent) {
                if (p == this) return true;
                if (p.parent == p) return false;
            }
        }

        @Override
        public void rename(byte[] oldName, Vnode newDirV, byte[] newName, int flags) {
            writable();
            Dir nd = (Dir) newDirV;
            Node src = entries.get(nameKey(oldName));
            if (src == null) throw fail(Errno.ENOENT);
            Node dst = nd.entries.get(nameKey(newName));
            boolean exchange = (flags & 2) != 0;
            if (exchange) {
                if (dst == null) throw fail(Errno.ENOENT);
                if (src instanceof Dir sd && sd != dst && sd.isAncestorOf(nd)) throw fail(Errno.EINVAL);
                if (dst instanceof Dir dd && dd != src && dd.isAncestorOf(this)) throw fail(Errno.EINVAL);
                entries.put(nameKey(oldName), dst);
                nd.entries.put(nameKey(newName), src);
                if (src instanceof Dir sd) {
                    sd.parent = nd;
                }
                if (dst instanceof Dir dd) {
                    dd.parent = this;
                }
                if (nd != this) {
                    int srcDir = src instanceof Dir ? 1 : 0, dstDir = dst instanceof Dir ? 1 : 0;
                    nlink += dstDir - srcDir;
                    nd.nlink += srcDir - dstDir;
                }
                src.ctime = dst.ctime = now();
                mtime = ctime = nd.mtime = nd.ctime = now();
                return;
            }
            if (dst != null && (flags & 1) != 0) throw fail(Errno.EEXIST);
            if (src == dst) return;
            if (src instanceof Dir sd) {
                if (sd.isAncestorOf(nd)) throw fail(Errno.EINVAL);
                if (dst != null) {
                    if (!(dst instanceof Dir dd)) throw fail(Errno.ENOTDIR);
                    if (!dd.entries.isEmpty()) throw fail(Errno.ENOTEMPTY);
                }
            } else if (dst instanceof Dir) {
                throw fail(Errno.EISDIR);
            }
            if (dst != null) {
                if (dst instanceof Dir dd) {
                    dd.nlink = 0;
                    nd.nlink--;
                } else {
                    dst.nlink--;
                }
                dst.ctime = now();
            }
            entries.remove(nameKey(oldName));
            nd.entries.put(nameKey(newName), src);
            if (src instanceof Dir sd) {
                sd.parent = nd;
                nlink--;
                nd.nlink++;
            }
            src.ctime = now();
            mtime = ctime = nd.mtime = nd.ctime = now();
        }
    }

    /** A regular file. */
    public static final class File extends Node {
        public final SparseData data = new SparseData();
        /** O_TMPFILE without O_EXCL: may be linked into a directory. */
        boolean linkable;

        public boolean sealable() {
            return sealable;
        }

        public void setSealable(boolean b) {
            sealable = b;
            if (!b) seals = 1;
        }

        public int seals() {
            return seals;
        }

        public void addSeals(int s) {
            seals |= s;
        }

        public void setLinkable(boolean b) {
            linkable = b;
        }
        /** memfd seals (F_ADD_SEALS). */
        int seals;
        boolean sealable;

        File(TmpFs fs, int mode, int uid, int gid) {
            super(fs, mode, uid, gid);
        }

        @Override
        long size() {
            return data.size();
        }

        @Override
        long blocks() {
            return data.blocks();
        }

        @Override
        public FileDescription open(byte[] guestPath, int flags) {
            return new TmpFile(guestPath, flags, this);
        }

        @Override
        public void truncate(long length) {
            writable();
            if (length < 0) throw fail(Errno.EINVAL);
            if ((seals & (length < data.size() ? 0x2 : 0x4)) != 0) throw fail(Errno.EPERM);
            data.truncate(length);
            mtime = ctime = now();
        }

        void modified() {
            mtime = ctime = now();
            mode &= ~Fs.S_ISUID;
        }
    }

    /** A symbolic link. */
    public static final class Symlink extends Node {
        final byte[] target;

        Symlink(TmpFs fs, byte[] target, int uid, int gid) {
            super(fs, Fs.S_IFLNK | 0777, uid, gid);
            this.target = target;
        }

        @Override
        long size() {
            return target.length;
        }

        @Override
        public byte[] readlink() {
            return target.clone();
        }

        @Override
        public FileDescription open(byte[] guestPath, int flags) {
            if ((flags & Fs.O_PATH) == 0) throw fail(Errno.ELOOP);
            return new ListedDir.PathOnly(guestPath, flags, this);
        }
    }

    /**
     * A named pipe: the openings while any is open share one pipe. Opening one end only waits for
     * the other end without O_NONBLOCK (see {@link Pipe#awaitPartner}); with it, a reader gets
     * its end at once and a writer ENXIO while no reader has one; O_RDWR never waits (fifo(7)).
     */
    public static final class Fifo extends Node {
        private Pipe pipe;

        Fifo(TmpFs fs, int mode, int uid, int gid) {
            super(fs, mode, uid, gid);
        }

        @Override
        public FileDescription open(byte[] guestPath, int flags) {
            if ((flags & Fs.O_PATH) != 0) return new ListedDir.PathOnly(guestPath, flags, this);
            int acc = flags & Fs.O_ACCMODE;
            boolean nonblock = (flags & Fs.O_NONBLOCK) != 0;
            Pipe p;
            FileDescription f;
            synchronized (this) {
                if (pipe == null || (pipe.readers() == 0 && pipe.writers() == 0)) pipe = new Pipe();
                p = pipe;
                if (acc == Fs.O_WRONLY && nonblock && p.readers() == 0) throw fail(Errno.ENXIO);
                f = acc == Fs.O_RDONLY ? p.readEnd(flags, guestPath)
                        : acc == Fs.O_WRONLY ? p.writeEnd(flags, guestPath) : p.bothEnds(flags, guestPath);
                f.vnode = this;
            }
            if (!nonblock && acc != Fs.O_RDWR) {
                int r = p.awaitPartner(acc == Fs.O_RDONLY);
                if (r < 0) {
                    f.decRef(); // interrupted by a signal: the end was never handed out
                    throw fail(-r);
                }
            }
            return f;
        }
    }

    /** A socket inode (bind of an AF_UNIX path): found by connect, never opened (ENXIO, as Linux). */
    public static final class SocketNode extends Node {
        SocketNode(TmpFs fs, int mode, int uid, int gid) {
            super(fs, mode, uid, gid);
        }

        @Override
        public FileDescription open(byte[] guestPath, int flags) {
            if ((flags & Fs.O_PATH) != 0) return new ListedDir.PathOnly(guestPath, flags, this);
            throw fail(Errno.ENXIO);
        }
    }

    /** A device node: opening it asks the opener for a description. */
    public static final class Device extends Node {
        private final BiFunction<byte[], Integer, FileDescription> opener;

        Device(TmpFs fs, int mode, int major, int minor, BiFunction<byte[], Integer, FileDescription> opener) {
            super(fs, mode, 0, 0);
            this.opener = opener;
            this.rdev = (minor & 0xff) | (major << 8) | ((minor & ~0xff) << 12);
        }

        @Override
        public FileDescription open(byte[] guestPath, int flags) {
            FileDescription f = opener.apply(guestPath, flags);
            if (f.vnode == null) f.vnode = this;
            return f;
        }

        @Override
        public void truncate(long length) {
            // truncating a device (O_TRUNC on /dev/null) does nothing
        }
    }
}
