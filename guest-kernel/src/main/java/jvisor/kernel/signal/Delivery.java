package jvisor.kernel.signal;

import jvisor.cpu.CpuFault;
import jvisor.cpu.Reg;
import jvisor.hypervisor.VmExit;
import jvisor.kernel.abi.Signals;
import jvisor.kernel.proc.Task;
import jvisor.kernel.strace.Strace;

/**
 * Signal delivery on the way back into the guest (Linux's arch_do_signal_or_restart, get_signal,
 * handle_signal), and faults turned into forced signals (force_sig_fault).
 *
 * <p>Stop signals (SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU) with their default action stop the
 * process ({@link GroupStop}); SIGCONT has already done its work when it was sent, and its
 * default action here is to do nothing more.
 */
public final class Delivery {
    private static final int NR_RESTART_SYSCALL = 219;
    private static final int SYSCALL_INSN_LEN = 2;

    private Delivery() {}

    /** Records the syscall the task is returning from (orig_ax), for restarts. */
    public static void syscallReturned(Task t, int nr) {
        t.syscallNr = nr;
    }

    /**
     * Delivers every deliverable pending signal (each handler gets a frame, the last one set up
     * runs first, as in Linux), kills the process for a fatal one, and restarts or fails an
     * interrupted syscall. Called before every switch into the guest; cheap when there is nothing.
     */
    public static void deliver(Task t, Strace strace) {
        deliver(t, strace, null);
    }

    /** As {@link #deliver(Task, Strace)}, telling hook (if not null) of every signal strace would show. */
    public static void deliver(Task t, Strace strace, jvisor.kernel.syscall.SyscallInterceptor hook) {
        ProcessSignals ps = t.process.signals;
        if (!t.recheck && !t.restoreSigmask) {
            if (t.syscallNr < 0) return;
            long rax = t.regs.r[Reg.RAX];
            if (rax > -Signals.ERESTARTSYS || rax < -Signals.ERESTART_RESTARTBLOCK) {
                t.syscallNr = -1;
                return;
            }
        }
        t.recheck = false;
        while (!t.process.exited()) {
            if (GroupStop.stopIfPending(t, strace)) continue;
            SigInfo info = ps.dequeue(t, ~t.sigmask);
            if (info == null) break;
            int sig = info.signo;
            SigAction a = t.process.sigactions.get(sig);
            long h = a.handler();
            if (h == Signals.SIG_IGN && sig != Signals.SIGKILL) {
                announce(t, info, strace, hook);
                continue;
            }
            if (h == Signals.SIG_DFL || sig == Signals.SIGKILL) {
                switch (Signals.defaultAction(sig)) {
                    case TERMINATE, CORE -> {
                        t.process.kill(info.fatal());
                        return;
                    }
                    case STOP -> {
                        announce(t, info, strace, hook);
                        GroupStop.stop(t, sig, strace);
                        continue;
                    }
                    default -> { // ignore, continue (see the class comment)
                        announce(t, info, strace, hook);
                        continue;
                    }
                }
            }
            announce(t, info, strace, hook);
            handle(t, info, a, strace);
        }
        finishSyscall(t);
    }

    private static void announce(Task t, SigInfo info, Strace strace, jvisor.kernel.syscall.SyscallInterceptor hook) {
        if (strace != null) strace.signal(info);
        if (hook != null) hook.signalDelivered(t, info);
    }

    /** Sets up a handler's frame (handle_signal), deciding first what an interrupted syscall returns. */
    private static void handle(Task t, SigInfo info, SigAction a, Strace strace) {
        long[] r = t.regs.r;
        if (t.syscallNr >= 0) {
            switch ((int) -r[Reg.RAX]) {
                case Signals.ERESTART_RESTARTBLOCK, Signals.ERESTARTNOHAND -> r[Reg.RAX] = -jvisor.kernel.abi.Errno.EINTR;
                case Signals.ERESTARTSYS -> {
                    if ((a.flags() & Signals.SA_RESTART) == 0) r[Reg.RAX] = -jvisor.kernel.abi.Errno.EINTR;
                    else restart(t);
                }
                case Signals.ERESTARTNOINTR -> restart(t);
                default -> { }
            }
            t.syscallNr = -1;
        }
        long saved = t.restoreSigmask ? t.savedSigmask : t.sigmask;
        int sig = info.signo;
        if (!SignalFrame.setup(t, info, a, saved)) {
            forceSigsegv(t, sig);
            return;
        }
        t.restoreSigmask = false;
        // signal_delivered: block sa_mask and the signal itself (unless SA_NODEFER).
        long mask = t.sigmask | a.mask();
        if ((a.flags() & Signals.SA_NODEFER) == 0) mask |= Signals.bit(sig);
        t.sigmask = mask & ~Signals.UNBLOCKABLE;
        if ((a.flags() & Signals.SA_RESETHAND) != 0) {
            t.process.sigactions.set(sig, new SigAction(Signals.SIG_DFL, a.flags(), a.restorer(), a.mask()));
        }
    }

    private static void restart(Task t) {
        t.regs.r[Reg.RAX] = t.syscallNr;
        t.regs.rip -= SYSCALL_INSN_LEN;
    }

    /** No handler ran: restart an interrupted syscall, and put rt_sigsuspend's mask back. */
    private static void finishSyscall(Task t) {
        if (t.syscallNr >= 0) {
            long[] r = t.regs.r;
            switch ((int) -r[Reg.RAX]) {
                case Signals.ERESTARTNOHAND, Signals.ERESTARTSYS, Signals.ERESTARTNOINTR -> restart(t);
                case Signals.ERESTART_RESTARTBLOCK -> {
                    r[Reg.RAX] = NR_RESTART_SYSCALL;
                    t.regs.rip -= SYSCALL_INSN_LEN;
                }
                default -> { }
            }
            t.syscallNr = -1;
        }
        if (t.restoreSigmask) {
            t.restoreSigmask = false;
            t.sigmask = t.savedSigmask;
            t.process.signals.markRecheck(t);
        }
    }

    /** force_sigsegv: a handler's frame could not be built; SIGSEGV, fatal if that was SIGSEGV. */
    static void forceSigsegv(Task t, int sig) {
        if (sig == Signals.SIGSEGV) {
            SigAction a = t.process.sigactions.get(Signals.SIGSEGV);
            t.process.sigactions.set(Signals.SIGSEGV, new SigAction(Signals.SIG_DFL, a.flags(), a.restorer(), a.mask()));
        }
        force(t, SigInfo.fault(Signals.SIGSEGV, Signals.SI_KERNEL, 0, null));
    }

    /**
     * force_sig_info: a signal the task cannot refuse. If it is blocked or ignored, it is
     * unblocked and its disposition reset to SIG_DFL, so that it kills.
     */
    public static void force(Task t, SigInfo info) {
        int sig = info.signo;
        SigAction a = t.process.sigactions.get(sig);
        boolean blocked = (t.sigmask & Signals.bit(sig)) != 0;
        if (blocked || a.handler() == Signals.SIG_IGN) {
            a = new SigAction(Signals.SIG_DFL, a.flags(), a.restorer(), a.mask());
            t.process.sigactions.set(sig, a);
            if (blocked) t.sigmask &= ~Signals.bit(sig);
        }
        if (a.handler() == Signals.SIG_DFL) {
            // Nothing will catch it: the process ends now, with the report of the fault.
            t.process.kill(info.fatal());
            return;
        }
        t.process.signals.send(t, info, true);
    }

    /** An EXCEPTION exit: the fault's signal, with the trap details a handler's sigcontext shows. */
    public static void fault(Task t, VmExit exit) {
        FatalSignal f = Faults.signalFor(exit, t.vcpu);
        t.trapNo = exit.vector;
        t.trapError = exit.errorCode;
        if (exit.vector == CpuFault.PF) {
            t.cr2 = exit.address;
            t.trapError |= 4; // X86_PF_USER: the fault came from user mode
        }
        force(t, SigInfo.fault(f.signo(), f.code(), f.addr(), f.report()));
    }
}
