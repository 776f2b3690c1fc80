package jvisor.kernel.proc;

import jvisor.cpu.CpuState;
import jvisor.hypervisor.Vcpu;
import jvisor.mmu.AddressSpace;

/**
 * A thread of a guest process (Linux's task_struct, gVisor's kernel.Task): its vCPU and the
 * per-thread kernel state the syscalls manage. Syscall handlers receive the calling task.
 */
public final class Task {
    public final Process process;
    public final int tid;
    public final Vcpu vcpu;
    public final CpuState regs;

    /** Blocked signals (rt_sigprocmask(2)): per thread. */
    public long sigmask;
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
}
