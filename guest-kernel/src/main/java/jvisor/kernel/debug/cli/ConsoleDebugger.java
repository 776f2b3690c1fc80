package jvisor.kernel.debug.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

import jvisor.cpu.CpuState;
import jvisor.cpu.Reg;
import jvisor.cpu.debug.DebugStop;
import jvisor.cpu.debug.Registers;
import jvisor.cpu.debug.Watchpoint;
import jvisor.cpu.decode.Insn;
import jvisor.cpu.disasm.Disassembler;
import jvisor.kernel.abi.Signals;
import jvisor.kernel.api.LinuxMachine;
import jvisor.kernel.debug.DebugSession;
import jvisor.kernel.debug.DebugSession.Action;
import jvisor.kernel.debug.Stop;
import jvisor.kernel.elf.ElfSymbols;
import jvisor.kernel.proc.Task;
import jvisor.kernel.signal.SigAction;
import jvisor.kernel.syscall.SyscallTable;
import jvisor.mmu.AddressSpace;
import jvisor.mmu.PageFault;
import jvisor.mmu.Prot;
import jvisor.mmu.Region;

/**
 * {@code jvisor debug}: a command-line debugger in gdb's manner, on the {@link LinuxMachine} API.
 * Commands (and their usual short forms): stepi, nexti, continue, finish, until, break, tbreak,
 * watch, rwatch, awatch, delete, info (registers, all-registers, breakpoints, signals, threads,
 * proc mappings), x/FMT, print, set, disassemble, backtrace, catch syscall, catch exec, maps,
 * thread, kill, detach, quit, help. An empty line repeats stepi, nexti and x. Every stop says
 * which VM exit brought the program there. Symbols are those of the program the selected
 * thread's process runs: after an execve, the new program's.
 */
public final class ConsoleDebugger {
    static final String PROMPT = "(jvisor) ";

    private final LinuxMachine m;
    private final LineInput.Source in;
    private final Consumer<String> out;
    /** Whether execve stopped the program before this debugger's catchpoints (--stop-on=exec). */
    private final boolean stopsOnExecWithoutCatchpoint;
    private final Map<String, Command> commands = new LinkedHashMap<>();
    private final Map<String, String> aliases = new LinkedHashMap<>();
    private final List<Point> points = new ArrayList<>();
    private int nextPointId = 1;
    private Stop stop;
    private Task selected;
    private String lastRepeatable;
    private long nextExamine = -1;
    private String lastExamineFormat = "xw";

    /** A command: what it does with its argument text; returns the new stop if it ran the program. */
    @FunctionalInterface
    private interface Handler {
        void run(String args);
    }

    private record Command(String name, String usage, String help, Handler handler, boolean repeats) {
    }

    /** A breakpoint, watchpoint or catchpoint, numbered as gdb numbers them. */
    private static final class Point {
        final int id;
        final String kind; // breakpoint, tbreakpoint, watchpoint kinds, catchpoint
        final String what;
        final long address;
        final Watchpoint watch;
        /** The syscall a syscall catchpoint catches (-1: all), else Integer.MIN_VALUE. */
        final int syscall;
        /** A "catch exec" catchpoint. */
        final boolean exec;
        int hits;

        Point(int id, String kind, String what, long address, Watchpoint watch, int syscall) {
            this(id, kind, what, address, watch, syscall, false);
        }

        Point(int id, String kind, String what, long address, Watchpoint watch, int syscall, boolean exec) {
            this.id = id;
            this.kind = kind;
            this.what = what;
            this.address = address;
            this.watch = watch;
            this.syscall = syscall;
            this.exec = exec;
        }

        boolean isBreakpoint() {
            return kind.endsWith("breakpoint");
        }

        boolean catchesSyscalls() {
            return syscall != Integer.MIN_VALUE;
        }
    }

    public ConsoleDebugger(LinuxMachine m, LineInput.Source in, Consumer<String> out) {
        this.m = m;
        this.in = in;
        this.out = out;
        this.stopsOnExecWithoutCatchpoint = m.session().stopsOnExec();
        m.session().setStopOnFault(true);
        m.session().setSignalStops(Signals.bit(Signals.SIGINT) | Signals.bit(Signals.SIGUSR1) | Signals.bit(Signals.SIGUSR2)
                | Signals.bit(Signals.SIGTERM) | Signals.bit(Signals.SIGABRT) | Signals.bit(Signals.SIGHUP)
                | Signals.bit(Signals.SIGQUIT) | Signals.bit(Signals.SIGPIPE));
        define();
    }

    /**
     * Runs the command loop from the given stop until the program ends or the user quits.
     *
     * @return the program's end (EXITED or KILLED), or null after detach (the program runs on)
     */
    public Stop run(Stop first) {
        stop = first;
        announce(first);
        while (!stop.ended()) {
            String line = in.readLine(PROMPT);
            if (line == null) {
                say("quit (end of input): the program is killed");
                return quit();
            }
            String cmd = line.strip();
            if (cmd.isEmpty()) {
                if (lastRepeatable == null) continue;
                cmd = lastRepeatable;
            }
            if (cmd.equals("quit") || cmd.equals("q")) return quit();
            if (cmd.equals("detach")) {
                m.session().detach();
                say("Detached; the program runs on without the debugger.");
                return null;
            }
            execute(cmd);
        }
        return stop;
    }

    private Stop quit() {
        if (!stop.ended()) {
            m.session().kill();
            stop = awaitEnd();
        }
        return stop;
    }

    private Stop awaitEnd() {
        try {
            while (true) {
                Stop s = m.session().waitForEvent(0);
                if (s.ended()) return s;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return stop;
        }
    }

    /** Runs one command line (also for tests). */
    void execute(String line) {
        int sp = indexOfSeparator(line);
        String word = sp < 0 ? line : line.substring(0, sp);
        String args = sp < 0 ? "" : line.substring(sp).strip();
        if (word.startsWith("x/")) {
            args = word.substring(1) + (args.isEmpty() ? "" : " " + args);
            word = "x";
        } else if (word.contains("/") && (word.startsWith("p/") || word.startsWith("print/"))) {
            args = word.substring(word.indexOf('/')) + " " + args;
            word = "print";
        }
        String name = aliases.getOrDefault(word, word);
        Command c = commands.get(name);
        if (c == null) {
            String typed = word;
            List<String> prefixed = commands.keySet().stream().filter(k -> k.startsWith(typed)).toList();
            if (prefixed.size() == 1) c = commands.get(prefixed.get(0));
        }
        if (c == null) {
            say("Undefined command: \"" + word + "\".  Try \"help\".");
            return;
        }
        try {
            c.handler.run(args);
            lastRepeatable = c.repeats ? line : null;
        } catch (IllegalArgumentException | IllegalStateException e) {
            say(e.getMessage());
            lastRepeatable = null;
        }
    }

    private static int indexOfSeparator(String line) {
        for (int i = 0; i < line.length(); i++) if (line.charAt(i) == ' ' || line.charAt(i) == '\t') return i;
        return -1;
    }

    private void say(String s) {
        out.accept(s);
    }

    // ---------------------------------------------------------------- the command table

    private void command(String name, String aliasList, String usage, String help, boolean repeats, Handler h) {
        commands.put(name, new Command(name, usage, help, h, repeats));
        if (!aliasList.isEmpty()) for (String a : aliasList.split(" ")) aliases.put(a, name);
    }

    private void define() {
        command("stepi", "si", "stepi [N]", "Run one instruction (or N) of the current thread, the others staying stopped.",
                true, a -> resumeCurrent(Action.step(a.isEmpty() ? 1 : count(a)), Action.STAY));
        command("nexti", "ni", "nexti [N]", "Like stepi, but a call runs until it returns.", true, this::nexti);
        command("continue", "c cont", "continue", "Let the program run until the next stop.", false,
                a -> resume(Map.of(), Action.CONTINUE));
        command("finish", "fin", "finish", "Run until the current function returns (found through the frame pointer).",
                false, a -> finish());
        command("until", "u advance", "until LOCATION", "Run until LOCATION (an address or a symbol) is reached.",
                false, a -> resumeCurrent(Action.until(location(a), Long.MIN_VALUE), Action.CONTINUE));
        command("break", "b br", "break LOCATION", "Stop before the instruction at LOCATION (0xADDR, SYMBOL, SYMBOL+OFF, *EXPR).",
                false, a -> addBreak(a, false));
        command("tbreak", "tb", "tbreak LOCATION", "A breakpoint that is deleted when it is hit.", false,
                a -> addBreak(a, true));
        command("watch", "", "watch EXPR [LEN]", "Stop after an instruction (or the kernel) changes the bytes at EXPR.",
                false, a -> addWatch(a, Watchpoint.Kind.WRITE));
        command("rwatch", "", "rwatch EXPR [LEN]", "Stop after an instruction reads the bytes at EXPR.", false,
                a -> addWatch(a, Watchpoint.Kind.READ));
        command("awatch", "", "awatch EXPR [LEN]", "Stop after an instruction reads or writes the bytes at EXPR.", false,
                a -> addWatch(a, Watchpoint.Kind.ACCESS));
        command("delete", "d", "delete [N...]", "Delete breakpoints, watchpoints, catchpoints (all without N).", false,
                this::delete);
        command("catch", "", "catch syscall [NAME|NUMBER...] | catch exec", "Stop at the entry and the return of syscalls "
                + "(all without names), or after each execve, before the new program's first instruction.", false,
                this::catchCommand);
        command("info", "i", "info WHAT", "registers [NAME...|general|float|sse|all], all-registers, breakpoints, signals, "
                + "threads, proc mappings, symbol ADDR", false, this::info);
        command("x", "", "x/FMT ADDRESS", "Examine memory: FMT is [count][format][size], format x d u o t c a s i, size b h w g.",
                true, this::examine);
        command("print", "p", "print[/x] EXPR", "Evaluate EXPR: numbers, $registers, symbols, *ADDR, + - * / ( ).", false,
                this::print);
        command("set", "", "set $REG = EXPR | set *ADDR = EXPR", "Change a register, or the 8 bytes at ADDR.", false,
                this::set);
        command("disassemble", "disas", "disassemble [ADDRESS]", "Disassemble the function around RIP (or ADDRESS).",
                false, this::disassemble);
        command("backtrace", "bt where", "backtrace", "The call stack, by the frame-pointer chain.", false,
                a -> backtrace());
        command("maps", "", "maps", "The regions of the address space: addresses, protection, offset, name.", false,
                a -> maps());
        command("thread", "", "thread [ID]", "Show or select the thread that commands act on.", false, this::thread);
        command("kill", "k", "kill", "Kill the program.", false, a -> {
            m.session().kill();
            stop = awaitEnd();
            announce(stop);
        });
        command("detach", "", "detach", "Let the program run on without the debugger.", false, a -> { });
        command("quit", "q", "quit", "Kill the program and leave.", false, a -> { });
        command("help", "h", "help [COMMAND]", "List the commands, or explain one.", false, this::help);
    }

    // ---------------------------------------------------------------- running

    private Task current() {
        if (selected != null && m.session().task(selected.tid) != null) return selected;
        return m.currentTask();
    }

    private CpuState regs() {
        return current().regs;
    }

    private AddressSpace mem() {
        return current().memory();
    }

    private void resumeCurrent(Action mine, Action others) {
        resume(Map.of(current().tid, mine), others);
    }

    private void resume(Map<Integer, Action> actions, Action otherwise) {
        if (stop.ended()) throw new IllegalStateException("The program is not being run.");
        stop = m.resume(actions, otherwise);
        selected = null;
        announce(stop);
    }

    private void nexti(String a) {
        long n = a.isEmpty() ? 1 : count(a);
        for (long i = 0; i < n && !stop.ended(); i++) {
            CpuState s = regs();
            Insn insn = decode(s.rip);
            if (insn != null && insn.form != null && insn.form.mnemonic.startsWith("call")) {
                stop = m.resume(Map.of(current().tid, Action.until(insn.next, s.r[Reg.RSP])), Action.CONTINUE);
            } else {
                stop = m.resume(Map.of(current().tid, Action.step(1)), Action.STAY);
            }
            if (stop.kind() != Stop.Kind.STEP) break;
        }
        announce(stop);
    }

    private Insn decode(long rip) {
        try {
            return current().vcpu.cpu().decodeAt(rip);
        } catch (RuntimeException e) {
            return null;
        }
    }

    private void finish() {
        CpuState s = regs();
        ElfSymbols.Symbol f = symbols().at(s.rip);
        long depth = f != null ? Frames.frameDepth(f.address(), s.rip, this::decode) : -1;
        long ret, spAfter;
        if (depth >= 0) {
            ret = load64(s.r[Reg.RSP] + depth);
            spAfter = s.r[Reg.RSP] + depth + 8;
        } else {
            ret = load64(s.r[Reg.RBP] + 8);
            spAfter = s.r[Reg.RBP] + 16;
        }
        say("Run till exit from " + where(s.rip));
        resumeCurrent(Action.until(ret, spAfter), Action.CONTINUE);
    }

    // ---------------------------------------------------------------- stops

    private void announce(Stop s) {
        switch (s.kind()) {
            case EXITED -> {
                say("[program exited with code " + s.exitStatus() + "]");
                return;
            }
            case KILLED -> {
                say("[program terminated with signal " + Signals.name(s.signo()) + "]");
                return;
            }
            case START -> say("Program stopped before its first instruction.");
            case BREAKPOINT -> {
                Point p = pointAt(s.task().regs.rip);
                if (p != null) {
                    p.hits++;
                    say((p.kind.equals("tbreakpoint") ? "Temporary breakpoint " : "Breakpoint ") + p.id + ", "
                            + where(p.address));
                    if (p.kind.equals("tbreakpoint")) deletePoint(p);
                } else {
                    say("Breakpoint at " + where(s.task().regs.rip));
                }
            }
            case WATCHPOINT -> watchHit(s.debug());
            case STEP -> { }
            case INTERRUPT -> say("Program stopped (interrupted).");
            case FAULT -> {
                say("Program received signal " + Signals.name(s.signo()) + ".");
                if (s.signal() != null && s.signal().report() != null) say(s.signal().report().text().replace("guest killed by", "fault:"));
            }
            case SIGNAL -> say("Program received signal " + Signals.name(s.signo()) + " (about to be delivered).");
            case SYSCALL_ENTRY, SYSCALL_RETURN -> syscallStop(s);
            case EXEC -> execStop(s);
        }
        if (s.kind() != Stop.Kind.STEP) say("  [VM exit: " + s.vmExit() + "]");
        if (s.task() != null) say("=> " + instructionLine(s.task().regs.rip));
    }

    private void watchHit(DebugStop d) {
        Point p = null;
        for (Point q : points) if (q.watch == d.watchpoint()) p = q;
        String kind = switch (d.watchpoint().kind) {
            case WRITE -> "Hardware watchpoint";
            case READ -> "Hardware read watchpoint";
            case ACCESS -> "Hardware access (read/write) watchpoint";
        };
        if (p != null) p.hits++;
        say(kind + " " + (p != null ? p.id + ": " + p.what : d.watchpoint().toString()));
        say("");
        if (d.oldValue() != null) say("Old value = " + value(d.oldValue()));
        say((d.oldValue() != null ? "New value = " : "Value = ") + value(d.newValue()));
        if (d.byKernel()) say("(written by the kernel during a syscall)");
        else if (d.insnAddress() >= 0) say("(by the instruction at " + where(d.insnAddress()) + ")");
    }

    private void syscallStop(Stop s) {
        SyscallTable table = SyscallTable.linux();
        var e = table.get(s.syscall());
        String name = e != null ? e.name() : Integer.toString(s.syscall());
        Point p = null;
        for (Point q : points) if (q.catchesSyscalls() && (q.syscall == s.syscall() || q.syscall < 0)) p = q;
        String id = p != null ? "Catchpoint " + p.id + " " : "";
        if (p != null && s.kind() == Stop.Kind.SYSCALL_ENTRY) p.hits++;
        if (s.kind() == Stop.Kind.SYSCALL_ENTRY) say(id + "(call to syscall " + name + ")");
        else say(id + "(returned from syscall " + name + ") = " + s.syscallResult());
    }

    /** gdb's words for an exec event, with the catchpoint that caught it. */
    private void execStop(Stop s) {
        say("process " + s.task().process.pid + " is executing new program: " + s.program());
        for (Point p : points) {
            if (p.exec) {
                p.hits++;
                say("Catchpoint " + p.id + " (exec'd " + s.program() + ")");
                return;
            }
        }
    }

    private static String value(byte[] b) {
        if (b == null) return "<unreadable>";
        if (b.length <= 8) {
            long v = 0;
            for (int i = b.length - 1; i >= 0; i--) v = (v << 8) | (b[i] & 0xFF);
            long signed = b.length == 8 ? v : (v << (64 - 8 * b.length)) >> (64 - 8 * b.length);
            return signed + " (0x" + Long.toHexString(v) + ")";
        }
        StringBuilder sb = new StringBuilder("{");
        for (int i = 0; i < b.length; i++) sb.append(i > 0 ? " " : "").append(String.format("0x%02x", b[i] & 0xFF));
        return sb.append('}').toString();
    }

    private Point pointAt(long address) {
        for (Point p : points) if (p.isBreakpoint() && p.address == address) return p;
        return null;
    }

    /** The symbols of the program the selected thread runs. */
    private ElfSymbols symbols() {
        return m.symbols(current());
    }

    /** {@code 0x401702 <store+18>}, named in the selected thread's program. */
    private String where(long address) {
        return where(current(), address);
    }

    /** The path of the program t's process runs. */
    private static String program(Task t) {
        return new String(t.process.exePath, java.nio.charset.StandardCharsets.UTF_8);
    }

    /** {@code 0x401702 <store+18>}, named in t's program. */
    private String where(Task t, long address) {
        String s = m.symbols(t).describe(address);
        return "0x" + Long.toHexString(address) + (s != null ? " <" + s + ">" : "");
    }

    private String instructionLine(long address) {
        byte[] code = new byte[16];
        int n = readSome(address, code);
        if (n == 0) return where(address) + ":\t(cannot read memory)";
        byte[] got = java.util.Arrays.copyOf(code, n);
        String text = Disassembler.get().disassembleOne(got, address);
        if (text == null) {
            Insn i = decode(address);
            text = i != null && i.form != null ? i.form.mnemonic : "(bad)";
        }
        return where(address) + ":\t" + text;
    }

    private int readSome(long address, byte[] into) {
        int n = 0;
        for (; n < into.length; n++) {
            try {
                mem().peekBytes(address + n, into, n, 1);
            } catch (PageFault | IllegalArgumentException e) {
                break;
            }
        }
        return n;
    }

    // ---------------------------------------------------------------- points

    private long location(String a) {
        if (a.isBlank()) throw new IllegalArgumentException("a location is needed: an address or a symbol");
        String t = a.strip();
        if (t.startsWith("*")) t = t.substring(1);
        return eval(t);
    }

    private void addBreak(String a, boolean temporary) {
        long addr = a.isBlank() ? regs().rip : location(a);
        m.probes().addBreakpoint(addr);
        Point p = new Point(nextPointId++, temporary ? "tbreakpoint" : "breakpoint", a.strip(), addr, null,
                Integer.MIN_VALUE);
        points.add(p);
        say((temporary ? "Temporary breakpoint " : "Breakpoint ") + p.id + " at " + where(addr));
    }

    private void addWatch(String a, Watchpoint.Kind kind) {
        if (a.isBlank()) throw new IllegalArgumentException("Argument required (expression to compute).");
        String[] parts = a.strip().split("\\s+");
        String expr = parts[0];
        int len = 8;
        long addr;
        if (expr.startsWith("*")) {
            addr = eval(expr.substring(1));
        } else {
            ElfSymbols.Symbol s = symbols().find(expr);
            if (s != null) {
                addr = s.address();
                if (s.size() > 0 && s.size() <= 4096) len = (int) s.size();
            } else {
                addr = eval(expr);
            }
        }
        if (parts.length > 1) len = (int) count(parts[1]);
        Watchpoint w = m.probes().addWatchpoint(addr, len, kind);
        String label = switch (kind) {
            case WRITE -> "Hardware watchpoint";
            case READ -> "Hardware read watchpoint";
            case ACCESS -> "Hardware access (read/write) watchpoint";
        };
        Point p = new Point(nextPointId++, kind.name().toLowerCase(Locale.ROOT) + " watchpoint", expr, addr, w,
                Integer.MIN_VALUE);
        points.add(p);
        say(label + " " + p.id + ": " + expr + " (" + len + " bytes at 0x" + Long.toHexString(addr) + ")");
    }

    private void catchCommand(String a) {
        String[] w = a.strip().split("\\s+");
        if (w[0].equals("exec") && w.length == 1) {
            m.session().setStopOnExec(true);
            Point p = new Point(nextPointId++, "catchpoint", "exec", 0, null, Integer.MIN_VALUE, true);
            points.add(p);
            say("Catchpoint " + p.id + " (exec)");
            return;
        }
        if (!w[0].equals("syscall")) {
            throw new IllegalArgumentException("Only 'catch syscall [NAME|NUMBER...]' and 'catch exec' are known.");
        }
        SyscallTable table = SyscallTable.linux();
        if (w.length == 1) {
            m.session().catchSyscall(-1, true, true);
            Point p = new Point(nextPointId++, "catchpoint", "syscall (any)", 0, null, -1);
            points.add(p);
            say("Catchpoint " + p.id + " (any syscall)");
            return;
        }
        for (int i = 1; i < w.length; i++) {
            int nr;
            try {
                nr = Character.isDigit(w[i].charAt(0)) ? Integer.parseInt(w[i]) : table.number(w[i]);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("Unknown syscall name '" + w[i] + "'.");
            }
            m.session().catchSyscall(nr, true, true);
            var e = table.get(nr);
            Point p = new Point(nextPointId++, "catchpoint", "syscall " + (e != null ? e.name() : nr), 0, null, nr);
            points.add(p);
            say("Catchpoint " + p.id + " (syscall '" + (e != null ? e.name() : nr) + "' [" + nr + "])");
        }
    }

    private void delete(String a) {
        if (a.isBlank()) {
            for (Point p : new ArrayList<>(points)) deletePoint(p);
            return;
        }
        for (String n : a.strip().split("\\s+")) {
            int id;
            try {
                id = Integer.parseInt(n);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("Convenience variable must have integer value: '" + n + "'.");
            }
            Point p = points.stream().filter(q -> q.id == id).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("No breakpoint number " + id + "."));
            deletePoint(p);
        }
    }

    private void deletePoint(Point p) {
        points.remove(p);
        if (p.watch != null) {
            m.probes().removeWatchpoint(p.watch);
        } else if (p.exec) {
            m.session().setStopOnExec(stopsOnExecWithoutCatchpoint || points.stream().anyMatch(q -> q.exec));
        } else if (p.catchesSyscalls()) {
            m.session().clearSyscallCatches();
            for (Point q : points) {
                if (q.catchesSyscalls()) m.session().catchSyscall(q.syscall, true, true);
            }
        } else {
            m.probes().removeBreakpoint(p.address);
        }
    }

    // ---------------------------------------------------------------- info

    private void info(String a) {
        String[] w = a.strip().split("\\s+", 2);
        String what = w[0];
        String rest = w.length > 1 ? w[1] : "";
        switch (what) {
            case "registers", "reg", "r" -> registers(rest.isEmpty() ? "general" : rest);
            case "all-registers" -> registers("all");
            case "breakpoints", "break", "b", "watchpoints" -> breakpoints();
            case "signals", "signal" -> signals();
            case "threads" -> threads();
            case "proc" -> maps();
            case "symbol" -> {
                long addr = eval(rest);
                String s = symbols().describe(addr);
                say(s != null ? s.replace("+", " + ") + " in " + program(current()) : "No symbol matches " + rest + ".");
            }
            case "" -> throw new IllegalArgumentException("\"info\" needs a subcommand: registers, all-registers, "
                    + "breakpoints, signals, threads, proc mappings, symbol.");
            default -> throw new IllegalArgumentException("Undefined info command: \"" + what + "\".  Try \"help info\".");
        }
    }

    private void registers(String which) {
        CpuState s = regs();
        boolean general = false, flt = false, sse = false;
        List<String> named = new ArrayList<>();
        for (String n : which.split("\\s+")) {
            switch (n) {
                case "general" -> general = true;
                case "float", "x87" -> flt = true;
                case "sse", "vector", "xmm" -> sse = true;
                case "all" -> general = flt = sse = true;
                default -> named.add(n.startsWith("$") ? n.substring(1) : n);
            }
        }
        if (general) {
            for (String r : Registers.GDB_GPRS) reg(r, Registers.get(s, r));
            say(String.format("%-15s0x%-18x%s", "rip", s.rip, where(s.rip)));
            say(String.format("%-15s0x%-18x%s", "eflags", s.rflags(), Registers.flagNames(s.rflags())));
            for (String seg : List.of("cs", "ss", "ds", "es", "fs", "gs")) reg(seg, Registers.get(s, seg));
            reg("fs_base", s.fsBase);
            reg("gs_base", s.gsBase);
        }
        if (flt) {
            for (int i = 0; i < 8; i++) {
                byte[] raw = Registers.st(s, i);
                StringBuilder hex = new StringBuilder("0x");
                for (int k = raw.length - 1; k >= 0; k--) hex.append(String.format("%02x", raw[k] & 0xFF));
                say(String.format("%-15s%-28s(raw %s)", "st" + i, Registers.stAsDouble(s, i), hex));
            }
            for (String f : List.of("fctrl", "fstat", "ftag", "fiseg", "fioff", "foseg", "fooff", "fop")) {
                reg(f, Registers.get(s, f));
            }
        }
        if (sse) {
            for (int x = 0; x < 16; x++) {
                long[] v = Registers.xmm(s, x);
                say(String.format("%-15s{v2_int64 = {0x%x, 0x%x}, v2_double = {%s, %s}}", "xmm" + x, v[0], v[1],
                        Double.longBitsToDouble(v[0]), Double.longBitsToDouble(v[1])));
            }
            say(String.format("%-15s0x%-18x%s", "mxcsr", s.mxcsr, mxcsrNames(s.mxcsr)));
        }
        for (String n : named) {
            if (n.startsWith("xmm") && Registers.exists(n)) {
                int x = Integer.parseInt(n.substring(3));
                long[] v = Registers.xmm(s, x);
                say(String.format("%-15s{v2_int64 = {0x%x, 0x%x}}", n, v[0], v[1]));
            } else if (n.matches("st[0-7]")) {
                say(String.format("%-15s%s", n, Registers.stAsDouble(s, n.charAt(2) - '0')));
            } else if (Registers.exists(n)) {
                long v = Registers.get(s, n);
                if (n.equals("eflags") || n.equals("rflags")) say(String.format("%-15s0x%-18x%s", n, v, Registers.flagNames(v)));
                else if (n.equals("rip")) say(String.format("%-15s0x%-18x%s", n, v, where(v)));
                else reg(n, v);
            } else {
                throw new IllegalArgumentException("Invalid register `" + n + "'");
            }
        }
    }

    private void reg(String name, long v) {
        say(String.format("%-15s0x%-18x%d", name, v, v));
    }

    private static String mxcsrNames(int mxcsr) {
        String[] names = {"IE", "DE", "ZE", "OE", "UE", "PE", "DAZ", "IM", "DM", "ZM", "OM", "UM", "PM"};
        StringBuilder b = new StringBuilder("[ ");
        for (int i = 0; i < names.length; i++) if ((mxcsr >>> i & 1) != 0) b.append(names[i]).append(' ');
        if ((mxcsr & 0x8000) != 0) b.append("FZ ");
        b.append("RC=").append(List.of("nearest", "down", "up", "zero").get(mxcsr >>> 13 & 3)).append(' ');
        return b.append(']').toString();
    }

    private void breakpoints() {
        if (points.isEmpty()) {
            say("No breakpoints, watchpoints or catchpoints.");
            return;
        }
        say("Num     Type                 Address            What");
        for (Point p : points) {
            String addr = p.kind.equals("catchpoint") ? "" : String.format("0x%016x", p.address);
            say(String.format("%-7d %-20s %-18s %s%s", p.id, p.kind, addr, p.what,
                    p.hits > 0 ? "  (hit " + p.hits + " time" + (p.hits == 1 ? ")" : "s)") : ""));
        }
    }

    private void signals() {
        Task t = current();
        long stops = m.session().signalStops();
        long pending = t.process.signals.pending(t);
        say("Signal        Stop\tGuest action                 Blocked\tPending");
        for (int sig = 1; sig <= 31; sig++) {
            SigAction a = t.process.sigactions.get(sig);
            String action = a.handler() == Signals.SIG_DFL ? "default (" + Signals.defaultAction(sig).name().toLowerCase(Locale.ROOT) + ")"
                    : a.handler() == Signals.SIG_IGN ? "ignored" : "handler " + where(a.handler());
            boolean stopsHere = (stops & Signals.bit(sig)) != 0
                    || (m.session().stopsOnFault() && isFaultSignal(sig));
            say(String.format("%-14s%s\t%-28s %s\t%s", Signals.name(sig), stopsHere ? "Yes" : "No", action,
                    (t.sigmask & Signals.bit(sig)) != 0 ? "Yes" : "No", (pending & Signals.bit(sig)) != 0 ? "Yes" : "No"));
        }
    }

    private static boolean isFaultSignal(int sig) {
        return sig == Signals.SIGSEGV || sig == Signals.SIGBUS || sig == Signals.SIGILL || sig == Signals.SIGFPE
                || sig == Signals.SIGTRAP;
    }

    private void threads() {
        Task cur = current();
        say("  Id   Target Id         Frame");
        for (Task t : m.session().tasks()) {
            Stop s = m.session().stopOf(t);
            say(String.format("%s %-4d Thread %-10d %s", t == cur ? "*" : " ", t.tid, t.tid,
                    s != null ? where(t, t.regs.rip) : "(running in the kernel)"));
        }
    }

    private void thread(String a) {
        if (a.isBlank()) {
            say("[Current thread is " + current().tid + "]");
            return;
        }
        Task t = m.session().task((int) count(a));
        if (t == null) throw new IllegalArgumentException("Invalid thread ID: " + a.strip());
        selected = t;
        say("[Switching to thread " + t.tid + "]");
        say("=> " + instructionLine(t.regs.rip));
    }

    private void maps() {
        say(String.format("%-18s %-18s %-5s %-10s %s", "Start Addr", "End Addr", "Perms", "Offset", "Name"));
        for (Region r : mem().regions()) {
            say(String.format("0x%-16x 0x%-16x %s%s%s  0x%-8x %s", r.start(), r.end(),
                    (r.prot() & Prot.READ) != 0 ? "r" : "-", (r.prot() & Prot.WRITE) != 0 ? "w" : "-",
                    (r.prot() & Prot.EXEC) != 0 ? "x" : "-", r.fileOffset(), r.name()));
        }
    }

    // ---------------------------------------------------------------- data

    private long eval(String expr) {
        return Expr.eval(expr, regs(), symbols(), this::load64);
    }

    private long load64(long address) {
        byte[] b = new byte[8];
        try {
            mem().peekBytes(address, b, 0, 8);
        } catch (PageFault | IllegalArgumentException e) {
            throw new IllegalArgumentException("Cannot access memory at address 0x" + Long.toHexString(address));
        }
        long v = 0;
        for (int i = 7; i >= 0; i--) v = (v << 8) | (b[i] & 0xFF);
        return v;
    }

    private void print(String a) {
        String fmt = "d";
        String expr = a.strip();
        if (expr.startsWith("/")) {
            int sp = expr.indexOf(' ');
            fmt = sp < 0 ? expr.substring(1) : expr.substring(1, sp);
            expr = sp < 0 ? "" : expr.substring(sp + 1);
        }
        if (expr.isBlank()) throw new IllegalArgumentException("an expression is needed");
        long v = eval(expr);
        String text = switch (fmt) {
            case "x" -> "0x" + Long.toHexString(v);
            case "o" -> "0" + Long.toOctalString(v);
            case "t" -> Long.toBinaryString(v);
            case "u" -> Long.toUnsignedString(v);
            case "c" -> v + " '" + (char) (v & 0xFF) + "'";
            case "a" -> where(v);
            default -> Long.toString(v);
        };
        ElfSymbols.Symbol s = symbols().find(expr.strip().replaceFirst("^&", ""));
        if (s != null && fmt.equals("d")) text = where(v);
        say("$ = " + text);
    }

    private void set(String a) {
        String t = a.strip();
        if (t.startsWith("var ")) t = t.substring(4).strip();
        int eq = t.indexOf('=');
        if (eq < 0) throw new IllegalArgumentException("usage: set $REG = EXPR, or set *ADDR = EXPR");
        String lhs = t.substring(0, eq).strip();
        long v = eval(t.substring(eq + 1));
        if (lhs.startsWith("$")) {
            String name = switch (lhs.substring(1)) {
                case "pc" -> "rip";
                case "sp" -> "rsp";
                case "fp" -> "rbp";
                default -> lhs.substring(1);
            };
            if (!Registers.exists(name)) throw new IllegalArgumentException("no register named '" + lhs + "'");
            Registers.set(regs(), name, v);
        } else if (lhs.startsWith("*")) {
            long addr = eval(lhs.substring(1));
            byte[] b = new byte[8];
            for (int i = 0; i < 8; i++) b[i] = (byte) (v >>> (8 * i));
            try {
                mem().pokeBytes(addr, b, 0, 8);
            } catch (PageFault | IllegalArgumentException e) {
                throw new IllegalArgumentException("Cannot access memory at address 0x" + Long.toHexString(addr));
            }
        } else {
            throw new IllegalArgumentException("usage: set $REG = EXPR, or set *ADDR = EXPR");
        }
    }

    private void examine(String a) {
        String t = a.strip();
        String fmt = lastExamineFormat;
        int count = 1;
        if (t.startsWith("/")) {
            int sp = t.indexOf(' ');
            String f = sp < 0 ? t.substring(1) : t.substring(1, sp);
            t = sp < 0 ? "" : t.substring(sp + 1).strip();
            int i = 0;
            while (i < f.length() && Character.isDigit(f.charAt(i))) i++;
            if (i > 0) count = Integer.parseInt(f.substring(0, i));
            String letters = f.substring(i);
            char format = fmt.charAt(0), size = fmt.charAt(1);
            for (char c : letters.toCharArray()) {
                if ("xduotcasi".indexOf(c) >= 0) format = c;
                else if ("bhwg".indexOf(c) >= 0) size = c;
                else throw new IllegalArgumentException("Invalid format letter '" + c + "' (formats x d u o t c a s i, sizes b h w g)");
            }
            fmt = "" + format + size;
        }
        long addr;
        if (t.isEmpty()) {
            if (nextExamine < 0) throw new IllegalArgumentException("Argument required (starting display address).");
            addr = nextExamine;
        } else {
            addr = eval(t);
        }
        lastExamineFormat = fmt;
        char format = fmt.charAt(0);
        if (format == 'i') {
            nextExamine = examineInstructions(addr, count);
        } else if (format == 's') {
            nextExamine = examineStrings(addr, count);
        } else {
            int size = format == 'a' ? 8 : format == 'c' ? 1 : switch (fmt.charAt(1)) {
                case 'b' -> 1;
                case 'h' -> 2;
                case 'g' -> 8;
                default -> 4;
            };
            nextExamine = examineUnits(addr, count, size, format);
        }
    }

    private long examineUnits(long addr, int count, int size, char format) {
        int perLine = format == 'a' ? 2 : switch (size) {
            case 1 -> 8;
            case 2 -> 8;
            case 8 -> 2;
            default -> 4;
        };
        StringBuilder line = null;
        for (int i = 0; i < count; i++) {
            long at = addr + (long) i * size;
            if (i % perLine == 0) {
                if (line != null) say(line.toString());
                line = new StringBuilder(where(at)).append(':');
            }
            byte[] b = new byte[size];
            try {
                mem().peekBytes(at, b, 0, size);
            } catch (PageFault | IllegalArgumentException e) {
                if (line.length() > 0) say(line.toString());
                throw new IllegalArgumentException("Cannot access memory at address 0x" + Long.toHexString(at));
            }
            long v = 0;
            for (int k = size - 1; k >= 0; k--) v = (v << 8) | (b[k] & 0xFF);
            long signed = size == 8 ? v : (v << (64 - 8 * size)) >> (64 - 8 * size);
            String s = switch (format) {
                case 'd' -> Long.toString(signed);
                case 'u' -> Long.toUnsignedString(v);
                case 'o' -> "0" + Long.toOctalString(v);
                case 't' -> String.format("%" + (8 * size) + "s", Long.toBinaryString(v)).replace(' ', '0');
                case 'c' -> signed + " '" + printable((int) v) + "'";
                case 'a' -> where(v);
                default -> String.format("0x%0" + (2 * size) + "x", v);
            };
            line.append('\t').append(s);
        }
        if (line != null) say(line.toString());
        return addr + (long) count * size;
    }

    private static String printable(int c) {
        if (c >= 32 && c < 127) return Character.toString(c);
        return switch (c) {
            case 0 -> "\\0";
            case '\n' -> "\\n";
            case '\t' -> "\\t";
            default -> String.format("\\%03o", c);
        };
    }

    private long examineStrings(long addr, int count) {
        long at = addr;
        for (int i = 0; i < count; i++) {
            StringBuilder s = new StringBuilder();
            int n = 0;
            while (n < 4096) {
                byte[] b = new byte[1];
                try {
                    mem().peekBytes(at + n, b, 0, 1);
                } catch (PageFault | IllegalArgumentException e) {
                    if (n == 0) throw new IllegalArgumentException("Cannot access memory at address 0x" + Long.toHexString(at));
                    break;
                }
                if (b[0] == 0) break;
                s.append(printable(b[0] & 0xFF).equals("\\n") ? "\\n" : printable(b[0] & 0xFF));
                n++;
            }
            say(where(at) + ":\t\"" + s + "\"");
            at += n + 1;
        }
        return at;
    }

    private long examineInstructions(long addr, int count) {
        long at = addr;
        long rip = regs().rip;
        for (int i = 0; i < count; i++) {
            byte[] code = new byte[16];
            int n = readSome(at, code);
            if (n == 0) throw new IllegalArgumentException("Cannot access memory at address 0x" + Long.toHexString(at));
            byte[] got = java.util.Arrays.copyOf(code, n);
            Disassembler d = Disassembler.get();
            String text = d.disassembleOne(got, at);
            int len = text != null ? d.lengthOfOne(got, at) : 0;
            if (len <= 0) {
                Insn insn = decode(at);
                len = insn != null ? insn.len : 1;
                if (text == null) text = insn != null && insn.form != null ? insn.form.mnemonic : "(bad)";
            }
            say((at == rip ? "=> " : "   ") + where(at) + ":\t" + text);
            at += len;
        }
        return at;
    }

    private void disassemble(String a) {
        long pc = a.isBlank() ? regs().rip : eval(a);
        ElfSymbols.Symbol f = symbols().at(pc);
        long from, to;
        if (f != null && f.size() > 0 && f.size() < 0x10000) {
            from = f.address();
            to = f.address() + f.size();
            say("Dump of assembler code for function " + f.name() + ":");
        } else {
            from = pc;
            to = pc + 64;
            say("Dump of assembler code from " + where(pc) + ":");
        }
        long at = from;
        while (Long.compareUnsigned(at, to) < 0) at = examineInstructions(at, 1);
        say("End of assembler dump.");
        if (!a.isBlank()) nextExamine = at;
    }

    private void backtrace() {
        ElfSymbols symbols = symbols();
        for (Frames.Frame f : Frames.walk(regs(), mem(), symbols, this::decode)) {
            ElfSymbols.Symbol s = symbols.at(f.pc());
            say(String.format("#%-2d 0x%016x in %s", f.level(), f.pc(), s != null ? s.name() + " ()" : "?? ()"));
        }
    }

    private void help(String a) {
        if (!a.isBlank()) {
            String n = aliases.getOrDefault(a.strip(), a.strip());
            Command c = commands.get(n);
            if (c == null) throw new IllegalArgumentException("Undefined command: \"" + a.strip() + "\".  Try \"help\".");
            say(c.usage + "\n  " + c.help);
            return;
        }
        say("Commands (short forms in parentheses); an empty line repeats stepi, nexti and x:");
        for (Command c : commands.values()) {
            StringBuilder al = new StringBuilder();
            aliases.forEach((k, v) -> {
                if (v.equals(c.name)) al.append(al.length() == 0 ? "" : ", ").append(k);
            });
            say(String.format("  %-34s %s", c.usage + (al.length() > 0 ? " (" + al + ")" : ""), c.help));
        }
    }

    private static long count(String a) {
        try {
            long n = Long.parseLong(a.strip());
            if (n <= 0) throw new NumberFormatException();
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("a positive number is needed, not '" + a.strip() + "'");
        }
    }
}
