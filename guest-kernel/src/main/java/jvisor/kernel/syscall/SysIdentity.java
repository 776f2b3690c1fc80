package jvisor.kernel.syscall;

import static jvisor.kernel.strace.ArgFormat.GROUPS_IN;
import static jvisor.kernel.strace.ArgFormat.GROUPS_OUT;
import static jvisor.kernel.strace.ArgFormat.INT;
import static jvisor.kernel.strace.ArgFormat.PTR;
import static jvisor.kernel.strace.ArgFormat.RET_DEC;

import jvisor.kernel.abi.Errno;
import jvisor.kernel.proc.Credentials;
import jvisor.kernel.proc.Process;
import jvisor.kernel.proc.Task;

/**
 * User and group ids (credentials(7); Linux kernel/sys.c and kernel/groups.c; gVisor
 * sys_identity.go). The guest starts as the host user who runs jvisor; the set*id calls change
 * the guest's credentials only, with Linux's permission rules, where "privileged" is
 * CAP_SETUID/CAP_SETGID (see {@link Credentials#privileged}).
 *
 * <p>Credentials are per process here, per thread in Linux. glibc (and musl) make every thread
 * change its ids together anyway (the setxid broadcast of nptl), so programs see the same; a raw
 * {@code syscall(SYS_setuid)} in one thread changes the others too.
 */
final class SysIdentity {
    private SysIdentity() {}

    static void register(SyscallTable t) {
        t.define("getuid", (k, a, b, c, d, e, f) -> k.process.creds.uid(), RET_DEC);
        t.define("geteuid", (k, a, b, c, d, e, f) -> k.process.creds.euid(), RET_DEC);
        t.define("getgid", (k, a, b, c, d, e, f) -> k.process.creds.gid(), RET_DEC);
        t.define("getegid", (k, a, b, c, d, e, f) -> k.process.creds.egid(), RET_DEC);
        t.define("getresuid", (k, a, b, c, d, e, f) -> {
            Credentials cr = k.process.creds;
            return getres(k, a, b, c, cr.uid(), cr.euid(), cr.suid());
        }, RET_DEC, PTR, PTR, PTR);
        t.define("getresgid", (k, a, b, c, d, e, f) -> {
            Credentials cr = k.process.creds;
            return getres(k, a, b, c, cr.gid(), cr.egid(), cr.sgid());
        }, RET_DEC, PTR, PTR, PTR);
        t.define("getgroups", (k, a, b, c, d, e, f) -> getgroups(k, (int) a, b), RET_DEC, INT, GROUPS_OUT);
        t.define("setgroups", (k, a, b, c, d, e, f) -> setgroups(k, a, b), RET_DEC, INT, GROUPS_IN);

        t.define("setuid", (k, a, b, c, d, e, f) -> setid(k, true, (int) a), RET_DEC, INT);
        t.define("setgid", (k, a, b, c, d, e, f) -> setid(k, false, (int) a), RET_DEC, INT);
        t.define("setreuid", (k, a, b, c, d, e, f) -> setreid(k, true, (int) a, (int) b), RET_DEC, INT, INT);
        t.define("setregid", (k, a, b, c, d, e, f) -> setreid(k, false, (int) a, (int) b), RET_DEC, INT, INT);
        t.define("setresuid", (k, a, b, c, d, e, f) -> setresid(k, true, (int) a, (int) b, (int) c),
                RET_DEC, INT, INT, INT);
        t.define("setresgid", (k, a, b, c, d, e, f) -> setresid(k, false, (int) a, (int) b, (int) c),
                RET_DEC, INT, INT, INT);
        t.define("setfsuid", (k, a, b, c, d, e, f) -> setfsid(k, true, (int) a), RET_DEC, INT);
        t.define("setfsgid", (k, a, b, c, d, e, f) -> setfsid(k, false, (int) a), RET_DEC, INT);
    }

    static long getres(Task t, long realPtr, long effectivePtr, long savedPtr, int real, int effective, int saved) {
        t.memory().write32(realPtr, real);
        t.memory().write32(effectivePtr, effective);
        t.memory().write32(savedPtr, saved);
        return 0;
    }

    /** getgroups(2): size 0 counts; a smaller list than the groups is EINVAL. */
    static long getgroups(Task t, int size, long list) {
        if (size < 0) return -Errno.EINVAL;
        int[] g = t.process.creds.groups();
        if (size == 0) return g.length;
        if (size < g.length) return -Errno.EINVAL;
        byte[] out = new byte[4 * g.length];
        for (int i = 0; i < g.length; i++) putInt(out, 4 * i, g[i]);
        t.memory().writeBytes(list, out, 0, out.length);
        return g.length;
    }

    /** setgroups(2): CAP_SETGID first, then the size, then the list (kernel/groups.c). */
    static long setgroups(Task t, long size, long list) {
        Process p = t.process;
        synchronized (p) {
            Credentials c = p.creds;
            if (!c.privileged()) return -Errno.EPERM;
            if (Integer.toUnsignedLong((int) size) > Credentials.NGROUPS_MAX) return -Errno.EINVAL;
            int n = (int) size;
            byte[] in = t.memory().readBytes(list, 4 * n);
            int[] g = new int[n];
            for (int i = 0; i < n; i++) g[i] = getInt(in, 4 * i);
            commit(p, c, c.withGroups(g));
            return 0;
        }
    }

    /**
     * setuid(2)/setgid(2): privileged, all ids (real, effective, saved, fs) become id; otherwise
     * only the effective (and fs) id, and only to the real or saved id.
     */
    static long setid(Task t, boolean user, int id) {
        if (id == Credentials.UNCHANGED) return -Errno.EINVAL;
        Process p = t.process;
        synchronized (p) {
            Credentials c = p.creds;
            int[] ids = ids(c, user);
            if (c.privileged()) return commit(p, c, with(c, user, id, id, id, id));
            if (id != ids[0] && id != ids[2]) return -Errno.EPERM;
            return commit(p, c, with(c, user, ids[0], id, ids[2], id));
        }
    }

    /**
     * setreuid(2)/setregid(2): the real id may become the real or effective one, the effective id
     * the real, effective or saved one (anything when privileged); the saved id follows the new
     * effective id when the real id was set or the effective id became other than the old real id.
     */
    static long setreid(Task t, boolean user, int real, int effective) {
        Process p = t.process;
        synchronized (p) {
            Credentials c = p.creds;
            int[] old = ids(c, user);
            boolean priv = c.privileged();
            int r = old[0], e = old[1], s = old[2];
            if (real != Credentials.UNCHANGED) {
                if (!priv && real != old[0] && real != old[1]) return -Errno.EPERM;
                r = real;
            }
            if (effective != Credentials.UNCHANGED) {
                if (!priv && effective != old[0] && effective != old[1] && effective != old[2]) return -Errno.EPERM;
                e = effective;
            }
            if (real != Credentials.UNCHANGED || (effective != Credentials.UNCHANGED && effective != old[0])) s = e;
            return commit(p, c, with(c, user, r, e, s, e));
        }
    }

    /** setresuid(2)/setresgid(2): unprivileged, each new id must be one of the current three. */
    static long setresid(Task t, boolean user, int real, int effective, int saved) {
        Process p = t.process;
        synchronized (p) {
            Credentials c = p.creds;
            int[] old = ids(c, user);
            if (!c.privileged()) {
                for (int id : new int[] {real, effective, saved}) {
                    if (id != Credentials.UNCHANGED && id != old[0] && id != old[1] && id != old[2]) return -Errno.EPERM;
                }
            }
            int r = real != Credentials.UNCHANGED ? real : old[0];
            int e = effective != Credentials.UNCHANGED ? effective : old[1];
            int s = saved != Credentials.UNCHANGED ? saved : old[2];
            return commit(p, c, with(c, user, r, e, s, e));
        }
    }

    /**
     * setfsuid(2)/setfsgid(2): always returns the previous fs id; changes it only to one of the
     * real, effective, saved or current fs ids, or to anything when privileged. An invalid id
     * (-1) changes nothing: the way to read the fs id.
     */
    static long setfsid(Task t, boolean user, int id) {
        Process p = t.process;
        synchronized (p) {
            Credentials c = p.creds;
            int[] old = ids(c, user);
            if (id != Credentials.UNCHANGED
                    && (id == old[0] || id == old[1] || id == old[2] || id == old[3] || c.privileged())) {
                commit(p, c, with(c, user, old[0], old[1], old[2], id));
            }
            return Integer.toUnsignedLong(old[3]);
        }
    }

    /** {real, effective, saved, fs} user or group ids. */
    private static int[] ids(Credentials c, boolean user) {
        return user ? new int[] {c.uid(), c.euid(), c.suid(), c.fsuid()} : new int[] {c.gid(), c.egid(), c.sgid(), c.fsgid()};
    }

    private static Credentials with(Credentials c, boolean user, int r, int e, int s, int fs) {
        return user ? c.withUids(r, e, s, fs) : c.withGids(r, e, s, fs);
    }

    /**
     * Installs the new credentials. As commit_creds: a change of the effective or fs ids makes
     * the process non-dumpable (suid_dumpable's default, 0), so PR_GET_DUMPABLE says 0.
     */
    private static long commit(Process p, Credentials old, Credentials neu) {
        if (old.euid() != neu.euid() || old.egid() != neu.egid() || old.fsuid() != neu.fsuid()
                || old.fsgid() != neu.fsgid()) {
            p.dumpable = 0;
        }
        p.creds = neu;
        return 0;
    }

    private static void putInt(byte[] b, int at, int v) {
        for (int i = 0; i < 4; i++) b[at + i] = (byte) (v >>> (8 * i));
    }

    private static int getInt(byte[] b, int at) {
        return (b[at] & 0xFF) | (b[at + 1] & 0xFF) << 8 | (b[at + 2] & 0xFF) << 16 | (b[at + 3] & 0xFF) << 24;
    }
}
