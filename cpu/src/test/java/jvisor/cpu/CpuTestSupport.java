package jvisor.cpu;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import jvisor.mmu.AddressSpace;
import jvisor.mmu.Prot;

/**
 * Runs instruction snippets through the emulator, and the same bytes natively, for tests.
 *
 * <p><b>Assembling.</b> {@link #asm} turns an AT&amp;T snippet ("shlb %cl,%al; adc $1,%eax")
 * into bytes with the host's {@code as} and {@code objcopy -O binary}; results are cached per
 * snippet, and {@link #prefetch} assembles many snippets in one run. Without binutils the calling
 * test is aborted (reported as skipped).
 *
 * <p><b>Emulating.</b> {@link #emulate} maps the snippet (followed by a trailer that saves RCX
 * and R11 and executes {@code syscall}, 0F 05) into a fresh-state {@link Cpu} with a data area at
 * {@link #DATA}, a stack and FS/GS bases, sets the registers and RFLAGS of a {@link Case}, runs
 * until the syscall exit (or an exception) and returns the final state. RCX and R11, which SYSCALL
 * overwrites, are restored from what the trailer saved, so they are ordinary result registers.
 *
 * <p><b>The host as oracle.</b> {@link #host} builds one static native program (as + ld
 * -static) from a list of cases: for each it clears and fills the data area (mapped at the same
 * address with mmap), sets FS/GS bases, RFLAGS (popfq) and the fifteen registers other than RSP
 * from immediates, calls the snippet, and stores the registers, RFLAGS (pushfq) and the data
 * window; at the end it writes everything to stdout. The emulator runs exactly the same snippet
 * bytes (taken from the same object file). {@link #assertMatchesHost} compares the two, which
 * makes any test a differential test against the CPU running the build. Snippets given to the
 * oracle must not fault natively (the batch then fails naming the case) and must keep RSP
 * balanced. Flags (and register bits or data bytes) a case marks as undefined are compared only
 * when the host is an Intel CPU, whose behavior the emulator follows; so are the upper halves of
 * registers a case marks with {@link Case#upperHalfMayBeKept}.
 *
 * <p>Debugging aids: {@code -Djvisor.test.diffs=FILE} appends every difference of a failing
 * comparison to FILE; {@code -Djvisor.test.timing=1} prints how long host and emulator took.
 */
public final class CpuTestSupport {
    public static final long CODE = 0x1000_0000L, CODE_SIZE = 0x40_0000L;
    /** The data area; it fits in 31 bits, so snippets can use it as an absolute disp32 or with a 0x67 prefix. */
    public static final long DATA = 0x2000_0000L, DATA_SIZE = 0x4000L;
    public static final long FS_BASE = DATA + 0x1000, GS_BASE = DATA + 0x2000;
    public static final long STACK_TOP = 0x3000_0000L, STACK_SIZE = 0x1_0000L;
    /** Where the trailer saves RCX and R11. */
    public static final long SAVE = 0x3100_0000L;

    /** The flags a case may set, and the flags compared: the six status flags and DF. */
    public static final long FLAGS_COMPARED = Flags.STATUS | Flags.DF;

    private static final Map<String, byte[]> ASM_CACHE = new HashMap<>();
    private static Machine machine;
    private static Boolean hostAvailable;
    private static Boolean intelHost;

    private CpuTestSupport() {}

    // ================================================================== cases and results

    /** Initial register values a case starts from unless it sets them: distinct, with high bits set. */
    public static long defaultReg(int reg) {
        return 0x0102_0304_0506_0708L * (reg + 1) ^ 0x8000_0000_0000_0000L;
    }

    /** One snippet and the state it starts from. */
    public static final class Case {
        public final String asm;
        public final long[] regs = new long[16];
        public long rflags;
        public byte[] data = new byte[0];
        public int window;
        public long undefinedFlags;
        /** Per register, bits the SDM leaves undefined here: compared with the host only if it is an Intel CPU. */
        public final long[] undefinedRegs = new long[16];
        /** Bytes of the data window the SDM leaves undefined here: compared with the host only if it is an Intel CPU. */
        public final BitSet undefinedData = new BitSet();
        /**
         * Registers (bit r for register r) that Intel CPUs, and so the emulator, zero-extend from their
         * low 32 bits where other vendors' CPUs leave them unchanged. On a non-Intel host such a register
         * also matches when the host kept its initial value and the emulator's is that value zero-extended.
         */
        public int keptUpperHalves;
        public String label = "";

        public Case(String asm) {
            this.asm = asm;
            for (int k = 0; k < 16; k++) regs[k] = defaultReg(k);
        }

        public Case set(int reg, long value) {
            regs[reg] = value;
            return this;
        }

        /** Initial status flags and DF (other bits are ignored). */
        public Case flags(long f) {
            rflags = f & FLAGS_COMPARED;
            return this;
        }

        /** Initial contents of the data area at {@link #DATA} (the rest is zero); widens the window to cover it. */
        public Case data(byte[] bytes) {
            data = bytes.clone();
            window = Math.max(window, bytes.length);
            return this;
        }

        public Case data(long... qwords) {
            ByteBuffer b = ByteBuffer.allocate(qwords.length * 8).order(ByteOrder.LITTLE_ENDIAN);
            for (long q : qwords) b.putLong(q);
            return data(b.array());
        }

        /** Bytes of the data area, from DATA, returned in the result and compared with the host. */
        public Case window(int bytes) {
            window = bytes;
            return this;
        }

        /** Flags the SDM leaves undefined here: compared with the host only if it is an Intel CPU. */
        public Case undefined(long flags) {
            undefinedFlags = flags;
            return this;
        }

        /** Bits of a register the SDM leaves undefined here: compared with the host only if it is an Intel CPU. */
        public Case undefinedBits(int reg, long bits) {
            undefinedRegs[reg] |= bits;
            return this;
        }

        /** Bytes [offset, offset + length) of the window the SDM leaves undefined: compared only on an Intel host. */
        public Case undefinedData(int offset, int length) {
            undefinedData.set(offset, offset + length);
            return this;
        }

        /**
         * Registers (a mask of 1 << Reg) whose upper 32 bits a non-Intel host may leave unchanged
         * where Intel CPUs (and the emulator) zero-extend the low half; see {@link #keptUpperHalves}.
         * Use only where that vendor difference is known ({@link VendorDifferences}).
         */
        public Case upperHalvesMayBeKept(int regMask) {
            keptUpperHalves |= regMask;
            return this;
        }

        public Case label(String l) {
            label = l;
            return this;
        }

        @Override
        public String toString() {
            StringBuilder b = new StringBuilder("'").append(asm).append("'");
            if (!label.isEmpty()) b.append(" [").append(label).append(']');
            for (int k = 0; k < 16; k++) {
                if (k != Reg.RSP && regs[k] != defaultReg(k)) b.append(String.format(" %s=%x", Reg.name(k), regs[k]));
            }
            b.append(String.format(" flags=%s", flagString(rflags)));
            if (data.length > 0) b.append(" data=").append(hex(data, Math.min(data.length, 64)));
            return b.toString();
        }
    }

    /** The state after a run. For an emulator run, exit is a Cpu.EXIT_ constant. */
    public record Result(long[] r, long rflags, int exit, int vector, long faultAddress, long rip, byte[] window) {
        public long reg(int reg) {
            return r[reg];
        }

        public boolean flag(long f) {
            return (rflags & f) != 0;
        }

        /** The status flags and DF. */
        public long status() {
            return rflags & FLAGS_COMPARED;
        }

        public long dataLong(int offset) {
            return ByteBuffer.wrap(window, offset, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        }

        public boolean faulted() {
            return exit == Cpu.EXIT_EXCEPTION;
        }
    }

    /** "CP-Z--" style rendering of the status flags (C P A Z S O) and D for DF. */
    public static String flagString(long f) {
        return "" + ((f & Flags.CF) != 0 ? 'C' : '-') + ((f & Flags.PF) != 0 ? 'P' : '-')
                + ((f & Flags.AF) != 0 ? 'A' : '-') + ((f & Flags.ZF) != 0 ? 'Z' : '-')
                + ((f & Flags.SF) != 0 ? 'S' : '-') + ((f & Flags.OF) != 0 ? 'O' : '-')
                + ((f & Flags.DF) != 0 ? "D" : "");
    }

    // ================================================================== assembling

    /** Assembles an AT&T snippet to its bytes (cached). */
    public static synchronized byte[] asm(String snippet) {
        byte[] b = ASM_CACHE.get(snippet);
        if (b == null) {
            prefetch(List.of(snippet));
            b = ASM_CACHE.get(snippet);
        }
        return b.clone();
    }

    /** Assembles every snippet not yet cached in one run of the assembler. */
    public static synchronized void prefetch(Collection<String> snippets) {
        List<String> todo = snippets.stream().distinct().filter(s -> !ASM_CACHE.containsKey(s)).toList();
        if (todo.isEmpty()) return;
        Path dir = tempDir();
        try {
            StringBuilder s = new StringBuilder();
            appendTable(s, todo.size());
            for (int k = 0; k < todo.size(); k++) appendSnippet(s, k, todo.get(k), false);
            Path obj = assembleObject(dir, s.toString());
            readSnippets(dir, obj, todo);
        } finally {
            deleteTree(dir);
        }
    }

    private static void appendTable(StringBuilder s, int n) {
        s.append("\t.text\n.Ltable:\n\t.long ").append(n).append('\n');
        for (int k = 0; k < n; k++) s.append("\t.long .Ls").append(k).append(" - .Ltable, .Le").append(k).append(" - .Ls").append(k).append('\n');
    }

    private static void appendSnippet(StringBuilder s, int k, String snippet, boolean withRet) {
        s.append(".Ls").append(k).append(":\n").append(snippet).append("\n.Le").append(k).append(":\n");
        if (withRet) s.append("\tret\n");
    }

    private static Path assembleObject(Path dir, String source) {
        Path src = dir.resolve("t.s"), obj = dir.resolve("t.o");
        write(src, source);
        exec(dir, "as", "--64", "-o", obj.toString(), src.toString());
        return obj;
    }

    /** Reads the table and the snippet bytes from the object's .text into the cache. */
    private static void readSnippets(Path dir, Path obj, List<String> snippets) {
        Path bin = dir.resolve("t.bin");
        exec(dir, "objcopy", "-O", "binary", "-j", ".text", obj.toString(), bin.toString());
        ByteBuffer b = ByteBuffer.wrap(read(bin)).order(ByteOrder.LITTLE_ENDIAN);
        int n = b.getInt(0);
        if (n != snippets.size()) throw new IllegalStateException("snippet table mismatch");
        for (int k = 0; k < n; k++) {
            int off = b.getInt(4 + 8 * k), len = b.getInt(8 + 8 * k);
            ASM_CACHE.put(snippets.get(k), Arrays.copyOfRange(b.array(), off, off + len));
        }
    }

    // ================================================================== the emulator

    /** One reusable emulated machine: address space, CPU, and the snippets placed in its code area. */
    public static final class Machine {
        public final AddressSpace space = new AddressSpace();
        public final Cpu cpu;
        private final Map<ByteBuffer, Long> placed = new HashMap<>();
        private long codeTop = CODE;

        public Machine() {
            space.mapAnonymous(CODE, CODE_SIZE, Prot.RX, "code");
            space.mapAnonymous(DATA, DATA_SIZE, Prot.RW, "data");
            space.mapAnonymous(STACK_TOP - STACK_SIZE, STACK_SIZE, Prot.RW, "stack");
            space.mapAnonymous(SAVE, 0x1000, Prot.RW, "save");
            cpu = new Cpu(space, jvisor.cpu.decode.Extensions.ALL); // unadvertised extensions too: tests prove them first
        }

        /** Copies code (plus the exit trailer) into the code area once and returns its address. */
        public long place(byte[] code) {
            ByteBuffer key = ByteBuffer.wrap(code.clone());
            Long at = placed.get(key);
            if (at != null) return at;
            byte[] t = trailer();
            if (codeTop + code.length + t.length > CODE + CODE_SIZE) {
                placed.clear();
                codeTop = CODE;
            }
            long addr = codeTop;
            space.pokeBytes(addr, code, 0, code.length);
            space.pokeBytes(addr + code.length, t, 0, t.length);
            codeTop = (addr + code.length + t.length + 15) & ~15L;
            placed.put(key, addr);
            return addr;
        }

        /** Clears the data area, sets up the state of the case, runs code to its exit, returns the state. */
        public Result run(byte[] code, Case c) {
            space.fill(DATA, DATA_SIZE, (byte) 0);
            if (c.data.length > 0) space.pokeBytes(DATA, c.data, 0, c.data.length);
            long entry = place(code);
            CpuState s = cpu.state;
            System.arraycopy(c.regs, 0, s.r, 0, 16);
            s.r[Reg.RSP] = STACK_TOP - 0x100;
            s.setRflags(c.rflags & FLAGS_COMPARED);
            s.fsBase = FS_BASE;
            s.gsBase = GS_BASE;
            s.rip = entry;
            int exit = cpu.run();
            long[] r = s.r.clone();
            if (exit == Cpu.EXIT_SYSCALL) {
                r[Reg.RCX] = space.read64(SAVE);
                r[Reg.R11] = space.read64(SAVE + 8);
            }
            byte[] window = c.window > 0 ? peek(DATA, c.window) : new byte[0];
            return new Result(r, s.rflags(), exit, exit == Cpu.EXIT_EXCEPTION ? cpu.exitVector : -1,
                    exit == Cpu.EXIT_EXCEPTION ? cpu.exitAddress : 0, s.rip, window);
        }

        /** Reads guest memory ignoring protection (page by page). */
        public byte[] peek(long addr, int len) {
            byte[] b = new byte[len];
            int done = 0;
            while (done < len) {
                long at = addr + done;
                int chunk = (int) Math.min(len - done, 0x1000 - (at & 0xFFF));
                java.lang.foreign.MemorySegment.copy(jvisor.mmu.HostSegment.HOST, java.lang.foreign.ValueLayout.JAVA_BYTE,
                        space.translateIgnoringProtection(at), b, done, chunk);
                done += chunk;
            }
            return b;
        }
    }

    /** mov %rcx,SAVE; mov %r11,SAVE+8; syscall. */
    private static byte[] trailer() {
        ByteBuffer b = ByteBuffer.allocate(18).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {0x48, (byte) 0x89, 0x0C, 0x25}).putInt((int) SAVE);
        b.put(new byte[] {0x4C, (byte) 0x89, 0x1C, 0x25}).putInt((int) (SAVE + 8));
        b.put(new byte[] {0x0F, 0x05});
        return b.array();
    }

    /** The shared machine (tests run one at a time). */
    public static synchronized Machine machine() {
        if (machine == null) machine = new Machine();
        return machine;
    }

    /** Runs the case's snippet on the emulator. */
    public static synchronized Result emulate(Case c) {
        return machine().run(asm(c.asm), c);
    }

    /** Runs raw code bytes (without the trailer, which is added) on the emulator with the state of c. */
    public static synchronized Result emulate(byte[] code, Case c) {
        return machine().run(code, c);
    }

    // ================================================================== the host oracle

    /** True if this host can run the oracle: x86-64 Linux with as, ld and objcopy. */
    public static synchronized boolean hostAvailable() {
        if (hostAvailable == null) {
            boolean ok = System.getProperty("os.arch").equals("amd64") && System.getProperty("os.name").equals("Linux");
            if (ok) {
                try {
                    host(List.of(new Case("add %rbx,%rax")));
                } catch (RuntimeException | AssertionError e) {
                    ok = false;
                }
            }
            hostAvailable = ok;
        }
        return hostAvailable;
    }

    /** True if the host CPU is an Intel one, whose undefined-flag behavior the emulator follows. */
    public static synchronized boolean intelHost() {
        if (intelHost == null) {
            boolean intel = false;
            try {
                intel = Files.readString(Path.of("/proc/cpuinfo")).contains("GenuineIntel");
            } catch (IOException e) {
                // not Linux: treat as unknown
            }
            intelHost = intel;
        }
        return intelHost;
    }

    private static final int REC_REGS = 17 * 8;
    /**
     * A case record of the native runner: 16 registers, RFLAGS, snippet, data address, data length,
     * window, output offset, output length.
     */
    private static final int CASE_QUADS = 23;

    /** Runs every case natively in one program and returns the final states (exit is always EXIT_SYSCALL). */
    public static synchronized List<Result> host(List<Case> cases) {
        List<String> snippets = cases.stream().map(c -> c.asm).distinct().toList();
        Map<String, Integer> snippetIndex = new LinkedHashMap<>();
        for (String s : snippets) snippetIndex.put(s, snippetIndex.size());
        int[] offsets = new int[cases.size() + 1];
        for (int k = 0; k < cases.size(); k++) offsets[k + 1] = offsets[k] + REC_REGS + align8(cases.get(k).window);
        int total = offsets[cases.size()];

        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "\t.set DATA, 0x%x\n\t.set DATA_SIZE, 0x%x\n", DATA, DATA_SIZE));
        appendTable(s, snippets.size());
        s.append("\t.globl _start\n_start:\n");
        // mmap(DATA, DATA_SIZE, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0)
        s.append("\tmov $9,%eax\n\tmov $DATA,%edi\n\tmov $DATA_SIZE,%esi\n\tmov $3,%edx\n\tmov $0x32,%r10d\n"
                + "\tmov $-1,%r8\n\txor %r9d,%r9d\n\tsyscall\n\tcmp $DATA,%rax\n\tjne .Lfail\n");
        // arch_prctl(ARCH_SET_FS / ARCH_SET_GS)
        s.append(String.format(Locale.ROOT, "\tmov $158,%%eax\n\tmov $0x1002,%%edi\n\tmov $0x%x,%%esi\n\tsyscall\n", FS_BASE));
        s.append(String.format(Locale.ROOT, "\tmov $158,%%eax\n\tmov $0x1001,%%edi\n\tmov $0x%x,%%esi\n\tsyscall\n", GS_BASE));
        // A loop over a table of case records (see CASE_QUADS), so the source stays small.
        s.append("\tlea .Lcases(%rip),%rax\n\tmov %rax,.Lcur(%rip)\n"
                + ".Lloop:\n\tmov .Lcur(%rip),%rbx\n\tlea .Lcases_end(%rip),%rax\n\tcmp %rax,%rbx\n\tjae .Lfinish\n"
                + "\tcld\n\tmov $DATA,%edi\n\tmov $DATA_SIZE,%ecx\n\txor %eax,%eax\n\trep stosb\n"
                + "\tmov 18*8(%rbx),%rsi\n\tmov $DATA,%edi\n\tmov 19*8(%rbx),%rcx\n\trep movsb\n"
                + "\tmov 17*8(%rbx),%rax\n\tmov %rax,.Ltarget(%rip)\n\tpushq 16*8(%rbx)\n\tpopfq\n");
        for (int r = 0; r < 16; r++) {
            if (r != Reg.RSP && r != Reg.RBX) s.append("\tmov ").append(8 * r).append("(%rbx),%").append(Reg.name(r)).append('\n');
        }
        s.append("\tmov 24(%rbx),%rbx\n\tcall *.Ltarget(%rip)\n"
                + "\tmov %rbx,.Ltmp(%rip)\n\tpushfq\n\tpopq .Ltmpf(%rip)\n"
                + "\tmov .Lcur(%rip),%rbx\n\tmov 21*8(%rbx),%rbx\n\tadd $.Lout,%rbx\n");
        for (int r = 0; r < 16; r++) {
            if (r != Reg.RSP && r != Reg.RBX) s.append("\tmov %").append(Reg.name(r)).append(',').append(8 * r).append("(%rbx)\n");
        }
        s.append("\tmov .Ltmp(%rip),%rax\n\tmov %rax,24(%rbx)\n\tmov .Ltmpf(%rip),%rax\n\tmov %rax,128(%rbx)\n"
                + "\tcld\n\tmov .Lcur(%rip),%rax\n\tmov 20*8(%rax),%rcx\n\tlea 136(%rbx),%rdi\n\tmov $DATA,%esi\n\trep movsb\n"
                // write(1, record, length), looping over short writes, so a crash shows which case it was
                + "\tmov %rbx,%rsi\n\tmov .Lcur(%rip),%rax\n\tmov 22*8(%rax),%rdx\n"
                + ".Lwrite:\n\tmov $1,%eax\n\tmov $1,%edi\n\tsyscall\n"
                + "\ttest %rax,%rax\n\tjle .Lfail\n\tadd %rax,%rsi\n\tsub %rax,%rdx\n\tjnz .Lwrite\n"
                + "\taddq $" + CASE_QUADS * 8 + ",.Lcur(%rip)\n\tjmp .Lloop\n"
                + ".Lfinish:\n\tmov $60,%eax\n\txor %edi,%edi\n\tsyscall\n"
                + ".Lfail:\n\tmov $60,%eax\n\tmov $99,%edi\n\tsyscall\n");
        StringBuilder data = new StringBuilder("\t.data\n\t.balign 8\n.Lcur:\n\t.quad 0\n.Ltarget:\n\t.quad 0\n"
                + ".Ltmp:\n\t.quad 0\n.Ltmpf:\n\t.quad 0\n.Lcases:\n");
        StringBuilder bytes = new StringBuilder();
        Map<ByteBuffer, String> blobs = new HashMap<>();
        for (int k = 0; k < cases.size(); k++) {
            Case c = cases.get(k);
            data.append("\t.quad ");
            for (int r = 0; r < 16; r++) data.append("0x").append(Long.toHexString(c.regs[r])).append(',');
            data.append("0x").append(Long.toHexString(0x202 | (c.rflags & FLAGS_COMPARED)));
            data.append(",.Ls").append(snippetIndex.get(c.asm));
            String blob = "0";
            if (c.data.length > 0) {
                ByteBuffer key = ByteBuffer.wrap(c.data);
                blob = blobs.get(key);
                if (blob == null) { // identical initial data is emitted once
                    blob = ".Ld" + blobs.size();
                    blobs.put(key, blob);
                    bytes.append(blob).append(":\n\t.byte ");
                    for (int j = 0; j < c.data.length; j++) bytes.append(j == 0 ? "" : ",").append(c.data[j] & 0xFF);
                    bytes.append('\n');
                }
            }
            data.append(',').append(blob).append(',').append(c.data.length);
            data.append(',').append(c.window).append(',').append(offsets[k]).append(',').append(offsets[k + 1] - offsets[k]).append('\n');
        }
        data.append(".Lcases_end:\n").append(bytes);
        for (int k = 0; k < snippets.size(); k++) appendSnippet(s, k, snippets.get(k), true);
        s.append(data);
        s.append("\t.bss\n\t.balign 16\n.Lout:\n\t.skip ").append(Math.max(total, 8)).append('\n');

        Path dir = tempDir();
        try {
            Path obj = assembleObject(dir, s.toString());
            List<String> uncached = snippets.stream().filter(x -> !ASM_CACHE.containsKey(x)).toList();
            if (!uncached.isEmpty()) readSnippets(dir, obj, snippets);
            Path exe = dir.resolve("t");
            exec(dir, "ld", "-static", "-nostdlib", "-o", exe.toString(), obj.toString());
            byte[] out = run(dir, exe.toString());
            if (out.length != total) {
                int done = 0;
                while (done < cases.size() && offsets[done + 1] <= out.length) done++;
                throw new IllegalStateException("host oracle died in case " + done + " of " + cases.size() + ": "
                        + (done < cases.size() ? cases.get(done) : "?") + " (a snippet must not fault natively)");
            }
            ByteBuffer b = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
            List<Result> results = new ArrayList<>(cases.size());
            for (int k = 0; k < cases.size(); k++) {
                long[] r = new long[16];
                for (int j = 0; j < 16; j++) r[j] = b.getLong(offsets[k] + 8 * j);
                long fl = b.getLong(offsets[k] + 128);
                byte[] w = Arrays.copyOfRange(out, offsets[k] + REC_REGS, offsets[k] + REC_REGS + cases.get(k).window);
                results.add(new Result(r, fl, Cpu.EXIT_SYSCALL, -1, 0, 0, w));
            }
            return results;
        } finally {
            deleteTree(dir);
        }
    }

    private static int align8(int n) {
        return (n + 7) & ~7;
    }

    /**
     * Runs every case on the host and on the emulator and fails, listing the first differences,
     * unless all registers but RSP, the status flags and DF, and the data windows agree. Flags,
     * register bits and data bytes a case declares undefined, and upper halves it lets a non-Intel
     * host keep, are compared only on an Intel host.
     */
    public static void assertMatchesHost(List<Case> cases) {
        long t0 = System.nanoTime();
        List<Result> expected = host(cases);
        long t1 = System.nanoTime();
        boolean intel = intelHost();
        List<String> problems = new ArrayList<>();
        int bad = 0;
        for (int k = 0; k < cases.size(); k++) {
            Case c = cases.get(k);
            Result h = expected.get(k);
            Result e = emulate(c);
            String diff = difference(c, h, e, intel);
            if (diff != null) {
                bad++;
                if (problems.size() < 25) problems.add(c + "\n      " + diff);
            }
        }
        if (System.getProperty("jvisor.test.timing") != null) {
            System.err.printf("%d cases: host %d ms, emulator %d ms%n", cases.size(), (t1 - t0) / 1_000_000,
                    (System.nanoTime() - t1) / 1_000_000);
        }
        String dump = System.getProperty("jvisor.test.diffs");
        if (bad > 0 && dump != null) { // -Djvisor.test.diffs=FILE appends every difference to FILE
            List<String> all = new ArrayList<>();
            for (int k = 0; k < cases.size(); k++) {
                String diff = difference(cases.get(k), expected.get(k), emulate(cases.get(k)), intel);
                if (diff != null) all.add(cases.get(k) + " :: " + diff);
            }
            try {
                Files.write(Path.of(dump), all, StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE,
                        java.nio.file.StandardOpenOption.APPEND);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        if (bad > 0) {
            fail(bad + " of " + cases.size() + " cases differ from the host CPU:\n  " + String.join("\n  ", problems));
        }
    }

    private static String difference(Case c, Result host, Result emu, boolean intel) {
        if (emu.exit != Cpu.EXIT_SYSCALL) {
            return "emulator: exit " + emu.exit + (emu.faulted() ? " " + CpuFault.vectorName(emu.vector)
                    + String.format(" at %x", emu.faultAddress) : "");
        }
        StringBuilder d = new StringBuilder();
        for (int r = 0; r < 16; r++) {
            if (r != Reg.RSP && host.r[r] != emu.r[r] && (intel || !nonIntelAccepts(c, r, host.r[r], emu.r[r]))) {
                d.append(String.format("%s host %x emu %x; ", Reg.name(r), host.r[r], emu.r[r]));
            }
        }
        long mask = FLAGS_COMPARED & (intel ? -1L : ~c.undefinedFlags);
        if ((host.rflags & mask) != (emu.rflags & mask)) {
            d.append("flags host ").append(flagString(host.rflags & mask)).append(" emu ")
                    .append(flagString(emu.rflags & mask)).append("; ");
        }
        byte[] hw = host.window, ew = emu.window;
        if (!intel && !c.undefinedData.isEmpty()) { // undefined bytes compare as equal off Intel
            hw = hw.clone();
            ew = ew.clone();
            BitSet u = c.undefinedData;
            for (int k = u.nextSetBit(0); k >= 0 && k < Math.min(hw.length, ew.length); k = u.nextSetBit(k + 1)) hw[k] = ew[k] = 0;
        }
        if (!Arrays.equals(hw, ew)) {
            int at = Arrays.mismatch(hw, ew);
            d.append(String.format("data differs at +%d: host %s emu %s", at,
                    hex(Arrays.copyOfRange(host.window, at, Math.min(at + 16, host.window.length)), 16),
                    hex(Arrays.copyOfRange(emu.window, at, Math.min(at + 16, emu.window.length)), 16)));
        }
        return d.isEmpty() ? null : d.toString();
    }

    /** On a non-Intel host: whether differing values of register r are still acceptable for case c. */
    private static boolean nonIntelAccepts(Case c, int r, long host, long emu) {
        if (((host ^ emu) & ~c.undefinedRegs[r]) == 0) return true;
        return (c.keptUpperHalves >>> r & 1) != 0 && host == c.regs[r] && emu == (c.regs[r] & 0xFFFF_FFFFL);
    }

    // ================================================================== processes and files

    private static Path tempDir() {
        try {
            return Files.createTempDirectory("jvisor-asm");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> w = Files.walk(dir)) {
            w.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a leftover temporary directory is harmless
        }
    }

    private static void write(Path p, String text) {
        try {
            Files.writeString(p, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] read(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void exec(Path dir, String... cmd) {
        Process p;
        try {
            p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        } catch (IOException e) {
            // No binutils on this host: tests that need snippets are skipped, not failed.
            throw new org.opentest4j.TestAbortedException(cmd[0] + " is not available: " + e.getMessage());
        }
        try {
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(cmd[0] + " timed out");
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException(cmd[0] + " failed (" + p.exitValue() + "):\n"
                        + new String(out, StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static byte[] run(Path dir, String exe) {
        try {
            Process p = new ProcessBuilder(exe).directory(dir.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("host oracle timed out");
            }
            if (p.exitValue() == 99) throw new IllegalStateException("host oracle could not set up or write");
            return out; // a crash shows as missing output
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static String hex(byte[] b, int n) {
        StringBuilder s = new StringBuilder();
        for (int k = 0; k < Math.min(n, b.length); k++) s.append(String.format("%02x", b[k] & 0xFF));
        return s.toString();
    }
}
