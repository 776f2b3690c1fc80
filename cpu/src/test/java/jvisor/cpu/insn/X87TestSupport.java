package jvisor.cpu.insn;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import jvisor.cpu.Cpu;
import jvisor.cpu.CpuFault;
import jvisor.cpu.CpuState;
import jvisor.cpu.Flags;
import jvisor.cpu.Reg;
import jvisor.mmu.AddressSpace;
import jvisor.mmu.Prot;

/**
 * Differential tests of x87 instructions: the same instruction bytes run natively on this
 * x86-64 host and in the emulator, from the same complete FPU state, and everything the FPU has
 * afterwards is compared.
 *
 * <p>A {@link Case} is an AT&amp;T snippet plus an initial FPU state (control word, status word
 * with TOP, the eight registers with their empty/non-empty tags, FIP/FDP/FOP), RAX, the status
 * flags and a 128-byte memory buffer that RSI points into. The native oracle (one static C
 * program per list of snippets, cached by hash in the temp directory) wraps each snippet in a stub
 * <pre>
 *   frstor (ctx); load rax, rsi, rflags; SNIPPET; store rflags, rax; fxsave64 (ctx.fx); fnsave (ctx.fout); ret
 * </pre>
 * with the context and the buffer mmap'ed at fixed addresses. The emulator maps the stub bytes
 * taken from that very binary at the very same addresses, so FIP/FDP compare too, and runs the
 * whole stub (FRSTOR, FXSAVE and FNSAVE are under test as well). A fault (#MF as SIGFPE, #GP as
 * SIGSEGV, #UD as SIGILL) is caught: the host reports the RIP and the FXSAVE image of the signal
 * frame, the emulator its exception exit and an FXSAVE of its state at that point.
 *
 * <p>Compared: the fault and its RIP, RAX, the status flags, the first 160 bytes of the FXSAVE
 * image (FCW, FSW with TOP and C0-C3, abridged tags, FOP, FIP, FDP, MXCSR, ST0-ST7 with their
 * 80 bits), the 108-byte FNSAVE image (full tag word, 32-bit pointers, registers again) and the
 * memory buffer. Both sides exchange binary records through pipes. On a non-Intel host the x87 pointers (FOP,
 * FIP, FDP, FCS, FDS) and MXCSR_MASK in these images, and in those the snippet stores, are compared allowing
 * that vendor's documented differences ({@link Image#sameOffIntel}).
 */
final class X87TestSupport {
    static final long MEM = 0x2000_0000L, CTX = 0x2000_1000L, STACK_TOP = 0x3000_0000L, HELPER = 0x3100_0000L;
    static final int MEM_SIZE = 128;
    private static final int IN_REC = 264, OUT_REC = 432;

    private X87TestSupport() {}

    // ================================================================== values

    /** An extended value: sign+exponent and significand. */
    record X(int se, long m) {
        static X of(int se, long m) {
            return new X(se & 0xFFFF, m);
        }

        X neg() {
            return new X(se ^ 0x8000, m);
        }

        @Override
        public String toString() {
            return String.format("%04x:%016x", se, m);
        }
    }

    static X x(int se, long m) {
        return X.of(se, m);
    }

    /** Extended value of a double (exact). */
    static X d(double v) {
        long b = Double.doubleToRawLongBits(v);
        int e = (int) (b >>> 52) & 0x7FF;
        long f = b & 0xFFFFFFFFFFFFFL;
        int sign = b < 0 ? 0x8000 : 0;
        if (e == 0x7FF) return x(sign | 0x7FFF, 1L << 63 | f << 11);
        if (e == 0) {
            if (f == 0) return x(sign, 0);
            int lz = Long.numberOfLeadingZeros(f);
            return x(sign | (16383 + 63 - 1074 - lz), f << lz);
        }
        return x(sign | (e - 1023 + 16383), 1L << 63 | f << 11);
    }

    static final X INDEF = x(0xFFFF, 0xC000000000000000L);

    /** Interesting extended operands: every class and encoding, edges of the range, rounding ties. */
    static final X[] EDGE = {
        x(0, 0), x(0x8000, 0), // zeros
        x(0, 1), x(0x8000, 0x7FFFFFFFFFFFFFFFL), x(0, 0x0000000100000000L), // denormals
        x(0, 0x8000000000000000L), x(0x8000, 0xC000000000000001L), // pseudo-denormals
        x(1, 0x8000000000000000L), x(0x8001, 0xFFFFFFFFFFFFFFFFL), // smallest normals
        d(1), d(-1), d(1.5), d(2), d(-3), d(10), d(0.1), x(0x3FFD, 0xAAAAAAAAAAAAAAABL), // ordinary
        x(0x3FFF, 0xFFFFFFFFFFFFFFFFL), x(0x3FFF, 0x8000000000000001L), x(0xBFFF, 0x8000008000000000L), // ties at 64/24 bits
        x(0x3FFF, 0x8000000000000400L), x(0x3FFF, 0x80000000000007FFL), x(0x3FFF, 0xFFFFFF8000000000L), // ties at 53/24 bits
        x(0x7FFE, 0xFFFFFFFFFFFFFFFFL), x(0xFFFE, 0x8000000000000000L), // largest
        x(0x5FFF, 0xC000000000000000L), x(0x2000, 0xF000000000000001L), x(0x0040, 0x8000000000000001L), // near the edges
        x(0x7FFF, 0x8000000000000000L), x(0xFFFF, 0x8000000000000000L), // infinities
        x(0x7FFF, 0xC000000000001234L), x(0xFFFF, 0xC000000000000000L), // QNaNs (the second: real indefinite)
        x(0x7FFF, 0x8000000000000001L), x(0xFFFF, 0xA000000000005678L), // SNaNs
        x(0x3FFF, 0x7FFFFFFFFFFFFFFFL), x(0x0001, 0x0000000000000001L), // unnormals
        x(0x7FFF, 0), x(0xFFFF, 0x4000000000000000L), // pseudo-infinity, pseudo-NaN
        d(0x1p63), d(-0x1p62 * 3), d(123456789.0), d(-0.5), d(Math.PI), d(1e300), d(1e-300),
    };

    /** A random extended value: mostly finite with exponents anywhere, sometimes special. */
    static X random(Random r) {
        return switch (r.nextInt(10)) {
            case 0 -> EDGE[r.nextInt(EDGE.length)];
            case 1 -> x(r.nextInt(0x10000), r.nextLong()); // any bits
            case 2 -> x((r.nextBoolean() ? 0x8000 : 0) | (16383 + r.nextInt(130) - 65), r.nextLong() | 1L << 63);
            case 3 -> x((r.nextBoolean() ? 0x8000 : 0) | r.nextInt(0x7FFF), r.nextLong() | 1L << 63);
            case 4 -> x((r.nextBoolean() ? 0x8000 : 0) | (r.nextInt(80)), r.nextLong() | 1L << 63); // near underflow
            case 5 -> x((r.nextBoolean() ? 0x8000 : 0) | (0x7FFE - r.nextInt(80)), r.nextLong() | 1L << 63); // near overflow
            case 6 -> x((r.nextBoolean() ? 0x8000 : 0) | (16383 + r.nextInt(20)), (r.nextLong() | 1L << 63) & ~((1L << r.nextInt(50)) - 1));
            case 7 -> d((r.nextDouble() - 0.5) * Math.scalb(1.0, r.nextInt(200) - 100));
            case 8 -> d(r.nextInt(2001) - 1000);
            default -> x((r.nextBoolean() ? 0x8000 : 0) | (16383 + r.nextInt(64)), (r.nextLong() | 1L << 63) & ~((1L << 40) - 1));
        };
    }

    /** The twelve combinations of precision control (24, 53, 64 bits; the reserved 01 too) and rounding control. */
    static final int[] PC = {0, 1, 2, 3};
    static final int[] RC = {0, 1, 2, 3};

    /** Control word with all exceptions masked, the given PC and RC. */
    static int cw(int pc, int rc) {
        return 0x037F & ~0x0F00 | pc << 8 | rc << 10;
    }

    // ================================================================== cases and results

    static final class Case {
        final String asm;
        int cw = 0x037F;
        int sw; // status word without TOP
        int top;
        /** ST(i) contents and whether it is valid (non-empty). */
        final int[] se = new int[8];
        final long[] m = new long[8];
        final boolean[] valid = new boolean[8];
        long ip = 0x1234_5678L, dp = 0x9ABC_DEF0L;
        int op = 0x155;
        long rax = 0x1111_2222_3333_4444L, flags;
        int memOff;
        final byte[] mem = new byte[MEM_SIZE];
        String label = "";
        /** For transcendental tests: register values may differ by this many ulps; PE and C1 are then not compared. */
        int ulps;

        Case(String asm) {
            this.asm = asm;
        }

        Case st(int i, X v) {
            se[i] = v.se;
            m[i] = v.m;
            valid[i] = true;
            return this;
        }

        Case cw(int v) {
            cw = v;
            return this;
        }

        Case top(int t) {
            top = t & 7;
            return this;
        }

        Case sw(int v) {
            sw = v;
            return this;
        }

        Case mem(int off, byte... b) {
            System.arraycopy(b, 0, mem, off, b.length);
            return this;
        }

        Case memLong(int off, long... q) {
            for (int k = 0; k < q.length; k++) for (int b = 0; b < 8; b++) mem[off + 8 * k + b] = (byte) (q[k] >>> (8 * b));
            return this;
        }

        Case memX(int off, X v) {
            memLong(off, v.m);
            mem[off + 8] = (byte) v.se;
            mem[off + 9] = (byte) (v.se >>> 8);
            return this;
        }

        Case label(String l) {
            label = l;
            return this;
        }

        Case flags(long f) {
            flags = f & Flags.STATUS;
            return this;
        }

        /** The 108-byte FNSAVE image FRSTOR loads. */
        byte[] image() {
            ByteBuffer b = ByteBuffer.allocate(112).order(ByteOrder.LITTLE_ENDIAN);
            int ftw = 0;
            for (int i = 0; i < 8; i++) {
                int phys = (top + i) & 7;
                int tg = valid[i] ? jvisor.cpu.fpu.F80.tag(se[i], m[i]) : 3;
                ftw |= tg << (2 * phys);
            }
            b.putInt(cw | 0xFFFF0000).putInt(sw & ~0x3800 | top << 11 | 0xFFFF0000).putInt(ftw | 0xFFFF0000);
            b.putInt((int) ip).putInt(op << 16).putInt((int) dp).putInt(0xFFFF0000);
            for (int i = 0; i < 8; i++) b.putLong(m[i]).putShort((short) se[i]);
            return b.array();
        }

        @Override
        public String toString() {
            StringBuilder b = new StringBuilder("'" + asm + "'");
            if (!label.isEmpty()) b.append(" [").append(label).append(']');
            b.append(String.format(" cw=%04x sw=%04x top=%d", cw, sw, top));
            for (int i = 0; i < 8; i++) if (valid[i]) b.append(String.format(" st%d=%04x:%016x", i, se[i], m[i]));
            if (rax != 0x1111_2222_3333_4444L) b.append(String.format(" rax=%x", rax));
            if (flags != 0) b.append(" flags=").append(Long.toHexString(flags));
            byte[] zero = new byte[MEM_SIZE];
            if (!Arrays.equals(mem, zero)) b.append(" mem=").append(HexFormat.of().formatHex(mem, 0, 32));
            if (memOff != 0) b.append(" memOff=").append(memOff);
            return b.toString();
        }
    }

    /** The state after a case: fault (0 none, else the vector), its RIP, RAX, flags, FXSAVE[0,160), FNSAVE, memory. */
    record Result(int fault, long rip, long rax, long flags, byte[] fx, byte[] fsave, byte[] mem) {
        int fcw() {
            return u16(fx, 0);
        }

        int fsw() {
            return u16(fx, 2);
        }

        /** ST(i) from the FXSAVE image. */
        X st(int i) {
            return x(u16(fx, 40 + 16 * i), ByteBuffer.wrap(fx, 32 + 16 * i, 8).order(ByteOrder.LITTLE_ENDIAN).getLong());
        }

        String describe() {
            StringBuilder b = new StringBuilder();
            if (fault != 0) b.append(CpuFault.vectorName(fault)).append(String.format(" at %x ", rip));
            b.append(String.format("fcw=%04x fsw=%04x ftw=%02x fop=%03x fip=%x fdp=%x full-ftw=%04x", fcw(), fsw(), fx[4] & 0xFF,
                    u16(fx, 6), ByteBuffer.wrap(fx, 8, 8).order(ByteOrder.LITTLE_ENDIAN).getLong(),
                    ByteBuffer.wrap(fx, 16, 8).order(ByteOrder.LITTLE_ENDIAN).getLong(), u16(fsave, 8)));
            for (int i = 0; i < 8; i++) {
                if ((fx[4] >>> ((((fsw() >>> 11) & 7) + i) & 7) & 1) != 0) b.append(" st").append(i).append('=').append(st(i));
            }
            b.append(String.format(" rax=%x flags=%s mem=%s", rax, flags, HexFormat.of().formatHex(mem, 0, 24)));
            return b.toString();
        }
    }

    static int u16(byte[] b, int off) {
        return (b[off] & 0xFF) | (b[off + 1] & 0xFF) << 8;
    }

    // ================================================================== the oracle program

    private record Stub(long addr, byte[] code) {}

    private record Oracle(Path binary, Map<String, Integer> index, List<Stub> stubs) {}

    private static final Map<String, Oracle> ORACLES = new HashMap<>();
    private static Boolean available;

    static synchronized boolean hostAvailable() {
        if (available == null) available = NativeOracleBuild.hostCanRun(() -> oracle(List.of("fld1")));
        return available;
    }

    private static Oracle oracle(List<String> insns) {
        String source = source(insns);
        String key = NativeOracleBuild.sha(source);
        Oracle o = ORACLES.get(key);
        if (o != null) return o;
        try {
            Path bin = NativeOracleBuild.binary("jvisor-x87-oracle", key, source, command -> run(command, new byte[0]), "-O1",
                    "-static");
            String[] lines = new String(run(List.of(bin.toString(), "bytes"), new byte[0]), StandardCharsets.US_ASCII).split("\n");
            Map<String, Integer> index = new HashMap<>();
            List<Stub> stubs = new ArrayList<>();
            for (int k = 0; k < insns.size(); k++) {
                index.put(insns.get(k), k);
                String[] t = lines[k].trim().split(" ");
                stubs.add(new Stub(Long.parseUnsignedLong(t[0], 16), HexFormat.of().parseHex(t[1])));
            }
            o = new Oracle(bin, index, stubs);
            ORACLES.put(key, o);
            return o;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String source(List<String> insns) {
        StringBuilder s = new StringBuilder();
        s.append("""
                #define _GNU_SOURCE
                #include <setjmp.h>
                #include <signal.h>
                #include <stdint.h>
                #include <stdio.h>
                #include <string.h>
                #include <sys/mman.h>
                #include <ucontext.h>
                #define MEM 0x20000000UL
                #define CTX 0x20001000UL
                struct ctx { uint8_t fin[112]; uint64_t rax, flags, rsi, pad; uint8_t fx[512]; uint8_t fout[112]; };
                static sigjmp_buf jb;
                static volatile int fault;
                static volatile uint64_t frip, frax, fflags;
                static void handler(int sig, siginfo_t *si, void *uc) {
                    ucontext_t *u = uc;
                    struct ctx *C = (struct ctx *)CTX;
                    fault = sig == SIGFPE ? 16 : sig == SIGILL ? 6 : 13;
                    frip = u->uc_mcontext.gregs[REG_RIP];
                    frax = u->uc_mcontext.gregs[REG_RAX];
                    fflags = u->uc_mcontext.gregs[REG_EFL];
                    if (u->uc_mcontext.fpregs) memcpy(C->fx, u->uc_mcontext.fpregs, 512);
                    siglongjmp(jb, 1);
                }
                """);
        s.append("__asm__(\".text\\n\"\n");
        for (int k = 0; k < insns.size(); k++) {
            String[] body = {".globl stub" + k, "stub" + k + ":", "frstor 0(%rdi)", "mov 112(%rdi),%rax", "mov 128(%rdi),%rsi",
                "pushq 120(%rdi)", "popfq", insns.get(k), "pushfq", "popq 120(%rdi)", "mov %rax,112(%rdi)",
                "fxsave64 144(%rdi)", "fnsave 656(%rdi)", "ret", "stub" + k + "_e:"};
            for (String l : body) s.append("  \"").append(l).append("\\n\"\n");
        }
        s.append(");\n");
        for (int k = 0; k < insns.size(); k++) s.append("void stub").append(k).append("(void *); extern const unsigned char stub").append(k).append("_e[];\n");
        s.append("static void (*const stubs[])(void *) = {");
        for (int k = 0; k < insns.size(); k++) s.append("stub").append(k).append(',');
        s.append("};\nstatic const unsigned char *const ends[] = {");
        for (int k = 0; k < insns.size(); k++) s.append("stub").append(k).append("_e,");
        s.append("};\n");
        s.append("""
                int main(int argc, char **argv) {
                    int n = sizeof stubs / sizeof stubs[0];
                    if (argc > 1) {
                        for (int k = 0; k < n; k++) {
                            const unsigned char *p = (const unsigned char *)stubs[k];
                            printf("%lx ", (unsigned long)p);
                            for (; p < ends[k]; p++) printf("%02x", *p);
                            printf("\\n");
                        }
                        return 0;
                    }
                    if (mmap((void *)MEM, 0x2000, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != (void *)MEM) return 2;
                    struct sigaction sa;
                    memset(&sa, 0, sizeof sa);
                    sa.sa_sigaction = handler;
                    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
                    sigaction(SIGFPE, &sa, 0);
                    sigaction(SIGSEGV, &sa, 0);
                    sigaction(SIGBUS, &sa, 0);
                    sigaction(SIGILL, &sa, 0);
                    static unsigned char in[264], out[432];
                    static char ibuf[1 << 16], obuf[1 << 16];
                    setvbuf(stdin, ibuf, _IOFBF, sizeof ibuf);
                    setvbuf(stdout, obuf, _IOFBF, sizeof obuf);
                    struct ctx *C = (struct ctx *)CTX;
                    while (fread(in, 1, sizeof in, stdin) == sizeof in) {
                        int32_t idx, off;
                        memcpy(&idx, in, 4);
                        memcpy(&off, in + 4, 4);
                        memcpy(C->fin, in + 24, 112);
                        memcpy(&C->rax, in + 8, 8);
                        memcpy(&C->flags, in + 16, 8);
                        C->flags |= 0x202;
                        C->rsi = MEM + off;
                        memcpy((void *)MEM, in + 136, 128);
                        memset(C->fx, 0, sizeof C->fx);
                        memset(C->fout, 0, sizeof C->fout);
                        fault = 0;
                        frip = 0;
                        if (sigsetjmp(jb, 1) == 0) stubs[idx](C);
                        __asm__ volatile("fninit");
                        memset(out, 0, sizeof out);
                        int32_t fl = fault;
                        memcpy(out, &fl, 4);
                        uint64_t rip = fault ? frip : 0, rax = fault ? frax : C->rax, flags = (fault ? fflags : C->flags) & 0x8d5;
                        memcpy(out + 8, &rip, 8);
                        memcpy(out + 16, &rax, 8);
                        memcpy(out + 24, &flags, 8);
                        memcpy(out + 32, C->fx, 160);
                        memcpy(out + 192, C->fout, 112);
                        memcpy(out + 304, (void *)MEM, 128);
                        fwrite(out, 1, sizeof out, stdout);
                    }
                    fflush(stdout);
                    return 0;
                }
                """);
        return s.toString();
    }

    private static byte[] record(int idx, Case c) {
        ByteBuffer b = ByteBuffer.allocate(IN_REC).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(idx).putInt(c.memOff).putLong(c.rax).putLong(c.flags & Flags.STATUS).put(c.image()).put(c.mem);
        return b.array();
    }

    /** Runs every case natively; the results in order. */
    static synchronized List<Result> host(List<Case> cases) {
        Oracle o = oracle(distinct(cases));
        ByteArrayOutputStream in = new ByteArrayOutputStream(cases.size() * IN_REC);
        for (Case c : cases) in.writeBytes(record(o.index.get(c.asm), c));
        byte[] out = run(List.of(o.binary.toString()), in.toByteArray());
        if (out.length != (long) cases.size() * OUT_REC) {
            int done = out.length / OUT_REC;
            throw new IllegalStateException("oracle stopped after " + done + " of " + cases.size() + " cases"
                    + (done < cases.size() ? ": " + cases.get(done) : ""));
        }
        List<Result> r = new ArrayList<>(cases.size());
        ByteBuffer b = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
        for (int k = 0; k < cases.size(); k++) {
            int base = k * OUT_REC;
            r.add(new Result(b.getInt(base), b.getLong(base + 8), b.getLong(base + 16), b.getLong(base + 24),
                    Arrays.copyOfRange(out, base + 32, base + 192), Arrays.copyOfRange(out, base + 192, base + 300),
                    Arrays.copyOfRange(out, base + 304, base + 432)));
        }
        return r;
    }

    private static List<String> distinct(List<Case> cases) {
        LinkedHashMap<String, Boolean> m = new LinkedHashMap<>();
        for (Case c : cases) m.put(c.asm, true);
        return new ArrayList<>(m.keySet());
    }

    // ================================================================== the emulator

    private static AddressSpace space;
    private static Cpu cpu;
    private static Oracle placedFor;

    static synchronized List<Result> emulate(List<Case> cases) {
        Oracle o = oracle(distinct(cases));
        if (placedFor != o) {
            // a fresh machine per oracle binary: its stubs sit at the binary's own addresses
            space = new AddressSpace();
            space.mapAnonymous(MEM, 0x2000, Prot.RW, "data");
            space.mapAnonymous(STACK_TOP - 0x1_0000L, 0x1_0000L, Prot.RW, "stack");
            space.mapAnonymous(HELPER, 0x1000, Prot.RX, "helper");
            // fxsave64 144(%rdi); int3
            space.pokeBytes(HELPER, new byte[] {0x48, 0x0F, (byte) 0xAE, (byte) 0x87, (byte) 0x90, 0, 0, 0, (byte) 0xCC}, 0, 9);
            java.util.Set<Long> pages = new java.util.HashSet<>();
            for (Stub st : o.stubs) {
                for (long p = st.addr & ~0xFFFL; p < st.addr + st.code.length; p += 0x1000) {
                    if (pages.add(p)) space.mapAnonymous(p, 0x1000, Prot.RX, "code");
                }
                byte[] code = st.code.clone();
                code[code.length - 1] = (byte) 0xCC; // ret -> int3: leave the run loop
                space.pokeBytes(st.addr, code, 0, code.length);
            }
            cpu = new Cpu(space);
            placedFor = o;
        }
        List<Result> results = new ArrayList<>(cases.size());
        for (Case c : cases) results.add(emulate(c, o.stubs.get(o.index.get(c.asm))));
        return results;
    }

    private static Result emulate(Case c, Stub st) {
        space.pokeBytes(MEM, c.mem, 0, MEM_SIZE);
        byte[] ctx = new byte[768];
        ByteBuffer b = ByteBuffer.wrap(ctx).order(ByteOrder.LITTLE_ENDIAN);
        b.put(0, c.image());
        b.putLong(112, c.rax).putLong(120, c.flags & Flags.STATUS | 0x202).putLong(128, MEM + c.memOff);
        space.pokeBytes(CTX, ctx, 0, ctx.length);
        CpuState s = cpu.state;
        for (int k = 0; k < 16; k++) s.r[k] = 0x0101_0101_0101_0101L * k;
        s.r[Reg.RDI] = CTX;
        s.r[Reg.RSP] = STACK_TOP - 0x100;
        s.setRflags(0);
        s.mxcsr = 0x1F80;
        FpuState.init(s);
        s.rip = st.addr;
        int exit = cpu.run();
        int fault = 0;
        long rip = 0, rax, flags;
        if (exit == Cpu.EXIT_EXCEPTION && cpu.exitVector == CpuFault.BP && s.rip == st.addr + st.code.length) {
            ByteBuffer r = ByteBuffer.wrap(space.readBytes(CTX, 768)).order(ByteOrder.LITTLE_ENDIAN);
            rax = r.getLong(112);
            flags = r.getLong(120) & 0x8D5;
        } else {
            fault = exit == Cpu.EXIT_EXCEPTION ? cpu.exitVector : 100 + exit;
            rip = exit == Cpu.EXIT_EXCEPTION ? cpu.exitAddress : s.rip;
            rax = s.r[Reg.RAX];
            flags = s.rflags() & 0x8D5;
            s.rip = HELPER; // FXSAVE64 of the state at the fault (FXSAVE does not wait)
            cpu.run();
        }
        byte[] all = space.readBytes(CTX, 768);
        return new Result(fault, rip, rax, flags, Arrays.copyOfRange(all, 144, 304), Arrays.copyOfRange(all, 656, 764),
                space.readBytes(MEM, MEM_SIZE));
    }

    // ================================================================== comparing

    /** Counters over every comparison made in this JVM, for the report. */
    static long casesRun, mismatches, ulpCases, ulpExact;

    /**
     * Runs the cases on the host and the emulator; fails listing the first differences. Cases
     * with {@code ulps > 0} accept register differences up to that many units in the last place
     * (and then ignore PE and C1).
     */
    static void assertSameAsHost(List<Case> cases) {
        org.junit.jupiter.api.Assumptions.assumeTrue(hostAvailable(), "no x86-64 Linux host with gcc for the oracle");
        List<Result> expected = host(cases);
        List<Result> got = emulate(cases);
        StringBuilder report = new StringBuilder(), all = new StringBuilder();
        String dump = System.getProperty("jvisor.test.diffs");
        int bad = 0;
        for (int k = 0; k < cases.size(); k++) {
            Case c = cases.get(k);
            Result h = expected.get(k), e = got.get(k);
            String diff = difference(c, h, e);
            if (diff != null) {
                if (dump != null) all.append("\n").append(c).append("\n   ").append(diff).append("\n   host: ").append(h.describe())
                        .append("\n   emul: ").append(e.describe());
                if (bad++ < 15) {
                    report.append("\n").append(c).append("\n   ").append(diff).append("\n   host: ").append(h.describe())
                            .append("\n   emul: ").append(e.describe());
                }
            }
        }
        synchronized (X87TestSupport.class) {
            casesRun += cases.size();
            mismatches += bad;
        }
        if (bad > 0 && dump != null) {
            try {
                Files.writeString(Path.of(dump), all.toString(), java.nio.file.StandardOpenOption.CREATE,
                        java.nio.file.StandardOpenOption.APPEND);
            } catch (IOException ex) {
                throw new UncheckedIOException(ex);
            }
        }
        if (bad > 0) org.junit.jupiter.api.Assertions.fail(bad + " of " + cases.size() + " cases differ from the host:" + report);
    }

    /** A snippet's instruction that stores an environment into the buffer. */
    private static final java.util.regex.Pattern STORE =
            java.util.regex.Pattern.compile("(data16 )?(fnstenv|fnsave|fxsave|fxsave64) (\\d*)\\(%rsi\\)");

    static String difference(Case c, Result h, Result e) {
        if (h.fault != e.fault || h.fault != 0 && h.rip != e.rip) {
            return "fault host " + h.fault + String.format("@%x", h.rip) + " emu " + e.fault + String.format("@%x", e.rip);
        }
        StringBuilder d = new StringBuilder();
        if (h.rax != e.rax) d.append(String.format("rax host %x emu %x; ", h.rax, e.rax));
        if (h.flags != e.flags) d.append(String.format("flags host %x emu %x; ", h.flags, e.flags));
        byte[] hm = h.mem, em = e.mem, hx = h.fx, ex = e.fx, hs = h.fsave, es = e.fsave;
        if (!jvisor.cpu.CpuTestSupport.intelHost()) { // copies with the vendor-specific fields made equal
            hm = hm.clone();
            em = em.clone();
            hx = hx.clone();
            ex = ex.clone();
            hs = hs.clone();
            es = es.clone();
            Image.FX64.sameOffIntel(hx, ex, 0);
            Image.ENV32.sameOffIntel(hs, es, 0);
            for (String insn : c.asm.split(";")) { // the images the snippet itself stores into the buffer
                java.util.regex.Matcher m = STORE.matcher(insn.trim());
                if (!m.matches()) continue;
                int at = c.memOff + (m.group(3).isEmpty() ? 0 : Integer.parseInt(m.group(3)));
                String op = m.group(2);
                Image img = op.equals("fxsave64") ? Image.FX64 : op.equals("fxsave") ? Image.FX32
                        : m.group(1) != null ? Image.ENV16 : Image.ENV32;
                if (at + 32 <= MEM_SIZE) img.sameOffIntel(hm, em, at);
            }
        }
        if (!Arrays.equals(hm, em)) d.append("memory; ");
        if (c.ulps == 0) {
            if (!Arrays.equals(hx, ex)) d.append("fxsave@").append(Arrays.mismatch(hx, ex)).append("; ");
            if (!Arrays.equals(hs, es)) d.append("fnsave@").append(Arrays.mismatch(hs, es)).append("; ");
        } else {
            byte[] hf = hx.clone(), ef = ex.clone();
            boolean exact = Arrays.equals(hf, ef);
            // PE, UE and C1 follow the last bit (and a 1-ulp step may cross the normal/denormal boundary): not compared
            hf[2] &= ~0x30;
            ef[2] &= ~0x30;
            hf[3] &= ~0x02;
            ef[3] &= ~0x02;
            for (int i = 0; i < 8; i++) {
                X a = h.st(i), b = e.st(i);
                if (!a.equals(b) && ulpDistance(a, b) <= c.ulps) {
                    System.arraycopy(hf, 32 + 16 * i, ef, 32 + 16 * i, 10);
                }
            }
            if (!Arrays.equals(hf, ef)) d.append("fxsave@").append(Arrays.mismatch(hf, ef)).append("; ");
            synchronized (X87TestSupport.class) {
                ulpCases++;
                if (exact) ulpExact++;
            }
        }
        return d.isEmpty() ? null : d.toString();
    }

    /**
     * Where a saved x87 state keeps FSW and the pointer fields (offsets in the image; -1: absent): FXSAVE with and
     * without REX.W, and the FNSTENV/FNSAVE environment in its 32-bit and 16-bit protected-mode formats (SDM vol. 1
     * 8.1.10, figures 8-9 and 8-10: the 16-bit one has no FOP).
     */
    enum Image {
        FX64(2, 6, 8, 8, -1, 16, -1, 28), FX32(2, 6, 8, 4, 12, 16, 20, 28), ENV32(4, 18, 12, 4, 16, 20, 24, -1),
        ENV16(2, -1, 6, 2, 8, 10, 12, -1);

        final int fsw, fop, fip, width, fcs, fdp, fds, mxcsrMask;

        Image(int fsw, int fop, int fip, int width, int fcs, int fdp, int fds, int mxcsrMask) {
            this.fsw = fsw;
            this.fop = fop;
            this.fip = fip;
            this.width = width;
            this.fcs = fcs;
            this.fdp = fdp;
            this.fds = fds;
            this.mxcsrMask = mxcsrMask;
        }

        /**
         * For a non-Intel host: makes the fields of the image at {@code at} in {@code h} (host) and {@code e}
         * (emulator) equal where such a host records them differently from the Intel CPU the emulator models.
         * Equal images stay equal; every other byte is left alone.
         */
        void sameOffIntel(byte[] h, byte[] e, int at) {
            boolean pending = (u16(h, at + fsw) & 0x80) != 0; // FSW.ES: an unmasked exception is pending
            // AMD APM vol. 5, FXSAVE/XSAVE: FIP, FDP (and FOP) are saved only while ES=1, so with ES=0 they read as
            // zero after FXSAVE, and after a context switch (the kernel's XSAVE) until the next instruction sets them.
            if (!pending && zero(h, at + fip, width)) clear(e, at + fip, width);
            // FDP reads as zero now and then even with ES=1 (once in 58,920 fscale cases of an AMD EPYC host, and
            // not again with the same cases): a context switch between the instruction and the snippet's FNSAVE
            // loses it, so a zero FDP on such a host is accepted whatever ES says.
            if (zero(h, at + fdp, width)) clear(e, at + fdp, width);
            // FCS and FDS: Intel stores zero (CPUID.(EAX=7,ECX=0):EBX[13], SDM vol. 1 8.1.8), AMD the selectors.
            if (fcs >= 0) {
                for (byte[] b : new byte[][] {h, e}) {
                    clear(b, at + fcs, 2);
                    clear(b, at + fds, 2);
                }
            }
            // FOP: Intel records it only for an unmasked exception (SDM vol. 1 8.1.9.1), AMD for every non-control
            // instruction; both agree while ES=1 (every later non-control instruction waits and faults).
            if (!pending && fop >= 0) System.arraycopy(h, at + fop, e, at + fop, 2);
            // FDP: Intel records it only for an unmasked exception (FDP_EXCPTN_ONLY, SDM vol. 1 8.1.8), AMD the operand
            // of every non-control instruction that has one: accepted where the host's is in the data buffer and ours not.
            if (inBuffer(h, at + fdp) && !inBuffer(e, at + fdp)) System.arraycopy(h, at + fdp, e, at + fdp, width);
            // MXCSR_MASK bit 17 is AMD's MM (misaligned SSE exception mask with CPUID Fn8000_0001_ECX[7], APM vol. 1 MXCSR).
            if (mxcsrMask >= 0) {
                h[at + mxcsrMask + 2] &= ~0x02;
                e[at + mxcsrMask + 2] &= ~0x02;
            }
        }

        private boolean inBuffer(byte[] b, int off) {
            if (width == 2) return false; // a 16-bit offset never reaches the buffer, far above 64 KiB
            long p = ByteBuffer.wrap(b, off, width).order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xFFFF_FFFFL;
            if (width == 8) p |= (long) ByteBuffer.wrap(b, off + 4, 4).order(ByteOrder.LITTLE_ENDIAN).getInt() << 32;
            return p >= MEM && p < MEM + 0x1000;
        }

        private static void clear(byte[] b, int off, int len) {
            Arrays.fill(b, off, off + len, (byte) 0);
        }

        private static boolean zero(byte[] b, int off, int len) {
            for (int k = off; k < off + len; k++) if (b[k] != 0) return false;
            return true;
        }
    }

    /** Distance in units of the last place of two finite extended values of the same sign (large otherwise). */
    static long ulpDistance(X a, X b) {
        if ((a.se & 0x8000) != (b.se & 0x8000) || (a.se & 0x7FFF) == 0x7FFF || (b.se & 0x7FFF) == 0x7FFF) return Long.MAX_VALUE;
        // a monotonic integer image: exponent * 2^63 + (significand without the integer bit)
        java.math.BigInteger ia = java.math.BigInteger.valueOf(a.se & 0x7FFF).shiftLeft(63).add(java.math.BigInteger.valueOf(a.m & Long.MAX_VALUE));
        java.math.BigInteger ib = java.math.BigInteger.valueOf(b.se & 0x7FFF).shiftLeft(63).add(java.math.BigInteger.valueOf(b.m & Long.MAX_VALUE));
        return ia.subtract(ib).abs().min(java.math.BigInteger.valueOf(Long.MAX_VALUE)).longValue();
    }

    // ================================================================== processes

    private static byte[] run(List<String> command, byte[] input) {
        try {
            Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            Thread writer = new Thread(() -> {
                try (OutputStream w = p.getOutputStream()) {
                    w.write(input);
                } catch (IOException e) {
                    // the reader reports the failure
                }
            });
            writer.start();
            byte[] out;
            try (InputStream r = p.getInputStream()) {
                out = r.readAllBytes();
            }
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(command + " timed out");
            }
            writer.join();
            if (p.exitValue() != 0) throw new IllegalStateException(command.get(0) + " failed (" + p.exitValue() + ")");
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
