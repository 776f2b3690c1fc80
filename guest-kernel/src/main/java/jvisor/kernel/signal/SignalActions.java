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
            if (h != Signals.SIG_IGN) actions[sig] = SigAction.DEFAULT;
            else actions[sig] = new SigAction(Signals.SIG_IGN, 0, 0, 0);
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
