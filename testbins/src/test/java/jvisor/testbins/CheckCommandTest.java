/*
 * CheckCommandTest - the command line of `jvisor check` in a fresh JVM, as users run it: the exit
 * status (0 agree, 1 diverge, 2 usage), the human summary on stderr and the JSON lines report.
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

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckCommandTest {
    @TempDir
    Path temp;

    private GuestRunner.Result check(String... args) {
        List<String> cmd = GuestRunner.jvisorCommand();
        cmd.add("check");
        cmd.addAll(List.of(args));
        return GuestRunner.run(cmd, null, null, GuestRunner.testbinsDir());
    }

    private static String binary(String name) {
        Path bin = GuestRunner.binary(name);
        assumeTrue(Files.isRegularFile(bin), () -> bin + " was not built (run make -C testbins)");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/strace")), "strace is not installed (scripts/install-deps)");
        return bin.toString();
    }

    @Test
    void agreeingRunsExitZeroWithAReport() throws IOException {
        Path report = temp.resolve("r.jsonl");
        GuestRunner.Result r = check("--report", report.toString(), binary("hello-asm"));
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.stderrText().contains("the runs agree"), r::toString);
        List<String> lines = Files.readAllLines(report, StandardCharsets.UTF_8);
        assertTrue(lines.get(0).startsWith("{\"type\":\"run\""), lines.get(0));
        String last = lines.get(lines.size() - 1);
        assertTrue(last.startsWith("{\"type\":\"summary\",\"agree\":true") && last.contains("\"write\":1"), last);
    }

    @Test
    void strictComparesAddressesTooAndDiverges() throws IOException {
        Path report = temp.resolve("r.jsonl");
        GuestRunner.Result r = check("--strict", "--report", report.toString(), binary("hello-glibc"));
        assertEquals(1, r.exitCode(), r::toString);
        assertTrue(r.stderrText().contains("first divergence") && r.stderrText().contains("the runs diverge"), r::toString);
        List<String> divergences = new ArrayList<>();
        for (String l : Files.readAllLines(report, StandardCharsets.UTF_8)) {
            if (l.startsWith("{\"type\":\"divergence\"")) divergences.add(l);
        }
        assertTrue(divergences.stream().anyMatch(l -> l.contains("\"syscall\":\"brk\"")), () -> String.join("\n", divergences));
        assertTrue(Files.readString(report).lines().noneMatch(l -> l.startsWith("{\"type\":\"rule\"")), "--strict applies no rule");
    }

    @Test
    void usageErrorsExitTwo() {
        GuestRunner.Result none = check();
        assertEquals(2, none.exitCode(), none::toString);
        assertTrue(none.stderrText().contains("missing BINARY"), none::toString);
        GuestRunner.Result option = check("--frobnicate", "x");
        assertEquals(2, option.exitCode(), option::toString);
        GuestRunner.Result missing = check("/no/such/program");
        assertEquals(2, missing.exitCode(), missing::toString);
        assertTrue(missing.stderrText().contains("/no/such/program: No such file or directory"), missing::toString);
    }
}
