package jvisor.kernel.syscall;

import static jvisor.kernel.strace.ArgFormat.HEX;
import static jvisor.kernel.strace.ArgFormat.RET_DEC;

import jvisor.kernel.abi.Errno;
import jvisor.kernel.abi.Signals;
import jvisor.kernel.proc.Task;

/**
 * prctl(2) (kernel/sys.c): the operations programs make at startup and around fork. The thread
 * name (PR_SET_NAME) is what /proc/PID/comm shows; capabilities are those of an unprivileged
 * process or of root, as the host user is.
 */
final class SysPrctl {
    private SysPrctl() {}

    private static final int PR_SET_PDEATHSIG = 1, PR_GET_PDEATHSIG = 2, PR_GET_DUMPABLE = 3, PR_SET_DUMPABLE = 4,
            PR_GET_KEEPCAPS = 7, PR_SET_KEEPCAPS = 8, PR_SET_NAME = 15, PR_GET_NAME = 16, PR_GET_SECCOMP = 21,
            PR_CAPBSET_READ = 23, PR_SET_TIMERSLACK = 29, PR_GET_TIMERSLACK = 30, PR_SET_CHILD_SUBREAPER = 36,
            PR_GET_CHILD_SUBREAPER = 37, PR_SET_NO_NEW_PRIVS = 38, PR_GET_NO_NEW_PRIVS = 39;
    /** CAP_LAST_CAP of Linux 6.1. */
    private static final int CAP_LAST_CAP = 40;
    /** TASK_COMM_LEN. */
    private static final int COMM_LEN = 16;

    static void register(SyscallTable t) {
        t.define("prctl", (k, a, b, c, d, e, f) -> prctl(k, (int) a, b, c, d, e), RET_DEC, HEX, HEX, HEX, HEX, HEX);
    }

    static long prctl(Task t, int option, long arg2, long arg3, long arg4, long arg5) {
        switch (option) {
            case PR_SET_NAME -> {
                byte[] name = t.memory().readBytes(arg2, COMM_LEN);
                int n = 0;
                while (n < COMM_LEN - 1 && name[n] != 0) n++;
                t.comm = java.util.Arrays.copyOf(name, n);
                return 0;
            }
            case PR_GET_NAME -> {
                byte[] out = new byte[COMM_LEN];
                byte[] c = t.comm();
                System.arraycopy(c, 0, out, 0, Math.min(c.length, COMM_LEN - 1));
                t.memory().writeBytes(arg2, out, 0, COMM_LEN);
                return 0;
            }
            case PR_SET_PDEATHSIG -> {
                if (arg2 < 0 || arg2 > Signals.NSIG) return -Errno.EINVAL;
                t.parentDeathSignal = (int) arg2;
                return 0;
            }
            case PR_GET_PDEATHSIG -> {
                t.memory().write32(arg2, t.parentDeathSignal);
                return 0;
            }
            case PR_GET_DUMPABLE -> {
                return t.process.dumpable;
            }
            case PR_SET_DUMPABLE -> {
                if (arg2 != 0 && arg2 != 1) return -Errno.EINVAL;
                t.process.dumpable = (int) arg2;
                return 0;
            }
            case PR_GET_KEEPCAPS, PR_GET_SECCOMP -> {
                return 0;
            }
            case PR_SET_KEEPCAPS -> {
                return arg2 == 0 || arg2 == 1 ? 0 : -Errno.EINVAL;
            }
            case PR_CAPBSET_READ -> {
                return arg2 >= 0 && arg2 <= CAP_LAST_CAP ? 1 : -Errno.EINVAL;
            }
            case PR_GET_TIMERSLACK -> {
                return t.timerSlackNs;
            }
            case PR_SET_TIMERSLACK -> {
                t.timerSlackNs = arg2 == 0 ? 50_000 : arg2;
                return 0;
            }
            case PR_SET_CHILD_SUBREAPER -> {
                t.process.childSubreaper = arg2 != 0;
                return 0;
            }
            case PR_GET_CHILD_SUBREAPER -> {
                t.memory().write32(arg2, t.process.childSubreaper ? 1 : 0);
                return 0;
            }
            case PR_SET_NO_NEW_PRIVS -> {
                if (arg2 != 1 || arg3 != 0 || arg4 != 0 || arg5 != 0) return -Errno.EINVAL;
                t.process.noNewPrivs = true;
                return 0;
            }
            case PR_GET_NO_NEW_PRIVS -> {
                if (arg2 != 0 || arg3 != 0 || arg4 != 0 || arg5 != 0) return -Errno.EINVAL;
                return t.process.noNewPrivs ? 1 : 0;
            }
            default -> {
                return -Errno.EINVAL;
            }
        }
    }
}
