package jvisor.kernel.elf;

import java.util.List;

import jvisor.cpu.Cpuid;
import jvisor.hypervisor.Hypervisor;
import jvisor.kernel.abi.Auxv;
import jvisor.mmu.AddressSpace;
import jvisor.mmu.Prot;

/**
 * Builds the initial process stack as Linux's execve does (fs/exec.c copy_strings and
 * fs/binfmt_elf.c create_elf_tables, randomisation off), which is the layout the x86-64 psABI
 * (System V ABI AMD64, 3.4.1 "Initial Stack and Register State") promises the program:
 *
 * <pre>
 *   STACK_TOP - 8     8 zero bytes
 *                     the execfn string (AT_EXECFN), then the environment strings, then the
 *                     argument strings, each NUL-terminated, the first argument lowest
 *   (16-byte aligned)
 *                     "x86_64" (AT_PLATFORM), 16 random bytes (AT_RANDOM)
 *                     padding so that RSP is 16-byte aligned
 *   RSP -&gt;            argc, argv[0..argc-1], NULL, envp[0..], NULL, auxv pairs, AT_NULL
 * </pre>
 *
 * With the same arguments and environment, every address matches a native run under
 * {@code setarch -R}.
 */
public final class InitialStack {
    /** Top of the user stack: the last page below the non-canonical hole is unmapped (TASK_SIZE). */
    public static final long STACK_TOP = 0x7ffffffff000L;
    /** The stack mapping's size, RLIMIT_STACK's usual 8 MiB. */
    public static final long STACK_SIZE = 8L << 20;
    public static final String PLATFORM = "x86_64";
    /** AT_HWCAP: on x86, CPUID.1:EDX of the CPU the program runs on, here the emulated one. */
    public static final long HWCAP = Cpuid.LEAF1_EDX & 0xFFFFFFFFL;
    /**
     * AT_MINSIGSTKSZ: Linux's get_sigframe_size() (init_sigframe_size in arch/x86/kernel/signal.c)
     * for this CPU's 832-byte XSAVE state, with IA32 emulation configured as distribution kernels
     * have it: the largest frame struct (sigframe_ia32, 732) + 15 alignment + the FP state
     * ({@link jvisor.kernel.signal.SignalFrame#FPSTATE_SIZE}, 836) + 112 legacy fsave header + 63
     * XSAVE alignment, rounded up to 16. (A host with a 2696-byte XSAVE state reports 3632 by the
     * same sum.)
     */
    public static final long MINSIGSTKSZ = (732 + 15 + jvisor.kernel.signal.SignalFrame.FPSTATE_SIZE + 112 + 63 + 15) & ~15;
    public static final long CLOCK_TICKS = 100;
    public static final long PAGE_SIZE = 4096;
    /** Linux refuses argument and environment strings larger than a quarter of the stack limit (E2BIG). */
    public static final long MAX_STRINGS = STACK_SIZE / 4;

    /** Where things went, for tests and for /proc/self/auxv. */
    public record Layout(long sp, long argc, long argvAddr, long envpAddr, long auxvAddr, long[] auxv,
            long randomAddr, long execfnAddr, long platformAddr, long stringsStart) {
    }

    /** The process's ids as the auxiliary vector reports them. */
    public record Ids(long uid, long euid, long gid, long egid) {
    }

    private InitialStack() {}

    /**
     * Maps the stack and writes argv, envp and the auxiliary vector into it.
     *
     * @param execfn the path given to execve (AT_EXECFN)
     * @param random16 the 16 bytes AT_RANDOM points to
     * @throws ElfException "Argument list too long" if the strings do not fit
     */
    public static Layout build(Hypervisor hv, AddressSpace space, LoadedImage image, List<byte[]> argv,
            List<byte[]> envp, byte[] execfn, byte[] random16, Ids ids) throws ElfException {
        long strings = execfn.length + 1L;
        for (byte[] a : argv) strings += a.length + 1L;
        for (byte[] e : envp) strings += e.length + 1L;
        if (strings > MAX_STRINGS) throw new ElfException("Argument list too long");

        hv.mapAnonymous(space, STACK_TOP - STACK_SIZE, STACK_SIZE, Prot.RW, "[stack]");

        // copy_strings: bprm->p starts one pointer below the top and moves down.
        long p = STACK_TOP - 8;
        p = pushString(space, p, execfn);
        long execfnAddr = p;
        long[] envAddrs = new long[envp.size()];
        for (int i = envp.size() - 1; i >= 0; i--) envAddrs[i] = p = pushString(space, p, envp.get(i));
        long[] argAddrs = new long[argv.size()];
        for (int i = argv.size() - 1; i >= 0; i--) argAddrs[i] = p = pushString(space, p, argv.get(i));
        long stringsStart = p;

        // create_elf_tables.
        p &= ~0xFL; // arch_align_stack without randomisation
        byte[] platform = (PLATFORM + "\0").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        p -= platform.length;
        long platformAddr = p;
        space.writeBytes(p, platform, 0, platform.length);
        p -= 16;
        long randomAddr = p;
        space.writeBytes(p, random16, 0, 16);

        long[] auxv = {
            Auxv.AT_MINSIGSTKSZ, MINSIGSTKSZ,
            Auxv.AT_HWCAP, HWCAP,
            Auxv.AT_PAGESZ, PAGE_SIZE,
            Auxv.AT_CLKTCK, CLOCK_TICKS,
            Auxv.AT_PHDR, image.phdrAddr(),
            Auxv.AT_PHENT, image.phent(),
            Auxv.AT_PHNUM, image.phnum(),
            Auxv.AT_BASE, 0,
            Auxv.AT_FLAGS, 0,
            Auxv.AT_ENTRY, image.entry(),
            Auxv.AT_UID, ids.uid(),
            Auxv.AT_EUID, ids.euid(),
            Auxv.AT_GID, ids.gid(),
            Auxv.AT_EGID, ids.egid(),
            Auxv.AT_SECURE, 0,
            Auxv.AT_RANDOM, randomAddr,
            Auxv.AT_HWCAP2, 0,
            Auxv.AT_EXECFN, execfnAddr,
            Auxv.AT_PLATFORM, platformAddr,
            Auxv.AT_NULL, 0,
        };
        int items = (argv.size() + 1) + (envp.size() + 1) + 1;
        long sp = p - (long) auxv.length * 8;
        sp = (sp - (long) items * 8) & ~0xFL; // STACK_ROUND

        long at = sp;
        space.write64(at, argv.size());
        at += 8;
        long argvAddr = at;
        for (long a : argAddrs) {
            space.write64(at, a);
            at += 8;
        }
        space.write64(at, 0);
        at += 8;
        long envpAddr = at;
        for (long e : envAddrs) {
            space.write64(at, e);
            at += 8;
        }
        space.write64(at, 0);
        at += 8;
        long auxvAddr = at;
        for (long v : auxv) {
            space.write64(at, v);
            at += 8;
        }
        return new Layout(sp, argv.size(), argvAddr, envpAddr, auxvAddr, auxv, randomAddr, execfnAddr,
                platformAddr, stringsStart);
    }

    /** Writes s and its NUL so that they end just below p; returns the string's address. */
    private static long pushString(AddressSpace space, long p, byte[] s) {
        long start = p - s.length - 1;
        space.writeBytes(start, s, 0, s.length);
        space.write8(start + s.length, 0);
        return start;
    }
}
