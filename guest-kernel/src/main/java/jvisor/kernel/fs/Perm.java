package jvisor.kernel.fs;

import jvisor.kernel.abi.Errno;
import jvisor.kernel.abi.Fs;
import jvisor.kernel.proc.Credentials;

/**
 * Linux's generic_permission, with the file system ids (fsuid, fsgid and the supplementary
 * groups, credentials(7)) and CAP_DAC_OVERRIDE / CAP_DAC_READ_SEARCH while fsuid is 0 (the
 * kernel drops those capabilities when fsuid leaves 0).
 */
public final class Perm {
    private Perm() {}

    public static int check(int mode, int uid, int gid, Credentials c, int mask) {
        if (c.fsuid() == 0) {
            if ((mask & Fs.X_OK) == 0) return 0;
            if ((mode & Fs.S_IFMT) == Fs.S_IFDIR || (mode & 0111) != 0) return 0;
            return -Errno.EACCES;
        }
        int bits;
        if (c.fsuid() == uid) bits = (mode >> 6) & 7;
        else if (c.inGroup(gid)) bits = (mode >> 3) & 7;
        else bits = mode & 7;
        return (bits & mask) == mask ? 0 : -Errno.EACCES;
    }

    /** DT_* of an S_IFMT type. */
    public static int dtype(int type) {
        return (type & Fs.S_IFMT) >>> 12;
    }
}
