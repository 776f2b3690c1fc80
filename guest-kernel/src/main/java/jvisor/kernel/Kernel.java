package jvisor.kernel;

import jvisor.cpu.Reg;
import jvisor.hypervisor.Hypervisor;
import jvisor.hypervisor.VmExit;
import jvisor.kernel.abi.Errno;
import jvisor.kernel.debug.TaskMonitor;
import jvisor.kernel.proc.Process;
import jvisor.kernel.proc.ProcessTable;
import jvisor.kernel.proc.Task;
import jvisor.kernel.proc.TaskExit;
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
    private static final int NR_RT_SIGRETURN = 15, NR_EXECVE = 59, NR_EXECVEAT = 322;

    /** execve's arguments as strace prints them, read before the call replaces the memory they are in. */
    private record ExecTrace(byte[] path, java.util.List<byte[]> argv, long envpAddr, int envc) {
        static ExecTrace read(Task t, long pathAddr, long argvAddr, long envpAddr) {
            jvisor.mmu.AddressSpace m = t.memory();
            java.util.List<byte[]> argv = new java.util.ArrayList<>();
            byte[] path = new byte[0];
            int envc = 0;
            try {
                path = m.readCString(pathAddr, 4096);
                for (int i = 0; argvAddr != 0 && i < 4096; i++) {
                    long p = m.read64(argvAddr + 8L * i);
                    if (p == 0) break;
                    argv.add(m.readCString(p, 4096));
                }
                while (envpAddr != 0 && envc < 1 << 20 && m.read64(envpAddr + 8L * envc) != 0) envc++;
            } catch (PageFault f) {
                // strace shows what it could read; the call itself reports EFAULT
            }
            return new ExecTrace(path == null ? new byte[0] : path, argv, envpAddr, envc);
        }
    }
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

    /**
     * Runs the first process on the calling thread until it has ended (every task gone), then
     * returns it: see {@link Process#exitStatus()} and killedBy(). Tasks that clone creates run
     * on host threads of their own; processes still running when the first one ends are left
     * to the JVM's exit, as a container's processes die with its init.
     */
    public Process run(Process p) {
        ProcessTable table = p.table;
        table.setStarter(this::start);
        if (strace != null) {
            strace.setPidPrefix(() -> {
                Task t = Task.current();
                return t != null && table.taskCount() > 1 ? t.tid : 0;
            });
            strace.execve(p.execfn(), p.argv, p.initialEnvp(), p.envp.size());
        }
        p.signals.attach(hv);
        first = p;
        TaskMonitor m = monitor;
        if (m != null) m.started(p.mainTask());
        runTask(p.mainTask());
        try {
            p.awaitZombie();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Throwable f = failure;
        if (f != null) throw new IllegalStateException("a guest task failed: " + f, f);
        return p;
    }

    /** The process {@link #run} was given: its end is the program's end for a monitor. */
    private volatile Process first;

    /** A bug in jvisor met by some task (the first one): reported by the first process's run. */
    private volatile Throwable failure;

    /** Starts a task created by clone on a host thread of its own (guest threads run in parallel). */
    private void start(Task t) {
        GuestThread.start("vcpu-" + t.tid, () -> runTask(t));
    }

    /**
     * One task's life (gVisor's Task.run): deliver signals, switch into the guest, handle the VM
     * exit, until the task exits or must stop; then the exit path (robust futexes, clear_child_tid,
     * and the process's end if it was the last task).
     */
    void runTask(Task t) {
        t.bindToCurrentThread();
        try {
            while (!t.stopRequested()) {
                TaskMonitor m = monitor;
                if (m != null) m.beforeSwitch(t);
                Delivery.deliver(t, strace, interceptor);
                if (t.stopRequested()) break;
                VmExit exit = hv.switchTo(t.vcpu);
                m = monitor;
                if (m != null && m.vmExit(t, exit)) continue;
                switch (exit.kind) {
                    case SYSCALL -> syscall(t);
                    case EXCEPTION -> Delivery.fault(t, exit);
                    case KICK -> { }
                }
            }
        } catch (Throwable e) {
            if (failure == null) failure = e;
            for (Process q : t.process.table.processes()) q.kill(new FatalSignal(9, 0, 0, 0, 0, null));
        } finally {
            try {
                // The monitor lets go of the task before its vCPU (and the vCPU's debug probe) is
                // given back: a debugger resuming or stopping every task it tracks at that moment
                // met a task without a probe (an internal error, seen at a traced child's exit).
                TaskMonitor m = monitor;
                if (m != null) m.taskExited(t);
                boolean processEnded = TaskExit.exit(t, strace, interceptor);
                if (m != null && processEnded && t.process == first) m.exited(t.process);
            } finally {
                Task.unbindCurrentThread();
                hv.leaveThread(); // the host thread goes back to the pool
            }
        }
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
        ExecTrace execTrace = strace != null && (nr == NR_EXECVE || nr == NR_EXECVEAT)
                ? ExecTrace.read(t, nr == NR_EXECVE ? a0 : a1, nr == NR_EXECVE ? a1 : a2, nr == NR_EXECVE ? a2 : a3)
                : null;
        long[] stracePre = strace != null && e != null ? strace.beforeCall(t.memory(), e.args(),
                new long[] {a0, a1, a2, a3, a4, a5}) : null;
        if (result == SyscallInterceptor.PROCEED) {
            result = dispatch(t, e, a0, a1, a2, a3, a4, a5);
            TaskMonitor m = monitor; // as ptrace's exec event, before the syscall's return is seen
            if (m != null && result == 0 && (nr == NR_EXECVE || nr == NR_EXECVEAT)) m.execed(t);
        }
        if (hook != null) result = hook.after(t, nr, hookArgs, result);
        if (!t.exiting) r[Reg.RAX] = result;
        // rt_sigreturn restored the registers: strace reads the frame at the rsp of the call.
        if (execTrace != null) {
            strace.execve(execTrace.path, execTrace.argv, execTrace.envpAddr, execTrace.envc, result);
        } else if (strace != null) {
            traceSyscall(t, nr, e, new long[] {nr == NR_RT_SIGRETURN ? sp : a0, a1, a2, a3, a4, a5}, result, stracePre);
        }
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

    private void traceSyscall(Task t, int nr, SyscallEntry e, long[] args, long result, long[] pre) {
        if (e != null) {
            strace.syscall(t.memory(), nr, e.name(), e.args(), e.ret(), args, result, t.exiting, pre);
        } else {
            jvisor.kernel.strace.ArgFormat[] hex = new jvisor.kernel.strace.ArgFormat[6];
            java.util.Arrays.fill(hex, jvisor.kernel.strace.ArgFormat.HEX);
            strace.syscall(t.memory(), nr, null, hex, jvisor.kernel.strace.ArgFormat.RET_DEC, args, result, false);
        }
    }
}
