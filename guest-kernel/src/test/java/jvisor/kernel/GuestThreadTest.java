package jvisor.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

/** The pool of host threads that run guest tasks. */
class GuestThreadTest {
    @Test
    void aTaskRunsUnderItsNameAndIsJoined() throws InterruptedException {
        AtomicReference<String> name = new AtomicReference<>();
        GuestThread.Running r = GuestThread.start("vcpu-77", () -> {
            name.set(Thread.currentThread().getName());
            sleep(50);
        });
        assertTrue(r.isAlive());
        assertTrue(r.join(10_000));
        assertFalse(r.isAlive());
        assertEquals("vcpu-77", name.get());
    }

    @Test
    void anEndedTasksThreadRunsALaterOneWithoutItsInterrupt() throws InterruptedException {
        for (int attempt = 0; attempt < 100; attempt++) {
            AtomicReference<Thread> first = new AtomicReference<>(), second = new AtomicReference<>();
            AtomicBoolean interruptedAtStart = new AtomicBoolean();
            GuestThread.start("first", () -> {
                first.set(Thread.currentThread());
                Thread.currentThread().interrupt(); // left set when the task ends
            }).join(10_000);
            sleep(5); // the thread goes back to waiting for work
            GuestThread.start("second", () -> {
                second.set(Thread.currentThread());
                interruptedAtStart.set(Thread.currentThread().isInterrupted());
            }).join(10_000);
            if (first.get() == second.get()) {
                assertFalse(interruptedAtStart.get(), "the interrupt of the task before");
                return;
            }
        }
        fail("no thread was used twice in 100 attempts");
    }

    @Test
    void threadsHaveTheLargeStack() throws InterruptedException {
        // 400,000 frames: far more than the JVM's default stack of 1 MiB (or 8 MiB) holds.
        AtomicReference<Object> result = new AtomicReference<>();
        GuestThread.start("deep", () -> {
            try {
                result.set(depth(400_000));
            } catch (StackOverflowError e) {
                result.set(e);
            }
        }).join(60_000);
        assertEquals(400_000, result.get());
    }

    private static int depth(int n) {
        return n == 0 ? 0 : 1 + depth(n - 1);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
