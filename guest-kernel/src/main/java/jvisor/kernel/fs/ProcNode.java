package jvisor.kernel.fs;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import jvisor.kernel.abi.Errno;
import jvisor.kernel.abi.Fs;
import jvisor.kernel.host.Libc;

/** A file of the generated /proc, as a vnode. */
public final class ProcNode extends Vnode {
    private final SyntheticTree tree;
    private final List<String> below;
    private final SyntheticNode node;

    ProcNode(Mount mount, SyntheticTree tree, List<String> below, SyntheticNode node) {
        this.mount = mount;
        this.tree = tree;
        this.below = below;
        this.node = node;
    }

    public static ProcNode root(SyntheticTree tree) {
        SyntheticNode n = tree.lookup(List.of());
        return new ProcNode(null, tree, List.of(), n == null ? SyntheticNode.DIR : n);
    }

    public SyntheticNode synthetic() {
        return node;
    }

    /**
     * Where lseek's SEEK_END counts from, or -1 where it is EINVAL (fs/proc): a process's cmdline,
     * environ and auxv and the files of /proc/sys seek as files of size 0 (generic_file_llseek,
     * default_llseek); the others are seq_files, whose seq_lseek refuses SEEK_END.
     */
    public long seekEndBase() {
        if (!below.isEmpty() && below.get(0).equals("sys")) return 0;
        String last = below.isEmpty() ? "" : below.get(below.size() - 1);
        boolean ofProcess = !below.isEmpty() && below.get(0).chars().allMatch(Character::isDigit);
        return ofProcess && (last.equals("cmdline") || last.equals("environ") || last.equals("auxv")) ? 0 : -1;
    }

    public SyntheticTree tree() {
        return tree;
    }

    public long ino() {
        if (below.isEmpty()) return 1;
        return (String.join("/", below).hashCode() & 0x7fffffffL) + 2;
    }

    @Override
    public int type() {
        return node.mode() & Fs.S_IFMT;
    }

    @Override
    public Object key() {
        return List.of("proc", below);
    }

    @Override
    public void stat(MemorySegment st) {
        int mode = node.mode();
        if (below.size() == 2 && below.get(1).equals("fd") || below.size() == 3 && below.get(1).equals("fd")) {
            mode = node.kind() == SyntheticNode.Kind.DIR ? Fs.S_IFDIR | 0500 : Fs.S_IFLNK | 0700;
        }
        StatBuf.synthetic(st, mode, 0);
        st.set(ValueLayout.JAVA_LONG, StatBuf.ST_DEV, mount != null ? mount.dev : 0);
        st.set(ValueLayout.JAVA_LONG, StatBuf.ST_INO, ino());
        if (node.kind() == SyntheticNode.Kind.DIR) {
            st.set(ValueLayout.JAVA_LONG, StatBuf.ST_NLINK, 2);
        }
        if (below.size() >= 1 && Character.isDigit(below.get(0).isEmpty() ? 'x' : below.get(0).charAt(0))) {
            st.set(ValueLayout.JAVA_INT, StatBuf.ST_UID, Libc.geteuid());
            st.set(ValueLayout.JAVA_INT, StatBuf.ST_GID, Libc.getegid());
        }
    }

    @Override
    public Vnode lookup(byte[] name) {
        if (node.kind() != SyntheticNode.Kind.DIR) throw fail(Errno.ENOTDIR);
        List<String> p = new ArrayList<>(below);
        p.add(new String(name, StandardCharsets.ISO_8859_1));
        SyntheticNode n = tree.lookup(p);
        if (n == null || n.kind() == SyntheticNode.Kind.MISSING) return null;
        return new ProcNode(mount, tree, p, n);
    }

    @Override
    public byte[] readlink() {
        if (node.kind() != SyntheticNode.Kind.SYMLINK && node.kind() != SyntheticNode.Kind.MAGIC_FD) {
            throw fail(Errno.EINVAL);
        }
        return node.linkTarget().clone();
    }

    /**
     * Whether splice and sendfile can read the file (f_op->splice_read): Linux's global /proc files
     * (proc_ops, /proc/sys) have one, the files of a process's directory (fs/proc/base.c) do not,
     * except the mount tables.
     */
    public boolean spliceReadable() {
        if (below.size() < 2 || !below.get(0).chars().allMatch(Character::isDigit)) return true;
        String last = below.get(below.size() - 1);
        return below.size() == 2 && last.startsWith("mount");
    }

    /** For a magic link: the open file it stands for, or null. */
    public FileDescription magicFile() {
        return node.kind() == SyntheticNode.Kind.MAGIC_FD ? tree.fdFile(node.fd()) : null;
    }

    @Override
    public FileDescription open(byte[] guestPath, int flags) {
        int fl = (flags & ~(Fs.O_CREAT | Fs.O_EXCL | Fs.O_NOCTTY | Fs.O_TRUNC | Fs.O_CLOEXEC)) | Fs.O_LARGEFILE;
        switch (node.kind()) {
            case FILE -> {
                if ((flags & Fs.O_DIRECTORY) != 0) throw fail(Errno.ENOTDIR);
                SyntheticFile f = new SyntheticFile(guestPath,
                        (flags & Fs.O_PATH) != 0 ? new byte[0] : node.content().get(), fl);
                f.vnode = this;
                return f;
            }
            case DIR -> {
                return new ListedDir(guestPath, fl, this);
            }
            default -> {
                if ((flags & Fs.O_PATH) != 0) return new ListedDir.PathOnly(guestPath, fl, this);
                throw fail(Errno.ELOOP);
            }
        }
    }

    @Override
    public List<DirEntry> list() {
        if (node.kind() != SyntheticNode.Kind.DIR) throw fail(Errno.ENOTDIR);
        List<DirEntry> out = new ArrayList<>();
        if (node.children() == null) return out;
        for (String c : node.children().get()) {
            byte[] name = c.getBytes(StandardCharsets.ISO_8859_1);
            Vnode v = lookup(name);
            if (v == null) continue;
            out.add(new DirEntry(name, ((ProcNode) v).ino(), Perm.dtype(v.type())));
        }
        return out;
    }

    @Override
    public int permission(int mask, jvisor.kernel.proc.Credentials c) {
        if ((mask & Fs.W_OK) != 0) return -Errno.EACCES;
        if ((mask & Fs.X_OK) != 0 && node.kind() == SyntheticNode.Kind.FILE) return -Errno.EACCES;
        return 0;
    }
}
