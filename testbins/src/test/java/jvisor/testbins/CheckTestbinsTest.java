/*
 * CheckTestbinsTest - `jvisor check` over every test program (the cases of DifferentialTest) and over
 * the shell scripts in testbins/scripts: the program runs under jvisor and natively under strace,
 * and the two syscall records must agree, with no divergence left unexplained (the report's summary
 * line says "unexplained":0; the rules it applied are allowed differences, deliberate differences
 * come from the kernel's metadata).
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import jvisor.kernel.conformance.ConformanceTable;
import jvisor.kernel.conformance.Coverage;
import jvisor.kernel.syscall.SyscallStates;
import jvisor.kernel.syscall.SyscallTable;

class CheckTestbinsTest {

    private static final Pattern COVERED = Pattern.compile("\"covered\":\\{([^}]*)\\}");
    private static final Pattern SYSCALL = Pattern.compile("\"([a-z0-9_]+)\":\\d+");

    /** syscall -> the programs whose check compared it; filled by the program cases. */
    private static final Map<String, Set<String>> COVERAGE = new TreeMap<>();
    private static final AtomicInteger PROGRAMS_CHECKED = new AtomicInteger();

    static Stream<DifferentialTest.Case> programs() {
        return DifferentialTest.cases();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("programs")
    void programAgreesWithTheHost(DifferentialTest.Case c, @TempDir Path temp) throws IOException {
        Path bin = GuestRunner.binary(c.binary());
        assumeTrue(Files.isRegularFile(bin), () -> bin + " was not built (run make -C testbins)");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/strace")), "strace is not installed (scripts/install-deps)");
        Path work = c.workDir() == DifferentialTest.WorkDir.DATA ? GuestRunner.testbinsDir().resolve("data")
                : Files.createDirectory(temp.resolve("work"));
        String summary = check(bin.toString(), c.args(), c.stdin(), c.env(), work, temp);
        Matcher m = COVERED.matcher(summary);
        assertTrue(m.find(), summary);
        synchronized (COVERAGE) {
            Matcher s = SYSCALL.matcher(m.group(1));
            while (s.find()) COVERAGE.computeIfAbsent(s.group(1), k -> new TreeSet<>()).add(c.binary());
        }
        PROGRAMS_CHECKED.incrementAndGet();
    }

    /** The shell scripts of testbins/scripts, each under busybox sh and under a static bash. */
    static Stream<String> scripts() throws IOException {
        List<String> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(GuestRunner.testbinsDir().resolve("scripts"))) {
            for (Path p : s.sorted().toList()) {
                if (!p.toString().endsWith(".sh")) continue;
                out.add("busybox " + p.getFileName());
                out.add("bash " + p.getFileName());
            }
        }
        return out.stream();
    }

    private static final Map<String, String> SHELLS = Map.of("busybox", "/bin/busybox", "bash", "/bin/bash-static");

    @ParameterizedTest(name = "{0}")
    @MethodSource("scripts")
    void scriptAgreesWithTheHost(String shellAndScript, @TempDir Path temp) throws IOException {
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
        check(shell, args, null, null, Files.createDirectory(temp.resolve("work")), temp);
    }

    /**
     * Runs `jvisor check --clean --report R --stdin S BINARY ARGS` in work; asserts that the runs
     * agree and returns the report's summary line.
     */
    private static String check(String binary, List<String> args, byte[] stdin, Map<String, String> env, Path work,
            Path temp) throws IOException {
        Path report = temp.resolve("report.jsonl");
        Path in = temp.resolve("stdin");
        Files.write(in, stdin != null ? stdin : new byte[0]);
        List<String> cmd = GuestRunner.jvisorCommand();
        cmd.addAll(List.of("check", "--clean", "--report", report.toString(), "--stdin", in.toString(), binary));
        cmd.addAll(args);
        GuestRunner.Result r = GuestRunner.run(cmd, null, env, work);
        String text = Files.exists(report) ? Files.readString(report, StandardCharsets.UTF_8) : "";
        String summary = text.lines().filter(l -> l.startsWith("{\"type\":\"summary\"")).findFirst().orElse("");
        assertEquals(0, r.exitCode(), () -> "jvisor check found unexplained divergences (or failed):\n"
                + r.stderrText() + "\n--- report ---\n" + GuestRunner.abbreviate(text));
        assertTrue(summary.contains("\"unexplained\":0"), summary);
        return summary;
    }

    /** When every program was checked: the committed coverage (docs/SYSCALLS.md's "checked by") must match. */
    @AfterAll
    static void coverageIsCurrent() throws IOException {
        if (PROGRAMS_CHECKED.get() != DifferentialTest.cases().count()) return; // some were skipped or failed
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
