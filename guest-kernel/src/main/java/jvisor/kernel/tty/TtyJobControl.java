package jvisor.kernel.tty;

import jvisor.kernel.abi.Errno;
import jvisor.kernel.abi.Ioctls;
import jvisor.kernel.abi.Signals;
import jvisor.kernel.proc.JobControl;
import jvisor.kernel.proc.Process;
import jvisor.kernel.proc.ProcessTable;
import jvisor.kernel.proc.Task;
import jvisor.kernel.signal.SigInfo;

/**
 * Job control on terminals (Linux's drivers/tty/tty_jobctrl.c; tcsetpgrp(3), credentials(7)): a
 * session leader without a controlling terminal acquires the first terminal it opens without
 * O_NOCTTY (or by TIOCSCTTY); the foreground process group is read and set with TIOCGPGRP and
 * TIOCSPGRP; a process of a background group that reads its controlling terminal gets SIGTTIN,
 * one that changes its settings (or writes, under TOSTOP) gets SIGTTOU, unless it blocks or
 * ignores the signal. Everything here holds the process table's lock while it looks at terminals
 * and processes together.
 *
 * <p>On the host's terminal jvisor itself is one job of the user's shell: while the shell keeps
 * another job in front, the whole of jvisor is in the background, and what would stop a
 * background guest group stops jvisor's host process group instead (the shell sees it stopped
 * and continues it with fg); the guest's own foreground group applies while jvisor is in front.
 */
public final class TtyJobControl {
    private TtyJobControl() {}

    /** What {@link #ioctl} returns for a request the terminal's own driver (the host) must answer. */
    public static final long PASS = Long.MIN_VALUE;

    /**
     * The job control requests on a terminal file, and the check that comes before the requests
     * that change the terminal. master: the file is a pty master (whose requests act on the slave).
     * Returns the result, or {@link #PASS}.
     */
    public static long ioctl(Task t, Terminal term, boolean master, boolean readable, int request, long arg) {
        if (term.hungUp && !master) return request == Ioctls.TIOCSPGRP ? -Errno.ENOTTY : -Errno.EIO;
        switch (request) {
            case Ioctls.TIOCGPGRP -> {
                int pgrp = foregroundFor(t.process, term, master);
                if (pgrp < 0) return pgrp;
                t.memory().write32(arg, pgrp);
                return 0;
            }
            case Ioctls.TIOCGSID -> {
                int sid = sessionFor(t.process, term, master);
                if (sid < 0) return sid;
                t.memory().write32(arg, sid);
                return 0;
            }
            case Ioctls.TIOCSPGRP -> {
                return setForeground(t, term, arg);
            }
            case Ioctls.TIOCSCTTY -> {
                return acquire(t.process, term, readable);
            }
            case Ioctls.TIOCNOTTY -> {
                return master ? -Errno.ENOTTY : detach(t.process, term);
            }
            case Ioctls.TCSETS, Ioctls.TCSETSW, Ioctls.TCSETSF, Ioctls.TCSETA, Ioctls.TCSETAW, Ioctls.TCSETAF,
                    Ioctls.TCFLSH, Ioctls.TCXONC, Ioctls.TCSBRK -> {
                if (master) return PASS;
                long r = checkChange(t, term, Signals.SIGTTOU);
                return r != 0 ? r : PASS;
            }
            default -> {
                return PASS;
            }
        }
    }

    /** tiocgpgrp: on the slave side (or a plain terminal) only for its own controlling terminal. */
    private static int foregroundFor(Process p, Terminal term, boolean master) {
        synchronized (p.table) {
            if (!master && p.controllingTerminal() != term) return -Errno.ENOTTY;
            return term.foreground();
        }
    }

    /** tiocgsid. */
    private static int sessionFor(Process p, Terminal term, boolean master) {
        synchronized (p.table) {
            if (!master && p.controllingTerminal() != term) return -Errno.ENOTTY;
            if (term.session == 0) return -Errno.ENOTTY;
            return term.session;
        }
    }

    /**
     * tiocspgrp: only a process of the session the terminal controls, from the foreground (a
     * background caller gets SIGTTOU first, see {@link #checkChange}), and only to a process group
     * of that session.
     */
    private static long setForeground(Task t, Terminal term, long arg) {
        long r = checkChange(t, term, Signals.SIGTTOU);
        if (r == -Errno.EIO) return -Errno.ENOTTY;
        if (r != 0) return r;
        int pgrp = t.memory().read32(arg);
        if (pgrp < 0) return -Errno.EINVAL;
        Process p = t.process;
        ProcessTable table = p.table;
        synchronized (table) {
            int sid = p.sid();
            if (p.controllingTerminal() != term || term.session != sid) return -Errno.ENOTTY;
            int groupSession = sessionOfGroup(table, pgrp);
            if (groupSession == NO_SUCH_GROUP) return -Errno.ESRCH;
            if (groupSession != sid) return -Errno.EPERM;
            term.pgrp = pgrp;
            return 0;
        }
    }

    /**
     * session_of_pgrp after find_vpid: the session of a member of group pgrp, else of the process
     * or thread with that id; {@link #NO_SUCH_GROUP} if the id names nothing. Not 0: a session id
     * inherited from the host is 0 when its leader lies outside the host's pid namespace (a
     * container's processes), and getsid(2) reports exactly that. Caller holds the table lock.
     */
    private static final int NO_SUCH_GROUP = -1;

    private static int sessionOfGroup(ProcessTable table, int pgrp) {
        // Group 0 is what a process inherits from outside the host's pid namespace: no pid names it.
        if (pgrp == 0) return NO_SUCH_GROUP;
        for (Process q : table.processes()) if (q.pgid() == pgrp) return q.sid();
        Task thread = table.task(pgrp);
        if (thread != null) return thread.process.sid();
        Process q = table.process(pgrp);
        return q != null ? q.sid() : NO_SUCH_GROUP;
    }

    /**
     * tiocsctty: a session leader without a controlling terminal takes one that controls no
     * session, through a descriptor open for reading (stealing one from another session needs
     * CAP_SYS_ADMIN, which guests do not have).
     */
    private static long acquire(Process p, Terminal term, boolean readable) {
        synchronized (p.table) {
            int sid = p.sid();
            if (sid == p.pid && term.session == sid) return 0;
            if (sid != p.pid || p.controllingTerminal() != null) return -Errno.EPERM;
            if (term.session != 0) return -Errno.EPERM;
            if (!readable) return -Errno.EPERM;
            control(p, term);
            return 0;
        }
    }

    /** __proc_set_tty: term controls p's session, its foreground is p's group. Caller holds the table lock. */
    private static void control(Process p, Terminal term) {
        term.session = p.sid();
        term.pgrp = p.pgid();
        p.setControllingTerminal(term);
    }

    /**
     * tty_open_proc_set_tty: a session leader without a controlling terminal that opens one
     * controlling no session, for reading and without O_NOCTTY, acquires it.
     */
    public static void opened(Process p, Terminal term, boolean noctty, boolean readable) {
        if (noctty || !readable) return;
        synchronized (p.table) {
            if (p.sid() == p.pid && p.controllingTerminal() == null && term.session == 0) control(p, term);
        }
    }

    /**
     * TIOCNOTTY (no_tty): the caller gives up its controlling terminal; a session leader takes it
     * from the whole session, and the foreground group gets SIGHUP and SIGCONT.
     */
    private static long detach(Process p, Terminal term) {
        ProcessTable table = p.table;
        synchronized (table) {
            if (p.controllingTerminal() != term) return -Errno.ENOTTY;
            if (p.sid() == p.pid) {
                int fg = term.pgrp;
                if (fg != 0) {
                    killGroup(table, fg, SigInfo.fromProcess(Signals.SIGHUP, Signals.SI_USER, p.pid, p.creds.uid()));
                    killGroup(table, fg, SigInfo.fromProcess(Signals.SIGCONT, Signals.SI_USER, p.pid, p.creds.uid()));
                }
                release(table, term);
            }
            p.setControllingTerminal(null);
            return 0;
        }
    }

    /** The terminal no longer controls a session: no process of it keeps it. Caller holds the table lock. */
    private static void release(ProcessTable table, Terminal term) {
        int sid = term.session;
        term.session = 0;
        term.pgrp = 0;
        for (Process q : table.processes()) {
            if (q.sid() == sid && q.controllingTerminal() == term) q.setControllingTerminal(null);
        }
    }

    /**
     * disassociate_ctty(1): a session leader ends. Its terminal's foreground group gets SIGHUP
     * (from the kernel) and the terminal controls no session any more.
     */
    public static void sessionLeaderExited(Process p) {
        ProcessTable table = p.table;
        synchronized (table) {
            if (p.sid() != p.pid) return;
            Terminal term = p.controllingTerminal();
            if (term == null) return;
            if (term.pgrp != 0) killGroup(table, term.pgrp, SigInfo.kernel(Signals.SIGHUP));
            release(table, term);
        }
    }

    /**
     * The pty master was closed (pty_close hangs up the slave): the session leader of the session
     * the slave controlled gets SIGHUP and SIGCONT, no process keeps it as its terminal, and its
     * open files answer as hung up (reads see the end, job control requests fail with EIO).
     */
    public static void hungUp(ProcessTable table, Terminal term) {
        term.hungUp = true;
        synchronized (table) {
            if (term.session != 0) {
                Process leader = table.process(term.session);
                if (leader != null && !leader.isZombie()) {
                    leader.signals.sendToProcess(SigInfo.kernel(Signals.SIGHUP));
                    leader.signals.sendToProcess(SigInfo.kernel(Signals.SIGCONT));
                }
                release(table, term);
            }
        }
        table.terminals.forget(term);
    }

    /**
     * __tty_check_change: a process of a background group of the session acting on its controlling
     * terminal. If it blocks or ignores sig, the action goes on (for SIGTTIN: EIO); a process of
     * an orphaned group gets EIO; otherwise its whole group gets sig and the call ends with
     * ERESTARTSYS, to be restarted when the group is continued. 0: go on.
     */
    public static long checkChange(Task t, Terminal term, int sig) {
        if (term.hungUp) return 0; // the host's hung-up file answers
        Process p = t.process;
        boolean jvisorInBackground;
        synchronized (p.table) {
            if (p.controllingTerminal() != term) return 0;
            jvisorInBackground = term.jvisorInBackground();
            int fg = term.foreground();
            if (fg == 0 || fg == p.pgid()) return 0;
        }
        boolean ignored = (t.sigmask & Signals.bit(sig)) != 0
                || p.sigactions.get(sig).handler() == Signals.SIG_IGN;
        if (ignored) return sig == Signals.SIGTTIN ? -Errno.EIO : 0;
        if (jvisorInBackground) {
            // The user's shell put jvisor in the background: jvisor's whole host group stops, as
            // a native program's would, and the call is restarted when the shell continues it.
            if (!JobControl.hostGroupTied(p.table)) return -Errno.EIO;
            jvisor.kernel.host.Libc.signalOwnGroup(term.hostGroup, sig);
            return -Signals.ERESTARTSYS;
        }
        if (JobControl.inOrphanedGroup(p)) return -Errno.EIO;
        synchronized (p.table) {
            killGroup(p.table, p.pgid(), SigInfo.kernel(sig));
        }
        return -Signals.ERESTARTSYS;
    }

    /** job_control in n_tty_read: a read by t from term, see {@link #checkChange}; 0: go on. */
    public static long checkRead(Task t, Terminal term) {
        return checkChange(t, term, Signals.SIGTTIN);
    }

    /**
     * n_tty_write under TOSTOP: a write by t to term from a background group, see
     * {@link #checkChange}; tostop reads the terminal's flag only for such a write. 0: go on.
     */
    public static long checkWrite(Task t, Terminal term, java.util.function.BooleanSupplier tostop) {
        Process p = t.process;
        synchronized (p.table) {
            int fg = term.foreground();
            if (p.controllingTerminal() != term || fg == 0 || fg == p.pgid()) return 0;
        }
        return tostop.getAsBoolean() ? checkChange(t, term, Signals.SIGTTOU) : 0;
    }

    /** The caller's controlling terminal, or null (what /dev/tty opens). */
    public static Terminal controlling(Process p) {
        synchronized (p.table) {
            return p.controllingTerminal();
        }
    }

    /** The host path that opens term again. */
    public static byte[] hostPath(Terminal term) {
        return term.hostPath;
    }

    /** isig: a signal character reached the terminal: its foreground group gets the signal from the kernel. */
    public static void signalForeground(ProcessTable table, Terminal term, int sig) {
        synchronized (table) {
            if (term.pgrp != 0) killGroup(table, term.pgrp, SigInfo.kernel(sig));
        }
    }

    /** kill_pgrp: the signal to every live member of group pgrp. Caller holds the table lock. */
    private static void killGroup(ProcessTable table, int pgrp, SigInfo info) {
        for (Process q : table.group(pgrp)) q.signals.sendToProcess(info);
    }
}
