package jvisor.kernel.syscall;

import static jvisor.kernel.abi.Clone.P_ALL;
import static jvisor.kernel.abi.Clone.P_PGID;
import static jvisor.kernel.abi.Clone.P_PID;
import static jvisor.kernel.abi.Clone.P_PIDFD;
import static jvisor.kernel.abi.Clone.WALL;
import static jvisor.kernel.abi.Clone.WCLONE;
import static jvisor.kernel.abi.Clone.WCONTINUED;
import static jvisor.kernel.abi.Clone.WEXITED;
import static jvisor.kernel.abi.Clone.WNOHANG;
import static jvisor.kernel.abi.Clone.WNOTHREAD;
import static jvisor.kernel.abi.Clone.WNOWAIT;
import static jvisor.kernel.abi.Clone.WSTOPPED;
import static jvisor.kernel.abi.Clone.WUNTRACED;
import static jvisor.kernel.strace.ArgFormat.*;

import jvisor.kernel.abi.Errno;
import jvisor.kernel.abi.Signals;
import jvisor.kernel.proc.Task;
import jvisor.kernel.proc.Wait;
import jvisor.mmu.AddressSpace;

/** wait4(2) and waitid(2) (gVisor sys_thread.go Wait4/Waitid; Linux kernel/exit.c). */
final class SysWait {
    private SysWait() {}

    /** sizeof(struct rusage). */
    private static final int RUSAGE_SIZE = 144;

    static void register(SyscallTable t) {
        t.define("wait4", (k, a, b, c, d, e, f) -> wait4(k, (int) a, b, (int) c, d), RET_DEC,
                INT, WSTATUS_OUT, WAIT_OPTIONS, PTR);
        t.define("waitid", (k, a, b, c, d, e, f) -> waitid(k, (int) a, (int) b, c, (int) d, e), RET_DEC,
                INT, INT, PTR, WAIT_OPTIONS, PTR);
    }

    static long wait4(Task t, int pid, long wstatus, int options, long rusage) {
        if ((options & ~(WNOHANG | WUNTRACED | WCONTINUED | WNOTHREAD | WCLONE | WALL)) != 0) return -Errno.EINVAL;
        if (pid == Integer.MIN_VALUE) return -Errno.ESRCH; // -INT_MIN overflows (kernel/exit.c)
        int idtype, id;
        if (pid < -1) {
            idtype = P_PGID;
            id = -pid;
        } else if (pid == -1) {
            idtype = P_ALL;
            id = 0;
        } else if (pid == 0) {
            idtype = P_PGID;
            id = t.process.pgid();
        } else {
            idtype = P_PID;
            id = pid;
        }
        Wait.Result r = new Wait.Result();
        int got = Wait.await(t, idtype, id, (options & ~WNOWAIT) | WEXITED, r); // kernel_wait4 adds WEXITED
        if (got <= 0) return got;
        AddressSpace m = t.memory();
        if (wstatus != 0) m.write32(wstatus, r.status);
        if (rusage != 0) writeRusage(m, rusage, r.cpuNanos);
        return got;
    }

    static long waitid(Task t, int idtype, int id, long infop, int options, long rusage) {
        if ((options & ~(WNOHANG | WNOWAIT | WEXITED | WSTOPPED | WCONTINUED | WNOTHREAD | WCLONE | WALL)) != 0) {
            return -Errno.EINVAL;
        }
        if ((options & (WEXITED | WSTOPPED | WCONTINUED)) == 0) return -Errno.EINVAL;
        switch (idtype) {
            case P_ALL -> id = 0;
            case P_PID, P_PGID -> {
                if (id <= 0) return -Errno.EINVAL;
            }
            case P_PIDFD -> {
                return -Errno.EBADF; // there are no pidfds
            }
            default -> {
                return -Errno.EINVAL;
            }
        }
        Wait.Result r = new Wait.Result();
        int got = Wait.await(t, idtype, id, options, r);
        if (got < 0) return got;
        AddressSpace m = t.memory();
        if (infop != 0) {
            m.fill(infop, jvisor.kernel.signal.SigInfo.SIZE, (byte) 0);
            if (got > 0) {
                m.write32(infop, Signals.SIGCHLD);
                m.write32(infop + 8, r.code);
                m.write32(infop + 16, r.pid);
                m.write32(infop + 20, r.uid);
                m.write32(infop + 24, r.codeStatus);
            }
        }
        if (rusage != 0) {
            if (got > 0) writeRusage(m, rusage, r.cpuNanos);
            else m.fill(rusage, RUSAGE_SIZE, (byte) 0);
        }
        return 0;
    }

    /** struct rusage: the child's user time; the other counters are not kept. */
    private static void writeRusage(AddressSpace m, long addr, long cpuNanos) {
        m.fill(addr, RUSAGE_SIZE, (byte) 0);
        jvisor.kernel.time.GuestTime.writeTimeval(m, addr, cpuNanos);
    }
}
