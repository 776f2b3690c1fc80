package jvisor.kernel.fs;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;

import jvisor.kernel.abi.Errno;
import jvisor.kernel.abi.Fs;
import jvisor.kernel.host.Libc;
import jvisor.kernel.host.Scratch;

/**
 * Resolves guest paths inside the sandbox root (path_resolution(7) with chroot semantics).
 *
 * <p>The walk is done here, component by component, instead of by the host kernel, so that the
 * guest can never leave the root: ".." at the root stays at the root, and a symbolic link's
 * target is looked up inside the root (an absolute target restarts at the root, not at the host's
 * "/"). Each component is examined with lstat on the host (never following a link), and links
 * are expanded here, at most 40 of them as in Linux (ELOOP). Paths are bytes, as in Linux: no
 * character set is involved.
 *
 * <p>Callers open the result with O_NOFOLLOW, so a link swapped in after the walk is not followed
 * out of the root either.
 */
public final class PathResolver {
    private static final int MAX_SYMLINKS = 40;
    private static final byte[] DOT = {'.'};
    private static final byte[] DOTDOT = {'.', '.'};
    private static final byte[] PROC = {'p', 'r', 'o', 'c'};

    /** The root's canonical host path, without a trailing slash ("" for the host's "/"). */
    private final byte[] root;
    private final SyntheticTree proc;

    /**
     * @param root the host directory that is "/" for the guest
     * @param proc the generated part of /proc, or null
     */
    public PathResolver(Path root, SyntheticTree proc) throws IOException {
        String real = root.toRealPath().toString();
        this.root = real.equals("/") ? new byte[0] : real.getBytes(StandardCharsets.UTF_8);
        this.proc = proc;
    }

    /** The host path of the root, "/" for the host's root. */
    public String rootHostPath() {
        return root.length == 0 ? "/" : new String(root, StandardCharsets.UTF_8);
    }

    /** The guest path of a host path if it lies inside the root, else null. */
    public String guestPathOf(Path hostPath) {
        String p = hostPath.toAbsolutePath().normalize().toString();
        if (root.length == 0) return p;
        String r = rootHostPath();
        if (p.equals(r)) return "/";
        if (p.startsWith(r + "/")) return p.substring(r.length());
        return null;
    }

    /** Prefixes the root: the host path of an absolute, resolved guest path. */
    public byte[] hostPath(byte[] guestPath) {
        byte[] out = Arrays.copyOf(root, root.length + guestPath.length);
        System.arraycopy(guestPath, 0, out, root.length, guestPath.length);
        return out;
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

        List<byte[]> dir = new ArrayList<>(); // the resolved directory so far: no links, no dots
        if (path[0] != '/') dir.addAll(split(base));
        Deque<byte[]> pending = new ArrayDeque<>(split(path));
        boolean trailingSlash = path[path.length - 1] == '/';
        int links = 0;

        try (Arena arena = Arena.ofConfined()) {
            MemorySegment stat = arena.allocate(StatBuf.SIZE);
            MemorySegment linkBuf = arena.allocate(Fs.PATH_MAX);
            while (!pending.isEmpty()) {
                byte[] c = pending.pollFirst();
                if (Arrays.equals(c, DOT)) continue;
                if (Arrays.equals(c, DOTDOT)) {
                    if (!dir.isEmpty()) dir.remove(dir.size() - 1); // ".." of the root is the root
                    continue;
                }
                if (c.length > Fs.NAME_MAX) return Resolution.failed(Errno.ENAMETOOLONG);
                boolean last = pending.isEmpty();
                dir.add(c);

                // A file the kernel generates (/proc/self/...)?
                SyntheticNode node = synthetic(dir);
                int type;
                if (node != null) {
                    type = switch (node.kind()) {
                        case DIR -> Fs.S_IFDIR;
                        case FILE -> Fs.S_IFREG;
                        case SYMLINK, MAGIC_FD -> Fs.S_IFLNK;
                        case MISSING -> -Errno.ENOENT;
                    };
                } else {
                    byte[] host = hostPath(join(dir));
                    int r = Libc.fstatat(Fs.AT_FDCWD, Scratch.cString(arena, host), stat, Fs.AT_SYMLINK_NOFOLLOW);
                    type = r < 0 ? r : stat.get(ValueLayout.JAVA_INT, StatBuf.ST_MODE) & Fs.S_IFMT;
                    if (type == -Errno.ENOENT && proc != null && dir.size() == 1 && Arrays.equals(dir.get(0), PROC)) {
                        // A root without /proc still has the process's own /proc/self.
                        node = SyntheticNode.DIR;
                        type = Fs.S_IFDIR;
                    }
                }
                if (type == -Errno.ENOENT) {
                    if (!last) return Resolution.failed(Errno.ENOENT);
                    byte[] g = join(dir);
                    return new Resolution(0, g, hostPath(g), false, null);
                }
                if (type < 0) return Resolution.failed(-type);

                if (type == Fs.S_IFLNK && (!last || followFinal || trailingSlash)) {
                    if (++links > MAX_SYMLINKS) return Resolution.failed(Errno.ELOOP);
                    if (node != null && node.kind() == SyntheticNode.Kind.MAGIC_FD) {
                        // A magic link leads to the open file itself, not to its name.
                        if (last) {
                            byte[] g = join(dir);
                            return new Resolution(0, g, hostPath(g), true, node);
                        }
                        if (node.linkTarget().length == 0 || node.linkTarget()[0] != '/') {
                            return Resolution.failed(Errno.ENOTDIR);
                        }
                    }
                    byte[] target;
                    if (node != null) {
                        target = node.linkTarget();
                    } else {
                        long n = Libc.readlink(Scratch.cString(arena, hostPath(join(dir))), linkBuf, Fs.PATH_MAX);
                        if (n < 0) return Resolution.failed((int) -n);
                        target = linkBuf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
                    }
                    dir.remove(dir.size() - 1);
                    if (target.length == 0) return Resolution.failed(Errno.ENOENT);
                    if (target[0] == '/') dir.clear(); // absolute targets are re-rooted
                    List<byte[]> parts = split(target);
                    for (int i = parts.size() - 1; i >= 0; i--) pending.addFirst(parts.get(i));
                    continue;
                }
                if (!last && type != Fs.S_IFDIR) return Resolution.failed(Errno.ENOTDIR);
                if (last) {
                    if (trailingSlash && type != Fs.S_IFDIR && type != Fs.S_IFLNK) {
                        return Resolution.failed(Errno.ENOTDIR);
                    }
                    byte[] g = join(dir);
                    return new Resolution(0, g, hostPath(g), true, node);
                }
            }
        }
        // Only "." and ".." components (or a link to a directory): the result is a directory.
        byte[] g = join(dir);
        return new Resolution(0, g, hostPath(g), true, synthetic(dir));
    }

    /** Looks dir up in the generated /proc tree; null if it is not generated. */
    private SyntheticNode synthetic(List<byte[]> dir) {
        if (proc == null || dir.size() < 2 || !Arrays.equals(dir.get(0), PROC)) {
            return null;
        }
        List<String> below = new ArrayList<>(dir.size() - 1);
        for (int i = 1; i < dir.size(); i++) below.add(new String(dir.get(i), StandardCharsets.ISO_8859_1));
        return proc.lookup(below);
    }

    private static List<byte[]> split(byte[] path) {
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

    private static byte[] join(List<byte[]> comps) {
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
