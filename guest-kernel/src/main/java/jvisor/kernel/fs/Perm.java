package jvisor.kernel.fs;

import jvisor.kernel.abi.Errno;
import jvisor.kernel.abi.Fs;
import jvisor.kernel.proc.Credentials;

/** Linux's generic_permission with CAP_DAC_OVERRIDE / CAP_DAC_READ_SEARCH for root. */
public final class Perm {
    private Perm() {}

    public static int check(int mode, int uid, int gid, Credentials c, int mask) {
        if (c.euid() == 0) {
            if ((mask & Fs.X_OK) == 0) return 0;
            if ((mode & Fs.S_IFMT) == Fs.S_IFDIR || (mode & 0111) != 0) return 0;
            return -Errno.EACCES;
        }
        int bits;
        if (c.euid() == uid) bits = (mode >> 6) & 7;
        else if (c.egid() == gid) bits = (mode >> 3) & 7;
        else bits = mode & 7;
        return (bits & mask) == mask ? 0 : -Errno.EACCES;
    }

    /** DT_* of an S_IFMT type. */
    public static int dtype(int type) {
        return (type & Fs.S_IFMT) >>> 12;
    }
}
