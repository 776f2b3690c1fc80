package jvisor.kernel.proc;

import java.util.ArrayList;
import java.util.List;

import jvisor.kernel.elf.LoadedImage;
import jvisor.kernel.fs.FdTable;
import jvisor.kernel.fs.PathResolver;
import jvisor.kernel.mm.MemoryManager;
import jvisor.kernel.signal.FatalSignal;
import jvisor.kernel.signal.ProcessSignals;
import jvisor.kernel.signal.SignalActions;

/**
 * A guest process (Linux's thread group, gVisor's kernel.ThreadGroup): its memory, files,
 * limits, signal dispositions and ids, shared by its tasks.
 *
 * <p>Life cycle: running while it has tasks; when the last task exits (or a group exit or fatal
 * signal ended them all) the kernel releases its memory and files and it becomes a zombie that
 * keeps only its exit status, until its parent reaps it with wait4/waitid ({@link ProcessTable}).
 *
 * <p>Memory, files and signal dispositions are references, not copies: a vfork child shares
 * its parent's memory (CLONE_VM without CLONE_THREAD) until it calls execve, and clone may share
 * the descriptor table or the dispositions between processes. execve replaces them.
 */
public final class Process {
    public final int pid;
    public final ProcessTable table;
    /** Replaced as a whole by the set*id calls (process-wide: see SysIdentity). */
    public volatile Credentials creds;
    public final Limits limits;
    public MemoryManager mm;
    public FdTable fds;
    /** The mount table: one for the whole sandbox. */
    public final PathResolver fs;
    public SignalActions sigactions;
    /** Process-wide pending signals, timers and the lock of all signal state. */
    public final ProcessSignals signals = new ProcessSignals(this);

    /** The executable's path inside the root (/proc/PID/exe). */
    public byte[] exePath;
    /**
     * Where the running program was loaded: a new object at every execve, shared with fork
     * children (they run the same image), so its identity names one program image (the debugging
     * tools keep a symbol table per image).
     */
    public volatile LoadedImage image;
    public List<byte[]> argv;
    public List<byte[]> envp;
    /** The auxiliary vector as key, value pairs (/proc/self/auxv). */
    long[] auxv = new long[0];
    /** The path given to execve (AT_EXECFN) and where envp landed on the initial stack, for strace. */
    byte[] execfn = new byte[0];
    long initialEnvp;

    /** The file mode creation mask (umask(2)): the host process's for the first process, the parent's for a fork. */
    public int umask;

    /** prctl(PR_SET_DUMPABLE), PR_SET_CHILD_SUBREAPER and PR_SET_NO_NEW_PRIVS: recorded and reported. */
    public volatile int dumpable = 1;
    public volatile boolean childSubreaper, noNewPrivs;

    /**
     * setpriority's nice value (-20..19) and sched_setscheduler's policy and static priority:
     * recorded, inherited and reported; the host scheduler runs every task alike.
     */
    public volatile int nice, schedPolicy, schedPriority;

    /** The current directory: an absolute, resolved path inside the root. */
    private byte[] cwd;

    // Guarded by table (the process tree lock).
    Process parent;
    /** The parent's pid for the first process (outside the sandbox, never a guest process). */
    private final int outsidePpid;
    final List<Process> children = new ArrayList<>();
    int pgid, sid;
    /** The signal sent to the parent when this process ends (clone's exit_signal; SIGCHLD for fork). */
    int exitSignal;
    /** Set once every task has exited and resources are released: a zombie until reaped. */
    boolean zombie;
    boolean reaped;
    /** Set by execve: the parent may no longer change the process group (setpgid's EACCES). */
    boolean execed;
    /** The session's controlling terminal (Linux's signal->tty), inherited by fork; null: none. */
    jvisor.kernel.tty.Terminal ctty;
    /** Reparented to the sandbox's first process when its parent ended (see JobControl). */
    boolean adopted;
    /**
     * For the first process: whether its host process group has a member whose parent is in
     * another group of the session (then the group is not orphaned), as the host says at start.
     */
    final boolean hostGroupTied;

    // Guarded by this.
    private final List<Task> tasks = new ArrayList<>();
    private Task leader;
    private long exitedTasksNanos, childrenNanos;

    private volatile boolean exiting;
    private int exitStatus;
    private FatalSignal killedBy;

    /** The first process of a sandbox (a new process table), with pid and parent pid as seen by the guest. */
    public Process(int pid, int ppid, Credentials creds, Limits limits, MemoryManager mm, PathResolver fs,
            byte[] exePath, List<byte[]> argv, List<byte[]> envp, byte[] cwd) {
        this(new ProcessTable(pid), pid, ppid, creds, limits, mm, fs, new FdTable(), new SignalActions(), exePath,
                argv, envp, cwd);
        table.setInit(this);
        umask = jvisor.kernel.fs.HostOps.currentUmask(); // a fork's child takes its parent's (TaskClone)
    }

    Process(ProcessTable table, int pid, int outsidePpid, Credentials creds, Limits limits, MemoryManager mm,
            PathResolver fs, FdTable fds, SignalActions sigactions, byte[] exePath, List<byte[]> argv,
            List<byte[]> envp, byte[] cwd) {
        this.table = table;
        this.pid = pid;
        this.outsidePpid = outsidePpid;
        this.creds = creds;
        this.limits = limits;
        this.mm = mm;
        this.fs = fs;
        this.fds = fds;
        this.sigactions = sigactions;
        this.exePath = exePath;
        this.argv = argv;
        this.envp = envp;
        this.cwd = cwd;
        if (table.init() == null) {
            jvisor.kernel.host.HostProcStat self = jvisor.kernel.host.HostProcStat.of("self");
            pgid = self != null ? self.pgrp() : jvisor.kernel.host.Libc.getpgid();
            sid = self != null ? self.session() : jvisor.kernel.host.Libc.getsid();
            hostGroupTied = jvisor.kernel.host.HostProcStat.groupConnected(pgid, sid);
            ctty = table.terminals.hostControllingTerminal(sid);
        } else {
            hostGroupTied = false;
        }
    }

    /** The thread group leader: the task whose tid is the pid (the task that called execve last). */
    public synchronized Task mainTask() {
        return leader;
    }

    /** For tests that build a process by hand. */
    public Task attachMainTask(jvisor.hypervisor.Vcpu vcpu) {
        Task t = new Task(this, pid, vcpu);
        addTask(t);
        return t;
    }

    /** Lock order: the table's monitor may be held when this process's is taken, never the other way round. */
    void addTask(Task t) {
        synchronized (this) {
            tasks.add(t);
            if (t.tid == pid) leader = t;
        }
        table.registerTask(t);
    }

    /** Removes an exited task; returns true if it was the last one. */
    synchronized boolean removeTask(Task t) {
        tasks.remove(t);
        exitedTasksNanos += t.regs.instructionsRetired;
        return tasks.isEmpty();
    }

    /** CPU time of the tasks that have exited, in ns (see GuestTime). */
    public synchronized long exitedTasksNanos() {
        return exitedTasksNanos;
    }

    /** CPU time of the reaped children and their reaped descendants (times(2)'s tms_cutime, RUSAGE_CHILDREN). */
    public synchronized long childrenNanos() {
        return childrenNanos;
    }

    synchronized void addChildrenNanos(long ns) {
        childrenNanos += ns;
    }

    /** A snapshot of the live tasks. */
    public synchronized List<Task> tasks() {
        return List.copyOf(tasks);
    }

    public synchronized int taskCount() {
        return tasks.size();
    }

    /** execve from a thread other than the leader: that thread takes over the leader's role and tid. */
    synchronized void setLeader(Task t) {
        leader = t;
    }

    public int ppid() {
        synchronized (table) {
            return parent != null ? parent.pid : outsidePpid;
        }
    }

    public int pgid() {
        synchronized (table) {
            return pgid;
        }
    }

    public int sid() {
        synchronized (table) {
            return sid;
        }
    }

    /** The controlling terminal, or null. */
    public jvisor.kernel.tty.Terminal controllingTerminal() {
        synchronized (table) {
            return ctty;
        }
    }

    public void setControllingTerminal(jvisor.kernel.tty.Terminal t) {
        synchronized (table) {
            ctty = t;
        }
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

    /**
     * exit_group(2) (or the last thread's exit(2)): the process ends with status & 0xff. Every
     * other task is asked to stop; the first call decides the status.
     */
    public void exit(int status) {
        synchronized (this) {
            if (exiting) return;
            exiting = true;
            exitStatus = status & 0xff;
        }
        stopTasks(null);
    }

    /** The process is killed by a signal: every task stops, the status says which signal. */
    public void kill(FatalSignal signal) {
        synchronized (this) {
            if (exiting) return;
            exiting = true;
            killedBy = signal;
        }
        stopTasks(null);
    }

    /** Asks every task but keep to leave the guest and exit (group exit, execve's de_thread). */
    void stopTasks(Task keep) {
        for (Task t : tasks()) {
            if (t != keep) t.requestStop();
        }
    }

    /** True once the process is ending (exit_group, a fatal signal): its tasks must stop. */
    public boolean exited() {
        return exiting;
    }

    /** The last thread left with exit(2) without a group exit: its status is the process's. */
    synchronized void lastThreadExited(int status) {
        if (exiting) return;
        exiting = true;
        exitStatus = status & 0xff;
    }

    public int exitStatus() {
        return exitStatus;
    }

    /** The signal that killed the process, or null if it exited. */
    public FatalSignal killedBy() {
        return killedBy;
    }

    /** The status word wait4 reports (WIFEXITED / WIFSIGNALED encoding of wait(2)). */
    public int waitStatus() {
        if (killedBy != null) return killedBy.signo(); // no core file is written, so WCOREDUMP is never set
        return exitStatus << 8;
    }

    public boolean isZombie() {
        synchronized (table) {
            return zombie;
        }
    }

    /** Blocks until every task has exited and the process is a zombie (or reaped). */
    public void awaitZombie() throws InterruptedException {
        synchronized (table) {
            while (!zombie) table.wait();
        }
    }

    /** Frees the process's memory and closes its files (when the last task is gone). */
    public void release() {
        signals.shutdown();
        fds.release();
        if (!keepMemoryAfterExit) mm.release();
    }

    /**
     * Keeps the memory of this process readable after it ends, for post-mortem inspection (the
     * embedding API reads a crashed program's memory); {@link #releaseKeptMemory} gives it back.
     */
    public volatile boolean keepMemoryAfterExit;

    /** Gives back the memory kept by {@link #keepMemoryAfterExit} once the process has ended. */
    public void releaseKeptMemory() {
        if (keepMemoryAfterExit && exited()) {
            keepMemoryAfterExit = false;
            mm.release();
        }
    }

    @Override
    public String toString() {
        return "process " + pid;
    }
}
