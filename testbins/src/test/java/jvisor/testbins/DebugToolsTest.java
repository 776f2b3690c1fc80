package jvisor.testbins;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trace, the command-line debugger and --stop-on find the planted crash of crash-glibc (the
 * fourth store() writes through NULL), each the way a new user would run it.
 */
class DebugToolsTest {
    private static Path binary;

    @TempDir
    Path work;

    @BeforeAll
    static void built() {
        binary = GuestRunner.binary("crash-glibc");
        Assumptions.assumeTrue(Files.isExecutable(binary), "crash-glibc was not built");
    }

    private static GuestRunner.Result jvisor(String stdin, String... args) {
        List<String> cmd = GuestRunner.jvisorCommand();
        cmd.addAll(List.of(args));
        GuestRunner.Result r = GuestRunner.run(cmd, stdin == null ? null : stdin.getBytes(StandardCharsets.UTF_8), null, null);
        // The debugger's prompt is not followed by the (unechoed) command: drop it from the output.
        return new GuestRunner.Result(r.exitCode(), r.stdoutText().replace("(jvisor) ", "").getBytes(StandardCharsets.UTF_8),
                r.stderr());
    }

    private static void contains(String text, String expected) {
        assertTrue(text.contains(expected), () -> "expected <" + expected + "> in:\n" + text);
    }

    private static void matches(String text, String regex) {
        assertTrue(Pattern.compile(regex, Pattern.MULTILINE).matcher(text).find(), () -> "expected /" + regex + "/ in:\n" + text);
    }

    @Test
    void theTraceShowsTheFaultingInstructionAndTheRegistersThatLedThere() throws Exception {
        Path trace = work.resolve("trace.txt");
        GuestRunner.Result r = jvisor(null, "run", "--trace=" + trace, "--trace-symbol=store", binary.toString());
        assertEquals(128 + 11, r.exitCode(), r.toString());
        assertEquals("stored 1\nstored 4\nstored 9\n", r.stdoutText(), "tracing does not change the program's output");
        List<String> lines = Files.readAllLines(trace);
        assertTrue(lines.stream().allMatch(l -> l.matches("#\\d+ 0x[0-9a-f]+ <store(\\+\\d+)?> .*")), String.join("\n", lines));
        String last = lines.get(lines.size() - 1);
        matches(last, "<store\\+\\d+> +48 89 37 +mov qword ptr \\[rdi\\], rsi +=> #PF page fault \\(vector 14\\) "
                + "error code 0x6 address 0x0; rdi=0x0 rsi=0x10$");
        // the instruction before it stored the fourth count into `counter`, old and new value shown
        matches(lines.get(lines.size() - 2), "\\[0x[0-9a-f]+\\]:8 0x3->0x4$");
        // four calls of store, the first three complete: each shows the store through its pointer
        assertEquals(3, lines.stream().filter(l -> l.contains("mov qword ptr [rdi], rsi") && l.contains("->")).count());
        // numbers are instructions retired: strictly increasing
        long prev = 0;
        for (String l : lines) {
            long n = Long.parseLong(l.substring(1, l.indexOf(' ')));
            assertTrue(n > prev, l);
            prev = n;
        }
    }

    @Test
    void theTraceCountAndStartLimitIt() {
        GuestRunner.Result r = jvisor(null, "run", "--trace", "--trace-after=100", "--trace-count=5", binary.toString(), "3");
        assertEquals(3, r.exitCode(), r.toString());
        List<String> trace = r.stderrText().lines().filter(l -> l.startsWith("#")).toList();
        assertEquals(5, trace.size(), r.stderrText());
        assertTrue(trace.get(0).startsWith("#101 "), trace.get(0));
        contains(r.stderrText(), "-- trace: 5 instructions traced, the limit; the program goes on untraced");
    }

    @Test
    void theDebuggerStopsOnTheFault() {
        GuestRunner.Result r = jvisor("continue\nbt\ninfo registers rdi rsi rip\nx/2i $pc\ncontinue\n", "debug",
                binary.toString());
        String out = r.stdoutText();
        contains(out, "Program stopped before its first instruction.");
        contains(out, "Program received signal SIGSEGV.");
        contains(out, "[VM exit: exception exit: #PF page fault (vector 14) error code 0x6 address 0x0]");
        matches(out, "^=> 0x[0-9a-f]+ <store\\+\\d+>:\tmov qword ptr \\[rdi\\], rsi$");
        matches(out, "^#1 +0x[0-9a-f]+ in main \\(\\)$");
        matches(out, "^rdi +0x0 +0$");
        matches(out, "^rsi +0x10 +16$");
        contains(out, "[program terminated with signal SIGSEGV]");
        assertEquals(128 + 11, r.exitCode(), r.toString());
    }

    @Test
    void breakpointsWatchpointsAndSteppingInTheDebugger() {
        GuestRunner.Result r = jvisor(String.join("\n", "break square", "continue", "finish", "p $rax", "delete",
                "watch counter", "continue", "stepi", "", "info breakpoints", "tbreak pick", "continue", "continue",
                "kill", ""), "debug", binary.toString(), "3");
        String out = r.stdoutText();
        contains(out, "Breakpoint 1 at 0x");
        matches(out, "^Breakpoint 1, 0x[0-9a-f]+ <square>$");
        contains(out, "$ = 1\n"); // square(1) returned 1
        contains(out, "Hardware watchpoint 2: counter\n\nOld value = 0 (0x0)\nNew value = 1 (0x1)");
        matches(out, "^\\(by the instruction at 0x[0-9a-f]+ <store\\+\\d+>\\)$");
        matches(out, "^2 +write watchpoint +0x[0-9a-f]+ +counter +\\(hit 1 time\\)$");
        matches(out, "^Temporary breakpoint 3, 0x[0-9a-f]+ <pick>$");
        contains(out, "[program terminated with signal SIGKILL]");
    }

    @Test
    void badCommandsGetClearErrors() {
        GuestRunner.Result r = jvisor(String.join("\n", "frobnicate", "x/q $pc", "break nosuchsymbol", "stepi -1",
                "x/x 0", "info", "p $nosuchreg", "set $rax", ""), "debug", binary.toString());
        String out = r.stdoutText();
        contains(out, "Undefined command: \"frobnicate\".  Try \"help\".");
        contains(out, "Invalid format letter 'q'");
        contains(out, "No symbol \"nosuchsymbol\" in the program.");
        contains(out, "a positive number is needed, not '-1'");
        contains(out, "Cannot access memory at address 0x0");
        contains(out, "\"info\" needs a subcommand");
        contains(out, "no register named '$nosuchreg'");
        contains(out, "usage: set $REG = EXPR");
        contains(out, "quit (end of input): the program is killed");
        assertTrue(!r.stderrText().contains("Exception"), r.stderrText());
    }

    @Test
    void stopOnFaultEntersTheDebuggerAtTheVmExit() {
        GuestRunner.Result r = jvisor("info registers rip\ncontinue\n", "run", "--stop-on=fault", binary.toString());
        contains(r.stderrText(), "jvisor: stopped by --stop-on=fault");
        contains(r.stdoutText(), "[VM exit: exception exit: #PF page fault (vector 14) error code 0x6 address 0x0]");
        matches(r.stdoutText(), "^rip +0x[0-9a-f]+ +0x[0-9a-f]+ <store\\+\\d+>$");
        assertEquals(128 + 11, r.exitCode(), r.toString());
    }

    @Test
    void stopOnSyscallSymbolAndSignal() {
        GuestRunner.Result w = jvisor("continue\ncontinue\ncontinue\n", "run", "--stop-on=syscall=write", binary.toString(), "3");
        contains(w.stderrText(), "jvisor: stopped by --stop-on=syscall=write");
        assertEquals(3, w.stdoutText().split("\\(call to syscall write\\)", -1).length - 1, w.stdoutText());
        contains(w.stdoutText(), "[VM exit: syscall exit]");
        assertEquals(3, w.exitCode(), w.toString());

        GuestRunner.Result s = jvisor("bt\nquit\n", "run", "--stop-on=symbol=square", binary.toString(), "3");
        contains(s.stderrText(), "jvisor: stopped by --stop-on=symbol=square");
        matches(s.stdoutText(), "^#1 +0x[0-9a-f]+ in main \\(\\)$");

        GuestRunner.Result g = jvisor("continue\n", "run", "--stop-on=signal=SIGSEGV", binary.toString());
        contains(g.stderrText(), "jvisor: stopped by --stop-on=signal=SIGSEGV");
        assertEquals(128 + 11, g.exitCode(), g.toString());
    }

    /** The defined symbols of a program as nm lists them (the host's binutils are the oracle): name to {address, size}. */
    private static Map<String, List<long[]>> nm(Path program) {
        GuestRunner.Result r = GuestRunner.run(List.of("nm", "-S", "--defined-only", program.toString()), null, null, null);
        Assumptions.assumeTrue(r.exitCode() == 0, "nm (binutils) is needed: " + r);
        Map<String, List<long[]>> out = new HashMap<>();
        for (String line : r.stdoutText().split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length < 3) continue;
            long size = f.length == 4 ? Long.parseUnsignedLong(f[1], 16) : 0;
            out.computeIfAbsent(f[f.length - 1], k -> new ArrayList<>()).add(new long[] {Long.parseUnsignedLong(f[0], 16), size});
        }
        return out;
    }

    private static long address(Map<String, List<long[]>> symbols, String name) {
        return symbols.get(name).get(0)[0];
    }

    private static long end(Map<String, List<long[]>> symbols, String name) {
        long[] s = symbols.get(name).get(0);
        return s[0] + s[1];
    }

    /** Whether NAME+OFF names address in that program. */
    private static boolean names(Map<String, List<long[]>> symbols, String name, long offset, long address) {
        for (long[] s : symbols.getOrDefault(name, List.of())) {
            if (s[0] + offset == address && (offset == 0 || offset < s[1])) return true;
        }
        return false;
    }

    private static Path execer() {
        Path p = GuestRunner.binary("exec-chain-glibc");
        Assumptions.assumeTrue(Files.isExecutable(p), "exec-chain-glibc was not built");
        return p;
    }

    @Test
    void stopOnExecStopsAtEveryProgramAndTheDebuggerUsesItsNames() throws Exception {
        Path execer = execer();
        Map<String, List<long[]>> crash = nm(binary), exec = nm(execer);
        String crashPath = binary.toRealPath().toString();
        GuestRunner.Result r = jvisor(String.join("\n", "continue", "info symbol $pc", "break store", "continue", "bt",
                "info threads", "delete", "continue", ""), "run", "--stop-on=exec", execer.toString(), "--fork",
                binary.toString(), "3");
        String out = r.stdoutText();
        contains(r.stderrText(), "jvisor: stopped by --stop-on=exec");
        contains(out, "Program stopped before its first instruction.");
        contains(out, String.format("=> 0x%x <_start>:", address(exec, "_start")));
        matches(out, "^process (\\d+) is executing new program: " + Pattern.quote(crashPath) + "$");
        contains(out, "  [VM exit: syscall exit: execve, before the new program's first instruction]");
        contains(out, String.format("=> 0x%x <_start>:", address(crash, "_start")));
        contains(out, "_start in " + crashPath);
        contains(out, String.format("Breakpoint 1 at 0x%x <store>", address(crash, "store")));
        contains(out, String.format("Breakpoint 1, 0x%x <store>", address(crash, "store")));
        matches(out, "^#1 +0x[0-9a-f]+ in main \\(\\)$");
        // the parent waits in the kernel, the child (the new program) is at its breakpoint
        matches(out, "^  \\d+ +Thread \\d+ +\\(running in the kernel\\)$");
        matches(out, "^\\* \\d+ +Thread \\d+ +0x[0-9a-f]+ <store>$");
        contains(out, "child exited with 3");
        contains(out, "[program exited with code 3]");
        assertEquals(3, r.exitCode(), r.toString());

        GuestRunner.Result c = jvisor(String.join("\n", "catch exec", "continue", "info breakpoints", "continue", ""), "debug",
                execer.toString(), binary.toString());
        contains(c.stdoutText(), "Catchpoint 1 (exec'd " + crashPath + ")");
        matches(c.stdoutText(), "^1 +catchpoint +exec  \\(hit 1 time\\)$");
        contains(c.stdoutText(), "Program received signal SIGSEGV.");
        matches(c.stdoutText(), "^=> 0x[0-9a-f]+ <store\\+\\d+>:\tmov qword ptr \\[rdi\\], rsi$");
    }

    private static final Pattern TRACE_LINE = Pattern.compile("^(?:\\[pid (\\d+)\\] )?#\\d+ 0x([0-9a-f]+) <([^>+]+)(?:\\+(\\d+))?> .*");

    @Test
    void theTraceNamesEveryAddressAfterTheProgramOfItsProcess() throws Exception {
        Path execer = execer();
        Map<String, List<long[]>> crash = nm(binary), exec = nm(execer);
        // main of both programs up to the end of launch, report_child (exec-chain-glibc) and store (crash-glibc)
        long from = Math.min(address(exec, "main"), address(crash, "main"));
        long to = Math.max(end(exec, "report_child"), Math.max(end(exec, "launch"), end(crash, "store")));
        Path trace = work.resolve("trace.txt");
        GuestRunner.Result r = jvisor(null, "run", "--trace=" + trace, String.format("--trace-range=0x%x-0x%x", from, to),
                execer.toString(), "--fork", binary.toString(), "3");
        assertEquals(3, r.exitCode(), r.toString());
        assertEquals("stored 1\nstored 4\nstored 9\nchild exited with 3\n", r.stdoutText());
        List<String> lines = Files.readAllLines(trace);
        Map<String, List<String[]>> byPid = new HashMap<>(); // pid ("" before the fork) -> {address, name, offset}
        for (String l : lines) {
            java.util.regex.Matcher m = TRACE_LINE.matcher(l);
            if (!m.matches()) {
                assertTrue(l.matches("^(\\[pid \\d+\\] )?#\\d+ 0x[0-9a-f]+ .*"), l);
                continue; // between the symbols of the range (padding): nothing to name
            }
            byPid.computeIfAbsent(m.group(1) == null ? "" : m.group(1), k -> new ArrayList<>())
                    .add(new String[] {m.group(2), m.group(3), m.group(4) == null ? "0" : m.group(4)});
        }
        String child = byPid.keySet().stream().filter(p -> byPid.get(p).stream().anyMatch(x -> x[1].equals("launch")))
                .findFirst().orElseThrow(() -> new AssertionError("no task ran launch:\n" + String.join("\n", lines)));
        for (var e : byPid.entrySet()) {
            // exec-chain-glibc's names up to an execve, crash-glibc's after it; only the child execs
            List<String[]> seq = e.getValue();
            int split = 0;
            while (split < seq.size() && names(exec, seq.get(split))) split++;
            List<String[]> after = seq.subList(split, seq.size());
            for (String[] x : after) {
                assertTrue(names(crash, x), () -> "pid " + e.getKey() + ": <" + x[1] + "+" + x[2] + "> is not 0x" + x[0]
                        + ", neither in exec-chain-glibc nor in crash-glibc");
            }
            assertEquals(e.getKey().equals(child), after.stream().anyMatch(x -> x[1].equals("store")),
                    "only the child runs crash-glibc's store (pid " + e.getKey() + ")");
        }
        assertTrue(byPid.entrySet().stream().anyMatch(e -> !e.getKey().equals(child)
                && e.getValue().stream().anyMatch(x -> x[1].equals("report_child"))), "the parent's report_child");
    }

    /** Whether a trace line's {address, name, offset} names the address in that program. */
    private static boolean names(Map<String, List<long[]>> symbols, String[] line) {
        return names(symbols, line[1], Long.parseLong(line[2]), Long.parseUnsignedLong(line[0], 16));
    }

    @Test
    void badDebuggingOptionsAreUsageErrors() {
        List<String[]> cases = new ArrayList<>();
        cases.add(new String[] {"--stop-on=bogus", "unknown condition 'bogus'"});
        cases.add(new String[] {"--stop-on=symbol=nosuch", "no symbol 'nosuch'"});
        cases.add(new String[] {"--stop-on=syscall=nosuch", "unknown syscall 'nosuch'"});
        cases.add(new String[] {"--trace-symbol=nosuch", "no symbol 'nosuch'"});
        cases.add(new String[] {"--trace-range=zz", "--trace-range needs START-END"});
        cases.add(new String[] {"--gdb=99999", "port number"});
        for (String[] c : cases) {
            GuestRunner.Result r = jvisor(null, "run", c[0], binary.toString());
            assertEquals(2, r.exitCode(), c[0] + ": " + r);
            contains(r.stderrText(), c[1]);
        }
    }
}
