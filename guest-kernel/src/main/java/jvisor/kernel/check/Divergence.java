package jvisor.kernel.check;

/**
 * One difference between the runs that no rule allows.
 *
 * @param task the task's place in the creation tree ("1", "1.2": the second task the first created)
 * @param kind what differs: "syscall" (different calls at this point), "missing" (calls only the
 *        native run made), "extra" (calls only jvisor made), "args", "data" (bytes read or written),
 *        "result", "errno", "signal", "exit", "task", "output" (the final stdout or stderr)
 * @param syscall the syscall (or signal, or "exit") concerned
 * @param nativeIndex position of the event in the native task's record (from 0), -1 if none
 * @param jvisorIndex position in jvisor's record, -1 if none
 * @param nativeText the native event as strace would print it ("" if none)
 * @param jvisorText jvisor's event ("" if none)
 * @param detail which value differs and how
 * @param explanation why it is a deliberate difference (from the kernel's metadata), or null: unexplained
 */
public record Divergence(String task, String kind, String syscall, int nativeIndex, int jvisorIndex,
        String nativeText, String jvisorText, String detail, String explanation) {

    public boolean explained() {
        return explanation != null;
    }
}
