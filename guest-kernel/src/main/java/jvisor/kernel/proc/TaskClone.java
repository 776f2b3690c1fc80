package jvisor.kernel.proc;

import static jvisor.kernel.abi.Clone.*;

import jvisor.cpu.CpuState;
import jvisor.cpu.Reg;
import jvisor.hypervisor.Hypervisor;
import jvisor.hypervisor.Vcpu;
import jvisor.kernel.abi.Errno;
import jvisor.kernel.abi.Signals;
import jvisor.kernel.fs.FdTable;
import jvisor.kernel.mm.MemoryManager;
import jvisor.kernel.signal.SignalActions;

/**
 * clone(2), clone3(2), fork(2) and vfork(2) (Linux's kernel/fork.c copy_process and
 * kernel_clone; gVisor's kernel/task_clone.go): a new thread in the caller's process, or a new
 * process whose memory, files and signal dispositions are shared or copied as the flags say.
 *
 * <p>The new task starts on its own host thread with the caller's registers, RAX = 0 and, if
 * given, the new stack and TLS; the caller gets the new tid.
 */
public final class TaskClone {
    private TaskClone() {}

    /** What clone and clone3 were asked for (struct kernel_clone_args). */
    public record Args(long flags, long stack, long parentTid, long childTid, long tls, int exitSignal) {
    }

    /** Returns the new task's tid, or -errno. */
    public static long clone(Task parent, Args a) {
        long flags = a.flags();
        // copy_process's consistency rules.
        if ((flags & (CLONE_NEWNS | CLONE_FS)) == (CLONE_NEWNS | CLONE_FS)) return -Errno.EINVAL;
        if ((flags & CLONE_THREAD) != 0 && (flags & CLONE_SIGHAND) == 0) return -Errno.EINVAL;
        if ((flags & CLONE_SIGHAND) != 0 && (flags & CLONE_VM) == 0) return -Errno.EINVAL;
        if ((flags & NAMESPACES) != 0) return -Errno.EPERM; // one namespace of each kind per sandbox
        if ((flags & CLONE_PIDFD) != 0) return -Errno.EINVAL; // pidfds are not implemented
        if ((flags & CLONE_CLEAR_SIGHAND) != 0 && (flags & CLONE_SIGHAND) != 0) return -Errno.EINVAL;

        Process pp = parent.process;
        ProcessTable table = pp.table;
        Hypervisor hv = pp.mm.hypervisor();
        int tid = table.allocateId();
        if (tid < 0) return -Errno.EAGAIN;

        Process owner;
        if ((flags & CLONE_THREAD) != 0) {
            owner = pp;
        } else {
            MemoryManager mm = (flags & CLONE_VM) != 0 ? pp.mm.share() : pp.mm.forkCopy();
            FdTable fds = (flags & CLONE_FILES) != 0 ? pp.fds.share() : pp.fds.copy();
            SignalActions actions = (flags & CLONE_SIGHAND) != 0 ? pp.sigactions : pp.sigactions.copy();
            if ((flags & CLONE_CLEAR_SIGHAND) != 0) actions.resetForExec();
            owner = new Process(table, tid, 0, pp.creds, pp.limits.copy(), mm, pp.fs, fds, actions, pp.exePath,
                    pp.argv, pp.envp, pp.cwd());
            owner.umask = pp.umask;
            owner.dumpable = pp.dumpable; // an mm flag: a forked copy keeps it (fork(2))
            owner.noNewPrivs = pp.noNewPrivs;
            owner.nice = pp.nice;
            owner.schedPolicy = pp.schedPolicy;
            owner.schedPriority = pp.schedPriority;
            owner.image = pp.image;
            owner.auxv = pp.auxv;
            owner.execfn = pp.execfn;
            owner.initialEnvp = pp.initialEnvp;
            owner.exitSignal = a.exitSignal();
            synchronized (table) {
                owner.pgid = pp.pgid;
                owner.sid = pp.sid;
                owner.ctty = pp.ctty;
                Process parentOfChild = (flags & CLONE_PARENT) != 0 && pp.parent != null ? pp.parent : pp;
                table.addProcess(owner, parentOfChild);
            }
            owner.signals.attach(hv);
        }

        Vcpu vcpu = hv.createVcpu(owner.mm.space());
        vcpu.state().copyFrom(parent.regs);
        Task child = new Task(owner, tid, vcpu);
        CpuState s = child.regs;
        s.r[Reg.RAX] = 0;
        if (a.stack() != 0) s.r[Reg.RSP] = a.stack();
        if ((flags & CLONE_SETTLS) != 0) s.fsBase = a.tls();
        child.sigmask = parent.sigmask;
        child.comm = parent.comm;
        if ((flags & CLONE_VM) == 0 || (flags & CLONE_VFORK) != 0) {
            // A thread sharing the memory on a stack of its own starts without an alternate stack (clone(2)).
            child.altStackSp = parent.altStackSp;
            child.altStackSize = parent.altStackSize;
            child.altStackFlags = parent.altStackFlags;
        }
        if ((flags & CLONE_THREAD) == 0) {
            child.rseqAddr = parent.rseqAddr;
            child.rseqLen = parent.rseqLen;
            child.rseqSig = parent.rseqSig;
        }
        if ((flags & CLONE_CHILD_CLEARTID) != 0) child.clearChildTid = a.childTid();
        if ((flags & CLONE_PARENT_SETTID) != 0) parent.memory().write32(a.parentTid(), tid);
        if ((flags & CLONE_CHILD_SETTID) != 0) child.memory().write32(a.childTid(), tid);
        if ((flags & CLONE_VFORK) != 0) child.vforkDone = new java.util.concurrent.CountDownLatch(1);

        owner.addTask(child);
        table.start(child);

        if (child.vforkDone != null) awaitVfork(parent, child);
        return tid;
    }

    /** The vfork parent sleeps until the child has called execve or exited (its memory is the child's until then). */
    private static void awaitVfork(Task parent, Task child) {
        try {
            child.vforkDone.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** fork(2): clone(SIGCHLD, 0). */
    public static long fork(Task parent) {
        return clone(parent, new Args(Signals.SIGCHLD, 0, 0, 0, 0, Signals.SIGCHLD));
    }

    /** vfork(2): clone(CLONE_VM | CLONE_VFORK | SIGCHLD, 0). */
    public static long vfork(Task parent) {
        return clone(parent, new Args(CLONE_VM | CLONE_VFORK | Signals.SIGCHLD, 0, 0, 0, 0, Signals.SIGCHLD));
    }
}
