package jvisor.kernel.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import org.junit.jupiter.api.Test;

class CpuReportTest {
    @Test
    void threadsAreGroupedByTheirNames() {
        assertEquals("guest", CpuReport.group("vcpu0"));
        assertEquals("guest", CpuReport.group("vcpu-1234"));
        assertEquals("guest", CpuReport.group("jvisor-idle-gue"), "a pooled guest thread between tasks");
        assertEquals("other", CpuReport.group("jvisor-"));
        assertEquals("C2", CpuReport.group("C2 CompilerThre"));
        assertEquals("C1", CpuReport.group("C1 CompilerThre"));
        assertEquals("translator", CpuReport.group("jvisor-translat"));
        assertEquals("main", CpuReport.group("java"));
        assertEquals("other", CpuReport.group("VM Thread"));
        assertEquals("other", CpuReport.group("jvisor-tables"));
    }

    @Test
    void theLineHasEveryGroupAndTheTotal() {
        Map<String, Long> sums = CpuReport.byGroup(List.of(new CpuReport.ThreadTime("vcpu0", 612_000_000),
                new CpuReport.ThreadTime("vcpu-7", 100_000_000), new CpuReport.ThreadTime("C2 CompilerThre", 451_000_000),
                new CpuReport.ThreadTime("Reference Handl", 2_000_000)));
        assertEquals("jvisor: CPU time by thread: guest 0.712 s, C2 0.451 s, C1 0.000 s, translator 0.000 s,"
                + " main 0.000 s, other 0.002 s; total 1.165 s in 2.500 s", CpuReport.format(sums, 2_500_000_000L));
    }

    @Test
    void whatTheProcessCountsBeyondTheThreadsFoundIsTheRests() {
        Map<String, Long> sums = CpuReport.byGroup(List.of(new CpuReport.ThreadTime("vcpu0", 500), new CpuReport.ThreadTime("VM Thread", 20)));
        assertEquals(500L, CpuReport.withEndedThreads(sums, 600).get("guest"));
        assertEquals(100L, sums.get("other"), "80 of an ended thread, 20 of the VM thread");
        assertEquals(100L, CpuReport.withEndedThreads(sums, 550).get("other"), "never less than the threads found");
    }

    /**
     * The per-thread clock of another thread, found by its id in /proc: what the report reads for
     * a thread that spun must be what that thread's own CPU clock (the JVM's) read when it stopped.
     */
    @Test
    void readsTheCpuTimeOfEachThreadOfTheProcess() throws Exception {
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        CountDownLatch spun = new CountDownLatch(1), done = new CountDownLatch(1);
        long[] own = new long[1];
        Thread t = new Thread(() -> {
            long x = 0;
            while (mx.getCurrentThreadCpuTime() < 50_000_000) x += x * 31 + 7;
            own[0] = mx.getCurrentThreadCpuTime() + (x == 42 ? 1 : 0);
            spun.countDown();
            try {
                done.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "vcpu-spinner");
        t.start();
        try {
            spun.await();
            List<CpuReport.ThreadTime> threads = CpuReport.threads();
            CpuReport.ThreadTime spinner = threads.stream().filter(th -> th.name().equals("vcpu-spinner")).findFirst()
                    .orElseThrow(() -> new AssertionError("no vcpu-spinner among " + threads));
            // after its own last reading it only counted a latch down and went to sleep
            assertTrue(spinner.nanos() >= own[0] && spinner.nanos() < own[0] + 50_000_000,
                    () -> spinner + ", its own clock " + own[0]);
            assertTrue(CpuReport.byGroup(threads).get("guest") >= spinner.nanos());
            assertTrue(CpuReport.now().startsWith("jvisor: CPU time by thread: guest "), CpuReport.now());
        } finally {
            done.countDown();
            t.join();
        }
    }
}
