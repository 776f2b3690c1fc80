package jvisor.kernel.syscall;

import jvisor.kernel.proc.Task;

/**
 * Sees every syscall a guest makes, before and after the kernel handles it, and may change its
 * outcome: the embedding API's syscall hooks, the debugger's "catch syscall" and `jvisor check`'s
 * syscall record are built on it. With no interceptor installed the dispatch path is unchanged.
 *
 * <p>Both methods run on the calling task's thread, between the VM exit and the next switch.
 */
public interface SyscallInterceptor {
    /** Returned by {@link #before} to let the kernel run the syscall as usual. */
    long PROCEED = Long.MIN_VALUE;

    /**
     * Called before the handler with the syscall number and its six argument registers.
     *
     * @return {@link #PROCEED}, or a result (a value or {@code -errno}) that the guest gets
     *         instead: the handler does not run, {@link #after} still does
     */
    default long before(Task t, int nr, long[] args) {
        return PROCEED;
    }

    /**
     * Called after the handler (or after {@link #before} overrode it).
     *
     * @return the result the guest gets in RAX: {@code result} itself to keep it
     */
    default long after(Task t, int nr, long[] args, long result) {
        return result;
    }

    /**
     * Called when a signal is delivered to the task (a handler is about to run, or the signal is
     * ignored or does nothing by default): where strace prints {@code --- SIGUSR1 {...} ---}. A
     * signal that ends the process is not reported here: see the process's killedBy().
     */
    default void signalDelivered(Task t, jvisor.kernel.signal.SigInfo info) {
    }

    /**
     * Called when a task has finished its exit (its host thread is about to end): where strace
     * prints {@code +++ exited with N +++} or {@code +++ killed by SIG +++}. processEnded: it was
     * the process's last task, so the process's exitStatus() or killedBy() is now final.
     */
    default void taskExited(Task t, boolean processEnded) {
    }
}
