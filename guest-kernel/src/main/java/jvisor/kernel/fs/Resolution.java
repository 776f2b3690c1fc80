package jvisor.kernel.fs;

/**
 * The outcome of resolving a guest path.
 *
 * @param error 0, or the errno of the failed lookup (ENOENT, ENOTDIR, ELOOP, ENAMETOOLONG, EACCES...)
 * @param guestPath the absolute path inside the root with every symbolic link resolved (the
 *        final component too, unless the lookup was told not to follow it)
 * @param hostPath for a host file, its host path; else null
 * @param exists false if everything but the final component exists (creation may make it)
 * @param synthetic the generated /proc node, or null
 * @param node the file (null if it does not exist)
 * @param parent the directory holding the final component
 * @param name the final component as written ("." or ".." when the path ended so)
 * @param trailingSlash the path ended with '/'
 * @param magic for /proc/self/fd/N of a file without a vnode (pipe, inherited fd): that open file
 */
public record Resolution(int error, byte[] guestPath, byte[] hostPath, boolean exists, SyntheticNode synthetic,
        Vnode node, Vnode parent, byte[] name, boolean trailingSlash, FileDescription magic) {
    public static Resolution failed(int errno) {
        return new Resolution(errno, null, null, false, null, null, null, null, false, null);
    }

    public boolean ok() {
        return error == 0;
    }

    public String guestPathString() {
        return new String(guestPath, java.nio.charset.StandardCharsets.UTF_8);
    }
}
