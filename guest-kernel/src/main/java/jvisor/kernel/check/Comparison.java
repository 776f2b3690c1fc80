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
        task("1", nat, n, jv, j);
        for (Runnable r : deferred) r.run();
    }

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

    private void events(String task, long nativeTid, List<Event> nat, long jvisorTid, List<Event> jv) {
        if (!strict) {
            List<Event.Signal> nativeAsync = new ArrayList<>(), jvisorAsync = new ArrayList<>();
            List<Boolean> nativeIgnored = new ArrayList<>();
            nat = AsyncSignals.split(nat, nativeTid, nativeAsync, nativeIgnored, new HashMap<>(handlers), Comparison::ignoredBy);
            jv = AsyncSignals.split(jv, jvisorTid, jvisorAsync, null, null, null);
            if (!nativeAsync.isEmpty() || !jvisorAsync.isEmpty()) {
                deferred.add(() -> asyncSignals(task, nativeAsync, nativeIgnored, jvisorAsync));
            }
        }
        List<String> nk = new ArrayList<>(), jk = new ArrayList<>();
        for (Event e : nat) nk.add(Event.key(e));
        for (Event e : jv) jk.add(Event.key(e));
        for (Alignment.Step s : Alignment.align(nk, jk)) {
            if (s.matched()) {
                for (int k = 0; k < s.nativeCount(); k++) {
                    int ni = s.nativeStart() + k, ji = s.jvisorStart() + k;
                    pair(task, ni, nat.get(ni), ji, jv.get(ji));
                }
            } else if (!strict && killedFromOutside(nat, jv) && s.nativeStart() + s.nativeCount() == nat.size() - 1
                    && s.jvisorStart() + s.jvisorCount() == jv.size() - 1) {
                use(Rule.KILLED_MIDWAY, task, nat.get(nat.size() - 1));
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

    /** wait4 for any child or a group (pid <= 0), waitid with P_ALL or P_PGID: it reaps whichever ended first. */
    private static boolean waitsForAnyChild(Event.Call c) {
        return switch (c.name()) {
            case "wait4" -> (int) arg(c, 0) <= 0;
            case "waitid" -> arg(c, 0) == 0 || arg(c, 0) == 2;
            default -> false;
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
     * with the same signal and si_code (the siginfo compared field by field); a native one jvisor
     * lacks is allowed only if the program ignored it.
     */
    private void asyncSignals(String task, List<Event.Signal> nat, List<Boolean> nativeIgnored, List<Event.Signal> jv) {
        List<Event.Signal> left = new ArrayList<>(jv);
        for (int i = 0; i < nat.size(); i++) {
            Event.Signal n = nat.get(i);
            if (nativeIgnored.get(i)) { // jvisor, untraced, discards it
                use(Rule.IGNORED_SIGNALS, task, n);
                continue;
            }
            Event.Signal match = null;
            for (Event.Signal j : left) {
                if (j.signo() == n.signo() && AsyncSignals.code(j) == AsyncSignals.code(n)) {
                    if (match == null) match = j;
                    if (samePid(AsyncSignals.sender(n), AsyncSignals.sender(j), false)) {
                        match = j;
                        break;
                    }
                }
            }
            if (match != null) {
                left.remove(match);
                use(Rule.ASYNC_SIGNALS, task, n);
                pair(task, -1, n, -1, match);
            } else if (merged(n, jv)) {
                use(Rule.ASYNC_SIGNALS, task, n);
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
            case Event.Call nc when j instanceof Event.Call jc -> call(task, ni, nc, ji, jc);
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

    private void call(String task, int ni, Event.Call n, int ji, Event.Call j) {
        pairedCalls++;
        // The first execve is the program's start (jvisor's record makes it up from the initial stack).
        if (!(ni == 0 && ji == 0 && n.name().equals("execve"))) covered.merge(n.name(), 1, Integer::sum);
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
        // strace leaves out trailing arguments only (open's mode, fcntl's argument): positions are registers.
        for (int i = 0; i < nargs; i++) {
            int reg = i;
            ArgFormat f = reg < formats.length ? formats[reg] : ArgFormat.HEX;
            boolean output = GuestValues.isOutput(f);
            Where w = new Where(n.name(), "arg" + reg, output, f, List.of(), false, absoluteTime(n), Rule.pidIoctl(n));
            boolean data = isData(f);
            value(w, n.args().get(i), j.args().get(i), data ? dataDiffs : argDiffs, task);
        }
        String resultDiff = result(task, n, j, entry);
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
        if (n.failed() || j.failed()) {
            return "result " + Render.result(n) + " natively, " + Render.result(j) + " under jvisor";
        }
        String name = n.name();
        if (!strict) {
            Rule r = null;
            if (name.equals("rt_sigreturn")) r = Rule.INTERRUPTED_REGISTERS;
            else if (Rule.MMAP_SYSCALLS.contains(name) && entry != null && entry.ret() == ArgFormat.RET_HEX) r = Rule.MMAP_ADDRESSES;
            else if (waitsForAnyChild(n) && nr > 0 && jr > 0 && !samePid(nr, jr, false) && pidToJvisor.containsKey(nr)
                    && pidToNative.containsKey(jr)) r = Rule.WAIT_ORDER;
            else if (Rule.PID_RESULTS.contains(name) && samePid(nr, jr, Rule.PID_LEARNING.contains(name) || Trace.createsTask(name))) r = Rule.PIDS;
            else if (Rule.TIME_OUTPUTS.contains(name)) r = Rule.TIMES;
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
                if (!ns.truncated() && sameTempNames(ns.bytes(), js.bytes())) {
                    use(Rule.TEMP_NAMES, task, w.syscall() + " " + w.path());
                    return;
                }
                if (!ns.truncated() && anonInodes(ns.bytes()).equals(anonInodes(js.bytes()))) {
                    use(Rule.INODE_NUMBERS, task, w.syscall() + " " + w.path());
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
    private static Value.Bits bits(Value v) {
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
        if (Rule.layoutField(field) || (w.directory() && (field.equals("st_size") || field.equals("stx_size")))) {
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

    private static boolean alnum(byte c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    private static final java.util.regex.Pattern ANON_INODE = java.util.regex.Pattern.compile("(pipe|socket):\\[\\d+\\]");

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
