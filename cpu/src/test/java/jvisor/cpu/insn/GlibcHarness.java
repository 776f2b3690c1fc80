package jvisor.cpu.insn;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import jvisor.cpu.Cpu;
import jvisor.cpu.CpuFault;
import jvisor.cpu.Reg;
import jvisor.mmu.AddressSpace;
import jvisor.mmu.Prot;

/**
 * What the glibc string tests share: a static binary built on the host from a C source (cached
 * in the temp directory), its symbols, its image mapped on an emulator with a stack, a return
 * sentinel and two buffers A and B that end right before an unmapped page, and direct calls of
 * its functions with integer arguments. When the host cannot build the binary, {@link #unavailable}
 * says why and every {@link #call} skips.
 */
final class GlibcHarness {
    static final long STACK_TOP = 0x7000_0000L, SENTINEL = 0x6000_0000L;
    /** Buffers: A and B end right before an unmapped page. */
    static final long A = 0x5000_0000L, B = 0x5001_0000L, PAGES = 0x4000;

    final Map<String, Long> symbols = new HashMap<>();
    /** The binary and the output of nm on it (null when unavailable). */
    Path bin;
    String nm;
    Cpu cpu;
    AddressSpace space;
    /** Why the binary cannot be used, or null. */
    String unavailable;
    /** A #UD on an instruction outside the SSE opcode space skips the test instead of failing it. */
    boolean skipOtherFamilies;

    private GlibcHarness() {}

    /** Builds (or finds in the cache directory dirName) the static binary of source and reads its symbols. */
    static GlibcHarness build(String dirName, String source) throws IOException, InterruptedException {
        GlibcHarness h = new GlibcHarness();
        Path dir = Path.of(System.getProperty("java.io.tmpdir"), dirName);
        Files.createDirectories(dir);
        Path bin = dir.resolve("strings-" + Integer.toHexString(source.hashCode()));
        try {
            if (!Files.isExecutable(bin)) {
                Path src = dir.resolve("strings.c");
                Files.writeString(src, source);
                Path tmp = dir.resolve("tmp" + ProcessHandle.current().pid());
                run("gcc", "-static", "-O2", "-o", tmp.toString(), src.toString());
                Files.move(tmp, bin, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            }
            String nm = run("nm", bin.toString());
            for (String line : nm.split("\n")) {
                String[] t = line.trim().split("\\s+");
                if (t.length == 3) h.symbols.put(t[2], Long.parseUnsignedLong(t[0], 16));
            }
            h.bin = bin;
            h.nm = nm;
        } catch (IOException | IllegalStateException e) {
            h.unavailable(e);
        }
        return h;
    }

    void unavailable(Exception e) {
        unavailable = "cannot build a static glibc binary on this host: " + e.getMessage();
    }

    /** Maps the image, the stack, the sentinel (an INT3) and the buffers A and B. */
    void mapImage() throws IOException {
        space = new AddressSpace();
        loadElf(space, Files.readAllBytes(bin));
        space.mapAnonymous(STACK_TOP - 0x10000, 0x10000, Prot.RW, "stack");
        space.mapAnonymous(SENTINEL, 0x1000, Prot.RX, "sentinel");
        space.pokeBytes(SENTINEL, new byte[] {(byte) 0xCC}, 0, 1);
        space.mapAnonymous(A, PAGES, Prot.RW, "a"); // followed by an unmapped page
        space.mapAnonymous(B, PAGES, Prot.RW, "b");
    }

    /** Creates the CPU and sets what glibc's startup (init_cacheinfo) would have set from CPUID. */
    void startCpu() {
        cpu = new Cpu(space);
        // Without it the non-temporal threshold is 0 and every memcpy takes the page-interleaved
        // large-copy path.
        Long nt = symbols.get("__x86_shared_non_temporal_threshold");
        if (nt != null) space.write64(nt, 0xC0000);
        Long movsb = symbols.get("__x86_rep_movsb_stop_threshold");
        if (movsb != null) space.write64(movsb, 0xC0000);
    }

    static String run(String... command) throws IOException, InterruptedException {
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

    /**
     * Calls a function with up to four integer arguments (RDI, RSI, RDX, RCX; the registers not
     * given keep a marker) and returns RAX. A fault fails the test.
     */
    long call(String function, long... args) {
        assumeTrue(unavailable == null, unavailable);
        Long entry = symbols.get(function);
        assumeTrue(entry != null, function + " not in this glibc");
        var s = cpu.state;
        for (int k = 0; k < 16; k++) s.r[k] = 0xDEAD_0000_0000_0000L + k;
        for (int k = 0; k < 32; k++) s.xmm[k] = 0x5A5A5A5A5A5A5A5AL * k;
        int[] argRegs = {Reg.RDI, Reg.RSI, Reg.RDX, Reg.RCX};
        for (int k = 0; k < args.length; k++) s.r[argRegs[k]] = args[k];
        s.r[Reg.RSP] = STACK_TOP - 0x1000 - 8;
        space.write64(s.r[Reg.RSP], SENTINEL);
        s.rip = entry;
        int exit = cpu.run();
        if (exit == Cpu.EXIT_EXCEPTION && cpu.exitVector == CpuFault.BP && s.rip == SENTINEL + 1) return s.r[Reg.RAX];
        StringBuilder where = new StringBuilder(function).append('(');
        for (int k = 0; k < args.length; k++) where.append(k == 0 ? "" : ", ").append(Long.toHexString(args[k]));
        where.append(String.format("): exit %d vector %d address %x at %x (%s)", exit, cpu.exitVector, cpu.exitAddress, s.rip,
                exit == Cpu.EXIT_EXCEPTION ? cpu.decodeAt(s.rip).form.mnemonic : ""));
        if (skipOtherFamilies && exit == Cpu.EXIT_EXCEPTION && cpu.exitVector == CpuFault.UD && !isSse(s.rip)) {
            assumeTrue(false, "another family's instruction is not implemented yet: " + where);
        }
        fail(where.toString());
        return 0;
    }

    /** Whether the instruction at addr is in the SSE opcode space (0F map with 66/F2/F3 or none, SSE rows). */
    private boolean isSse(long addr) {
        int k = 0, b;
        while ((b = space.read8(addr + k)) == 0x66 || b == 0xF2 || b == 0xF3 || (b & 0xF0) == 0x40) k++;
        if (b != 0x0F) return false;
        int op = space.read8(addr + k + 1);
        return op >= 0x10 && op <= 0x17 || op >= 0x28 && op <= 0x2F || op >= 0x50 && op <= 0x7F || op >= 0xC2 && op <= 0xC6
                || op >= 0xD0;
    }

    void put(long addr, byte[] bytes) {
        space.writeBytes(addr, bytes, 0, bytes.length);
    }

    /** A place for n bytes: near the start of the buffer at some alignment, or ending at its last byte. */
    static long place(Random r, long buffer, int n) {
        return r.nextBoolean() ? buffer + 64 + r.nextInt(64) : buffer + PAGES - n;
    }
}
