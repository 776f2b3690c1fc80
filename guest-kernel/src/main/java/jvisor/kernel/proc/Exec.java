package jvisor.kernel.proc;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;

import jvisor.cpu.CpuState;
import jvisor.cpu.Reg;
import jvisor.hypervisor.Hypervisor;
import jvisor.hypervisor.Vcpu;
import jvisor.kernel.elf.ElfException;
import jvisor.kernel.elf.ElfFile;
import jvisor.kernel.elf.ElfLoader;
import jvisor.kernel.elf.InitialStack;
import jvisor.kernel.elf.LoadedImage;
import jvisor.kernel.fs.HostFile;
import jvisor.kernel.fs.PathResolver;
import jvisor.kernel.mm.MemoryManager;
import jvisor.kernel.abi.Rlimits;
import jvisor.mmu.AddressSpace;

/**
 * Starts a program: reads and validates the ELF file, builds the address space, the initial
 * stack and registers, and the process around them (Linux's execve for the first process).
 */
public final class Exec {
    /** Files larger than this are not executables worth reading into memory. */
    private static final long MAX_BINARY = 1L << 30;

    private Exec() {}

    /** What to run. */
    public record Request(Path binary, byte[] execfn, List<byte[]> argv, List<byte[]> envp, Path root) {
    }

    /**
     * Loads the program and returns its process, ready for its first switch.
     *
     * @throws ElfException with the reason the binary cannot run ("No such file or directory",
     *         "not an ELF file", ...)
     */
    public static Process start(Hypervisor hv, Request req) throws ElfException {
        byte[] data = readBinary(req.binary());
        ElfFile elf = ElfFile.parse(data);

        int pid = jvisor.kernel.host.Libc.getpid();
        ProcFs procFs = new ProcFs(pid);
        PathResolver fs;
        try {
            fs = new PathResolver(req.root(), procFs);
        } catch (IOException e) {
            throw new ElfException("cannot use root directory " + req.root() + ": " + reason(e));
        }
        Path real;
        try {
            real = req.binary().toRealPath();
        } catch (IOException e) {
            real = req.binary().toAbsolutePath().normalize();
        }
        String exeGuest = fs.guestPathOf(real);
        if (exeGuest == null) exeGuest = real.toString(); // outside the root: shown as the host path
        String cwdGuest = fs.guestPathOf(Path.of(System.getProperty("user.dir")));
        if (cwdGuest == null) cwdGuest = "/";

        AddressSpace space = hv.createAddressSpace();
        MemoryManager mm = new MemoryManager(hv, space);
        LoadedImage image = ElfLoader.load(hv, space, elf, exeGuest);
        mm.setBrkStart(image.brkStart());

        Credentials creds = Credentials.fromHost();
        Limits limits = Limits.fromHost();
        mm.setDataLimit(limits.cur(Rlimits.RLIMIT_DATA));

        byte[] random = new byte[16];
        new SecureRandom().nextBytes(random);
        InitialStack.Layout stack = InitialStack.build(hv, space, image, req.argv(), req.envp(), req.execfn(), random,
                new InitialStack.Ids(creds.uid(), creds.euid(), creds.gid(), creds.egid()));

        Process p = new Process(pid, jvisor.kernel.host.Libc.getppid(), creds, limits, mm, fs,
                exeGuest.getBytes(StandardCharsets.UTF_8), req.argv(), req.envp(),
                cwdGuest.getBytes(StandardCharsets.UTF_8));
        p.auxv = stack.auxv();
        p.execfn = req.execfn();
        p.initialEnvp = stack.envpAddr();
        procFs.attach(p);

        Vcpu vcpu = hv.createVcpu(space);
        Task task = new Task(p, pid, vcpu);
        p.setMainTask(task);
        setEntryRegisters(task.regs, image.entry(), stack.sp());

        for (int fd = 0; fd <= 2; fd++) {
            HostFile f = HostFile.inherited(fd);
            if (f != null) p.fds.installAt(fd, f, false);
        }
        return p;
    }

    /** psABI 3.4.1: RSP at argc, RDX 0 (no exit function to register), everything else 0. */
    static void setEntryRegisters(CpuState s, long entry, long sp) {
        java.util.Arrays.fill(s.r, 0);
        s.r[Reg.RSP] = sp;
        s.r[Reg.RDX] = 0;
        s.rip = entry;
        s.fsBase = 0;
        s.gsBase = 0;
        s.setRflags(0x202);
        s.mxcsr = 0x1F80;
        s.fpuControl = 0x037F;
        s.fpuStatus = 0;
        java.util.Arrays.fill(s.xmm, 0);
        java.util.Arrays.fill(s.ymmHi, 0);
    }

    private static byte[] readBinary(Path binary) throws ElfException {
        try {
            if (Files.isDirectory(binary)) throw new ElfException("Is a directory");
            if (!Files.exists(binary)) throw new ElfException("No such file or directory");
            if (!Files.isRegularFile(binary)) throw new ElfException("not a regular file");
            if (Files.size(binary) > MAX_BINARY) throw new ElfException("file too large to be an executable");
            return Files.readAllBytes(binary);
        } catch (IOException e) {
            throw new ElfException(reason(e));
        }
    }

    private static String reason(IOException e) {
        if (e instanceof NoSuchFileException) return "No such file or directory";
        if (e instanceof AccessDeniedException) return "Permission denied";
        String m = e.getMessage();
        return m != null ? m : e.getClass().getSimpleName();
    }
}
