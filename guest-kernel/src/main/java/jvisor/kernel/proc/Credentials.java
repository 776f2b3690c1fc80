package jvisor.kernel.proc;

import jvisor.kernel.host.Libc;

/** The process's user and group ids: the host's, as the guest runs as the user who started jvisor. */
public record Credentials(int uid, int euid, int gid, int egid) {
    public static Credentials fromHost() {
        return new Credentials(Libc.getuid(), Libc.geteuid(), Libc.getgid(), Libc.getegid());
    }

    public boolean privileged() {
        return euid == 0;
    }
}
