/*
 * GuestRunner - runs a test binary natively and under jvisor, each as a
 * subprocess, feeding stdin and capturing stdout, stderr and the exit code.
 *
 * jvisor runs in a fresh JVM (the same java executable and class path as the
 * test JVM) as `jvisor.kernel.cli.Main run [--quiet] BINARY ARGS...`, so these
 * tests depend on nothing but the JDK and JUnit at compile time.
 *
 * Exit codes compare directly: Java reports a process killed by signal N as
 * 128+N, and jvisor mirrors a guest killed by signal N by killing itself with
 * the same signal.
 */
package jvisor.testbins;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

public final class GuestRunner {

    /** The jvisor entry point; fixed by the project. */
    public static final String MAIN_CLASS = "jvisor.kernel.cli.Main";

    /** Per-process time limit, overridable with -Djvisor.test.timeout.seconds=N. */
    public static final Duration TIMEOUT =
            Duration.ofSeconds(Long.getLong("jvisor.test.timeout.seconds", 60));

    /**
     * The environment every test process gets unless a test gives its own: small and
     * fixed, so native and jvisor runs see the same thing and no JAVA_TOOL_OPTIONS
     * or similar from the developer's shell leaks into jvisor's JVM.
     */
    public static final Map<String, String> DEFAULT_ENV = Map.of(
            "PATH", "/usr/local/bin:/usr/bin:/bin",
            "LANG", "C.UTF-8");

    private GuestRunner() {
    }

    /** What a finished process did. */
    public record Result(int exitCode, byte[] stdout, byte[] stderr) {
        public String stdoutText() {
            return new String(stdout, StandardCharsets.UTF_8);
        }

        public String stderrText() {
            return new String(stderr, StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout (" + stdout.length + " bytes) ---\n"
                    + abbreviate(stdoutText()) + "\n--- stderr (" + stderr.length + " bytes) ---\n"
                    + abbreviate(stderrText());
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Result r && r.exitCode == exitCode
                    && Arrays.equals(r.stdout, stdout) && Arrays.equals(r.stderr, stderr);
        }

        @Override
        public int hashCode() {
            return 31 * (31 * exitCode + Arrays.hashCode(stdout)) + Arrays.hashCode(stderr);
        }
    }

    /** The testbins module directory (holds Makefile, out/, data/). */
    public static Path testbinsDir() {
        String dir = System.getProperty("testbins.dir");
        Path p = dir != null ? Path.of(dir) : Path.of(System.getProperty("user.dir"));
        if (!Files.isRegularFile(p.resolve("Makefile")) && Files.isDirectory(p.resolve("testbins"))) {
            p = p.resolve("testbins"); // run from the repository root
        }
        return p.toAbsolutePath().normalize();
    }

    /** A built test program: testbins/out/NAME. */
    public static Path binary(String name) {
        return testbinsDir().resolve("out").resolve(name);
    }

    /** Runs BINARY ARGS... directly on the host. */
    public static Result runNative(Path binary, List<String> args, byte[] stdin,
                                   Map<String, String> env, Path workDir) {
        List<String> cmd = new ArrayList<>();
        cmd.add(binary.toString());
        cmd.addAll(args);
        return run(cmd, stdin, env, workDir);
    }

    /** Runs `jvisor run [--quiet] BINARY ARGS...` in a fresh JVM. */
    public static Result runJvisor(Path binary, List<String> args, byte[] stdin,
                                   Map<String, String> env, Path workDir, boolean quiet) {
        List<String> cmd = jvisorCommand();
        cmd.add("run");
        if (quiet) {
            cmd.add("--quiet");
        }
        cmd.add(binary.toString());
        cmd.addAll(args);
        return run(cmd, stdin, env, workDir);
    }

    /**
     * The JVM flags the ./jvisor launcher starts jvisor with: the words of its _jvisor_jvm="..."
     * assignment, read from the script, so that the tests run jvisor exactly as a user does and
     * the flags are written in one place.
     */
    static List<String> launcherJvmFlags() {
        Path launcher = testbinsDir().getParent().resolve("jvisor");
        String text;
        try {
            text = Files.readString(launcher);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the launcher " + launcher, e);
        }
        String start = "\n_jvisor_jvm=\"";
        int from = text.indexOf(start);
        int to = from < 0 ? -1 : text.indexOf('"', from + start.length());
        if (to < 0) throw new IllegalStateException("no _jvisor_jvm=\"...\" assignment in " + launcher);
        return List.of(text.substring(from + start.length(), to).trim().split("\\s+"));
    }

    /** java [flags] -cp CLASSPATH jvisor.kernel.cli.Main, with the test JVM's java and class path. */
    public static List<String> jvisorCommand() {
        String java = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        // The ./jvisor launcher's flags, plus any in jvisor.jvm.flags (set from the parent pom).
        List<String> flags = new ArrayList<>(launcherJvmFlags());
        // A JVM crash report must not land in the guest's working directory.
        flags.add("-XX:ErrorFile=" + Path.of(System.getProperty("java.io.tmpdir"), "jvisor-hs_err_pid%p.log"));
        for (String flag : System.getProperty("jvisor.jvm.flags", "").trim().split("\\s+")) {
            if (!flag.isEmpty() && !flags.contains(flag)) {
                flags.add(flag);
            }
        }
        cmd.addAll(flags);
        cmd.add("-cp");
        cmd.add(System.getProperty("jvisor.test.classpath", System.getProperty("java.class.path")));
        cmd.add(MAIN_CLASS);
        return cmd;
    }

    /**
     * Runs a command with the given stdin (null: empty), environment (null: DEFAULT_ENV)
     * and working directory (null: inherit), and waits at most TIMEOUT for it.
     * On timeout the process tree is killed and an AssertionError is thrown.
     */
    public static Result run(List<String> command, byte[] stdin, Map<String, String> env, Path workDir) {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().clear();
        pb.environment().putAll(env != null ? env : DEFAULT_ENV);
        if (workDir != null) {
            pb.directory(workDir.toFile());
        }
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command, e);
        }
        Pump out = new Pump(p.getInputStream(), "stdout");
        Pump err = new Pump(p.getErrorStream(), "stderr");
        Thread feeder = Thread.ofPlatform().daemon().name("stdin-feeder").start(() -> {
            try (OutputStream os = p.getOutputStream()) {
                if (stdin != null) {
                    os.write(stdin);
                }
            } catch (IOException ignored) {
                // The process exited without reading all its input: not our business.
            }
        });
        try {
            if (!p.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError("timed out after " + TIMEOUT.toSeconds() + " s, killed: "
                        + String.join(" ", abbreviateCommand(command))
                        + "\n--- stdout so far ---\n" + abbreviate(out.text(Duration.ofSeconds(2)))
                        + "\n--- stderr so far ---\n" + abbreviate(err.text(Duration.ofSeconds(2))));
            }
            feeder.join(Duration.ofSeconds(10));
            return new Result(p.exitValue(), out.bytes(Duration.ofSeconds(30)), err.bytes(Duration.ofSeconds(30)));
        } catch (InterruptedException e) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while running " + command, e);
        }
    }

    /** Copies one output stream of the process into memory on its own thread. */
    private static final class Pump {
        private final ByteArrayOutputStream buf = new ByteArrayOutputStream();
        private final Thread thread;

        Pump(InputStream in, String name) {
            thread = Thread.ofPlatform().daemon().name("pump-" + name).start(() -> {
                byte[] chunk = new byte[65536];
                try (in) {
                    int n;
                    while ((n = in.read(chunk)) > 0) {
                        synchronized (buf) {
                            buf.write(chunk, 0, n);
                        }
                    }
                } catch (IOException ignored) {
                    // Stream closed because the process was killed.
                }
            });
        }

        byte[] bytes(Duration wait) throws InterruptedException {
            thread.join(wait);
            synchronized (buf) {
                return buf.toByteArray();
            }
        }

        String text(Duration wait) {
            try {
                return new String(bytes(wait), StandardCharsets.UTF_8);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return "";
            }
        }
    }

    /** Shortens long text for failure messages. */
    static String abbreviate(String s) {
        int max = 4000;
        return s.length() <= max ? s : s.substring(0, max) + "\n... (" + (s.length() - max) + " more chars)";
    }

    /** The class path can be very long: keep failure messages readable. */
    private static List<String> abbreviateCommand(List<String> command) {
        List<String> out = new ArrayList<>(command.size());
        for (String s : command) {
            out.add(s.length() > 200 ? s.substring(0, 200) + "..." : s);
        }
        return out;
    }

    /** An insertion-ordered environment, for tests that give their own. */
    /** The busybox applets the shell scripts use: links to the static busybox. */
    public static final List<String> APPLETS = List.of("sh", "ls", "cat", "echo", "sort", "sed", "awk", "grep",
            "tar", "gzip", "gunzip", "md5sum", "xargs", "cp", "find", "date", "head", "tail", "wc", "mkdir", "rm",
            "tr", "cut", "sleep", "uniq", "seq", "printf", "expr", "test", "true", "false", "env", "basename",
            "dirname", "touch", "chmod", "ln", "stat", "od", "kill", "mktemp", "busybox");

    /**
     * A directory holding only busybox applets (links to /bin/busybox), made on first use: the
     * whole PATH of the shell scripts, so every command they start is a static program. Outside
     * /tmp on purpose: a guest sees /tmp as its own tmpfs, and the applets must be reachable
     * through the root.
     */
    public static synchronized Path appletsDir() throws IOException {
        Path dir = testbinsDir().resolve("out/applets");
        Files.createDirectories(dir);
        for (String a : APPLETS) {
            Path link = dir.resolve(a);
            if (!Files.isSymbolicLink(link)) Files.createSymbolicLink(link, Path.of("/bin/busybox"));
        }
        return dir;
    }

    public static Map<String, String> env(String... keyValues) {
        if (keyValues.length % 2 != 0) {
            throw new IllegalArgumentException("env needs key/value pairs");
        }
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            m.put(keyValues[i], keyValues[i + 1]);
        }
        return m;
    }
}
