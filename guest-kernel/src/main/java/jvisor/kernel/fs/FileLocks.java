package jvisor.kernel.fs;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import jvisor.kernel.abi.Errno;
import jvisor.kernel.abi.Signals;

/**
 * The advisory file locks of every guest (Linux fs/locks.c): POSIX record locks (fcntl F_SETLK,
 * owned by a descriptor table: the process, and the threads and CLONE_FILES children sharing
 * it), open file description locks (F_OFD_SETLK) and flock(2) locks (both owned by the open file
 * description). Locks of different owners on overlapping ranges conflict unless both are read
 * locks; an owner's own locks never conflict with each other but replace the overlapped parts
 * (split and merged as Linux does). flock locks live apart from the other two kinds and never
 * conflict with them, as on Linux.
 *
 * <p>One table for the whole JVM, as the host kernel has one: guests of several machines that
 * lock the same host file see each other's locks.
 */
public final class FileLocks {
    public static final FileLocks INSTANCE = new FileLocks();

    public static final int F_RDLCK = 0, F_WRLCK = 1, F_UNLCK = 2;

    /** The l_pid an open file description lock reports (fcntl(2), "Open file description locks"). */
    public static final int OFD_PID = -1;

    /**
     * One held lock: [start, end) with end = Long.MAX_VALUE for "to the end of the file, however
     * it grows"; pid is what F_GETLK reports.
     */
    public record Lock(Object owner, int pid, long start, long end, int type) {
        boolean overlaps(long s, long e) {
            return start < e && s < end;
        }
    }

    /** The key of flock(2) locks on a file: never equal to a record-lock key. */
    private record FlockKey(Object file) {
    }

    /** Guarded by this. */
    private final Map<Object, List<Lock>> byFile = new HashMap<>();
    /** POSIX owners blocked in F_SETLKW, and the owner each waits for (deadlock detection). */
    private final Map<Object, Object> waitsFor = new HashMap<>();

    private FileLocks() {}

    /** The first lock of another owner that conflicts with [start, end) of type, or null. */
    public synchronized Lock conflict(Object file, Object owner, long start, long end, int type) {
        for (Lock l : byFile.getOrDefault(file, List.of())) {
            if (l.owner != owner && l.overlaps(start, end) && (type == F_WRLCK || l.type == F_WRLCK)) return l;
        }
        return null;
    }

    /**
     * Sets (or with F_UNLCK removes) owner's lock on [start, end). Without wait a conflict is
     * -EAGAIN; with wait the call blocks until the range is free: -EDEADLK if two POSIX owners
     * would wait for each other (only POSIX locks are checked, as in Linux), -ERESTARTSYS when a
     * signal interrupts the wait.
     */
    public synchronized int set(Object file, Object owner, int pid, long start, long end, int type, boolean wait,
            boolean posix) {
        while (type != F_UNLCK) {
            Lock c = conflict(file, owner, start, end, type);
            if (c == null) break;
            if (!wait) return -Errno.EAGAIN;
            if (posix && c.pid != OFD_PID && leadsTo(c.owner, owner)) return -Errno.EDEADLK;
            if (Blocking.interrupted.getAsBoolean()) return -Signals.ERESTARTSYS;
            if (posix) waitsFor.put(owner, c.owner);
            try {
                wait(Blocking.TICK_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return -Signals.ERESTARTSYS;
            } finally {
                waitsFor.remove(owner);
            }
        }
        replace(file, owner, pid, start, end, type);
        notifyAll();
        return 0;
    }

    /** Whether from waits (directly or through other waiters) for target. */
    private boolean leadsTo(Object from, Object target) {
        Object o = from;
        for (int hops = 0; o != null && hops < 10_000; hops++) {
            if (o == target) return true;
            o = waitsFor.get(o);
        }
        return false;
    }

    /** owner's locks on file after setting [start, end) to type: the overlapped parts replaced, like neighbours merged. */
    private void replace(Object file, Object owner, int pid, long start, long end, int type) {
        List<Lock> all = byFile.getOrDefault(file, List.of());
        List<Lock> others = new ArrayList<>();
        List<Lock> mine = new ArrayList<>();
        for (Lock l : all) {
            if (l.owner != owner) {
                others.add(l);
            } else if (!l.overlaps(start, end)) {
                mine.add(l);
            } else {
                if (l.start < start) mine.add(new Lock(owner, l.pid, l.start, start, l.type));
                if (l.end > end) mine.add(new Lock(owner, l.pid, end, l.end, l.type));
            }
        }
        if (type != F_UNLCK) mine.add(new Lock(owner, pid, start, end, type));
        mine.sort((a, b) -> Long.compare(a.start, b.start));
        List<Lock> merged = new ArrayList<>(others);
        Lock last = null;
        for (Lock l : mine) {
            if (last != null && last.type == l.type && last.end >= l.start) {
                last = new Lock(owner, pid, last.start, Math.max(last.end, l.end), l.type);
                merged.set(merged.size() - 1, last);
            } else {
                merged.add(l);
                last = l;
            }
        }
        if (merged.isEmpty()) byFile.remove(file);
        else byFile.put(file, merged);
    }

    /** owner's locks on file, in address order (for tests and /proc/locks-like views). */
    public synchronized List<Lock> locks(Object file, Object owner) {
        List<Lock> out = new ArrayList<>();
        for (Lock l : byFile.getOrDefault(file, List.of())) if (l.owner == owner) out.add(l);
        return out;
    }

    /** Whether owner holds any lock (a quick test before the close path looks up a file's key). */
    public synchronized boolean holdsAny(Object owner) {
        for (List<Lock> ls : byFile.values()) for (Lock l : ls) if (l.owner == owner) return true;
        return false;
    }

    /** POSIX: closing any descriptor of a file releases every lock the table's owner has on it. */
    public synchronized void releaseOwner(Object file, Object owner) {
        List<Lock> all = byFile.get(file);
        if (all == null) return;
        if (all.removeIf(l -> l.owner == owner)) notifyAll();
        if (all.isEmpty()) byFile.remove(file);
    }

    /** The last close of an open file description releases its OFD and flock locks. */
    public synchronized void releaseDescription(Object file, Object description) {
        releaseOwner(file, description);
        releaseOwner(new FlockKey(file), description);
    }

    /**
     * flock(2) on the description: LOCK_SH (1), LOCK_EX (2) or LOCK_UN (8) on the whole file;
     * nonBlocking (LOCK_NB) gives -EWOULDBLOCK on a conflict. Converting a lock drops the old one
     * first, so another waiter may get in between (flock(2), NOTES).
     */
    public int flock(Object file, Object description, int kind, boolean nonBlocking) {
        int type = kind == 1 ? F_RDLCK : kind == 2 ? F_WRLCK : F_UNLCK;
        FlockKey key = new FlockKey(file);
        synchronized (this) {
            if (type != F_UNLCK && conflict(key, description, 0, Long.MAX_VALUE, type) != null) {
                replace(key, description, OFD_PID, 0, Long.MAX_VALUE, F_UNLCK);
                notifyAll();
            }
            return set(key, description, OFD_PID, 0, Long.MAX_VALUE, type, !nonBlocking, false);
        }
    }
}
