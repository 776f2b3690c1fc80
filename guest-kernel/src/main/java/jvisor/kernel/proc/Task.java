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

    /** Blocked signals (rt_sigprocmask(2)). */
    public long sigmask;
    /** Signals raised but not acted on yet (blocked, or with a handler this kernel cannot run yet). */
    public long pendingSignals;
    /** si_code of each pending signal. */
    public final int[] pendingCodes = new int[jvisor.kernel.abi.Signals.NSIG + 1];
    /** sigaltstack(2): ss_sp, ss_size, ss_flags (SS_DISABLE when there is none). */
    public long altStackSp, altStackSize;
    public int altStackFlags = jvisor.kernel.abi.Signals.SS_DISABLE;

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
