package jvisor.kernel.check;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A task's waits for any of its children (rules {@link Rule#WAIT_ORDER} and {@link Rule#REAP_TIMING}).
 * When a child ends is the scheduler's choice, so a parent that waits for whichever child ends
 * first, with WNOHANG from a SIGCHLD handler or blocking, reaps at other moments in each run: a
 * shell's handler reaps a command natively while under jvisor the shell's own blocking wait4 does
 * it a few calls later; a WNOHANG poll finds nothing where the other run finds a zombie, and the
 * loop around it (block signals, sigsuspend, unblock) goes round another number of times. These
 * waits are taken out of the task's record before it is aligned and compared child by child: each
 * child reaped in one run is reaped in the other, with the same status. What the wait loop does
 * around them is allowed to repeat only if it changes nothing in the end ({@link #netNil}).
 */
final class Reaping {
    private Reaping() {}

    /** waitid's idtype P_ALL and P_PGID (include/uapi/linux/wait.h). */
    private static final int P_ALL = 0, P_PGID = 2;

    /** A wait taken out of a record: its index in the record, and the number of kept events before it (its place). */
    record Wait(Event.Call call, int index, int place) {
    }

    /** wait4 for any child or a group (pid <= 0), waitid with P_ALL or P_PGID: it reaps whichever ended first. */
    static boolean waitsForAnyChild(Event.Call c) {
        return switch (c.name()) {
            case "wait4" -> c.args().size() > 0 && c.args().get(0) instanceof Value.Num n && (int) n.value() <= 0;
            case "waitid" -> c.args().size() > 0 && c.args().get(0) instanceof Value.Num n
                    && (n.value() == P_ALL || n.value() == P_PGID);
            default -> false;
        };
    }

    /** Returns events without the waits for any child, which go to waits in order. */
    static List<Event> split(List<Event> events, List<Wait> waits) {
        List<Event> kept = new ArrayList<>(events.size());
        for (int i = 0; i < events.size(); i++) {
            Event e = events.get(i);
            if (e instanceof Event.Call c && !c.noReturn() && waitsForAnyChild(c)) waits.add(new Wait(c, i, kept.size()));
            else kept.add(e);
        }
        return kept;
    }

    /** The child a wait reaped (its result), or 0 for none (WNOHANG found nothing, or an error). */
    static long reaped(Event.Call c) {
        if (c.failed() || c.result() <= 0) return 0;
        if (c.name().equals("waitid")) {
            // waitid returns 0 and names the child in the siginfo.
            Value info = c.args().size() > 2 ? c.args().get(2) : null;
            return info instanceof Value.Struct s && s.fields().get("si_pid") instanceof Value.Num n ? n.value() : 0;
        }
        return c.result();
    }

    /**
     * Whether both runs waited alike: as many waits, at the same places, with the same options
     * and the same kind of result (a child, none, an errno). Only then are they paired one by one.
     */
    static boolean sameShape(List<Wait> nat, List<Wait> jv) {
        if (nat.size() != jv.size()) return false;
        for (int i = 0; i < nat.size(); i++) {
            Event.Call n = nat.get(i).call(), j = jv.get(i).call();
            if (nat.get(i).place() != jv.get(i).place() || !n.name().equals(j.name())) return false;
            if (!sameOptions(n, j) || outcome(n) != outcome(j)) return false;
        }
        return true;
    }

    private static boolean sameOptions(Event.Call n, Event.Call j) {
        int k = n.name().equals("wait4") ? 2 : 3;
        return n.args().size() > k && j.args().size() > k && n.args().get(k) instanceof Value.Num a
                && j.args().get(k) instanceof Value.Num b && Comparison.sameNumber(a.value(), b.value());
    }

    /** A child was reaped (1), none was (0), or the errno. */
    private static long outcome(Event.Call c) {
        if (c.failed()) return c.result();
        return c.name().equals("waitid") ? (reaped(c) != 0 ? 1 : 0) : (c.result() > 0 ? 1 : 0);
    }

    /**
     * Failures a wait for any child may give in one run and not in the other: ECHILD (the children
     * were all reaped already) and an interruption by a signal.
     */
    static boolean timingFailure(Event.Call c) {
        long r = c.result();
        return r == -10 /* ECHILD */ || r == -4 /* EINTR */ || AsyncSignals.restartable(r);
    }

    // ---------------------------------------------------------------- the loop around the waits

    /**
     * The calls a wait loop makes around its waits and undoes, masking signals and switching
     * handlers, and the memory calls malloc makes between them.
     */
    static boolean bookkeeping(Event e) {
        return maskOrHandler(e) || memory(e);
    }

    /**
     * True if the block (events[from, to) of a task's record) changes neither the signal mask nor
     * any handler: the mask after it is the mask before it on every signal it touches, and each
     * handler it installs is put back. The mask before the block is known from the record (each
     * rt_sigprocmask that returns the old mask tells it); a bit it never told is not assumed.
     */
    static boolean netNil(List<Event> events, int from, int to) {
        long known = 0, mask = 0;
        for (int i = 0; i < from; i++) {
            long[] km = applyMask(events.get(i), known, mask);
            known = km[0];
            mask = km[1];
        }
        // The mask before the block; an old mask returned inside it tells the bits not touched yet.
        long knownBefore = known, before = mask, touched = 0;
        Map<Integer, Value> handlerBefore = new HashMap<>(), handlerAfter = new HashMap<>();
        for (int i = from; i < to; i++) {
            Event e = events.get(i);
            if (!bookkeeping(e)) return false;
            Event.Call c = (Event.Call) e;
            if (c.name().equals("rt_sigprocmask")) {
                if (c.args().size() > 2 && Comparison.bits(c.args().get(2)) instanceof Value.Bits old) {
                    before = (before & touched) | (old.sigmask() & ~touched);
                    knownBefore |= ~touched;
                }
                long[] km = applyMask(c, known, mask);
                known = km[0];
                mask = km[1];
                touched |= touches(c);
            } else if (c.name().equals("rt_sigaction") && c.args().size() > 2 && c.args().get(0) instanceof Value.Num sig) {
                int s = (int) sig.value();
                Value act = c.args().get(1), old = c.args().get(2);
                if (!handlerBefore.containsKey(s)) {
                    if (!(old instanceof Value.Struct) && act instanceof Value.Struct) return false; // what it replaced is unknown
                    handlerBefore.put(s, old);
                }
                if (act instanceof Value.Struct) handlerAfter.put(s, act);
            }
        }
        if ((touched & ~(knownBefore & known)) != 0) return false;
        if (((before ^ mask) & touched) != 0) return false;
        for (Map.Entry<Integer, Value> e : handlerAfter.entrySet()) {
            if (!sameAction(handlerBefore.get(e.getKey()), e.getValue())) return false;
        }
        return true;
    }

    /**
     * True if the block (events[from, to)) holds only mask and handler changes, together changing
     * nothing: what a wait loop that went round once more in one run left after the pairs that
     * undo each other were taken out.
     */
    static boolean undone(List<Event> events, int from, int to) {
        for (int i = from; i < to; i++) if (!maskOrHandler(events.get(i))) return false;
        return netNil(events, from, to);
    }

    /**
     * The record without the pairs of mask or handler changes that undo each other (the second
     * puts back what the first changed, with at most malloc's memory calls between them), taken out again and
     * again until none is left: a wait loop that went round more often in one run leaves such
     * pairs. A handler installed over the same action is taken out alone (bash's wait sets SIGINT
     * to SIG_IGN where it was ignored already, between blocking SIGCHLD and unblocking it). Returns
     * events itself if there is none.
     */
    static List<Event> withoutUndonePairs(List<Event> events) {
        List<Event> out = new ArrayList<>(events);
        boolean changed = false;
        int i = 0;
        while (i < out.size()) {
            if (handlerUnchanged(out.get(i))) {
                out.remove(i);
                changed = true;
                i = Math.max(0, i - 1);
                while (i > 0 && memory(out.get(i))) i--;
                continue;
            }
            int k = i + 1;
            while (k < out.size() && memory(out.get(k))) k++;
            if (k < out.size() && maskOrHandler(out.get(i)) && maskOrHandler(out.get(k)) && netNil(out, i, k + 1)) {
                out.remove(k);
                out.remove(i);
                changed = true;
                i = Math.max(0, i - 1);
                while (i > 0 && memory(out.get(i))) i--;
            } else {
                i++;
            }
        }
        return changed ? out : events;
    }

    /** An rt_sigaction that installs the action its signal already had: it changes nothing. */
    private static boolean handlerUnchanged(Event e) {
        return e instanceof Event.Call c && !c.failed() && c.name().equals("rt_sigaction") && c.args().size() > 2
                && c.args().get(1) instanceof Value.Struct && sameAction(c.args().get(2), c.args().get(1));
    }

    /** malloc's calls, which a wait loop's bookkeeping may make with signals blocked: they do not depend on the mask. */
    private static boolean memory(Event e) {
        return e instanceof Event.Call c && switch (c.name()) {
            case "brk", "mmap", "munmap", "mremap", "madvise" -> true;
            default -> false;
        };
    }

    private static boolean maskOrHandler(Event e) {
        return e instanceof Event.Call c && !c.failed() && (c.name().equals("rt_sigprocmask") || c.name().equals("rt_sigaction"));
    }

    /** SIG_BLOCK, SIG_UNBLOCK, SIG_SETMASK (include/uapi/asm-generic/signal-defs.h). */
    private static final int SIG_BLOCK = 0, SIG_UNBLOCK = 1, SIG_SETMASK = 2;

    private static long touches(Event.Call c) {
        if (c.args().size() < 2 || !(Comparison.bits(c.args().get(1)) instanceof Value.Bits set)) return 0;
        int how = c.args().get(0) instanceof Value.Num h ? (int) h.value() : -1;
        return how == SIG_SETMASK ? -1L : set.sigmask();
    }

    /** The mask (known bits, values) after an event, from the one before it. */
    private static long[] applyMask(Event e, long known, long mask) {
        if (!(e instanceof Event.Call c) || c.failed() || !c.name().equals("rt_sigprocmask") || c.args().size() < 3) {
            return new long[] {known, mask};
        }
        if (Comparison.bits(c.args().get(2)) instanceof Value.Bits old) {
            known = -1L;
            mask = old.sigmask();
        }
        if (Comparison.bits(c.args().get(1)) instanceof Value.Bits set && c.args().get(0) instanceof Value.Num h) {
            switch ((int) h.value()) {
                case SIG_BLOCK -> {
                    mask |= set.sigmask();
                    known |= set.sigmask();
                }
                case SIG_UNBLOCK -> {
                    mask &= ~set.sigmask();
                    known |= set.sigmask();
                }
                case SIG_SETMASK -> {
                    mask = set.sigmask();
                    known = -1L;
                }
                default -> { }
            }
        }
        return new long[] {known, mask};
    }

    /** Two sigactions install the same handler, flags and mask (the restorer is an address). */
    private static boolean sameAction(Value a, Value b) {
        if (!(a instanceof Value.Struct sa) || !(b instanceof Value.Struct sb)) return false;
        Value.Bits ma = Comparison.bits(sa.fields().get("sa_mask")), mb = Comparison.bits(sb.fields().get("sa_mask"));
        return number(sa.fields().get("sa_handler")) == number(sb.fields().get("sa_handler"))
                && number(sa.fields().get("sa_flags")) == number(sb.fields().get("sa_flags"))
                && ma != null && mb != null && ma.sigmask() == mb.sigmask();
    }

    private static long number(Value v) {
        return switch (v) {
            case Value.Num n -> n.value();
            case Value.Addr a -> a.value();
            case null, default -> Long.MIN_VALUE;
        };
    }
}
