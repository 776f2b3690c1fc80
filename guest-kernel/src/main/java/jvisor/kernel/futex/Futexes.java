package jvisor.kernel.futex;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.BooleanSupplier;

import jvisor.kernel.abi.Errno;
import jvisor.mmu.AddressSpace;

/**
 * The futex wait queues of a sandbox (Linux's kernel/futex/, futex(2)).
 *
 * <p>A futex is named by a key: for a process-private futex (FUTEX_PRIVATE_FLAG, what glibc
 * uses for everything that is not process-shared) the address space and the guest address;
 * otherwise the host address the guest address maps to, so that processes sharing memory
 * (MAP_SHARED, or a vfork child) meet on the same futex. Linux keys private anonymous memory by
 * (mm, address) even without the flag; here two processes that have just forked and not yet
 * written the page may share such a key, which can only cause a spurious wake-up, and futex
 * users must tolerate those anyway.
 *
 * <p>Waiters hash into buckets; a bucket's monitor guards its waiters and is held while the
 * futex word is compared, so that FUTEX_WAIT and a FUTEX_WAKE issued after the word changed
 * cannot miss each other. Nothing is allocated on the wake path.
 */
public final class Futexes {
    private static final int BUCKETS = 256;
    /** How often a waiter looks at its interruption condition (signals, group exit). */
    private static final long TICK_NANOS = 20_000_000L;

    public static final int OK = 0;

    private final Bucket[] buckets = new Bucket[BUCKETS];

    public Futexes() {
        for (int i = 0; i < BUCKETS; i++) buckets[i] = new Bucket();
    }

    private static final class Bucket {
        final List<Waiter> waiters = new ArrayList<>();
    }

    private static final class Waiter {
        Object space;
        long addr;
        final int bitset;
        boolean woken;

        Waiter(Object space, long addr, int bitset) {
            this.space = space;
            this.addr = addr;
            this.bitset = bitset;
        }
    }

    /** What identifies the futex: (space, guest address) for private ones, (null, host address) otherwise. */
    private static Object keySpace(AddressSpace mem, boolean priv) {
        return priv ? mem : null;
    }

    private static long keyAddr(AddressSpace mem, long uaddr, boolean priv) {
        return priv ? uaddr : mem.translateIgnoringProtection(uaddr);
    }

    private Bucket bucket(Object space, long addr) {
        long h = addr * 0x9E3779B97F4A7C15L + System.identityHashCode(space);
        return buckets[(int) (h >>> 56) & (BUCKETS - 1)];
    }

    /**
     * FUTEX_WAIT / FUTEX_WAIT_BITSET: if the word at uaddr still holds expected, sleeps until a
     * wake for a matching bitset, the deadline (System.nanoTime(), Long.MAX_VALUE for none) or
     * an interruption.
     *
     * @return 0 when woken, -EAGAIN if the word differed, -ETIMEDOUT, or 1 when interrupted (the
     *         caller decides between EINTR and a restart)
     */
    public int await(AddressSpace mem, long uaddr, boolean priv, int expected, int bitset, long deadline,
            BooleanSupplier interrupted) {
        Object space = keySpace(mem, priv);
        long addr = keyAddr(mem, uaddr, priv);
        Bucket b = bucket(space, addr);
        Waiter w = new Waiter(space, addr, bitset);
        synchronized (b) {
            if (mem.read32(uaddr) != expected) return -Errno.EAGAIN;
            b.waiters.add(w);
        }
        // The waiter may move to another bucket (FUTEX_REQUEUE), so it is looked up again each time.
        while (true) {
            Bucket cur = bucket(w.space, w.addr);
            synchronized (cur) {
                if (cur != bucket(w.space, w.addr)) continue; // requeued meanwhile
                if (w.woken) return OK;
                long now = System.nanoTime();
                boolean timedOut = deadline != Long.MAX_VALUE && now - deadline >= 0;
                if (timedOut || interrupted.getAsBoolean()) {
                    cur.waiters.remove(w);
                    return timedOut ? -Errno.ETIMEDOUT : 1;
                }
                long wait = deadline == Long.MAX_VALUE ? TICK_NANOS : Math.min(TICK_NANOS, deadline - now);
                try {
                    cur.wait(wait / 1_000_000, (int) (wait % 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    cur.waiters.remove(w);
                    return 1;
                }
            }
        }
    }

    /** FUTEX_WAKE / FUTEX_WAKE_BITSET: wakes up to n waiters whose bitset intersects; returns how many. */
    public int wake(AddressSpace mem, long uaddr, boolean priv, int n, int bitset) {
        Object space = keySpace(mem, priv);
        long addr = keyAddr(mem, uaddr, priv);
        Bucket b = bucket(space, addr);
        synchronized (b) {
            int woken = wakeLocked(b, space, addr, n, bitset);
            if (woken > 0) b.notifyAll();
            return woken;
        }
    }

    private static int wakeLocked(Bucket b, Object space, long addr, int n, int bitset) {
        int woken = 0;
        for (Iterator<Waiter> it = b.waiters.iterator(); it.hasNext() && woken < n;) {
            Waiter w = it.next();
            if (w.space == space && w.addr == addr && (w.bitset & bitset) != 0) {
                it.remove();
                w.woken = true;
                woken++;
            }
        }
        return woken;
    }

    /**
     * FUTEX_REQUEUE and FUTEX_CMP_REQUEUE: wakes up to nWake waiters of uaddr and moves up to
     * nRequeue of the rest to uaddr2. With check, fails with -EAGAIN unless the word at uaddr
     * holds expected. Returns the number woken plus the number requeued.
     */
    public int requeue(AddressSpace mem, long uaddr, long uaddr2, boolean priv, int nWake, int nRequeue,
            boolean check, int expected) {
        Object space = keySpace(mem, priv);
        long from = keyAddr(mem, uaddr, priv), to = keyAddr(mem, uaddr2, priv);
        Bucket b1 = bucket(space, from), b2 = bucket(space, to);
        Bucket first = System.identityHashCode(b1) <= System.identityHashCode(b2) ? b1 : b2;
        Bucket second = first == b1 ? b2 : b1;
        synchronized (first) {
            synchronized (second) {
                if (check && mem.read32(uaddr) != expected) return -Errno.EAGAIN;
                int woken = wakeLocked(b1, space, from, nWake, -1);
                int moved = 0;
                for (Iterator<Waiter> it = b1.waiters.iterator(); it.hasNext() && moved < nRequeue;) {
                    Waiter w = it.next();
                    if (w.space == space && w.addr == from) {
                        it.remove();
                        w.addr = to;
                        b2.waiters.add(w);
                        moved++;
                    }
                }
                b1.notifyAll();
                if (moved > 0) b2.notifyAll();
                return woken + moved;
            }
        }
    }
}
