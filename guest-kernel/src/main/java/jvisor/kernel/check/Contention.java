package jvisor.kernel.check;

import static jvisor.kernel.abi.Clone.CLONE_THREAD;
import static jvisor.kernel.abi.Clone.FUTEX_CMD_MASK;
import static jvisor.kernel.abi.Clone.FUTEX_WAIT;
import static jvisor.kernel.abi.Clone.FUTEX_WAIT_BITSET;
import static jvisor.kernel.abi.Clone.FUTEX_WAKE;
import static jvisor.kernel.abi.Clone.FUTEX_WAKE_BITSET;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The futex calls threads make when they contend (rule {@link Rule#FUTEX_CONTENTION}). A mutex
 * calls FUTEX_WAIT only when another thread holds it and FUTEX_WAKE only when another thread
 * waits; a condition variable or a barrier wakes whoever is asleep at that moment; a thread
 * spinning on a flag calls sched_yield until another thread sets it. How many such calls each
 * thread makes, and what they return, is the scheduler's doing. In a process with several threads
 * they are taken out of each thread's record before it is aligned; everything else is compared
 * call by call, and the calls taken out are checked for results the kernel can give: a wait
 * returns 0, EAGAIN (the word had changed), ETIMEDOUT (with a timeout) or is interrupted, a wake
 * wakes at most as many as asked, sched_yield returns 0. Where both runs made the same calls
 * with the same results, they are compared one by one as usual.
 */
final class Contention {
    private Contention() {}


    /** The tasks of a record that share their process with another thread (created by or with CLONE_THREAD). */
    static Set<Integer> threaded(Trace t) {
        Set<Integer> out = new HashSet<>();
        for (Trace.Task task : t.tasks()) {
            for (Event e : task.events) {
                if (e instanceof Event.Call c && Trace.createsTask(c.name()) && !c.failed() && c.result() > 0
                        && (flags(c) & CLONE_THREAD) != 0) {
                    out.add(task.tid);
                    out.add((int) c.result());
                }
            }
        }
        return out;
    }

    private static long flags(Event.Call c) {
        if (c.name().equals("clone") && !c.args().isEmpty() && c.args().get(0) instanceof Value.Num n) return n.value();
        // clone3's flags are the first field of its clone_args.
        if (c.name().equals("clone3") && !c.args().isEmpty() && c.args().get(0) instanceof Value.Struct s
                && s.fields().get("flags") instanceof Value.Num n) {
            return n.value();
        }
        return 0;
    }

    /** A futex wait or wake, or sched_yield: the calls whose number depends on the other threads. */
    static boolean contended(Event e) {
        if (!(e instanceof Event.Call c) || c.noReturn()) return false;
        if (c.name().equals("sched_yield")) return true;
        if (!c.name().equals("futex")) return false;
        return switch (op(c)) {
            case FUTEX_WAIT, FUTEX_WAKE, FUTEX_WAIT_BITSET, FUTEX_WAKE_BITSET -> true;
            default -> false;
        };
    }

    private static int op(Event.Call c) {
        return c.args().size() > 1 && c.args().get(1) instanceof Value.Num n ? (int) n.value() & FUTEX_CMD_MASK : -1;
    }

    /** Returns events without the contended calls, which go to out in order. */
    static List<Event> split(List<Event> events, List<Event.Call> out) {
        List<Event> kept = new ArrayList<>(events.size());
        for (Event e : events) {
            if (contended(e)) out.add((Event.Call) e);
            else kept.add(e);
        }
        return kept;
    }

    /** Both runs made the same contended calls with the same results (then they are compared one by one). */
    static boolean sameCalls(List<Event.Call> nat, List<Event.Call> jv) {
        if (nat.size() != jv.size()) return false;
        for (int i = 0; i < nat.size(); i++) {
            Event.Call n = nat.get(i), j = jv.get(i);
            if (!n.name().equals(j.name()) || op(n) != op(j) || n.result() != j.result()) return false;
        }
        return true;
    }

    /** Null if the kernel can give this result to this call, else what is wrong with it. */
    static String impossible(Event.Call c) {
        long r = c.result();
        if (c.name().equals("sched_yield")) return r == 0 ? null : "sched_yield returned " + Render.result(c);
        boolean interrupted = r == -4 /* EINTR */ || AsyncSignals.restartable(r);
        return switch (op(c)) {
            case FUTEX_WAIT, FUTEX_WAIT_BITSET -> {
                boolean timeout = c.args().size() > 3 && !(c.args().get(3) instanceof Value.Addr a && a.value() == 0);
                boolean ok = r == 0 || r == -11 /* EAGAIN */ || interrupted || (timeout && r == -110 /* ETIMEDOUT */);
                yield ok ? null : "a futex wait returned " + Render.result(c);
            }
            default -> {
                long asked = c.args().size() > 2 && c.args().get(2) instanceof Value.Num n ? (int) n.value() : 0;
                yield r >= 0 && r <= Math.max(asked, 0) ? null : "a futex wake of " + asked + " returned " + Render.result(c);
            }
        };
    }
}
