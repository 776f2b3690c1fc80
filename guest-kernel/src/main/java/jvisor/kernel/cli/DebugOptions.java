package jvisor.kernel.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The debugging options of the command line, as given (symbols and syscall names are resolved
 * once the program is loaded, see {@link DebugLauncher}).
 *
 * @param debugger {@code jvisor debug}: the command-line debugger, stopped at the first instruction
 * @param trace whether {@code --trace} was given
 * @param traceFile where the trace goes (null: stderr)
 * @param traceRange {@code --trace-range=A-B} as given, or null
 * @param traceSymbol {@code --trace-symbol=NAME}, or null
 * @param traceAfter {@code --trace-after=N}
 * @param traceCount {@code --trace-count=N} (0: no limit)
 * @param stopOn the {@code --stop-on} conditions, one per element
 * @param gdbPort {@code --gdb PORT} (0: any free port), or -1
 */
record DebugOptions(boolean debugger, boolean trace, String traceFile, String traceRange, String traceSymbol,
        long traceAfter, long traceCount, List<StopOn> stopOn, int gdbPort) {

    static final DebugOptions NONE = new DebugOptions(false, false, null, null, null, 0, 0, List.of(), -1);

    /** One --stop-on condition: kind and its argument (null when none was given). */
    record StopOn(Kind kind, String arg) {
        enum Kind {
            SYSCALL, SIGNAL, FAULT, EXEC, ADDR, SYMBOL
        }

        @Override
        public String toString() {
            return kind.name().toLowerCase(Locale.ROOT) + (arg != null ? "=" + arg : "");
        }
    }

    /** Whether the program must run under the debug session (anything but a plain run). */
    boolean any() {
        return debugger || trace || !stopOn.isEmpty() || gdbPort >= 0;
    }

    /** Builds the options while Main walks the command line. */
    static final class Builder {
        boolean debugger, trace;
        String traceFile, traceRange, traceSymbol;
        long traceAfter, traceCount;
        final List<StopOn> stopOn = new ArrayList<>();
        int gdbPort = -1;

        /**
         * Consumes option a (and its separate argument at args[i+1] for --gdb); returns the index of
         * the last argument used, or -1 if a is not a debugging option.
         */
        int accept(String[] args, int i) throws Main.UsageException {
            String a = args[i];
            if (a.equals("--trace")) {
                trace = true;
                return i;
            }
            if (a.startsWith("--trace=")) {
                trace = true;
                traceFile = value(a, "--trace=");
                return i;
            }
            if (a.startsWith("--trace-range=")) {
                traceRange = value(a, "--trace-range=");
                return i;
            }
            if (a.startsWith("--trace-symbol=")) {
                traceSymbol = value(a, "--trace-symbol=");
                return i;
            }
            if (a.startsWith("--trace-after=")) {
                traceAfter = count(a, "--trace-after=");
                return i;
            }
            if (a.startsWith("--trace-count=")) {
                traceCount = count(a, "--trace-count=");
                return i;
            }
            if (a.startsWith("--stop-on=")) {
                for (String one : value(a, "--stop-on=").split(",")) stopOn.add(stopOn(one));
                return i;
            }
            if (a.equals("--gdb")) {
                if (i + 1 >= args.length) throw new Main.UsageException("option '--gdb' needs a port");
                gdbPort = port(args[i + 1]);
                return i + 1;
            }
            if (a.startsWith("--gdb=")) {
                gdbPort = port(value(a, "--gdb="));
                return i;
            }
            return -1;
        }

        DebugOptions build() throws Main.UsageException {
            if ((traceRange != null || traceSymbol != null || traceAfter > 0 || traceCount > 0) && !trace) {
                trace = true; // a trace filter implies the trace
            }
            if (traceRange != null && traceSymbol != null) {
                throw new Main.UsageException("--trace-range and --trace-symbol cannot be used together");
            }
            if (debugger && gdbPort >= 0) {
                throw new Main.UsageException("'jvisor debug' and --gdb cannot be used together: choose one debugger");
            }
            return new DebugOptions(debugger, trace, traceFile, traceRange, traceSymbol, traceAfter, traceCount,
                    List.copyOf(stopOn), gdbPort);
        }

        private static String value(String a, String prefix) throws Main.UsageException {
            String v = a.substring(prefix.length());
            if (v.isEmpty()) throw new Main.UsageException("option '" + prefix + "' needs a value");
            return v;
        }

        private static long count(String a, String prefix) throws Main.UsageException {
            String v = value(a, prefix);
            try {
                long n = Long.parseLong(v);
                if (n < 0) throw new NumberFormatException();
                return n;
            } catch (NumberFormatException e) {
                throw new Main.UsageException("option '" + prefix.substring(0, prefix.length() - 1)
                        + "' needs a non-negative number, not '" + v + "'");
            }
        }

        private static int port(String v) throws Main.UsageException {
            try {
                int p = Integer.parseInt(v.startsWith(":") ? v.substring(1) : v);
                if (p < 0 || p > 65535) throw new NumberFormatException();
                return p;
            } catch (NumberFormatException e) {
                throw new Main.UsageException("option '--gdb' needs a port number (0-65535), not '" + v + "'");
            }
        }

        static StopOn stopOn(String spec) throws Main.UsageException {
            int eq = spec.indexOf('=');
            String kind = (eq < 0 ? spec : spec.substring(0, eq)).trim().toLowerCase(Locale.ROOT);
            String arg = eq < 0 ? null : spec.substring(eq + 1).trim();
            if (arg != null && arg.isEmpty()) arg = null;
            StopOn.Kind k = switch (kind) {
                case "syscall" -> StopOn.Kind.SYSCALL;
                case "signal" -> StopOn.Kind.SIGNAL;
                case "fault" -> StopOn.Kind.FAULT;
                case "exec" -> StopOn.Kind.EXEC;
                case "addr", "address" -> StopOn.Kind.ADDR;
                case "symbol" -> StopOn.Kind.SYMBOL;
                default -> throw new Main.UsageException("--stop-on: unknown condition '" + kind
                        + "' (syscall[=NAME], signal[=SIG], fault, exec, addr=0xADDR, symbol=NAME)");
            };
            if ((k == StopOn.Kind.ADDR || k == StopOn.Kind.SYMBOL) && arg == null) {
                throw new Main.UsageException("--stop-on=" + kind + " needs a value, e.g. --stop-on="
                        + (k == StopOn.Kind.ADDR ? "addr=0x401000" : "symbol=main"));
            }
            if ((k == StopOn.Kind.FAULT || k == StopOn.Kind.EXEC) && arg != null) {
                throw new Main.UsageException("--stop-on=" + kind + " takes no value");
            }
            if (k == StopOn.Kind.ADDR) {
                try {
                    Numbers.parseAddress(arg);
                } catch (NumberFormatException e) {
                    throw new Main.UsageException("--stop-on=addr: not an address: '" + arg + "'");
                }
            }
            return new StopOn(k, arg);
        }
    }
}
