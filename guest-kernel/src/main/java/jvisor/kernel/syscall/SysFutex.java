package jvisor.kernel.syscall;

import static jvisor.kernel.abi.Clone.*;
import static jvisor.kernel.strace.ArgFormat.*;

import jvisor.kernel.abi.Clocks;
import jvisor.kernel.abi.Errno;
import jvisor.kernel.abi.Signals;
import jvisor.kernel.futex.Futexes;
import jvisor.kernel.proc.Task;
import jvisor.kernel.time.GuestTime;
import jvisor.mmu.AddressSpace;

/**
 * futex(2) (Linux kernel/futex/syscalls.c; gVisor sys_futex.go): WAIT, WAKE, WAIT_BITSET,
 * WAKE_BITSET, REQUEUE, CMP_REQUEUE and WAKE_OP, private or shared. Priority-inheritance
 * operations fail with ENOSYS, as on a kernel built without CONFIG_FUTEX_PI.
 */
final class SysFutex {
    private SysFutex() {}

    static void register(SyscallTable t) {
        t.define("futex", (k, a, b, c, d, e, f) -> futex(k, a, (int) b, (int) c, d, e, (int) f), RET_DEC,
                PTR, FUTEX_OP, FUTEX_VAL, FUTEX_TIMEOUT_OR_VAL2, FUTEX_UADDR2, FUTEX_VAL3);
    }

    static long futex(Task t, long uaddr, int op, int val, long timeoutOrVal2, long uaddr2, int val3) {
        int cmd = op & FUTEX_CMD_MASK;
        boolean priv = (op & FUTEX_PRIVATE_FLAG) != 0;
        boolean realtime = (op & FUTEX_CLOCK_REALTIME) != 0;
        if (realtime && cmd != FUTEX_WAIT && cmd != FUTEX_WAIT_BITSET && cmd != FUTEX_WAIT_REQUEUE_PI
                && cmd != FUTEX_LOCK_PI2) {
            return -Errno.ENOSYS;
        }
        if ((uaddr & 3) != 0) return -Errno.EINVAL;
        AddressSpace m = t.memory();
        Futexes fx = t.process.table.futexes;
        switch (cmd) {
            case FUTEX_WAIT, FUTEX_WAIT_BITSET -> {
                int bitset = cmd == FUTEX_WAIT ? FUTEX_BITSET_MATCH_ANY : val3;
                if (bitset == 0) return -Errno.EINVAL;
                long deadline = Long.MAX_VALUE;
                if (timeoutOrVal2 != 0) {
                    long ns = GuestTime.readTimespec(m, timeoutOrVal2);
                    if (ns < 0) return -Errno.EINVAL;
                    if (cmd == FUTEX_WAIT) {
                        deadline = saturatingAdd(System.nanoTime(), ns); // relative, CLOCK_MONOTONIC
                    } else {
                        int clock = realtime ? Clocks.CLOCK_REALTIME : Clocks.CLOCK_MONOTONIC;
                        deadline = saturatingAdd(System.nanoTime(), ns - GuestTime.host(clock)); // absolute
                    }
                }
                return await(t, m, uaddr, priv, val, bitset, deadline);
            }
            case FUTEX_WAKE, FUTEX_WAKE_BITSET -> {
                int bitset = cmd == FUTEX_WAKE ? FUTEX_BITSET_MATCH_ANY : val3;
                if (bitset == 0) return -Errno.EINVAL;
                return fx.wake(m, uaddr, priv, Math.max(val, 0), bitset);
            }
            case FUTEX_REQUEUE, FUTEX_CMP_REQUEUE -> {
                if ((uaddr2 & 3) != 0) return -Errno.EINVAL;
                int nRequeue = (int) timeoutOrVal2; // the "timeout" slot carries val2
                if (val < 0 || nRequeue < 0) return -Errno.EINVAL;
                return fx.requeue(m, uaddr, uaddr2, priv, val, nRequeue, cmd == FUTEX_CMP_REQUEUE, val3);
            }
            case FUTEX_WAKE_OP -> {
                if ((uaddr2 & 3) != 0) return -Errno.EINVAL;
                return wakeOp(t, m, fx, uaddr, uaddr2, priv, val, (int) timeoutOrVal2, val3);
            }
            default -> {
                return -Errno.ENOSYS;
            }
        }
    }

    private static long saturatingAdd(long a, long b) {
        long r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
    }

    /**
     * A wait interrupted by a signal: -ERESTARTSYS without a timeout (restarted under
     * SA_RESTART or when no handler runs), else ERESTART_RESTARTBLOCK with the deadline kept
     * for restart_syscall, as futex_wait does.
     */
    private static long await(Task t, AddressSpace m, long uaddr, boolean priv, int val, int bitset, long deadline) {
        int r = t.process.table.futexes.await(m, uaddr, priv, val, bitset, deadline, t::interrupted);
        if (r != 1) return r;
        if (deadline == Long.MAX_VALUE) return -Signals.ERESTARTSYS;
        t.restartBlock = task -> await(task, task.memory(), uaddr, priv, val, bitset, deadline);
        return -Signals.ERESTART_RESTARTBLOCK;
    }

    /**
     * FUTEX_WAKE_OP: atomically *uaddr2 = *uaddr2 OP oparg, wake val waiters on uaddr, and if the
     * old *uaddr2 CMP cmparg holds, also val2 waiters on uaddr2 (futex(2)). The read-modify-write
     * is made atomic against other wakers by the futex lock; guest stores racing with it are as
     * unordered as on Linux without the futex hash lock.
     */
    private static long wakeOp(Task t, AddressSpace m, Futexes fx, long uaddr, long uaddr2, boolean priv, int val,
            int val2, int encoded) {
        int op = (encoded >>> 28) & 7;
        boolean shift = ((encoded >>> 28) & 8) != 0;
        int cmp = (encoded >>> 24) & 15;
        int oparg = (encoded << 8) >> 20;
        int cmparg = (encoded << 20) >> 20;
        if (shift) oparg = (oparg < 0 || oparg > 31) ? oparg & 31 : 1 << oparg;
        int old;
        synchronized (fx) {
            old = m.read32(uaddr2);
            int nv = switch (op) {
                case 0 -> oparg; // FUTEX_OP_SET
                case 1 -> old + oparg; // ADD
                case 2 -> old | oparg; // OR
                case 3 -> old & ~oparg; // ANDN
                case 4 -> old ^ oparg; // XOR
                default -> Integer.MIN_VALUE;
            };
            if (op > 4) return -Errno.ENOSYS;
            m.write32(uaddr2, nv);
        }
        int woken = fx.wake(m, uaddr, priv, Math.max(val, 0), FUTEX_BITSET_MATCH_ANY);
        boolean hit = switch (cmp) {
            case 0 -> old == cmparg;
            case 1 -> old != cmparg;
            case 2 -> old < cmparg;
            case 3 -> old <= cmparg;
            case 4 -> old > cmparg;
            case 5 -> old >= cmparg;
            default -> false;
        };
        if (cmp > 5) return -Errno.ENOSYS;
        if (hit) woken += fx.wake(m, uaddr2, priv, Math.max(val2, 0), FUTEX_BITSET_MATCH_ANY);
        return woken;
    }
}
