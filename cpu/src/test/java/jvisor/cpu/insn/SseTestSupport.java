package jvisor.cpu.insn;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import jvisor.cpu.Cpu;
import jvisor.cpu.CpuFault;
import jvisor.cpu.CpuState;
import jvisor.cpu.Flags;
import jvisor.cpu.Reg;
import jvisor.mmu.AddressSpace;
import jvisor.mmu.Prot;

/**
 * Runs single SSE instructions on the emulator and on the host CPU, for differential tests.
 *
 * <p>A {@link Case} is an AT&amp;T instruction that may use XMM0-XMM3, RAX, RCX, RDX and a memory
 * operand addressed through RSI (which points {@code memOffset} bytes into a 64-byte, 64-byte
 * aligned buffer), plus the initial values of all of those, MXCSR and the status flags.
 *
 * <p>{@link #host} builds (once per set of instructions, cached in the temp directory) a small
 * native program in which each instruction sits in a stub that loads that state, runs the
 * instruction and stores the state back; faults (#XM as SIGFPE, #GP as SIGSEGV, #UD as SIGILL)
 * are caught and the state at the fault is taken from the signal context. The program also prints
 * each instruction's bytes, which is what {@link #emulate} runs, so both sides execute exactly the
 * same encoding.
 */
final class SseTestSupport {
    static final long CODE = 0x1000_0000L, DATA = 0x2000_0000L, STACK_TOP = 0x3000_0000L;
    static final int MEM = 64;

    private SseTestSupport() {}

    static final class Case {
        final String asm;
        final long[] xmm = new long[8];
        int mxcsr = 0x1F80;
        long rax, rcx, rdx;
        long flags;
        final byte[] mem = new byte[MEM];
        int memOffset;

        Case(String asm) {
            this.asm = asm;
        }

        Case xmm(int reg, long lo, long hi) {
            xmm[2 * reg] = lo;
            xmm[2 * reg + 1] = hi;
            return this;
        }

        Case mem(int offset, long... qwords) {
            for (int k = 0; k < qwords.length; k++) {
                for (int b = 0; b < 8; b++) mem[offset + 8 * k + b] = (byte) (qwords[k] >>> (8 * b));
            }
            return this;
        }

        @Override
        public String toString() {
            StringBuilder b = new StringBuilder("'" + asm + "'");
            for (int k = 0; k < 4; k++) b.append(String.format(" xmm%d=%016x:%016x", k, xmm[2 * k + 1], xmm[2 * k]));
            b.append(String.format(" mxcsr=%04x rax=%x rcx=%x rdx=%x flags=%x memoff=%d", mxcsr, rax, rcx, rdx, flags, memOffset));
            return b.toString();
        }
    }

    /** The state after the instruction; fault is null, "XM", "GP" or "UD". */
    record Result(String fault, long[] xmm, int mxcsr, long rax, long rcx, long rdx, long flags, byte[] mem) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Result r && java.util.Objects.equals(fault, r.fault) && Arrays.equals(xmm, r.xmm)
                    && mxcsr == r.mxcsr && rax == r.rax && rcx == r.rcx && rdx == r.rdx && flags == r.flags
                    && Arrays.equals(mem, r.mem);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(xmm);
        }

        @Override
        public String toString() {
            StringBuilder b = new StringBuilder(fault == null ? "ok" : fault);
            for (int k = 0; k < 4; k++) b.append(String.format(" xmm%d=%016x:%016x", k, xmm[2 * k + 1], xmm[2 * k]));
            b.append(String.format(" mxcsr=%04x rax=%x rcx=%x rdx=%x flags=%x mem=%s", mxcsr, rax, rcx, rdx, flags,
                    HexFormat.of().formatHex(mem, 0, 32)));
            return b.toString();
        }
    }

    // ================================================================== emulator

    private static AddressSpace space;
    private static Cpu cpu;
    private static final Map<String, Long> placed = new HashMap<>();
    private static long codeTop = CODE;

    static synchronized Result emulate(Case c, byte[] code) {
        if (cpu == null) {
            space = new AddressSpace();
            space.mapAnonymous(CODE, 0x10_0000L, Prot.RX, "code");
            space.mapAnonymous(DATA, 0x1000, Prot.RW, "data");
            space.mapAnonymous(STACK_TOP - 0x1_0000L, 0x1_0000L, Prot.RW, "stack");
            cpu = new Cpu(space);
        }
        String key = HexFormat.of().formatHex(code);
        Long at = placed.get(key);
        if (at == null) {
            at = codeTop;
            space.pokeBytes(at, code, 0, code.length);
            space.pokeBytes(at + code.length, new byte[] {(byte) 0xCC}, 0, 1); // int3: leave the run loop, no register changed
            codeTop = (at + code.length + 1 + 15) & ~15L;
            placed.put(key, at);
        }
        space.pokeBytes(DATA, c.mem, 0, MEM);
        CpuState s = cpu.state;
        for (int k = 0; k < 16; k++) s.r[k] = 0x1111_1111_1111_1111L * k;
        for (int k = 8; k < 32; k++) s.xmm[k] = 0x5A5A_0000_0000_0000L + k;
        System.arraycopy(c.xmm, 0, s.xmm, 0, 8);
        s.r[Reg.RAX] = c.rax;
        s.r[Reg.RCX] = c.rcx;
        s.r[Reg.RDX] = c.rdx;
        s.r[Reg.RSI] = DATA + c.memOffset;
        s.r[Reg.RSP] = STACK_TOP - 0x100;
        s.setRflags(c.flags & Flags.STATUS);
        s.mxcsr = c.mxcsr;
        s.rip = at;
        int exit = cpu.run();
        String fault = null;
        if (exit == Cpu.EXIT_EXCEPTION && cpu.exitVector == CpuFault.BP) {
            if (s.rip != at + code.length + 1) fault = "int3@wrong-rip";
        } else if (exit == Cpu.EXIT_EXCEPTION) {
            fault = switch (cpu.exitVector) {
                case CpuFault.XM -> "XM";
                case CpuFault.GP -> "GP";
                case CpuFault.UD -> "UD";
                default -> "vector" + cpu.exitVector;
            };
            if (s.rip != at) fault += "@wrong-rip";
        } else {
            fault = "exit" + exit;
        }
        return new Result(fault, Arrays.copyOf(s.xmm, 8), s.mxcsr, s.r[Reg.RAX], s.r[Reg.RCX], s.r[Reg.RDX],
                s.rflags() & Flags.STATUS, space.readBytes(DATA, MEM));
    }

    // ================================================================== host oracle

    private static final Map<String, Oracle> ORACLES = new HashMap<>();
    /** Instruction bytes from every oracle built so far. */
    private static final Map<String, byte[]> BYTES = new HashMap<>();
    private static Boolean available;

    private record Oracle(Path binary, Map<String, Integer> index, Map<String, byte[]> bytes) {}

    /** True if the host can build and run the oracle (x86-64 Linux with gcc). */
    static synchronized boolean hostAvailable() {
        if (available == null) available = NativeOracleBuild.hostCanRun(() -> oracle(List.of("addsd %xmm1, %xmm0")));
        return available;
    }

    /** The bytes of an instruction as the host assembler encodes it. */
    static synchronized byte[] bytes(String asm) {
        byte[] b = BYTES.get(asm);
        return b != null ? b : oracle(List.of(asm)).bytes.get(asm);
    }

    /** Runs every case on the host and returns the results in order. */
    static synchronized List<Result> host(List<Case> cases) {
        List<String> insns = new ArrayList<>(new LinkedHashMap<String, Boolean>() {
            {
                for (Case c : cases) put(c.asm, true);
            }
        }.keySet());
        Oracle o = oracle(insns);
        StringBuilder in = new StringBuilder();
        for (Case c : cases) {
            in.append(o.index.get(c.asm));
            for (long v : c.xmm) in.append(' ').append(Long.toHexString(v));
            in.append(' ').append(Integer.toHexString(c.mxcsr)).append(' ').append(Long.toHexString(c.rax)).append(' ')
                    .append(Long.toHexString(c.rcx)).append(' ').append(Long.toHexString(c.rdx)).append(' ')
                    .append(Long.toHexString(c.flags & Flags.STATUS)).append(' ').append(c.memOffset).append(' ')
                    .append(HexFormat.of().formatHex(c.mem)).append('\n');
        }
        List<String> out = run(List.of(o.binary.toString()), in.toString());
        if (out.size() != cases.size()) throw new IllegalStateException("oracle returned " + out.size() + " lines for " + cases.size());
        List<Result> results = new ArrayList<>();
        for (String line : out) {
            String[] t = line.trim().split(" ");
            long[] x = new long[8];
            for (int k = 0; k < 8; k++) x[k] = Long.parseUnsignedLong(t[1 + k], 16);
            results.add(new Result(t[0].equals("-") ? null : t[0], x, Integer.parseInt(t[9], 16),
                    Long.parseUnsignedLong(t[10], 16), Long.parseUnsignedLong(t[11], 16), Long.parseUnsignedLong(t[12], 16),
                    Long.parseUnsignedLong(t[13], 16) & Flags.STATUS, HexFormat.of().parseHex(t[14])));
        }
        return results;
    }

    private static Oracle oracle(List<String> insns) {
        String source = source(insns);
        String key = NativeOracleBuild.sha(source);
        Oracle o = ORACLES.get(key);
        if (o != null) return o;
        try {
            Path bin = NativeOracleBuild.binary("jvisor-sse-oracle", key, source, command -> run(command, ""), "-O1");
            Map<String, Integer> index = new HashMap<>();
            Map<String, byte[]> bytes = new HashMap<>();
            List<String> lines = run(List.of(bin.toString(), "bytes"), "");
            for (int k = 0; k < insns.size(); k++) {
                index.put(insns.get(k), k);
                bytes.put(insns.get(k), HexFormat.of().parseHex(lines.get(k).trim()));
            }
            o = new Oracle(bin, index, bytes);
            BYTES.putAll(bytes);
            ORACLES.put(key, o);
            return o;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> run(List<String> command, String input) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(false).start();
            Thread writer = new Thread(() -> {
                try (BufferedWriter w = new BufferedWriter(new OutputStreamWriter(p.getOutputStream(), StandardCharsets.US_ASCII))) {
                    w.write(input);
                } catch (IOException e) {
                    // the reader below reports the failure
                }
            });
            writer.start();
            List<String> lines = new ArrayList<>();
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.US_ASCII))) {
                for (String l; (l = r.readLine()) != null; ) lines.add(l);
            }
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(command + " timed out");
            }
            writer.join();
            if (p.exitValue() != 0) throw new IllegalStateException(command.get(0) + " failed (" + p.exitValue() + "): " + err);
            return lines;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String source(List<String> insns) {
        StringBuilder s = new StringBuilder();
        s.append("""
                #define _GNU_SOURCE
                #include <signal.h>
                #include <setjmp.h>
                #include <stdint.h>
                #include <stdio.h>
                #include <stdlib.h>
                #include <string.h>
                #include <ucontext.h>
                struct ctx { uint64_t xmm[8]; uint64_t rax, rcx, rdx, flags; uint32_t mxcsr, pad; uint64_t rsi; };
                static struct ctx C;
                static unsigned char buf[128] __attribute__((aligned(64)));
                static sigjmp_buf jb;
                static const char *fault;
                static void handler(int sig, siginfo_t *si, void *uc) {
                    ucontext_t *u = uc;
                    fault = sig == SIGFPE ? "XM" : sig == SIGILL ? "UD" : "GP";
                    for (int k = 0; k < 4; k++) memcpy(&C.xmm[2 * k], &u->uc_mcontext.fpregs->_xmm[k], 16);
                    C.mxcsr = u->uc_mcontext.fpregs->mxcsr;
                    C.rax = u->uc_mcontext.gregs[REG_RAX];
                    C.rcx = u->uc_mcontext.gregs[REG_RCX];
                    C.rdx = u->uc_mcontext.gregs[REG_RDX];
                    C.flags = u->uc_mcontext.gregs[REG_EFL];
                    siglongjmp(jb, 1);
                }
                __attribute__((used)) const uint32_t mxcsr_default = 0x1f80;
                """);
        s.append("__asm__(\".text\\n\"\n");
        for (int k = 0; k < insns.size(); k++) {
            String[] body = {
                ".globl stub" + k, "stub" + k + ":",
                "movdqu 0(%rdi),%xmm0", "movdqu 16(%rdi),%xmm1", "movdqu 32(%rdi),%xmm2", "movdqu 48(%rdi),%xmm3",
                "mov 64(%rdi),%rax", "mov 72(%rdi),%rcx", "mov 80(%rdi),%rdx", "mov 104(%rdi),%rsi",
                "pushq 88(%rdi)", "popfq", "ldmxcsr 96(%rdi)",
                "ins" + k + "_s:", insns.get(k), "ins" + k + "_e:",
                "pushfq", "popq 88(%rdi)", "stmxcsr 96(%rdi)", "ldmxcsr mxcsr_default(%rip)",
                "movdqu %xmm0,0(%rdi)", "movdqu %xmm1,16(%rdi)", "movdqu %xmm2,32(%rdi)", "movdqu %xmm3,48(%rdi)",
                "mov %rax,64(%rdi)", "mov %rcx,72(%rdi)", "mov %rdx,80(%rdi)", "ret"};
            for (String l : body) s.append("  \"").append(l).append("\\n\"\n");
        }
        s.append(");\n");
        for (int k = 0; k < insns.size(); k++) {
            s.append("void stub").append(k).append("(struct ctx *);\n");
            s.append("extern const unsigned char ins").append(k).append("_s[], ins").append(k).append("_e[];\n");
        }
        s.append("static void (*const stubs[])(struct ctx *) = {");
        for (int k = 0; k < insns.size(); k++) s.append("stub").append(k).append(',');
        s.append("};\nstatic const unsigned char *const starts[] = {");
        for (int k = 0; k < insns.size(); k++) s.append("ins").append(k).append("_s,");
        s.append("};\nstatic const unsigned char *const ends[] = {");
        for (int k = 0; k < insns.size(); k++) s.append("ins").append(k).append("_e,");
        s.append("};\n");
        s.append("""
                int main(int argc, char **argv) {
                    int n = sizeof stubs / sizeof stubs[0];
                    if (argc > 1) {
                        for (int k = 0; k < n; k++) {
                            for (const unsigned char *p = starts[k]; p < ends[k]; p++) printf("%02x", *p);
                            printf("\\n");
                        }
                        return 0;
                    }
                    struct sigaction sa;
                    memset(&sa, 0, sizeof sa);
                    sa.sa_sigaction = handler;
                    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
                    sigaction(SIGFPE, &sa, 0);
                    sigaction(SIGSEGV, &sa, 0);
                    sigaction(SIGBUS, &sa, 0);
                    sigaction(SIGILL, &sa, 0);
                    int idx, off;
                    unsigned long long f;
                    char hex[2 * 64 + 8];
                    while (scanf("%d", &idx) == 1) {
                        for (int k = 0; k < 8; k++) scanf("%llx", (unsigned long long *)&C.xmm[k]);
                        unsigned mx;
                        scanf("%x %llx %llx %llx %llx %d %130s", &mx, (unsigned long long *)&C.rax,
                              (unsigned long long *)&C.rcx, (unsigned long long *)&C.rdx, &f, &off, hex);
                        C.mxcsr = mx;
                        C.flags = f | 0x202;
                        for (int k = 0; k < 64; k++) { unsigned v; sscanf(hex + 2 * k, "%2x", &v); buf[k] = v; }
                        C.rsi = (uint64_t)(buf + off);
                        fault = 0;
                        if (sigsetjmp(jb, 1) == 0) stubs[idx](&C);
                        __asm__ volatile("ldmxcsr %0" :: "m"(mxcsr_default));
                        printf("%s", fault ? fault : "-");
                        for (int k = 0; k < 8; k++) printf(" %llx", (unsigned long long)C.xmm[k]);
                        printf(" %x %llx %llx %llx %llx ", C.mxcsr, (unsigned long long)C.rax, (unsigned long long)C.rcx,
                               (unsigned long long)C.rdx, (unsigned long long)C.flags);
                        for (int k = 0; k < 64; k++) printf("%02x", buf[k]);
                        printf("\\n");
                    }
                    return 0;
                }
                """);
        return s.toString();
    }

    // ================================================================== differential checks

    /** Each op with two other register sources, itself as source, and a memory source (into XMM3). */
    static List<String> registerAndMemoryForms(String... ops) {
        List<String> l = new ArrayList<>();
        for (String op : ops) {
            l.add(op + " %xmm1,%xmm0");
            l.add(op + " %xmm2,%xmm0");
            l.add(op + " %xmm0,%xmm0");
            l.add(op + " 16(%rsi),%xmm3");
        }
        return l;
    }

    /**
     * Runs every case on the host and on the emulator and fails listing the first differences.
     * Skips (JUnit assumption) when the host cannot run the oracle.
     */
    static void assertSameAsHost(List<Case> cases) {
        org.junit.jupiter.api.Assumptions.assumeTrue(hostAvailable(), "no x86-64 Linux host with gcc for the oracle");
        List<Result> expected = host(cases);
        Map<String, byte[]> code = new HashMap<>();
        StringBuilder report = new StringBuilder();
        int bad = 0;
        for (int k = 0; k < cases.size(); k++) {
            Case c = cases.get(k);
            byte[] b = code.computeIfAbsent(c.asm, SseTestSupport::bytes);
            Result got = emulate(c, b);
            if (!got.equals(expected.get(k))) {
                if (bad++ < 12) {
                    report.append("\n").append(c).append("\n   host: ").append(expected.get(k)).append("\n   emul: ").append(got);
                }
            }
        }
        if (bad > 0) org.junit.jupiter.api.Assertions.fail(bad + " of " + cases.size() + " cases differ from the host:" + report);
    }

    // ================================================================== operand generators

    /** Interesting double bit patterns: zeros, denormals, normals at the edges, infinities, NaNs with payloads. */
    static final long[] DOUBLES = {
        0L, 0x8000000000000000L, 1L, 0x8000000000000001L, 0x000FFFFFFFFFFFFFL, 0x800FFFFFFFFFFFFFL, 0x0008000000000000L,
        0x0010000000000000L, 0x8010000000000000L, 0x0010000000000001L, 0x001FFFFFFFFFFFFFL, 0x3FF0000000000000L,
        0xBFF0000000000000L, 0x3FF8000000000000L, 0x4000000000000000L, 0x3FF0000000000001L, 0x3FEFFFFFFFFFFFFFL,
        0x7FEFFFFFFFFFFFFFL, 0xFFEFFFFFFFFFFFFFL, 0x7FE0000000000000L, 0x7FF0000000000000L, 0xFFF0000000000000L,
        0x7FF8000000000000L, 0xFFF8000000000000L, 0x7FF8000000001234L, 0xFFFC00000000ABCDL, 0x7FF0000000000001L,
        0xFFF4000000000ABCL, 0x7FF7FFFFFFFFFFFFL, 0x3FB999999999999AL, 0x4008000000000000L, 0x43E0000000000000L,
        0xC3E0000000000000L, 0x41DFFFFFFFC00000L, 0xC1E0000000000000L, 0x41E0000000000000L, 0x3FE0000000000000L,
        0xBFE0000000000000L, 0x3FF8000000000000L, 0x4004000000000000L, 0xC00C000000000000L, 0x43F0000000000000L,
        0x1FF0000000000000L, 0x2000000000000001L, 0x5FF0000000000000L, 0x4330000000000001L, 0x47EFFFFFE0000000L,
        0x47EFFFFFF0000000L, 0x36A0000000000000L, 0x3690000000000000L, 0x380FFFFFC0000000L, 0x3810000000000000L,
    };

    /** Interesting float bit patterns. */
    static final int[] FLOATS = {
        0, 0x80000000, 1, 0x80000001, 0x007FFFFF, 0x807FFFFF, 0x00400000, 0x00800000, 0x80800000, 0x00800001,
        0x3F800000, 0xBF800000, 0x3FC00000, 0x40000000, 0x3F800001, 0x3F7FFFFF, 0x7F7FFFFF, 0xFF7FFFFF, 0x7F000000,
        0x7F800000, 0xFF800000, 0x7FC00000, 0xFFC00000, 0x7FC01234, 0xFFE0ABCD, 0x7F800001, 0xFFA00ABC, 0x7FBFFFFF,
        0x3DCCCCCD, 0x40400000, 0x4F000000, 0xCF000000, 0x5F000000, 0xDF000000, 0x4EFFFFFF, 0x3F000000, 0xBF000000,
        0x4B000001, 0x1F800000, 0x5F800000, 0x0C000000, 0x3E800000,
    };

    static long randomDouble(java.util.Random r) {
        return switch (r.nextInt(8)) {
            case 0, 1 -> DOUBLES[r.nextInt(DOUBLES.length)];
            case 2 -> r.nextLong(); // any exponent
            case 3 -> Double.doubleToRawLongBits((r.nextDouble() - 0.5) * Math.scalb(1.0, r.nextInt(40) - 20));
            case 4 -> Double.doubleToRawLongBits(r.nextInt(2000) - 1000 + r.nextInt(8) / 8.0);
            case 5 -> (r.nextLong() & 0x800FFFFFFFFFFFFFL) | (long) (r.nextInt(64) + (r.nextBoolean() ? 0 : 0x7C0)) << 52; // extremes
            case 6 -> (r.nextLong() & 0x800FFFFFFFFFFFFFL) | (long) (0x1FF + r.nextInt(0x400)) << 52; // products near the edges
            default -> r.nextLong() & 0x800000000000000FL | (long) (0x3FF + r.nextInt(60)) << 52; // short significands
        };
    }

    static int randomFloat(java.util.Random r) {
        return switch (r.nextInt(8)) {
            case 0, 1 -> FLOATS[r.nextInt(FLOATS.length)];
            case 2 -> r.nextInt();
            case 3 -> Float.floatToRawIntBits((float) ((r.nextDouble() - 0.5) * Math.scalb(1.0, r.nextInt(40) - 20)));
            case 4 -> Float.floatToRawIntBits(r.nextInt(2000) - 1000 + r.nextInt(8) / 8.0f);
            case 5 -> (r.nextInt() & 0x807FFFFF) | (r.nextInt(16) + (r.nextBoolean() ? 0 : 0xF0)) << 23;
            case 6 -> (r.nextInt() & 0x807FFFFF) | (0x3F + r.nextInt(0x80)) << 23;
            default -> r.nextInt() & 0x8000000F | (0x7F + r.nextInt(30)) << 23;
        };
    }

    static long randomPackedFloats(java.util.Random r) {
        return (randomFloat(r) & 0xFFFFFFFFL) | (long) randomFloat(r) << 32;
    }

    /**
     * An MXCSR value: any rounding mode, sometimes FTZ and/or DAZ, some flags already set, and
     * now and then some exceptions unmasked.
     */
    static int randomMxcsr(java.util.Random r) {
        int m = 0x1F80 | r.nextInt(4) << 13;
        if (r.nextInt(4) == 0) m |= 0x8000;
        if (r.nextInt(4) == 0) m |= 0x40;
        if (r.nextInt(3) == 0) m |= r.nextInt(64);
        if (r.nextInt(2) == 0) m |= 0x3F; // all flags set: the emulator's fast path
        if (r.nextInt(6) == 0) m &= ~(r.nextInt(64) << 7);
        return m;
    }
}
