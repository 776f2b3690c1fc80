package jvisor.kernel.check;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiPredicate;

import jvisor.kernel.abi.Signals;

/**
 * The asynchronous signals of a task's record (rule {@link Rule#ASYNC_SIGNALS}): a signal sent by
 * another process, a timer or the kernel arrives whenever the scheduler lets it, so natively and
 * under jvisor it lands between different calls. They are taken out of the record before the calls
 * are aligned, with what belongs to their arrival: the call they interrupted (its ERESTART* result
 * never reaches the program; the call runs again) and the rt_sigreturn of a handler that made no
 * call. Signals the task causes itself (faults, raise, tgkill to itself) keep their position.
 */
final class AsyncSignals {
    private AsyncSignals() {}

    /**
     * Returns events without the asynchronous signals of task tid, which go to async in order. With
     * handlers (the native run's, updated by its rt_sigaction calls), ignored gets for each signal
     * whether the program ignored it when it came.
     */
    static List<Event> split(List<Event> events, long tid, List<Event.Signal> async, List<Boolean> ignored,
            Map<Integer, Long> handlers, BiPredicate<Map<Integer, Long>, Integer> ignoredBy) {
        List<Event> kept = new ArrayList<>(events.size());
        for (int i = 0; i < events.size(); i++) {
            Event e = events.get(i);
            if (handlers != null && e instanceof Event.Call c && c.name().equals("rt_sigaction")) {
                Comparison.sigaction(handlers, c);
            }
            if (!(e instanceof Event.Signal s) || !asynchronous(s, tid)) {
                kept.add(e);
                continue;
            }
            async.add(s);
            if (ignored != null) ignored.add(ignoredBy.test(handlers, s.signo()));
            if (!kept.isEmpty() && kept.get(kept.size() - 1) instanceof Event.Call c && restartable(c.result())) {
                kept.remove(kept.size() - 1);
            }
            if (i + 1 < events.size() && events.get(i + 1) instanceof Event.Call next && next.name().equals("rt_sigreturn")) {
                i++;
            }
        }
        return kept;
    }

    /** The results of a call a signal interrupted before it completed (include/linux/errno.h). */
    static boolean restartable(long result) {
        return result == -Signals.ERESTARTSYS || result == -Signals.ERESTARTNOINTR || result == -Signals.ERESTARTNOHAND
                || result == -Signals.ERESTART_RESTARTBLOCK;
    }

    /**
     * Sent from outside the task: a child's SIGCHLD, a timer's or the kernel's signal (alarm,
     * itimers: SI_TIMER, SI_KERNEL), or one from a process other than the task itself.
     */
    static boolean asynchronous(Event.Signal s, long tid) {
        if (s.signo() == Signals.SIGCHLD) return true;
        int code = code(s);
        if (code == Signals.SI_KERNEL || code == -2) return true; // SI_TIMER
        if (code > 0) return false; // a fault the task caused
        return field(s, "si_pid") != tid;
    }

    /** si_pid, or Long.MIN_VALUE when the siginfo has none. */
    static long sender(Event.Signal s) {
        return field(s, "si_pid");
    }

    static int code(Event.Signal s) {
        return (int) field(s, "si_code");
    }

    private static long field(Event.Signal s, String name) {
        return s.info() instanceof Value.Struct st && st.fields().get(name) instanceof Value.Num n ? n.value() : Long.MIN_VALUE;
    }
}
