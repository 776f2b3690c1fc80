package jvisor.kernel.syscall;

import static jvisor.kernel.strace.ArgFormat.CLOCK;
import static jvisor.kernel.strace.ArgFormat.INT;
import static jvisor.kernel.strace.ArgFormat.ITIMERSPEC_IN;
import static jvisor.kernel.strace.ArgFormat.ITIMERSPEC_OUT;
import static jvisor.kernel.strace.ArgFormat.ITIMERVAL_IN;
import static jvisor.kernel.strace.ArgFormat.ITIMERVAL_OUT;
import static jvisor.kernel.strace.ArgFormat.ITIMER_WHICH;
import static jvisor.kernel.strace.ArgFormat.PTR;
import static jvisor.kernel.strace.ArgFormat.RET_DEC;
import static jvisor.kernel.strace.ArgFormat.RET_TIME;
import static jvisor.kernel.strace.ArgFormat.RUSAGE_WHO;
import static jvisor.kernel.strace.ArgFormat.TIMER_FLAGS;
import static jvisor.kernel.strace.ArgFormat.TIMESPEC_IN;
import static jvisor.kernel.strace.ArgFormat.TIMESPEC_OUT;
import static jvisor.kernel.strace.ArgFormat.TIMESPEC_REMAIN;
import static jvisor.kernel.strace.ArgFormat.TIMEVAL_OUT;
import static jvisor.kernel.strace.ArgFormat.TIMEZONE_OUT;
import static jvisor.kernel.strace.ArgFormat.UINT_OUT;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import jvisor.kernel.abi.Clocks;
import jvisor.kernel.abi.Errno;
import jvisor.kernel.abi.Signals;
import jvisor.kernel.host.Libc;
import jvisor.kernel.host.Scratch;
import jvisor.kernel.proc.Task;
import jvisor.kernel.signal.PosixTimer;
import jvisor.kernel.signal.ProcessSignals;
import jvisor.kernel.time.GuestTime;
import jvisor.mmu.AddressSpace;
import jvisor.mmu.HostSyscall;

/**
 * Clocks, sleeping and timers (gVisor sys_time.go, sys_timer.go; Linux kernel/time/). Wall clocks
 * are the host's; CPU clocks count guest instructions ({@link GuestTime}). There is no vDSO, so
 * glibc asks the kernel for every clock_gettime. Sleeps wait on the process's signal lock and
 * end early when a signal arrives (EINTR, or a restart, by the signal(7) rules).
 */
final class SysTime {
    private SysTime() {}

    private static final long NSEC_PER_SEC = GuestTime.NSEC_PER_SEC;
    /** USER_HZ: the unit of clock_t in times(2). */
    private static final long USER_HZ = 100;
    /** The kernel's HZ assumed for times(2)'s INITIAL_JIFFIES offset and CPU clock resolutions. */
    private static final long HZ = 250;
    private static final int ITIMER_REAL = 0, ITIMER_VIRTUAL = 1, ITIMER_PROF = 2;
    private static final int RUSAGE_SELF = 0, RUSAGE_THREAD = 1, RUSAGE_CHILDREN = -1;

    static void register(SyscallTable t) {
        t.define("clock_gettime", (k, a, b, c, d, e, f) -> clockGettime(k, (int) a, b), RET_DEC, CLOCK, TIMESPEC_OUT);
        t.define("clock_getres", (k, a, b, c, d, e, f) -> clockGetres(k, (int) a, b), RET_DEC, CLOCK, TIMESPEC_OUT);
        t.define("gettimeofday", (k, a, b, c, d, e, f) -> gettimeofday(k, a, b), RET_DEC, TIMEVAL_OUT, TIMEZONE_OUT);
        t.define("time", (k, a, b, c, d, e, f) -> time(k, a), RET_TIME, PTR);
        t.define("nanosleep", (k, a, b, c, d, e, f) -> nanosleep(k, a, b), RET_DEC, TIMESPEC_IN, TIMESPEC_REMAIN);
        t.define("clock_nanosleep", (k, a, b, c, d, e, f) -> clockNanosleep(k, (int) a, (int) b, c, d), RET_DEC,
                CLOCK, TIMER_FLAGS, TIMESPEC_IN, TIMESPEC_REMAIN);
        t.define("times", (k, a, b, c, d, e, f) -> times(k, a), RET_DEC, PTR);
        t.define("getrusage", (k, a, b, c, d, e, f) -> getrusage(k, (int) a, b), RET_DEC, RUSAGE_WHO, PTR);
        t.define("alarm", (k, a, b, c, d, e, f) -> alarm(k, a), RET_DEC, INT);
        t.define("setitimer", (k, a, b, c, d, e, f) -> setitimer(k, (int) a, b, c), RET_DEC,
                ITIMER_WHICH, ITIMERVAL_IN, ITIMERVAL_OUT);
        t.define("getitimer", (k, a, b, c, d, e, f) -> getitimer(k, (int) a, b), RET_DEC, ITIMER_WHICH, ITIMERVAL_OUT);
        t.define("timer_create", (k, a, b, c, d, e, f) -> timerCreate(k, (int) a, b, c), RET_DEC, CLOCK, PTR, UINT_OUT);
        t.define("timer_settime", (k, a, b, c, d, e, f) -> timerSettime(k, (int) a, (int) b, c, d), RET_DEC,
                INT, TIMER_FLAGS, ITIMERSPEC_IN, ITIMERSPEC_OUT);
        t.define("timer_gettime", (k, a, b, c, d, e, f) -> timerGettime(k, (int) a, b), RET_DEC, INT, ITIMERSPEC_OUT);
        t.define("timer_getoverrun", (k, a, b, c, d, e, f) -> timerGetoverrun(k, (int) a), RET_DEC, INT);
        t.define("timer_delete", (k, a, b, c, d, e, f) -> timerDelete(k, (int) a), RET_DEC, INT);
    }

    // ---------------------------------------------------------------- clocks

    /** A CPU clock id (2, 3, or a negative pid/tid-encoded one): 0 ok, else -errno. */
    private static int cpuClock(Task t, int clock) {
        if (clock == Clocks.CLOCK_PROCESS_CPUTIME_ID || clock == Clocks.CLOCK_THREAD_CPUTIME_ID) return 0;
        if (clock >= 0) return -Errno.EINVAL;
        if ((clock & 3) == 3) return -Errno.EINVAL; // CPUCLOCK_MAX
        int pid = ~(clock >> 3);
        boolean thread = (clock & 4) != 0;
        if (pid == 0) return 0;
        return pid == (thread ? t.tid : t.process.pid) ? 0 : -Errno.EINVAL;
    }

    private static boolean isCpuClock(int clock) {
        return clock < 0 || clock == Clocks.CLOCK_PROCESS_CPUTIME_ID || clock == Clocks.CLOCK_THREAD_CPUTIME_ID;
    }

    /** Clocks served by the host: the system-wide ones (not CLOCK_SGI_CYCLE, gone from Linux). */
    private static boolean hostClock(int clock) {
        return clock >= Clocks.CLOCK_REALTIME && clock <= Clocks.CLOCK_TAI && clock != Clocks.CLOCK_SGI_CYCLE
                && !isCpuClock(clock);
    }

    static long clockGettime(Task t, int clock, long tp) {
        if (isCpuClock(clock)) {
            int r = cpuClock(t, clock);
            if (r < 0) return r;
            long ns = clock == Clocks.CLOCK_THREAD_CPUTIME_ID ? GuestTime.cpuNanos(t)
                    : GuestTime.cpuNanosOfProcess(t.process);
            GuestTime.writeTimespec(t.memory(), tp, ns);
            return 0;
        }
        if (!hostClock(clock)) return -Errno.EINVAL;
        MemorySegment ts = Scratch.get(16);
        long r = HostSyscall.clockGettime(clock, ts.address());
        if (r < 0) return r;
        SysSupport.copyOut(t, tp, ts, 16);
        return 0;
    }

    static long clockGetres(Task t, int clock, long tp) {
        if (isCpuClock(clock)) {
            int r = cpuClock(t, clock);
            if (r < 0) return r;
            // posix_cpu_clock_getres: 1 ns for CPUCLOCK_SCHED (the clock_gettime ids), a tick otherwise.
            long res = clock >= 0 || (clock & 3) == 2 ? 1 : (NSEC_PER_SEC + HZ - 1) / HZ;
            if (tp != 0) GuestTime.writeTimespec(t.memory(), tp, res);
            return 0;
        }
        if (!hostClock(clock)) return -Errno.EINVAL;
        MemorySegment ts = Scratch.get(16);
        int r = Libc.clockGetres(clock, ts);
        if (r < 0) return r;
        if (tp != 0) SysSupport.copyOut(t, tp, ts, 16);
        return 0;
    }

    static long gettimeofday(Task t, long tv, long tz) {
        if (tv != 0) GuestTime.writeTimeval(t.memory(), tv, GuestTime.host(Clocks.CLOCK_REALTIME));
        if (tz != 0) t.memory().write64(tz, 0); // tz_minuteswest = tz_dsttime = 0, as sys_tz is by default
        return 0;
    }

    static long time(Task t, long tloc) {
        long now = GuestTime.host(Clocks.CLOCK_REALTIME) / NSEC_PER_SEC;
        if (tloc != 0) t.memory().write64(tloc, now);
        return now;
    }

    // ---------------------------------------------------------------- sleeping

    static long nanosleep(Task t, long req, long rem) {
        long ns = GuestTime.readTimespec(t.memory(), req);
        if (ns < 0) return -Errno.EINVAL;
        return sleepUntil(t, deadline(System.nanoTime(), ns), rem);
    }

    private static long deadline(long now, long ns) {
        long d = now + ns;
        return d < now || d == Long.MAX_VALUE ? Long.MAX_VALUE - 1 : d;
    }

    /**
     * A relative sleep (hrtimer_nanosleep): an interrupting signal writes the time left to rem
     * and returns ERESTART_RESTARTBLOCK, which a handler turns into EINTR and restart_syscall
     * continues to the same deadline.
     */
    private static long sleepUntil(Task t, long deadline, long rem) {
        if (!SysSignal.waitForSignal(t, deadline)) return 0;
        if (rem != 0) GuestTime.writeTimespec(t.memory(), rem, Math.max(0, deadline - System.nanoTime()));
        t.restartBlock = task -> sleepUntil(task, deadline, rem);
        return -Signals.ERESTART_RESTARTBLOCK;
    }

    static long clockNanosleep(Task t, int clock, int flags, long req, long rem) {
        boolean cpu = false;
        switch (clock) {
            case Clocks.CLOCK_REALTIME, Clocks.CLOCK_MONOTONIC, Clocks.CLOCK_BOOTTIME, Clocks.CLOCK_TAI -> { }
            case Clocks.CLOCK_PROCESS_CPUTIME_ID -> cpu = true;
            case Clocks.CLOCK_THREAD_CPUTIME_ID -> {
                return -Errno.EINVAL;
            }
            default -> {
                if (clock < 0) {
                    int r = cpuClock(t, clock);
                    if (r < 0) return r;
                    if ((clock & 4) != 0) return -Errno.EINVAL; // own thread's clock
                    cpu = true;
                } else {
                    return hostClock(clock) ? -Errno.ENOTSUP : -Errno.EINVAL;
                }
            }
        }
        long ns = GuestTime.readTimespec(t.memory(), req);
        if (ns < 0) return -Errno.EINVAL;
        boolean abs = (flags & Clocks.TIMER_ABSTIME) != 0;
        long now = System.nanoTime();
        long deadline;
        if (cpu) {
            // Guest CPU time does not advance while the only thread sleeps.
            long left = abs ? ns - GuestTime.cpuNanos(t) : ns;
            deadline = left <= 0 ? now : Long.MAX_VALUE;
        } else if (abs) {
            deadline = deadline(now, Math.max(0, ns - GuestTime.host(clock)));
        } else {
            deadline = deadline(now, ns);
        }
        if (!abs) return sleepUntil(t, deadline, rem);
        if (!SysSignal.waitForSignal(t, deadline)) return 0;
        return -Signals.ERESTARTNOHAND;
    }

    // ---------------------------------------------------------------- CPU time accounting

    static long times(Task t, long buf) {
        if (buf != 0) {
            AddressSpace m = t.memory();
            m.write64(buf, GuestTime.userNanos(t) / (NSEC_PER_SEC / USER_HZ));
            m.write64(buf + 8, GuestTime.systemNanos(t) / (NSEC_PER_SEC / USER_HZ));
            m.write64(buf + 16, t.process.childrenNanos() / (NSEC_PER_SEC / USER_HZ)); // tms_cutime
            m.write64(buf + 24, 0);
        }
        // jiffies since boot in USER_HZ, starting from INITIAL_JIFFIES (-300 s, wrapped to 32 bits).
        long initial = (0x1_0000_0000L - 300 * HZ) * USER_HZ / HZ;
        return initial + GuestTime.host(Clocks.CLOCK_BOOTTIME) / (NSEC_PER_SEC / USER_HZ);
    }

    /** getrusage(2): CPU times from GuestTime; the counters jvisor does not keep are 0. */
    static long getrusage(Task t, int who, long usage) {
        if (who != RUSAGE_SELF && who != RUSAGE_THREAD && who != RUSAGE_CHILDREN) return -Errno.EINVAL;
        AddressSpace m = t.memory();
        m.fill(usage, 144, (byte) 0);
        long user = switch (who) {
            case RUSAGE_THREAD -> GuestTime.cpuNanos(t);
            case RUSAGE_CHILDREN -> t.process.childrenNanos();
            default -> GuestTime.userNanos(t);
        };
        GuestTime.writeTimeval(m, usage, user);
        if (who != RUSAGE_CHILDREN) GuestTime.writeTimeval(m, usage + 16, GuestTime.systemNanos(t));
        return 0;
    }

    // ---------------------------------------------------------------- interval timers

    static long alarm(Task t, long seconds) {
        long secs = seconds & 0xFFFFFFFFL;
        ProcessSignals ps = t.process.signals;
        long[] old = ps.set(ps.itimer(ITIMER_REAL, t), secs * NSEC_PER_SEC, 0);
        long oldSec = old[0] / NSEC_PER_SEC;
        long oldUsec = old[0] % NSEC_PER_SEC / 1000;
        // alarm_setitimer: round to the nearest second, and never report 0 for an armed alarm.
        if ((oldSec == 0 && oldUsec != 0) || oldUsec >= 500_000) oldSec++;
        return oldSec;
    }

    static long setitimer(Task t, int which, long value, long ovalue) {
        if (which < ITIMER_REAL || which > ITIMER_PROF) return -Errno.EINVAL;
        long interval = 0, val = 0;
        if (value != 0) {
            interval = GuestTime.readTimeval(t.memory(), value);
            val = GuestTime.readTimeval(t.memory(), value + 16);
            if (interval < 0 || val < 0) return -Errno.EINVAL;
        }
        ProcessSignals ps = t.process.signals;
        long[] old = ps.set(ps.itimer(which, t), val, interval);
        if (ovalue != 0) writeItimerval(t.memory(), ovalue, old);
        return 0;
    }

    static long getitimer(Task t, int which, long value) {
        if (which < ITIMER_REAL || which > ITIMER_PROF) return -Errno.EINVAL;
        ProcessSignals ps = t.process.signals;
        writeItimerval(t.memory(), value, ps.get(ps.itimer(which, t)));
        return 0;
    }

    private static void writeItimerval(AddressSpace m, long addr, long[] v) {
        GuestTime.writeTimeval(m, addr, v[1]);
        GuestTime.writeTimeval(m, addr + 16, v[0]);
    }

    // ---------------------------------------------------------------- POSIX timers

    static long timerCreate(Task t, int clock, long sevp, long timerid) {
        boolean cpu;
        if (isCpuClock(clock)) {
            int r = cpuClock(t, clock);
            if (r < 0) return r;
            cpu = true;
        } else {
            switch (clock) {
                case Clocks.CLOCK_REALTIME, Clocks.CLOCK_MONOTONIC, Clocks.CLOCK_BOOTTIME, Clocks.CLOCK_TAI -> cpu = false;
                case Clocks.CLOCK_REALTIME_ALARM, Clocks.CLOCK_BOOTTIME_ALARM -> {
                    return -Errno.EPERM; // needs CAP_WAKE_ALARM
                }
                default -> {
                    return hostClock(clock) ? -Errno.ENOTSUP : -Errno.EINVAL;
                }
            }
        }
        int signo = Signals.SIGALRM, notify = PosixTimer.SIGEV_SIGNAL;
        long value = 0;
        boolean valueIsId = true;
        Task target = t;
        if (sevp != 0) {
            AddressSpace m = t.memory();
            value = m.read64(sevp);
            signo = m.read32(sevp + 8);
            notify = m.read32(sevp + 12);
            int tid = m.read32(sevp + 16);
            valueIsId = false;
            if (notify == PosixTimer.SIGEV_THREAD_ID) {
                // good_sigevent: any thread of the caller's thread group (glibc's SIGEV_THREAD
                // names its helper thread), none of another process.
                target = t.process.table.task(tid);
            }
            boolean valid = switch (notify) {
                case PosixTimer.SIGEV_NONE -> true;
                case PosixTimer.SIGEV_SIGNAL, PosixTimer.SIGEV_THREAD_ID ->
                        target != null && target.process == t.process && signo > 0 && signo <= Signals.NSIG;
                default -> false;
            };
            if (!valid) {
                // do_timer_create checks the sigevent after it took the timer's id: the id is used up.
                t.process.signals.takeTimerId();
                return -Errno.EINVAL;
            }
        }
        ProcessSignals ps = t.process.signals;
        PosixTimer timer = ps.createTimer(clock, cpu, signo, notify, value, t, target, valueIsId);
        if (timer == null) return -Errno.EAGAIN;
        try {
            t.memory().write32(timerid, timer.id());
        } catch (jvisor.mmu.PageFault f) {
            ps.deleteTimer(timer);
            return -Errno.EFAULT;
        }
        return 0;
    }

    private static PosixTimer timer(Task t, int id) {
        PosixTimer timer = id >= 0 ? t.process.signals.timer(id) : null;
        if (timer == null) throw SysSupport.err(Errno.EINVAL);
        return timer;
    }

    static long timerSettime(Task t, int id, int flags, long newValue, long oldValue) {
        if (newValue == 0) return -Errno.EINVAL;
        AddressSpace m = t.memory();
        long interval = GuestTime.readTimespec(m, newValue);
        long value = GuestTime.readTimespec(m, newValue + 16);
        PosixTimer timer = timer(t, id);
        if (interval < 0 || value < 0) return -Errno.EINVAL;
        if (value != 0 && (flags & Clocks.TIMER_ABSTIME) != 0) {
            long now = timer.id() >= 0 && isCpuClock(clockOf(timer)) ? GuestTime.cpuNanos(t) : GuestTime.host(clockOf(timer));
            value = Math.max(1, value - now);
        }
        long[] old = t.process.signals.set(timer, value, interval);
        if (oldValue != 0) writeItimerspec(m, oldValue, old);
        return 0;
    }

    private static int clockOf(PosixTimer timer) {
        return timer.clock();
    }

    static long timerGettime(Task t, int id, long cur) {
        PosixTimer timer = timer(t, id);
        writeItimerspec(t.memory(), cur, t.process.signals.get(timer));
        return 0;
    }

    private static void writeItimerspec(AddressSpace m, long addr, long[] v) {
        GuestTime.writeTimespec(m, addr, v[1]);
        GuestTime.writeTimespec(m, addr + 16, v[0]);
    }

    static long timerGetoverrun(Task t, int id) {
        return t.process.signals.overrun(timer(t, id));
    }

    static long timerDelete(Task t, int id) {
        t.process.signals.deleteTimer(timer(t, id));
        return 0;
    }
}
