package jvisor.cpu.insn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import jvisor.cpu.Cpu;
import jvisor.cpu.CpuFault;
import jvisor.cpu.Reg;
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

    private static final long STACK_TOP = 0x7000_0000L, SENTINEL = 0x6000_0000L;
    /** Buffers: A and B end right before an unmapped page. */
    private static final long A = 0x5000_0000L, B = 0x5001_0000L, PAGES = 0x4000;
    /** Large buffers for the non-temporal copy path. */
    private static final long C = 0x5100_0000L, D = 0x5200_0000L, LARGE = 0x40000;

    private static Map<String, Long> symbols;
    private static Cpu cpu;
    private static AddressSpace space;
    private static String unavailable;

    @BeforeAll
    static void load() throws Exception {
        Path dir = Path.of(System.getProperty("java.io.tmpdir"), "jvisor-sse-glibc");
        Files.createDirectories(dir);
        Path bin = dir.resolve("strings-" + Integer.toHexString(SOURCE.hashCode()));
        try {
            if (!Files.isExecutable(bin)) {
                Path src = dir.resolve("strings.c");
                Files.writeString(src, SOURCE);
                Path tmp = dir.resolve("tmp" + ProcessHandle.current().pid());
                run("gcc", "-static", "-O2", "-o", tmp.toString(), src.toString());
                Files.move(tmp, bin, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            }
            symbols = new HashMap<>();
            for (String line : run("nm", bin.toString()).split("\n")) {
                String[] t = line.trim().split("\\s+");
                if (t.length == 3) symbols.put(t[2], Long.parseUnsignedLong(t[0], 16));
            }
        } catch (IOException | IllegalStateException e) {
            unavailable = "cannot build a static glibc binary on this host: " + e.getMessage();
            return;
        }
        space = new AddressSpace();
        loadElf(space, Files.readAllBytes(bin));
        space.mapAnonymous(STACK_TOP - 0x10000, 0x10000, Prot.RW, "stack");
        space.mapAnonymous(SENTINEL, 0x1000, Prot.RX, "sentinel");
        space.pokeBytes(SENTINEL, new byte[] {(byte) 0xCC}, 0, 1);
        space.mapAnonymous(A, PAGES, Prot.RW, "a"); // followed by an unmapped page
        space.mapAnonymous(B, PAGES, Prot.RW, "b");
        space.mapAnonymous(C, LARGE, Prot.RW, "c");
        space.mapAnonymous(D, LARGE, Prot.RW, "d");
        cpu = new Cpu(space);
        // What glibc's startup (init_cacheinfo) would have set from CPUID: without it the
        // non-temporal threshold is 0 and every memcpy takes the page-interleaved large-copy path.
        Long nt = symbols.get("__x86_shared_non_temporal_threshold");
        if (nt != null) space.write64(nt, 0xC0000);
        Long movsb = symbols.get("__x86_rep_movsb_stop_threshold");
        if (movsb != null) space.write64(movsb, 0xC0000);
    }

    private static String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) throw new IllegalStateException(command[0] + ": " + out);
        return out;
    }

    /** Maps the PT_LOAD segments of a static ELF executable. */
    private static void loadElf(AddressSpace space, byte[] elf) {
        ByteBuffer b = ByteBuffer.wrap(elf).order(ByteOrder.LITTLE_ENDIAN);
        long phoff = b.getLong(0x20);
        int phentsize = b.getShort(0x36) & 0xFFFF, phnum = b.getShort(0x38) & 0xFFFF;
        long lo = Long.MAX_VALUE, hi = 0;
        for (int k = 0; k < phnum; k++) {
            int p = (int) phoff + k * phentsize;
            if (b.getInt(p) != 1) continue;
            lo = Math.min(lo, b.getLong(p + 0x10) & ~0xFFFL);
            hi = Math.max(hi, (b.getLong(p + 0x10) + b.getLong(p + 0x28) + 0xFFF) & ~0xFFFL);
        }
        space.mapAnonymous(lo, hi - lo, Prot.RWX, "image");
        for (int k = 0; k < phnum; k++) {
            int p = (int) phoff + k * phentsize;
            if (b.getInt(p) != 1) continue;
            space.pokeBytes(b.getLong(p + 0x10), elf, (int) b.getLong(p + 8), (int) b.getLong(p + 0x20));
        }
    }

    /** Calls a function with up to three integer arguments and returns RAX. */
    private static long call(String function, long a0, long a1, long a2) {
        assumeTrue(unavailable == null, unavailable);
        Long entry = symbols.get(function);
        assumeTrue(entry != null, function + " not in this glibc");
        var s = cpu.state;
        for (int k = 0; k < 16; k++) s.r[k] = 0xDEAD_0000_0000_0000L + k;
        for (int k = 0; k < 32; k++) s.xmm[k] = 0x5A5A5A5A5A5A5A5AL * k;
        s.r[Reg.RDI] = a0;
        s.r[Reg.RSI] = a1;
        s.r[Reg.RDX] = a2;
        s.r[Reg.RSP] = STACK_TOP - 0x1000 - 8;
        space.write64(s.r[Reg.RSP], SENTINEL);
        s.rip = entry;
        int exit = cpu.run();
        if (exit == Cpu.EXIT_EXCEPTION && cpu.exitVector == CpuFault.BP && s.rip == SENTINEL + 1) return s.r[Reg.RAX];
        String where = String.format("%s(%x, %x, %x): exit %d vector %d address %x at %x (%s)", function, a0, a1, a2, exit,
                cpu.exitVector, cpu.exitAddress, s.rip,
                exit == Cpu.EXIT_EXCEPTION ? cpu.decodeAt(s.rip).form.mnemonic : "");
        if (exit == Cpu.EXIT_EXCEPTION && cpu.exitVector == CpuFault.UD && !isSse(s.rip)) {
            assumeTrue(false, "another family's instruction is not implemented yet: " + where);
        }
        fail(where);
        return 0;
    }

    /** Whether the instruction at addr is in the SSE opcode space (0F map with 66/F2/F3 or none, SSE rows). */
    private static boolean isSse(long addr) {
        int k = 0, b;
        while ((b = space.read8(addr + k)) == 0x66 || b == 0xF2 || b == 0xF3 || (b & 0xF0) == 0x40) k++;
        if (b != 0x0F) return false;
        int op = space.read8(addr + k + 1);
        return op >= 0x10 && op <= 0x17 || op >= 0x28 && op <= 0x2F || op >= 0x50 && op <= 0x7F || op >= 0xC2 && op <= 0xC6
                || op >= 0xD0;
    }

    private static void put(long addr, byte[] bytes) {
        space.writeBytes(addr, bytes, 0, bytes.length);
    }

    private static byte[] randomString(Random r, int len, int alphabet) {
        byte[] s = new byte[len];
        for (int k = 0; k < len; k++) s[k] = (byte) (1 + r.nextInt(alphabet));
        return s;
    }

    /** A place for n bytes: near the start of the buffer at some alignment, or ending at its last byte. */
    private static long place(Random r, long buffer, int n) {
        return r.nextBoolean() ? buffer + 64 + r.nextInt(64) : buffer + PAGES - n;
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
