package jvisor.testbins;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Real programs as the bar: the shell scripts in testbins/scripts run under Debian's static
 * busybox sh and bash, natively and under jvisor, each in a fresh directory, and must print the
 * same and exit the same. PATH holds only busybox applets (links to the static busybox), so every
 * command the scripts start is a static program jvisor can run: pipes, subshells, functions,
 * traps, here-documents, background jobs and wait, and the coreutils-like applets exercise fork,
 * execve, wait4, signals, pipes and the file system.
 */
class ScriptTest {
    private static final Path BUSYBOX = Path.of("/bin/busybox");
    private static final Path BASH = Path.of("/bin/bash-static");
    static Stream<Arguments> cases() throws IOException {
        Path dir = GuestRunner.testbinsDir().resolve("scripts");
        List<Arguments> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path script : files.filter(p -> p.toString().endsWith(".sh")).sorted().toList()) {
                out.add(Arguments.of("busybox sh " + script.getFileName(), BUSYBOX, List.of("sh", script.toString())));
                out.add(Arguments.of("bash " + script.getFileName(), BASH, List.of(script.toString())));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void scriptRunsAsNatively(String name, Path shell, List<String> args, @TempDir Path temp) throws IOException {
        assumeTrue(Files.isExecutable(BUSYBOX), "busybox-static is not installed (scripts/install-deps installs it)");
        assumeTrue(Files.isExecutable(shell), shell + " is not installed (scripts/install-deps installs bash-static)");
        Map<String, String> env = GuestRunner.env("PATH", GuestRunner.appletsDir().toString(), "LANG", "C",
                "HOME", "/nonexistent");
        Path nativeDir = Files.createDirectory(temp.resolve("native"));
        Path jvisorDir = Files.createDirectory(temp.resolve("jvisor"));

        GuestRunner.Result nat = GuestRunner.runNative(shell, args, null, env, nativeDir);
        List<String> cmd = GuestRunner.jvisorCommand();
        cmd.addAll(List.of("run", "--quiet", "--rw", shell.toString()));
        cmd.addAll(args);
        GuestRunner.Result emu = GuestRunner.run(cmd, null, env, jvisorDir);

        String both = "\n=== native ===\n" + nat + "\n=== jvisor ===\n" + emu;
        assertEquals(nat.exitCode(), emu.exitCode(), () -> name + ": exit code differs" + both);
        assertArrayEquals(nat.stdout(), emu.stdout(), () -> name + ": stdout differs" + both);
        assertArrayEquals(nat.stderr(), emu.stderr(), () -> name + ": stderr differs" + both);
    }
}
