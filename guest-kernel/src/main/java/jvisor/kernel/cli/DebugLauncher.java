package jvisor.kernel.cli;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

import jvisor.kernel.abi.Signals;
import jvisor.kernel.api.LinuxMachine;
import jvisor.kernel.debug.DebugSession;
import jvisor.kernel.debug.InsnTrace;
import jvisor.kernel.debug.Stop;
import jvisor.kernel.debug.cli.ConsoleDebugger;
import jvisor.kernel.debug.cli.LineInput;
import jvisor.kernel.debug.gdb.GdbStub;
import jvisor.kernel.elf.ElfException;
import jvisor.kernel.elf.ElfSymbols;
import jvisor.kernel.host.HostConsole;
import jvisor.kernel.strace.Strace;
import jvisor.kernel.syscall.SyscallTable;

/**
 * Runs a program with the debugging options: --trace, --stop-on, --gdb, and {@code jvisor debug}.
 * Everything goes through {@link LinuxMachine}; the plain {@code jvisor run} never comes here.
 */
final class DebugLauncher {
    private DebugLauncher() {}

    static int run(Main.Options o, List<byte[]> argv, List<byte[]> envp) throws Exception {
        DebugOptions d = o.debug();
        Strace strace = o.strace() ? new Strace(HostConsole::errLine) : null;
        LinuxMachine m;
        try {
            m = LinuxMachine.load(Path.of(o.binary()), argv, envp, o.root(), strace);
        } catch (ElfException e) {
            return Main.say(o, o.binary() + ": " + e.getMessage(), Main.EXIT_BAD_BINARY);
        }
        if (!o.quiet()) m.process().table.setNotices(Main::notice);
        Stop end;
        try (m; TraceSink sink = d.trace() ? TraceSink.open(d.traceFile()) : null) {
            if (o.interp()) m.hypervisor().setInterpretOnly(true);
            if (d.trace()) new InsnTrace(m.hypervisor(), m.session().symbols(), traceOptions(d, m.symbols()), sink).install();
            StopConditions stops = StopConditions.apply(d.stopOn(), m);
            if (d.gdbPort() >= 0) end = gdb(o, m, d.gdbPort());
            else if (d.debugger()) end = console(m).run(m.start());
            else end = runUntilStop(o, m, stops);
            if (end == null) end = awaitEnd(m);
        } catch (Main.UsageException e) {
            return Main.usageError(e.getMessage());
        }
        // The trace file is complete now: a guest killed by a signal ends jvisor at once.
        return Main.outcome(o, end.kind() == Stop.Kind.KILLED ? end.signal() : null, end.exitStatus());
    }

    private static ConsoleDebugger console(LinuxMachine m) {
        interruptOnCtrlC(m);
        return new ConsoleDebugger(m, LineInput.host(), HostConsole::outLine);
    }

    /**
     * Ctrl-C stops the running program and returns to the prompt, as in gdb, instead of ending the
     * JVM. Where the JVM does not let SIGINT be handled, Ctrl-C keeps its usual meaning.
     */
    private static void interruptOnCtrlC(LinuxMachine m) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("INT"), sig -> m.stop());
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            // -Xrs or a platform without it: Ctrl-C ends jvisor
        }
    }

    /** Plain run with --stop-on and/or --trace: at the first stop that a condition asked for, the debugger takes over. */
    private static Stop runUntilStop(Main.Options o, LinuxMachine m, StopConditions stops) {
        Stop s = m.start();
        if (!stops.exec) s = m.run();
        while (!s.ended()) {
            String why = stops.matches(s);
            if (why != null) {
                if (!o.quiet()) HostConsole.errLine("jvisor: stopped by --stop-on=" + why);
                return console(m).run(s);
            }
            s = m.run(); // a stop nobody asked for (a fault while waiting for a syscall): go on
        }
        return s;
    }

    private static Stop gdb(Main.Options o, LinuxMachine m, int port) throws IOException {
        try (GdbStub stub = GdbStub.listen(m, port)) {
            if (!o.quiet()) {
                HostConsole.errLine("jvisor: gdb stub listening on 127.0.0.1:" + stub.port()
                        + " (in gdb: target remote :" + stub.port() + ")");
            }
            return stub.serve();
        }
    }

    private static Stop awaitEnd(LinuxMachine m) throws InterruptedException {
        while (true) {
            Stop s = m.session().waitForEvent(0);
            if (s.ended()) return s;
        }
    }

    static InsnTrace.Options traceOptions(DebugOptions d, ElfSymbols symbols) throws Main.UsageException {
        long begin = 0, end = -1;
        if (d.traceSymbol() != null) {
            ElfSymbols.Symbol s = symbols.find(d.traceSymbol());
            if (s == null) throw new Main.UsageException("--trace-symbol: no symbol '" + d.traceSymbol() + "' in the program");
            begin = s.address();
            end = s.address() + Math.max(1, s.size());
        } else if (d.traceRange() != null) {
            String r = d.traceRange();
            int dash = r.indexOf('-', 1);
            int plus = r.indexOf('+', 1);
            try {
                if (dash > 0) {
                    begin = Numbers.parseAddress(r.substring(0, dash));
                    end = Numbers.parseAddress(r.substring(dash + 1));
                } else if (plus > 0) {
                    begin = Numbers.parseAddress(r.substring(0, plus));
                    end = begin + Numbers.parseAddress(r.substring(plus + 1));
                } else {
                    throw new NumberFormatException();
                }
            } catch (NumberFormatException e) {
                throw new Main.UsageException("--trace-range needs START-END or START+LENGTH (e.g. 0x401000-0x402000), not '"
                        + r + "'");
            }
            if (Long.compareUnsigned(begin, end) >= 0) throw new Main.UsageException("--trace-range: the end must be above the start");
        }
        return new InsnTrace.Options(begin, end, d.traceAfter(), d.traceCount());
    }

    /** The --stop-on conditions, set up on the session, and the test of a stop against them. */
    static final class StopConditions {
        boolean exec, anyFault, anySyscall, anySignal;
        long signals;
        final java.util.BitSet syscalls = new java.util.BitSet();
        final java.util.Map<Long, String> addresses = new java.util.HashMap<>();
        final java.util.Map<String, String> given = new java.util.HashMap<>();

        static StopConditions apply(List<DebugOptions.StopOn> list, LinuxMachine m) throws Main.UsageException {
            StopConditions c = new StopConditions();
            DebugSession s = m.session();
            for (DebugOptions.StopOn on : list) {
                switch (on.kind()) {
                    case EXEC -> {
                        c.exec = true;
                        s.setStopOnExec(true);
                    }
                    case FAULT -> {
                        c.anyFault = true;
                        s.setStopOnFault(true);
                    }
                    case SYSCALL -> {
                        if (on.arg() == null) {
                            c.anySyscall = true;
                            s.catchSyscall(-1, true, false);
                        } else {
                            int nr;
                            try {
                                nr = Character.isDigit(on.arg().charAt(0)) ? Integer.parseInt(on.arg())
                                        : SyscallTable.linux().number(on.arg());
                            } catch (IllegalArgumentException e) {
                                throw new Main.UsageException("--stop-on=syscall: unknown syscall '" + on.arg() + "'");
                            }
                            c.syscalls.set(nr);
                            s.catchSyscall(nr, true, false);
                        }
                    }
                    case SIGNAL -> {
                        int sig = on.arg() == null ? 0 : signal(on.arg());
                        if (sig == 0) c.anySignal = true;
                        else c.signals |= Signals.bit(sig);
                        s.setSignalStops(sig == 0 ? -1L : s.signalStops() | Signals.bit(sig));
                        s.setStopOnFault(true); // a fault's signal is a signal too
                    }
                    case ADDR -> {
                        long a = Numbers.parseAddress(on.arg());
                        m.breakpoint(a);
                        c.addresses.put(a, on.toString());
                    }
                    case SYMBOL -> {
                        try {
                            c.addresses.put(m.breakpoint(on.arg()), on.toString());
                        } catch (IllegalArgumentException e) {
                            throw new Main.UsageException("--stop-on=symbol: no symbol '" + on.arg() + "' in the program");
                        }
                    }
                }
            }
            return c;
        }

        /** The condition a stop satisfies, as the user wrote it, or null. */
        String matches(Stop s) {
            return switch (s.kind()) {
                case START, EXEC -> exec ? "exec" : null;
                case FAULT -> anyFault ? "fault" : anySignal || (signals & Signals.bit(s.signo())) != 0
                        ? "signal=" + Signals.name(s.signo()) : null;
                case SIGNAL -> anySignal || (signals & Signals.bit(s.signo())) != 0 ? "signal=" + Signals.name(s.signo()) : null;
                case SYSCALL_ENTRY -> anySyscall || syscalls.get(s.syscall()) ? "syscall=" + name(s.syscall()) : null;
                case BREAKPOINT -> addresses.get(s.task().regs.rip);
                default -> null;
            };
        }

        private static String name(int nr) {
            var e = SyscallTable.linux().get(nr);
            return e != null ? e.name() : Integer.toString(nr);
        }

        static int signal(String arg) throws Main.UsageException {
            String a = arg.toUpperCase(Locale.ROOT);
            if (!a.startsWith("SIG") && !Character.isDigit(a.charAt(0))) a = "SIG" + a;
            for (int i = 1; i <= Signals.NSIG; i++) if (Signals.name(i).equals(a)) return i;
            try {
                int n = Integer.parseInt(a);
                if (n >= 1 && n <= Signals.NSIG) return n;
            } catch (NumberFormatException e) {
                // not a number either
            }
            throw new Main.UsageException("--stop-on=signal: unknown signal '" + arg + "'");
        }
    }

    /** Where trace lines go: a file (buffered) or jvisor's stderr. */
    static final class TraceSink implements Consumer<String>, AutoCloseable {
        private final BufferedWriter file;

        private TraceSink(BufferedWriter file) {
            this.file = file;
        }

        static TraceSink open(String path) throws Main.UsageException {
            if (path == null) return new TraceSink(null);
            try {
                return new TraceSink(Files.newBufferedWriter(Path.of(path), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new Main.UsageException("--trace: cannot write " + path + ": " + e.getMessage());
            }
        }

        @Override
        public synchronized void accept(String line) {
            if (file == null) {
                HostConsole.errLine(line);
                return;
            }
            try {
                file.write(line);
                file.write('\n');
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public synchronized void close() throws IOException {
            if (file != null) file.close();
        }
    }
}
