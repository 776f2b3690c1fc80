package jvisor.kernel.api;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import jvisor.kernel.debug.Stop;
import jvisor.kernel.elf.ElfException;

/**
 * What another guest costs in a JVM that already runs jvisor (the embedding API's case: a test
 * harness or a service that starts many small programs): {@code jvisor bench-embedded BINARY}.
 *
 * <p>After warm-up guests (classes loaded, the JVM's compiler done with the loader and the
 * kernel's start-up paths) it measures, each as a median over many guests:
 * <ul>
 * <li><b>start</b>: {@link LinuxMachine#load} and {@link LinuxMachine#start} until the guest's
 * thread stands before its first instruction (ELF loading, the address space, the initial stack,
 * the process and its thread);</li>
 * <li><b>whole run</b>: start, then the program runs to its exit, and the machine is closed;</li>
 * <li><b>memory</b>: what a loaded, started guest keeps: Java heap (after a full GC) and
 * resident host memory outside the heap (VmRSS less the committed heap: the guest's pages and
 * the thread's stack), per guest, with many
 * guests alive at once.</li>
 * </ul>
 * The guest's own output goes to this process's stdout, the report to stderr. Nothing here is a
 * test: the numbers are for docs/BENCHMARKS.md and scripts/bench.
 */
public final class SecondGuestBenchmark {
    private static final int WARM_UP = 30;

    private SecondGuestBenchmark() {}

    /** The report's lines (also printed). */
    public static List<String> run(Path binary, int guests) throws ElfException, IOException {
        for (int k = 0; k < WARM_UP; k++) wholeRun(binary);
        // Memory first: hundreds of guest threads come and go in the timed runs, and the host's
        // allocator keeps and returns their memory when it likes, by far more than a guest's share.
        List<String> memory = memory(binary, Math.min(guests, 50));
        long[] start = new long[guests], whole = new long[guests];
        for (int k = 0; k < guests; k++) {
            long t0 = System.nanoTime();
            try (LinuxMachine m = LinuxMachine.load(binary)) {
                m.start();
                start[k] = System.nanoTime() - t0;
            }
        }
        for (int k = 0; k < guests; k++) whole[k] = wholeRun(binary);
        List<String> out = new ArrayList<>();
        out.add("bench-embedded " + binary + ": " + guests + " guests after " + WARM_UP + " warm-up guests");
        out.add(String.format("start (load to first instruction): median %.1f us, min %.1f us",
                median(start) / 1e3, Arrays.stream(start).min().orElse(0) / 1e3));
        out.add(String.format("whole run (load, run to exit, close): median %.1f us, min %.1f us",
                median(whole) / 1e3, Arrays.stream(whole).min().orElse(0) / 1e3));
        out.addAll(memory);
        return out;
    }

    private static long wholeRun(Path binary) throws ElfException {
        long t0 = System.nanoTime();
        try (LinuxMachine m = LinuxMachine.load(binary)) {
            Stop s = m.run();
            while (!s.ended()) s = m.run();
        }
        return System.nanoTime() - t0;
    }

    /**
     * Heap and RSS per guest, with up to 2n guests alive: what n more guests add to n already
     * started (the first n take the one-time costs). The heap is measured after full collections;
     * resident memory outside the heap is measured per batch of ten guests and the median batch
     * taken, since the host's allocator and the collector return memory when they like, by
     * megabytes at a time, while a guest's share is tens of kilobytes.
     */
    private static List<String> memory(Path binary, int n) throws ElfException, IOException {
        List<LinuxMachine> alive = new ArrayList<>();
        try {
            startGuests(binary, n, alive);
            int batch = 10, batches = Math.max(1, n / batch);
            long heap0 = usedHeapAfterGc();
            long[] perGuest = new long[batches];
            for (int k = 0; k < batches; k++) {
                long rss0 = outsideHeapKiB();
                startGuests(binary, batch, alive);
                perGuest[k] = (outsideHeapKiB() - rss0) * 1024 / batch;
            }
            long heap = usedHeapAfterGc() - heap0;
            return List.of(String.format("memory per started guest (%d more alive): heap %.0f KiB, resident %.0f KiB",
                    batches * batch, heap / 1024.0 / (batches * batch), median(perGuest) / 1024));
        } finally {
            for (LinuxMachine m : alive) m.close();
        }
    }

    private static void startGuests(Path binary, int n, List<LinuxMachine> alive) throws ElfException {
        for (int k = 0; k < n; k++) {
            LinuxMachine m = LinuxMachine.load(binary);
            alive.add(m);
            m.start();
        }
    }

    private static long usedHeapAfterGc() {
        Runtime rt = Runtime.getRuntime();
        for (int k = 0; k < 3; k++) System.gc();
        return rt.totalMemory() - rt.freeMemory();
    }

    /**
     * VmRSS less the Java heap's committed size: the collector grows and shrinks the heap as it
     * likes (by megabytes, while a guest's share is tens of kilobytes); the heap is counted apart.
     */
    private static long outsideHeapKiB() throws IOException {
        return rssKiB() - Runtime.getRuntime().totalMemory() / 1024;
    }

    private static long rssKiB() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
        return 0;
    }

    private static double median(long[] v) {
        long[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2.0;
    }
}
