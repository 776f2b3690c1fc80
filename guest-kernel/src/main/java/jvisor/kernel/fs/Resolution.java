package jvisor.kernel.fs;

/**
 * The outcome of resolving a guest path inside the sandbox root.
 *
 * @param error 0, or the errno of the failed lookup (ENOENT, ENOTDIR, ELOOP, ENAMETOOLONG, EACCES...)
 * @param guestPath the absolute path inside the root with every symbolic link resolved (the
 *        final component too, unless the lookup was told not to follow it)
 * @param hostPath guestPath as a host path: the root's host path prefixed
 * @param exists false if everything but the final component exists (open with O_CREAT may create it)
 * @param synthetic the kernel-generated node, or null for a host file
 */
public record Resolution(int error, byte[] guestPath, byte[] hostPath, boolean exists, SyntheticNode synthetic) {
    public static Resolution failed(int errno) {
        return new Resolution(errno, null, null, false, null);
    }

    public boolean ok() {
        return error == 0;
    }

    public String guestPathString() {
        return new String(guestPath, java.nio.charset.StandardCharsets.UTF_8);
    }
}
