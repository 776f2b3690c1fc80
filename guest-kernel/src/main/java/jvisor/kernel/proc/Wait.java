package jvisor.kernel.proc;

import static jvisor.kernel.abi.Clone.*;

import jvisor.kernel.abi.Errno;
import jvisor.kernel.abi.Signals;

/**
 * The waiting half of wait4(2) and waitid(2) (Linux's kernel/exit.c do_wait): finds a child
 * that matches the selection and has ended (WEXITED: takes its status and reaps it), stopped
 * (WSTOPPED, once per stop) or continued (WCONTINUED, once per SIGCONT), or sleeps until one does.
 */
public final class Wait {
    /** How long a waiter sleeps before it looks at signals and group exit again. */
    private static final long TICK_MS = 20;

    private Wait() {}

    /** What a successful wait found. */
    public static final class Result {
        public int pid, uid;
        /** The wait4 status word. */
        public int status;
        /** For waitid: CLD_EXITED, CLD_KILLED, CLD_STOPPED or CLD_CONTINUED, and the exit code or signal. */
        public int code, codeStatus;
        /** The child's CPU time in ns (rusage): of its ended tasks, or of all of them while it lives. */
        public long cpuNanos;
    }

    /**
     * Waits for a child selected by idtype (P_ALL, P_PID, P_PGID) and id.
     *
     * @param options WEXITED, WSTOPPED, WCONTINUED, WNOHANG, WNOWAIT, __WCLONE, __WALL (the caller
     *        validated them)
     * @return the child's pid, 0 under WNOHANG when no child has news, -ECHILD when no child
     *         matches, or -ERESTARTSYS when a signal interrupted the sleep
     */
    public static int await(Task t, int idtype, int id, int options, Result out) {
        Process self = t.process;
        ProcessTable table = self.table;
        synchronized (table) {
            while (true) {
                boolean any = false;
                for (Process c : self.children) {
                    if (!selected(self, c, idtype, id, options)) continue;
                    any = true;
                    boolean consume = (options & WNOWAIT) == 0;
                    if (c.zombie) {
                        if ((options & WEXITED) == 0) continue;
                        fill(c, out);
                        if (consume) {
                            table.reap(c);
                            self.addChildrenNanos(out.cpuNanos + c.childrenNanos());
                        }
                        return c.pid;
                    }
                    if ((options & WSTOPPED) != 0) {
                        int sig = c.signals.takeStopReport(consume);
                        if (sig != 0) return fillLive(c, Signals.CLD_STOPPED, sig, sig << 8 | 0x7f, out);
                    }
                    if ((options & WCONTINUED) != 0 && c.signals.takeContinueReport(consume)) {
                        return fillLive(c, Signals.CLD_CONTINUED, Signals.SIGCONT, 0xffff, out);
                    }
                }
                if (!any) return -Errno.ECHILD;
                if ((options & WNOHANG) != 0) return 0;
                if (t.interrupted()) return -Signals.ERESTARTSYS;
                try {
                    table.wait(TICK_MS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return -Signals.ERESTARTSYS;
                }
            }
        }
    }

    /** eligible_child: the id selection, then __WALL / __WCLONE against the child's exit signal. */
    private static boolean selected(Process self, Process c, int idtype, int id, int options) {
        switch (idtype) {
            case P_PID -> {
                if (c.pid != id) return false;
            }
            case P_PGID -> {
                if (c.pgid != id) return false;
            }
            default -> { }
        }
        if ((options & WALL) != 0) return true;
        boolean cloneChild = c.exitSignal != Signals.SIGCHLD;
        return cloneChild == ((options & WCLONE) != 0);
    }

    /** wait_task_stopped and wait_task_continued: a live child's news, with its CPU time so far. */
    private static int fillLive(Process c, int code, int sig, int status, Result out) {
        out.pid = c.pid;
        out.uid = c.creds.uid();
        out.status = status;
        out.code = code;
        out.codeStatus = sig;
        out.cpuNanos = jvisor.kernel.time.GuestTime.cpuNanosOfProcess(c) + c.childrenNanos();
        return c.pid;
    }

    private static void fill(Process c, Result out) {
        out.pid = c.pid;
        out.uid = c.creds.uid();
        out.status = c.waitStatus();
        if (c.killedBy() != null) {
            out.code = Signals.CLD_KILLED;
            out.codeStatus = c.killedBy().signo();
        } else {
            out.code = Signals.CLD_EXITED;
            out.codeStatus = c.exitStatus();
        }
        out.cpuNanos = c.exitedTasksNanos();
    }
}
