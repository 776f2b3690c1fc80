package jvisor.kernel.syscall;

import jvisor.kernel.proc.Task;

/**
 * A syscall implementation: the calling task and the six argument registers (RDI, RSI, RDX, R10,
 * R8, R9) in, the result or {@code -errno} out. Primitive parameters so that dispatch neither
 * boxes nor builds an argument array. A handler may also throw {@link SyscallException}, and a
 * {@link jvisor.mmu.PageFault} from touching guest memory becomes EFAULT.
 */
@FunctionalInterface
public interface SyscallHandler {
    long call(Task t, long a0, long a1, long a2, long a3, long a4, long a5);
}
