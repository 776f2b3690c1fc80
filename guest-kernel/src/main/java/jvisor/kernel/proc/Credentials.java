package jvisor.kernel.proc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

import jvisor.kernel.host.Libc;

/**
 * A process's user and group ids (credentials(7)): real, effective, saved set and file system ids,
 * and the supplementary groups. The guest starts as the user who started jvisor; the set*id
 * calls change only this record (the host process keeps its ids: files the guest creates on the
 * host belong to the host user, see the README's deliberate differences). Immutable: a change
 * makes a new record.
 *
 * @param groups sorted, as Linux keeps them (groups_sort in kernel/groups.c)
 */
public record Credentials(int uid, int euid, int suid, int fsuid, int gid, int egid, int sgid, int fsgid,
        int[] groups) {
    /** NGROUPS_MAX of include/uapi/linux/limits.h. */
    public static final int NGROUPS_MAX = 65536;

    /** (uid_t) -1: "leave unchanged" in the set*id calls, never a valid id. */
    public static final int UNCHANGED = -1;

    public Credentials {
        groups = groups.clone();
        Arrays.sort(groups); // unsigned order equals signed order for ids below 2^31, as all ids here are
    }

    /** Real and effective ids equal, saved and file system ids from them, no supplementary groups. */
    public Credentials(int uid, int euid, int gid, int egid) {
        this(uid, euid, euid, euid, gid, egid, egid, egid, new int[0]);
    }

    /** jvisor's own credentials (from /proc/self/status, else the host's get*id calls). */
    public static Credentials fromHost() {
        jvisor.kernel.host.HostSelf.Status self = jvisor.kernel.host.HostSelf.status();
        if (self != null) {
            int[] u = self.uids(), g = self.gids();
            return new Credentials(u[0], u[1], u[2], u[3], g[0], g[1], g[2], g[3], self.groups());
        }
        int[] groups;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(4L * NGROUPS_MAX);
            int n = Libc.getgroups(NGROUPS_MAX, buf);
            groups = n > 0 ? buf.asSlice(0, 4L * n).toArray(ValueLayout.JAVA_INT) : new int[0];
        }
        int euid = Libc.geteuid(), egid = Libc.getegid();
        return new Credentials(Libc.getuid(), euid, euid, euid, Libc.getgid(), egid, egid, egid, groups);
    }

    /**
     * CAP_SETUID/CAP_SETGID and the other capabilities: held while the effective uid is 0. Linux
     * clears the effective capability set when euid leaves 0 and restores it when euid becomes 0
     * again (capabilities(7), "Effect of user ID changes on capabilities"), so this is exact for
     * processes that never use capset or SECBIT_* (jvisor implements neither).
     */
    public boolean privileged() {
        return euid == 0;
    }

    /** in_group_p of kernel/groups.c: the file system gid or a supplementary group. */
    public boolean inGroup(int g) {
        if (g == fsgid) return true;
        for (int x : groups) if (x == g) return true;
        return false;
    }

    public Credentials withUids(int ruid, int euid, int suid, int fsuid) {
        return new Credentials(ruid, euid, suid, fsuid, gid, egid, sgid, fsgid, groups);
    }

    public Credentials withGids(int rgid, int egid, int sgid, int fsgid) {
        return new Credentials(uid, euid, suid, this.fsuid, rgid, egid, sgid, fsgid, groups);
    }

    public Credentials withGroups(int[] groups) {
        return new Credentials(uid, euid, suid, fsuid, gid, egid, sgid, fsgid, groups);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Credentials c && uid == c.uid && euid == c.euid && suid == c.suid && fsuid == c.fsuid
                && gid == c.gid && egid == c.egid && sgid == c.sgid && fsgid == c.fsgid
                && Arrays.equals(groups, c.groups);
    }

    @Override
    public int hashCode() {
        return 31 * java.util.Objects.hash(uid, euid, suid, fsuid, gid, egid, sgid, fsgid) + Arrays.hashCode(groups);
    }

    @Override
    public int[] groups() {
        return groups.clone();
    }

    /** The number of supplementary groups. */
    public int groupCount() {
        return groups.length;
    }
}
