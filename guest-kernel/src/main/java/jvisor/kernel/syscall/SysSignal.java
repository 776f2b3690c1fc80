package jvisor.kernel.syscall;

import static jvisor.kernel.strace.ArgFormat.HEX;
import static jvisor.kernel.strace.ArgFormat.INT;

import java.util.ArrayList;
import java.util.List;

import static jvisor.kernel.strace.ArgFormat.RET_DEC;
import static jvisor.kernel.strace.ArgFormat.SIGACTION_IN;
import static jvisor.kernel.strace.ArgFormat.SIGACTION_OUT;
import static jvisor.kernel.strace.ArgFormat.SIGHOW;
import static jvisor.kernel.strace.ArgFormat.SIGINFO_IN;
import static jvisor.kernel.strace.ArgFormat.SIGINFO_OUT;
import static jvisor.kernel.strace.ArgFormat.SIGNUM;
import static jvisor.kernel.strace.ArgFormat.SIGRETURN_FRAME;
import static jvisor.kernel.strace.ArgFormat.SIGSET_IN;
import static jvisor.kernel.strace.ArgFormat.SIGSET_OUT;
import static jvisor.kernel.strace.ArgFormat.STACK_IN;
import static jvisor.kernel.strace.ArgFormat.STACK_OUT;
import static jvisor.kernel.strace.ArgFormat.TIMESPEC_IN;
import static jvisor.kernel.strace.ArgFormat.ULONG;

import jvisor.cpu.Reg;
import jvisor.kernel.abi.Errno;
import jvisor.kernel.abi.Signals;
import jvisor.kernel.proc.Process;
import jvisor.kernel.proc.ProcessTable;
import jvisor.kernel.proc.Task;
import jvisor.kernel.signal.AltStack;
import jvisor.kernel.signal.Delivery;
import jvisor.kernel.signal.ProcessSignals;
import jvisor.kernel.signal.SigAction;
import jvisor.kernel.signal.SigInfo;
import jvisor.kernel.signal.SignalFd;
import jvisor.kernel.signal.SignalFrame;
import jvisor.kernel.time.GuestTime;
import jvisor.mmu.AddressSpace;

/**
 * Signals (gVisor sys_signal.go, Linux kernel/signal.c): dispositions, masks, pending sets,
 * alternate stacks, sending to the process itself, waiting for signals and returning from
 * handlers. Delivery itself happens on the way back to the guest ({@link Delivery}).
 */
final class SysSignal {
    private SysSignal() {}

    /** The sa_flags Linux keeps (UAPI_SA_FLAGS: unknown bits are cleared since 5.11). */
    private static final long KNOWN_SA_FLAGS = Signals.SA_NOCLDSTOP | Signals.SA_NOCLDWAIT | Signals.SA_SIGINFO
            | Signals.SA_ONSTACK | Signals.SA_RESTART | Signals.SA_NODEFER | Signals.SA_RESETHAND
            | Signals.SA_RESTORER | 0x800 /* SA_EXPOSE_TAGBITS */;

    static void register(SyscallTable t) {
        t.define("rt_sigaction", (k, a, b, c, d, e, f) -> rtSigaction(k, a, b, c, d), RET_DEC,
                SIGNUM, SIGACTION_IN, SIGACTION_OUT, ULONG);
        t.define("rt_sigprocmask", (k, a, b, c, d, e, f) -> rtSigprocmask(k, (int) a, b, c, d), RET_DEC,
                SIGHOW, SIGSET_IN, SIGSET_OUT, ULONG);
        t.define("rt_sigpending", (k, a, b, c, d, e, f) -> rtSigpending(k, a, b), RET_DEC, SIGSET_OUT, ULONG);
        t.define("sigaltstack", (k, a, b, c, d, e, f) -> sigaltstack(k, a, b), RET_DEC, STACK_IN, STACK_OUT);
        t.define("kill", (k, a, b, c, d, e, f) -> kill(k, (int) a, b), RET_DEC, INT, SIGNUM);
        t.define("tgkill", (k, a, b, c, d, e, f) -> tgkill(k, (int) a, (int) b, c), RET_DEC, INT, INT, SIGNUM);
        t.define("tkill", (k, a, b, c, d, e, f) -> tkill(k, (int) a, b), RET_DEC, INT, SIGNUM);
        t.define("rt_sigqueueinfo", (k, a, b, c, d, e, f) -> rtSigqueueinfo(k, (int) a, b, c), RET_DEC,
                INT, SIGNUM, SIGINFO_IN);
        t.define("rt_tgsigqueueinfo", (k, a, b, c, d, e, f) -> rtTgsigqueueinfo(k, (int) a, (int) b, c, d), RET_DEC,
                INT, INT, SIGNUM, SIGINFO_IN);
        t.define("rt_sigsuspend", (k, a, b, c, d, e, f) -> rtSigsuspend(k, a, b), RET_DEC, SIGSET_IN, ULONG);
        t.define("rt_sigtimedwait", (k, a, b, c, d, e, f) -> rtSigtimedwait(k, a, b, c, d), RET_DEC,
                SIGSET_IN, SIGINFO_OUT, TIMESPEC_IN, ULONG);
        t.define("pause", (k, a, b, c, d, e, f) -> pause(k), RET_DEC);
        t.define("signalfd", (k, a, b, c, d, e, f) -> signalfd(k, (int) a, b, c, 0), RET_DEC, INT, SIGSET_IN, ULONG);
        t.define("signalfd4", (k, a, b, c, d, e, f) -> signalfd(k, (int) a, b, c, (int) d), RET_DEC,
                INT, SIGSET_IN, ULONG, HEX);
        t.define("rt_sigreturn", (k, a, b, c, d, e, f) -> rtSigreturn(k), RET_DEC, SIGRETURN_FRAME);
        t.define("restart_syscall", (k, a, b, c, d, e, f) -> restartSyscall(k), RET_DEC);
    }

    /** rt_sigaction(2) with Linux's struct kernel_sigaction: handler, flags, restorer, mask. */
    static long rtSigaction(Task t, long sig, long act, long oldact, long sigsetsize) {
        if (sigsetsize != Signals.SIGSET_SIZE) return -Errno.EINVAL;
        if (!Signals.valid(sig)) return -Errno.EINVAL;
        int s = (int) sig;
        if (act != 0 && (s == Signals.SIGKILL || s == Signals.SIGSTOP)) return -Errno.EINVAL;
        AddressSpace mem = t.memory();
        SigAction old = t.process.sigactions.get(s);
        if (act != 0) {
            SigAction a = new SigAction(mem.read64(act), mem.read64(act + 8) & KNOWN_SA_FLAGS, mem.read64(act + 16),
                    mem.read64(act + 24) & ~Signals.UNBLOCKABLE);
            t.process.sigactions.set(s, a);
            if (t.process.sigactions.ignored(s)) t.process.signals.discardIgnored(s); // signal(7)
        }
        if (oldact != 0) {
            mem.write64(oldact, old.handler());
            mem.write64(oldact + 8, old.flags());
            mem.write64(oldact + 16, old.restorer());
            mem.write64(oldact + 24, old.mask());
        }
        return 0;
    }

    static long rtSigprocmask(Task t, int how, long set, long oldset, long sigsetsize) {
        if (sigsetsize != Signals.SIGSET_SIZE) return -Errno.EINVAL;
        long old = t.sigmask;
        if (set != 0) {
            long s = t.memory().read64(set);
            long mask;
            switch (how) {
                case Signals.SIG_BLOCK -> mask = old | s;
                case Signals.SIG_UNBLOCK -> mask = old & ~s;
                case Signals.SIG_SETMASK -> mask = s;
                default -> {
                    return -Errno.EINVAL;
                }
            }
            t.sigmask = mask & ~Signals.UNBLOCKABLE;
            t.process.signals.markRecheck(t);
        }
        if (oldset != 0) t.memory().write64(oldset, old);
        return 0;
    }

    static long rtSigpending(Task t, long set, long sigsetsize) {
        if (Long.compareUnsigned(sigsetsize, Signals.SIGSET_SIZE) > 0) return -Errno.EINVAL;
        long pending = t.process.signals.pending(t) & t.sigmask;
        for (int i = 0; i < sigsetsize; i++) t.memory().write8(set + i, (int) (pending >>> (8 * i)));
        return 0;
    }

    /** sigaltstack(2): stack_t is ss_sp, ss_flags (int, padded), ss_size. */
    static long sigaltstack(Task t, long ss, long oldss) {
        AddressSpace mem = t.memory();
        long rsp = t.regs.r[Reg.RSP];
        long oldSp = t.altStackSp, oldSize = t.altStackSize;
        int oldFlags = AltStack.reportedFlags(t, rsp);
        if (ss != 0) {
            long sp = mem.read64(ss);
            int flags = mem.read32(ss + 8);
            long size = mem.read64(ss + 16);
            int r = AltStack.set(t, sp, flags, size, rsp);
            if (r < 0) return r;
        }
        if (oldss != 0) {
            mem.write64(oldss, oldSp);
            mem.write64(oldss + 8, oldFlags & 0xFFFFFFFFL);
            mem.write64(oldss + 16, oldSize);
        }
        return 0;
    }

    private static SigInfo fromSelf(Task t, int sig, int code) {
        return SigInfo.fromProcess(sig, code, t.process.pid, t.process.creds.uid());
    }

    /**
     * kill(2) (kill_something_info): pid > 0 one process, 0 the caller's process group, -1 every
     * process but the caller, < -1 the group -pid. Every guest runs as the same user, so the
     * permission check always passes. A zombie can still be signalled (nothing happens).
     */
    static long kill(Task t, int pid, long sig) {
        if (sig < 0 || sig > Signals.NSIG) return -Errno.EINVAL;
        if (pid == Integer.MIN_VALUE) return -Errno.ESRCH;
        SigInfo info = fromSelf(t, (int) sig, Signals.SI_USER);
        ProcessTable table = t.process.table;
        if (pid > 0) {
            Process p = table.process(pid);
            if (p == null) {
                Task thread = table.task(pid); // a thread's id reaches its whole process
                if (thread == null) return -Errno.ESRCH;
                p = thread.process;
            }
            if (sig != 0) sendTo(t, p, info);
            return 0;
        }
        List<Process> targets;
        if (pid == -1) {
            targets = new ArrayList<>();
            for (Process p : table.processes()) if (p != t.process && p.pid > 1 && !p.isZombie()) targets.add(p);
        } else {
            targets = table.group(pid == 0 ? t.process.pgid() : -pid);
        }
        if (targets.isEmpty()) return -Errno.ESRCH;
        if (sig != 0) for (Process p : targets) sendTo(t, p, info);
        return 0;
    }

    /** A process-directed signal; to the caller's own process through the caller (its mask decides). */
    private static void sendTo(Task t, Process p, SigInfo info) {
        if (p == t.process) p.signals.send(t, info, false);
        else p.signals.sendToProcess(info);
    }

    /** The task tid, if it belongs to process tgid (or any process when tgid is -1). */
    private static Task thread(Task t, int tgid, int tid) {
        Task target = tid == t.tid ? t : t.process.table.task(tid);
        if (target == null || (tgid != -1 && target.process.pid != tgid)) return null;
        return target;
    }

    static long tgkill(Task t, int tgid, int tid, long sig) {
        if (tgid <= 0 || tid <= 0) return -Errno.EINVAL;
        if (sig < 0 || sig > Signals.NSIG) return -Errno.EINVAL;
        Task target = thread(t, tgid, tid);
        if (target == null) return -Errno.ESRCH;
        if (sig != 0) target.process.signals.send(target, fromSelf(t, (int) sig, Signals.SI_TKILL), true);
        return 0;
    }

    static long tkill(Task t, int tid, long sig) {
        if (tid <= 0) return -Errno.EINVAL;
        if (sig < 0 || sig > Signals.NSIG) return -Errno.EINVAL;
        Task target = thread(t, -1, tid);
        if (target == null) return -Errno.ESRCH;
        if (sig != 0) target.process.signals.send(target, fromSelf(t, (int) sig, Signals.SI_TKILL), true);
        return 0;
    }

    /** rt_sigqueueinfo(2): the caller's siginfo, si_signo replaced; a fake kernel or kill siginfo only to itself. */
    static long rtSigqueueinfo(Task t, int pid, long sig, long uinfo) {
        SigInfo info = SigInfo.read(t.memory(), uinfo, (int) sig);
        if ((info.code >= 0 || info.code == Signals.SI_TKILL) && pid != t.process.pid) return -Errno.EPERM;
        if (sig < 0 || sig > Signals.NSIG) return -Errno.EINVAL;
        Process p = pid > 0 ? t.process.table.process(pid) : null;
        if (p == null) return -Errno.ESRCH;
        if (sig == 0) return 0;
        if (p == t.process) return p.signals.send(t, info, false) ? 0 : -Errno.EAGAIN;
        p.signals.sendToProcess(info); // a zombie takes the signal and ignores it
        return 0;
    }

    static long rtTgsigqueueinfo(Task t, int tgid, int tid, long sig, long uinfo) {
        if (tgid <= 0 || tid <= 0) return -Errno.EINVAL;
        SigInfo info = SigInfo.read(t.memory(), uinfo, (int) sig);
        if ((info.code >= 0 || info.code == Signals.SI_TKILL) && tid != t.tid) return -Errno.EPERM;
        if (sig < 0 || sig > Signals.NSIG) return -Errno.EINVAL;
        Task target = thread(t, tgid, tid);
        if (target == null) return -Errno.ESRCH;
        if (sig == 0) return 0;
        return target.process.signals.send(target, info, true) ? 0 : -Errno.EAGAIN;
    }

    /** Blocks until a signal the task does not block is pending; true if one came before deadline. */
    static boolean waitForSignal(Task t, long deadline) {
        return t.process.signals.await(t, deadline, () -> ~t.sigmask);
    }

    /** rt_sigsuspend(2): waits with a temporary mask, restored after the handler (or at once without one). */
    static long rtSigsuspend(Task t, long mask, long sigsetsize) {
        if (sigsetsize != Signals.SIGSET_SIZE) return -Errno.EINVAL;
        long m = t.memory().read64(mask);
        t.savedSigmask = t.sigmask;
        t.restoreSigmask = true;
        t.sigmask = m & ~Signals.UNBLOCKABLE;
        waitForSignal(t, Long.MAX_VALUE);
        return -Signals.ERESTARTNOHAND;
    }

    static long pause(Task t) {
        waitForSignal(t, Long.MAX_VALUE);
        return -Signals.ERESTARTNOHAND;
    }

    /**
     * rt_sigtimedwait(2): takes a pending signal of the set; otherwise unblocks the set while
     * waiting. EAGAIN on timeout, EINTR if another signal came (never restarted, signal(7)).
     */
    static long rtSigtimedwait(Task t, long uthese, long uinfo, long uts, long sigsetsize) {
        if (sigsetsize != Signals.SIGSET_SIZE) return -Errno.EINVAL;
        long these = t.memory().read64(uthese) & ~Signals.UNBLOCKABLE;
        long timeout = Long.MAX_VALUE;
        if (uts != 0) {
            timeout = GuestTime.readTimespec(t.memory(), uts);
            if (timeout < 0) return -Errno.EINVAL;
        }
        ProcessSignals ps = t.process.signals;
        SigInfo info = ps.dequeue(t, these);
        if (info == null && timeout != 0) {
            long deadline = timeout == Long.MAX_VALUE ? Long.MAX_VALUE : System.nanoTime() + timeout;
            long blocked = t.sigmask;
            t.realBlocked = blocked;
            t.sigmask &= ~these;
            boolean woken;
            try {
                woken = waitForSignal(t, deadline);
            } finally {
                t.sigmask = blocked;
                t.realBlocked = 0;
            }
            info = ps.dequeue(t, these);
            if (info == null) return woken ? -Errno.EINTR : -Errno.EAGAIN;
        } else if (info == null) {
            return -Errno.EAGAIN;
        }
        ps.markRecheck(t);
        if (uinfo != 0) info.write(t.memory(), uinfo);
        return info.signo;
    }

    /**
     * signalfd(2) and signalfd4(2) (fs/signalfd.c do_signalfd4): a new descriptor for fd -1, else
     * a new mask for the signalfd fd is (EINVAL if it is another kind of file).
     */
    static long signalfd(Task t, int fd, long umask, long sizemask, int flags) {
        if (sizemask != Signals.SIGSET_SIZE) return -Errno.EINVAL;
        long mask = t.memory().read64(umask);
        if ((flags & ~(SignalFd.SFD_CLOEXEC | SignalFd.SFD_NONBLOCK)) != 0) return -Errno.EINVAL;
        if (fd == -1) {
            return t.process.fds.install(new SignalFd(mask, flags), (flags & SignalFd.SFD_CLOEXEC) != 0, 0,
                    SysSupport.fdLimit(t));
        }
        if (!(SysSupport.file(t, fd) instanceof SignalFd sfd)) return -Errno.EINVAL;
        sfd.setMask(mask);
        t.process.signals.wakeAll(); // a read waiting for the old mask looks again
        return fd;
    }

    /** rt_sigreturn(2): back from a handler; returns the restored rax. A bad frame is a SIGSEGV. */
    static long rtSigreturn(Task t) {
        t.restartBlock = null; // restore_sigcontext: pending restarts now fail with EINTR
        t.process.signals.markRecheck(t);
        if (!SignalFrame.restore(t)) {
            Delivery.force(t, SigInfo.fault(Signals.SIGSEGV, Signals.SI_KERNEL, 0, null));
            return 0;
        }
        return t.regs.r[Reg.RAX];
    }

    /** restart_syscall(2): continues a sleep interrupted by a signal that ran no handler. */
    static long restartSyscall(Task t) {
        var r = t.restartBlock;
        t.restartBlock = null;
        return r != null ? r.applyAsLong(t) : -Errno.EINTR;
    }

    /**
     * Sends sig to the task from itself (SIGPIPE of a broken pipe: send_sig, thread-directed,
     * SI_USER). It is acted on when the syscall returns.
     */
    static void raise(Task t, int sig, int code) {
        t.process.signals.send(t, fromSelf(t, sig, code), true);
    }
}
