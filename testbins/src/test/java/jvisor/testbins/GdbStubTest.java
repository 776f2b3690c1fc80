package jvisor.testbins;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Debian's gdb, in batch mode, drives crash-glibc through `jvisor run --gdb 0` (a free loopback
 * port): break at main, stepi, info registers, x/4i $pc, a watchpoint that must fire on the
 * right writes with the right old and new values, continue to the exit code; and in a second
 * session, the planted NULL write as gdb shows it. Where the host lets gdb debug natively, the
 * same gdb script runs on the native program and both transcripts must agree (stack addresses
 * and the inferior's name aside): the host is the oracle. Skipped only when gdb is not installed.
 */
class GdbStubTest {
    private static final Path GDB = Path.of("/usr/bin/gdb");
    private static final Pattern LISTENING = Pattern.compile("listening on 127\\.0\\.0\\.1:(\\d+)");
    private static final long TIMEOUT_S = 90;
    private static Path binary;

    @BeforeAll
    static void needsGdb() {
        Assumptions.assumeTrue(Files.isExecutable(GDB), "gdb is not installed (apt-get install gdb): real-gdb test skipped");
        binary = GuestRunner.binary("crash-glibc");
        Assumptions.assumeTrue(Files.isExecutable(binary), "crash-glibc was not built");
    }

    /** What a gdb session printed, and how jvisor ended. */
    record Session(String gdb, int jvisorExit, String jvisorStderr, String guestStdout) {
    }

    private static List<String> gdbCommand(Path program, List<String> script, boolean remote, int port, String... args) {
        List<String> cmd = new ArrayList<>(List.of(GDB.toString(), "-nx", "-batch", "-ex", "set confirm off",
                "-ex", "set width 0", "-ex", "set height 0", "-ex", "set style enabled off"));
        if (remote) cmd.addAll(List.of("-ex", "target remote :" + port));
        for (String s : script) cmd.addAll(List.of("-ex", s));
        if (remote) {
            cmd.add(program.toString());
        } else {
            cmd.add("--args");
            cmd.add(program.toString());
            cmd.addAll(List.of(args));
        }
        return cmd;
    }

    /** Starts jvisor with --gdb 0, runs gdb against it, and waits for both. */
    private static Session underJvisor(List<String> script, String... args) throws Exception {
        return underJvisor(binary, script, args);
    }

    private static Session underJvisor(Path program, List<String> script, String... args) throws Exception {
        List<String> cmd = GuestRunner.jvisorCommand();
        cmd.addAll(List.of("run", "--gdb", "0", program.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().clear();
        pb.environment().putAll(GuestRunner.DEFAULT_ENV);
        Process jvisor = pb.start();
        jvisor.getOutputStream().close();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> readAll(jvisor.getInputStream()));
        StringBuilder err = new StringBuilder();
        CompletableFuture<Integer> port = new CompletableFuture<>();
        Thread errPump = Thread.ofPlatform().daemon().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(jvisor.getErrorStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    synchronized (err) {
                        err.append(line).append('\n');
                    }
                    Matcher m = LISTENING.matcher(line);
                    if (m.find()) port.complete(Integer.parseInt(m.group(1)));
                }
            } catch (IOException e) {
                // jvisor ended
            }
            port.complete(-1);
        });
        try {
            int p = port.get(TIMEOUT_S, TimeUnit.SECONDS);
            assertTrue(p > 0, () -> "jvisor did not start its gdb stub:\n" + err);
            GuestRunner.Result g = GuestRunner.run(gdbCommand(program, script, true, p), null, null, null);
            if (!jvisor.waitFor(TIMEOUT_S, TimeUnit.SECONDS)) throw new AssertionError("jvisor did not end after gdb: " + err);
            errPump.join(5000);
            return new Session(g.stdoutText() + g.stderrText(), jvisor.exitValue(), err.toString(), out.get(10, TimeUnit.SECONDS));
        } finally {
            jvisor.descendants().forEach(ProcessHandle::destroyForcibly);
            jvisor.destroyForcibly();
        }
    }

    /** The same script under gdb natively, or null if the host does not let gdb trace. */
    private static String nativeTranscript(List<String> script, String... args) {
        return nativeTranscript(binary, script, args);
    }

    private static String nativeTranscript(Path program, List<String> script, String... args) {
        List<String> s = new ArrayList<>(List.of("break main", "run"));
        s.addAll(script.subList(script.indexOf("continue") + 1, script.size()));
        GuestRunner.Result r = GuestRunner.run(gdbCommand(program, s, false, 0, args), null, null, null);
        String text = r.stdoutText() + r.stderrText();
        if (text.contains("ptrace") || text.contains("Operation not permitted") || !text.contains("Breakpoint 1, main")) {
            return null;
        }
        return text;
    }

    private static String readAll(java.io.InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /**
     * Lines both runs must share: from the main breakpoint on, without the program's own output
     * (a native inferior shares gdb's terminal), addresses of the stack (argv differs with the
     * environment), the name gdb gives the inferior (a remote one has no pid: gdb's remote
     * protocol without multiprocess), and gdb's warning that the stub does not serve files (gdb
     * then reads an execve'd program from the host's file system, where it is).
     */
    static List<String> comparable(String transcript) {
        List<String> out = new ArrayList<>();
        boolean started = false;
        for (String line : transcript.split("\n")) {
            if (line.startsWith("Breakpoint 1, main")) started = true;
            if (!started || line.startsWith("stored ") || line.startsWith("child exited") || line.isBlank()
                    || line.startsWith("warning: remote target does not support file transfer")) {
                continue;
            }
            String l = line.replaceAll("argv=0x[0-9a-f]+", "argv=STACK")
                    .replaceAll("\\[Inferior 1 \\([^)]*\\)", "[Inferior 1 (...)")
                    .replaceAll("^(process \\d+|Remote target) is executing new program:", "(...) is executing new program:")
                    .replaceAll("^(r[sb]p|rsi|rdx|rbx|rcx|r8|r12)( +)0x[0-9a-f]+ +\\S+", "$1 STACK");
            out.add(l);
        }
        return out;
    }

    private static final List<String> EXIT_SCRIPT = List.of("break main", "continue", "stepi", "p $rip", "x/4i $pc",
            "watch counter", "continue", "continue", "delete", "continue");

    @Test
    @Timeout(300)
    void breakStepRegistersWatchpointAndExitCode() throws Exception {
        List<String> script = new ArrayList<>(EXIT_SCRIPT);
        script.add(3, "info registers");
        script.add(4, "info registers fs_base gs_base");
        Session s = underJvisor(script, "3");
        String g = s.gdb();
        assertTrue(g.contains("Breakpoint 1, main (argc=2"), g);
        assertTrue(g.contains("$1 = (void (*)()) 0x4014f1 <main+1>") || g.matches("(?s).*\\$1 = \\(void \\(\\*\\)\\(\\)\\) 0x[0-9a-f]+ <main\\+\\d+>.*"), g);
        for (String reg : List.of("rax", "rbx", "rsp", "r15", "rip", "eflags", "cs", "ss", "fs_base", "gs_base")) {
            assertTrue(Pattern.compile("(?m)^" + reg + " +0x[0-9a-f]+").matcher(g).find(), reg + " missing:\n" + g);
        }
        assertTrue(g.contains("=> 0x"), "x/4i shows the current instruction:\n" + g);
        assertTrue(g.contains("Hardware watchpoint 2: counter\n\nOld value = 0\nNew value = 1"), g);
        assertTrue(g.contains("Old value = 1\nNew value = 2"), g);
        assertTrue(g.contains("[Inferior 1 (Remote target) exited with code 03]"), g);
        assertEquals(3, s.jvisorExit(), s.jvisorStderr());
        assertEquals("stored 1\nstored 4\nstored 9\n", s.guestStdout());

        String nat = nativeTranscript(EXIT_SCRIPT, "3");
        Assumptions.assumeTrue(nat != null, "native gdb cannot trace here: only the jvisor side was checked");
        List<String> jv = comparable(underJvisor(EXIT_SCRIPT, "3").gdb());
        assertEquals(comparable(nat), jv);
    }

    private static final List<String> CRASH_SCRIPT = List.of("break main", "continue", "continue", "x/i $pc",
            "p $rdi", "p $rsi", "bt", "continue");

    @Test
    @Timeout(300)
    void gdbShowsThePlantedNullWrite() throws Exception {
        Session s = underJvisor(CRASH_SCRIPT);
        String g = s.gdb();
        assertTrue(g.contains("Program received signal SIGSEGV, Segmentation fault."), g);
        assertTrue(g.matches("(?s).*=> 0x[0-9a-f]+ <store\\+\\d+>:\\s+mov +%rsi,\\(%rdi\\).*"), g);
        assertTrue(g.contains("$1 = 0\n"), "rdi is NULL:\n" + g);
        assertTrue(g.contains("$2 = 16\n"), "rsi is 4*4:\n" + g);
        assertTrue(g.matches("(?s).*#1 +0x[0-9a-f]+ in main .*"), "the backtrace reaches main:\n" + g);
        assertTrue(g.contains("Program terminated with signal SIGSEGV, Segmentation fault."), g);
        assertEquals(128 + 11, s.jvisorExit(), s.jvisorStderr());

        String nat = nativeTranscript(CRASH_SCRIPT);
        Assumptions.assumeTrue(nat != null, "native gdb cannot trace here: only the jvisor side was checked");
        assertEquals(comparable(nat), comparable(g));
    }

    private static final List<String> EXEC_SCRIPT = List.of("break main", "continue", "catch exec", "continue",
            "info symbol $pc", "break store", "continue", "continue", "bt", "delete", "continue");

    @Test
    @Timeout(300)
    void gdbFollowsAnExecAndCatchesIt() throws Exception {
        Path execer = GuestRunner.binary("exec-chain-glibc");
        Assumptions.assumeTrue(Files.isExecutable(execer), "exec-chain-glibc was not built");
        String crashPath = binary.toRealPath().toString();
        Session s = underJvisor(execer, EXEC_SCRIPT, binary.toString(), "3");
        String g = s.gdb();
        assertTrue(g.contains("Breakpoint 1, main (argc=3"), g);
        assertTrue(g.contains("is executing new program: " + crashPath), g);
        assertTrue(g.matches("(?s).*\\nCatchpoint 2 \\(exec'd " + Pattern.quote(crashPath)
                + "\\), 0x[0-9a-f]+ in _start \\(\\)\\n.*"), g);
        assertTrue(g.contains("_start in section .text"), "gdb read the new program's symbols:\n" + g);
        assertTrue(g.contains("file src/c/crash.c, line"), "break store is in the new program:\n" + g);
        assertTrue(g.contains("Breakpoint 1, main (argc=2"), "gdb moved break main into the new program:\n" + g);
        assertTrue(g.matches("(?s).*Breakpoint 3, store \\(where=.*value=(value@entry=)?1\\) at src/c/crash.c.*"), g);
        assertTrue(g.contains("[Inferior 1 (Remote target) exited with code 03]"), g);
        assertEquals(3, s.jvisorExit(), s.jvisorStderr());
        assertEquals("stored 1\nstored 4\nstored 9\n", s.guestStdout());

        // A forked child's execve: gdb, told of no fork, sees the child as a thread of its one
        // inferior; registers and memory it reads are the stopped child's.
        Session f = underJvisor(execer, List.of("catch exec", "continue", "break store", "continue", "bt", "delete",
                "continue"), "--fork", binary.toString(), "3");
        String fg = f.gdb();
        assertTrue(fg.matches("(?s).*hit Catchpoint 1 \\(exec'd " + Pattern.quote(crashPath) + "\\).*"), fg);
        assertTrue(fg.matches("(?s).*\\n#1  0x[0-9a-f]+ in main \\(.*\\) at src/c/crash.c:\\d+\\n.*"),
                "the child's stack, read from the child's memory:\n" + fg);
        assertTrue(fg.contains("[Inferior 1 (Remote target) exited with code 03]"), fg);
        assertEquals("stored 1\nstored 4\nstored 9\nchild exited with 3\n", f.guestStdout());

        String nat = nativeTranscript(execer, EXEC_SCRIPT, binary.toString(), "3");
        Assumptions.assumeTrue(nat != null, "native gdb cannot trace here: only the jvisor side was checked");
        assertEquals(comparable(nat), comparable(g));
    }
}
