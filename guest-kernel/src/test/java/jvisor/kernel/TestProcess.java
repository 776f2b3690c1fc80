package jvisor.kernel;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import jvisor.cpu.Reg;
import jvisor.hypervisor.Hypervisor;
import jvisor.hypervisor.Vcpu;
import jvisor.kernel.fs.PathResolver;
import jvisor.kernel.mm.MemoryManager;
import jvisor.kernel.proc.Credentials;
import jvisor.kernel.proc.Limits;
import jvisor.kernel.proc.ProcFs;
import jvisor.kernel.proc.Process;
import jvisor.kernel.proc.Task;
import jvisor.kernel.strace.Strace;
import jvisor.kernel.syscall.SyscallTable;
import jvisor.mmu.AddressSpace;
import jvisor.mmu.Prot;

/**
 * A guest process built by hand, without a program: syscalls are issued by setting registers
 * and calling the kernel's dispatcher, as the CPU's SYSCALL exit would. A scratch page range at
 * {@link #SCRATCH} holds the syscalls' memory arguments.
 */
public final class TestProcess {
    public static final long SCRATCH = 0x1000_0000L;
    public static final long SCRATCH_SIZE = 0x10000;

    public final Hypervisor hv = new Hypervisor();
    public final AddressSpace space = hv.createAddressSpace();
    public final MemoryManager mm = new MemoryManager(hv, space);
    public final Process process;
    public final Task task;
    public final Kernel kernel;
    public final List<String> straceLines = new ArrayList<>();
    private long scratchNext = SCRATCH;

    public TestProcess(Path root) throws IOException {
        this(root, false);
    }

    public TestProcess(Path root, boolean strace) throws IOException {
        ProcFs procFs = new ProcFs();
        PathResolver fs = new PathResolver(root, procFs);
        mm.setBrkStart(0x40_0000);
        process = new Process(4242, 1, Credentials.fromHost(), Limits.unlimited(), mm, fs,
                "/bin/test".getBytes(StandardCharsets.UTF_8), List.of("test".getBytes(StandardCharsets.UTF_8)),
                List.of(), "/".getBytes(StandardCharsets.UTF_8));
        procFs.attach(process);
        Vcpu vcpu = hv.createVcpu(space);
        task = process.attachMainTask(vcpu);
        hv.mapAnonymous(space, SCRATCH, SCRATCH_SIZE, Prot.RW, "scratch");
        kernel = new Kernel(hv, SyscallTable.linux(), strace ? new Strace(straceLines::add) : null);
    }

    /** Issues syscall name with up to six arguments; returns RAX. */
    public long call(String name, long... args) {
        return callNr(TABLE.number(name), args);
    }

    private static final SyscallTable TABLE = SyscallTable.linux();

    public long callNr(int nr, long... args) {
        long[] r = task.regs.r;
        r[Reg.RAX] = nr;
        int[] regs = {Reg.RDI, Reg.RSI, Reg.RDX, Reg.R10, Reg.R8, Reg.R9};
        for (int i = 0; i < 6; i++) r[regs[i]] = i < args.length ? args[i] : 0;
        kernel.syscall(task);
        return r[Reg.RAX];
    }

    /** Copies a NUL-terminated string into scratch memory; returns its address. */
    public long string(String s) {
        byte[] b = (s + "\0").getBytes(StandardCharsets.UTF_8);
        long at = alloc(b.length);
        space.writeBytes(at, b, 0, b.length);
        return at;
    }

    /** Reserves n bytes of scratch memory (8-byte aligned). */
    public long alloc(int n) {
        long at = scratchNext;
        scratchNext += (n + 7) & ~7;
        if (scratchNext > SCRATCH + SCRATCH_SIZE) throw new IllegalStateException("scratch exhausted");
        return at;
    }

    public String readString(long addr, int len) {
        return new String(space.readBytes(addr, len), StandardCharsets.UTF_8);
    }
}
