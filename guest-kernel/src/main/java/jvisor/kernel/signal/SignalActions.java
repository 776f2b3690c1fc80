package jvisor.kernel.signal;

import jvisor.kernel.abi.Signals;

/** The dispositions of a process's 64 signals (shared by its threads, like Linux's sighand_struct). */
public final class SignalActions {
    private final SigAction[] actions = new SigAction[Signals.NSIG + 1];

    public SignalActions() {
        java.util.Arrays.fill(actions, SigAction.DEFAULT);
    }

    /** fork's copy (without CLONE_SIGHAND). */
    public SignalActions copy() {
        SignalActions c = new SignalActions();
        System.arraycopy(actions, 0, c.actions, 0, actions.length);
        return c;
    }

    /**
     * execve (flush_signal_handlers): caught signals go back to SIG_DFL; ignored ones stay ignored.
     * Flags and masks are cleared, as Linux does.
     */
    public void resetForExec() {
        for (int sig = 1; sig < actions.length; sig++) {
            long h = actions[sig].handler();
            actions[sig] = h == Signals.SIG_IGN ? SigAction.IGNORED : SigAction.DEFAULT;
        }
    }

    /**
     * The dispositions a program starts with when the process that started it had the signals
     * of mask (bit n-1 for signal n, as /proc/PID/status's SigIgn) ignored: execve keeps SIG_IGN.
     * SIGKILL and SIGSTOP cannot be ignored.
     */
    public void ignoreInherited(long mask) {
        for (int sig = 1; sig < actions.length; sig++) {
            if ((mask >>> (sig - 1) & 1) != 0 && sig != Signals.SIGKILL && sig != Signals.SIGSTOP) {
                actions[sig] = SigAction.IGNORED;
            }
        }
    }

    public SigAction get(int sig) {
        return actions[sig];
    }

    public void set(int sig, SigAction action) {
        actions[sig] = action;
    }

    /** True if a signal raised now would be discarded: SIG_IGN, or SIG_DFL with an "ignore" default. */
    public boolean ignored(int sig) {
        long h = actions[sig].handler();
        return h == Signals.SIG_IGN
                || (h == Signals.SIG_DFL && Signals.defaultAction(sig) == Signals.DefaultAction.IGNORE);
    }
}
