/*
 * BadInputTest - jvisor must reject inputs it cannot run with one clean line:
 * a missing file, a text file, a truncated ELF, a 32-bit ELF, a dynamically
 * linked ELF and a directory.  For each, `jvisor run FILE` (without --quiet)
 * must exit non-zero, print nothing on stdout, and print exactly one line on
 * stderr that starts with "jvisor: " and shows no Java exception or stack
 * trace.  The inputs are made by testbins/Makefile in testbins/out/bad/.
 * A guest that executes a dynamically linked program gets an error and jvisor
 * says why on its stderr.
 */
package jvisor.testbins;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class BadInputTest {

    /** A bad input: display name, path under testbins/out, and whether the Makefile must have made it. */
    record Case(String name, String path, boolean mustExist) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> cases() {
        return Stream.of(
                new Case("missing file", "bad/no-such-file", false),
                new Case("not an ELF (text)", "bad/not-elf", true),
                new Case("truncated ELF", "bad/truncated", true),
                new Case("32-bit ELF", "bad/elf32", true),
                new Case("dynamically linked ELF", "bad/dynamic", true),
                new Case("directory", "bad", true));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void rejectedWithOneCleanLine(Case c, @TempDir Path temp) {
        Path input = GuestRunner.testbinsDir().resolve("out").resolve(c.path());
        if (c.mustExist()) {
            assumeTrue(Files.exists(input), () -> input + " was not built (run make -C testbins)");
        } else {
            assumeTrue(!Files.exists(input), () -> input + " exists but must not");
        }

        GuestRunner.Result r = GuestRunner.runJvisor(input, List.of(), null, null, temp, false);
        String err = r.stderrText();
        String what = c + ": jvisor run " + input + "\n" + r;

        assertNotEquals(0, r.exitCode(), () -> "exit code must be non-zero for " + what);
        assertEquals(0, r.stdout().length, () -> "stdout must be empty for " + what);

        String line = err.endsWith("\n") ? err.substring(0, err.length() - 1) : err;
        assertFalse(line.isEmpty(), () -> "stderr must have an error line for " + what);
        assertFalse(line.contains("\n"), () -> "stderr must be exactly one line for " + what);
        assertTrue(line.startsWith("jvisor: "), () -> "stderr must start with \"jvisor: \" for " + what);
        assertFalse(line.contains("Exception"), () -> "stderr must not show an exception for " + what);
        assertFalse(line.contains("at jvisor."), () -> "stderr must not show a stack trace for " + what);
    }

    /**
     * A guest's execve of a dynamically linked program fails with ENOENT, so that a shell says
     * "not found" instead of running the binary as a script, and jvisor prints one notice naming the
     * file and the reason; --quiet leaves the notice out.
     */
    @Test
    void aGuestExecutingADynamicProgramGetsNotFoundAndANotice(@TempDir Path temp) {
        Path dynamic = GuestRunner.testbinsDir().resolve("out/bad/dynamic");
        Path busybox = Path.of("/bin/busybox");
        assumeTrue(Files.exists(dynamic), () -> dynamic + " was not built (run make -C testbins)");
        assumeTrue(Files.isExecutable(busybox), "needs the static busybox (scripts/install-deps)");
        // Run twice: the second attempt gets the same error, but the notice only once.
        List<String> script = List.of("sh", "-c", "\"$0\"; \"$0\"; echo status $?", dynamic.toString());

        GuestRunner.Result r = GuestRunner.runJvisor(busybox, script, null, null, temp, false);
        assertEquals(0, r.exitCode(), r::toString);
        assertEquals("status 127\n", r.stdoutText(), r::toString);
        List<String> lines = r.stderrText().lines().toList();
        assertEquals(3, lines.size(), r::toString);
        assertEquals("jvisor: " + dynamic + ": dynamically linked executables are not supported (PT_INTERP "
                + "/lib64/ld-linux-x86-64.so.2); link it with -static", lines.get(0));
        assertTrue(lines.get(1).endsWith(dynamic + ": not found"), r::toString);
        assertEquals(lines.get(1), lines.get(2), r::toString);

        GuestRunner.Result quiet = GuestRunner.runJvisor(busybox, script, null, null, temp, true);
        assertEquals("status 127\n", quiet.stdoutText(), quiet::toString);
        assertEquals(2, quiet.stderrText().lines().count(), quiet::toString);
    }
}
