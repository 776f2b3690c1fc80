/*
 * BadInputTest - jvisor must reject inputs it cannot run with one clean line:
 * a missing file, a text file, a truncated ELF, a 32-bit ELF, a dynamically
 * linked ELF and a directory.  For each, `jvisor run FILE` (without --quiet)
 * must exit non-zero, print nothing on stdout, and print exactly one line on
 * stderr that starts with "jvisor: " and shows no Java exception or stack
 * trace.  The inputs are made by testbins/Makefile in testbins/out/bad/.
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
}
