package jvisor.kernel.check;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import jvisor.hypervisor.Hypervisor;
import jvisor.kernel.GuestThread;
import jvisor.kernel.Kernel;
import jvisor.kernel.abi.Fs;
import jvisor.kernel.elf.ElfException;
import jvisor.kernel.fs.HostFile;
import jvisor.kernel.fs.PathResolver;
import jvisor.kernel.proc.Exec;
import jvisor.kernel.proc.Process;
import jvisor.kernel.syscall.SyscallInterceptor;
import jvisor.kernel.syscall.SyscallTable;

/**
 * jvisor's side of a check, in this JVM: the program runs on jvisor's kernel with a
 * {@link Recorder} on every syscall, the root writable as natively (a read-only root is a policy
 * of `jvisor run`, not syscall semantics), and fds 0, 1 and 2 opened on the same files as the
 * native run's.
 */
final class JvisorRun {
    private JvisorRun() {}

    /** The working directory asked for lies where the guest cannot see it (under jvisor's own /tmp). */
    static final class HiddenDirectory extends Exception {
        HiddenDirectory(String message) {
            super(message, null, false, false);
        }
    }

    /** Runs the program to its end in workDir (null: this process's working directory); returns the record. */
    static Trace run(SyscallTable table, SyscallInterceptor planted, String binary, List<byte[]> argv, List<byte[]> envp,
            Path stdin, Path stdout, Path stderr, Path workDir)
            throws ElfException, InterruptedException, HiddenDirectory {
        Hypervisor hv = new Hypervisor();
        Process p;
        boolean writable = PathResolver.rootWritableDefault;
        PathResolver.rootWritableDefault = true;
        try {
            p = Exec.start(hv, new Exec.Request(Path.of(binary), binary.getBytes(StandardCharsets.UTF_8), argv, envp,
                    Path.of("/")));
        } finally {
            PathResolver.rootWritableDefault = writable;
        }
        if (workDir != null) {
            String guest;
            try {
                guest = p.fs.guestPathOf(workDir.toRealPath());
            } catch (java.io.IOException e) {
                guest = null;
            }
            if (guest == null) {
                p.release();
                throw new HiddenDirectory(workDir + ": the guest cannot see this working directory (jvisor's /tmp is its own tmpfs)");
            }
            p.setCwd(guest.getBytes(StandardCharsets.UTF_8));
        }
        open(p, 0, stdin, Fs.O_RDONLY);
        open(p, 1, stdout, Fs.O_WRONLY);
        open(p, 2, stderr, Fs.O_WRONLY);

        Recorder recorder = new Recorder(table, planted);
        Kernel kernel = new Kernel(hv, table, null);
        kernel.setInterceptor(recorder);
        recorder.started(p);
        Throwable failure = GuestThread.run(kernel, p, "vcpu0-check");
        if (failure != null) throw new IllegalStateException("jvisor failed running the program: " + failure, failure);
        recorder.ended(p);
        p.release();
        return recorder.trace();
    }

    private static void open(Process p, int fd, Path file, int flags) {
        byte[] path = file.toAbsolutePath().toString().getBytes(StandardCharsets.UTF_8);
        int[] errno = new int[1];
        HostFile f = HostFile.open(path, path, flags, errno);
        if (f == null) throw new IllegalStateException("cannot open " + file + " for the guest's fd " + fd + ": errno " + errno[0]);
        p.fds.installAt(fd, f, false);
    }
}
