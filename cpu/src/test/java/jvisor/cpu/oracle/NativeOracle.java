package jvisor.cpu.oracle;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The host CPU as oracle: a small static program (freestanding C plus an assembly trampoline, no
 * libc, built once with gcc and cached in the temp directory) that reads case records on stdin,
 * and for each copies the code to its address in a fixed RWX area, fills the data page, sets FS
 * and GS bases, loads all sixteen GPRs (RSP included), RFLAGS, YMM0-15 (XMM0-15 on a CPU
 * without AVX) and MXCSR, jumps to the code and, when the code's trailer jumps back, stores the
 * whole state and the data page to stdout. A fault (#DE, #UD, #GP, #PF, ...) arrives as a
 * signal on an alternate stack; the handler takes the state at the fault from the signal context
 * (YMM bits 255:128 from the XSAVE area of the frame) and returns to the runner.
 *
 * <p>Record layout (little-endian), in: magic, code length, code address, 16 GPRs, RFLAGS, 32
 * XMM quadwords, MXCSR, pad, 32 quadwords of YMM bits 255:128, the {@link DiffCase#WINDOW}-byte
 * data window, then the code padded to 8 bytes. Out: vector (-1 if none), RIP, 16 GPRs, RFLAGS,
 * 32 XMM quadwords, MXCSR, 32 YMM-high quadwords, the whole data page (so that fields at any
 * offset can be compared, or left out where {@link Differ} says so). The process is kept running across batches; records
 * are streamed both ways by two threads so neither side waits.
 */
public final class NativeOracle implements AutoCloseable {
    static final int MAGIC = 0x4644564a;
    static final int IN_FIXED = 4 + 4 + 8 + 128 + 8 + 256 + 8 + 256 + DiffCase.WINDOW;
    static final int OUT_SIZE = 8 + 8 + 128 + 8 + 256 + 8 + 256 + (int) DiffCase.DATA_SIZE;

    /** Whether the host CPU (and kernel) run AVX and AVX2: without them the runner leaves YMM bits 255:128 zero. */
    public static final boolean HOST_AVX = hostFlag("avx"), HOST_AVX2 = hostFlag("avx2");

    private static boolean hostFlag(String flag) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("flags")) return (" " + line.substring(line.indexOf(':') + 1) + " ").contains(" " + flag + " ");
            }
        } catch (IOException e) {
            // not Linux: the oracle is unavailable anyway
        }
        return false;
    }

    private static Path binary;
    private static String unavailable;

    private Process process;
    private Path errors;
    private OutputStream toHost;
    private DataInputStream fromHost;

    /** Null if the oracle can run here, else why not. */
    public static synchronized String unavailableReason() {
        if (binary == null && unavailable == null) {
            if (!System.getProperty("os.arch").equals("amd64") || !System.getProperty("os.name").equals("Linux")) {
                unavailable = "the host is not x86-64 Linux";
            } else {
                try {
                    new ProcessBuilder("gcc", "--version").redirectErrorStream(true).start().waitFor();
                } catch (IOException e) {
                    unavailable = "no gcc to build the native runner";
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    unavailable = "interrupted";
                }
                if (unavailable == null) binary = build(); // a build error with gcc present is a failure, not a skip
            }
        }
        return unavailable;
    }

    private static Path build() {
        try {
            String key = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(SOURCE.getBytes(StandardCharsets.UTF_8)), 0, 12);
            Path dir = Path.of(System.getProperty("java.io.tmpdir"), "jvisor-diff-oracle", key);
            Path bin = dir.resolve("runner");
            if (Files.isExecutable(bin)) return bin;
            Files.createDirectories(dir);
            Path src = dir.resolve("runner.c");
            Files.writeString(src, SOURCE);
            Path tmp = dir.resolve("runner.tmp" + ProcessHandle.current().pid());
            Process p = new ProcessBuilder("gcc", "-O1", "-static", "-nostdlib", "-ffreestanding", "-fno-pie", "-no-pie",
                    "-fno-stack-protector", "-fno-builtin", "-fno-tree-loop-distribute-patterns", "-mgeneral-regs-only",
                    "-fcf-protection=none", "-o", tmp.toString(), src.toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) throw new IllegalStateException("gcc: " + out);
            Files.move(tmp, bin, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return bin;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private void start() {
        if (process != null && process.isAlive()) return;
        String why = unavailableReason();
        if (why != null) throw new IllegalStateException(why);
        try {
            errors = Files.createTempFile("jvisor-diff-runner", ".err");
            errors.toFile().deleteOnExit();
            process = new ProcessBuilder(binary.toString()).redirectError(errors.toFile()).start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        toHost = new BufferedOutputStream(process.getOutputStream(), 1 << 20);
        fromHost = new DataInputStream(new BufferedInputStream(process.getInputStream(), 1 << 20));
    }

    /** A batch in flight: its cases are being written and its outcomes read by two threads. */
    public final class Batch {
        private final Outcome[] results;
        private final List<DiffCase> cases;
        private final Thread writer, reader;
        private volatile Throwable failure;
        private volatile int read;

        Batch(List<DiffCase> cases) {
            this.cases = cases;
            results = new Outcome[cases.size()];
            writer = Thread.ofPlatform().name("oracle-writer").start(() -> {
                try {
                    ByteBuffer b = ByteBuffer.allocate(IN_FIXED + DiffCase.MAX_CODE + 8).order(ByteOrder.LITTLE_ENDIAN);
                    for (DiffCase c : cases) {
                        b.clear();
                        encode(b, c);
                        toHost.write(b.array(), 0, b.position());
                    }
                    toHost.flush();
                } catch (IOException | RuntimeException e) {
                    if (failure == null) failure = e;
                }
            });
            reader = Thread.ofPlatform().name("oracle-reader").start(() -> {
                try {
                    byte[] rec = new byte[OUT_SIZE];
                    for (int k = 0; k < results.length; k++) {
                        fromHost.readFully(rec);
                        results[k] = decode(rec);
                        read = k + 1;
                    }
                } catch (IOException | RuntimeException e) {
                    if (failure == null) failure = e;
                }
            });
        }

        /** Waits for every outcome of the batch. */
        public Outcome[] join() {
            try {
                // A watchdog: the runner must make progress (a stuck case must not hang the build).
                int seen = -1;
                long since = System.nanoTime();
                while (reader.isAlive()) {
                    reader.join(1000);
                    if (read != seen) {
                        seen = read;
                        since = System.nanoTime();
                    } else if (System.nanoTime() - since > 60_000_000_000L) {
                        failure = new IllegalStateException("no progress for 60 s");
                        process.destroyForcibly();
                        reader.join();
                    }
                }
                writer.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            if (failure != null) {
                String status = "";
                try {
                    if (process.waitFor(2, TimeUnit.SECONDS)) status = " (runner exit " + process.exitValue() + ")";
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                process.destroyForcibly();
                process = null;
                String err = "";
                try {
                    err = Files.readString(errors).trim();
                } catch (IOException e) {
                    // no message
                }
                DiffCase c = read < cases.size() ? cases.get(read) : null;
                throw new IllegalStateException("native runner failed at case " + read + " of the batch" + status
                        + (failure instanceof EOFException ? "" : ": " + failure) + (err.isEmpty() ? "" : "\n" + err)
                        + (c == null ? "" : "\n" + Differ.listing(c) + Differ.inputs(c)), failure);
            }
            return results;
        }
    }

    /** Starts running the cases on the host; {@link Batch#join} returns their outcomes in order. */
    public Batch submit(List<DiffCase> cases) {
        start();
        return new Batch(cases);
    }

    static void encode(ByteBuffer b, DiffCase c) {
        byte[] code = c.hostCode;
        if (code.length > DiffCase.MAX_CODE) throw new IllegalArgumentException("code too long: " + code.length);
        b.putInt(MAGIC).putInt(code.length).putLong(c.codeAddr);
        for (long v : c.gpr) b.putLong(v);
        b.putLong(c.rflags | 0x202);
        for (long v : c.xmm) b.putLong(v);
        b.putInt(c.mxcsr).putInt(0);
        for (long v : c.ymmHi) b.putLong(v);
        b.put(c.window);
        b.put(code);
        for (int k = code.length; (k & 7) != 0; k++) b.put((byte) 0);
    }

    static Outcome decode(byte[] rec) {
        ByteBuffer b = ByteBuffer.wrap(rec).order(ByteOrder.LITTLE_ENDIAN);
        long vector = b.getLong(), rip = b.getLong();
        long[] gpr = new long[16];
        for (int k = 0; k < 16; k++) gpr[k] = b.getLong();
        long rflags = b.getLong();
        long[] xmm = new long[32];
        for (int k = 0; k < 32; k++) xmm[k] = b.getLong();
        int mxcsr = (int) b.getLong();
        long[] ymmHi = new long[32];
        for (int k = 0; k < 32; k++) ymmHi[k] = b.getLong();
        byte[] page = new byte[(int) DiffCase.DATA_SIZE];
        b.get(page);
        return new Outcome(vector, rip, gpr, rflags, xmm, ymmHi, mxcsr, page);
    }

    @Override
    public void close() {
        if (process == null) return;
        try {
            toHost.close();
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (IOException e) {
            // the process is destroyed below anyway
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            process.destroyForcibly();
            process = null;
        }
    }

    /** The runner's source; the layout constants must agree with DiffCase. */
    static final String SOURCE = """
/* jvisor differential oracle: runs machine-code cases natively, one full user state in, one out. */
typedef unsigned long u64;
typedef long i64;
typedef unsigned int u32;
typedef unsigned char u8;

#define CODE 0x10000000UL
#define CODE_SIZE 0x4000000UL
#define DATA 0x20000000UL
#define DATA_SIZE 0x1000UL
#define WINDOW 512
#define FS_BASE 0x08000000UL
#define GS_BASE 0x28000000UL
#define MAGIC 0x4644564aU

struct in_rec { u32 magic, code_len; u64 code_addr; u64 gpr[16]; u64 rflags; u64 xmm[32]; u32 mxcsr, pad; u64 ymmh[32]; u8 window[WINDOW]; };
struct out_rec { i64 vector; u64 rip; u64 gpr[16]; u64 rflags; u64 xmm[32]; u64 mxcsr; u64 ymmh[32]; u8 page[DATA_SIZE]; };

/* Used by the trampoline by absolute address. */
u64 st_gpr[16], st_rflags, st_entry, host_sp, exit_slot;
/* YMMn as four quadwords at st_ymm[4n] (bits 127:0 in the first two); XMM-only on a CPU without AVX. */
u64 st_ymm[64] __attribute__((aligned(32)));
u32 st_mxcsr, mxcsr_default = 0x1f80;
u64 o_gpr[16], o_rflags;
u64 o_ymm[64] __attribute__((aligned(32)));
int has_avx;
u32 o_mxcsr;
volatile i64 o_vector;
volatile int in_case;
volatile u64 o_rip;

void case_exit(void);
void fault_exit(void);
int run_case(void);
void restorer(void);

__asm__(
    ".text\\n"
    ".globl _start\\n_start:\\n"
    "  and $-16,%rsp\\n  call main_loop\\n  mov $60,%eax\\n  xor %edi,%edi\\n  syscall\\n"
    ".globl restorer\\nrestorer:\\n  mov $15,%eax\\n  syscall\\n  hlt\\n"
    ".globl run_case\\nrun_case:\\n"
    "  push %rbx\\n  push %rbp\\n  push %r12\\n  push %r13\\n  push %r14\\n  push %r15\\n"
    "  mov %rsp,host_sp\\n"
    "  fninit\\n  fldz\\n  fldz\\n  fldz\\n  fldz\\n  fldz\\n  fldz\\n  fldz\\n  fldz\\n  fninit\\n" /* x87 initial, registers 0 */
    "  ldmxcsr st_mxcsr\\n"
    "  cmpl $0,has_avx\\n  je 2f\\n"
    "  vmovdqa st_ymm+0,%ymm0\\n  vmovdqa st_ymm+32,%ymm1\\n  vmovdqa st_ymm+64,%ymm2\\n  vmovdqa st_ymm+96,%ymm3\\n"
    "  vmovdqa st_ymm+128,%ymm4\\n  vmovdqa st_ymm+160,%ymm5\\n  vmovdqa st_ymm+192,%ymm6\\n  vmovdqa st_ymm+224,%ymm7\\n"
    "  vmovdqa st_ymm+256,%ymm8\\n  vmovdqa st_ymm+288,%ymm9\\n  vmovdqa st_ymm+320,%ymm10\\n  vmovdqa st_ymm+352,%ymm11\\n"
    "  vmovdqa st_ymm+384,%ymm12\\n  vmovdqa st_ymm+416,%ymm13\\n  vmovdqa st_ymm+448,%ymm14\\n  vmovdqa st_ymm+480,%ymm15\\n"
    "  jmp 3f\\n2:\\n"
    "  movdqa st_ymm+0,%xmm0\\n  movdqa st_ymm+32,%xmm1\\n  movdqa st_ymm+64,%xmm2\\n  movdqa st_ymm+96,%xmm3\\n"
    "  movdqa st_ymm+128,%xmm4\\n  movdqa st_ymm+160,%xmm5\\n  movdqa st_ymm+192,%xmm6\\n  movdqa st_ymm+224,%xmm7\\n"
    "  movdqa st_ymm+256,%xmm8\\n  movdqa st_ymm+288,%xmm9\\n  movdqa st_ymm+320,%xmm10\\n  movdqa st_ymm+352,%xmm11\\n"
    "  movdqa st_ymm+384,%xmm12\\n  movdqa st_ymm+416,%xmm13\\n  movdqa st_ymm+448,%xmm14\\n  movdqa st_ymm+480,%xmm15\\n"
    "3:\\n"
    "  pushq st_rflags\\n  popfq\\n"
    "  mov st_gpr+0,%rax\\n  mov st_gpr+8,%rcx\\n  mov st_gpr+16,%rdx\\n  mov st_gpr+24,%rbx\\n"
    "  mov st_gpr+40,%rbp\\n  mov st_gpr+48,%rsi\\n  mov st_gpr+56,%rdi\\n"
    "  mov st_gpr+64,%r8\\n  mov st_gpr+72,%r9\\n  mov st_gpr+80,%r10\\n  mov st_gpr+88,%r11\\n"
    "  mov st_gpr+96,%r12\\n  mov st_gpr+104,%r13\\n  mov st_gpr+112,%r14\\n  mov st_gpr+120,%r15\\n"
    "  mov st_gpr+32,%rsp\\n"
    "  jmp *st_entry\\n"
    ".globl case_exit\\ncase_exit:\\n"
    "  mov %rax,o_gpr+0\\n  mov %rcx,o_gpr+8\\n  mov %rdx,o_gpr+16\\n  mov %rbx,o_gpr+24\\n  mov %rsp,o_gpr+32\\n"
    "  mov %rbp,o_gpr+40\\n  mov %rsi,o_gpr+48\\n  mov %rdi,o_gpr+56\\n"
    "  mov %r8,o_gpr+64\\n  mov %r9,o_gpr+72\\n  mov %r10,o_gpr+80\\n  mov %r11,o_gpr+88\\n"
    "  mov %r12,o_gpr+96\\n  mov %r13,o_gpr+104\\n  mov %r14,o_gpr+112\\n  mov %r15,o_gpr+120\\n"
    "  mov host_sp,%rsp\\n"
    "  pushfq\\n  popq o_rflags\\n  cld\\n"
    "  stmxcsr o_mxcsr\\n"
    "  cmpl $0,has_avx\\n  je 2f\\n"
    "  vmovdqa %ymm0,o_ymm+0\\n  vmovdqa %ymm1,o_ymm+32\\n  vmovdqa %ymm2,o_ymm+64\\n  vmovdqa %ymm3,o_ymm+96\\n"
    "  vmovdqa %ymm4,o_ymm+128\\n  vmovdqa %ymm5,o_ymm+160\\n  vmovdqa %ymm6,o_ymm+192\\n  vmovdqa %ymm7,o_ymm+224\\n"
    "  vmovdqa %ymm8,o_ymm+256\\n  vmovdqa %ymm9,o_ymm+288\\n  vmovdqa %ymm10,o_ymm+320\\n  vmovdqa %ymm11,o_ymm+352\\n"
    "  vmovdqa %ymm12,o_ymm+384\\n  vmovdqa %ymm13,o_ymm+416\\n  vmovdqa %ymm14,o_ymm+448\\n  vmovdqa %ymm15,o_ymm+480\\n"
    "  vzeroupper\\n  jmp 3f\\n2:\\n"
    "  movdqa %xmm0,o_ymm+0\\n  movdqa %xmm1,o_ymm+32\\n  movdqa %xmm2,o_ymm+64\\n  movdqa %xmm3,o_ymm+96\\n"
    "  movdqa %xmm4,o_ymm+128\\n  movdqa %xmm5,o_ymm+160\\n  movdqa %xmm6,o_ymm+192\\n  movdqa %xmm7,o_ymm+224\\n"
    "  movdqa %xmm8,o_ymm+256\\n  movdqa %xmm9,o_ymm+288\\n  movdqa %xmm10,o_ymm+320\\n  movdqa %xmm11,o_ymm+352\\n"
    "  movdqa %xmm12,o_ymm+384\\n  movdqa %xmm13,o_ymm+416\\n  movdqa %xmm14,o_ymm+448\\n  movdqa %xmm15,o_ymm+480\\n"
    "3:\\n"
    "  ldmxcsr mxcsr_default\\n"
    "  xor %eax,%eax\\n  jmp 1f\\n"
    ".globl fault_exit\\nfault_exit:\\n"
    "  mov host_sp,%rsp\\n  cld\\n  ldmxcsr mxcsr_default\\n  mov $1,%eax\\n"
    "1:\\n  pop %r15\\n  pop %r14\\n  pop %r13\\n  pop %r12\\n  pop %rbp\\n  pop %rbx\\n  ret\\n");

static long sys6(long n, long a, long b, long c, long d, long e, long f) {
    register long r10 __asm__("r10") = d;
    register long r8 __asm__("r8") = e;
    register long r9 __asm__("r9") = f;
    long ret;
    __asm__ volatile("syscall" : "=a"(ret) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9) : "rcx", "r11", "memory");
    return ret;
}

static void die(int code) {
    sys6(60, code, 0, 0, 0, 0, 0);
    for (;;) { }
}

static void copy(void *dst, const void *src, u64 n) {
    u8 *d = dst;
    const u8 *s = src;
    while (n--) *d++ = *s++;
}

/* Buffered binary I/O on fds 0 and 1; output is flushed before any read that may block. */
static u8 inbuf[1 << 20], outbuf[1 << 20];
static u64 inpos, inlen, outlen;

static void flush(void) {
    u64 done = 0;
    while (done < outlen) {
        long w = sys6(1, 1, (long)(outbuf + done), outlen - done, 0, 0, 0);
        if (w <= 0) die(98);
        done += w;
    }
    outlen = 0;
}

/* Copies n input bytes to dst; returns 0 at a clean end of input. */
static int get(void *dst, u64 n) {
    u8 *d = dst;
    while (n > 0) {
        if (inpos == inlen) {
            flush();
            long r = sys6(0, 0, (long)inbuf, sizeof inbuf, 0, 0, 0);
            if (r == 0) return 0;
            if (r < 0) die(97);
            inpos = 0;
            inlen = r;
        }
        u64 k = inlen - inpos < n ? inlen - inpos : n;
        copy(d, inbuf + inpos, k);
        inpos += k;
        d += k;
        n -= k;
    }
    return 1;
}

static void put(const void *src, u64 n) {
    if (outlen + n > sizeof outbuf) flush();
    copy(outbuf + outlen, src, n);
    outlen += n;
}

/* ucontext_t on x86-64 Linux: uc_mcontext.gregs at 40, fpregs pointer after the 23 gregs. */
enum { G_R8, G_R9, G_R10, G_R11, G_R12, G_R13, G_R14, G_R15, G_RDI, G_RSI, G_RBP, G_RBX, G_RDX, G_RAX, G_RCX, G_RSP,
       G_RIP, G_EFL, G_CSGSFS, G_ERR, G_TRAPNO };
static const int gmap[16] = {G_RAX, G_RCX, G_RDX, G_RBX, G_RSP, G_RBP, G_RSI, G_RDI,
                             G_R8, G_R9, G_R10, G_R11, G_R12, G_R13, G_R14, G_R15};

static void handler(int sig, void *info, void *ucv) {
    (void)info;
    u8 *uc = ucv;
    u64 *g = (u64 *)(uc + 40);
    u8 *fp = *(u8 **)(uc + 40 + 23 * 8);
    /* Only the case's code may fault. A fault anywhere else means a case overwrote the runner
       (or a bug here): exit rather than loop on the same fault. */
    if (!in_case || g[G_RIP] < CODE || g[G_RIP] >= CODE + CODE_SIZE) {
        static const char msg[] = "runner: fault outside the case: signal, trap, rip, address ";
        u64 v[4] = {(u64)sig, g[G_TRAPNO], g[G_RIP], g[22]};
        char buf[sizeof msg + 4 * 17 + 1];
        u64 n = 0;
        for (u64 k = 0; k + 1 < sizeof msg; k++) buf[n++] = msg[k];
        for (int k = 0; k < 4; k++) {
            for (int j = 15; j >= 0; j--) buf[n++] = "0123456789abcdef"[(v[k] >> (4 * j)) & 15];
            buf[n++] = k == 3 ? '\\n' : ' ';
        }
        sys6(1, 2, (long)buf, n, 0, 0, 0);
        die(96);
    }
    in_case = 0;
    for (int k = 0; k < 16; k++) o_gpr[k] = g[gmap[k]];
    o_rflags = g[G_EFL];
    o_vector = (i64)g[G_TRAPNO];
    o_rip = g[G_RIP];
    for (int k = 0; k < 16; k++) copy(o_ymm + 4 * k, fp + 160 + 16 * k, 16);
    /* YMM bits 255:128: the XSAVE area after the FXSAVE image and its header (standard format,
       component 2 at offset 576), present when XSTATE_BV says the AVX state is not initial. */
    u64 xstate_bv = has_avx ? *(u64 *)(fp + 512) : 0;
    for (int k = 0; k < 16; k++) {
        if (xstate_bv & 4) copy(o_ymm + 4 * k + 2, fp + 576 + 16 * k, 16);
        else o_ymm[4 * k + 2] = o_ymm[4 * k + 3] = 0;
    }
    o_mxcsr = *(u32 *)(fp + 24);
    *(u32 *)(fp + 24) = 0x1f80;
    g[G_RIP] = (u64)fault_exit;
    g[G_RSP] = host_sp;
    g[G_EFL] = 0x202;
}

struct ksigaction { void *handler; u64 flags; void *restorer; u64 mask; };

static struct in_rec in;
static struct out_rec out;
static u8 code[65536];
static u8 altstack[65536];

static void cpuid(u32 leaf, u32 *r) {
    __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(0));
}

void main_loop(void) {
    u32 id[4];
    cpuid(1, id);
    if ((id[2] >> 27 & 1) && (id[2] >> 28 & 1)) { /* OSXSAVE and AVX: is the YMM state enabled in XCR0? */
        u32 lo, hi;
        __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
        has_avx = (lo & 6) == 6;
    }
    if (sys6(9, CODE, CODE_SIZE, 7, 0x32, -1, 0) != (long)CODE) die(90);
    if (sys6(9, DATA, DATA_SIZE, 3, 0x32, -1, 0) != (long)DATA) die(91);
    /* A read-only page after the data page (a fixed pattern), then an unmapped one. */
    if (sys6(9, DATA + DATA_SIZE, 0x1000, 3, 0x32, -1, 0) != (long)(DATA + DATA_SIZE)) die(91);
    for (u64 k = 0; k < 0x1000; k++) ((u8 *)(DATA + DATA_SIZE))[k] = (u8)(k * 7 + 3);
    if (sys6(10, DATA + DATA_SIZE, 0x1000, 1, 0, 0, 0) != 0) die(91);
    sys6(158, 0x1002, FS_BASE, 0, 0, 0, 0);
    sys6(158, 0x1001, GS_BASE, 0, 0, 0, 0);
    struct { void *sp; int flags; u64 size; } ss = {altstack, 0, sizeof altstack};
    sys6(131, (long)&ss, 0, 0, 0, 0, 0);
    struct ksigaction sa = {(void *)handler, 4 | 0x08000000 | 0x04000000, (void *)restorer, 0};
    int sigs[] = {4, 5, 7, 8, 11};
    for (int k = 0; k < 5; k++) if (sys6(13, sigs[k], (long)&sa, 0, 8, 0, 0) != 0) die(92);
    exit_slot = (u64)case_exit;
    u8 trailer[7] = {0xff, 0x24, 0x25};
    u32 slot = (u32)(u64)&exit_slot;
    copy(trailer + 3, &slot, 4);
    for (;;) {
        if (!get(&in, sizeof in)) break;
        if (in.magic != MAGIC || in.code_len > sizeof code - 16) die(93);
        if (in.code_addr < CODE || in.code_addr + in.code_len + 16 > CODE + CODE_SIZE) die(94);
        if (!get(code, (in.code_len + 7) & ~7U)) die(95);
        copy((void *)in.code_addr, code, in.code_len);
        copy((void *)(in.code_addr + in.code_len), trailer, sizeof trailer);
        copy((void *)DATA, in.window, WINDOW);
        for (u64 *p = (u64 *)(DATA + WINDOW); p < (u64 *)(DATA + DATA_SIZE); p++) *p = 0;
        copy(st_gpr, in.gpr, sizeof st_gpr);
        for (int k = 0; k < 16; k++) {
            copy(st_ymm + 4 * k, in.xmm + 2 * k, 16);
            copy(st_ymm + 4 * k + 2, in.ymmh + 2 * k, 16);
        }
        st_rflags = in.rflags;
        st_mxcsr = in.mxcsr;
        st_entry = in.code_addr;
        o_vector = -1;
        o_rip = in.code_addr + in.code_len;
        for (int k = 0; k < 64; k++) o_ymm[k] = 0;
        in_case = 1;
        run_case();
        in_case = 0;
        out.vector = o_vector;
        out.rip = o_rip;
        copy(out.gpr, o_gpr, sizeof o_gpr);
        out.rflags = o_rflags;
        for (int k = 0; k < 16; k++) {
            copy(out.xmm + 2 * k, o_ymm + 4 * k, 16);
            copy(out.ymmh + 2 * k, o_ymm + 4 * k + 2, 16);
        }
        out.mxcsr = o_mxcsr;
        copy(out.page, (void *)DATA, DATA_SIZE);
        put(&out, sizeof out);
    }
    flush();
}
""";
}
