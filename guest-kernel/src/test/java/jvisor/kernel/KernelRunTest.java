package jvisor.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import jvisor.hypervisor.Hypervisor;
import jvisor.kernel.abi.Fs;
import jvisor.kernel.abi.Signals;
import jvisor.kernel.elf.TestBins;
import jvisor.kernel.fs.HostFile;
import jvisor.kernel.proc.Exec;
import jvisor.kernel.proc.Process;
import jvisor.kernel.strace.Strace;
import jvisor.kernel.syscall.SyscallTable;

/**
 * Whole programs from testbins, run on the emulated CPU through the kernel loop, with the guest's
 * stdout and stderr sent to files. Skipped when testbins has not been built.
 */
class KernelRunTest {
    @TempDir
    Path tmp;
    final List<String> trace = new ArrayList<>();

    record Run(Process process, String stdout, String stderr) {
    }

    private Run run(String program, String... args) throws Exception {
        Path bin = TestBins.program(program);
        Assumptions.assumeTrue(Files.exists(bin), "testbins not built");
        List<byte[]> argv = new ArrayList<>();
        argv.add(bin.toString().getBytes(StandardCharsets.UTF_8));
        for (String a : args) argv.add(a.getBytes(StandardCharsets.UTF_8));
        Hypervisor hv = new Hypervisor();
        Process p = Exec.start(hv, new Exec.Request(bin, bin.toString().getBytes(StandardCharsets.UTF_8), argv,
                List.of("HOME=/nowhere".getBytes(StandardCharsets.UTF_8)), Path.of("/")));
        Path out = tmp.resolve(program + ".out"), err = tmp.resolve(program + ".err");
        Files.createFile(out);
        Files.createFile(err);
        int[] errno = new int[1];
        p.fds.installAt(1, HostFile.open(out.toString().getBytes(), out.toString().getBytes(), Fs.O_WRONLY, errno), false);
        p.fds.installAt(2, HostFile.open(err.toString().getBytes(), err.toString().getBytes(), Fs.O_WRONLY, errno), false);
        p.fds.installAt(0, HostFile.open("/dev/null".getBytes(), "/dev/null".getBytes(), Fs.O_RDONLY, errno), false);
        new Kernel(hv, SyscallTable.linux(), new Strace(trace::add)).run(p);
        p.release();
        return new Run(p, Files.readString(out), Files.readString(err));
    }

    @Test
    void assemblyHelloAndExit() throws Exception {
        Run r = run("hello-asm");
        assertEquals("hello, world\n", r.stdout());
        assertEquals(0, r.process().exitStatus());
        assertNull(r.process().killedBy());
        assertTrue(trace.get(0).startsWith("execve("), trace.get(0));
        assertTrue(trace.contains("+++ exited with 0 +++"), trace.toString());
        Run e = run("exit42-asm");
        assertEquals(42, e.process().exitStatus());
    }

    @Test
    void glibcHelloAndArguments() throws Exception {
        Run r = run("hello-glibc");
        assertEquals("hello, world\n", r.stdout());
        assertEquals(0, r.process().exitStatus());
        Run a = run("args-env-glibc", "a b", "");
        assertTrue(a.stdout().contains("argc=3\n"), a.stdout());
        assertTrue(a.stdout().contains("argv[1]=a b\nargv[2]=\n"), a.stdout());
        assertTrue(a.stdout().contains("env[0]=HOME=/nowhere\nenvc=1\n"), a.stdout());
    }

    @Test
    void faultsBecomeFatalSignals() throws Exception {
        Run ud2 = run("ud2-glibc");
        assertEquals("before\n", ud2.stdout());
        assertEquals(Signals.SIGILL, ud2.process().killedBy().signo());
        assertEquals(Signals.ILL_ILLOPN, ud2.process().killedBy().code());
        String report = ud2.process().killedBy().report().text();
        assertTrue(report.matches("guest killed by SIGILL at 0x[0-9a-f]+: 0f 0b \\(.*\\)"), report);

        Run ro = run("rowrite-glibc");
        assertEquals(Signals.SIGSEGV, ro.process().killedBy().signo());
        assertEquals(Signals.SEGV_ACCERR, ro.process().killedBy().code());
        assertTrue(ro.process().killedBy().report().text().endsWith("(protection)"), ro.process().killedBy().report().text());
        assertTrue(trace.contains("+++ killed by SIGSEGV +++"), trace.toString());
    }
}
