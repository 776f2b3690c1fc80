package jvisor.kernel.proc;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;

import jvisor.cpu.CpuState;
import jvisor.cpu.Reg;
import jvisor.cpu.insn.XSave;
import jvisor.hypervisor.Hypervisor;
import jvisor.hypervisor.Vcpu;
import jvisor.kernel.elf.ElfException;
import jvisor.kernel.elf.ElfFile;
import jvisor.kernel.elf.ElfLoader;
import jvisor.kernel.elf.InitialStack;
import jvisor.kernel.elf.LoadedImage;
import jvisor.kernel.elf.ProgramImage;
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
        return jvisor.kernel.host.HostSelf.duringOneStart(() -> startOnce(hv, req));
    }

    private static Process startOnce(Hypervisor hv, Request req) throws ElfException {
        ProgramImage program = programImage(req.binary());
        // Too large to share: read and checked here, before anything is built for the guest.
        ElfFile elf = program == null ? ElfFile.parse(readBinary(req.binary())) : null;

        int pid = jvisor.kernel.host.Libc.getpid();
        ProcFs procFs = new ProcFs();
        PathResolver fs;
        try {
            fs = new PathResolver(req.root(), procFs);
            fs.bindIfHidden(req.binary());
            for (byte[] a : req.argv()) {
                String arg = new String(a, StandardCharsets.UTF_8);
                if (!arg.startsWith("/")) continue; // a relative one is under the working directory
                try {
                    fs.bindIfHidden(Path.of(arg));
                } catch (java.nio.file.InvalidPathException e) {
                    // not a path the host could name
                }
            }
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
        LoadedImage image = program != null ? program.mapInto(hv, space, exeGuest) : null;
        // Too large to share, or the image was evicted by other starts since programImage (the file
        // parsed then): a copy of its own.
        if (image == null) {
            image = ElfLoader.load(hv, space, elf != null ? elf : ElfFile.parse(readBinary(req.binary())), exeGuest);
        }
        mm.setBrkStart(image.brkStart());

        Credentials creds = Credentials.fromHost();
        Limits limits = Limits.fromHost();
        mm.setDataLimit(limits.cur(Rlimits.RLIMIT_DATA));

        byte[] random = new byte[16];
        jvisor.kernel.host.HostRandom.fill(random);
        InitialStack.Layout stack = InitialStack.build(hv, space, image, req.argv(), req.envp(), req.execfn(), random,
                new InitialStack.Ids(creds.uid(), creds.euid(), creds.gid(), creds.egid()));

        jvisor.kernel.host.HostProcStat self = jvisor.kernel.host.HostProcStat.of("self");
        int ppid = self != null ? self.ppid() : jvisor.kernel.host.Libc.getppid();
        Process p = new Process(pid, ppid, creds, limits, mm, fs,
                exeGuest.getBytes(StandardCharsets.UTF_8), req.argv(), req.envp(),
                cwdGuest.getBytes(StandardCharsets.UTF_8));
        p.sigactions.ignoreInherited(ignoredAtLaunch());
        p.image = image;
        p.auxv = stack.auxv();
        p.execfn = req.execfn();
        p.initialEnvp = stack.envpAddr();
        procFs.attach(p);

        Vcpu vcpu = hv.createVcpu(space);
        Task task = p.attachMainTask(vcpu);
        task.comm = commOf(req.execfn());
        p.nice = jvisor.kernel.host.Libc.hostNice(); // as a child of jvisor's own process would inherit it
        setEntryRegisters(task.regs, image.entry(), stack.sp());

        for (int fd = 0; fd <= 2; fd++) {
            HostFile f = HostFile.inherited(fd);
            if (f != null) p.fds.installAt(fd, f, false);
        }
        return p;
    }

    /**
     * execve's point of no return (fs/exec.c begin_new_exec, de_thread, setup_new_exec): the
     * other threads of the process end, the calling task becomes the leader, the new image
     * replaces the memory, close-on-exec descriptors close, caught signals go back to their
     * default, and the registers start the new program. The ELF was parsed and checked before.
     *
     * @param exePath the executable's path inside the root (the script's interpreter for #!)
     * @param execfn the path as given to execve (AT_EXECFN)
     * @param commSource the path whose last component names the task (comm)
     */
    public static void replaceImage(Task t, ElfFile elf, byte[] exePath, List<byte[]> argv, List<byte[]> envp,
            byte[] execfn, byte[] commSource) throws ElfException {
        Process p = t.process;
        // The new image is built in a fresh address space first: a failure leaves the process as it was.
        Hypervisor hv = p.mm.hypervisor();
        AddressSpace space = hv.createAddressSpace();
        MemoryManager mm = new MemoryManager(hv, space);
        String exe = new String(exePath, StandardCharsets.UTF_8);
        LoadedImage image;
        InitialStack.Layout stack;
        try {
            image = ElfLoader.load(hv, space, elf, exe);
            byte[] random = new byte[16];
            jvisor.kernel.host.HostRandom.fill(random);
            stack = InitialStack.build(hv, space, image, argv, envp, execfn, random,
                    new InitialStack.Ids(p.creds.uid(), p.creds.euid(), p.creds.gid(), p.creds.egid()));
        } catch (ElfException | RuntimeException e) {
            mm.release();
            throw e;
        }
        mm.setBrkStart(image.brkStart());
        mm.setDataLimit(p.limits.cur(Rlimits.RLIMIT_DATA));

        // The point of no return.
        killOtherThreads(t);
        if (t.tid != p.pid) {
            int old = t.tid;
            t.tid = p.pid;
            p.table.retid(t, old);
            p.setLeader(t);
        }

        MemoryManager old = p.mm;
        p.mm = mm;
        t.vcpu.setAddressSpace(space);
        old.release(); // a vfork parent keeps its memory: this only drops the child's share
        if (t.vforkDone != null) {
            t.vforkDone.countDown();
            t.vforkDone = null;
        }

        p.fds = p.fds.unshareForExec();
        p.fds.closeOnExec();
        p.sigactions = p.sigactions.copy();
        p.sigactions.resetForExec();
        p.exePath = exePath;
        p.image = image;
        p.argv = argv;
        // execve(2): the saved set-user-ID and set-group-ID are copied from the effective ids (no
        // set-user-ID bits are honoured: the guest's files are the host user's).
        Credentials c = p.creds;
        p.creds = c.withUids(c.uid(), c.euid(), c.euid(), c.euid()).withGids(c.gid(), c.egid(), c.egid(), c.egid());
        // begin_new_exec: dumpable again unless the real and effective ids differ (suid_dumpable is 0).
        p.dumpable = c.uid() == c.euid() && c.gid() == c.egid() ? 1 : 0;
        p.envp = envp;
        p.auxv = stack.auxv();
        p.execfn = execfn;
        p.initialEnvp = stack.envpAddr();
        synchronized (p.table) {
            p.execed = true;
        }

        t.altStackSp = 0;
        t.altStackSize = 0;
        t.altStackFlags = 0;
        t.robustListHead = 0;
        t.robustListLen = 0;
        t.rseqAddr = 0;
        t.rseqLen = 0;
        t.rseqSig = 0;
        t.clearChildTid = 0;
        t.restartBlock = null;
        t.comm = commOf(commSource);
        setEntryRegisters(t.regs, image.entry(), stack.sp());
    }

    /**
     * The signals ignored where jvisor was started, which stay ignored in the first guest process
     * as in any program jvisor's process started (signal(7)): under nohup SIGHUP, in a background
     * job of a non-interactive shell SIGINT and SIGQUIT. As the ./jvisor launcher found them
     * (-Djvisor.ignored.signals, SigIgn's hexadecimal mask), since the JVM takes some over for
     * itself (SIGQUIT, SIGPIPE, SIGUSR2); else as the JVM's own process has them.
     */
    private static long ignoredAtLaunch() {
        String launcher = System.getProperty("jvisor.ignored.signals");
        if (launcher != null) {
            try {
                return Long.parseUnsignedLong(launcher.trim(), 16);
            } catch (NumberFormatException e) {
                // not from the launcher: fall back to what this process has
            }
        }
        jvisor.kernel.host.HostSelf.Status self = jvisor.kernel.host.HostSelf.status();
        return self != null ? self.ignoredSignals() : 0;
    }

    /** The task name execve gives (__set_task_comm with kbasename of the path as passed): at most 15 bytes. */
    static byte[] commOf(byte[] path) {
        int slash = -1;
        for (int i = 0; i < path.length; i++) if (path[i] == '/') slash = i;
        int len = Math.min(path.length - slash - 1, 15);
        return java.util.Arrays.copyOfRange(path, slash + 1, slash + 1 + len);
    }

    /** de_thread: every other task of the process is stopped and has exited before the image changes. */
    private static void killOtherThreads(Task t) {
        Process p = t.process;
        p.stopTasks(t);
        while (p.taskCount() > 1) {
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * psABI 3.4.1: RSP at argc, RDX 0 (no exit function to register), everything else 0; the x87,
     * SSE and AVX state in its initial configuration (start_thread's fpu__clear_user_states), so
     * no YMM upper half or x87 register survives execve.
     */
    static void setEntryRegisters(CpuState s, long entry, long sp) {
        java.util.Arrays.fill(s.r, 0);
        s.r[Reg.RSP] = sp;
        s.r[Reg.RDX] = 0;
        s.rip = entry;
        s.fsBase = 0;
        s.gsBase = 0;
        s.setRflags(0x202);
        XSave.initialize(s, XSave.XCR0);
    }

    private static byte[] readBinary(Path binary) throws ElfException {
        try {
            return ProgramFiles.read(binary, attributes(binary));
        } catch (IOException e) {
            throw new ElfException(reason(e));
        }
    }

    /** The program's loaded segments, shared with the other guests that run it (null: too large to share). */
    private static ProgramImage programImage(Path binary) throws ElfException {
        try {
            return ProgramFiles.image(binary, attributes(binary));
        } catch (IOException e) {
            throw new ElfException(reason(e));
        }
    }

    /** The attributes of binary, a regular file small enough to be an executable. */
    private static BasicFileAttributes attributes(Path binary) throws IOException, ElfException {
        if (Files.isDirectory(binary)) throw new ElfException("Is a directory");
        if (!Files.exists(binary)) throw new ElfException("No such file or directory");
        BasicFileAttributes a = Files.readAttributes(binary, BasicFileAttributes.class);
        if (!a.isRegularFile()) throw new ElfException("not a regular file");
        if (a.size() > MAX_BINARY) throw new ElfException("file too large to be an executable");
        return a;
    }

    private static String reason(IOException e) {
        if (e instanceof NoSuchFileException) return "No such file or directory";
        if (e instanceof AccessDeniedException) return "Permission denied";
        String m = e.getMessage();
        return m != null ? m : e.getClass().getSimpleName();
    }
}
