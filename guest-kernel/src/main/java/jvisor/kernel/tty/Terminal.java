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

    Terminal(long rdev, byte[] hostPath, boolean pty) {
        this.rdev = rdev;
        this.hostPath = hostPath;
        this.pty = pty;
    }

    /** The session it controls, or 0 (for /proc/PID/stat's tty_nr and tpgid; caller holds the table lock). */
    public int session() {
        return session;
    }

    /** The foreground process group, or 0 (caller holds the table lock). */
    public int foreground() {
        return pgrp;
    }

    @Override
    public String toString() {
        return "terminal " + (rdev >>> 8 & 0xfff) + ":" + ((rdev & 0xff) | (rdev >>> 12 & ~0xffL));
    }
}
