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
    /** The first process's task is about to execute the program's first instruction. */
    void started(Task t);

    /**
     * A successful execve or execveat of the task replaced its process's program (the new image
     * is in {@code t.process.image}, its path in exePath); the task will execute the new
     * program's first instruction once the syscall has returned. Called before the syscall
     * interceptor's {@code after}, as ptrace reports the exec event before the syscall's exit.
     */
    default void execed(Task t) {
    }

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

    /**
     * A task is ending (exit(2) of a thread, or a process's last task), on that task's thread: it
     * runs no more guest code, and its vCPU is given back right after. A process's end follows
     * with {@link #exited} when it is the monitored one.
     */
    default void taskExited(Task t) {
    }
}
