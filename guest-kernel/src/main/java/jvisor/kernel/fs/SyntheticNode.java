package jvisor.kernel.fs;

import java.util.List;
import java.util.function.Supplier;

/**
 * A file of a kernel-generated tree (/proc): a directory with its entry names, a symbolic link
 * with its target, a file whose contents are generated when opened, a "magic link" to an open
 * file (/proc/self/fd/N: opening it opens that file, whatever its name), or an entry that does
 * not exist.
 *
 * @param fd for MAGIC_FD, the descriptor the link stands for
 * @param children for DIR, the names of its entries (null: lists nothing)
 */
public record SyntheticNode(Kind kind, byte[] linkTarget, Supplier<byte[]> content, int fd,
        Supplier<List<String>> children) {
    public enum Kind { DIR, FILE, SYMLINK, MAGIC_FD, MISSING }

    public static final SyntheticNode DIR = new SyntheticNode(Kind.DIR, null, null, -1, null);
    public static final SyntheticNode MISSING = new SyntheticNode(Kind.MISSING, null, null, -1, null);

    public static SyntheticNode dir(Supplier<List<String>> children) {
        return new SyntheticNode(Kind.DIR, null, null, -1, children);
    }

    public static SyntheticNode symlink(byte[] target) {
        return new SyntheticNode(Kind.SYMLINK, target, null, -1, null);
    }

    public static SyntheticNode file(Supplier<byte[]> content) {
        return new SyntheticNode(Kind.FILE, null, content, -1, null);
    }

    /** /proc/self/fd/N: readlink gives name; following it reaches the open file itself. */
    public static SyntheticNode magicFd(int fd, byte[] name) {
        return new SyntheticNode(Kind.MAGIC_FD, name, null, fd, null);
    }

    /** lstat's st_mode for the node. */
    public int mode() {
        return switch (kind) {
            case DIR -> jvisor.kernel.abi.Fs.S_IFDIR | 0555;
            case FILE -> jvisor.kernel.abi.Fs.S_IFREG | 0444;
            case SYMLINK, MAGIC_FD -> jvisor.kernel.abi.Fs.S_IFLNK | 0777;
            case MISSING -> 0;
        };
    }
}
