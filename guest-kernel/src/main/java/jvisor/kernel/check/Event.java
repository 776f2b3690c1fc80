package jvisor.kernel.check;

import java.util.List;

/** One entry of a task's record: a syscall, a signal delivered to it, or the end of the process. */
public sealed interface Event {

    /**
     * A syscall that returned (or did not: exit).
     *
     * @param name the syscall's name as strace prints it
     * @param args the arguments as strace prints them (it leaves out some, e.g. open's mode without O_CREAT)
     * @param result the value returned, {@code -errno} for a failure (restart codes included)
     * @param noReturn the call did not return ({@code = ?}: exit, exit_group, execve in a dying task)
     */
    record Call(String name, List<Value> args, long result, boolean noReturn) implements Event {
        public Call {
            args = List.copyOf(args);
        }

        public boolean failed() {
            return !noReturn && result < 0 && result >= -4095;
        }
    }

    /** A signal delivered to the task (strace's {@code --- SIGUSR1 {...} ---}), with its siginfo. */
    record Signal(int signo, Value info) implements Event {
    }

    /** The process exited ({@code +++ exited with N +++}). */
    record Exit(int status) implements Event {
    }

    /** The process was killed by a signal ({@code +++ killed by SIGSEGV +++}). */
    record Killed(int signo) implements Event {
    }

    /**
     * The name the alignment matches events by: the syscall, for the clock calls the clock (a libc
     * without vDSO makes extra clock calls between them, which must not pair with another clock's),
     * and for rt_sigprocmask how it changes the mask (a loop that blocks and unblocks signals may go
     * round more often in one run: its blocks must not pair with the other run's unblocks).
     */
    static String key(Event e) {
        return switch (e) {
            case Call c -> switch (c.name()) {
                case "clock_gettime", "clock_getres", "rt_sigprocmask" -> c.args().isEmpty() ? c.name()
                        : c.name() + " " + Value.render(c.args().get(0));
                default -> c.name();
            };
            case Signal s -> "--- " + Names.signal(s.signo());
            case Exit x -> "+++ exit";
            case Killed k -> "+++ exit";
        };
    }
}
