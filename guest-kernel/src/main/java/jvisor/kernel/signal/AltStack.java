package jvisor.kernel.signal;

import jvisor.kernel.abi.Errno;
import jvisor.kernel.abi.Signals;
import jvisor.kernel.proc.Task;

/** do_sigaltstack (kernel/signal.c): the alternate signal stack of a task. */
public final class AltStack {
    private AltStack() {}

    /** SS_FLAG_BITS: the flags beside the mode. */
    static final int FLAG_BITS = Signals.SS_AUTODISARM;

    /** The old stack_t's ss_flags as sigaltstack(2) reports it for the current rsp. */
    public static int reportedFlags(Task t, long sp) {
        return SignalFrame.sasSsFlags(t, sp) | (t.altStackFlags & FLAG_BITS);
    }

    /** Installs a new alternate stack; 0 or -errno. */
    public static int set(Task t, long ssSp, int ssFlags, long ssSize, long sp) {
        if (SignalFrame.onSigStack(t, sp)) return -Errno.EPERM;
        int mode = ssFlags & ~FLAG_BITS;
        if (mode != Signals.SS_DISABLE && mode != Signals.SS_ONSTACK && mode != 0) return -Errno.EINVAL;
        if (mode == Signals.SS_DISABLE) {
            ssSize = 0;
            ssSp = 0;
        } else if (Long.compareUnsigned(ssSize, Signals.MINSIGSTKSZ) < 0) {
            return -Errno.ENOMEM;
        }
        t.altStackSp = ssSp;
        t.altStackSize = ssSize;
        t.altStackFlags = ssFlags;
        return 0;
    }
}
