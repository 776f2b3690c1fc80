package jvisor.kernel.proc;

import jvisor.cpu.CpuState;
import jvisor.hypervisor.Vcpu;
import jvisor.mmu.AddressSpace;

/**
 * A thread of a guest process (Linux's task_struct, gVisor's kernel.Task): its vCPU and the
 * per-thread kernel state the syscalls manage. Syscall handlers receive the calling task.
 */
public final class Task {
    private static final ThreadLocal<Task> CURRENT = new ThreadLocal<>();

    public final Process process;
    /** The thread id; changes only when a non-leader thread calls execve and becomes the leader. */
    public int tid;
    public final Vcpu vcpu;
    public final CpuState regs;

    /** Set when the task must leave the guest and exit: a group exit, a fatal signal, execve in another thread. */
    private volatile boolean stopRequested;
    /** Set whenever a signal may have become deliverable to this task; cleared by the delivery path. */
    public volatile boolean recheck;
    /**
     * Job control (Linux's task->jobctl), guarded by the process's signal lock: a group stop asks
     * this task to stop (JOBCTL_STOP_PENDING; read without the lock by blocking waits, which end
     * so that the task can stop), the task is stopped (TASK_STOPPED), the task dequeued a stop
     * signal that no SIGCONT has cancelled since (JOBCTL_STOP_DEQUEUED).
     */
    public volatile boolean jobStopPending;
    public boolean jobStopped, stopDequeued;
    /**
     * The task is on its way out (PF_EXITING), guarded by the signal lock like the fields above: a
     * group stop begun from now on does not wait for it.
     */
    public boolean leavingSignals;
    /** exit(2)'s status, for the process status if this is the last task. */
    public int exitCode;
    /** The host thread that runs this task (null before it starts). */
    volatile Thread hostThread;
    /** Counted down when a vfork child releases its parent's memory: at execve or exit (CLONE_VFORK). */
    public java.util.concurrent.CountDownLatch vforkDone;

    /** Blocked signals (rt_sigprocmask(2)): per thread. */
    public long sigmask;
    /**
     * The mask rt_sigtimedwait unblocked its set from while it waits (Linux's real_blocked): a
     * signal blocked there is not ignored, so an ignored signal the wait is for is still queued
     * and taken (glibc's SIGEV_THREAD timers wait so for a signal a parent may have ignored).
     */
    public long realBlocked;
    /** Signals sent to this thread (tgkill, faults); the process-wide set is in Process.signals. */
    public final jvisor.kernel.signal.SigQueue pending = new jvisor.kernel.signal.SigQueue();
    /** The mask to restore after rt_sigsuspend (Linux's saved_sigmask with TIF_RESTORE_SIGMASK). */
    public long savedSigmask;
    public boolean restoreSigmask;
    /**
     * sigaltstack(2): ss_sp, ss_size and the flags as the guest set them (sas_ss_flags: SS_DISABLE
     * when there is none, else 0 or SS_ONSTACK, possibly with SS_AUTODISARM).
     */
    public long altStackSp, altStackSize;
    public int altStackFlags;
    /** The last hardware exception (thread.trap_nr, error_code, cr2), saved in signal frames. */
    public long trapNo, trapError, cr2;
    /** The syscall being returned from (orig_ax); -1 outside syscalls, for restarting it after a signal. */
    public int syscallNr = -1;
    /** restart_syscall(2)'s continuation after ERESTART_RESTARTBLOCK (restart_block.fn), or null. */
    public java.util.function.ToLongFunction<Task> restartBlock;

    /** set_tid_address(2): cleared and futex-woken when the thread exits. */
    public long clearChildTid;
    /** set_robust_list(2). */
    public long robustListHead, robustListLen;
    /** rseq(2) registration: 0 when none. */
    public long rseqAddr;
    public int rseqLen, rseqSig;

    /** The thread's name (execve's path, prctl PR_SET_NAME), inherited by clone; null: the executable's base name. */
    public byte[] comm;
    /** prctl(PR_SET_PDEATHSIG): recorded and reported. */
    public int parentDeathSignal;
    /** prctl(PR_SET_TIMERSLACK), in ns. */
    public long timerSlackNs = 50_000;

    /** Set by exit(2) and exit_group(2): the syscall does not return. */
    public boolean exiting;

    public Task(Process process, int tid, Vcpu vcpu) {
        this.process = process;
        this.tid = tid;
        this.vcpu = vcpu;
        this.regs = vcpu.state();
    }

    public AddressSpace memory() {
        return vcpu.addressSpace();
    }

    /** The thread's name: execve's or PR_SET_NAME's, else the executable's base name (at most 15 bytes). */
    public byte[] comm() {
        return comm != null ? comm : Exec.commOf(process.exePath);
    }

    /** The task the calling host thread runs, or null outside guest tasks (tests, the JVM's own threads). */
    public static Task current() {
        return CURRENT.get();
    }

    /** Binds the calling host thread to this task (at the start of its run loop). */
    public void bindToCurrentThread() {
        CURRENT.set(this);
        hostThread = Thread.currentThread();
    }

    public static void unbindCurrentThread() {
        CURRENT.remove();
    }

    public boolean stopRequested() {
        return stopRequested;
    }

    /**
     * Makes the task leave the guest (a kick) and any blocking wait (they poll {@link #stopRequested}
     * or get notified), so its run loop exits.
     */
    public void requestStop() {
        stopRequested = true;
        recheck = true;
        vcpu.cpu().kick();
        process.signals.wakeAll();
    }

    /**
     * True if the task should give up a blocking wait: it must exit, a group stop waits for it, or
     * a signal it does not block is pending.
     */
    public boolean interrupted() {
        return stopRequested || jobStopPending || process.signals.pendingIn(this, ~sigmask);
    }

    @Override
    public String toString() {
        return "task " + tid + " of " + process;
    }
}
