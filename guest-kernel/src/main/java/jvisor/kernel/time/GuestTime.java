package jvisor.kernel.time;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import jvisor.kernel.abi.Clocks;
import jvisor.kernel.host.Scratch;
import jvisor.kernel.proc.Task;
import jvisor.mmu.HostSyscall;

/**
 * The guest's clocks.
 *
 * <p>Wall and monotonic clocks are the host's (clock_gettime through libc, see HostSyscall). CPU time is the
 * guest's own and deterministic: <b>guest user time = instructions retired by the emulated CPU at
 * a nominal 1 GHz (one instruction = 1 ns)</b>, the same nominal rate as RDTSC; the time jvisor
 * spends in its Java kernel on the guest's behalf is not counted, so system time is 0. This is
 * what CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID, times(2), getrusage(2) and the
 * ITIMER_VIRTUAL / ITIMER_PROF timers see. (The host thread's CPU time would include JIT, the
 * kernel and the emulation overhead, so a busy loop would look 20-100x slower than natively.)
 */
public final class GuestTime {
    private GuestTime() {}

    public static final long NSEC_PER_SEC = 1_000_000_000L;

    /** A host clock in nanoseconds (REALTIME, MONOTONIC, BOOTTIME, ...). */
    public static long host(int clock) {
        MemorySegment ts = Scratch.get(16);
        if (HostSyscall.clockGettime(clock, ts.address()) < 0) return 0;
        return ts.get(ValueLayout.JAVA_LONG, 0) * NSEC_PER_SEC + ts.get(ValueLayout.JAVA_LONG, 8);
    }

    /** CPU time of the task (CLOCK_THREAD_CPUTIME_ID), in ns. */
    public static long cpuNanos(Task t) {
        return t.regs.instructionsRetired;
    }

    /** CPU time of the whole process: its live tasks and the ones that have exited (CLOCK_PROCESS_CPUTIME_ID). */
    public static long cpuNanosOfProcess(jvisor.kernel.proc.Process p) {
        long sum = p.exitedTasksNanos();
        for (Task t : p.tasks()) sum += cpuNanos(t);
        return sum;
    }

    /** User CPU time of the task's process. */
    public static long userNanos(Task t) {
        return cpuNanosOfProcess(t.process);
    }

    /** System CPU time of the process: not counted (see the class comment). */
    public static long systemNanos(Task t) {
        return 0;
    }

    /** True for the clocks a timer or sleep can be measured against with the host's monotonic time. */
    public static boolean wallClock(int clock) {
        return switch (clock) {
            case Clocks.CLOCK_REALTIME, Clocks.CLOCK_MONOTONIC, Clocks.CLOCK_BOOTTIME, Clocks.CLOCK_TAI,
                    Clocks.CLOCK_REALTIME_ALARM, Clocks.CLOCK_BOOTTIME_ALARM -> true;
            default -> false;
        };
    }

    /** Reads a struct timespec; null unless 0 <= tv_nsec < 1e9 and tv_sec >= 0 (EINVAL). */
    public static long readTimespec(jvisor.mmu.AddressSpace mem, long addr) {
        long sec = mem.read64(addr);
        long nsec = mem.read64(addr + 8);
        if (sec < 0 || nsec < 0 || nsec >= NSEC_PER_SEC) return -1;
        return sec >= Long.MAX_VALUE / NSEC_PER_SEC ? Long.MAX_VALUE : sec * NSEC_PER_SEC + nsec;
    }

    public static void writeTimespec(jvisor.mmu.AddressSpace mem, long addr, long ns) {
        mem.write64(addr, ns / NSEC_PER_SEC);
        mem.write64(addr + 8, ns % NSEC_PER_SEC);
    }

    /** Reads a struct timeval as ns; -1 if invalid (tv_usec outside 0..999999 or negative seconds). */
    public static long readTimeval(jvisor.mmu.AddressSpace mem, long addr) {
        long sec = mem.read64(addr);
        long usec = mem.read64(addr + 8);
        if (sec < 0 || usec < 0 || usec >= 1_000_000) return -1;
        return sec >= Long.MAX_VALUE / NSEC_PER_SEC ? Long.MAX_VALUE : sec * NSEC_PER_SEC + usec * 1000;
    }

    public static void writeTimeval(jvisor.mmu.AddressSpace mem, long addr, long ns) {
        mem.write64(addr, ns / NSEC_PER_SEC);
        mem.write64(addr + 8, ns % NSEC_PER_SEC / 1000);
    }
}
