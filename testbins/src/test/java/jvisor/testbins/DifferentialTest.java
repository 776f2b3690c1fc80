/*
 * DifferentialTest - end-to-end: every test program in testbins/out is run
 * natively and under jvisor (`run --quiet`) with the same arguments, stdin,
 * environment and working directory, and the exit code, stdout and stderr
 * must be byte-for-byte identical.  Programs that die from a signal (ud2:
 * SIGILL, rowrite: SIGSEGV) are compared the same way: Java reports 128+N for
 * both.  A program that was not built (e.g. musl-gcc missing) is a failed
 * assumption, reported as skipped with the reason, never a silent pass.
 */
package jvisor.testbins;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class DifferentialTest {

    /** Where a case runs: in testbins/data (for relative file names) or in a fresh empty directory. */
    enum WorkDir { DATA, TEMP }

    /**
     * One program run: display name, binary in testbins/out, arguments, stdin (null: empty),
     * environment (null: GuestRunner.DEFAULT_ENV), working directory and the exit code the
     * program must have natively (a sanity check of the test program itself).
     */
    record Case(String name, String binary, List<String> args, byte[] stdin,
                Map<String, String> env, WorkDir workDir, int nativeExit) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static Case simple(String binary, int nativeExit) {
        return new Case(binary, binary, List.of(), null, null, WorkDir.TEMP, nativeExit);
    }

    /** Deterministic pseudo-random bytes: crosses 4096-byte chunk boundaries, not a multiple of 4096. */
    private static byte[] stdinBytes(int n) {
        byte[] b = new byte[n];
        long x = 0x9E3779B97F4A7C15L;
        for (int i = 0; i < n; i++) {
            x = x * 6364136223846793005L + 1442695040888963407L;
            b[i] = (byte) (x >>> 56);
        }
        return b;
    }

    static Stream<Case> cases() {
        return Stream.of(
                simple("hello-asm", 0),
                simple("exit42-asm", 42),
                simple("hello-glibc", 0),
                simple("hello-glibc-pie", 0),
                simple("hello-musl", 0),
                simple("exit0", 0),
                simple("exit1", 1),
                simple("exit42", 42),
                simple("printf-glibc", 0),
                simple("malloc-glibc", 0),
                simple("malloc-musl", 0),
                simple("strings-glibc", 0),
                simple("strings-musl", 0),
                new Case("wc-glibc words.txt", "wc-glibc", List.of("words.txt"), null, null, WorkDir.DATA, 0),
                new Case("wc-glibc missing file", "wc-glibc", List.of("no-such-file.txt"), null, null,
                        WorkDir.DATA, 1),
                new Case("wc-glibc no arguments", "wc-glibc", List.of(), null, null, WorkDir.DATA, 2),
                new Case("cat-stdin-glibc 100003 bytes", "cat-stdin-glibc", List.of(), stdinBytes(100_003),
                        null, WorkDir.TEMP, 0),
                new Case("cat-stdin-glibc text", "cat-stdin-glibc", List.of(),
                        "line one\nline two\n\nno newline at end".getBytes(StandardCharsets.UTF_8),
                        null, WorkDir.TEMP, 0),
                new Case("cat-stdin-glibc empty", "cat-stdin-glibc", List.of(), new byte[0], null,
                        WorkDir.TEMP, 0),
                new Case("args-env-glibc", "args-env-glibc",
                        List.of("one", "two words", "", "  padded  ", "quote\"s and 'apostrophes'",
                                "grüße", "--flag=value", "-"),
                        null,
                        GuestRunner.env(
                                "PATH", "/usr/bin:/bin",
                                "LANG", "C.UTF-8",
                                "JVISOR_EMPTY", "",
                                "JVISOR_SPACES", "a b  c ",
                                "JVISOR_EQUALS", "x=y=z"),
                        WorkDir.TEMP, 0),
                new Case("args-env-glibc empty environment", "args-env-glibc", List.of("only-arg"), null,
                        Map.of(), WorkDir.TEMP, 0),
                simple("fs-basic-glibc", 0),
                simple("fs-escape-glibc", 0),
                simple("pipe-basic-glibc", 0),
                simple("fifo-glibc", 0),
                simple("signalfd-glibc", 0),
                simple("timer-thread-glibc", 0),
                simple("poll-basic-glibc", 0),
                simple("ud2-glibc", 128 + 4),     // SIGILL
                simple("crash-glibc", 128 + 11),  // SIGSEGV: the debugging tools' planted NULL write
                new Case("exec-chain-glibc crash-glibc", "exec-chain-glibc", List.of(GuestRunner.binary("crash-glibc").toString()),
                        null, null, WorkDir.TEMP, 128 + 11), // execve, then the new program's SIGSEGV
                new Case("exec-chain-glibc --fork crash-glibc 3", "exec-chain-glibc",
                        List.of("--fork", GuestRunner.binary("crash-glibc").toString(), "3"), null, null, WorkDir.TEMP, 3),
                new Case("exec-chain-glibc missing program", "exec-chain-glibc", List.of("/no/such/program"), null, null, WorkDir.TEMP,
                        127),
                simple("rowrite-glibc", 128 + 11), // SIGSEGV
                simple("signals-handler-glibc", 128 + 15), // ends with raise(SIGTERM)
                simple("signals-handler-musl", 128 + 15),
                simple("signals-faults-glibc", 128 + 11), // ends with a fault while SIGSEGV is blocked
                simple("signals-wait-glibc", 0),
                simple("signals-altstack-glibc", 128 + 6), // ends with abort()
                simple("signals-xstate-glibc", 0),
                simple("time-clocks-glibc", 0),
                simple("fork-wait-glibc", 0),
                simple("job-control-glibc", 0),
                simple("job-control-threads-glibc", 0),
                simple("job-control-tty-glibc", 0),
                simple("threads-glibc", 0),
                simple("signals-restart-glibc", 0),
                simple("memory-glibc", 0),
                simple("exec-glibc", 0),
                simple("identity-glibc", 0),
                simple("file-locks-glibc", 0),
                simple("sockets-glibc", 0),
                simple("fp-libm-glibc", 0),
                simple("fp-libm-musl", 0),
                simple("cpu-features-glibc", 0),
                simple("bmi-glibc", 0),
                simple("simd-sse2-glibc", 0),
                simple("simd-ssse3-glibc", 0),
                simple("simd-sse41-glibc", 0),
                simple("simd-sse42-glibc", 0),
                simple("simd-avx2-glibc", 0)
        );
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void nativeAndJvisorAgree(Case c, @TempDir Path temp) throws IOException {
        Path bin = GuestRunner.binary(c.binary());
        assumeTrue(Files.isRegularFile(bin),
                () -> bin + " was not built (run make -C testbins; musl programs need musl-gcc from musl-tools)");

        // DATA: both run in testbins/data.  TEMP: each run gets its own empty directory,
        // so nothing left by the native run (e.g. a core file) is seen by the jvisor run.
        Path data = GuestRunner.testbinsDir().resolve("data");
        Path nativeDir = c.workDir() == WorkDir.DATA ? data : Files.createDirectory(temp.resolve("native"));
        Path jvisorDir = c.workDir() == WorkDir.DATA ? data : Files.createDirectory(temp.resolve("jvisor"));

        GuestRunner.Result nat = GuestRunner.runNative(bin, c.args(), c.stdin(), c.env(), nativeDir);
        assertEquals(c.nativeExit(), nat.exitCode(),
                () -> "test program misbehaves natively (not a jvisor bug): " + c + "\n" + nat);

        GuestRunner.Result emu = GuestRunner.runJvisor(bin, c.args(), c.stdin(), c.env(), jvisorDir, true);

        String both = "\n=== native ===\n" + nat + "\n=== jvisor ===\n" + emu;
        assertEquals(nat.exitCode(), emu.exitCode(), () -> c + ": exit code differs" + both);
        assertArrayEquals(nat.stdout(), emu.stdout(), () -> c + ": stdout differs" + both);
        assertArrayEquals(nat.stderr(), emu.stderr(), () -> c + ": stderr differs" + both);
    }
}
