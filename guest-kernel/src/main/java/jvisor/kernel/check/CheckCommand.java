package jvisor.kernel.check;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.IntFunction;

import jvisor.kernel.abi.Ioctls;
import jvisor.kernel.host.HostConsole;
import jvisor.kernel.host.Libc;

/**
 * The command line of `jvisor check`:
 *
 * <pre>
 *   jvisor check [--strict] [--report FILE] [--stdin FILE] [--timeout SECONDS] [--clean] BINARY [ARGS...]
 * </pre>
 *
 * Exit status 0 when the runs agree, 1 when they diverge, 2 on a usage error or when the program
 * cannot be checked (jvisor cannot load it, strace cannot trace it).
 */
public final class CheckCommand {
    private CheckCommand() {}

    public static final int AGREE = 0, DIVERGE = 1, USAGE = 2;

    public static final String USAGE_TEXT = """
            usage: jvisor check [--strict] [--report FILE] [--stdin FILE] [--timeout SECONDS] [--clean]
                                BINARY [ARGS...]

            Runs BINARY natively under strace and under jvisor, with the same arguments, environment,
            working directory and stdin, and compares their syscalls task by task: the first divergence
            and every later one go to stderr. Exit status 0 when the runs agree, 1 when they diverge,
            2 on usage errors or when the program cannot be checked.

              --strict          compare everything: apply no rule (addresses, pids, times, ...)
              --report FILE     write the full report as JSON lines to FILE
              --stdin FILE      both runs read FILE as stdin (default: this command's stdin, read to its
                                end first, or an empty file when it is a terminal)
              --timeout SECONDS the longest the native run may take (default 600)
              --clean           jvisor runs first, then the host: remove what the jvisor run created in the
                                working directory before the native run (files it changed stay changed)
            """;

    /**
     * Runs the command.
     *
     * @param args the whole command line, args[0] being "check"
     * @param argvFrom the raw bytes of args[from..] (the guest's argv)
     * @param envp the environment's raw bytes, in order
     */
    public static int run(String[] args, IntFunction<List<byte[]>> argvFrom, List<byte[]> envp) throws InterruptedException {
        boolean strict = false, clean = false;
        Path report = null, stdin = null;
        long timeout = 600;
        int i = 1;
        for (; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--")) {
                i++;
                break;
            }
            if (!a.startsWith("-") || a.equals("-")) break;
            try {
                switch (a) {
                    case "--strict" -> strict = true;
                    case "--clean" -> clean = true;
                    case "--report" -> report = Path.of(value(args, ++i, a));
                    case "--stdin" -> stdin = Path.of(value(args, ++i, a));
                    case "--timeout" -> timeout = Long.parseLong(value(args, ++i, a));
                    case "-h", "--help" -> {
                        HostConsole.outText(USAGE_TEXT);
                        return AGREE;
                    }
                    default -> {
                        return usage("unknown option '" + a + "'");
                    }
                }
            } catch (IllegalArgumentException e) {
                return usage(e.getMessage());
            }
        }
        if (i >= args.length) return usage("missing BINARY");
        if (stdin != null && !Files.isReadable(stdin)) return usage(stdin + ": cannot read the stdin file");
        String binary = args[i];
        // Natively a name without a slash would be looked up in PATH; both runs take it from here.
        if (!binary.contains("/")) binary = "./" + binary;
        List<byte[]> argv = new java.util.ArrayList<>(argvFrom.apply(i));
        argv.set(0, binary.getBytes(StandardCharsets.UTF_8));

        Path stdinCopy = null;
        try {
            if (stdin == null && !isTerminal(0)) {
                stdinCopy = Files.createTempFile("jvisor-check-stdin-", "");
                Files.write(stdinCopy, System.in.readAllBytes());
                stdin = stdinCopy;
            }
            Runnable betweenRuns = clean ? Check.newEntriesRemover(Path.of("").toAbsolutePath()) : null;
            Check.Outcome o = Check.run(new Check.Request(binary, argv, envp, stdin, strict, null, timeout, betweenRuns, null));
            if (report != null) Files.write(report, Check.jsonLines(o), StandardCharsets.UTF_8);
            HostConsole.write(2, Check.summary(o));
            return o.agree() ? AGREE : DIVERGE;
        } catch (Check.Failure e) {
            HostConsole.errLine("jvisor check: " + e.getMessage());
            return USAGE;
        } catch (IOException | java.io.UncheckedIOException e) {
            HostConsole.errLine("jvisor check: " + e.getMessage());
            return USAGE;
        } finally {
            if (stdinCopy != null) stdinCopy.toFile().delete();
        }
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) throw new IllegalArgumentException("option '" + option + "' needs a value");
        return args[i];
    }

    private static int usage(String message) {
        HostConsole.errLine("jvisor check: " + message);
        HostConsole.write(2, USAGE_TEXT);
        return USAGE;
    }

    private static boolean isTerminal(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            return Libc.ioctl(fd, Ioctls.TCGETS, arena.allocate(64)) >= 0;
        }
    }
}
