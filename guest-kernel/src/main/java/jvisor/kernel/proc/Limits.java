package jvisor.kernel.proc;

import jvisor.kernel.abi.Errno;
import jvisor.kernel.abi.Rlimits;

/**
 * A process's resource limits (getrlimit(2)), starting as the host's limits of the JVM. Values
 * are unsigned 64-bit; RLIM_INFINITY is all ones.
 */
public final class Limits {
    private final long[] cur = new long[Rlimits.RLIM_NLIMITS];
    private final long[] max = new long[Rlimits.RLIM_NLIMITS];

    /** The host's current limits of jvisor's own process. */
    public static Limits fromHost() {
        Limits l = new Limits();
        long[][] host = jvisor.kernel.host.HostSelf.limits(Rlimits.RLIM_NLIMITS);
        System.arraycopy(host[0], 0, l.cur, 0, l.cur.length);
        System.arraycopy(host[1], 0, l.max, 0, l.max.length);
        return l;
    }

    /** fork's copy: the child starts with the parent's limits and changes its own. */
    public synchronized Limits copy() {
        Limits l = new Limits();
        System.arraycopy(cur, 0, l.cur, 0, cur.length);
        System.arraycopy(max, 0, l.max, 0, max.length);
        return l;
    }

    /** Every limit infinite (tests). */
    public static Limits unlimited() {
        Limits l = new Limits();
        java.util.Arrays.fill(l.cur, Rlimits.RLIM_INFINITY);
        java.util.Arrays.fill(l.max, Rlimits.RLIM_INFINITY);
        return l;
    }

    public long cur(int resource) {
        return cur[resource];
    }

    public long max(int resource) {
        return max[resource];
    }

    /** The soft limit as a count that fits an int loop bound (RLIMIT_NOFILE). */
    public long curClamped(int resource) {
        long c = cur[resource];
        return c < 0 || c > Integer.MAX_VALUE ? Integer.MAX_VALUE : c;
    }

    /**
     * setrlimit(2) rules (kernel/sys.c do_prlimit): soft above hard is EINVAL; raising the hard
     * limit needs CAP_SYS_RESOURCE (EPERM); RLIMIT_NOFILE cannot exceed fs.nr_open (EPERM).
     */
    public int set(int resource, long newCur, long newMax, boolean privileged) {
        if (Long.compareUnsigned(newCur, newMax) > 0) return -Errno.EINVAL;
        if (Long.compareUnsigned(newMax, max[resource]) > 0 && !privileged) return -Errno.EPERM;
        if (resource == Rlimits.RLIMIT_NOFILE && Long.compareUnsigned(newMax, Rlimits.NR_OPEN) > 0) {
            return -Errno.EPERM;
        }
        cur[resource] = newCur;
        max[resource] = newMax;
        return 0;
    }
}
