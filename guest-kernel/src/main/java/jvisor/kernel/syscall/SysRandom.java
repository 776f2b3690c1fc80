package jvisor.kernel.syscall;

import static jvisor.kernel.strace.ArgFormat.BUF_OUT_HEX;
import static jvisor.kernel.strace.ArgFormat.GRND_FLAGS;
import static jvisor.kernel.strace.ArgFormat.RET_DEC;
import static jvisor.kernel.strace.ArgFormat.ULONG;


import jvisor.kernel.abi.Errno;
import jvisor.kernel.abi.Misc;
import jvisor.kernel.mm.GuestMemory;
import jvisor.kernel.proc.Task;
import jvisor.mmu.Access;

/** getrandom(2) (gVisor sys_random.go): bytes from the host kernel's getrandom, never blocking. */
final class SysRandom {
    private SysRandom() {}

    private static final int CHUNK = 4096;

    static void register(SyscallTable t) {
        t.define("getrandom", (k, a, b, c, d, e, f) -> getrandom(k, a, b, (int) c), RET_DEC,
                BUF_OUT_HEX, ULONG, GRND_FLAGS);
    }

    static long getrandom(Task t, long buf, long count, int flags) {
        if ((flags & ~(Misc.GRND_NONBLOCK | Misc.GRND_RANDOM | Misc.GRND_INSECURE)) != 0) return -Errno.EINVAL;
        if ((flags & (Misc.GRND_INSECURE | Misc.GRND_RANDOM)) == (Misc.GRND_INSECURE | Misc.GRND_RANDOM)) {
            return -Errno.EINVAL;
        }
        if (count == 0) return 0;
        if (Long.compareUnsigned(count, Integer.MAX_VALUE) > 0) count = Integer.MAX_VALUE;
        long n = GuestMemory.accessiblePrefix(t.memory(), buf, count, Access.WRITE);
        if (n == 0) return -Errno.EFAULT;
        byte[] chunk = new byte[(int) Math.min(n, CHUNK)];
        long done = 0;
        while (done < n) {
            int len = (int) Math.min(n - done, chunk.length);
            jvisor.kernel.host.HostRandom.fill(chunk, 0, len);
            t.memory().writeBytes(buf + done, chunk, 0, len);
            done += len;
        }
        return n;
    }
}
