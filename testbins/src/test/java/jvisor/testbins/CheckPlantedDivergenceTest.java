/*
 * CheckPlantedDivergenceTest - `jvisor check` catches a divergence planted on purpose. Through the
 * kernel's SyscallInterceptor (the hook the embedding API wraps), openat of a missing file answers
 * EACCES instead of ENOENT under jvisor; the check, run in this JVM through its Java API, must
 * report the runs as diverging, name openat as the first divergence, show both results, and leave
 * it unexplained (no rule or deliberate difference covers it). Without the planted fault the same
 * program agrees, so the divergence is the fault's alone.
 */
package jvisor.testbins;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

import jvisor.kernel.abi.Errno;
import jvisor.kernel.check.Check;
import jvisor.kernel.check.Divergence;
import jvisor.kernel.proc.Task;
import jvisor.kernel.syscall.SyscallInterceptor;
import jvisor.kernel.syscall.SyscallTable;

class CheckPlantedDivergenceTest {
    private static final String MISSING = "no-such-file-for-check.txt";

    /** Turns openat's ENOENT into EACCES. */
    static final class WrongErrno implements SyscallInterceptor {
        private final int openat = SyscallTable.linux().number("openat");
        int planted;

        @Override
        public long after(Task t, int nr, long[] args, long result) {
            if (nr == openat && result == -Errno.ENOENT) {
                planted++;
                return -Errno.EACCES;
            }
            return result;
        }
    }

    private static Check.Outcome check(SyscallInterceptor planted) throws Exception {
        Path bin = GuestRunner.binary("wc-glibc");
        assumeTrue(Files.isRegularFile(bin), () -> bin + " was not built (run make -C testbins)");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/strace")), "strace is not installed (scripts/install-deps)");
        assumeTrue(!Files.exists(Path.of(MISSING)), MISSING + " exists in the working directory");
        List<byte[]> argv = List.of(bin.toString().getBytes(StandardCharsets.UTF_8), MISSING.getBytes(StandardCharsets.UTF_8));
        List<byte[]> envp = List.of("PATH=/usr/bin:/bin".getBytes(StandardCharsets.UTF_8),
                "LANG=C.UTF-8".getBytes(StandardCharsets.UTF_8));
        return Check.run(new Check.Request(bin.toString(), argv, envp, null, false, planted, 120, null, null));
    }

    @Test
    void theCheckNamesThePlantedErrno() throws Exception {
        WrongErrno planted = new WrongErrno();
        Check.Outcome o = check(planted);
        assertEquals(1, planted.planted, "the program opens the missing file once");
        assertFalse(o.agree(), () -> Check.summary(o));
        Divergence first = o.divergences().stream().filter(d -> !d.explained()).findFirst().orElseThrow();
        assertEquals("errno", first.kind(), () -> Check.summary(o));
        assertEquals("openat", first.syscall());
        assertTrue(first.nativeText().contains(MISSING) && first.nativeText().endsWith("= -1 ENOENT"), first.nativeText());
        assertTrue(first.jvisorText().contains(MISSING) && first.jvisorText().endsWith("= -1 EACCES"), first.jvisorText());
        assertTrue(first.detail().contains("ENOENT") && first.detail().contains("EACCES"), first.detail());
        String summary = Check.summary(o);
        assertTrue(summary.contains("errno at openat") && summary.contains("the runs diverge"), summary);
        assertTrue(Check.jsonLines(o).stream().anyMatch(l -> l.contains("\"kind\":\"errno\"") && l.contains("\"syscall\":\"openat\"")
                && l.contains("\"explained\":false")), () -> String.join("\n", Check.jsonLines(o)));
    }

    @Test
    void withoutThePlantedErrnoTheRunsAgree() throws Exception {
        Check.Outcome o = check(null);
        assertTrue(o.agree(), () -> Check.summary(o));
    }
}
