package jvisor.testbins;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * jvisor run --cpu-report: one line on stderr when the guest ends, even with --quiet and for a
 * guest killed by a signal, and nothing else changes (the guest's output and exit status are the
 * native program's).
 */
class CpuReportCommandTest {
    private static final Pattern LINE = Pattern.compile("^jvisor: CPU time by thread: guest (\\d+\\.\\d{3}) s, "
            + "C2 (\\d+\\.\\d{3}) s, C1 (\\d+\\.\\d{3}) s, translator (\\d+\\.\\d{3}) s, main (\\d+\\.\\d{3}) s, "
            + "other (\\d+\\.\\d{3}) s; total (\\d+\\.\\d{3}) s in (\\d+\\.\\d{3}) s$", Pattern.MULTILINE);

    @TempDir
    Path work;

    private static Path built(String name) {
        Path b = GuestRunner.binary(name);
        Assumptions.assumeTrue(Files.isExecutable(b), name + " was not built");
        return b;
    }

    private static GuestRunner.Result jvisor(Path binary, String... options) {
        List<String> cmd = GuestRunner.jvisorCommand();
        cmd.add("run");
        cmd.addAll(List.of(options));
        cmd.add(binary.toString());
        return GuestRunner.run(cmd, null, null, null);
    }

    /** The report's numbers, in the order printed; checks that they add up. */
    private static List<Double> report(GuestRunner.Result r) {
        Matcher m = LINE.matcher(r.stderrText());
        assertTrue(m.find(), () -> "no CPU report in:\n" + r);
        List<Double> v = new ArrayList<>();
        for (int g = 1; g <= 8; g++) v.add(Double.parseDouble(m.group(g)));
        double groups = 0;
        for (int g = 0; g < 6; g++) groups += v.get(g);
        assertEquals(v.get(6), groups, 0.0061, () -> "the groups add up to the total: " + m.group());
        return v;
    }

    /** jvisor run --quiet --cpu-report BINARY, checked against the native run: same exit status and stdout. */
    private GuestRunner.Result reportedRun(String name) {
        Path binary = built(name);
        GuestRunner.Result nat = GuestRunner.runNative(binary, List.of(), null, null, work);
        GuestRunner.Result r = jvisor(binary, "--quiet", "--cpu-report");
        assertEquals(nat.exitCode(), r.exitCode(), r::toString);
        assertArrayEquals(nat.stdout(), r.stdout(), r::toString);
        return r;
    }

    @Test
    void oneLineAfterTheGuestAndTheGuestUnchanged() {
        GuestRunner.Result r = reportedRun("hello-glibc");
        assertEquals(1, r.stderrText().lines().count(), () -> "only the report on stderr:\n" + r);
        List<Double> v = report(r);
        assertTrue(v.get(0) > 0, () -> "the guest's thread ran: " + v);
        assertTrue(v.get(4) > 0, () -> "the JVM's main thread started it: " + v);
        assertTrue(v.get(7) > 0, () -> "the JVM ran for some time: " + v);
        GuestRunner.Result plain = jvisor(built("hello-glibc"), "--quiet");
        assertEquals("", plain.stderrText(), "no report unless asked for");
    }

    @Test
    void aGuestKilledByASignalStillGetsItsReport() {
        report(reportedRun("crash-glibc"));
    }
}
