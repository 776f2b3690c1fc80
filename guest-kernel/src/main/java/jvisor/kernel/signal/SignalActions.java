package jvisor.kernel.signal;

import jvisor.kernel.abi.Signals;

/** The dispositions of a process's 64 signals (shared by its threads, like Linux's sighand_struct). */
public final class SignalActions {
    private final SigAction[] actions = new SigAction[Signals.NSIG + 1];

    public SignalActions() {
        java.util.Arrays.fill(actions, SigAction.DEFAULT);
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
