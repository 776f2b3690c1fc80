package jvisor.kernel.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import jvisor.hypervisor.Hypervisor;
import jvisor.kernel.Kernel;
import jvisor.kernel.elf.ElfException;
import jvisor.kernel.host.HostConsole;
import jvisor.kernel.host.Libc;
import jvisor.kernel.proc.Exec;
import jvisor.kernel.proc.Process;
import jvisor.kernel.signal.FatalSignal;
import jvisor.kernel.strace.Strace;
import jvisor.kernel.syscall.SyscallTable;

/**
 * The jvisor command:
 *
 * <pre>
 *   jvisor run [OPTIONS] BINARY [ARGS...]
 *   jvisor debug [OPTIONS] BINARY [ARGS...]
 *   jvisor check ... (see jvisor.kernel.check.CheckCommand)
 *   jvisor syscalls [--markdown] (see jvisor.kernel.conformance.SyscallsCommand)
 *   jvisor --help | --version
 * </pre>
 *
 * The guest gets fds 0, 1, 2 of the JVM, argv[0] = BINARY as given and the JVM's environment;
 * jvisor's exit status is the guest's. A guest killed by a signal kills the JVM with the same
 * signal, so the caller sees the same status (128+N in a shell) as for the native program. Nothing
 * in the JVM writes to System.out or System.err: jvisor's own messages and --strace go to fd 2
 * through write(2).
 *
 * <p>Exit statuses of jvisor itself: 1 for a program it cannot run (with one line naming the
 * reason), 2 for a usage error, 70 (EX_SOFTWARE) for a bug in jvisor.
 */
public final class Main {
    static final int EXIT_BAD_BINARY = 1;
    static final int EXIT_USAGE = 2;
    static final int EXIT_INTERNAL = 70;

    private static final String USAGE = """
            usage: jvisor run [OPTIONS] BINARY [ARGS...]
                   jvisor debug [OPTIONS] BINARY [ARGS...]
                   jvisor check [--strict] [--report FILE] [--stdin FILE] BINARY [ARGS...]
                   jvisor syscalls [--markdown]
                   jvisor bench-embedded BINARY [GUESTS]
                   jvisor --help | --version

            Runs a static x86-64 Linux executable on jvisor's emulated CPU and guest kernel.
            'debug' runs it under jvisor's debugger, stopped before its first instruction
            (type 'help' at its prompt).

              -q, --quiet          print no message of jvisor's own (the guest's output is unchanged)
              --strace             trace system calls to stderr, in strace's format
              --root DIR           the directory the guest sees as / (default /); read-only
              --rw                 let the guest write to the root directory (/tmp is always a private tmpfs)
              --interp             interpret every instruction (no translation of hot code to JVM bytecode)
              --cpu-report         when the guest ends, one line on stderr (even with --quiet): the CPU time
                                   of the guest's threads, the JVM's compilers and jvisor's translator

            Debugging:
              --trace[=FILE]       one line per executed instruction (to FILE, else stderr): address,
                                   bytes, disassembly, registers, flags and memory it changed
              --trace-range=A-B    trace only instructions at addresses A (included) to B (excluded)
              --trace-symbol=NAME  trace only instructions inside the ELF symbol NAME
              --trace-after=N      start tracing once N instructions have run
              --trace-count=N      stop tracing after N traced instructions
              --stop-on=WHAT       stop in the debugger when WHAT happens: syscall[=NAME], signal[=SIG],
                                   fault, exec, addr=0xADDR, symbol=NAME (repeatable, or comma-separated)
              --gdb PORT           let gdb drive the program: wait on 127.0.0.1:PORT (0: any free port)
                                   for 'target remote :PORT'
            """;

    private Main() {}

    /** Parsed command line. */
    record Options(boolean quiet, boolean strace, Path root, String binary, int binaryIndex, DebugOptions debug,
            boolean interp, boolean cpuReport) {
        Options(boolean quiet, boolean strace, Path root, String binary, int binaryIndex) {
            this(quiet, strace, root, binary, binaryIndex, DebugOptions.NONE, false, false);
        }
    }

    /** A usage error: the message goes to stderr with the usage, exit status 2. */
    static final class UsageException extends Exception {
        UsageException(String message) {
            super(message, null, false, false);
        }
    }

    /** Set once the command line says --quiet: internal errors are then silent too. */
    private static volatile boolean quiet;

    public static void main(String[] args) {
        int status;
        try {
            status = run(args);
        } catch (Throwable t) {
            status = internalError(t);
        }
        exit(status);
    }

    /**
     * Ends the JVM with jvisor's exit status. The JVM's orderly shutdown is not free: after a hello
     * run, System.exit (and Runtime.halt as well) took 13-14 ms, in which the main thread opened
     * every jar of the class path again (strace) while the JVM still interpreted most of its code.
     * jvisor needs none of it: its output and the guest's go out through write(2) as they are made,
     * and the guest's files are the host's own. So the process ends with exit_group(2) at once
     * (hello: 150 -> 136 ms, medians of 16 alternating runs), unless the JVM still has work to do at
     * its exit: the launcher's training run writes the AOT cache then (after loading every class,
     * see AotTraining), and -Djvisor.jit.stats prints from a shutdown hook.
     */
    private static void exit(int status) {
        if (AotTraining.active()) {
            AotTraining.loadAllClasses(); // before the JVM writes the cache at its exit
        } else if (!jvisor.cpu.jit.Translator.reportsAtExit()) {
            Libc.exitGroup(status);
        }
        System.exit(status);
    }

    static int run(String[] args) throws Exception {
        if (args.length == 0) return usageError("missing command");
        switch (args[0]) {
            case "--help", "-h", "help" -> {
                HostConsole.outText(USAGE);
                return 0;
            }
            case "--version", "-V", "version" -> {
                HostConsole.outText("jvisor " + version() + "\n");
                return 0;
            }
            case "run", "debug" -> { }
            case "check" -> {
                return jvisor.kernel.check.CheckCommand.run(args, from -> HostArgs.arguments(args, from),
                        HostArgs.environment());
            }
            case "syscalls" -> {
                return jvisor.kernel.conformance.SyscallsCommand.run(args);
            }
            case "bench-embedded" -> {
                return benchEmbedded(args);
            }
            default -> {
                return usageError(args[0].startsWith("-") ? "unknown option '" + args[0] + "'"
                        : "unknown command '" + args[0] + "'");
            }
        }
        buildTablesAhead();
        Options o;
        try {
            o = parse(args);
        } catch (UsageException e) {
            return usageError(e.getMessage());
        }
        quiet = o.quiet();
        List<byte[]> envp = HostArgs.environment();
        int status = execute(o, HostArgs.arguments(args, o.binaryIndex()), envp);
        if (AotTraining.active()) AotTraining.runMorePrograms(Path.of(o.binary()), envp, AotTraining.PROGRAM_TIME_LIMIT_MS);
        return status;
    }

    /**
     * Builds the instruction table and the system call table on a thread of their own while this
     * one reads the arguments, the environment and the program: the first vCPU and the first
     * system call would otherwise wait for them (9-10 and 2 ms of code the JVM still interprets at
     * that point). Both are class initializations: a thread that needs one before it is done
     * waits for it, as the JVM has it wait, and a failure surfaces there as well, with this one's
     * exception as the cause. Hello took 0.960, 0.966 and 0.968 of its time (three A/Bs of 30
     * alternating runs); with the instruction table alone, an earlier measurement gave 0.981-0.986.
     */
    private static void buildTablesAhead() {
        Thread.ofPlatform().daemon().name("jvisor-tables").start(() -> {
            try {
                Hypervisor.prepareVcpus();
                SyscallTable.linux();
            } catch (Throwable ignored) {
                // reported by the thread that needs the table next
            }
        });
    }

    /** jvisor bench-embedded BINARY [GUESTS]: see {@link jvisor.kernel.api.SecondGuestBenchmark}. */
    private static int benchEmbedded(String[] args) throws Exception {
        if (args.length < 2 || args.length > 3) return usageError("usage: jvisor bench-embedded BINARY [GUESTS]");
        int guests;
        try {
            guests = args.length == 3 ? Integer.parseInt(args[2]) : 200;
        } catch (NumberFormatException e) {
            return usageError("GUESTS must be a number: " + args[2]);
        }
        if (guests < 1) return usageError("GUESTS must be at least 1");
        try {
            for (String line : jvisor.kernel.api.SecondGuestBenchmark.run(Path.of(args[1]), guests)) {
                HostConsole.errLine(line);
            }
        } catch (ElfException e) {
            HostConsole.errLine("jvisor: " + args[1] + ": " + e.getMessage());
            return EXIT_BAD_BINARY;
        }
        return 0;
    }

    static Options parse(String[] args) throws UsageException {
        boolean quiet = false, strace = false, interp = false, cpuReport = false;
        Path root = Path.of("/");
        DebugOptions.Builder debug = new DebugOptions.Builder();
        debug.debugger = args.length > 0 && args[0].equals("debug");
        int i = 1;
        for (; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--")) {
                i++;
                break;
            }
            if (!a.startsWith("-") || a.equals("-")) break;
            int used = debug.accept(args, i);
            if (used >= 0) {
                i = used;
                continue;
            }
            switch (a) {
                case "-q", "--quiet" -> quiet = true;
                case "--strace" -> strace = true;
                case "--interp" -> interp = true;
                case "--cpu-report" -> cpuReport = true;
                case "--rw" -> jvisor.kernel.fs.PathResolver.rootWritableDefault = true;
                case "--root" -> {
                    if (++i >= args.length) throw new UsageException("option '--root' needs a directory");
                    root = Path.of(args[i]);
                }
                default -> {
                    if (a.startsWith("--root=")) {
                        root = Path.of(a.substring("--root=".length()));
                    } else {
                        throw new UsageException("unknown option '" + a + "'");
                    }
                }
            }
        }
        if (i >= args.length) throw new UsageException("missing BINARY");
        return new Options(quiet, strace, root, args[i], i, debug.build(), interp, cpuReport);
    }

    /** Loads and runs the program; returns the exit status (or does not return: death by signal). */
    static int execute(Options o, List<byte[]> argv, List<byte[]> envp) throws Exception {
        if (!java.nio.file.Files.isDirectory(o.root())) {
            return say(o, o.root() + ": root is not a directory", EXIT_USAGE);
        }
        if (o.debug().any()) return DebugLauncher.run(o, argv, envp);
        Hypervisor hv = new Hypervisor();
        hv.setInterpretOnly(o.interp());
        Process p;
        try {
            p = Exec.start(hv, new Exec.Request(Path.of(o.binary()), o.binary().getBytes(StandardCharsets.UTF_8),
                    argv, envp, o.root()));
        } catch (ElfException e) {
            return say(o, o.binary() + ": " + e.getMessage(), EXIT_BAD_BINARY);
        }
        // jvisor exits with this process: handing its memory back to the host first would only
        // cost time (the JVM makes a munmap stub for it, tens of milliseconds at start-up).
        p.keepMemoryAfterExit = true;
        if (!o.quiet()) p.table.setNotices(Main::notice);
        Strace strace = o.strace() ? new Strace(HostConsole::errLine) : null;
        Kernel kernel = new Kernel(hv, SyscallTable.linux(), strace);

        Throwable failure = jvisor.kernel.GuestThread.run(kernel, p, "vcpu0");
        if (failure != null) return internalError(failure);

        return outcome(o, p.killedBy(), p.exitStatus());
    }

    /** The exit status for the guest's end; a guest killed by a signal kills jvisor with it (no return). */
    static int outcome(Options o, FatalSignal s, int exitStatus) throws InterruptedException {
        // First: a guest killed by a signal takes jvisor with it.
        if (o.cpuReport()) HostConsole.errLine(CpuReport.now());
        if (s == null) return exitStatus;
        if (s.report() != null && !o.quiet()) HostConsole.errLine("jvisor: " + s.report().text());
        Libc.dieBySignal(s.signo());
        Thread.sleep(100); // the signal is on its way
        return 128 + s.signo();
    }

    /** A notice of the guest kernel's about a program (see ProcessTable.notice), on jvisor's stderr. */
    static void notice(String line) {
        HostConsole.errLine("jvisor: " + line);
    }

    static int say(Options o, String message, int status) {
        if (!o.quiet()) HostConsole.errLine("jvisor: " + message);
        return status;
    }

    static int usageError(String message) {
        HostConsole.errLine("jvisor: " + message);
        HostConsole.write(2, USAGE);
        return EXIT_USAGE;
    }

    /** A bug in jvisor: one line (none with --quiet), a stack trace only with JVISOR_DEBUG=1. */
    static int internalError(Throwable t) {
        boolean debug = "1".equals(System.getenv("JVISOR_DEBUG"));
        if (quiet && !debug) return EXIT_INTERNAL;
        String m = t.getMessage();
        HostConsole.errLine("jvisor: internal error: " + t.getClass().getName() + (m != null ? ": " + m : ""));
        if (debug) {
            java.io.StringWriter w = new java.io.StringWriter();
            t.printStackTrace(new java.io.PrintWriter(w));
            HostConsole.write(2, w.toString());
        }
        return EXIT_INTERNAL;
    }

    static String version() {
        String v = Main.class.getPackage().getImplementationVersion();
        return v != null ? v : "0.1.0-SNAPSHOT";
    }
}
