/*
 * CheckTestbinsTest - `jvisor check` over every test program (the cases of DifferentialTest) and over
 * the shell scripts in testbins/scripts: the program runs under jvisor and natively under strace,
 * and the two syscall records must agree, with no divergence left unexplained (the rules the check
 * applied are allowed differences, deliberate differences come from the kernel's metadata). The
 * checks run in this JVM through the check's Java API, one after the other (jvisor warms up once),
 * each in a fresh working directory under testbins/out (the guest's /tmp is its own tmpfs).
 *
 * It also keeps the conformance table's "checked by" column true: from the reports it collects
 * which programs had which syscalls compared with the host, and fails when the committed
 * coverage resource (and so docs/SYSCALLS.md) is stale. JVISOR_REGENERATE=1 rewrites both.
 */
package jvisor.testbins;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import jvisor.kernel.check.Check;
import jvisor.kernel.conformance.ConformanceTable;
import jvisor.kernel.conformance.Coverage;
import jvisor.kernel.syscall.SyscallStates;
import jvisor.kernel.syscall.SyscallTable;

class CheckTestbinsTest {

    /** syscall -> the programs whose check compared it; filled by the program cases. */
    private static final Map<String, Set<String>> COVERAGE = new TreeMap<>();
    private static final AtomicInteger PROGRAMS_CHECKED = new AtomicInteger();

    /**
     * Programs the check leaves out, with the reason. cpu-features probes instructions jvisor's CPU
     * does not advertise and catches the SIGILL each one raises: which ones fault depends on the
     * CPU (the host's and jvisor's), not on the kernel, so its record differs by design and a rule
     * allowing it would compare nothing; DifferentialTest compares its output, which says what the
     * CPUID bits promise.
     */
    private static final Map<String, String> NOT_CHECKED = Map.of(
            "cpu-features-glibc", "probes instructions and catches SIGILL: the faults depend on the CPU, not the kernel",
            "timer-thread-glibc", "glibc's timer threads: how often the main thread sleeps before the function has run, "
                    + "where a new thread's malloc arena lands (the sizes it trims) and whether the helper thread is "
                    + "still waiting when the process exits depend on the scheduler",
            "job-control-threads-glibc", "which thread of the stopped child takes a process-directed stop signal, and how "
                    + "many sched_yield calls the parent makes while it waits for a thread to run again, change from run "
                    + "to run");

    static Stream<DifferentialTest.Case> programs() {
        return DifferentialTest.cases().filter(c -> !NOT_CHECKED.containsKey(c.binary()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("programs")
    void programAgreesWithTheHost(DifferentialTest.Case c, @TempDir Path temp) throws Exception {
        Path bin = GuestRunner.binary(c.binary());
        assumeTrue(Files.isRegularFile(bin), () -> bin + " was not built (run make -C testbins)");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/strace")), "strace is not installed (scripts/install-deps)");
        Check.Outcome o = c.workDir() == DifferentialTest.WorkDir.DATA
                ? check(bin.toString(), c.args(), c.stdin(), c.env(), GuestRunner.testbinsDir().resolve("data"), temp)
                : inFreshDirectory(work -> check(bin.toString(), c.args(), c.stdin(), c.env(), work, temp));
        synchronized (COVERAGE) {
            for (String syscall : o.covered().keySet()) COVERAGE.computeIfAbsent(syscall, k -> new TreeSet<>()).add(c.binary());
        }
        PROGRAMS_CHECKED.incrementAndGet();
    }

    /** The shell scripts of testbins/scripts, each under busybox sh and under a static bash. */
    /**
     * Scripts the check leaves out, with the reason (ScriptTest still compares their output with
     * the host's).
     */
    private static final Map<String, String> SCRIPTS_NOT_CHECKED = Map.of(
            "job-control.sh", "stops, continues and kills background jobs: where a job is when a signal reaches it "
                    + "(natively a SIGTERM to a stopped job waits for SIGCONT) and the order of the shell's "
                    + "notifications vary between runs, and the check has no rule for them yet");

    static Stream<String> scripts() throws IOException {
        List<String> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(GuestRunner.testbinsDir().resolve("scripts"))) {
            for (Path p : s.sorted().toList()) {
                if (!p.toString().endsWith(".sh") || SCRIPTS_NOT_CHECKED.containsKey(p.getFileName().toString())) continue;
                out.add("busybox " + p.getFileName());
                out.add("bash " + p.getFileName());
            }
        }
        return out.stream();
    }

    private static final Map<String, String> SHELLS = Map.of("busybox", "/bin/busybox", "bash", "/bin/bash-static");

    @ParameterizedTest(name = "{0}")
    @MethodSource("scripts")
    void scriptAgreesWithTheHost(String shellAndScript, @TempDir Path temp) throws Exception {
        SyscallTable table = SyscallTable.linux();
        for (String needed : List.of("fork", "clone", "execve", "wait4")) {
            assumeTrue(SyscallStates.state(table, needed) != SyscallStates.State.NOT_IMPLEMENTED,
                    () -> "waits for fork/exec in jvisor: " + needed + " is not implemented yet");
        }
        String[] parts = shellAndScript.split(" ", 2);
        String shell = SHELLS.get(parts[0]);
        assumeTrue(Files.isExecutable(Path.of(shell)), () -> shell + " is not installed (scripts/install-deps)");
        Path script = GuestRunner.testbinsDir().resolve("scripts").resolve(parts[1]);
        List<String> args = new ArrayList<>();
        if (parts[0].equals("busybox")) args.add("sh");
        args.add(script.toString());
        Map<String, String> env = GuestRunner.env("PATH", GuestRunner.appletsDir().toString(), "LANG", "C",
                "HOME", "/nonexistent");
        inFreshDirectory(work -> check(shell, args, null, env, work, temp));
    }

    private interface InDirectory {
        Check.Outcome run(Path work) throws Exception;
    }

    /** Runs a check in a new empty directory under testbins/out (visible to the guest), removed after. */
    private static Check.Outcome inFreshDirectory(InDirectory body) throws Exception {
        Path parent = Files.createDirectories(GuestRunner.testbinsDir().resolve("out/check-work"));
        Path work = Files.createTempDirectory(parent, "case-");
        try {
            return body.run(work);
        } finally {
            Check.deleteTree(work);
        }
    }

    /**
     * Checks BINARY ARGS in work with the given stdin and environment (null: GuestRunner's default);
     * the jvisor run's leftovers in work are removed before the native run. Asserts that the runs
     * agree and returns what the check found.
     */
    private static Check.Outcome check(String binary, List<String> args, byte[] stdin, Map<String, String> env, Path work,
            Path temp) throws Exception {
        Path in = temp.resolve("stdin");
        Files.write(in, stdin != null ? stdin : new byte[0]);
        List<byte[]> argv = new ArrayList<>();
        argv.add(binary.getBytes(StandardCharsets.UTF_8));
        for (String a : args) argv.add(a.getBytes(StandardCharsets.UTF_8));
        List<byte[]> envp = new ArrayList<>();
        for (Map.Entry<String, String> e : (env != null ? env : GuestRunner.DEFAULT_ENV).entrySet()) {
            envp.add((e.getKey() + "=" + e.getValue()).getBytes(StandardCharsets.UTF_8));
        }
        Runnable clean = Check.newEntriesRemover(work);
        Check.Outcome o = Check.run(new Check.Request(binary, argv, envp, in, false, null, GuestRunner.TIMEOUT.toSeconds(),
                clean, work));
        assertTrue(o.agree(), () -> "jvisor check found unexplained divergences:\n" + Check.summary(o)
                + "\n--- report ---\n" + GuestRunner.abbreviate(String.join("\n", Check.jsonLines(o))));
        assertEquals(0, o.unexplained());
        return o;
    }

    /** When every program was checked: the committed coverage (docs/SYSCALLS.md's "checked by") must match. */
    @AfterAll
    static void coverageIsCurrent() throws IOException {
        if (PROGRAMS_CHECKED.get() != programs().count()) return; // some were skipped or failed
        Coverage measured = new Coverage(COVERAGE);
        Path root = GuestRunner.testbinsDir().getParent();
        Path resource = root.resolve(Coverage.SOURCE_PATH);
        Path doc = root.resolve("docs/SYSCALLS.md");
        if ("1".equals(System.getenv("JVISOR_REGENERATE"))) {
            Files.createDirectories(resource.getParent());
            Files.writeString(resource, measured.text(), StandardCharsets.UTF_8);
            Files.writeString(doc, new ConformanceTable(SyscallTable.linux(), measured).markdown(), StandardCharsets.UTF_8);
            return;
        }
        String committed = Files.exists(resource) ? Files.readString(resource, StandardCharsets.UTF_8) : "";
        assertEquals(measured.text(), committed, Coverage.SOURCE_PATH + " is stale: the checked programs exercise other "
                + "syscalls now; regenerate it and docs/SYSCALLS.md with JVISOR_REGENERATE=1 scripts/test -pl testbins -am");
    }
}
