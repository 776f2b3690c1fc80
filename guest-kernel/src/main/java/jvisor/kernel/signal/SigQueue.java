package jvisor.kernel.signal;

import java.util.ArrayList;
import java.util.List;

import jvisor.kernel.abi.Signals;

/**
 * A set of pending signals (Linux's struct sigpending): a bit per signal and the queue of their
 * siginfos. Standard signals (1-31) coalesce: a second one while the first is pending is dropped
 * (legacy_queue). Real-time signals (32-64) queue, each with its own siginfo, and are taken in
 * order. Used per thread (Task) and per process (shared pending); guarded by the process's
 * {@link ProcessSignals} lock.
 */
public final class SigQueue {
    /** Signals that are taken before any other (SYNCHRONOUS_MASK in kernel/signal.c). */
    static final long SYNCHRONOUS = Signals.bit(Signals.SIGSEGV) | Signals.bit(Signals.SIGBUS)
            | Signals.bit(Signals.SIGILL) | Signals.bit(Signals.SIGTRAP) | Signals.bit(Signals.SIGFPE)
            | Signals.bit(Signals.SIGSYS);
    /** Upper bound of queued real-time signals (RLIMIT_SIGPENDING-like), beyond which sigqueue fails. */
    static final int MAX_QUEUED = 4096;

    private long mask;
    private final List<SigInfo> queue = new ArrayList<>();

    public long mask() {
        return mask;
    }

    public boolean isEmpty() {
        return mask == 0;
    }

    /** Adds a signal; false if it was a standard signal already pending (coalesced) or the queue is full. */
    boolean add(SigInfo info) {
        long bit = Signals.bit(info.signo);
        if (info.signo < Signals.SIGRTMIN && (mask & bit) != 0) return false;
        if (queue.size() >= MAX_QUEUED) return false;
        queue.add(info);
        mask |= bit;
        return true;
    }

    /** The signal next_signal() would pick among mask & allowed, or 0. */
    static int next(long pending, long allowed) {
        long x = pending & allowed;
        if (x == 0) return 0;
        long sync = x & SYNCHRONOUS;
        if (sync != 0) x = sync;
        return Long.numberOfTrailingZeros(x) + 1;
    }

    /** Takes the first queued siginfo of sig (which must be pending). */
    SigInfo take(int sig) {
        long bit = Signals.bit(sig);
        SigInfo found = null;
        boolean more = false;
        for (int i = 0; i < queue.size(); i++) {
            SigInfo s = queue.get(i);
            if (s.signo != sig) continue;
            if (found == null) {
                found = s;
                queue.remove(i);
                i--;
            } else {
                more = true;
                break;
            }
        }
        if (!more) mask &= ~bit;
        return found;
    }

    /** Drops every pending instance of the signals in set (sigaction to SIG_IGN, SIGCONT vs stop signals). */
    void discard(long set) {
        if ((mask & set) == 0) return;
        queue.removeIf(s -> (set & Signals.bit(s.signo)) != 0);
        mask &= ~set;
    }

    /** True if a siginfo of this timer is queued. */
    boolean holds(PosixTimer t) {
        for (SigInfo s : queue) if (s.timer == t) return true;
        return false;
    }

    /** Removes the queued signal of a deleted timer. */
    void remove(PosixTimer t) {
        for (int i = 0; i < queue.size(); i++) {
            SigInfo s = queue.get(i);
            if (s.timer != t) continue;
            queue.remove(i);
            boolean still = false;
            for (SigInfo o : queue) still |= o.signo == s.signo;
            if (!still) mask &= ~Signals.bit(s.signo);
            return;
        }
    }
}
