package jvisor.kernel.check;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The native side of a check: the program runs on the host kernel under
 * {@code strace -f -q -X raw -xx -v -s N -o LOG}, which records every syscall of every task with
 * raw numbers, every string and buffer in full as hex escapes, every structure in full, every
 * signal and the exit. It gets exactly the environment (in order, through {@code env -i}), the
 * arguments, the working directory and the stdin file that the jvisor run gets.
 */
final class NativeRun {
    private NativeRun() {}

    /** Debian's strace; STRACE in the environment may name another. */
    static Path strace() {
        String s = System.getenv("JVISOR_STRACE");
        return Path.of(s != null && !s.isEmpty() ? s : "/usr/bin/strace");
    }

    /** Why a run could not be made (strace missing, ptrace refused): the check cannot say anything. */
    static final class Unavailable extends Exception {
        Unavailable(String message) {
            super(message, null, false, false);
        }
    }

    record Result(Trace trace, List<String> problems) {
    }

    /**
     * Runs the program in workDir (null: this process's working directory). stdout and stderr go
     * to the given files (created or truncated).
     *
     * @param binary the path as given (argv[0] is argv's first element)
     */
    static Result run(String binary, List<byte[]> argv, List<byte[]> envp, Path stdin, Path stdout, Path stderr,
            Path log, long timeoutSeconds, Path workDir) throws Unavailable, IOException, InterruptedException {
        Path strace = strace();
        if (!Files.isExecutable(strace)) {
            throw new Unavailable(strace + " not found: install strace (scripts/install-deps does)");
        }
        List<String> cmd = new ArrayList<>();
        cmd.add("/usr/bin/env");
        cmd.add("-i");
        for (byte[] e : envp) {
            String s = new String(e, StandardCharsets.UTF_8);
            if (s.indexOf('=') > 0) cmd.add(s);
        }
        cmd.addAll(List.of(strace.toString(), "-f", "-q", "-X", "raw", "-xx", "-v", "-s",
                Integer.toString(GuestValues.MAX_BYTES), "-o", log.toString(), "--"));
        cmd.add(binary);
        for (int i = 1; i < argv.size(); i++) cmd.add(new String(argv.get(i), StandardCharsets.UTF_8));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        if (workDir != null) pb.directory(workDir.toFile());
        pb.redirectInput(stdin.toFile());
        pb.redirectOutput(stdout.toFile());
        pb.redirectError(stderr.toFile());
        Process p = pb.start();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.waitFor();
            throw new Unavailable("the native run did not end within " + timeoutSeconds + " s");
        }
        List<String> lines = Files.exists(log) ? Files.readAllLines(log, StandardCharsets.ISO_8859_1) : List.of();
        if (lines.isEmpty()) {
            String err = Files.readString(stderr, StandardCharsets.ISO_8859_1).strip();
            throw new Unavailable("strace recorded nothing (is ptrace allowed here?)" + (err.isEmpty() ? "" : ": " + err));
        }
        StraceOutput out = StraceOutput.parse(lines);
        return new Result(out.trace(), out.problems());
    }
}
