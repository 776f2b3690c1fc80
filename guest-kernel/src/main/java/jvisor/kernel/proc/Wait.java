package jvisor.kernel.proc;

import static jvisor.kernel.abi.Clone.*;

import jvisor.kernel.abi.Errno;
import jvisor.kernel.abi.Signals;

/**
 * The waiting half of wait4(2) and waitid(2) (Linux's kernel/exit.c do_wait): finds a child
 * that matches the selection and has ended, takes its status and reaps it, or sleeps until one
 * ends. Stopped and continued children are not reported: jvisor does not stop processes.
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
        /** For waitid: CLD_EXITED or CLD_KILLED, and the exit code or signal. */
        public int code, codeStatus;
        /** The child's CPU time in ns (rusage). */
        public long cpuNanos;
    }

    /**
     * Waits for a child selected by idtype (P_ALL, P_PID, P_PGID) and id.
     *
     * @param options WNOHANG, WNOWAIT, __WCLONE, __WALL (the caller validated them)
     * @return the child's pid, 0 under WNOHANG when no child has ended, -ECHILD when no child
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
                    if (!c.zombie) continue;
                    fill(c, out);
                    if ((options & WNOWAIT) == 0) {
                        table.reap(c);
                        self.addChildrenNanos(out.cpuNanos + c.childrenNanos());
                    }
                    return c.pid;
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
