package jvisor.kernel.debug;

import jvisor.hypervisor.VmExit;
import jvisor.kernel.proc.Process;
import jvisor.kernel.proc.Task;

/**
 * What the kernel's run loop tells a debugger, on the task's own thread: one call per VM exit,
 * one before each switch into the guest, and the start and end of a program. With no monitor
 * installed ({@link jvisor.kernel.Kernel#setMonitor}) the loop is unchanged. A monitor may block
 * the calling task (a debugger stop) for as long as it likes.
 */
public interface TaskMonitor {
    /** The task is about to execute the first instruction of a program (its start, or after execve). */
    void started(Task t);

    /** Before every switch into the guest, before pending signals are delivered. */
    void beforeSwitch(Task t);

    /**
     * After every VM exit, before the kernel handles it.
     *
     * @return true if the exit is the monitor's own business (a debugger stop, a suppressed
     *         fault) and the kernel must not handle it
     */
    boolean vmExit(Task t, VmExit exit);

    /** The process ended (exit status or fatal signal in p); called once, on its last task's thread. */
    void exited(Process p);

    /** One task of a process that goes on has ended (exit(2) of a thread), on that task's thread. */
    default void taskExited(Task t) {
    }
}
