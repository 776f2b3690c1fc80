package jvisor.kernel.cli;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import jvisor.kernel.GuestThread;
import jvisor.mmu.HostSyscall;

/**
 * What {@code jvisor run --cpu-report} prints when the guest has ended: the CPU time each kind of
 * thread of this JVM used, from the start of the process. A run's wall time alone does not say
 * how much of it went to the guest's code and how much to making that code fast: on a machine
 * with few cores the JVM's compilers and jvisor's translator compete with the guest's thread,
 * and their share is what separates a whole run from the steady state (docs/BENCHMARKS.md).
 *
 * <p>The threads are found in /proc/self/task and grouped by their names (comm, at most 15
 * characters): the guest's vCPU threads, C2 and C1 (HotSpot's compiler threads), the translator,
 * the JVM's main thread (start-up, the kernel's set-up, then waiting), and the rest (the garbage
 * collector, the instruction table's builder, HotSpot's own service threads). A thread that has
 * ended is no longer there (the instruction table's builder, a pooled guest thread idle for
 * GuestThread.IDLE_SECONDS, a compiler thread the JVM retired): what the process's CPU clock
 * counts beyond the threads found is added to the rest.
 */
final class CpuReport {
    /** One thread: its name and the CPU time it has used, in nanoseconds. */
    record ThreadTime(String name, long nanos) {}

    /** clock_gettime(2)'s clock of the calling process's CPU time, all its threads, ended ones too. */
    private static final long CLOCK_PROCESS_CPUTIME_ID = 2;

    /** The groups, in the order printed. */
    static final List<String> GROUPS = List.of("guest", "C2", "C1", "translator", "main", "other");

    /**
     * Linux's clock id for a thread's CPU time by its thread id (the CPUCLOCK_SCHED clock of the
     * thread, include/linux/posix-timers.h: the id negated and shifted, with the per-thread bit):
     * clock_gettime(2) reads it for any thread of the calling process.
     */
    static long threadCpuClock(long tid) {
        return (~tid << 3) | 6;
    }

    private CpuReport() {}

    /** Linux keeps the first 15 bytes of a thread's name (TASK_COMM_LEN, 16 with the NUL). */
    private static final int COMM_LENGTH = 15;

    /**
     * The group a thread of this JVM belongs to, by its name. A guest thread is named vcpu... while
     * it runs a task and goes back to the pool under GuestThread.IDLE_NAME when the task ends (its
     * time so far was all the guest's): the first guest's thread has that name when it reports.
     */
    static String group(String name) {
        if (name.startsWith("vcpu")) return "guest";
        String idle = GuestThread.IDLE_NAME;
        if (name.equals(idle) || name.length() == COMM_LENGTH && idle.startsWith(name)) return "guest";
        if (name.startsWith("C2 Compiler")) return "C2";
        if (name.startsWith("C1 Compiler")) return "C1";
        if (name.startsWith("jvisor-translat")) return "translator";
        if (name.equals("java")) return "main";
        return "other";
    }

    /** The CPU time of each group of threads, in nanoseconds, every group present (0 when none). */
    static Map<String, Long> byGroup(List<ThreadTime> threads) {
        Map<String, Long> sums = new LinkedHashMap<>();
        for (String g : GROUPS) sums.put(g, 0L);
        for (ThreadTime t : threads) sums.merge(group(t.name()), t.nanos(), Long::sum);
        return sums;
    }

    /**
     * The report's line: each group's CPU seconds, their total and the wall time since the process
     * started, e.g. "jvisor: CPU time by thread: guest 0.612 s, C2 0.451 s, C1 0.233 s,
     * translator 0.118 s, main 0.067 s, other 0.021 s; total 1.502 s in 0.950 s".
     */
    static String format(Map<String, Long> byGroup, long wallNanos) {
        StringBuilder b = new StringBuilder("jvisor: CPU time by thread:");
        long total = 0;
        String sep = " ";
        for (Map.Entry<String, Long> e : byGroup.entrySet()) {
            b.append(sep).append(e.getKey()).append(' ').append(seconds(e.getValue())).append(" s");
            sep = ", ";
            total += e.getValue();
        }
        return b.append("; total ").append(seconds(total)).append(" s in ").append(seconds(wallNanos)).append(" s").toString();
    }

    private static String seconds(long nanos) {
        return String.format(Locale.ROOT, "%.3f", nanos / 1e9);
    }

    /** Adds to the rest what processNanos (the whole process's CPU time) has beyond the threads counted. */
    static Map<String, Long> withEndedThreads(Map<String, Long> byGroup, long processNanos) {
        long counted = 0;
        for (long v : byGroup.values()) counted += v;
        if (processNanos > counted) byGroup.merge("other", processNanos - counted, Long::sum);
        return byGroup;
    }

    /** The report of this process now, or a line saying why there is none. */
    static String now() {
        try {
            long entered = System.nanoTime();
            List<ThreadTime> threads = threads();
            long process = cpuNanos(CLOCK_PROCESS_CPUTIME_ID);
            // The JVM's age when the report began: the launcher's own work before the JVM (the
            // same process, which it replaced by exec) is not the JVM's, and loading the
            // management classes that tell the age (some 30 ms in a JVM that never used them)
            // is the report's.
            long age = java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime() * 1_000_000L;
            long wall = age - (System.nanoTime() - entered);
            return format(withEndedThreads(byGroup(threads), process), wall);
        } catch (IOException | RuntimeException e) {
            return "jvisor: no CPU report: " + e.getMessage();
        }
    }

    /** Every thread of this process with its CPU time so far. */
    static List<ThreadTime> threads() throws IOException {
        List<ThreadTime> out = new ArrayList<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path task : tasks) {
                long tid;
                try {
                    tid = Long.parseLong(task.getFileName().toString());
                } catch (NumberFormatException e) {
                    continue;
                }
                String name;
                try {
                    name = new String(Files.readAllBytes(task.resolve("comm")), StandardCharsets.UTF_8).strip();
                } catch (IOException e) {
                    continue; // it ended while we looked
                }
                long nanos = cpuNanos(threadCpuClock(tid));
                if (nanos >= 0) out.add(new ThreadTime(name, nanos));
            }
        }
        return out;
    }

    /** clock_gettime(2) of clock in nanoseconds, or -1 (a thread that ended in the meantime). */
    private static long cpuNanos(long clock) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ts = arena.allocate(16, 8);
            if (HostSyscall.clockGettime(clock, ts.address()) != 0) return -1;
            return ts.get(ValueLayout.JAVA_LONG, 0) * 1_000_000_000L + ts.get(ValueLayout.JAVA_LONG, 8);
        }
    }
}
