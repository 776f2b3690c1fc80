package jvisor.kernel.syscall;

import static jvisor.kernel.strace.ArgFormat.INT;
import static jvisor.kernel.strace.ArgFormat.RET_DEC;
import static jvisor.kernel.strace.ArgFormat.RLIMIT_IN;
import static jvisor.kernel.strace.ArgFormat.RLIMIT_OUT;
import static jvisor.kernel.strace.ArgFormat.RLIMIT_RESOURCE;

import jvisor.kernel.abi.Errno;
import jvisor.kernel.abi.Rlimits;
import jvisor.kernel.proc.Limits;
import jvisor.kernel.proc.Task;
import jvisor.mmu.AddressSpace;

/**
 * getrlimit(2), setrlimit(2), prlimit64(2) (gVisor sys_rlimit.go) on the process's own table,
 * which started as the host's limits. RLIMIT_NOFILE bounds the fd table and RLIMIT_DATA the heap.
 */
final class SysRlimit {
    private SysRlimit() {}

    static void register(SyscallTable t) {
        t.define("getrlimit", (k, a, b, c, d, e, f) -> prlimit(k, 0, a, 0, b), RET_DEC, RLIMIT_RESOURCE, RLIMIT_OUT);
        t.define("setrlimit", (k, a, b, c, d, e, f) -> prlimit(k, 0, a, b, 0), RET_DEC, RLIMIT_RESOURCE, RLIMIT_IN);
        t.define("prlimit64", (k, a, b, c, d, e, f) -> prlimit(k, (int) a, b, c, d), RET_DEC,
                INT, RLIMIT_RESOURCE, RLIMIT_IN, RLIMIT_OUT);
    }

    static long prlimit(Task t, int pid, long resource, long newLimit, long oldLimit) {
        if (Long.compareUnsigned(resource, Rlimits.RLIM_NLIMITS) >= 0) return -Errno.EINVAL;
        if (pid != 0 && pid != t.process.pid) return -Errno.ESRCH;
        int r = (int) resource;
        AddressSpace mem = t.memory();
        Limits limits = t.process.limits;
        long oldCur = limits.cur(r), oldMax = limits.max(r);
        if (newLimit != 0) {
            long cur = mem.read64(newLimit);
            long max = mem.read64(newLimit + 8);
            int rc = limits.set(r, cur, max, t.process.creds.privileged());
            if (rc < 0) return rc;
            if (r == Rlimits.RLIMIT_DATA) t.process.mm.setDataLimit(cur);
        }
        if (oldLimit != 0) {
            mem.write64(oldLimit, oldCur);
            mem.write64(oldLimit + 8, oldMax);
        }
        return 0;
    }
}
