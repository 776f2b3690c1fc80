package jvisor.kernel.debug;

import jvisor.cpu.debug.DebugStop;
import jvisor.kernel.abi.Signals;
import jvisor.kernel.proc.Task;
import jvisor.kernel.signal.FatalSignal;

/**
 * One debugger event: a task stopped (all others are stopped with it), or the program ended.
 *
 * @param kind what happened
 * @param task the task that stopped (null once the program ended)
 * @param signo the signal a debugger reports for it: SIGTRAP for breakpoints, steps, syscalls,
 *        execve and the start; SIGINT for an interrupt; the fault's or the pending signal's own number
 * @param vmExit which VM exit brought the task here, in words ("syscall exit", "exception exit:
 *        #PF page fault (vector 14) error code 0x6 address 0x0", "kick"), or where it was
 * @param debug the probe's details for breakpoints, watchpoints and steps, else null
 * @param syscall the syscall number for syscall stops, else -1
 * @param syscallResult the result for a syscall-return stop
 * @param signal the fault's siginfo and report for FAULT stops, the killer for KILLED
 * @param exitStatus the status for EXITED
 * @param program for EXEC stops, the path (inside the guest's root) of the program execve loaded
 */
public record Stop(Kind kind, Task task, int signo, String vmExit, DebugStop debug, int syscall, long syscallResult,
        FatalSignal signal, int exitStatus, String program) {

    public enum Kind {
        /** Before the first instruction of the program. */
        START,
        BREAKPOINT,
        WATCHPOINT,
        /** A step (one or more instructions, or "next" over a call) completed. */
        STEP,
        /** Someone asked for a stop (Ctrl-C, gdb's interrupt, a hook, another thread). */
        INTERRUPT,
        /** An exception exit that will become a signal (SIGSEGV, SIGILL, ...), before delivery. */
        FAULT,
        /** A signal is about to be delivered to the task. */
        SIGNAL,
        SYSCALL_ENTRY,
        SYSCALL_RETURN,
        /** execve replaced the program of the task's process: before the new program's first instruction. */
        EXEC,
        /** The program exited; exitStatus holds the status. */
        EXITED,
        /** The program was killed by a signal. */
        KILLED
    }

    /** A stop without a program path (every kind but EXEC). */
    public Stop(Kind kind, Task task, int signo, String vmExit, DebugStop debug, int syscall, long syscallResult,
            FatalSignal signal, int exitStatus) {
        this(kind, task, signo, vmExit, debug, syscall, syscallResult, signal, exitStatus, null);
    }

    public boolean ended() {
        return kind == Kind.EXITED || kind == Kind.KILLED;
    }

    public int tid() {
        return task != null ? task.tid : -1;
    }

    static Stop of(Kind kind, Task t, int signo, String vmExit, DebugStop debug) {
        return new Stop(kind, t, signo, vmExit, debug, -1, 0, null, 0);
    }

    /** One line for people: what stopped and why, without addresses a frontend shows itself. */
    public String describe() {
        return switch (kind) {
            case START -> "program start";
            case BREAKPOINT -> "breakpoint";
            case WATCHPOINT -> String.valueOf(debug);
            case STEP -> "step";
            case INTERRUPT -> "interrupted";
            case FAULT -> Signals.name(signo) + (signal != null && signal.report() != null ? " (" + signal.report().text() + ")" : "");
            case SIGNAL -> Signals.name(signo) + " about to be delivered";
            case SYSCALL_ENTRY -> "syscall entry";
            case SYSCALL_RETURN -> "syscall return";
            case EXEC -> "execve: now running " + program;
            case EXITED -> "exited with status " + exitStatus;
            case KILLED -> "killed by " + Signals.name(signo);
        };
    }
}
