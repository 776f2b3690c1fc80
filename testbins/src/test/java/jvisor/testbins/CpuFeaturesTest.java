package jvisor.testbins;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import jvisor.cpu.Cpuid;
import jvisor.cpu.Reg;

/**
 * What glibc and libgcc conclude from jvisor's CPUID, seen from inside a guest (src/c/cpu-features.c
 * with -v): they recognise the vendor, see exactly the features jvisor's {@link Cpuid} advertises
 * (each one's instruction runs, every other one raises SIGILL), size their caches from its
 * leaves 2 and 4, and pick string functions beyond the SSE2 baseline. (DifferentialTest runs
 * the same program without -v natively and under jvisor: there it checks the same agreements
 * on the host CPU too.)
 */
class CpuFeaturesTest {
    @Test
    void librariesSeeWhatCpuidAdvertises() {
        Path bin = GuestRunner.binary("cpu-features-glibc");
        assumeTrue(Files.isRegularFile(bin), () -> bin + " was not built (run make -C testbins)");
        GuestRunner.Result r = GuestRunner.runJvisor(bin, List.of("-v"), null, null, null, true);
        String out = r.stdoutText();
        assertEquals(0, r.exitCode(), () -> "jvisor run failed:\n" + r);
        Map<String, String> facts = new HashMap<>();
        List<String[]> rows = new ArrayList<>();
        boolean table = false;
        for (String line : out.split("\n")) {
            if (line.startsWith("feature ")) {
                table = true;
                continue;
            }
            String[] w = line.trim().split("\\s+");
            if (table && w.length == 7 && w[1].matches("[0-9a-f]+\\.e[a-d]x\\.\\d+(\\+avx(512)?)?")) rows.add(w);
            if (w[0].equals("glibc") && w.length == 3) facts.put(w[1], w[2]);
        }
        assertTrue(out.startsWith("vendor GenuineIntel\n"), out);
        assertTrue(out.contains("signature family 6 model 94 stepping 3\n"), out);
        assertTrue(out.contains("libgcc intel 1\n"), out);

        assertTrue(rows.size() > 20, out);
        long[] regs = new long[16];
        List<String> advertised = new ArrayList<>();
        for (String[] w : rows) {
            String[] bit = w[1].split("[.+]");
            Cpuid.leaf(Integer.parseUnsignedInt(bit[0], 16), 0, regs);
            int reg = switch (bit[1]) {
                case "eax" -> Reg.RAX;
                case "ebx" -> Reg.RBX;
                case "ecx" -> Reg.RCX;
                default -> Reg.RDX;
            };
            long expected = regs[reg] >>> Integer.parseInt(bit[2]) & 1;
            assertEquals(expected, Long.parseLong(w[2]), () -> "the guest's CPUID bit of " + w[0] + " is not jvisor's:\n" + out);
            if (expected == 1) advertised.add(w[0]);
            for (int k = 3; k < 7; k++) {
                int column = k;
                if (!w[k].equals("-1")) assertEquals(w[2], w[k], () -> w[0] + ": column " + column + " disagrees with CPUID:\n" + out);
            }
        }
        assertTrue(advertised.containsAll(List.of("cmov", "sse2", "ssse3", "sse4.2", "popcnt")), out);
        assertTrue(!advertised.contains("mmx") && !advertised.contains("avx512f"), out);

        // glibc's choices go beyond the baseline, and its cache sizes are jvisor's leaf 4 (L3: 8 MiB,
        // whose 3/4 is the non-temporal threshold of memcpy).
        assertTrue(!facts.get("memmove").startsWith("__memmove_sse2"), out);
        assertTrue(List.of("__strcmp_sse42", "__strcmp_avx2").contains(facts.get("strcmp")), out);
        assertTrue(out.contains("sysconf L1d 32768/8-way/64 L2 262144/4-way L3 8388608/16-way\n"), out);
        assertTrue(out.contains("glibc non_temporal_threshold 6291456\n"), out);
    }
}
