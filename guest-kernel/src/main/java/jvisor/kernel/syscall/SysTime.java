package jvisor.kernel.syscall;

import static jvisor.kernel.strace.ArgFormat.CLOCK;
import static jvisor.kernel.strace.ArgFormat.PTR;
import static jvisor.kernel.strace.ArgFormat.RET_DEC;
import static jvisor.kernel.strace.ArgFormat.RET_TIME;
import static jvisor.kernel.strace.ArgFormat.TIMER_FLAGS;
import static jvisor.kernel.strace.ArgFormat.TIMESPEC_IN;
import static jvisor.kernel.strace.ArgFormat.TIMESPEC_OUT;
import static jvisor.kernel.strace.ArgFormat.TIMESPEC_REMAIN;
import static jvisor.kernel.strace.ArgFormat.TIMEVAL_OUT;
import static jvisor.kernel.strace.ArgFormat.TIMEZONE_OUT;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import jvisor.kernel.abi.Clocks;
import jvisor.kernel.abi.Errno;
import jvisor.kernel.host.Libc;
import jvisor.kernel.host.Scratch;
import jvisor.kernel.proc.Task;

/**
 * Clocks and sleeping (gVisor sys_time.go): the host's clocks, read through clock_gettime.
 * There is no vDSO, so glibc asks the kernel for every clock_gettime.
 */
final class SysTime {
    private SysTime() {}

    private static final long NSEC_PER_SEC = 1_000_000_000L;

    static void register(SyscallTable t) {
        t.define("clock_gettime", (k, a, b, c, d, e, f) -> clockGettime(k, (int) a, b), RET_DEC, CLOCK, TIMESPEC_OUT);
        t.define("clock_getres", (k, a, b, c, d, e, f) -> clockGetres(k, (int) a, b), RET_DEC, CLOCK, TIMESPEC_OUT);
        t.define("gettimeofday", (k, a, b, c, d, e, f) -> gettimeofday(k, a, b), RET_DEC, TIMEVAL_OUT, TIMEZONE_OUT);
        t.define("time", (k, a, b, c, d, e, f) -> time(k, a), RET_TIME, PTR);
        t.define("nanosleep", (k, a, b, c, d, e, f) -> sleep(k, Clocks.CLOCK_MONOTONIC, 0, a, b), RET_DEC,
                TIMESPEC_IN, TIMESPEC_REMAIN);
        t.define("clock_nanosleep", (k, a, b, c, d, e, f) -> clockNanosleep(k, (int) a, (int) b, c, d), RET_DEC,
                CLOCK, TIMER_FLAGS, TIMESPEC_IN, TIMESPEC_REMAIN);
    }

    /** Clocks a guest may read: the system-wide ones and its own CPU clocks (not other processes'). */
    private static boolean validClock(int clock) {
        return clock >= Clocks.CLOCK_REALTIME && clock <= Clocks.CLOCK_TAI && clock != Clocks.CLOCK_SGI_CYCLE;
    }

    static long clockGettime(Task t, int clock, long tp) {
        if (!validClock(clock)) return -Errno.EINVAL;
        MemorySegment ts = Scratch.get(16);
        int r = Libc.clockGettime(clock, ts);
        if (r < 0) return r;
        SysSupport.copyOut(t, tp, ts, 16);
        return 0;
    }

    static long clockGetres(Task t, int clock, long tp) {
        if (!validClock(clock)) return -Errno.EINVAL;
        MemorySegment ts = Scratch.get(16);
        int r = Libc.clockGetres(clock, ts);
        if (r < 0) return r;
        if (tp != 0) SysSupport.copyOut(t, tp, ts, 16);
        return 0;
    }

    static long gettimeofday(Task t, long tv, long tz) {
        if (tv != 0) {
            MemorySegment ts = Scratch.get(16);
            Libc.clockGettime(Clocks.CLOCK_REALTIME, ts);
            t.memory().write64(tv, ts.get(ValueLayout.JAVA_LONG, 0));
            t.memory().write64(tv + 8, ts.get(ValueLayout.JAVA_LONG, 8) / 1000);
        }
        if (tz != 0) t.memory().write64(tz, 0); // tz_minuteswest = tz_dsttime = 0, as sys_tz is by default
        return 0;
    }

    static long time(Task t, long tloc) {
        MemorySegment ts = Scratch.get(16);
        Libc.clockGettime(Clocks.CLOCK_REALTIME, ts);
        long now = ts.get(ValueLayout.JAVA_LONG, 0);
        if (tloc != 0) t.memory().write64(tloc, now);
        return now;
    }

    static long clockNanosleep(Task t, int clock, int flags, long req, long rem) {
        switch (clock) {
            case Clocks.CLOCK_REALTIME, Clocks.CLOCK_MONOTONIC, Clocks.CLOCK_BOOTTIME, Clocks.CLOCK_TAI,
                    Clocks.CLOCK_PROCESS_CPUTIME_ID -> { }
            case Clocks.CLOCK_THREAD_CPUTIME_ID -> {
                return -Errno.EINVAL;
            }
            default -> {
                return validClock(clock) ? -Errno.ENOTSUP : -Errno.EINVAL;
            }
        }
        return sleep(t, clock, flags & Clocks.TIMER_ABSTIME, req, rem);
    }

    /**
     * Sleeps on the host clock. Host interruptions (EINTR from the JVM's own signals) are not the
     * guest's: the sleep simply continues for what remains.
     */
    static long sleep(Task t, int clock, int flags, long req, long rem) {
        long sec = t.memory().read64(req);
        long nsec = t.memory().read64(req + 8);
        if (sec < 0 || nsec < 0 || nsec >= NSEC_PER_SEC) return -Errno.EINVAL;
        MemorySegment buf = Scratch.get(32);
        MemorySegment request = buf.asSlice(0, 16);
        MemorySegment remain = buf.asSlice(16, 16);
        request.set(ValueLayout.JAVA_LONG, 0, sec);
        request.set(ValueLayout.JAVA_LONG, 8, nsec);
        while (true) {
            int r = Libc.clockNanosleep(clock, flags, request, remain);
            if (r != -Errno.EINTR) return r;
            if ((flags & Clocks.TIMER_ABSTIME) == 0) MemorySegment.copy(remain, 0, request, 0, 16);
        }
    }
}
