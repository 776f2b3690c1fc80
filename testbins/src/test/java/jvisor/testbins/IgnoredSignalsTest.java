package jvisor.testbins;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * Signals ignored where a program starts stay ignored in it (signal(7): execve keeps SIG_IGN),
 * under jvisor as natively: src/c/sigign.c prints the signals it started with ignored, run by a
 * shell that ignores SIGHUP, SIGINT, SIGUSR1 and SIGTERM (as nohup or a background job would)
 * and then execs the program, or execs jvisor running it.
 */
class IgnoredSignalsTest {
    /** The command as `sh -c` runs it after trap '' for the signals, with exec. */
    private static List<String> underIgnoringShell(List<String> command) {
        List<String> cmd = new ArrayList<>(List.of("/bin/sh", "-c", "trap '' HUP INT USR1 TERM; exec \"$@\"", "sh"));
        cmd.addAll(command);
        return cmd;
    }

    @Test
    void ignoredSignalsAreInherited() {
        Path bin = GuestRunner.binary("sigign-glibc");
        assumeTrue(Files.isRegularFile(bin), () -> bin + " was not built (run make -C testbins)");
        GuestRunner.Result nat = GuestRunner.run(underIgnoringShell(List.of(bin.toString())), null, null, null);
        List<String> jv = GuestRunner.jvisorCommand();
        jv.addAll(List.of("run", "--quiet", bin.toString()));
        GuestRunner.Result emu = GuestRunner.run(underIgnoringShell(jv), null, null, null);
        assertEquals(0, nat.exitCode(), () -> "native run failed:\n" + nat);
        assertEquals(0, emu.exitCode(), () -> "jvisor run failed:\n" + emu);
        String expected = nat.stdoutText();
        for (int sig : new int[] {1, 2, 10, 15}) {
            assumeTrue(expected.contains(" " + sig), () -> "the shell did not ignore signal " + sig + ": " + expected);
        }
        assertEquals(expected, emu.stdoutText(), "signals ignored at the start, native vs jvisor");
    }
}
