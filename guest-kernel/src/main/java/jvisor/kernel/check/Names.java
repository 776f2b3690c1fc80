package jvisor.kernel.check;

import java.util.HashMap;
import java.util.Map;

import jvisor.kernel.abi.Errno;
import jvisor.kernel.abi.Signals;

/** Errno and signal names both ways, as strace prints them, from the kernel's own tables. */
final class Names {
    private Names() {}

    private static final Map<String, Integer> ERRNOS = new HashMap<>();
    private static final Map<String, Integer> SIGNALS = new HashMap<>();

    static {
        for (int e = 1; e < 4096; e++) {
            String n = Errno.name(e);
            if (n != null) ERRNOS.putIfAbsent(n, e);
        }
        for (int e : new int[] {Signals.ERESTARTSYS, Signals.ERESTARTNOINTR, Signals.ERESTARTNOHAND,
                Signals.ERESTART_RESTARTBLOCK}) {
            ERRNOS.put(Signals.restartName(-e)[0], e);
        }
        // strace's aliases of the same numbers.
        ERRNOS.put("EWOULDBLOCK", Errno.EAGAIN);
        ERRNOS.put("EDEADLOCK", Errno.EDEADLK);
        ERRNOS.put("ENOTSUP", Errno.EOPNOTSUPP);
        for (int s = 1; s <= Signals.NSIG; s++) SIGNALS.put(Signals.name(s), s);
        SIGNALS.put("SIGIOT", Signals.SIGABRT);
        SIGNALS.put("SIGPOLL", Signals.SIGIO);
        SIGNALS.put("SIGRT_0", Signals.SIGRTMIN);
    }

    /** The errno of a name strace prints ("ENOENT", "ERESTARTSYS"), or -1. */
    static int errno(String name) {
        Integer e = ERRNOS.get(name);
        return e != null ? e : -1;
    }

    /** "ENOENT", "ERESTARTSYS", or "errno N". */
    static String errnoName(int errno) {
        String n = Errno.name(errno);
        if (n != null) return n;
        String[] r = Signals.restartName(-errno);
        return r != null ? r[0] : "errno " + errno;
    }

    /** The number of "SIGSEGV", "SIGRTMIN", "SIGRT_3", or -1. */
    static int signal(String name) {
        Integer s = SIGNALS.get(name);
        return s != null ? s : -1;
    }

    static String signal(int signo) {
        return Signals.name(signo);
    }
}
