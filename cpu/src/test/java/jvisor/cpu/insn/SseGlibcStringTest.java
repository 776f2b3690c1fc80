package jvisor.cpu.insn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Arrays;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import jvisor.mmu.AddressSpace;
import jvisor.mmu.Prot;

/**
 * glibc's SSE2 string and memory functions (the ones its ifuncs pick on a CPU that advertises only
 * SSE2), taken from a static binary built on the host and called directly on the emulator with
 * random buffers at every alignment, including strings that end right before an unmapped page.
 * The results are checked against Java's own computation. Skips when the host has no static
 * glibc, or when a function reaches an instruction of another family that is not implemented yet.
 */
class SseGlibcStringTest {
    private static final String SOURCE = """
            #include <string.h>
            #include <stdio.h>
            int main(int c, char **v) {
                char b[64];
                strcpy(b, v[0]);
                printf("%zu %p %p %d %p %d %zu %p %p\\n", strlen(v[0]), strchr(v[0], c), strrchr(v[0], c), strcmp(v[0], b),
                       memchr(v[0], c, 3), memcmp(v[0], b, 3), strnlen(v[0], c), rawmemchr(v[0], 0), stpcpy(b, "x"));
                memmove(b + 1, b, 10);
                memset(b, c, 20);
                return strncmp(b, v[0], 5) + b[3];
            }
            """;

    private static final long A = GlibcHarness.A, B = GlibcHarness.B;
    /** Large buffers for the non-temporal copy path. */
    private static final long C = 0x5100_0000L, D = 0x5200_0000L, LARGE = 0x40000;

    private static GlibcHarness glibc;
    private static Map<String, Long> symbols;
    private static AddressSpace space;
    private static String unavailable;

    @BeforeAll
    static void load() throws Exception {
        glibc = GlibcHarness.build("jvisor-sse-glibc", SOURCE);
        glibc.skipOtherFamilies = true;
        symbols = glibc.symbols;
        unavailable = glibc.unavailable;
        if (unavailable != null) return;
        glibc.mapImage();
        space = glibc.space;
        space.mapAnonymous(C, LARGE, Prot.RW, "c");
        space.mapAnonymous(D, LARGE, Prot.RW, "d");
        glibc.startCpu();
    }

    /** Calls a function with up to three integer arguments and returns RAX. */
    private static long call(String function, long a0, long a1, long a2) {
        return glibc.call(function, a0, a1, a2);
    }

    private static void put(long addr, byte[] bytes) {
        glibc.put(addr, bytes);
    }

    private static byte[] randomString(Random r, int len, int alphabet) {
        byte[] s = new byte[len];
        for (int k = 0; k < len; k++) s[k] = (byte) (1 + r.nextInt(alphabet));
        return s;
    }

    private static long place(Random r, long buffer, int n) {
        return GlibcHarness.place(r, buffer, n);
    }

    private static int strncmp(byte[] s, byte[] t, int n) {
        for (int i = 0; i < n; i++) {
            int x = s[i] & 0xFF, y = t[i] & 0xFF;
            if (x != y) return Integer.signum(x - y);
            if (x == 0) return 0;
        }
        return 0;
    }

    private static int strlen(byte[] s) {
        int k = 0;
        while (s[k] != 0) k++;
        return k;
    }

    @Test
    void strlenStrnlenRawmemchr() {
        Random r = new Random(1);
        for (int k = 0; k < 600; k++) {
            int len = r.nextInt(k % 10 == 0 ? 300 : 40);
            byte[] s = Arrays.copyOf(randomString(r, len, 255), len + 1);
            long at = place(r, A, s.length);
            put(at, s);
            assertEquals(len, call("__strlen_sse2", at, 0, 0), "strlen len=" + len + " at " + Long.toHexString(at));
            long max = r.nextInt(len + 20);
            assertEquals(Math.min(len, max), call("__strnlen_sse2", at, max, 0), "strnlen");
            assertEquals(at + len, call("__rawmemchr_sse2", at, 0, 0), "rawmemchr");
        }
    }

    @Test
    void strchrStrrchrMemchr() {
        Random r = new Random(2);
        for (int k = 0; k < 600; k++) {
            int len = r.nextInt(k % 10 == 0 ? 300 : 50);
            byte[] s = Arrays.copyOf(randomString(r, len, 8), len + 1);
            long at = place(r, A, s.length);
            put(at, s);
            int c = r.nextInt(10) == 0 ? 0 : 1 + r.nextInt(10);
            int first = -1, last = -1;
            for (int i = 0; i <= len; i++) {
                if ((s[i] & 0xFF) == c) {
                    if (first < 0) first = i;
                    last = i;
                }
            }
            assertEquals(first < 0 ? 0 : at + first, call("__strchr_sse2", at, c, 0), "strchr");
            assertEquals(first < 0 ? at + len : at + first, call("__strchrnul_sse2", at, c, 0), "strchrnul");
            assertEquals(last < 0 ? 0 : at + last, call("__strrchr_sse2", at, c, 0), "strrchr");
            int n = r.nextInt(len + 2);
            int m = -1;
            for (int i = 0; i < n; i++) if ((s[i] & 0xFF) == c) { m = i; break; }
            assertEquals(m < 0 ? 0 : at + m, call("__memchr_sse2", at, c, n), "memchr n=" + n);
        }
    }

    @Test
    void strcmpStrncmpMemcmp() {
        Random r = new Random(3);
        for (int k = 0; k < 600; k++) {
            int len = r.nextInt(k % 10 == 0 ? 300 : 50);
            byte[] s = Arrays.copyOf(randomString(r, len, 3), len + 1);
            byte[] t = s.clone();
            if (r.nextInt(4) != 0 && len > 0) t[r.nextInt(len + 1)] = (byte) r.nextInt(256);
            t = Arrays.copyOf(t, len + 2); // stays terminated whatever was changed
            long a = place(r, A, s.length), b = place(r, B, t.length);
            put(a, s);
            put(b, t);
            int n = r.nextInt(len + 3);
            assertEquals(strncmp(s, t, Integer.MAX_VALUE), Integer.signum((int) call("__strcmp_sse2", a, b, 0)), "strcmp");
            assertEquals(strncmp(s, t, n), Integer.signum((int) call("__strncmp_sse2", a, b, n)), "strncmp n=" + n);
            int mn = r.nextInt(len + 2);
            assertEquals(Integer.signum(Arrays.compareUnsigned(s, 0, mn, t, 0, mn)),
                    Integer.signum((int) call("__memcmp_sse2", a, b, mn)), "memcmp n=" + mn);
        }
    }

    @Test
    void memcpyMemmoveMemset() {
        Random r = new Random(4);
        for (int k = 0; k < 400; k++) {
            int n = r.nextInt(k % 8 == 0 ? 3000 : 200);
            byte[] src = new byte[n];
            r.nextBytes(src);
            long s = A + r.nextInt(64), d = B + r.nextInt(64);
            put(s, src);
            assertEquals(d, call("__memcpy_sse2_unaligned", d, s, n));
            assertEquals(Arrays.toString(src), Arrays.toString(space.readBytes(d, n)), "memcpy n=" + n);
            // overlapping move, both directions
            long d2 = s + r.nextInt(40) - 20;
            if (d2 < A) d2 = A;
            byte[] before = space.readBytes(A, 4096);
            call("__memmove_sse2_unaligned", d2, s, n);
            byte[] expect = before.clone();
            System.arraycopy(before, (int) (s - A), expect, (int) (d2 - A), n);
            assertEquals(Arrays.toString(expect), Arrays.toString(space.readBytes(A, 4096)), "memmove n=" + n);
            int c = r.nextInt(256);
            long at = B + r.nextInt(64);
            byte[] around = space.readBytes(B, 4096);
            assertEquals(at, call("__memset_sse2_unaligned", at, c, n));
            Arrays.fill(around, (int) (at - B), (int) (at - B) + n, (byte) c);
            assertEquals(Arrays.toString(around), Arrays.toString(space.readBytes(B, 4096)), "memset n=" + n);
        }
    }

    /**
     * Copies above the non-temporal threshold take glibc's page-interleaved MOVNTDQ loops. The
     * threshold is lowered to the minimum glibc allows (0x4040), which is what it computes on a
     * CPU without cache descriptors, such as jvisor's.
     */
    @Test
    void largeNonTemporalCopies() {
        assumeTrue(unavailable == null, unavailable);
        Long nt = symbols.get("__x86_shared_non_temporal_threshold");
        assumeTrue(nt != null);
        space.write64(nt, 0x4040);
        try {
            Random r = new Random(5);
            for (int k = 0; k < 12; k++) {
                int n = 0x4040 + r.nextInt(k < 6 ? 0x8000 : 0x30000);
                byte[] src = new byte[n];
                r.nextBytes(src);
                long s = C + r.nextInt(4096), d = D + r.nextInt(4096);
                put(s, src);
                assertEquals(d, call("__memcpy_sse2_unaligned", d, s, n));
                assertEquals(java.util.HexFormat.of().formatHex(src), java.util.HexFormat.of().formatHex(space.readBytes(d, n)),
                        "large memcpy n=" + n);
            }
        } finally {
            space.write64(nt, 0xC0000);
        }
    }
}
