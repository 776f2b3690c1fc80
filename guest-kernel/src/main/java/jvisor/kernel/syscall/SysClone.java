package jvisor.kernel.syscall;

import static jvisor.kernel.abi.Clone.*;
import static jvisor.kernel.strace.ArgFormat.*;

import jvisor.kernel.abi.Errno;
import jvisor.kernel.abi.Signals;
import jvisor.kernel.proc.Task;
import jvisor.kernel.proc.TaskClone;
import jvisor.mmu.AddressSpace;

/** clone(2), clone3(2), fork(2), vfork(2): argument decoding; the work is in {@link TaskClone}. */
final class SysClone {
    private SysClone() {}

    /** CLONE_ARGS_SIZE_VER0: clone3 needs at least flags..tls. */
    private static final long CLONE_ARGS_SIZE_VER0 = 64;
    /** The struct clone_args this kernel knows (VER2, with cgroup). */
    private static final long CLONE_ARGS_SIZE_VER2 = 88;

    static void register(SyscallTable t) {
        // x86-64 argument order: flags, stack, parent_tid, child_tid, tls (CONFIG_CLONE_BACKWARDS off).
        t.define("clone", (k, a, b, c, d, e, f) -> clone(k, a, b, c, d, e), RET_DEC, CLONE_FLAGS, PTR, PTR, PTR, HEX);
        t.define("clone3", (k, a, b, c, d, e, f) -> clone3(k, a, b), RET_DEC, PTR, ULONG);
        t.define("fork", (k, a, b, c, d, e, f) -> TaskClone.fork(k), RET_DEC);
        t.define("vfork", (k, a, b, c, d, e, f) -> TaskClone.vfork(k), RET_DEC);
    }

    static long clone(Task t, long flags, long stack, long parentTid, long childTid, long tls) {
        int exitSignal = (int) (flags & CSIGNAL);
        if (exitSignal > Signals.NSIG) return -Errno.EINVAL;
        return TaskClone.clone(t, new TaskClone.Args(flags & ~CSIGNAL, stack, parentTid, childTid, tls, exitSignal));
    }

    /** clone3(2): struct clone_args, every field a u64. */
    static long clone3(Task t, long uargs, long size) {
        if (size < CLONE_ARGS_SIZE_VER0 || size > 4096) return -Errno.EINVAL;
        AddressSpace m = t.memory();
        // A larger struct than known is accepted if the unknown tail is zero (copy_struct_from_user).
        for (long off = CLONE_ARGS_SIZE_VER2; off < size; off++) {
            if (m.read8(uargs + off) != 0) return -Errno.E2BIG;
        }
        long flags = m.read64(uargs);
        long childTid = m.read64(uargs + 16);
        long parentTid = m.read64(uargs + 24);
        long exitSignal = m.read64(uargs + 32);
        long stack = m.read64(uargs + 40);
        long stackSize = m.read64(uargs + 48);
        long tls = m.read64(uargs + 56);
        long setTidSize = size >= 80 ? m.read64(uargs + 72) : 0;
        if ((flags & CSIGNAL) != 0 || Long.compareUnsigned(exitSignal, Signals.NSIG) > 0) return -Errno.EINVAL;
        if ((stack == 0) != (stackSize == 0)) return -Errno.EINVAL;
        if (setTidSize != 0) return -Errno.EPERM; // choosing pids needs CAP_SYS_ADMIN over the pid namespace
        if ((flags & CLONE_INTO_CGROUP) != 0) return -Errno.EINVAL;
        long sp = stack != 0 ? stack + stackSize : 0; // clone3 takes the lowest address of the stack
        return TaskClone.clone(t, new TaskClone.Args(flags, sp, parentTid, childTid, tls, (int) exitSignal));
    }
}
