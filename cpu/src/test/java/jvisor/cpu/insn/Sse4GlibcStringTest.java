package jvisor.cpu.insn;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import jvisor.mmu.AddressSpace;
import jvisor.mmu.Prot;

/**
 * glibc's SSSE3, SSE4.1 and SSE4.2 string functions, the ones its ifuncs pick once CPUID
 * advertises those extensions (PCMPISTRI in strcspn/strspn/strpbrk/strcmp/strncmp/strcasecmp,
 * PALIGNR in memmove, PTEST in wcslen), taken from a static binary built on the host and called
 * directly on the emulator with random buffers at every alignment, including strings that end
 * right before an unmapped page. Results are checked against Java's own computation. Skips when
 * the host has no static glibc or the functions are not in it.
 */
class Sse4GlibcStringTest {
    private static final String SOURCE = """
            #define _GNU_SOURCE
            #include <string.h>
            #include <strings.h>
            #include <wchar.h>
            #include <stdio.h>
            int main(int c, char **v) {
                char b[64];
                wchar_t w[8] = L"abc";
                strcpy(b, v[0]);
                printf("%zu %zu %p %d %d %d %d %p %zu %zu\\n", strcspn(v[0], "ab"), strspn(v[0], "/x"), strpbrk(v[0], "qr"),
                       strcmp(v[0], b), strncmp(v[0], b, 3), strcasecmp(v[0], b), strncasecmp(v[0], b, c),
                       mempcpy(b, v[0], 2), wcslen(w), wcsnlen(w, c));
                memmove(b + 1, b, 10);
                memcpy(b, v[0], c);
                wcscpy(w, L"x");
                return b[3] + w[0];
            }
            """;

    private static final long TLS = 0x6100_0000L;
    private static final long A = GlibcHarness.A, B = GlibcHarness.B, PAGES = GlibcHarness.PAGES;

    private static GlibcHarness glibc;
    private static Map<String, Long> symbols;
    private static AddressSpace space;
    private static final Map<Long, Long> irelative = new HashMap<>();

    @BeforeAll
    static void load() throws Exception {
        glibc = GlibcHarness.build("jvisor-sse4-glibc", SOURCE);
        symbols = glibc.symbols;
        if (glibc.unavailable != null) return;
        try {
            Map<Long, String> ifuncs = new HashMap<>();
            for (String line : glibc.nm.split("\n")) {
                String[] t = line.trim().split("\\s+");
                if (t.length == 3 && t[1].equals("i") && !t[2].startsWith("_")) ifuncs.put(Long.parseUnsignedLong(t[0], 16), t[2]);
            }
            // IRELATIVE slots (the functions' own calls to strlen and such go through them): what
            // startup would have resolved, fixed here to the SSE2 variants.
            for (String line : GlibcHarness.run("readelf", "-rW", glibc.bin.toString()).split("\n")) {
                String[] t = line.trim().split("\\s+");
                if (t.length == 4 && t[2].equals("R_X86_64_IRELATIVE")) {
                    String name = ifuncs.get(Long.parseUnsignedLong(t[3], 16));
                    Long target = null;
                    for (String v : new String[] {"_sse2", "_sse2_unaligned", "_generic"}) {
                        if (target == null && name != null) target = symbols.get("__" + name + v);
                    }
                    if (target != null) irelative.put(Long.parseUnsignedLong(t[0], 16), target);
                }
            }
        } catch (IOException | IllegalStateException e) {
            glibc.unavailable(e);
            return;
        }
        glibc.mapImage();
        space = glibc.space;
        irelative.forEach(space::write64);
        space.mapAnonymous(TLS, 0x2000, Prot.RW, "tls"); // FS: the generic fallbacks read the stack canary at %fs:0x28
        glibc.startCpu();
        glibc.cpu.state.fsBase = TLS + 0x1000;
    }

    /** Calls a function with up to four integer arguments and returns RAX; any fault fails the test. */
    private static long call(String function, long a0, long a1, long a2, long a3) {
        return glibc.call(function, a0, a1, a2, a3);
    }

    private static long call(String function, long a0, long a1, long a2) {
        return call(function, a0, a1, a2, 0);
    }

    private static void put(long addr, byte[] bytes) {
        glibc.put(addr, bytes);
    }

    private static byte[] randomString(Random r, int len, int alphabet) {
        byte[] s = new byte[len];
        for (int k = 0; k < len; k++) {
            s[k] = (byte) (r.nextInt(16) == 0 ? 0x80 + r.nextInt(0x7F) : 'A' + r.nextInt(alphabet));
            if (r.nextInt(3) == 0 && s[k] >= 'A' && s[k] <= 'Z') s[k] += 'a' - 'A'; // mixed case
        }
        return s;
    }

    private static long place(Random r, long buffer, int n) {
        return GlibcHarness.place(r, buffer, n);
    }

    private static int lower(int c) {
        return c >= 'A' && c <= 'Z' ? c + 32 : c;
    }

    private static int compare(byte[] s, byte[] t, int n, boolean fold) {
        for (int i = 0; i < n; i++) {
            int x = s[i] & 0xFF, y = t[i] & 0xFF;
            if (fold) {
                x = lower(x);
                y = lower(y);
            }
            if (x != y) return Integer.signum(x - y);
            if (x == 0) return 0;
        }
        return 0;
    }

    @Test
    void strcspnStrspnStrpbrk() {
        Random r = new Random(11);
        for (int k = 0; k < 600; k++) {
            int len = r.nextInt(k % 10 == 0 ? 200 : 40);
            byte[] s = Arrays.copyOf(randomString(r, len, 10), len + 1);
            int setLen = r.nextInt(k % 7 == 0 ? 20 : 6);
            byte[] set = Arrays.copyOf(randomString(r, setLen, 12), setLen + 1);
            long a = place(r, A, s.length), b = place(r, B, set.length);
            put(a, s);
            put(b, set);
            int cspn = 0, spn = 0;
            while (cspn < len && indexOf(set, setLen, s[cspn]) < 0) cspn++;
            while (spn < len && indexOf(set, setLen, s[spn]) >= 0) spn++;
            String what = " len=" + len + " set=" + setLen;
            assertEquals(cspn, call("__strcspn_sse42", a, b, 0), "strcspn" + what);
            assertEquals(spn, call("__strspn_sse42", a, b, 0), "strspn" + what);
            assertEquals(cspn == len ? 0 : a + cspn, call("__strpbrk_sse42", a, b, 0), "strpbrk" + what);
        }
    }

    private static int indexOf(byte[] set, int n, byte c) {
        for (int i = 0; i < n; i++) if (set[i] == c) return i;
        return -1;
    }

    @Test
    void strcmpStrncmpStrcasecmp() {
        Random r = new Random(12);
        Long locale = symbols == null ? null : symbols.get("_nl_C_locobj");
        for (int k = 0; k < 600; k++) {
            int len = r.nextInt(k % 10 == 0 ? 300 : 50);
            byte[] s = Arrays.copyOf(randomString(r, len, 3), len + 1);
            byte[] t = s.clone();
            for (int i = 0; i < len; i++) if (r.nextInt(4) == 0) t[i] = (byte) (t[i] ^ (Character.isLetter(t[i]) ? 0x20 : 0));
            if (r.nextInt(4) != 0 && len > 0) t[r.nextInt(len + 1)] = (byte) r.nextInt(256);
            t = Arrays.copyOf(t, len + 2); // stays terminated whatever was changed
            long a = place(r, A, s.length), b = place(r, B, t.length);
            put(a, s);
            put(b, t);
            int n = r.nextInt(len + 3);
            String what = " len=" + len + " n=" + n + " at " + Long.toHexString(a) + "," + Long.toHexString(b);
            assertEquals(compare(s, t, Integer.MAX_VALUE, false), Integer.signum((int) call("__strcmp_sse42", a, b, 0)), "strcmp" + what);
            assertEquals(compare(s, t, n, false), Integer.signum((int) call("__strncmp_sse42", a, b, n)), "strncmp" + what);
            if (locale != null) {
                assertEquals(compare(s, t, Integer.MAX_VALUE, true),
                        Integer.signum((int) call("__strcasecmp_l_sse42", a, b, locale)), "strcasecmp" + what);
                assertEquals(compare(s, t, n, true),
                        Integer.signum((int) call("__strncasecmp_l_sse42", a, b, n, locale)), "strncasecmp" + what);
            }
        }
    }

    @Test
    void memcpyMemmoveSsse3() {
        Random r = new Random(13);
        for (int k = 0; k < 500; k++) {
            int n = r.nextInt(k % 8 == 0 ? 5000 : 300);
            byte[] src = new byte[n];
            r.nextBytes(src);
            long s = A + r.nextInt(64), d = B + r.nextInt(64);
            put(s, src);
            assertEquals(d, call("__memcpy_ssse3", d, s, n));
            assertEquals(Arrays.toString(src), Arrays.toString(space.readBytes(d, n)), "memcpy n=" + n);
            assertEquals(d + n, call("__mempcpy_ssse3", d, s, n), "mempcpy n=" + n);
            // Overlapping moves, both directions, every relative alignment (what PALIGNR is for).
            long d2 = Math.max(A, s + r.nextInt(80) - 40);
            byte[] before = space.readBytes(A, 8192);
            assertEquals(d2, call("__memmove_ssse3", d2, s, n));
            byte[] expect = before.clone();
            System.arraycopy(before, (int) (s - A), expect, (int) (d2 - A), n);
            assertEquals(Arrays.toString(expect), Arrays.toString(space.readBytes(A, 8192)), "memmove n=" + n);
        }
    }

    @Test
    void wideStrings() {
        Random r = new Random(14);
        for (int k = 0; k < 400; k++) {
            int len = r.nextInt(k % 10 == 0 ? 100 : 20);
            ByteBuffer w = ByteBuffer.allocate(4 * (len + 1)).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < len; i++) w.putInt(1 + r.nextInt(r.nextBoolean() ? 0x7F : 0x10FFFF));
            w.putInt(0);
            byte[] bytes = w.array();
            long a = r.nextBoolean() ? A + 64 + 4 * r.nextInt(16) : A + PAGES - bytes.length;
            put(a, bytes);
            assertEquals(len, call("__wcslen_sse4_1", a, 0, 0), "wcslen len=" + len);
            long max = r.nextInt(len + 10);
            assertEquals(Math.min(len, max), call("__wcsnlen_sse4_1", a, max, 0), "wcsnlen len=" + len + " max=" + max);
            long d = B + 64 + 4 * r.nextInt(16);
            assertEquals(d, call("__wcscpy_ssse3", d, a, 0), "wcscpy");
            assertEquals(Arrays.toString(bytes), Arrays.toString(space.readBytes(d, bytes.length)), "wcscpy len=" + len);
        }
    }
}
