package jvisor.kernel.proc;

import java.util.List;

import jvisor.kernel.fs.FdTable;
import jvisor.kernel.fs.PathResolver;
import jvisor.kernel.mm.MemoryManager;
import jvisor.kernel.signal.FatalSignal;
import jvisor.kernel.signal.SignalActions;

/**
 * A guest process (Linux's thread group, gVisor's kernel.ThreadGroup): its memory, files,
 * limits, signal dispositions and ids, shared by its tasks. One task per process in this version.
 */
public final class Process {
    public final int pid;
    public final int ppid;
    public final Credentials creds;
    public final Limits limits;
    public final MemoryManager mm;
    public final FdTable fds = new FdTable();
    public final PathResolver fs;
    public final SignalActions sigactions = new SignalActions();
    /** Process-wide pending signals, timers and the lock of all signal state. */
    public final jvisor.kernel.signal.ProcessSignals signals = new jvisor.kernel.signal.ProcessSignals(this);

    /** The executable's path inside the root (/proc/self/exe). */
    public final byte[] exePath;
    public final List<byte[]> argv;
    public final List<byte[]> envp;
    /** The auxiliary vector as key, value pairs (/proc/self/auxv). */
    long[] auxv = new long[0];
    /** The path given to execve (AT_EXECFN) and where envp landed on the initial stack, for strace. */
    byte[] execfn = new byte[0];
    long initialEnvp;

    /** The file mode creation mask (umask(2)), inherited from the host process. */
    public int umask = jvisor.kernel.fs.HostOps.currentUmask();

    /** The current directory: an absolute, resolved path inside the root. */
    private byte[] cwd;
    private Task mainTask;

    private volatile boolean exited;
    private int exitStatus;
    private FatalSignal killedBy;

    public Process(int pid, int ppid, Credentials creds, Limits limits, MemoryManager mm, PathResolver fs,
            byte[] exePath, List<byte[]> argv, List<byte[]> envp, byte[] cwd) {
        this.pid = pid;
        this.ppid = ppid;
        this.creds = creds;
        this.limits = limits;
        this.mm = mm;
        this.fs = fs;
        this.exePath = exePath;
        this.argv = argv;
        this.envp = envp;
        this.cwd = cwd;
    }

    public Task mainTask() {
        return mainTask;
    }

    void setMainTask(Task t) {
        mainTask = t;
    }

    /** For tests that build a process by hand. */
    public Task attachMainTask(jvisor.hypervisor.Vcpu vcpu) {
        mainTask = new Task(this, pid, vcpu);
        return mainTask;
    }

    public byte[] cwd() {
        return cwd;
    }

    public void setCwd(byte[] cwd) {
        this.cwd = cwd;
    }

    public long[] auxv() {
        return auxv;
    }

    public byte[] execfn() {
        return execfn;
    }

    public long initialEnvp() {
        return initialEnvp;
    }

    /** exit_group(2) or the last thread's exit(2): the process ends with status & 0xff. */
    public void exit(int status) {
        if (exited) return;
        exited = true;
        exitStatus = status & 0xff;
    }

    /** The process is killed by a signal. */
    public void kill(FatalSignal signal) {
        if (exited) return;
        exited = true;
        killedBy = signal;
    }

    public boolean exited() {
        return exited;
    }

    public int exitStatus() {
        return exitStatus;
    }

    /** The signal that killed the process, or null if it exited. */
    public FatalSignal killedBy() {
        return killedBy;
    }

    /** Frees the process's memory and closes its files. */
    public void release() {
        signals.shutdown();
        fds.closeAll();
        mm.release();
    }
}
