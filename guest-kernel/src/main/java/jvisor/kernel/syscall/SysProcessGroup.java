package jvisor.kernel.syscall;

import static jvisor.kernel.strace.ArgFormat.INT;
import static jvisor.kernel.strace.ArgFormat.RET_DEC;

import jvisor.kernel.abi.Errno;
import jvisor.kernel.proc.Process;
import jvisor.kernel.proc.Task;

/** Process groups and sessions (setpgid(2), getpgid(2), getpgrp(2), setsid(2), getsid(2)), as a shell's job control uses them. */
final class SysProcessGroup {
    private SysProcessGroup() {}

    static void register(SyscallTable t) {
        t.define("setpgid", (k, a, b, c, d, e, f) -> setpgid(k, (int) a, (int) b), RET_DEC, INT, INT);
        t.define("getpgid", (k, a, b, c, d, e, f) -> getpgid(k, (int) a), RET_DEC, INT);
        t.define("getpgrp", (k, a, b, c, d, e, f) -> k.process.pgid(), RET_DEC);
        t.define("setsid", (k, a, b, c, d, e, f) -> k.process.table.setsid(k.process), RET_DEC);
        t.define("getsid", (k, a, b, c, d, e, f) -> getsid(k, (int) a), RET_DEC, INT);
    }

    /** The process pid names (0: the caller), or null. */
    private static Process lookup(Task t, int pid) {
        if (pid == 0) return t.process;
        if (pid < 0) return null;
        return t.process.table.process(pid);
    }

    static long setpgid(Task t, int pid, int pgid) {
        if (pgid < 0) return -Errno.EINVAL;
        Process target = lookup(t, pid);
        if (target == null) return -Errno.ESRCH;
        return t.process.table.setpgid(t.process, target, pgid);
    }

    static long getpgid(Task t, int pid) {
        Process p = lookup(t, pid);
        return p == null ? -Errno.ESRCH : p.pgid();
    }

    static long getsid(Task t, int pid) {
        Process p = lookup(t, pid);
        return p == null ? -Errno.ESRCH : p.sid();
    }
}
