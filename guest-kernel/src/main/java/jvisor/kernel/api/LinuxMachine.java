package jvisor.kernel.api;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import jvisor.cpu.CpuState;
import jvisor.cpu.debug.BlockHook;
import jvisor.cpu.debug.InsnHook;
import jvisor.cpu.debug.MemoryHook;
import jvisor.cpu.debug.Probes;
import jvisor.cpu.debug.Registers;
import jvisor.cpu.debug.Watchpoint;
import jvisor.hypervisor.ExitHook;
import jvisor.hypervisor.Hypervisor;
import jvisor.kernel.GuestThread;
import jvisor.kernel.Kernel;
import jvisor.kernel.debug.DebugSession;
import jvisor.kernel.debug.Stop;
import jvisor.kernel.elf.ElfException;
import jvisor.kernel.elf.ElfSymbols;
import jvisor.kernel.proc.Exec;
import jvisor.kernel.proc.Process;
import jvisor.kernel.proc.Task;
import jvisor.kernel.strace.Strace;
import jvisor.kernel.syscall.SyscallInterceptor;
import jvisor.kernel.syscall.SyscallTable;
import jvisor.mmu.AddressSpace;

/**
 * A Linux program on jvisor, to drive from Java in the style of Unicorn: load a static ELF,
 * add hooks (every instruction, every basic block, memory reads and writes on a range, every
 * VM exit, syscalls before and after with the power to override the result), set breakpoints
 * and watchpoints, run until the next stop, an address or a number of instructions, look at and
 * change registers and memory, stop it from another thread. The command-line debugger and the
 * gdb stub are built on this class.
 *
 * <p>The program runs on its own thread (each guest task on its own thread), under jvisor's
 * Java kernel; {@link #run()} and its siblings block the caller until the next {@link Stop}.
 * Hooks run on the guest's thread. Between stops the state methods ({@link #reg}, {@link #read},
 * ...) are about the current task, the one that stopped.
 *
 * <p>A runnable example: {@code testbins/src/test/java/jvisor/testbins/example/FindTheCrash.java}.
 */
public final class LinuxMachine implements AutoCloseable {

    private final Hypervisor hv = new Hypervisor();
    private final Kernel kernel;
    private final Process process;
    private final DebugSession session;
    private final long loadBias;
    private GuestThread.Running guest;
    private volatile Throwable failure;
    private Stop last;

    /** How to start the program. */
    public static final class Builder {
        private final Path binary;
        private List<String> args = List.of();
        private Map<String, String> env = Map.of();
        private Path root = Path.of("/");
        private Strace strace;

        private Builder(Path binary) {
            this.binary = binary;
        }

        /** argv[1..]; argv[0] is the binary's path as given. */
        public Builder args(List<String> args) {
            this.args = List.copyOf(args);
            return this;
        }

        public Builder args(String... args) {
            return args(List.of(args));
        }

        /** The guest's environment (default: empty). */
        public Builder env(Map<String, String> env) {
            this.env = Map.copyOf(env);
            return this;
        }

        /** The directory the guest sees as / (default /, read-only). */
        public Builder root(Path root) {
            this.root = root;
            return this;
        }

        /** Traces syscalls in strace's format. */
        public Builder strace(Strace strace) {
            this.strace = strace;
            return this;
        }

        /** Loads the program; it does not run before the first {@link LinuxMachine#run()}. */
        public LinuxMachine load() throws ElfException {
            List<byte[]> argv = new ArrayList<>();
            argv.add(binary.toString().getBytes(StandardCharsets.UTF_8));
            for (String a : args) argv.add(a.getBytes(StandardCharsets.UTF_8));
            List<byte[]> envp = new ArrayList<>();
            env.forEach((k, v) -> envp.add((k + "=" + v).getBytes(StandardCharsets.UTF_8)));
            return new LinuxMachine(binary, argv, envp, root, strace);
        }
    }

    public static Builder builder(Path binary) {
        return new Builder(binary);
    }

    /** The program with these arguments, an empty environment, the host's / as root. */
    public static LinuxMachine load(Path binary, String... args) throws ElfException {
        return builder(binary).args(args).load();
    }

    /** For the command line: argv and envp exactly as the host gave them. */
    public static LinuxMachine load(Path binary, List<byte[]> argv, List<byte[]> envp, Path root, Strace strace)
            throws ElfException {
        return new LinuxMachine(binary, argv, envp, root, strace);
    }

    private LinuxMachine(Path binary, List<byte[]> argv, List<byte[]> envp, Path root, Strace strace)
            throws ElfException {
        process = Exec.start(hv, new Exec.Request(binary, argv.get(0), argv, envp, root));
        kernel = new Kernel(hv, SyscallTable.linux(), strace);
        session = new DebugSession(kernel);
        session.setStopAtStart(true);
        loadBias = process.image.loadBias();
        // The names are read when a hook, the debugger or a stop first asks for them: a machine
        // that only runs costs no symbol table.
        session.symbols().putLazily(process, () -> {
            try {
                return ElfSymbols.parse(java.nio.file.Files.readAllBytes(binary), loadBias);
            } catch (java.io.IOException | RuntimeException e) {
                return ElfSymbols.empty(); // Exec.start read and accepted it: the file changed since
            }
        });
    }

    /** What the loader added to the link addresses of the program jvisor started (non-zero for static PIE). */
    public long loadBias() {
        return loadBias;
    }

    // ---------------------------------------------------------------- parts

    public DebugSession session() {
        return session;
    }

    public Hypervisor hypervisor() {
        return hv;
    }

    public Process process() {
        return process;
    }

    /** The symbols of the program the current task runs (the one jvisor started, until an execve). */
    public ElfSymbols symbols() {
        // A hook runs on a guest task's own thread, while run() holds this machine's lock: it
        // names addresses after its own task's program without taking the lock.
        Task here = Task.current();
        return symbols(here != null ? here : currentTask());
    }

    /** The symbols of the program a task runs: each process has those of its own program, execve changes them. */
    public ElfSymbols symbols(Task t) {
        return session.symbols().of(t);
    }

    public Probes probes() {
        return hv.probes();
    }

    // ---------------------------------------------------------------- hooks

    /** Every instruction whose address is in [begin, end). */
    public Probes.Handle hookInstructions(long begin, long end, InsnHook hook) {
        return probes().addInsnHook(begin, end, hook);
    }

    /** Every instruction. */
    public Probes.Handle hookInstructions(InsnHook hook) {
        return probes().addInsnHook(hook);
    }

    /** Every basic block starting in [begin, end). */
    public Probes.Handle hookBlocks(long begin, long end, BlockHook hook) {
        return probes().addBlockHook(begin, end, hook);
    }

    /** Guest loads and/or stores touching [begin, end), and the kernel's copies to and from it. */
    public Probes.Handle hookMemory(long begin, long end, boolean reads, boolean writes, MemoryHook hook) {
        return probes().addMemoryHook(begin, end, reads, writes, hook);
    }

    /** Every VM exit (syscall, exception, kick) of every task, before the kernel handles it. */
    public AutoCloseable hookExits(ExitHook hook) {
        return hv.addExitHook(hook);
    }

    /**
     * Every syscall, before the kernel runs it (return a value or -errno instead of
     * {@link SyscallInterceptor#PROCEED} to override it) and after (return the result to give).
     */
    public AutoCloseable hookSyscalls(SyscallInterceptor hook) {
        return session.addSyscallHook(hook);
    }

    public void breakpoint(long address) {
        probes().addBreakpoint(address);
    }

    /**
     * A breakpoint at an ELF symbol of the current task's program; throws IllegalArgumentException
     * if there is none of that name. It stays at that address when a later execve loads another
     * program (gdb would look the name up again in the new program).
     */
    public long breakpoint(String symbol) {
        ElfSymbols.Symbol s = symbols().find(symbol);
        if (s == null) throw new IllegalArgumentException("no symbol '" + symbol + "' in the program");
        breakpoint(s.address());
        return s.address();
    }

    public boolean deleteBreakpoint(long address) {
        return probes().removeBreakpoint(address);
    }

    public Watchpoint watch(long address, int length, Watchpoint.Kind kind) {
        return probes().addWatchpoint(address, length, kind);
    }

    public void unwatch(Watchpoint w) {
        probes().removeWatchpoint(w);
    }

    /** Stop at faults (exception exits) before they become signals. */
    public void stopOnFaults(boolean on) {
        session.setStopOnFault(on);
    }

    /**
     * Stop after every successful execve of any process, before the new program's first
     * instruction: an {@link Stop.Kind#EXEC} stop whose {@link Stop#program()} is the new
     * program's path; {@link #symbols()} are the new program's from then on.
     */
    public void stopOnExec(boolean on) {
        session.setStopOnExec(on);
    }

    // ---------------------------------------------------------------- running

    /** Starts the guest thread, stopped before the first instruction; returns that START stop. */
    public synchronized Stop start() {
        if (guest != null) throw new IllegalStateException("already started");
        process.keepMemoryAfterExit = true; // read after a crash until close()
        guest = GuestThread.start("vcpu0", () -> {
            try {
                kernel.run(process);
            } catch (Throwable t) {
                failure = t;
            }
        });
        return await();
    }

    /** Runs (or goes on) until the next stop or the end of the program. */
    public synchronized Stop run() {
        return resume(Map.of(), DebugSession.Action.CONTINUE);
    }

    /** Runs until the current task reaches address (or another stop comes first). */
    public synchronized Stop runUntil(long address) {
        ensureStarted();
        return resume(Map.of(currentTask().tid, DebugSession.Action.until(address, Long.MIN_VALUE)),
                DebugSession.Action.CONTINUE);
    }

    /** Runs count instructions of the current task, the others staying stopped. */
    public synchronized Stop step(long count) {
        ensureStarted();
        return resume(Map.of(currentTask().tid, DebugSession.Action.step(count)), DebugSession.Action.STAY);
    }

    /** Resumes tasks with per-task actions (see {@link DebugSession#resume}) and waits for the next stop. */
    public synchronized Stop resume(Map<Integer, DebugSession.Action> actions, DebugSession.Action otherwise) {
        ensureStarted();
        if (last != null && last.ended()) throw new IllegalStateException("the program has ended: " + last.describe());
        session.resume(actions, otherwise);
        return await();
    }

    private void ensureStarted() {
        if (guest == null) start();
    }

    private Stop await() {
        try {
            while (true) {
                Stop s = session.waitForEvent(200);
                if (s != null) {
                    last = s;
                    return s;
                }
                Throwable f = failure;
                if (f != null) throw new IllegalStateException("jvisor failed while running the guest: " + f, f);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the guest", e);
        }
    }

    /** Stops the running program at the next instruction boundary; any thread. */
    public void stop() {
        session.interrupt();
    }

    /** The last stop, or null before the first. */
    public synchronized Stop lastStop() {
        return last;
    }

    public boolean ended() {
        Stop s = last;
        return s != null && s.ended();
    }

    // ---------------------------------------------------------------- state at a stop

    /** The task that stopped last (the first task before any stop, or if it has gone). */
    public synchronized Task currentTask() {
        if (last != null && last.task() != null) return last.task();
        List<Task> ts = session.tasks();
        return ts.isEmpty() ? process.mainTask() : ts.get(0);
    }

    public CpuState regs() {
        return currentTask().regs;
    }

    /** A register of the current task by name (rax, eax, al, rip, eflags, fs_base, xmm0, ...). */
    public long reg(String name) {
        return Registers.get(regs(), name);
    }

    public void setReg(String name, long value) {
        Registers.set(regs(), name, value);
    }

    public AddressSpace memory() {
        return currentTask().memory();
    }

    /** Reads guest memory ignoring protection; throws {@link jvisor.mmu.PageFault} for unmapped bytes. */
    public byte[] read(long address, int length) {
        byte[] b = new byte[length];
        memory().peekBytes(address, b, 0, length);
        return b;
    }

    public long read64(long address) {
        byte[] b = read(address, 8);
        long v = 0;
        for (int i = 7; i >= 0; i--) v = (v << 8) | (b[i] & 0xFF);
        return v;
    }

    /** Writes guest memory ignoring protection (decoded code there is dropped). */
    public void write(long address, byte[] data) {
        memory().pokeBytes(address, data, 0, data.length);
    }

    /** {@code main+21} for an address in the current task's program, or its hex form. */
    public String describe(long address) {
        String s = symbols().describe(address);
        return s != null ? s : "0x" + Long.toHexString(address);
    }

    /** Ends the program if it still runs and waits for its thread. */
    @Override
    public synchronized void close() {
        if (guest == null) {
            process.release();
            return;
        }
        if (guest.isAlive()) {
            session.kill();
            try {
                guest.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        // Only once the guest's thread has ended its task: a vCPU still inside the guest (a hook
        // waiting for this machine's lock) would make the release wait for it forever.
        if (!guest.isAlive()) process.releaseKeptMemory();
        else process.keepMemoryAfterExit = false; // the process's own end gives it back
    }
}
