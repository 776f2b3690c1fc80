package jvisor.kernel.fs;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The POSIX record locks (fcntl F_SETLK) a process holds, per file: byte ranges with a type,
 * split and merged as Linux does (a new lock replaces the overlapped parts of older ones; adjacent
 * ranges of one type merge). One process never conflicts with itself, so F_GETLK always answers
 * F_UNLCK here; closing any descriptor of a file releases the process's locks on it.
 */
public final class RecordLocks {
    public static final int F_RDLCK = 0, F_WRLCK = 1, F_UNLCK = 2;

    /** [start, end) with end = Long.MAX_VALUE for "to the end of file, however it grows". */
    public record Lock(long start, long end, int type) {
    }

    private final Map<Object, List<Lock>> byFile = new HashMap<>();

    public void set(Object file, long start, long end, int type) {
        List<Lock> old = byFile.getOrDefault(file, List.of());
        List<Lock> out = new ArrayList<>();
        for (Lock l : old) {
            if (l.end <= start || l.start >= end) {
                out.add(l);
                continue;
            }
            if (l.start < start) out.add(new Lock(l.start, start, l.type));
            if (l.end > end) out.add(new Lock(end, l.end, l.type));
        }
        if (type != F_UNLCK) out.add(new Lock(start, end, type));
        out.sort((a, b) -> Long.compare(a.start, b.start));
        List<Lock> merged = new ArrayList<>();
        for (Lock l : out) {
            Lock last = merged.isEmpty() ? null : merged.get(merged.size() - 1);
            if (last != null && last.type == l.type && last.end >= l.start) {
                merged.set(merged.size() - 1, new Lock(last.start, Math.max(last.end, l.end), l.type));
            } else {
                merged.add(l);
            }
        }
        if (merged.isEmpty()) byFile.remove(file);
        else byFile.put(file, merged);
    }

    public List<Lock> locks(Object file) {
        return byFile.getOrDefault(file, List.of());
    }

    public void releaseAll(Object file) {
        byFile.remove(file);
    }
}
