package jvisor.kernel;

import jvisor.kernel.proc.Process;

/**
 * Runs a process's kernel loop on a thread of its own with a large stack (the interpreter and the
 * kernel recurse little, but must never run short), and waits for it.
 */
public final class GuestThread {
    private GuestThread() {}

    /** Stack of the thread that runs the guest. */
    public static final long STACK = 256L << 20;

    /** Runs the process to its end; returns what jvisor threw (a bug), or null. */
    public static Throwable run(Kernel kernel, Process p, String name) throws InterruptedException {
        Throwable[] failure = new Throwable[1];
        Thread guest = new Thread(null, () -> {
            try {
                kernel.run(p);
            } catch (Throwable t) {
                failure[0] = t;
            }
        }, name, STACK);
        guest.start();
        guest.join();
        return failure[0];
    }
}
