package jvisor.kernel;

import jvisor.cpu.Reg;
import jvisor.hypervisor.Hypervisor;
import jvisor.hypervisor.VmExit;
import jvisor.kernel.abi.Errno;
import jvisor.kernel.debug.TaskMonitor;
import jvisor.kernel.proc.Process;
import jvisor.kernel.proc.Task;
import jvisor.kernel.signal.FatalSignal;
import jvisor.kernel.signal.Delivery;
import jvisor.kernel.strace.Strace;
import jvisor.kernel.syscall.SyscallEntry;
import jvisor.kernel.syscall.SyscallException;
import jvisor.kernel.syscall.SyscallHandler;
import jvisor.kernel.syscall.SyscallInterceptor;
import jvisor.kernel.syscall.SyscallTable;
import jvisor.mmu.PageFault;

/**
 * The guest kernel's main loop (gVisor's Task.run): switch into the guest, handle the VM exit,
 * switch again. A SYSCALL exit is dispatched through the {@link SyscallTable}; an EXCEPTION exit
 * becomes the signal Linux would send (forced: a handler runs, or the process ends); a KICK exit
 * (a timer fired on another thread) only means "look for pending signals". Before every switch
 * into the guest, pending signals are delivered ({@link Delivery}).
 */
public final class Kernel {
    private static final int NR_RT_SIGRETURN = 15;
    private final Hypervisor hv;
    private final SyscallTable table;
    /** Null unless --strace. */
    private final Strace strace;
    /** Null unless a hook, the debugger or `jvisor check` watches syscalls. */
    private volatile SyscallInterceptor interceptor;
    /** Null unless a debugger, the gdb stub or the embedding API watches the tasks (jvisor.kernel.debug). */
    private volatile TaskMonitor monitor;

    public Kernel(Hypervisor hv, SyscallTable table, Strace strace) {
        this.hv = hv;
        this.table = table;
        this.strace = strace;
    }

    /** Installs (or with null removes) the observer of every syscall. */
    public void setInterceptor(SyscallInterceptor interceptor) {
        this.interceptor = interceptor;
    }

    /** Installs (or with null removes) the debugger's view of every VM exit. */
    public void setMonitor(TaskMonitor monitor) {
        this.monitor = monitor;
    }

    public Hypervisor hypervisor() {
        return hv;
    }

    /** Runs the process until it exits or is killed; see {@link Process#exitStatus()} and killedBy(). */
    public Process run(Process p) {
        Task t = p.mainTask();
        if (strace != null) {
            strace.bindTask(t.tid);
            strace.execve(p.execfn(), p.argv, p.initialEnvp(), p.envp.size());
        }
        p.signals.attach(hv);
        if (monitor != null) monitor.started(t);
        while (!p.exited()) {
            if (monitor != null) monitor.beforeSwitch(t);
            Delivery.deliver(t, strace);
            if (p.exited()) break;
            VmExit exit = hv.switchTo(t.vcpu);
            TaskMonitor m = monitor;
            if (m != null && m.vmExit(t, exit)) continue;
            switch (exit.kind) {
                case SYSCALL -> syscall(t);
                case EXCEPTION -> Delivery.fault(t, exit);
                case KICK -> { }
            }
        }
        if (strace != null) {
            FatalSignal s = p.killedBy();
            if (s != null) {
                strace.signal(s);
                strace.killed(s.signo());
            } else {
                strace.exited(p.exitStatus());
            }
        }
        if (monitor != null) monitor.exited(p);
        return p;
    }

    /**
     * Dispatches the syscall the task stopped at: number in RAX, arguments in RDI, RSI, RDX, R10,
     * R8, R9; the result (or -errno) goes to RAX. Without --strace nothing here allocates.
     */
    public void syscall(Task t) {
        long[] r = t.regs.r;
        int nr = (int) r[Reg.RAX]; // Linux looks at the low 32 bits only
        long sp = r[Reg.RSP];
        long a0 = r[Reg.RDI], a1 = r[Reg.RSI], a2 = r[Reg.RDX], a3 = r[Reg.R10], a4 = r[Reg.R8], a5 = r[Reg.R9];
        SyscallEntry e = table.get(nr);
        SyscallInterceptor hook = interceptor;
        long[] hookArgs = null;
        long result = SyscallInterceptor.PROCEED;
        if (hook != null) {
            hookArgs = new long[] {a0, a1, a2, a3, a4, a5};
            result = hook.before(t, nr, hookArgs);
        }
        if (result == SyscallInterceptor.PROCEED) result = dispatch(t, e, a0, a1, a2, a3, a4, a5);
        if (hook != null) result = hook.after(t, nr, hookArgs, result);
        if (!t.exiting) r[Reg.RAX] = result;
        // rt_sigreturn restored the registers: strace reads the frame at the rsp of the call.
        if (strace != null) traceSyscall(t, nr, e, new long[] {nr == NR_RT_SIGRETURN ? sp : a0, a1, a2, a3, a4, a5}, result);
        if (nr != NR_RT_SIGRETURN) Delivery.syscallReturned(t, nr);
    }

    private static long dispatch(Task t, SyscallEntry e, long a0, long a1, long a2, long a3, long a4, long a5) {
        SyscallHandler h = e != null ? e.handler() : null;
        if (h == null) return -Errno.ENOSYS;
        try {
            return h.call(t, a0, a1, a2, a3, a4, a5);
        } catch (SyscallException ex) {
            return -ex.errno;
        } catch (PageFault f) {
            return -Errno.EFAULT;
        }
    }

    private void traceSyscall(Task t, int nr, SyscallEntry e, long[] args, long result) {
        if (e != null) {
            strace.syscall(t.memory(), nr, e.name(), e.args(), e.ret(), args, result, t.exiting);
        } else {
            jvisor.kernel.strace.ArgFormat[] hex = new jvisor.kernel.strace.ArgFormat[6];
            java.util.Arrays.fill(hex, jvisor.kernel.strace.ArgFormat.HEX);
            strace.syscall(t.memory(), nr, null, hex, jvisor.kernel.strace.ArgFormat.RET_DEC, args, result, false);
        }
    }
}
