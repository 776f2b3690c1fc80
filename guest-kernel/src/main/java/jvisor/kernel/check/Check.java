package jvisor.kernel.check;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import jvisor.kernel.elf.ElfException;
import jvisor.kernel.syscall.SyscallInterceptor;
import jvisor.kernel.syscall.SyscallTable;

/**
 * `jvisor check`: runs a program natively under strace and under jvisor with the same arguments,
 * environment, working directory and stdin, and compares the two syscall records task by task
 * ({@link Comparison}). Usable from Java as well as from the command line ({@link CheckCommand}).
 */
public final class Check {
    private Check() {}

    /**
     * What to check.
     *
     * @param binary the program's path as given (argv[0] and what both runs execute)
     * @param argv the arguments, argv[0] included
     * @param envp the environment, in order
     * @param stdin a file both runs read as stdin, or null for an empty one
     * @param strict compare everything: no rule and no deliberate difference applies
     * @param planted an interceptor placed inside jvisor's recorder (tests plant divergences with it), or null
     * @param timeoutSeconds the longest the native run may take
     * @param betweenRuns run after the jvisor run and before the native one (to undo what the first
     *        run left in the working directory), or null
     * @param workDir the working directory of both runs, or null for this process's (it must be
     *        visible to the guest: not under /tmp, which is jvisor's own tmpfs)
     */
    public record Request(String binary, List<byte[]> argv, List<byte[]> envp, Path stdin, boolean strict,
            SyscallInterceptor planted, long timeoutSeconds, Runnable betweenRuns, Path workDir) {
    }

    /** The program cannot be checked (jvisor cannot load it, strace cannot trace it). */
    public static final class Failure extends Exception {
        Failure(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * What the check found.
     *
     * @param divergences every divergence, explained ones included, in order
     * @param rules each rule applied: its uses and the first place
     * @param covered the syscalls compared with the host (name: paired calls)
     * @param problems native trace lines that could not be read
     */
    public record Outcome(Request request, List<Divergence> divergences, Map<Rule, Integer> rules,
            Map<Rule, String> firstUses, Map<String, Integer> covered, List<String> problems, Stats nativeStats,
            Stats jvisorStats, int pairedCalls, int comparedValues, int uncomparedValues) {

        public long unexplained() {
            return divergences.stream().filter(d -> !d.explained()).count();
        }

        /** True when nothing differs that no rule or deliberate difference allows. */
        public boolean agree() {
            return unexplained() == 0 && problems.isEmpty();
        }
    }

    /** Counts of one run. */
    public record Stats(int tasks, int syscalls, String end) {
        static Stats of(Trace t) {
            String end = "?";
            Trace.Task root = t.root();
            if (root != null) {
                for (Event e : root.events) {
                    if (e instanceof Event.Exit || e instanceof Event.Killed) end = Render.event(e);
                }
            }
            return new Stats(t.tasks().size(), t.syscalls(), end);
        }
    }

    public static Outcome run(Request r) throws Failure, IOException, InterruptedException {
        SyscallTable table = SyscallTable.linux();
        Path work = Files.createTempDirectory("jvisor-check-");
        try {
            Path stdin = r.stdin();
            if (stdin == null) {
                stdin = work.resolve("stdin");
                Files.write(stdin, new byte[0]);
            }
            Path stdout = work.resolve("stdout"), stderr = work.resolve("stderr");
            Files.write(stdout, new byte[0]);
            Files.write(stderr, new byte[0]);

            Trace jv;
            try {
                jv = JvisorRun.run(table, r.planted(), r.binary(), r.argv(), r.envp(), stdin, stdout, stderr, r.workDir());
            } catch (ElfException e) {
                throw new Failure(r.binary() + ": " + e.getMessage());
            } catch (JvisorRun.HiddenDirectory e) {
                throw new Failure(e.getMessage());
            }
            byte[] jvOut = Files.readAllBytes(stdout), jvErr = Files.readAllBytes(stderr);
            if (r.betweenRuns() != null) r.betweenRuns().run();

            NativeRun.Result nat;
            try {
                nat = NativeRun.run(r.binary(), r.argv(), r.envp(), stdin, stdout, stderr, work.resolve("strace.log"),
                        r.timeoutSeconds(), r.workDir());
            } catch (NativeRun.Unavailable e) {
                throw new Failure(e.getMessage());
            }
            byte[] natOut = Files.readAllBytes(stdout), natErr = Files.readAllBytes(stderr);

            Comparison c = new Comparison(table, r.strict());
            c.compare(nat.trace(), jv);
            c.output("stdout", natOut, jvOut);
            c.output("stderr", natErr, jvErr);
            return new Outcome(r, List.copyOf(c.divergences), Map.copyOf(c.ruleUses), Map.copyOf(c.ruleFirst),
                    Map.copyOf(c.covered), List.copyOf(nat.problems()), Stats.of(nat.trace()), Stats.of(jv),
                    c.pairedCalls, c.comparedValues, c.uncomparedValues);
        } finally {
            deleteTree(work);
        }
    }

    /** Remembers the directory's entries now; the returned action removes every entry added since. */
    public static Runnable newEntriesRemover(Path dir) throws IOException {
        java.util.Set<Path> before = new java.util.HashSet<>();
        try (Stream<Path> s = Files.list(dir)) {
            s.forEach(before::add);
        }
        return () -> {
            try (Stream<Path> s = Files.list(dir)) {
                for (Path p : s.filter(p -> !before.contains(p)).toList()) deleteTree(p);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        };
    }

    /** Deletes a file or a directory with everything in it (symbolic links are not followed). */
    public static void deleteTree(Path top) throws IOException {
        if (!Files.exists(top, java.nio.file.LinkOption.NOFOLLOW_LINKS)) return;
        try (Stream<Path> files = Files.walk(top)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    // ---------------------------------------------------------------- reports

    /** The machine-readable report: one JSON object per line (run, divergence..., rule..., summary). */
    public static List<String> jsonLines(Outcome o) {
        List<String> out = new ArrayList<>();
        Map<String, Object> run = new LinkedHashMap<>();
        run.put("type", "run");
        run.put("binary", o.request().binary());
        List<String> args = new ArrayList<>();
        for (byte[] a : o.request().argv()) args.add(new String(a, StandardCharsets.UTF_8));
        run.put("argv", args);
        run.put("strict", o.request().strict());
        run.put("native", stats(o.nativeStats()));
        run.put("jvisor", stats(o.jvisorStats()));
        out.add(Json.line(run));
        int n = 0;
        for (Divergence d : o.divergences()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("type", "divergence");
            m.put("n", ++n);
            m.put("task", d.task());
            m.put("kind", d.kind());
            m.put("syscall", d.syscall());
            m.put("native_index", d.nativeIndex());
            m.put("jvisor_index", d.jvisorIndex());
            m.put("native", d.nativeText());
            m.put("jvisor", d.jvisorText());
            m.put("detail", d.detail());
            m.put("explained", d.explained());
            m.put("explanation", d.explanation());
            out.add(Json.line(m));
        }
        for (Rule r : Rule.values()) {
            Integer uses = o.rules().get(r);
            if (uses == null) continue;
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("type", "rule");
            m.put("rule", r.id);
            m.put("uses", uses);
            m.put("first", o.firstUses().get(r));
            m.put("description", r.description);
            out.add(Json.line(m));
        }
        for (String p : o.problems()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("type", "unread");
            m.put("line", p);
            out.add(Json.line(m));
        }
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("type", "summary");
        s.put("agree", o.agree());
        s.put("divergences", o.divergences().size());
        s.put("unexplained", o.unexplained());
        s.put("paired_calls", o.pairedCalls());
        s.put("compared_values", o.comparedValues());
        s.put("uncompared_values", o.uncomparedValues());
        s.put("covered", new java.util.TreeMap<>(o.covered()));
        out.add(Json.line(s));
        return out;
    }

    private static Map<String, Object> stats(Stats s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("tasks", s.tasks());
        m.put("syscalls", s.syscalls());
        m.put("end", s.end());
        return m;
    }

    /** Later divergences the human summary lists, one line each, after the first in full. */
    static final int SUMMARY_LINES = 20;

    /** The human summary (for stderr). */
    public static String summary(Outcome o) {
        StringBuilder sb = new StringBuilder();
        sb.append("jvisor check: ").append(o.request().binary()).append(o.request().strict() ? " (strict)" : "").append('\n');
        sb.append("  native: ").append(line(o.nativeStats())).append('\n');
        sb.append("  jvisor: ").append(line(o.jvisorStats())).append('\n');
        sb.append("  compared: ").append(o.pairedCalls()).append(" calls, ").append(o.comparedValues()).append(" values (")
                .append(o.uncomparedValues()).append(" not comparable)\n");
        if (!o.rules().isEmpty()) {
            sb.append("  rules applied:");
            for (Rule r : Rule.values()) {
                Integer uses = o.rules().get(r);
                if (uses != null) sb.append(' ').append(r.id).append(" (").append(uses).append(')');
            }
            sb.append('\n');
        }
        if (!o.problems().isEmpty()) {
            sb.append("  ").append(o.problems().size()).append(" strace line(s) not understood, first: ")
                    .append(o.problems().get(0)).append('\n');
        }
        long explained = o.divergences().size() - o.unexplained();
        sb.append("  divergences: ").append(o.unexplained()).append(" unexplained, ").append(explained)
                .append(" explained by deliberate differences\n");
        Divergence first = null;
        for (Divergence d : o.divergences()) {
            if (!d.explained()) {
                first = d;
                break;
            }
        }
        if (first != null) {
            sb.append("  first divergence: task ").append(first.task()).append(", ").append(first.kind()).append(" at ")
                    .append(first.syscall()).append(" (native event #").append(first.nativeIndex()).append(", jvisor #")
                    .append(first.jvisorIndex()).append(")\n");
            sb.append(indent("native: ", first.nativeText())).append(indent("jvisor: ", first.jvisorText()));
            sb.append("    ").append(first.detail()).append('\n');
            int shown = 0;
            for (Divergence d : o.divergences()) {
                if (d == first || d.explained()) continue;
                if (shown++ == SUMMARY_LINES) {
                    sb.append("  ... ").append(o.unexplained() - 1 - SUMMARY_LINES).append(" more in the report\n");
                    break;
                }
                sb.append("  then: task ").append(d.task()).append(", ").append(d.kind()).append(" at ").append(d.syscall())
                        .append(": ").append(d.detail().lines().findFirst().orElse("")).append('\n');
            }
        }
        sb.append("jvisor check: ").append(o.agree() ? "the runs agree" : "the runs diverge").append('\n');
        return sb.toString();
    }

    private static String line(Stats s) {
        return s.tasks() + " task(s), " + s.syscalls() + " syscalls, " + s.end();
    }

    private static String indent(String label, String text) {
        StringBuilder sb = new StringBuilder();
        String pad = "    " + label;
        for (String l : text.split("\n", -1)) {
            sb.append(pad).append(l).append('\n');
            pad = "    " + " ".repeat(label.length());
        }
        return sb.toString();
    }
}
