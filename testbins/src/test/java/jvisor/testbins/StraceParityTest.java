package jvisor.testbins;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * `jvisor run --strace` lists the same system calls, in the same order, as the host's
 * `strace -f` of the same binary (jvisor prints the initial execve as strace does).
 */
class StraceParityTest {
    private static final Pattern CALL = Pattern.compile("^(?:\\[pid\\s+\\d+\\]\\s+|\\d+\\s+)?([a-z_][a-z0-9_]*)\\(");

    @TempDir
    Path work;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"hello-asm", "hello-glibc", "hello-glibc-pie", "hello-musl", "exit42"})
    void sameSyscallsAsHostStrace(String name) throws IOException {
        Path binary = GuestRunner.binary(name);
        Assumptions.assumeTrue(Files.isExecutable(binary), () -> name + " was not built");
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/strace")), "strace is not installed");

        Path log = work.resolve("native.strace");
        GuestRunner.Result nativeRun = GuestRunner.run(
                List.of("/usr/bin/strace", "-f", "-qq", "-o", log.toString(), binary.toString()), null, null, work);
        List<String> expected = callNames(Files.readString(log));
        Assumptions.assumeTrue(!expected.isEmpty(), () -> "strace recorded nothing (ptrace not permitted?): "
                + nativeRun.stderrText());

        List<String> cmd = GuestRunner.jvisorCommand();
        cmd.addAll(List.of("run", "--strace", binary.toString()));
        GuestRunner.Result jvisorRun = GuestRunner.run(cmd, null, null, work);
        List<String> actual = callNames(jvisorRun.stderrText());

        assertEquals(expected, actual, "syscalls under jvisor --strace:\n" + jvisorRun.stderrText());
    }

    static List<String> callNames(String straceText) {
        List<String> names = new ArrayList<>();
        for (String line : straceText.split("\n")) {
            Matcher m = CALL.matcher(line);
            if (m.find()) names.add(m.group(1));
        }
        return names;
    }
}
