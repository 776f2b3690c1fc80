package jvisor.kernel.syscall;

import static jvisor.kernel.strace.ArgFormat.INT;
import static jvisor.kernel.strace.ArgFormat.RET_DEC;
import static jvisor.kernel.strace.ArgFormat.SIGACTION_IN;
import static jvisor.kernel.strace.ArgFormat.SIGACTION_OUT;
import static jvisor.kernel.strace.ArgFormat.SIGHOW;
import static jvisor.kernel.strace.ArgFormat.SIGNUM;
import static jvisor.kernel.strace.ArgFormat.SIGSET_IN;
import static jvisor.kernel.strace.ArgFormat.SIGSET_OUT;
import static jvisor.kernel.strace.ArgFormat.STACK_IN;
import static jvisor.kernel.strace.ArgFormat.STACK_OUT;
import static jvisor.kernel.strace.ArgFormat.ULONG;

import jvisor.cpu.Reg;
import jvisor.kernel.abi.Errno;
import jvisor.kernel.abi.Signals;
import jvisor.kernel.proc.Task;
import jvisor.kernel.signal.FatalSignal;
import jvisor.kernel.signal.SigAction;
import jvisor.mmu.AddressSpace;

/**
 * Signal dispositions, masks and alternate stacks (gVisor sys_signal.go), and signals a process
 * sends itself. Handlers are recorded but not yet delivered: a signal whose default action kills
 * ends the process; one with a handler stays pending.
 */
final class SysSignal {
    private SysSignal() {}

    static void register(SyscallTable t) {
        t.define("rt_sigaction", (k, a, b, c, d, e, f) -> rtSigaction(k, a, b, c, d), RET_DEC,
                SIGNUM, SIGACTION_IN, SIGACTION_OUT, ULONG);
        t.define("rt_sigprocmask", (k, a, b, c, d, e, f) -> rtSigprocmask(k, (int) a, b, c, d), RET_DEC,
                SIGHOW, SIGSET_IN, SIGSET_OUT, ULONG);
        t.define("rt_sigpending", (k, a, b, c, d, e, f) -> rtSigpending(k, a, b), RET_DEC, SIGSET_OUT, ULONG);
        t.define("sigaltstack", (k, a, b, c, d, e, f) -> sigaltstack(k, a, b), RET_DEC, STACK_IN, STACK_OUT);
        t.define("kill", (k, a, b, c, d, e, f) -> kill(k, (int) a, b), RET_DEC, INT, SIGNUM);
        t.define("tgkill", (k, a, b, c, d, e, f) -> tgkill(k, (int) a, (int) b, c), RET_DEC, INT, INT, SIGNUM);
        t.define("tkill", (k, a, b, c, d, e, f) -> tgkill(k, k.process.pid, (int) a, b), RET_DEC, INT, SIGNUM);
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
            SigAction a = new SigAction(mem.read64(act), mem.read64(act + 8), mem.read64(act + 16),
                    mem.read64(act + 24) & ~Signals.UNBLOCKABLE);
            t.process.sigactions.set(s, a);
            if (t.process.sigactions.ignored(s)) t.pendingSignals &= ~Signals.bit(s); // discarded (signal(7))
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
            long mask = switch (how) {
                case Signals.SIG_BLOCK -> old | s;
                case Signals.SIG_UNBLOCK -> old & ~s;
                case Signals.SIG_SETMASK -> s;
                default -> -1;
            };
            if (how < Signals.SIG_BLOCK || how > Signals.SIG_SETMASK) return -Errno.EINVAL;
            t.sigmask = mask & ~Signals.UNBLOCKABLE;
        }
        if (oldset != 0) t.memory().write64(oldset, old);
        deliverPending(t);
        return 0;
    }

    static long rtSigpending(Task t, long set, long sigsetsize) {
        if (sigsetsize > Signals.SIGSET_SIZE) return -Errno.EINVAL;
        t.memory().write64(set, t.pendingSignals & t.sigmask);
        return 0;
    }

    /** sigaltstack(2): stack_t is ss_sp, ss_flags (int, padded), ss_size. */
    static long sigaltstack(Task t, long ss, long oldss) {
        AddressSpace mem = t.memory();
        long rsp = t.regs.r[Reg.RSP];
        boolean onStack = t.altStackSize != 0 && Long.compareUnsigned(rsp - t.altStackSp, t.altStackSize) < 0;
        long oldSp = t.altStackSp, oldSize = t.altStackSize;
        int oldFlags = t.altStackSize == 0 ? Signals.SS_DISABLE
                : (onStack ? Signals.SS_ONSTACK : 0) | (t.altStackFlags & Signals.SS_AUTODISARM);
        if (ss != 0) {
            long sp = mem.read64(ss);
            int flags = mem.read32(ss + 8);
            long size = mem.read64(ss + 16);
            if (onStack) return -Errno.EPERM;
            int mode = flags & ~Signals.SS_AUTODISARM;
            if (mode != Signals.SS_DISABLE && mode != Signals.SS_ONSTACK && mode != 0) return -Errno.EINVAL;
            if (mode == Signals.SS_DISABLE) {
                t.altStackSp = 0;
                t.altStackSize = 0;
                t.altStackFlags = Signals.SS_DISABLE;
            } else {
                if (Long.compareUnsigned(size, Signals.MINSIGSTKSZ) < 0) return -Errno.ENOMEM;
                t.altStackSp = sp;
                t.altStackSize = size;
                t.altStackFlags = flags & Signals.SS_AUTODISARM;
            }
        }
        if (oldss != 0) {
            mem.write64(oldss, oldSp);
            mem.write64(oldss + 8, oldFlags & 0xFFFFFFFFL);
            mem.write64(oldss + 16, oldSize);
        }
        return 0;
    }

    /** kill(2): only the process itself can be reached from inside the sandbox. */
    static long kill(Task t, int pid, long sig) {
        if (sig < 0 || sig > Signals.NSIG) return -Errno.EINVAL;
        if (pid != t.process.pid && pid != 0 && pid != -1 && pid != -t.process.pid) return -Errno.ESRCH;
        if (sig != 0) raise(t, (int) sig, Signals.SI_USER);
        return 0;
    }

    static long tgkill(Task t, int tgid, int tid, long sig) {
        if (tgid <= 0 || tid <= 0) return -Errno.EINVAL;
        if (sig < 0 || sig > Signals.NSIG) return -Errno.EINVAL;
        if (tgid != t.process.pid || tid != t.tid) return -Errno.ESRCH;
        if (sig != 0) raise(t, (int) sig, Signals.SI_TKILL);
        return 0;
    }

    /**
     * Sends sig to the task from itself (kill, tgkill, SIGPIPE of a broken pipe). A blocked signal
     * waits; an ignored one is dropped; a default action that kills ends the process; a handler
     * cannot run yet, so that signal stays pending.
     */
    static void raise(Task t, int sig, int code) {
        t.pendingSignals |= Signals.bit(sig);
        t.pendingCodes[sig] = code;
        deliverPending(t);
    }

    /** Acts on pending, unblocked signals whose disposition this kernel can carry out. */
    static void deliverPending(Task t) {
        long deliverable = t.pendingSignals & ~t.sigmask;
        for (int sig = 1; deliverable != 0 && sig <= Signals.NSIG; sig++) {
            long bit = Signals.bit(sig);
            if ((deliverable & bit) == 0) continue;
            deliverable &= ~bit;
            SigAction a = t.process.sigactions.get(sig);
            if (a.handler() != Signals.SIG_DFL && a.handler() != Signals.SIG_IGN) continue; // handler: not yet
            t.pendingSignals &= ~bit;
            if (a.handler() == Signals.SIG_IGN) continue;
            switch (Signals.defaultAction(sig)) {
                case TERMINATE, CORE -> {
                    t.process.kill(new FatalSignal(sig, t.pendingCodes[sig], 0, t.process.pid,
                            t.process.creds.uid(), null));
                    return;
                }
                default -> { } // ignore, stop, continue: no job control here
            }
        }
    }
}
