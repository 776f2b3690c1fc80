package jvisor.kernel;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import jvisor.kernel.proc.Process;

/**
 * The host threads that run guest tasks: each with a large stack (the interpreter and the kernel
 * recurse little, but must never run short), taken from a pool of idle ones.
 *
 * <p>Why a pool: starting a host thread cost 170 us alone, and 400 us on average while other
 * guests ran, most of what starting another guest in a running JVM cost (the embedding API's
 * case), and every fork and clone of a guest paid it too. A thread that has ended its task waits
 * {@link #IDLE_SECONDS} for another one, then ends. A pooled thread keeps nothing of the task it
 * ran: the task unbinds itself from the thread when it ends ({@code Task.unbindCurrentThread},
 * {@code Hypervisor.leaveThread}), and the pool clears the interrupt status between tasks.
 */
public final class GuestThread {
    private GuestThread() {}

    /** Stack of the thread that runs the guest. */
    public static final long STACK = 256L << 20;

    /** How long an idle thread waits for another task before it ends. */
    static final long IDLE_SECONDS = 30;

    /** The name of a pooled thread between guest tasks (CpuReport counts its time as the guest's). */
    public static final String IDLE_NAME = "jvisor-idle-guest-thread";

    // No core threads and a direct hand-off: a task takes an idle thread if there is one, else a
    // new thread is made for it; a guest never waits in a queue for a thread.
    private static final ThreadPoolExecutor POOL = new ThreadPoolExecutor(0, Integer.MAX_VALUE, IDLE_SECONDS,
            TimeUnit.SECONDS, new SynchronousQueue<>(), body -> {
                Thread t = new Thread(null, body, IDLE_NAME, STACK);
                t.setDaemon(true); // a guest's threads never keep the JVM alive on their own
                return t;
            });

    /** A guest task's host thread, as far as its starter needs to know it. */
    public static final class Running {
        private final CountDownLatch done = new CountDownLatch(1);

        private Running() {}

        /** True until the body has returned (or thrown). */
        public boolean isAlive() {
            return done.getCount() > 0;
        }

        /** Waits up to millis (0: for ever) for the body to end; true if it has. */
        public boolean join(long millis) throws InterruptedException {
            if (millis == 0) {
                done.await();
                return true;
            }
            return done.await(millis, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Runs body on a guest thread named name (what a host's ps, jstack and a debugger show while
     * it runs). What body throws goes to the thread's uncaught-exception handler, as on a thread
     * of its own.
     */
    public static Running start(String name, Runnable body) {
        Running r = new Running();
        POOL.execute(() -> {
            Thread self = Thread.currentThread();
            self.setName(name);
            try {
                body.run();
            } finally {
                self.setName(IDLE_NAME);
                r.done.countDown();
            }
        });
        return r;
    }

    /** Runs the process to its end; returns what jvisor threw (a bug), or null. */
    public static Throwable run(Kernel kernel, Process p, String name) throws InterruptedException {
        Throwable[] failure = new Throwable[1];
        start(name, () -> {
            try {
                kernel.run(p);
            } catch (Throwable t) {
                failure[0] = t;
            }
        }).join(0);
        return failure[0];
    }
}
