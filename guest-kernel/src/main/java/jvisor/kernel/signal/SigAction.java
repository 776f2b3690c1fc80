package jvisor.kernel.signal;

/**
 * One signal's disposition, in Linux's struct kernel_sigaction order (sa_handler, sa_flags,
 * sa_restorer, sa_mask: 8 bytes each on x86-64).
 */
public record SigAction(long handler, long flags, long restorer, long mask) {
    public static final int SIZE = 32;
    public static final SigAction DEFAULT = new SigAction(0, 0, 0, 0);
    /** SIG_IGN with no flags and an empty mask: what execve leaves of an ignored signal. */
    public static final SigAction IGNORED = new SigAction(jvisor.kernel.abi.Signals.SIG_IGN, 0, 0, 0);
}
