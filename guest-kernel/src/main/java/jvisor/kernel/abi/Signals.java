package jvisor.kernel.abi;

/**
 * Signal numbers, names and related constants of x86-64 Linux (arch/x86/include/uapi/asm/signal.h,
 * include/uapi/asm-generic/siginfo.h), and strace's way of printing them.
 */
public final class Signals {
    private Signals() {}

    public static final int SIGHUP = 1, SIGINT = 2, SIGQUIT = 3, SIGILL = 4, SIGTRAP = 5, SIGABRT = 6, SIGBUS = 7,
            SIGFPE = 8, SIGKILL = 9, SIGUSR1 = 10, SIGSEGV = 11, SIGUSR2 = 12, SIGPIPE = 13, SIGALRM = 14,
            SIGTERM = 15, SIGSTKFLT = 16, SIGCHLD = 17, SIGCONT = 18, SIGSTOP = 19, SIGTSTP = 20, SIGTTIN = 21,
            SIGTTOU = 22, SIGURG = 23, SIGXCPU = 24, SIGXFSZ = 25, SIGVTALRM = 26, SIGPROF = 27, SIGWINCH = 28,
            SIGIO = 29, SIGPWR = 30, SIGSYS = 31;
    public static final int SIGRTMIN = 32;
    /** Highest signal number (_NSIG). */
    public static final int NSIG = 64;

    /** sizeof(sigset_t) that rt_sig* syscalls demand. */
    public static final int SIGSET_SIZE = 8;

    public static final int SIG_BLOCK = 0, SIG_UNBLOCK = 1, SIG_SETMASK = 2;

    /** Handler values with a meaning of their own. */
    public static final long SIG_DFL = 0, SIG_IGN = 1;

    public static final long SA_NOCLDSTOP = 0x1, SA_NOCLDWAIT = 0x2, SA_SIGINFO = 0x4, SA_RESTORER = 0x04000000L,
            SA_ONSTACK = 0x08000000L, SA_RESTART = 0x10000000L, SA_INTERRUPT = 0x20000000L,
            SA_NODEFER = 0x40000000L, SA_RESETHAND = 0x80000000L;

    public static final int SS_ONSTACK = 1, SS_DISABLE = 2, SS_AUTODISARM = 1 << 31;
    /** MINSIGSTKSZ of the x86 UAPI: sigaltstack(2) refuses smaller stacks with ENOMEM. */
    public static final int MINSIGSTKSZ = 2048;

    /**
     * Kernel-internal results of interrupted syscalls (include/linux/errno.h), never seen by the
     * guest: the delivery path turns them into EINTR or a restart.
     */
    public static final int ERESTARTSYS = 512, ERESTARTNOINTR = 513, ERESTARTNOHAND = 514,
            ERESTART_RESTARTBLOCK = 516;

    /** strace's name and text for a kernel-internal restart result, or null. */
    public static String[] restartName(long result) {
        return switch ((int) -result) {
            case ERESTARTSYS -> new String[] {"ERESTARTSYS", "To be restarted if SA_RESTART is set"};
            case ERESTARTNOINTR -> new String[] {"ERESTARTNOINTR", "To be restarted"};
            case ERESTARTNOHAND -> new String[] {"ERESTARTNOHAND", "To be restarted if no handler"};
            case ERESTART_RESTARTBLOCK -> new String[] {"ERESTART_RESTARTBLOCK", "Interrupted by signal"};
            default -> null;
        };
    }

    // si_code values.
    public static final int SI_USER = 0, SI_KERNEL = 0x80, SI_TKILL = -6;
    /** si_code of SIGCHLD (siginfo.h). */
    public static final int CLD_EXITED = 1, CLD_KILLED = 2, CLD_DUMPED = 3, CLD_TRAPPED = 4, CLD_STOPPED = 5,
            CLD_CONTINUED = 6;
    public static final int ILL_ILLOPC = 1, ILL_ILLOPN = 2, ILL_ILLADR = 3, ILL_ILLTRP = 4, ILL_PRVOPC = 5,
            ILL_PRVREG = 6, ILL_COPROC = 7, ILL_BADSTK = 8;
    public static final int FPE_INTDIV = 1, FPE_INTOVF = 2, FPE_FLTDIV = 3, FPE_FLTOVF = 4, FPE_FLTUND = 5,
            FPE_FLTRES = 6, FPE_FLTINV = 7, FPE_FLTSUB = 8;
    public static final int SEGV_MAPERR = 1, SEGV_ACCERR = 2;
    public static final int BUS_ADRALN = 1, BUS_ADRERR = 2, BUS_OBJERR = 3;
    public static final int TRAP_BRKPT = 1, TRAP_TRACE = 2;

    private static final String[] NAMES = {"0", "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT",
            "SIGBUS", "SIGFPE", "SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM",
            "SIGSTKFLT", "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU",
            "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS", "SIGRTMIN"};

    public static final Xlat HOW = Xlat.of("SIG_???", "SIG_BLOCK", SIG_BLOCK, "SIG_UNBLOCK", SIG_UNBLOCK,
            "SIG_SETMASK", SIG_SETMASK);
    public static final Xlat SA_FLAGS = Xlat.of("SA_???", "SA_RESTORER", SA_RESTORER, "SA_ONSTACK", SA_ONSTACK,
            "SA_RESTART", SA_RESTART, "SA_INTERRUPT", SA_INTERRUPT, "SA_NODEFER", SA_NODEFER,
            "SA_RESETHAND", SA_RESETHAND, "SA_SIGINFO", SA_SIGINFO, "SA_NOCLDSTOP", SA_NOCLDSTOP,
            "SA_NOCLDWAIT", SA_NOCLDWAIT);
    public static final Xlat SS_FLAGS = Xlat.of("SS_???", "SS_ONSTACK", SS_ONSTACK, "SS_DISABLE", SS_DISABLE,
            "SS_AUTODISARM", SS_AUTODISARM & 0xFFFFFFFFL);

    /** True for 1..64. */
    public static boolean valid(long sig) {
        return sig >= 1 && sig <= NSIG;
    }

    /** "SIGSEGV", "SIGRTMIN", "SIGRT_2" (strace's names), or the number. */
    public static String name(int sig) {
        if (sig >= 0 && sig < NAMES.length) return NAMES[sig];
        if (sig > SIGRTMIN && sig <= NSIG) return "SIGRT_" + (sig - SIGRTMIN);
        return Integer.toString(sig);
    }

    /** The bit of sig in a sigset_t. */
    public static long bit(int sig) {
        return 1L << (sig - 1);
    }

    /** SIGKILL and SIGSTOP can be neither caught, blocked nor ignored. */
    public static final long UNBLOCKABLE = bit(SIGKILL) | bit(SIGSTOP);

    /** What a signal does when its disposition is SIG_DFL (signal(7)). */
    public enum DefaultAction { TERMINATE, CORE, IGNORE, STOP, CONTINUE }

    public static DefaultAction defaultAction(int sig) {
        return switch (sig) {
            case SIGQUIT, SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE, SIGSEGV, SIGXCPU, SIGXFSZ, SIGSYS ->
                    DefaultAction.CORE;
            case SIGCHLD, SIGURG, SIGWINCH -> DefaultAction.IGNORE;
            case SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU -> DefaultAction.STOP;
            case SIGCONT -> DefaultAction.CONTINUE;
            default -> DefaultAction.TERMINATE;
        };
    }

    /** The si_code name strace prints for a signal raised by a fault, or null. */
    public static String codeName(int sig, int code) {
        if (code == SI_USER) return "SI_USER";
        if (code == SI_KERNEL) return "SI_KERNEL";
        if (code == SI_TKILL) return "SI_TKILL";
        String[] names = switch (sig) {
            case SIGILL -> new String[] {null, "ILL_ILLOPC", "ILL_ILLOPN", "ILL_ILLADR", "ILL_ILLTRP", "ILL_PRVOPC",
                    "ILL_PRVREG", "ILL_COPROC", "ILL_BADSTK"};
            case SIGFPE -> new String[] {null, "FPE_INTDIV", "FPE_INTOVF", "FPE_FLTDIV", "FPE_FLTOVF", "FPE_FLTUND",
                    "FPE_FLTRES", "FPE_FLTINV", "FPE_FLTSUB"};
            case SIGSEGV -> new String[] {null, "SEGV_MAPERR", "SEGV_ACCERR", "SEGV_BNDERR", "SEGV_PKUERR"};
            case SIGBUS -> new String[] {null, "BUS_ADRALN", "BUS_ADRERR", "BUS_OBJERR", "BUS_MCEERR_AR",
                    "BUS_MCEERR_AO"};
            case SIGTRAP -> new String[] {null, "TRAP_BRKPT", "TRAP_TRACE", "TRAP_BRANCH", "TRAP_HWBKPT",
                    "TRAP_UNK"};
            case SIGCHLD -> new String[] {null, "CLD_EXITED", "CLD_KILLED", "CLD_DUMPED", "CLD_TRAPPED",
                    "CLD_STOPPED", "CLD_CONTINUED"};
            default -> new String[0];
        };
        return code > 0 && code < names.length ? names[code] : null;
    }

    /**
     * Appends a sigset as strace does: {@code [INT TERM]}, or {@code ~[...]} with the complement
     * when at least half of the 64 signals are in it.
     */
    public static void appendSigset(StringBuilder sb, long mask) {
        if (Long.bitCount(mask) >= 32) {
            sb.append('~');
            mask = ~mask;
        }
        sb.append('[');
        boolean first = true;
        for (int sig = 1; sig <= NSIG; sig++) {
            if ((mask & bit(sig)) == 0) continue;
            if (!first) sb.append(' ');
            first = false;
            String n = name(sig);
            sb.append(n.startsWith("SIG") ? n.substring(3) : n);
        }
        sb.append(']');
    }
}
