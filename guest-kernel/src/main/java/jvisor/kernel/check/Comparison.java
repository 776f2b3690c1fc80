package jvisor.kernel.check;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import jvisor.kernel.abi.Signals;
import jvisor.kernel.strace.ArgFormat;
import jvisor.kernel.syscall.SyscallEntry;
import jvisor.kernel.syscall.SyscallStates;
import jvisor.kernel.syscall.SyscallTable;

/**
 * Compares a native record with jvisor's: pairs the tasks by their place in the creation tree,
 * aligns each pair's events ({@link Alignment}), and compares every paired call value by value
 * (arguments, data, result or errno), every signal and the end. A difference is allowed by a
 * {@link Rule} (counted), explained by a deliberate difference in the kernel's metadata
 * ({@link SyscallStates}), or a {@link Divergence}.
 */
final class Comparison {
    /** Rules in force (none with --strict). */
    private final boolean strict;
    private final SyscallTable table;

    final List<Divergence> divergences = new ArrayList<>();
    /** Uses of each rule, with the first place it applied. */
    final Map<Rule, Integer> ruleUses = new EnumMap<>(Rule.class);
    final Map<Rule, String> ruleFirst = new EnumMap<>(Rule.class);
    /** Calls paired and values compared. */
    int pairedCalls, comparedValues, uncomparedValues;
    /** Syscalls compared with the host, by name: the number of paired calls. */
    final Map<String, Integer> covered = new TreeMap<>();

    /** Native program break minus jvisor's, from the first brk result: every later break keeps it. */
    private Long brkOffset;

    /** The brk rule: both breaks lie at the same distance from where each heap started. */
    private boolean sameBreak(long nativeValue, long jvisorValue) {
        if (!userAddress(nativeValue) || !userAddress(jvisorValue)) return false;
        if (brkOffset == null) brkOffset = nativeValue - jvisorValue;
        return nativeValue - jvisorValue == brkOffset;
    }

    /** Native id to jvisor id, and back: pids and tids, learned as the runs are paired. */
    private final Map<Long, Long> pidToJvisor = new HashMap<>();
    private final Map<Long, Long> pidToNative = new HashMap<>();

    Comparison(SyscallTable table, boolean strict) {
        this.table = table;
        this.strict = strict;
    }

    // ---------------------------------------------------------------- tasks

    void compare(Trace nat, Trace jv) {
        Trace.Task n = nat.root(), j = jv.root();
        if (n == null || j == null) {
            divergences.add(new Divergence("1", "task", "", -1, -1, n == null ? "" : "task " + n.tid,
                    j == null ? "" : "task " + j.tid, "a run recorded nothing", null));
            return;
        }
        if (!strict) {
            nativeStreams = StreamData.streamCalls(nat);
            jvisorStreams = StreamData.streamCalls(jv);
            nativeSignalfdReads = StreamData.signalfdReads(nat);
            jvisorSignalfdReads = StreamData.signalfdReads(jv);
            nativeThreads = Contention.threaded(nat);
            Map<Integer, String> nativePaths = new HashMap<>(), jvisorPaths = new HashMap<>();
            paths("1", nat, n, nativePaths, jv, j, jvisorPaths);
            nativeWrites = StreamData.writes(nat, nativePaths, nativeStreams);
            jvisorWrites = StreamData.writes(jv, jvisorPaths, jvisorStreams);
        }
        task("1", nat, n, jv, j);
        for (Runnable r : deferred) r.run();
    }

    /** Each paired task's place in the creation tree ("1.2.1"), as task() names them. */
    private static void paths(String path, Trace nat, Trace.Task n, Map<Integer, String> np, Trace jv, Trace.Task j,
            Map<Integer, String> jp) {
        np.put(n.tid, path);
        jp.put(j.tid, path);
        for (int k = 0; k < Math.min(n.children.size(), j.children.size()); k++) {
            Trace.Task nc = nat.get(n.children.get(k)), jc = jv.get(j.children.get(k));
            if (nc != null && jc != null) paths(path + "." + (k + 1), nat, nc, np, jv, jc, jp);
        }
    }

    /** Each run's reads and writes of streams, and its tasks that share a process with other threads. */
    private Map<Event, Integer> nativeStreams = Map.of(), jvisorStreams = Map.of();
    /** The reads of signalfd descriptors in each run (their data is signalfd_siginfo records). */
    private Map<Event, Integer> nativeSignalfdReads = Map.of(), jvisorSignalfdReads = Map.of();
    private Set<Integer> nativeThreads = Set.of();
    /** Each run's writes, by task place: the candidates when several writers fill one pipe. */
    private List<StreamData.Write> nativeWrites = List.of(), jvisorWrites = List.of();
    /** Calls merged from pieces (stream-chunks), with the pieces. */
    private final Map<Event, StreamData.Pieces> merged = new java.util.IdentityHashMap<>();

    /** The asynchronous signals' comparisons, run once every task is paired (their si_pid name other tasks). */
    private final List<Runnable> deferred = new ArrayList<>();

    private void task(String path, Trace nat, Trace.Task n, Trace jv, Trace.Task j) {
        pairPids(n.tid, j.tid);
        events(path, n.tid, n.events, j.tid, j.events);
        int common = Math.min(n.children.size(), j.children.size());
        for (int k = 0; k < common; k++) {
            task(path + "." + (k + 1), nat, nat.get(n.children.get(k)), jv, jv.get(j.children.get(k)));
        }
        for (int k = common; k < Math.max(n.children.size(), j.children.size()); k++) {
            boolean nativeOnly = k < n.children.size();
            int tid = nativeOnly ? n.children.get(k) : j.children.get(k);
            divergences.add(new Divergence(path + "." + (k + 1), "task", "", -1, -1, nativeOnly ? "task " + tid : "",
                    nativeOnly ? "" : "task " + tid, "the task exists only in the " + (nativeOnly ? "native" : "jvisor")
                    + " run", null));
        }
    }

    private boolean pairPids(long nativeId, long jvisorId) {
        Long known = pidToJvisor.get(nativeId);
        if (known != null) return known == jvisorId;
        if (pidToNative.containsKey(jvisorId)) return false;
        pidToJvisor.put(nativeId, jvisorId);
        pidToNative.put(jvisorId, nativeId);
        return true;
    }

    private boolean samePid(long nativeId, long jvisorId, boolean learn) {
        if (nativeId <= 0 || jvisorId <= 0) return nativeId == jvisorId;
        Long known = pidToJvisor.get(nativeId);
        if (known != null) return known == jvisorId;
        return learn && pairPids(nativeId, jvisorId);
    }

    // ---------------------------------------------------------------- events

    /** A task pair's records made ready for alignment, and whether their wait loops went round alike. */
    private record Prepared(List<Event> nat, List<Event> jv, boolean loopsDiffer) {
    }

    /**
     * Takes out of both records what the scheduler places (waits for any child, threads' futex
     * calls, asynchronous signals), compared by what it means once every task is paired, and
     * merges the pieces of stream data.
     */
    private Prepared prepare(String task, long nativeTid, List<Event> nat, long jvisorTid, List<Event> jv) {
        List<Reaping.Wait> nativeWaits = new ArrayList<>(), jvisorWaits = new ArrayList<>();
        nat = Reaping.split(nat, nativeWaits);
        jv = Reaping.split(jv, jvisorWaits);
        boolean loopsDiffer = !Reaping.sameShape(nativeWaits, jvisorWaits);
        if (!nativeWaits.isEmpty() || !jvisorWaits.isEmpty()) deferred.add(() -> reaps(task, nativeWaits, jvisorWaits));
        // strace shows clone3's flags, jvisor's record its pointer: the native run tells the threads.
        if (nativeThreads.contains((int) nativeTid)) {
            List<Event.Call> nativeContended = new ArrayList<>(), jvisorContended = new ArrayList<>();
            nat = Contention.split(nat, nativeContended);
            jv = Contention.split(jv, jvisorContended);
            // After every task is paired: a join's wait names a thread by its id.
            deferred.add(() -> contention(task, nativeContended, jvisorContended));
        }
        List<Event.Signal> nativeAsync = new ArrayList<>(), jvisorAsync = new ArrayList<>();
        List<Boolean> nativeIgnored = new ArrayList<>();
        nat = AsyncSignals.split(nat, nativeTid, nativeAsync, nativeIgnored, new HashMap<>(handlers), Comparison::ignoredBy);
        jv = AsyncSignals.split(jv, jvisorTid, jvisorAsync, null, null, null);
        if (!nativeAsync.isEmpty() || !jvisorAsync.isEmpty()) {
            deferred.add(() -> asyncSignals(task, nativeAsync, nativeIgnored, jvisorAsync));
        }
        nat = StreamData.merge(nat, nativeStreams, merged);
        jv = StreamData.merge(jv, jvisorStreams, merged);
        if (loopsDiffer) {
            List<Event> n = Reaping.withoutUndonePairs(nat), j = Reaping.withoutUndonePairs(jv);
            if (n != nat || j != jv) use(Rule.REAP_TIMING, task, "signal mask and handler changes undone in a wait loop");
            nat = n;
            jv = j;
        }
        return new Prepared(nat, jv, loopsDiffer);
    }

    private void events(String task, long nativeTid, List<Event> nat, long jvisorTid, List<Event> jv) {
        boolean loopsDiffer = false;
        if (!strict) {
            Prepared p = prepare(task, nativeTid, nat, jvisorTid, jv);
            nat = p.nat();
            jv = p.jv();
            loopsDiffer = p.loopsDiffer();
        }
        List<String> nk = new ArrayList<>(), jk = new ArrayList<>();
        for (Event e : nat) nk.add(Event.key(e));
        for (Event e : jv) jk.add(Event.key(e));
        boolean killed = !strict && killedFromOutside(nat, jv);
        for (Alignment.Step s : Alignment.align(nk, jk)) {
            if (s.matched()) {
                for (int k = 0; k < s.nativeCount(); k++) {
                    int ni = s.nativeStart() + k, ji = s.jvisorStart() + k;
                    Event n = nat.get(ni), j = jv.get(ji);
                    // The signal may come while the task's last call runs (it never returns) or after it
                    // returned, and then the other run may have made more calls before its death.
                    if (killed && n instanceof Event.Call nc && j instanceof Event.Call jc && nc.noReturn() != jc.noReturn()
                            && (nc.noReturn() ? ni == nat.size() - 2 : ji == jv.size() - 2)) {
                        use(Rule.KILLED_MIDWAY, task, n);
                        n = new Event.Call(nc.name(), nc.args(), nc.result(), true);
                        j = new Event.Call(jc.name(), jc.args(), jc.result(), true);
                    }
                    pair(task, ni, n, ji, j);
                }
            } else if (killed && s.nativeStart() + s.nativeCount() == nat.size() - 1
                    && s.jvisorStart() + s.jvisorCount() == jv.size() - 1) {
                use(Rule.KILLED_MIDWAY, task, nat.get(nat.size() - 1));
            } else if (loopsDiffer && Reaping.undone(nat, s.nativeStart(), s.nativeStart() + s.nativeCount())
                    && Reaping.undone(jv, s.jvisorStart(), s.jvisorStart() + s.jvisorCount())) {
                use(Rule.REAP_TIMING, task, s.nativeCount() > 0 ? nat.get(s.nativeStart()) : jv.get(s.jvisorStart()));
            } else {
                unmatched(task, nat.subList(s.nativeStart(), s.nativeStart() + s.nativeCount()), s.nativeStart(),
                        jv.subList(s.jvisorStart(), s.jvisorStart() + s.jvisorCount()), s.jvisorStart());
            }
        }
    }

    /** Events only one side has at this point: one divergence per block, explained if every call in it may be extra. */
    private void unmatched(String task, List<Event> nat, int ni, List<Event> jv, int ji) {
        String kind = nat.isEmpty() ? "extra" : jv.isEmpty() ? "missing" : "syscall";
        Rule allowed = strict ? null : unmatchedRule(nat, jv);
        if (allowed != null) {
            use(allowed, task, !nat.isEmpty() ? nat.get(0) : jv.get(0));
            return;
        }
        String explanation = null;
        if (nat.isEmpty() && !strict) {
            StringBuilder why = new StringBuilder();
            for (Event e : jv) {
                SyscallStates.Entry d = e instanceof Event.Call c ? SyscallStates.entry(c.name()) : null;
                if (d == null || !d.shows().contains(SyscallStates.Shows.EXTRA_CALLS)) {
                    why = null;
                    break;
                }
                if (why.indexOf(d.name() + ":") < 0) why.append(why.isEmpty() ? "" : "; ").append(d.name()).append(": ").append(d.detail());
            }
            if (why != null) {
                explanation = why.toString();
                use(Rule.DELIBERATE, task, jv.get(0));
            }
        }
        Event head = !nat.isEmpty() ? nat.get(0) : jv.get(0);
        String first = head instanceof Event.Call c ? c.name() : Event.key(head);
        divergences.add(new Divergence(task, kind, first.startsWith("+++") ? "exit" : first, nat.isEmpty() ? -1 : ni,
                jv.isEmpty() ? -1 : ji, render(nat), render(jv), describe(nat.size(), jv.size()), explanation));
    }

    /** The rule that allows a block of events only one run has (or blocks of different events), or null. */
    private Rule unmatchedRule(List<Event> nat, List<Event> jv) {
        if (allCalls(nat, Set.of("brk")) && allCalls(jv, Set.of("brk"))) return Rule.HEAP_LAYOUT;
        if (allCalls(nat, Rule.RANDOM_SOURCES) && allCalls(jv, Rule.RANDOM_SOURCES) && (calls(nat, "getrandom") || calls(jv, "getrandom"))) {
            return Rule.RANDOM_DRAWS;
        }
        if (jv.isEmpty()) {
            for (Event e : nat) if (!(e instanceof Event.Signal s && ignored(s.signo()))) return null;
            return Rule.IGNORED_SIGNALS;
        }
        return null;
    }

    /**
     * Both runs of the task end killed by the same signal, one that another process sends (not a
     * fault's): where the task was when it came is timing.
     */
    private static boolean killedFromOutside(List<Event> nat, List<Event> jv) {
        if (nat.isEmpty() || jv.isEmpty() || !(nat.get(nat.size() - 1) instanceof Event.Killed n)
                || !(jv.get(jv.size() - 1) instanceof Event.Killed j) || n.signo() != j.signo()) {
            return false;
        }
        return switch (n.signo()) {
            case jvisor.kernel.abi.Signals.SIGSEGV, jvisor.kernel.abi.Signals.SIGBUS, jvisor.kernel.abi.Signals.SIGILL,
                    jvisor.kernel.abi.Signals.SIGFPE, jvisor.kernel.abi.Signals.SIGTRAP, jvisor.kernel.abi.Signals.SIGSYS -> false;
            default -> true;
        };
    }

    private static boolean allCalls(List<Event> events, Set<String> names) {
        for (Event e : events) if (!(e instanceof Event.Call c && names.contains(c.name()))) return false;
        return true;
    }

    private static boolean calls(List<Event> events, String name) {
        for (Event e : events) if (e instanceof Event.Call c && c.name().equals(name)) return true;
        return false;
    }

    /** Handlers the native run installed (rt_sigaction), by signal: to know which signals it ignores. */
    private final Map<Integer, Long> handlers = new HashMap<>();

    private void sigaction(Event.Call n) {
        sigaction(handlers, n);
    }

    /** Notes the handler an rt_sigaction call installed. */
    static void sigaction(Map<Integer, Long> handlers, Event.Call n) {
        if (n.failed() || n.args().size() < 2 || !(n.args().get(0) instanceof Value.Num sig)) return;
        if (n.args().get(1) instanceof Value.Struct act && act.fields().get("sa_handler") instanceof Value.Num h) {
            handlers.put((int) sig.value(), h.value());
        }
    }

    /**
     * The asynchronous signals of a task pair (sent by another process, a timer or the kernel),
     * compared by what they are, not where they arrived: each jvisor signal must match a native one
     * with the same signal and si_code (the siginfo compared field by field), from the same sender
     * where the sender is known; a native one jvisor lacks is allowed only if the program ignored it
     * or it merged with another pending one.
     */
    private void asyncSignals(String task, List<Event.Signal> nat, List<Boolean> nativeIgnored, List<Event.Signal> jv) {
        List<Event.Signal> left = new ArrayList<>(jv);
        List<Event.Signal> unmatched = new ArrayList<>();
        for (int i = 0; i < nat.size(); i++) {
            Event.Signal n = nat.get(i);
            if (nativeIgnored.get(i)) { // jvisor, untraced, discards it
                use(Rule.IGNORED_SIGNALS, task, n);
                continue;
            }
            Event.Signal match = first(left, j -> j.signo() == n.signo() && AsyncSignals.code(j) == AsyncSignals.code(n)
                    && samePid(AsyncSignals.sender(n), AsyncSignals.sender(j), false));
            if (match == null) {
                unmatched.add(n);
                continue;
            }
            left.remove(match);
            use(Rule.ASYNC_SIGNALS, task, n);
            pair(task, -1, n, -1, match);
        }
        // No signal from the same sender: merged with another of its kind, or paired with one from another sender.
        for (Event.Signal n : unmatched) {
            Event.Signal match = first(left, j -> j.signo() == n.signo() && AsyncSignals.code(j) == AsyncSignals.code(n));
            if (merged(n, jv)) {
                use(Rule.ASYNC_SIGNALS, task, n);
            } else if (match != null) {
                left.remove(match);
                use(Rule.ASYNC_SIGNALS, task, n);
                pair(task, -1, n, -1, match);
            } else {
                divergences.add(new Divergence(task, "missing", Names.signal(n.signo()), -1, -1, Render.event(n), "",
                        "an asynchronous signal of the native run has no counterpart under jvisor", null));
            }
        }
        for (Event.Signal j : left) {
            if (merged(j, nat)) {
                use(Rule.ASYNC_SIGNALS, task, j);
                continue;
            }
            divergences.add(new Divergence(task, "extra", Names.signal(j.signo()), -1, -1, "", Render.event(j),
                    "an asynchronous signal under jvisor has no counterpart in the native run", null));
        }
    }

    /**
     * A task's waits for any child (taken out of its record by {@link Reaping}). Waits that both
     * runs made alike, at the same places and reaping the same children, are compared one by one;
     * otherwise child by child (rule wait-order when only the children's order differs, reap-timing
     * when the waits came at other moments): each child reaped in one run is reaped in the other,
     * with the same status, and the failures timing does not explain are the same.
     */
    private void reaps(String task, List<Reaping.Wait> nat, List<Reaping.Wait> jv) {
        boolean shape = Reaping.sameShape(nat, jv);
        if (shape && sameChildren(nat, jv)) {
            for (int i = 0; i < nat.size(); i++) {
                call(task, nat.get(i).index(), nat.get(i).call(), jv.get(i).index(), jv.get(i).call(), true);
            }
            return;
        }
        Rule rule = shape ? Rule.WAIT_ORDER : Rule.REAP_TIMING;
        List<Reaping.Wait> left = new ArrayList<>(), missing = new ArrayList<>();
        for (Reaping.Wait w : jv) if (Reaping.reaped(w.call()) != 0) left.add(w);
        for (Reaping.Wait n : nat) {
            long child = Reaping.reaped(n.call());
            if (child == 0) continue;
            Reaping.Wait match = first(left, j -> samePid(child, Reaping.reaped(j.call()), false));
            if (match == null) {
                missing.add(n);
                continue;
            }
            left.remove(match);
            use(rule, task, n.call());
            reapedAlike(task, n, match);
        }
        for (int k = 0; k < Math.max(missing.size(), left.size()); k++) {
            Reaping.Wait n = k < missing.size() ? missing.get(k) : null, j = k < left.size() ? left.get(k) : null;
            String detail = n == null ? "under jvisor the task reaps a child that it does not reap natively"
                    : j == null ? "natively the task reaps a child that it does not reap under jvisor"
                    : "the task reaps another child in each run, and neither is reaped in the other run";
            divergences.add(new Divergence(task, "result", (n != null ? n : j).call().name(), n != null ? n.index() : -1,
                    j != null ? j.index() : -1, n != null ? Render.event(n.call()) : "", j != null ? Render.event(j.call()) : "",
                    detail, null));
        }
        // Errors other than ECHILD and an interruption are no matter of timing: each must be in both runs.
        List<Reaping.Wait> nativeErrors = new ArrayList<>();
        for (Reaping.Wait n : nat) if (n.call().failed() && !Reaping.timingFailure(n.call())) nativeErrors.add(n);
        for (Reaping.Wait j : jv) {
            if (!j.call().failed() || Reaping.timingFailure(j.call())) continue;
            Reaping.Wait same = first(nativeErrors, n -> n.call().result() == j.call().result());
            if (same != null) {
                nativeErrors.remove(same);
            } else {
                divergences.add(new Divergence(task, "errno", j.call().name(), -1, j.index(), "", Render.event(j.call()),
                        "a wait fails under jvisor with an error no wait of the native run's task gives", null));
            }
        }
        for (Reaping.Wait n : nativeErrors) {
            divergences.add(new Divergence(task, "errno", n.call().name(), n.index(), -1, Render.event(n.call()), "",
                    "a wait fails natively with an error no wait of the jvisor run's task gives", null));
        }
    }

    /** The first element that matches, or null. */
    private static <T> T first(List<T> list, java.util.function.Predicate<T> matches) {
        for (T t : list) if (matches.test(t)) return t;
        return null;
    }

    private boolean sameChildren(List<Reaping.Wait> nat, List<Reaping.Wait> jv) {
        for (int i = 0; i < nat.size(); i++) {
            long n = Reaping.reaped(nat.get(i).call()), j = Reaping.reaped(jv.get(i).call());
            if ((n == 0) != (j == 0) || (n != 0 && !samePid(n, j, false))) return false;
        }
        return true;
    }

    /** Two waits (of any options, at any place) that reaped the same child: the status must be the same. */
    private void reapedAlike(String task, Reaping.Wait n, Reaping.Wait j) {
        pairedCalls++;
        covered.merge(n.call().name(), 1, Integer::sum);
        int status = n.call().name().equals("waitid") ? 2 : 1;
        List<String> diffs = new ArrayList<>();
        if (n.call().args().size() > status && j.call().args().size() > status) {
            value(new Where(n.call().name(), "arg" + status, true), n.call().args().get(status), j.call().args().get(status),
                    diffs, task);
        }
        if (!diffs.isEmpty()) {
            divergences.add(new Divergence(task, "args", n.call().name(), n.index(), j.index(), Render.event(n.call()),
                    Render.event(j.call()), "the same child reaped with another status: " + String.join("; ", diffs), null));
        }
    }

    /**
     * The futex waits and wakes and sched_yield calls of a thread (taken out of its record by
     * {@link Contention}): compared one by one if both runs made the same, otherwise checked for
     * results the kernel can give (rule futex-contention).
     */
    private void contention(String task, List<Event.Call> nat, List<Event.Call> jv) {
        if (Contention.sameCalls(nat, jv)) {
            int before = divergences.size();
            // Compared, but not coverage: whether the runs happened to contend alike is the
            // scheduler's doing, and the coverage table must come out the same from run to run.
            for (int i = 0; i < nat.size(); i++) call(task, -1, nat.get(i), -1, jv.get(i), false);
            if (divergences.size() == before) return;
            // As many calls, but on other words or values: which thread a join found still running,
            // which lock was taken, is the scheduler's doing too.
            divergences.subList(before, divergences.size()).clear();
        }
        use(Rule.FUTEX_CONTENTION, task, !nat.isEmpty() ? nat.get(0) : jv.get(0));
        for (Event.Call j : jv) {
            String wrong = Contention.impossible(j);
            if (wrong != null) divergences.add(new Divergence(task, "result", j.name(), -1, -1, "", Render.event(j), wrong, null));
        }
    }

    /**
     * A standard signal (below SIGRTMIN) sent while one is pending is merged into it (it is not
     * queued twice): how many arrive depends on timing, so one run may have fewer, as long as the
     * other run's task got that signal too.
     */
    private static boolean merged(Event.Signal s, List<Event.Signal> otherRun) {
        if (s.signo() >= 32) return false;
        for (Event.Signal o : otherRun) if (o.signo() == s.signo()) return true;
        return false;
    }

    private static boolean ignoredBy(Map<Integer, Long> handlers, int signo) {
        long h = handlers.getOrDefault(signo, jvisor.kernel.abi.Signals.SIG_DFL);
        return h == jvisor.kernel.abi.Signals.SIG_IGN || (h == jvisor.kernel.abi.Signals.SIG_DFL
                && jvisor.kernel.abi.Signals.defaultAction(signo) == jvisor.kernel.abi.Signals.DefaultAction.IGNORE);
    }

    private boolean ignored(int signo) {
        long h = handlers.getOrDefault(signo, jvisor.kernel.abi.Signals.SIG_DFL);
        return h == jvisor.kernel.abi.Signals.SIG_IGN || (h == jvisor.kernel.abi.Signals.SIG_DFL
                && jvisor.kernel.abi.Signals.defaultAction(signo) == jvisor.kernel.abi.Signals.DefaultAction.IGNORE);
    }

    // ---------------------------------------------------------------- brk

    /** The break each run last reported. */
    private long nativeBreak, jvisorBreak;

    /**
     * brk: the request is the program's (malloc's), the answer the kernel's. Compared is the answer:
     * the break reported for a query, the request granted or refused; the addresses may differ.
     */
    private String brk(String task, Event.Call n, Event.Call j) {
        long na = arg(n, 0), ja = arg(j, 0), nr = n.result(), jr = j.result();
        String nc = breakAnswer(na, nr, nativeBreak), jc = breakAnswer(ja, jr, jvisorBreak);
        nativeBreak = nr;
        jvisorBreak = jr;
        if (!nc.equals(jc)) return "brk " + nc + " natively, " + jc + " under jvisor";
        if (na == ja && nr == jr) return null;
        if (strict) return "brk(" + Long.toHexString(na) + ") = " + Long.toHexString(nr) + " natively, brk("
                + Long.toHexString(ja) + ") = " + Long.toHexString(jr) + " under jvisor";
        use(sameBreak(nr, jr) ? Rule.BRK_ADDRESSES : Rule.HEAP_LAYOUT, task, "brk");
        return null;
    }

    private static String breakAnswer(long request, long result, long previous) {
        if (request == 0) return previous == 0 || result == previous ? "reported the break" : "reported a moved break";
        return result == request ? "granted the request" : "refused the request";
    }

    private static long arg(Event.Call c, int i) {
        if (c.args().size() <= i) return 0;
        return switch (c.args().get(i)) {
            case Value.Num v -> v.value();
            case Value.Addr v -> v.value();
            default -> 0;
        };
    }

    private static String describe(int nativeCount, int jvisorCount) {
        if (jvisorCount == 0) return nativeCount + " event(s) of the native run have no counterpart under jvisor";
        if (nativeCount == 0) return jvisorCount + " event(s) under jvisor have no counterpart in the native run";
        return "the native run has " + nativeCount + " event(s) where jvisor has " + jvisorCount + " others";
    }

    private static String render(List<Event> events) {
        StringBuilder sb = new StringBuilder();
        int shown = Math.min(events.size(), 8);
        for (int k = 0; k < shown; k++) {
            if (k > 0) sb.append('\n');
            sb.append(Render.event(events.get(k)));
        }
        if (events.size() > shown) sb.append("\n... ").append(events.size() - shown).append(" more");
        return sb.toString();
    }

    private void pair(String task, int ni, Event n, int ji, Event j) {
        switch (n) {
            case Event.Call nc when j instanceof Event.Call jc -> call(task, ni, nc, ji, jc, true);
            case Event.Signal ns when j instanceof Event.Signal js -> {
                List<String> diffs = new ArrayList<>();
                Where w = new Where(Names.signal(ns.signo()), "siginfo", true);
                value(w, ns.info(), js.info(), diffs, task);
                if (!diffs.isEmpty()) {
                    divergences.add(new Divergence(task, "signal", Names.signal(ns.signo()), ni, ji, Render.event(n),
                            Render.event(j), String.join("; ", diffs), null));
                }
            }
            default -> {
                if (!Render.event(n).equals(Render.event(j))) {
                    divergences.add(new Divergence(task, "exit", "exit", ni, ji, Render.event(n), Render.event(j),
                            "the process ended differently", null));
                }
            }
        }
    }

    // ---------------------------------------------------------------- calls

    /** Where a value sits: the syscall, the part (argN, result, siginfo, stdout) and the field path in it. */
    record Where(String syscall, String part, boolean output, ArgFormat format, List<String> fields, boolean directory,
            boolean absoluteTime, boolean pidValues) {
        Where(String syscall, String part, boolean output) {
            this(syscall, part, output, null, List.of(), false, false, false);
        }

        Where field(String name) {
            List<String> f = new ArrayList<>(fields);
            f.add(name);
            return new Where(syscall, part, output, format, f, directory, absoluteTime, pidValues);
        }

        /** Inside a stat or statx structure of a directory. */
        Where ofDirectory() {
            return new Where(syscall, part, output, format, fields, true, absoluteTime, pidValues);
        }

        String last() {
            return fields.isEmpty() ? "" : fields.get(fields.size() - 1);
        }

        String path() {
            return fields.isEmpty() ? part : part + "." + String.join(".", fields);
        }

        int argIndex() {
            return part.startsWith("arg") ? Integer.parseInt(part.substring(3)) : -1;
        }
    }

    /** Compares a pair of calls; countsAsCoverage: the pairing is the program's, not the scheduler's. */
    private void call(String task, int ni, Event.Call n, int ji, Event.Call j, boolean countsAsCoverage) {
        pairedCalls++;
        // The first execve is the program's start (jvisor's record makes it up from the initial stack); a
        // call that a death cut short (it never returned, and is no exit) compared nothing it gives back.
        boolean cutShort = (n.noReturn() || j.noReturn()) && !n.name().equals("exit") && !n.name().equals("exit_group");
        if (countsAsCoverage && !(ni == 0 && ji == 0 && n.name().equals("execve")) && !cutShort) covered.merge(n.name(), 1, Integer::sum);
        if (n.name().equals("rt_sigaction")) sigaction(n);
        if (n.name().equals("brk")) {
            comparedValues += 2;
            String d = brk(task, n, j);
            if (d != null) divergences.add(new Divergence(task, "result", "brk", ni, ji, Render.event(n), Render.event(j), d, null));
            return;
        }
        SyscallEntry entry = entry(n.name());
        ArgFormat[] formats = entry != null ? entry.args() : new ArgFormat[0];
        List<String> argDiffs = new ArrayList<>(), dataDiffs = new ArrayList<>();
        int nargs = Math.min(n.args().size(), j.args().size());
        // strace leaves out trailing arguments (open's mode, fcntl's argument) and, in the middle,
        // only the high half of a split offset: the registers of the shown arguments, in order.
        int[] shown = new int[formats.length];
        int count = 0;
        for (int r = 0; r < formats.length; r++) if (formats[r] != ArgFormat.OFFSET_HIGH) shown[count++] = r;
        for (int i = 0; i < nargs; i++) {
            int reg = i < count ? shown[i] : i;
            ArgFormat f = reg < formats.length ? formats[reg] : ArgFormat.HEX;
            boolean output = GuestValues.isOutput(f);
            Where w = new Where(n.name(), "arg" + reg, output, f, List.of(), false, absoluteTime(n), Rule.pidIoctl(n));
            boolean data = isData(f);
            value(w, n.args().get(i), j.args().get(i), data ? dataDiffs : argDiffs, task);
        }
        String resultDiff = result(task, n, j, entry);
        if (!strict && (merged.containsKey(n) || merged.containsKey(j)) && !pieces(n).equals(pieces(j))) {
            use(Rule.STREAM_CHUNKS, task, j);
        }
        Integer nativeStream = streamRead(n, nativeStreams), jvisorStream = streamRead(j, jvisorStreams);
        if (!strict && resultDiff == null && argDiffs.isEmpty() && !dataDiffs.isEmpty() && nativeStream != null
                && jvisorStream != null && n.args().get(1) instanceof Value.Str ns && j.args().get(1) instanceof Value.Str js
                && StreamData.sameWritesReordered(ns.bytes(), js.bytes(), into(nativeWrites, nativeStream, task),
                        into(jvisorWrites, jvisorStream, task))) {
            use(Rule.CONCURRENT_WRITERS, task, n);
            dataDiffs.clear();
        }
        if (!strict && resultDiff == null && argDiffs.isEmpty() && !dataDiffs.isEmpty()
                && nativeSignalfdReads.containsKey(n) && jvisorSignalfdReads.containsKey(j)
                && n.args().get(1) instanceof Value.Str ns && j.args().get(1) instanceof Value.Str js
                && sameSignalfdRecords(task, ns, js)) {
            dataDiffs.clear();
        }
        String kind = resultDiff != null ? (n.failed() || j.failed() ? "errno" : "result")
                : !argDiffs.isEmpty() ? "args" : !dataDiffs.isEmpty() ? "data" : null;
        if (kind == null) return;
        if (kind.equals("errno") && !(n.failed() && j.failed())) kind = "result";
        List<String> all = new ArrayList<>();
        if (resultDiff != null) all.add(resultDiff);
        all.addAll(argDiffs);
        all.addAll(dataDiffs);
        String explanation = null;
        SyscallStates.Entry d = strict ? null : SyscallStates.entry(n.name());
        if (d != null && d.state() == SyscallStates.State.DELIBERATE) {
            boolean resultOk = resultDiff == null || d.shows().contains(SyscallStates.Shows.RESULT);
            boolean outputOk = (argDiffs.isEmpty() && dataDiffs.isEmpty()) || d.shows().contains(SyscallStates.Shows.OUTPUT);
            if (resultOk && outputOk) {
                explanation = d.detail();
                use(Rule.DELIBERATE, task, j);
            }
        }
        divergences.add(new Divergence(task, kind, n.name(), ni, ji, Render.event(n), Render.event(j),
                String.join("; ", all), explanation));
    }

    /** The pieces a call's bytes came in: a merged call's, or the call's own result. */
    private List<Long> pieces(Event.Call c) {
        StreamData.Pieces p = merged.get(c);
        return p != null ? p.sizes() : List.of(c.result());
    }

    /** The stream a call reads (merged from pieces, or one read), or null if it reads none. */
    private Integer streamRead(Event.Call c, Map<Event, Integer> streams) {
        if (!StreamData.isRead(c) || c.args().size() < 2) return null;
        StreamData.Pieces p = merged.get(c);
        return p != null ? Integer.valueOf(p.stream()) : streams.get(c);
    }

    /** The writes into the stream by every task but this one. */
    private static List<StreamData.Write> into(List<StreamData.Write> writes, int stream, String task) {
        List<StreamData.Write> out = new ArrayList<>();
        for (StreamData.Write w : writes) if (w.stream() == stream && !w.task().equals(task)) out.add(w);
        return out;
    }

    /** clock_nanosleep, timer_settime and timerfd_settime with TIMER_ABSTIME: their times are clock readings. */
    private static boolean absoluteTime(Event.Call c) {
        return switch (c.name()) {
            case "clock_nanosleep", "timer_settime", "timerfd_settime" -> (arg(c, 1) & 1) != 0;
            default -> false;
        };
    }

    private static boolean isData(ArgFormat f) {
        return switch (f) {
            case BUF_IN, BUF_OUT, BUF_OUT_HEX, IOVEC_IN, IOVEC_OUT -> true;
            default -> false;
        };
    }

    private SyscallEntry entry(String name) {
        try {
            return table.get(table.number(name));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** Null if the results agree (or a rule allows the difference), else what differs. */
    private String result(String task, Event.Call n, Event.Call j, SyscallEntry entry) {
        if (n.noReturn() || j.noReturn()) {
            return n.noReturn() == j.noReturn() ? null : "one call returned, the other did not";
        }
        comparedValues++;
        long nr = n.result(), jr = j.result();
        if (nr == jr) return null;
        if (!strict && n.name().equals("rt_sigreturn")) {
            // Not an error even when it looks like one: the rax of the interrupted code, which may
            // be the -EAGAIN a futex wait had just returned when the signal struck.
            use(Rule.INTERRUPTED_REGISTERS, task, "rt_sigreturn result");
            return null;
        }
        if (n.failed() || j.failed()) {
            return "result " + Render.result(n) + " natively, " + Render.result(j) + " under jvisor";
        }
        String name = n.name();
        if (!strict) {
            Rule r = null;
            if (Rule.MMAP_SYSCALLS.contains(name) && entry != null && entry.ret() == ArgFormat.RET_HEX) r = Rule.MMAP_ADDRESSES;
            else if (Rule.PID_RESULTS.contains(name) && samePid(nr, jr, Rule.PID_LEARNING.contains(name) || Trace.createsTask(name))) r = Rule.PIDS;
            else if (Rule.TIME_OUTPUTS.contains(name)) r = Rule.TIMES;
            else if (linkOfAnonInode(n, j)) r = Rule.INODE_NUMBERS;
            else if (linkWithPid(n, j)) r = Rule.PIDS;
            if (r != null) {
                use(r, task, name + " result");
                return null;
            }
        }
        return "result " + Render.result(n) + " natively, " + Render.result(j) + " under jvisor";
    }

    // ---------------------------------------------------------------- values

    /** Compares one value; adds a description of every difference no rule allows to diffs. */
    private void value(Where w, Value n, Value j, List<String> diffs, String task) {
        if (n instanceof Value.Other || j instanceof Value.Other) {
            uncomparedValues++;
            return;
        }
        // A pointer of jvisor's record: strace printed a number (or NULL).
        if (j instanceof Value.Addr ja && (n instanceof Value.Num || n instanceof Value.Addr)) {
            comparedValues++;
            long nv = n instanceof Value.Num nn ? nn.value() : ((Value.Addr) n).value();
            if (nv == ja.value()) return;
            if (!strict && userAddress(nv) && userAddress(ja.value())) {
                use(addressRule(w), task, w.syscall() + " " + w.path());
                return;
            }
            diffs.add(w.path() + ": " + Value.render(n) + " natively, " + Value.render(j) + " under jvisor");
            return;
        }
        if (n instanceof Value.Num nn && j instanceof Value.Num jn) {
            comparedValues++;
            if (sameNumber(nn.value(), jn.value())) return;
            Rule r = strict ? null : numberRule(w, nn.value(), jn.value());
            if (r != null) {
                use(r, task, w.syscall() + " " + w.path());
                return;
            }
            diffs.add(w.path() + ": " + Value.render(n) + " natively, " + Value.render(j) + " under jvisor");
            return;
        }
        if (n instanceof Value.Str ns && j instanceof Value.Str js) {
            comparedValues++;
            if (sameBytes(ns, js.bytes())) return;
            if (!strict) {
                if (w.syscall().equals("getrandom")) {
                    use(Rule.RANDOM_BYTES, task, "getrandom");
                    return;
                }
                if (sameBytes(ns, replacePids(js.bytes()))) {
                    use(Rule.PIDS, task, w.syscall() + " " + w.path());
                    return;
                }
                if (ns.bytes().length == 2 && js.bytes().length == 2 && samePort(w, ns.bytes(), js.bytes())) {
                    use(Rule.PORTS, task, w.syscall() + " " + w.path());
                    return;
                }
                if (!ns.truncated() && sameTempNames(ns.bytes(), js.bytes())) {
                    use(Rule.TEMP_NAMES, task, w.syscall() + " " + w.path());
                    return;
                }
                if (!ns.truncated() && anonInodes(ns.bytes()).equals(anonInodes(js.bytes()))) {
                    use(Rule.INODE_NUMBERS, task, w.syscall() + " " + w.path());
                    return;
                }
                if (!ns.truncated() && sameButTarTimes(ns.bytes(), js.bytes())) {
                    use(Rule.TIMES, task, w.syscall() + " " + w.path());
                    return;
                }
                if (!ns.truncated() && sameButClockTimes(ns.bytes(), js.bytes())) {
                    use(Rule.TIMES, task, w.syscall() + " " + w.path());
                    return;
                }
            }
            diffs.add(w.path() + ": " + firstDifference(ns, js));
            return;
        }
        if (n instanceof Value.Struct ns && j instanceof Value.Struct js) {
            Value mode = ns.fields().containsKey("st_mode") ? ns.fields().get("st_mode") : ns.fields().get("stx_mode");
            Where inner = mode instanceof Value.Num m && (m.value() & S_IFMT) == S_IFDIR ? w.ofDirectory() : w;
            for (Map.Entry<String, Value> e : ns.fields().entrySet()) {
                Value jf = js.fields().get(e.getKey());
                if (jf != null) value(inner.field(e.getKey()), e.getValue(), jf, diffs, task);
            }
            return;
        }
        Value.Bits nb = w.pidValues() ? null : bits(n), jb = w.pidValues() ? null : bits(j);
        if (nb != null && jb != null) {
            comparedValues++;
            boolean same = nb.complement() || jb.complement() ? nb.sigmask() == jb.sigmask() : nb.set().equals(jb.set());
            if (!same) diffs.add(w.path() + ": " + Value.render(n) + " natively, " + Value.render(j) + " under jvisor");
            return;
        }
        if (n instanceof Value.Arr na && j instanceof Value.Arr ja) {
            if (na.items().size() != ja.items().size()) {
                comparedValues++;
                diffs.add(w.path() + ": " + na.items().size() + " elements natively, " + ja.items().size() + " under jvisor");
                return;
            }
            for (int k = 0; k < na.items().size(); k++) value(w.field("[" + k + "]"), na.items().get(k), ja.items().get(k), diffs, task);
            return;
        }
        uncomparedValues++;
    }

    /** A set, or an array of small numbers (strace prints a one-member set as [10]), or null. */
    static Value.Bits bits(Value v) {
        if (v instanceof Value.Bits b) return b;
        if (!(v instanceof Value.Arr a)) return null;
        java.util.BitSet s = new java.util.BitSet();
        for (Value x : a.items()) {
            if (!(x instanceof Value.Num n) || n.value() < 0 || n.value() > 1024) return null;
            s.set((int) n.value());
        }
        return new Value.Bits(s, false);
    }

    /**
     * strace prints an int argument in its 32 bits (0xffffffff for -1) and a long in 64: a native
     * number that fits in 32 bits is compared with the low 32 bits of jvisor's.
     */
    static boolean sameNumber(long nativeValue, long jvisorValue) {
        if (nativeValue == jvisorValue) return true;
        boolean fits32 = nativeValue >= Integer.MIN_VALUE && nativeValue <= 0xFFFFFFFFL;
        return fits32 && (int) nativeValue == (int) jvisorValue;
    }

    /** Not NULL and not a small number that a pointer argument may carry (SIG_IGN, a count). */
    private static boolean userAddress(long v) {
        return v >= 0x10000;
    }

    private static Rule addressRule(Where w) {
        if (w.syscall().equals("brk")) return Rule.BRK_ADDRESSES;
        if (Rule.MMAP_SYSCALLS.contains(w.syscall())) return Rule.MMAP_ADDRESSES;
        return Rule.ADDRESSES;
    }

    private static final int S_IFMT = 0170000, S_IFDIR = 0040000;

    private Rule numberRule(Where w, long n, long j) {
        String field = w.last();
        // A directory's size and link count are the file system's way of counting its entries
        // (tmpfs counts them, ext4 in blocks; btrfs gives every directory one link), and jvisor's
        // /tmp holds other entries than the host's.
        if (Rule.layoutField(field) || (w.directory() && (field.equals("st_size") || field.equals("stx_size")
                || field.equals("st_nlink") || field.equals("stx_nlink")))) {
            return Rule.FILE_SYSTEM_LAYOUT;
        }
        if (w.fields().isEmpty() && Rule.pidArgument(w.syscall(), w.argIndex()) && samePid(n, j, false)) return Rule.PIDS;
        if (field.equals("si_pid") && samePid(n, j, false)) return Rule.PIDS;
        if (w.pidValues() && samePid(n, j, false)) return Rule.PIDS;
        if (Rule.inodeField(field)) return Rule.INODE_NUMBERS;
        if (Rule.deviceField(field)) return Rule.DEVICE_NUMBERS;
        for (String f : w.fields()) if (Rule.timeField(f)) return Rule.TIMES;
        if (w.absoluteTime() && (field.equals("tv_sec") || field.equals("tv_nsec"))) return Rule.TIMES;
        if (w.output() && Rule.TIME_OUTPUTS.contains(w.syscall())) return Rule.TIMES;
        if (w.syscall().equals("sysinfo") && !w.fields().isEmpty() && Rule.systemLoadField(w.fields().get(0))) {
            return Rule.SYSTEM_LOAD;
        }
        if (w.syscall().equals("arch_prctl") && userAddress(n) && userAddress(j)) return Rule.ADDRESSES;
        return null;
    }

    private static boolean sameBytes(Value.Str n, byte[] j) {
        byte[] nb = n.bytes();
        if (n.truncated()) return j.length >= nb.length && Arrays.equals(nb, 0, nb.length, j, 0, nb.length);
        return Arrays.equals(nb, j);
    }

    /** struct signalfd_siginfo: its size, and where ssi_signo, ssi_pid and ssi_utime, ssi_stime sit. */
    private static final int SIGNALFD_RECORD = 128, SSI_PID = 12, SSI_UTIME = 56, SSI_STIME_END = 72;

    /**
     * Whether the records a read from a signalfd returned agree once each sender's pid (ssi_pid) is
     * taken through the pairing of ids and, for SIGCHLD, the child's CPU times may differ: all
     * other bytes as read (as far as the native record shows them). Counts the rules it needed.
     */
    private boolean sameSignalfdRecords(String task, Value.Str n, Value.Str j) {
        byte[] nb = n.bytes(), jb = j.bytes();
        if (jb.length < nb.length || (!n.truncated() && jb.length != nb.length)) return false;
        boolean pids = false, times = false;
        for (int at = 0; at < nb.length; at += SIGNALFD_RECORD) {
            int end = Math.min(nb.length, at + SIGNALFD_RECORD);
            boolean child = end - at >= 4 && le32(nb, at) == Signals.SIGCHLD;
            for (int k = at; k < end; k++) {
                int off = k - at;
                if (off == SSI_PID && end - at >= SSI_PID + 4) {
                    long np = le32(nb, k) & 0xFFFFFFFFL, jp = le32(jb, k) & 0xFFFFFFFFL;
                    if (!samePid(np, jp, true)) return false;
                    pids |= np != jp;
                    k += 3;
                } else if (child && off >= SSI_UTIME && off < SSI_STIME_END) {
                    times |= nb[k] != jb[k];
                } else if (nb[k] != jb[k]) {
                    return false;
                }
            }
        }
        if (pids) use(Rule.PIDS, task, "read of a signalfd: ssi_pid");
        if (times) use(Rule.TIMES, task, "read of a signalfd: ssi_utime, ssi_stime");
        return true;
    }

    private static int le32(byte[] b, int at) {
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8 | (b[at + 2] & 0xff) << 16 | (b[at + 3] & 0xff) << 24;
    }

    /** jvisor's bytes with each jvisor id written in decimal replaced by the native id it stands for. */
    private byte[] replacePids(byte[] data) {
        if (pidToNative.isEmpty()) return data;
        String s = new String(data, StandardCharsets.ISO_8859_1);
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c >= '0' && c <= '9' && (i == 0 || !Character.isDigit(s.charAt(i - 1)))) {
                int end = i;
                while (end < s.length() && Character.isDigit(s.charAt(end))) end++;
                String digits = s.substring(i, end);
                Long nat = digits.length() < 12 ? pidToNative.get(Long.parseLong(digits)) : null;
                out.append(nat != null && Long.parseLong(digits) > 1 ? nat.toString() : digits);
                i = end;
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Native port to jvisor's, and back (ports the host chose, learned from the addresses the kernel returns). */
    private final Map<Integer, Integer> portToJvisor = new HashMap<>(), portToNative = new HashMap<>();

    /**
     * A port field of a socket address (sin_port, sin6_port) or data that is exactly two bytes:
     * true if the native port stands for the jvisor port. Pairs are learned from addresses the
     * kernel returns (outputs); an address the program passes, or data, must use a known pair.
     */
    private boolean samePort(Where w, byte[] n, byte[] j) {
        String field = w.last();
        boolean portField = field.equals("sin_port") || field.equals("sin6_port");
        boolean data = w.fields().isEmpty() && w.format() != null && isData(w.format());
        if (!portField && !data) return false;
        int np = ((n[0] & 0xFF) << 8) | (n[1] & 0xFF), jp = ((j[0] & 0xFF) << 8) | (j[1] & 0xFF);
        if (np == 0 || jp == 0) return false;
        Integer known = portToJvisor.get(np);
        if (known != null) return known == jp;
        if (!portField || !w.output() || portToNative.containsKey(jp)) return false;
        portToJvisor.put(np, jp);
        portToNative.put(jp, np);
        return true;
    }

    /** Native mkstemp suffix to jvisor's, and back. */
    private final Map<String, String> tempToJvisor = new HashMap<>(), tempToNative = new HashMap<>();

    /** Length of the random part of mkstemp's template (XXXXXX). */
    private static final int TEMP_SUFFIX = 6;

    /**
     * True if the strings differ only in the last six characters of letter-and-digit runs (the X's
     * of an mkstemp template), each such native name always paired with the same jvisor name.
     */
    private boolean sameTempNames(byte[] a, byte[] b) {
        if (a.length != b.length) return false;
        Map<String, String> pairs = new HashMap<>();
        int k = 0;
        while (k < a.length) {
            if (a[k] == b[k]) {
                k++;
                continue;
            }
            if (!alnum(a[k]) || !alnum(b[k])) return false;
            int end = k;
            while (end < a.length && alnum(a[end]) && alnum(b[end])) end++;
            if (end < a.length && (alnum(a[end]) || alnum(b[end]))) return false;
            int start = end - TEMP_SUFFIX;
            if (start < 0 || k < start) return false;
            for (int i = start; i < end; i++) if (!alnum(a[i]) || !alnum(b[i])) return false;
            // Six random letters and digits are all digits once in 50,000 names: digits alone are a number.
            if (!letter(a, start, end) && !letter(b, start, end)) return false;
            pairs.put(new String(a, start, TEMP_SUFFIX, StandardCharsets.ISO_8859_1),
                    new String(b, start, TEMP_SUFFIX, StandardCharsets.ISO_8859_1));
            k = end;
        }
        for (Map.Entry<String, String> e : pairs.entrySet()) {
            String known = tempToJvisor.get(e.getKey());
            if (known != null ? !known.equals(e.getValue()) : tempToNative.containsKey(e.getValue())) return false;
        }
        pairs.forEach((x, y) -> {
            tempToJvisor.put(x, y);
            tempToNative.put(y, x);
        });
        return true;
    }

    private static boolean letter(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) if ((b[i] >= 'a' && b[i] <= 'z') || (b[i] >= 'A' && b[i] <= 'Z')) return true;
        return false;
    }

    private static boolean alnum(byte c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    private static final java.util.regex.Pattern CLOCK_TIME = java.util.regex.Pattern.compile("(?<![0-9:])([01][0-9]|2[0-3]):([0-5][0-9])(?::([0-5][0-9]))?(?![0-9:])");
    /** How far apart the two runs' clock times shown in text may be (the runs follow each other). */
    private static final int CLOCK_TIME_SLACK_SECONDS = 600;

    /**
     * True if the texts differ only in times of day ("21:50", "21:50:07", as ls -l and date show
     * a file's or the clock's time) that lie at most ten minutes apart: the native run comes after
     * jvisor's, and a timestamp taken in each may fall in another minute.
     */
    static boolean sameButClockTimes(byte[] a, byte[] b) {
        if (a.length != b.length || Arrays.equals(a, b)) return false;
        String x = new String(a, StandardCharsets.ISO_8859_1), y = new String(b, StandardCharsets.ISO_8859_1);
        boolean[] covered = new boolean[a.length];
        java.util.regex.Matcher m = CLOCK_TIME.matcher(x);
        while (m.find()) {
            java.util.regex.Matcher o = CLOCK_TIME.matcher(y).region(m.start(), y.length());
            if (!o.lookingAt() || o.end() != m.end() || Math.abs(seconds(m) - seconds(o)) > CLOCK_TIME_SLACK_SECONDS) continue;
            for (int k = m.start(); k < m.end(); k++) covered[k] = true;
        }
        for (int k = 0; k < a.length; k++) if (a[k] != b[k] && !covered[k]) return false;
        return true;
    }

    /** A ustar header (POSIX.1-1988, pax(1)): 512 bytes, mtime[12] at 136, chksum[8] at 148, magic "ustar" at 257. */
    private static final int TAR_BLOCK = 512, TAR_MTIME = 136, TAR_CHKSUM = 148, TAR_CHKSUM_END = 156, TAR_MAGIC = 257;

    /**
     * True if the data differ only in the mtime of tar headers and the checksums that cover it: an
     * archive of files each run created at its own moment. Every differing byte lies in the mtime
     * or chksum field of a 512-byte block that is a ustar header with a correct checksum in both.
     */
    static boolean sameButTarTimes(byte[] a, byte[] b) {
        if (a.length != b.length || a.length < TAR_BLOCK || Arrays.equals(a, b)) return false;
        for (int k = 0; k < a.length; k++) {
            if (a[k] == b[k]) continue;
            int block = k - k % TAR_BLOCK, at = k - block;
            if (at < TAR_MTIME || at >= TAR_CHKSUM_END || !tarHeader(a, block) || !tarHeader(b, block)) return false;
        }
        return true;
    }

    private static boolean tarHeader(byte[] d, int block) {
        if (block + TAR_BLOCK > d.length) return false;
        byte[] magic = "ustar".getBytes(StandardCharsets.ISO_8859_1);
        if (!Arrays.equals(d, block + TAR_MAGIC, block + TAR_MAGIC + magic.length, magic, 0, magic.length)) return false;
        long sum = 0;
        for (int i = 0; i < TAR_BLOCK; i++) sum += i >= TAR_CHKSUM && i < TAR_CHKSUM_END ? ' ' : d[block + i] & 0xFF;
        String field = new String(d, block + TAR_CHKSUM, TAR_CHKSUM_END - TAR_CHKSUM, StandardCharsets.ISO_8859_1)
                .replace('\0', ' ').trim();
        try {
            return !field.isEmpty() && Long.parseLong(field, 8) == sum;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static int seconds(java.util.regex.Matcher m) {
        int s = Integer.parseInt(m.group(1)) * 3600 + Integer.parseInt(m.group(2)) * 60;
        return m.group(3) != null ? s + Integer.parseInt(m.group(3)) : s;
    }

    private static final java.util.regex.Pattern ANON_INODE = java.util.regex.Pattern.compile("(pipe|socket):\\[\\d+\\]");

    /**
     * readlink of a /proc/self/fd link that names a pipe or a socket by its inode ("pipe:[4711]"):
     * its length, the result, follows the number of digits.
     */
    private static boolean linkOfAnonInode(Event.Call n, Event.Call j) {
        Value.Str ns = link(n), js = link(j);
        return ns != null && js != null && anonInodes(ns.bytes()).equals(anonInodes(js.bytes()))
                && ANON_INODE.matcher(new String(ns.bytes(), StandardCharsets.ISO_8859_1)).find();
    }

    /**
     * readlink of a link that names a process ("/proc/self" is "4711"): its length, the result,
     * follows the number of digits of the pid, which differs from run to run.
     */
    private boolean linkWithPid(Event.Call n, Event.Call j) {
        Value.Str ns = link(n), js = link(j);
        return ns != null && js != null && Arrays.equals(replacePids(js.bytes()), ns.bytes());
    }

    /** The whole target a successful readlink(2) or readlinkat(2) returned, else null. */
    private static Value.Str link(Event.Call c) {
        int buf = switch (c.name()) {
            case "readlink" -> 1;
            case "readlinkat" -> 2;
            default -> -1;
        };
        if (buf < 0 || c.args().size() <= buf || !(c.args().get(buf) instanceof Value.Str str)) return null;
        return !str.truncated() && str.bytes().length == c.result() ? str : null;
    }

    /** The text with the inode numbers of pipes and sockets ("pipe:[4711]", as /proc/self/fd shows them) blanked. */
    private static String anonInodes(byte[] b) {
        return ANON_INODE.matcher(new String(b, StandardCharsets.ISO_8859_1)).replaceAll("$1:[]");
    }

    private static String firstDifference(Value.Str n, Value.Str j) {
        byte[] a = n.bytes(), b = j.bytes();
        int k = 0;
        while (k < a.length && k < b.length && a[k] == b[k]) k++;
        if (k == a.length && k == b.length) return "the native bytes are cut at " + a.length;
        String at = a.length != b.length ? a.length + " bytes natively, " + b.length + " under jvisor; " : "";
        return at + "first difference at byte " + k + ": " + Value.render(slice(a, k)) + " natively, "
                + Value.render(slice(b, k)) + " under jvisor";
    }

    private static Value.Str slice(byte[] b, int from) {
        int start = Math.max(0, from - 8);
        return new Value.Str(Arrays.copyOfRange(b, start, Math.min(b.length, from + 24)), from + 24 < b.length);
    }

    /** Compares the program's final stdout or stderr. */
    void output(String stream, byte[] nat, byte[] jv) {
        List<String> diffs = new ArrayList<>();
        value(new Where(stream, stream, true), Value.str(nat), Value.str(jv), diffs, "1");
        if (!diffs.isEmpty()) {
            divergences.add(new Divergence("1", "output", stream, -1, -1, nat.length + " bytes", jv.length + " bytes",
                    String.join("; ", diffs), null));
        }
    }

    private void use(Rule r, String task, Object where) {
        ruleUses.merge(r, 1, Integer::sum);
        ruleFirst.putIfAbsent(r, "task " + task + ": " + (where instanceof Event e ? Render.event(e) : where));
    }

    /** Unexplained divergences. */
    long unexplained() {
        return divergences.stream().filter(d -> !d.explained()).count();
    }
}
