package jvisor.kernel.check;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Data through pipes and stream sockets (rules {@link Rule#STREAM_CHUNKS} and
 * {@link Rule#CONCURRENT_WRITERS}). A stream has no message boundaries: a read returns what the
 * writer had written by then, so the same bytes arrive in other pieces in each run (two reads of
 * 4 and 2 bytes natively, one of 6 under jvisor), and a write into a full stream may take part of
 * its bytes and the next write the rest. Before a task's record is aligned, each run of reads of
 * one stream, consecutive or each followed by writes that pass exactly those bytes on (a copy
 * loop: cat, an echo server), becomes one read of all the bytes (and one write), and a partial
 * write followed by the write of the rest becomes one write. The merged calls are compared by
 * their bytes in all; the rule counts the pairs whose pieces differed.
 *
 * <p>Which descriptors are streams is followed through each run's record: pipe, pipe2,
 * socketpair and socket of type SOCK_STREAM make them, accept on a stream socket, dup, dup2,
 * dup3 and fcntl(F_DUPFD) copy them, close and every call that returns another kind of
 * descriptor end them, and a child starts with its parent's. The same walk finds the reads of
 * signalfd descriptors, whose records the comparison reads field by field.
 */
final class StreamData {
    private StreamData() {}

    private static final Set<String> READS = Set.of("read", "recvfrom");
    private static final Set<String> WRITES = Set.of("write", "sendto");
    private static final Set<String> OTHER_FDS = Set.of("open", "openat", "openat2", "creat", "eventfd", "eventfd2",
            "epoll_create", "epoll_create1", "timerfd_create", "signalfd", "signalfd4", "memfd_create", "inotify_init",
            "inotify_init1", "pidfd_open", "userfaultfd", "fanotify_init", "open_by_handle_at", "perf_event_open");
    private static final int SOCK_STREAM = 1, SOCK_TYPE_MASK = 0xf, F_DUPFD = 0, F_DUPFD_CLOEXEC = 1030;
    /** recvfrom's MSG_PEEK: a peek reads nothing away. */
    private static final int MSG_PEEK = 2;

    /**
     * The reads and writes of a record that go to a stream (by identity), each with its stream: a
     * number for each pipe, socket pair or socket of the run, the same for both ends.
     */
    static Map<Event, Integer> streamCalls(Trace t) {
        return follow(t, StreamData::createsStreams, true);
    }

    /** The reads of a record from a signalfd descriptor (by identity), each with its descriptor's number. */
    static Map<Event, Integer> signalfdReads(Trace t) {
        return follow(t, StreamData::createsSignalfd, false);
    }

    /** Which calls make the descriptors a walk follows: sets them in fds (with new numbers from ids) and says so. */
    private interface Creations {
        boolean create(Event.Call c, Map<Integer, Integer> fds, int[] ids);
    }

    private static boolean createsStreams(Event.Call c, Map<Integer, Integer> streams, int[] ids) {
        switch (c.name()) {
            case "pipe", "pipe2" -> pair(c, 0, ++ids[0], streams);
            case "socketpair" -> pair(c, 3, (fd(c, 1) & SOCK_TYPE_MASK) == SOCK_STREAM ? ++ids[0] : null, streams);
            case "socket" -> set(streams, (int) c.result(), (fd(c, 1) & SOCK_TYPE_MASK) == SOCK_STREAM ? ++ids[0] : null);
            case "accept", "accept4" -> set(streams, (int) c.result(), streams.containsKey(fd(c, 0)) ? ++ids[0] : null);
            default -> {
                return false;
            }
        }
        return true;
    }

    /** signalfd and signalfd4 make a descriptor for fd -1; for another fd they change its mask only. */
    private static boolean createsSignalfd(Event.Call c, Map<Integer, Integer> fds, int[] ids) {
        if (!c.name().equals("signalfd") && !c.name().equals("signalfd4")) return false;
        if (fd(c, 0) == -1) set(fds, (int) c.result(), ++ids[0]);
        return true;
    }

    /** Walks every task of the record with the descriptors creations makes, copied and inherited. */
    private static Map<Event, Integer> follow(Trace t, Creations creations, boolean writesToo) {
        Map<Event, Integer> out = new IdentityHashMap<>();
        Trace.Task root = t.root();
        if (root != null) follow(t, root, creations, writesToo, new HashMap<>(), out, new int[] {0});
        return out;
    }

    private static void follow(Trace t, Trace.Task task, Creations creations, boolean writesToo,
            Map<Integer, Integer> streams, Map<Event, Integer> out, int[] ids) {
        Map<Integer, Map<Integer, Integer>> childStreams = new HashMap<>();
        for (Event e : task.events) {
            if (!(e instanceof Event.Call c) || c.failed() || c.noReturn()) continue;
            String name = c.name();
            int fd0 = fd(c, 0);
            if ((READS.contains(name) || writesToo && WRITES.contains(name)) && streams.containsKey(fd0)) {
                out.put(c, streams.get(fd0));
            }
            if (creations.create(c, streams, ids)) continue;
            switch (name) {
                case "dup" -> set(streams, (int) c.result(), streams.get(fd0));
                case "dup2", "dup3" -> set(streams, fd(c, 1), streams.get(fd0));
                case "fcntl" -> {
                    int cmd = fd(c, 1);
                    if (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC) set(streams, (int) c.result(), streams.get(fd0));
                }
                case "close" -> streams.remove(fd0);
                default -> {
                    if (OTHER_FDS.contains(name)) streams.remove((int) c.result());
                    if (Trace.createsTask(name) && c.result() > 0) childStreams.put((int) c.result(), new HashMap<>(streams));
                }
            }
        }
        for (int child : task.children) {
            Trace.Task ct = t.get(child);
            if (ct != null) follow(t, ct, creations, writesToo, childStreams.getOrDefault(child, new HashMap<>()), out, ids);
        }
    }

    private static int fd(Event.Call c, int i) {
        return c.args().size() > i && c.args().get(i) instanceof Value.Num n ? (int) n.value() : -1;
    }

    private static void pair(Event.Call c, int i, Integer stream, Map<Integer, Integer> streams) {
        if (c.args().size() > i && c.args().get(i) instanceof Value.Arr a && a.items().size() == 2) {
            for (Value v : a.items()) if (v instanceof Value.Num n) set(streams, (int) n.value(), stream);
        }
    }

    /** The descriptor now refers to the stream, or (null) to no stream. */
    private static void set(Map<Integer, Integer> streams, int fd, Integer stream) {
        if (stream != null) streams.put(fd, stream);
        else streams.remove(fd);
    }

    // ---------------------------------------------------------------- merging

    /** A merged call's stream and the sizes of the pieces it was made of. */
    record Pieces(int stream, List<Long> sizes) {
    }

    /**
     * Returns events with each run of stream reads (and the writes of a copy loop) and each chain
     * of a partial write and the rest merged; merged maps every merged call to its pieces.
     */
    static List<Event> merge(List<Event> events, Map<Event, Integer> streams, Map<Event, Pieces> merged) {
        List<Event> out = new ArrayList<>(events.size());
        int i = 0;
        while (i < events.size()) {
            int next = mergeReads(events, i, streams, out, merged);
            if (next == i) next = mergeWrites(events, i, streams, out, merged);
            if (next == i) {
                out.add(events.get(i));
                next = i + 1;
            }
            i = next;
        }
        return out;
    }

    /** A successful read of a stream that took bytes (not a peek), or null. */
    private static Event.Call streamRead(Event e, Map<Event, Integer> streams) {
        if (!(e instanceof Event.Call c) || !streams.containsKey(c) || !READS.contains(c.name()) || c.result() <= 0) return null;
        if (c.name().equals("recvfrom") && (fd(c, 3) & MSG_PEEK) != 0) return null;
        return data(c) != null ? c : null;
    }

    /** The bytes a read or write call moved (its data cut to the result), or null if not all known. */
    private static byte[] data(Event.Call c) {
        if (c.args().size() < 2 || !(c.args().get(1) instanceof Value.Str s) || c.result() < 0) return null;
        if (s.bytes().length < c.result()) return null;
        return s.bytes().length == c.result() ? s.bytes() : Arrays.copyOf(s.bytes(), (int) c.result());
    }

    /** Merges the reads from i on (with their copy-loop writes); returns where the merged run ends (i if none). */
    private static int mergeReads(List<Event> events, int i, Map<Event, Integer> streams, List<Event> out,
            Map<Event, Pieces> merged) {
        Event.Call first = streamRead(events.get(i), streams);
        if (first == null) return i;
        ByteArrayOutputStream read = new ByteArrayOutputStream(), written = new ByteArrayOutputStream();
        List<Long> sizes = new ArrayList<>();
        Event.Call firstWrite = null;
        int k = i;
        while (k < events.size()) {
            Event.Call r = streamRead(events.get(k), streams);
            if (r == null || !sameStream(first, r)) break;
            byte[] piece = data(r);
            // The writes that pass this piece on (a copy loop), all to the same descriptor.
            int w = k + 1;
            ByteArrayOutputStream passed = new ByteArrayOutputStream();
            Event.Call write = null;
            while (w < events.size() && passed.size() < piece.length && events.get(w) instanceof Event.Call c
                    && WRITES.contains(c.name()) && data(c) != null && (firstWrite == null || fd(c, 0) == fd(firstWrite, 0))
                    && (write == null || fd(c, 0) == fd(write, 0))) {
                passed.writeBytes(data(c));
                write = write == null ? c : write;
                w++;
            }
            boolean copies = write != null && Arrays.equals(passed.toByteArray(), piece);
            if (k == i) {
                if (copies) firstWrite = write;
            } else if (copies != (firstWrite != null)) {
                break;
            }
            read.writeBytes(piece);
            sizes.add((long) piece.length);
            if (copies) {
                written.writeBytes(piece);
                k = w;
            } else {
                k++;
            }
        }
        if (sizes.size() < 2) return i;
        Event.Call m = with(first, read.toByteArray(), null);
        merged.put(m, new Pieces(streams.get(first), sizes));
        out.add(m);
        if (firstWrite != null) {
            Event.Call mw = with(firstWrite, written.toByteArray(), (long) written.size());
            merged.put(mw, new Pieces(streams.getOrDefault(firstWrite, -1), sizes));
            out.add(mw);
        }
        return k;
    }

    /** Two reads of the same descriptor by the same call with the same flags. */
    private static boolean sameStream(Event.Call a, Event.Call b) {
        return a.name().equals(b.name()) && fd(a, 0) == fd(b, 0) && (!a.name().equals("recvfrom") || fd(a, 3) == fd(b, 3));
    }

    /** A write to a stream that took part of its bytes followed by the writes of the rest: one write. */
    private static int mergeWrites(List<Event> events, int i, Map<Event, Integer> streams, List<Event> out,
            Map<Event, Pieces> merged) {
        if (!(events.get(i) instanceof Event.Call first) || !streams.containsKey(first) || !WRITES.contains(first.name())
                || !(first.args().get(1) instanceof Value.Str whole) || data(first) == null) {
            return i;
        }
        ByteArrayOutputStream written = new ByteArrayOutputStream();
        List<Long> sizes = new ArrayList<>();
        Event.Call prev = first;
        byte[] rest = whole.bytes();
        int k = i;
        while (true) {
            byte[] took = data(prev);
            written.writeBytes(took);
            sizes.add((long) took.length);
            k++;
            if (took.length >= rest.length || k >= events.size()) break;
            rest = Arrays.copyOfRange(rest, took.length, rest.length);
            if (!(events.get(k) instanceof Event.Call c) || !streams.containsKey(c) || !c.name().equals(first.name())
                    || fd(c, 0) != fd(first, 0) || !(c.args().get(1) instanceof Value.Str s)
                    || !Arrays.equals(s.bytes(), rest) || data(c) == null) {
                break;
            }
            prev = c;
        }
        if (sizes.size() < 2) return i;
        Event.Call m = with(first, written.toByteArray(), null);
        merged.put(m, new Pieces(streams.get(first), sizes));
        out.add(m);
        return k;
    }

    /** The call with other data (and, for a merged write, the count), returning the data's length. */
    private static Event.Call with(Event.Call c, byte[] bytes, Long count) {
        List<Value> args = new ArrayList<>(c.args());
        args.set(1, new Value.Str(bytes, false));
        if (count != null && args.size() > 2) args.set(2, new Value.Num(count));
        return new Event.Call(c.name(), args, bytes.length, false);
    }

    // ---------------------------------------------------------------- several writers

    /** A write into a stream of the run: the writer's place in the task tree, the stream and the bytes. */
    record Write(String task, int stream, byte[] bytes) {
    }

    /**
     * True if both runs read the same writes, each whole, in another order, and the writes of
     * each task in the same order: several tasks wrote into one pipe, and which of them ran first
     * is the scheduler's choice. nat and jv are the bytes read; natWrites and jvWrites the writes
     * of the other tasks of each run into the stream read.
     */
    static boolean sameWritesReordered(byte[] nat, byte[] jv, List<Write> natWrites, List<Write> jvWrites) {
        if (nat.length != jv.length) return false;
        List<Write> a = segment(nat, natWrites), b = segment(jv, jvWrites);
        if (a == null || b == null || a.size() != b.size()) return false;
        Map<String, List<String>> byTaskA = byTask(a), byTaskB = byTask(b);
        return byTaskA.equals(byTaskB);
    }

    private static Map<String, List<String>> byTask(List<Write> writes) {
        Map<String, List<String>> m = new HashMap<>();
        for (Write w : writes) m.computeIfAbsent(w.task(), k -> new ArrayList<>()).add(Arrays.toString(w.bytes()));
        return m;
    }

    /** Longest search for a segmentation (the writes are few: the search is a guard, not a limit in practice). */
    private static final int SEARCH_STEPS = 100_000;

    /** The data as a sequence of whole writes, each used once (a depth-first search), or null. */
    private static List<Write> segment(byte[] data, List<Write> writes) {
        List<Write> candidates = new ArrayList<>();
        for (Write w : writes) if (w.bytes().length > 0 && w.bytes().length <= data.length) candidates.add(w);
        List<Write> path = new ArrayList<>();
        boolean[] used = new boolean[candidates.size()];
        int[] steps = {0};
        return search(data, 0, candidates, used, path, steps) ? path : null;
    }

    private static boolean search(byte[] data, int at, List<Write> candidates, boolean[] used, List<Write> path, int[] steps) {
        if (at == data.length) return true;
        for (int k = 0; k < candidates.size(); k++) {
            if (used[k] || ++steps[0] > SEARCH_STEPS) continue;
            byte[] b = candidates.get(k).bytes();
            if (at + b.length > data.length || !Arrays.equals(data, at, at + b.length, b, 0, b.length)) continue;
            used[k] = true;
            path.add(candidates.get(k));
            if (search(data, at + b.length, candidates, used, path, steps)) return true;
            path.remove(path.size() - 1);
            used[k] = false;
        }
        return false;
    }

    /** Every successful write into a stream, with its task's place in the tree (paths from taskPaths). */
    static List<Write> writes(Trace t, Map<Integer, String> taskPaths, Map<Event, Integer> streams) {
        List<Write> out = new ArrayList<>();
        for (Trace.Task task : t.tasks()) {
            String path = taskPaths.get(task.tid);
            if (path == null) continue;
            for (Event e : task.events) {
                if (e instanceof Event.Call c && WRITES.contains(c.name()) && streams.containsKey(c) && c.result() > 0
                        && data(c) != null) {
                    out.add(new Write(path, streams.get(c), data(c)));
                }
            }
        }
        return out;
    }

    /** Whether the call reads a stream (merged or not). */
    static boolean isRead(Event.Call c) {
        return READS.contains(c.name());
    }
}
