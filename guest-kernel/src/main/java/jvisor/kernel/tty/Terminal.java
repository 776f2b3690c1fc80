package jvisor.kernel.tty;

/**
 * One terminal's job control state (Linux's tty_struct ctrl.session and ctrl.pgrp): the session
 * it is the controlling terminal of and that session's foreground process group. The fields are
 * guarded by the process table's lock (the tree lock), as every process's controlling terminal.
 */
public final class Terminal {
    /** The host device number (st_rdev) of the terminal, its identity. */
    public final long rdev;
    /** A host path that opens it again: /dev/tty for the host's controlling terminal, /dev/pts/N for a pty. */
    final byte[] hostPath;
    /** The slave side of a pseudoterminal (its session leader's exit only hangs up the foreground group). */
    final boolean pty;

    /** The session it controls (0: none). */
    int session;
    /** The foreground process group (0: none). */
    int pgrp;
    /** A pty slave whose master was closed: its files are hung up (hung_up_tty_fops). */
    volatile boolean hungUp;

    /**
     * For the host's terminal jvisor runs on: a host descriptor of it (to ask the host for its
     * foreground group) and jvisor's host process group; -1 for other terminals.
     */
    int hostFd = -1, hostGroup = -1;

    Terminal(long rdev, byte[] hostPath, boolean pty) {
        this.rdev = rdev;
        this.hostPath = hostPath;
        this.pty = pty;
    }

    /** The session it controls, or 0 (for /proc/PID/stat's tty_nr and tpgid; caller holds the table lock). */
    public int session() {
        return session;
    }

    /**
     * The foreground process group, or 0 (caller holds the table lock). On the host's terminal the
     * host decides first: while another host group is in front there (jvisor runs in the
     * background of the user's shell), that group is the foreground, whatever the guest set.
     */
    public int foreground() {
        int host = hostForeground();
        return host > 0 && host != hostGroup ? host : pgrp;
    }

    /** The host terminal's foreground group as the host sees it, or -1 (not the host's terminal). */
    int hostForeground() {
        return hostFd < 0 ? -1 : jvisor.kernel.host.Libc.tcgetpgrp(hostFd);
    }

    /** True on the host's terminal while jvisor is not in its foreground. */
    boolean jvisorInBackground() {
        int host = hostForeground();
        return host > 0 && host != hostGroup;
    }

    @Override
    public String toString() {
        return "terminal " + (rdev >>> 8 & 0xfff) + ":" + ((rdev & 0xff) | (rdev >>> 12 & ~0xffL));
    }
}
