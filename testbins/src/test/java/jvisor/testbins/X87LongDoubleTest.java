package jvisor.testbins;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * End-to-end x87 test: src/x87/longdouble.c, built static with glibc and with musl, prints long
 * double arithmetic (printf %Lf %Le %La %Lg), strtold round trips, libm long double functions
 * and double printf (musl's goes through long double). Its output under jvisor must equal the
 * native output, except that lines starting with '~' (results of the transcendental
 * instructions, which the hardware computes within one ulp, not correctly rounded) are compared
 * numerically with a relative tolerance of 2e-18 (about 18 ulps of extended precision).
 *
 * <p>The program is compiled here, into a temporary directory, so the test needs gcc (and musl-gcc for the
 * musl variant; skipped without it).
 */
class X87LongDoubleTest {
    private static final BigDecimal TOLERANCE = new BigDecimal("2e-18");

    @ParameterizedTest
    @ValueSource(strings = {"gcc", "musl-gcc"})
    void outputEqualsNative(String compiler) throws Exception {
        Path src = GuestRunner.testbinsDir().resolve("src/x87/longdouble.c");
        Path dir = Files.createTempDirectory("jvisor-x87-");
        Path bin = dir.resolve("longdouble-" + (compiler.equals("gcc") ? "glibc" : "musl"));
        GuestRunner.Result cc;
        try {
            cc = GuestRunner.run(List.of(compiler, "-O2", "-static", "-o", bin.toString(), src.toString(), "-lm"), null, null, null);
        } catch (UncheckedIOException | AssertionError e) {
            Assumptions.abort(compiler + " is not available: " + e.getMessage());
            return;
        }
        Assumptions.assumeTrue(cc.exitCode() == 0, compiler + " failed: " + cc.stderrText());

        GuestRunner.Result nat = GuestRunner.runNative(bin, List.of(), null, null, null);
        GuestRunner.Result emu = GuestRunner.runJvisor(bin, List.of(), null, null, null, true);
        assertEquals(0, nat.exitCode(), "native run failed");
        assertEquals(0, emu.exitCode(), "jvisor run failed: " + emu.stderrText());
        String[] a = nat.stdoutText().split("\n", -1), b = emu.stdoutText().split("\n", -1);
        assertEquals(a.length, b.length, "line count\nnative:\n" + nat.stdoutText() + "\njvisor:\n" + emu.stdoutText());
        List<String> problems = new ArrayList<>();
        int approx = 0, approxIdentical = 0;
        for (int k = 0; k < a.length; k++) {
            if (a[k].startsWith("~")) {
                approx++;
                if (a[k].equals(b[k])) approxIdentical++;
                else if (!close(a[k], b[k])) problems.add("line " + (k + 1) + ":\n  native " + a[k] + "\n  jvisor " + b[k]);
            } else if (!a[k].equals(b[k])) {
                problems.add("line " + (k + 1) + ":\n  native " + a[k] + "\n  jvisor " + b[k]);
            }
        }
        System.out.printf("x87 %s program: %d lines, %d exact lines identical, %d of %d transcendental lines identical%n", compiler,
                a.length, a.length - approx, approxIdentical, approx);
        if (!problems.isEmpty()) fail(problems.size() + " lines differ:\n" + String.join("\n", problems));
    }

    /** Same tokens, numbers within the relative tolerance. */
    private static boolean close(String x, String y) {
        String[] s = x.split("\\s+"), t = y.split("\\s+");
        if (s.length != t.length) return false;
        for (int k = 0; k < s.length; k++) {
            if (s[k].equals(t[k])) continue;
            int i = s[k].indexOf('='), j = t[k].indexOf('=');
            if (i < 0 || i != j || !s[k].substring(0, i).equals(t[k].substring(0, j))) return false;
            try {
                BigDecimal u = new BigDecimal(s[k].substring(i + 1)), v = new BigDecimal(t[k].substring(j + 1));
                BigDecimal scale = u.abs().max(v.abs());
                if (u.subtract(v).abs().compareTo(scale.multiply(TOLERANCE, MathContext.DECIMAL64)) > 0) return false;
            } catch (NumberFormatException e) {
                return false;
            }
        }
        return true;
    }
}
