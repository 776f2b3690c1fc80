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

    private static final Pattern SOCKET_CALL = Pattern.compile(
            "^(socket|socketpair|bind|listen|accept4?|connect|sendto|recvfrom|sendmsg|recvmsg|shutdown"
            + "|getsockname|getpeername|setsockopt|getsockopt)\\(.*");

    /**
     * The socket calls of sockets-glibc (its single-process part) print as the host's strace prints
     * them, argument by argument: addresses, option names and values, msghdr and control messages.
     * What differs between any two runs is masked: ports, pointers, the temporary directory, pids.
     */
    @org.junit.jupiter.api.Test
    void socketCallsPrintAsHostStracePrintsThem() throws IOException {
        Path binary = GuestRunner.binary("sockets-glibc");
        Assumptions.assumeTrue(Files.isExecutable(binary), "sockets-glibc was not built");
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/strace")), "strace is not installed");
        Path log = work.resolve("native.strace");
        GuestRunner.run(List.of("/usr/bin/strace", "-qq", "-o", log.toString(), binary.toString(), "nofork"),
                null, null, work);
        List<String> expected = socketLines(Files.readString(log));
        Assumptions.assumeTrue(!expected.isEmpty(), "strace recorded nothing (ptrace not permitted?)");

        List<String> cmd = GuestRunner.jvisorCommand();
        cmd.addAll(List.of("run", "--strace", binary.toString(), "nofork"));
        GuestRunner.Result jvisorRun = GuestRunner.run(cmd, null, null, work);
        assertEquals(0, jvisorRun.exitCode(), jvisorRun.toString());
        assertEquals(String.join("\n", expected), String.join("\n", socketLines(jvisorRun.stderrText())));
    }

    static List<String> socketLines(String straceText) {
        List<String> out = new ArrayList<>();
        for (String line : straceText.split("\n")) {
            if (!SOCKET_CALL.matcher(line).matches()) continue;
            out.add(line.replaceAll("htons\\(\\d+\\)", "htons(PORT)")
                    .replaceAll("0x[0-9a-f]+", "0xADDR")
                    .replaceAll("/tmp/jvisor-sockets-[A-Za-z0-9]{6}", "/tmp/DIR")
                    .replaceAll("pid=\\d+", "pid=PID")
                    .replaceAll("sun_path=@\"[0-9a-f]{5}\"", "sun_path=@\"AUTOBIND\"")
                    .replaceAll("\\) +=", ") ="));
        }
        return out;
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
