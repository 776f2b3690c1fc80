package jvisor.kernel.fs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jvisor.kernel.abi.Errno;
import jvisor.kernel.abi.Fs;

/**
 * The guest's file system tree: the mount table and path resolution over it (path_resolution(7)
 * with chroot semantics; Linux's namei).
 *
 * <p>Mounts: "/" is the host directory given with --root (read-only unless --rw), "/tmp" an
 * in-memory tmpfs, "/dev" a tmpfs of device nodes, "/proc" the kernel-generated procfs.
 *
 * <p>The walk is done here, component by component, over {@link Vnode}s, so the guest can never
 * leave the root: ".." at the root stays at the root (".." pops the walked stack, so it also
 * leaves a mount correctly), a symbolic link's target is looked up inside the tree (an absolute
 * target restarts at the root, never at the host's "/"), at most 40 links are followed (ELOOP).
 * Host files are examined with lstat (never following a link) and opened with O_NOFOLLOW, so a
 * link swapped in after the walk is not followed out of the root either.
 */
public final class PathResolver {
    private static final int MAX_SYMLINKS = 40;
    private static final byte[] DOT = {'.'};
    private static final byte[] DOTDOT = {'.', '.'};

    /** Whether new resolvers mount the root read-write (set once by the command line's --rw). */
    public static volatile boolean rootWritableDefault = false;

    /** The root's canonical host path, without a trailing slash ("" for the host's "/"). */
    private final byte[] root;
    private final SyntheticTree proc;
    private final Map<String, Mount> mounts = new LinkedHashMap<>();
    private final Mount rootMount;
    private final TmpFs tmp;
    private final TmpFs dev;

    public PathResolver(Path root, SyntheticTree proc) throws IOException {
        this(root, proc, rootWritableDefault);
    }

    /**
     * @param root the host directory that is "/" for the guest
     * @param proc the generated /proc, or null for none
     * @param writable whether writes reach the host directory
     */
    public PathResolver(Path root, SyntheticTree proc, boolean writable) throws IOException {
        String real = root.toRealPath().toString();
        this.root = real.equals("/") ? new byte[0] : real.getBytes(StandardCharsets.UTF_8);
        this.proc = proc;
        rootMount = new Mount(new byte[] {'/'}, HostNode.root(this.root), !writable, "hostdir", real, 0);
        mounts.put("/", rootMount);
        jvisor.kernel.host.HostSelf.Status self = jvisor.kernel.host.HostSelf.status();
        int uid = self != null ? self.uids()[1] : jvisor.kernel.host.Libc.geteuid();
        int gid = self != null ? self.gids()[1] : jvisor.kernel.host.Libc.getegid();
        tmp = new TmpFs(01777, 0, 0);
        tmp.mount = new Mount(bytes("/tmp"), tmp.root, false, "tmpfs", "tmpfs", Mount.anonDev(40));
        mounts.put("/tmp", tmp.mount);
        bindHiddenWorkingDirectory(writable);
        dev = new TmpFs(0755, 0, 0);
        dev.mount = new Mount(bytes("/dev"), dev.root, false, "devtmpfs", "udev", Mount.anonDev(5));
        Devices.populate(dev.root);
        mounts.put("/dev", dev.mount);
        if (proc != null) {
            Mount pm = new Mount(bytes("/proc"), ProcNode.root(proc), false, "proc", "proc", Mount.anonDev(22));
            mounts.put("/proc", pm);
        }
    }

    /** Host directories bound at their own guest path because a mount would hide them. */
    private final java.util.Set<String> hostBinds = new java.util.HashSet<>();

    /** Whether writes reach the host (binds of hidden host directories follow the root). */
    private boolean writable;

    /**
     * Linux keeps a process's working directory even when a mount later hides its path; jvisor's
     * working directory is a path. So when the host working directory lies under /tmp (hidden by
     * the tmpfs) and the root is the host's "/", its top directory under /tmp is bound into the
     * tmpfs at the same place, and the guest starts where jvisor was started.
     */
    private void bindHiddenWorkingDirectory(boolean writable) throws IOException {
        this.writable = writable;
        bindIfHidden(Path.of(System.getProperty("user.dir")));
    }

    /**
     * Keeps a host path jvisor was given (the working directory, the program, an argument naming
     * a file) visible at its own path: when it lies under /tmp, which the guest's private tmpfs
     * hides, and the root is the host's "/", the top directory under /tmp holding it is bound into
     * the tmpfs, writable only with --rw as the rest of the host. A program in a checkout under
     * /tmp then finds itself, its neighbours and the files named on its command line.
     */
    public void bindIfHidden(Path hostPath) {
        if (root.length != 0) return;
        Path real;
        try {
            real = hostPath.toRealPath();
        } catch (IOException | RuntimeException e) {
            return; // not a host file: nothing to keep visible
        }
        if (real.getNameCount() < 2 || !real.startsWith("/tmp")) return;
        String guest = Path.of("/tmp").resolve(real.getName(1)).toString();
        if (!hostBinds.add(guest)) return;
        mounts.put(guest, new Mount(bytes(guest), HostNode.root(bytes(guest)), !writable, "hostdir", guest, 0));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    public List<Mount> mounts() {
        return new ArrayList<>(mounts.values());
    }

    public Mount rootMount() {
        return rootMount;
    }

    public TmpFs tmpfs() {
        return tmp;
    }

    public SyntheticTree proc() {
        return proc;
    }

    /** The host path of the root, "/" for the host's root. */
    public String rootHostPath() {
        return root.length == 0 ? "/" : new String(root, StandardCharsets.UTF_8);
    }

    /**
     * The guest path of a host path if it lies inside the root and is not hidden by another
     * mount (such as /tmp), else null.
     */
    public String guestPathOf(Path hostPath) {
        String p = hostPath.toAbsolutePath().normalize().toString();
        String g;
        if (root.length == 0) {
            g = p;
        } else {
            String r = rootHostPath();
            if (p.equals(r)) g = "/";
            else if (p.startsWith(r + "/")) g = p.substring(r.length());
            else return null;
        }
        for (String b : hostBinds) {
            if (g.equals(b) || g.startsWith(b + "/")) return g;
        }
        for (String m : mounts.keySet()) {
            if (!m.equals("/") && (g.equals(m) || g.startsWith(m + "/"))) return null;
        }
        return g;
    }

    /** Prefixes the root: the host path of an absolute, resolved guest path. */
    public byte[] hostPath(byte[] guestPath) {
        byte[] out = Arrays.copyOf(root, root.length + guestPath.length);
        System.arraycopy(guestPath, 0, out, root.length, guestPath.length);
        return out;
    }

    /** The walked path: component names and the vnode of each prefix (index 0 is the root). */
    private final class Walk {
        final List<byte[]> comps = new ArrayList<>();
        final List<Vnode> nodes = new ArrayList<>();

        Walk() {
            nodes.add(rootMount.root);
        }

        Vnode top() {
            return nodes.get(nodes.size() - 1);
        }

        void reset() {
            comps.clear();
            nodes.clear();
            nodes.add(rootMount.root);
        }

        void push(byte[] c, Vnode v) {
            comps.add(c);
            nodes.add(v);
        }

        void pop() {
            if (!comps.isEmpty()) {
                comps.remove(comps.size() - 1);
                nodes.remove(nodes.size() - 1);
            }
        }

        /** The child c of the top: a mount's root if one is attached at that path, else a lookup. */
        Vnode child(byte[] c) {
            if (mounts.size() > 1) {
                comps.add(c);
                Mount m = mounts.get(new String(join(comps), StandardCharsets.ISO_8859_1));
                comps.remove(comps.size() - 1);
                if (m != null) return m.root;
            }
            return top().lookup(c);
        }
    }

    /**
     * Resolves path (relative paths start at the absolute guest directory base).
     *
     * @param followFinal whether a symbolic link in the final component is followed (not for
     *        lstat, O_NOFOLLOW, AT_SYMLINK_NOFOLLOW, readlink); a trailing slash always follows
     */
    public Resolution resolve(byte[] base, byte[] path, boolean followFinal) {
        if (path.length == 0) return Resolution.failed(Errno.ENOENT);
        if (path.length >= Fs.PATH_MAX) return Resolution.failed(Errno.ENAMETOOLONG);
        try {
            return walk(base, path, followFinal);
        } catch (jvisor.kernel.syscall.SyscallException e) {
            return Resolution.failed(e.errno);
        }
    }

    private Resolution walk(byte[] base, byte[] path, boolean followFinal) {
        Walk w = new Walk();
        if (path[0] != '/' && base != null) {
            for (byte[] c : split(base)) {
                Vnode v = w.child(c);
                if (v == null) return Resolution.failed(Errno.ENOENT);
                if (v.type() != Fs.S_IFDIR) {
                    // the base is a canonical directory path; a link there means it changed since
                    Resolution r = walk(null, base, true);
                    if (!r.ok()) return r;
                    return walk(r.guestPath(), path, followFinal);
                }
                w.push(c, v);
            }
        }
        Deque<byte[]> pending = new ArrayDeque<>(split(path));
        boolean trailingSlash = path[path.length - 1] == '/';
        int links = 0;
        byte[] lastName = null;
        while (!pending.isEmpty()) {
            byte[] c = pending.pollFirst();
            boolean last = pending.isEmpty();
            if (Arrays.equals(c, DOT) || Arrays.equals(c, DOTDOT)) {
                if (Arrays.equals(c, DOTDOT)) w.pop();
                lastName = c;
                continue;
            }
            if (c.length > Fs.NAME_MAX) return Resolution.failed(Errno.ENAMETOOLONG);
            lastName = c;
            Vnode cur = w.top();
            Vnode child = w.child(c);
            if (child == null) {
                if (!last) return Resolution.failed(Errno.ENOENT);
                w.comps.add(c);
                byte[] g = join(w.comps);
                return new Resolution(0, g, hostOf(cur, c), false, null, null, cur, c, trailingSlash, null);
            }
            int type = child.type();
            if (type < 0) return Resolution.failed(-type);
            if (type == Fs.S_IFLNK && (!last || followFinal || trailingSlash)) {
                if (++links > MAX_SYMLINKS) return Resolution.failed(Errno.ELOOP);
                if (child instanceof ProcNode pn && pn.synthetic().kind() == SyntheticNode.Kind.MAGIC_FD) {
                    FileDescription f = pn.magicFile();
                    if (f == null) return Resolution.failed(Errno.ENOENT);
                    if (f.vnode() == null) {
                        // A pipe or an inherited host fd: the open file itself is the result.
                        if (!last) return Resolution.failed(Errno.ENOTDIR);
                        w.push(c, child);
                        return new Resolution(0, join(w.comps), null, true, pn.synthetic(), child, cur, c,
                                trailingSlash, f);
                    }
                    // The file behind the descriptor, wherever it is now.
                    Resolution r = walk(null, f.guestPath(), false);
                    w.reset();
                    if (r.ok() && r.exists() && r.node() != null && r.node().key().equals(f.vnode().key())) {
                        for (byte[] p : split(r.guestPath())) w.push(p, null);
                        w.nodes.set(w.nodes.size() - 1, f.vnode());
                    } else {
                        w.push(f.guestPath(), f.vnode());
                    }
                    fillNodes(w);
                    if (!last && f.vnode().type() != Fs.S_IFDIR) return Resolution.failed(Errno.ENOTDIR);
                    if (last) return found(w, w.comps.isEmpty() ? DOT : w.comps.get(w.comps.size() - 1), trailingSlash);
                    continue;
                }
                byte[] target = child.readlink();
                if (target.length == 0) return Resolution.failed(Errno.ENOENT);
                if (target[0] == '/') w.reset(); // absolute targets are re-rooted
                List<byte[]> parts = split(target);
                for (int i = parts.size() - 1; i >= 0; i--) pending.addFirst(parts.get(i));
                if (parts.isEmpty() && last) lastName = DOT;
                continue;
            }
            if (!last && type != Fs.S_IFDIR) return Resolution.failed(Errno.ENOTDIR);
            w.push(c, child);
            if (last) {
                if (trailingSlash && type != Fs.S_IFDIR && type != Fs.S_IFLNK) {
                    return Resolution.failed(Errno.ENOTDIR);
                }
                return found(w, c, trailingSlash);
            }
        }
        // Ended with "." or ".." (or a link to a directory): the result is a directory.
        fillNodes(w);
        if (w.top().type() != Fs.S_IFDIR) return Resolution.failed(Errno.ENOTDIR);
        return found(w, lastName != null ? lastName : DOT, trailingSlash);
    }

    /** Resolves nodes left null in the stack (after a jump through a magic link). */
    private void fillNodes(Walk w) {
        for (int i = 1; i < w.nodes.size(); i++) {
            if (w.nodes.get(i) != null) continue;
            List<byte[]> prefix = new ArrayList<>(w.comps.subList(0, i));
            Mount m = mounts.get(new String(join(prefix), StandardCharsets.ISO_8859_1));
            Vnode v = m != null ? m.root : w.nodes.get(i - 1).lookup(w.comps.get(i - 1));
            if (v == null) throw Vnode.fail(Errno.ENOENT);
            w.nodes.set(i, v);
        }
    }

    private Resolution found(Walk w, byte[] name, boolean trailingSlash) {
        Vnode node = w.top();
        Vnode parent = w.nodes.size() >= 2 ? w.nodes.get(w.nodes.size() - 2) : node;
        byte[] host = node instanceof HostNode h ? h.hostPath() : null;
        SyntheticNode syn = node instanceof ProcNode p ? p.synthetic() : null;
        return new Resolution(0, join(w.comps), host, true, syn, node, parent, name, trailingSlash, null);
    }

    private static byte[] hostOf(Vnode dir, byte[] name) {
        if (!(dir instanceof HostNode h)) return null;
        byte[] p = h.hostPath();
        if (p.length == 1) p = new byte[0];
        byte[] out = Arrays.copyOf(p, p.length + 1 + name.length);
        out[p.length] = '/';
        System.arraycopy(name, 0, out, p.length + 1, name.length);
        return out;
    }

    static List<byte[]> split(byte[] path) {
        List<byte[]> out = new ArrayList<>();
        int i = 0;
        while (i < path.length) {
            while (i < path.length && path[i] == '/') i++;
            int start = i;
            while (i < path.length && path[i] != '/') i++;
            if (i > start) out.add(Arrays.copyOfRange(path, start, i));
        }
        return out;
    }

    static byte[] join(List<byte[]> comps) {
        if (comps.isEmpty()) return new byte[] {'/'};
        int n = 0;
        for (byte[] c : comps) n += 1 + c.length;
        byte[] out = new byte[n];
        int p = 0;
        for (byte[] c : comps) {
            out[p++] = '/';
            System.arraycopy(c, 0, out, p, c.length);
            p += c.length;
        }
        return out;
    }
}
