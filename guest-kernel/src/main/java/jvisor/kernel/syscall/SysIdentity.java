package jvisor.kernel.syscall;

import static jvisor.kernel.strace.ArgFormat.GROUPS_OUT;
import static jvisor.kernel.strace.ArgFormat.INT;
import static jvisor.kernel.strace.ArgFormat.PTR;
import static jvisor.kernel.strace.ArgFormat.RET_DEC;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import jvisor.kernel.abi.Errno;
import jvisor.kernel.host.Libc;
import jvisor.kernel.proc.Task;

/** User and group ids (gVisor sys_identity.go): the host user's, who runs jvisor. */
final class SysIdentity {
    private SysIdentity() {}

    /** NGROUPS_MAX. */
    private static final int NGROUPS_MAX = 65536;

    static void register(SyscallTable t) {
        t.define("getuid", (k, a, b, c, d, e, f) -> k.process.creds.uid(), RET_DEC);
        t.define("geteuid", (k, a, b, c, d, e, f) -> k.process.creds.euid(), RET_DEC);
        t.define("getgid", (k, a, b, c, d, e, f) -> k.process.creds.gid(), RET_DEC);
        t.define("getegid", (k, a, b, c, d, e, f) -> k.process.creds.egid(), RET_DEC);
        t.define("getresuid", (k, a, b, c, d, e, f) -> getres(k, a, b, c, k.process.creds.uid(),
                k.process.creds.euid()), RET_DEC, PTR, PTR, PTR);
        t.define("getresgid", (k, a, b, c, d, e, f) -> getres(k, a, b, c, k.process.creds.gid(),
                k.process.creds.egid()), RET_DEC, PTR, PTR, PTR);
        t.define("getgroups", (k, a, b, c, d, e, f) -> getgroups(k, (int) a, b), RET_DEC, INT, GROUPS_OUT);
    }

    /** The saved id is the effective one: nothing here ever changes ids. */
    static long getres(Task t, long realPtr, long effectivePtr, long savedPtr, int real, int effective) {
        t.memory().write32(realPtr, real);
        t.memory().write32(effectivePtr, effective);
        t.memory().write32(savedPtr, effective);
        return 0;
    }

    /** getgroups(2): the host's supplementary groups. */
    static long getgroups(Task t, int size, long list) {
        if (size < 0) return -Errno.EINVAL;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(4L * NGROUPS_MAX);
            int n = Libc.getgroups(NGROUPS_MAX, buf);
            if (n < 0) return n;
            if (size == 0) return n;
            if (size < n) return -Errno.EINVAL;
            SysSupport.copyOut(t, list, buf, 4L * n);
            return n;
        }
    }
}
