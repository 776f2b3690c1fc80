package jvisor.cpu.debug;

import jvisor.mmu.Access;

/**
 * Why a vCPU stopped for the debugger: the details of a #DB exit (what DR6 tells on hardware).
 *
 * @param kind what stopped it
 * @param pc RIP at the stop: the instruction not yet executed
 * @param insnAddress the instruction that made a watched access or completed a step (-1 for
 *        breakpoints, requested stops, and writes by the guest kernel)
 * @param watchpoint the watchpoint that fired, or null
 * @param access the kind of the watched access
 * @param accessAddress the first byte of the watched access
 * @param oldValue the watched bytes before a write (null for reads)
 * @param newValue the watched bytes after the access
 * @param byKernel the watched bytes were written by the guest kernel (during a syscall)
 */
public record DebugStop(Kind kind, long pc, long insnAddress, Watchpoint watchpoint, Access access, long accessAddress,
        byte[] oldValue, byte[] newValue, boolean byKernel) {

    public enum Kind {
        /** An execution breakpoint at pc. */
        BREAKPOINT,
        /** A watchpoint fired; the accessing instruction has completed. */
        WATCHPOINT,
        /** The requested number of instructions ran. */
        STEP,
        /** The one-shot stop address of "run until" or "next over a call" was reached. */
        UNTIL,
        /** Someone asked the vCPU to stop (another thread, or a hook). */
        REQUESTED
    }

    static DebugStop at(Kind kind, long pc, long insnAddress) {
        return new DebugStop(kind, pc, insnAddress, null, null, 0, null, null, false);
    }

    @Override
    public String toString() {
        return switch (kind) {
            case BREAKPOINT -> String.format("breakpoint at 0x%x", pc);
            case STEP -> String.format("step done at 0x%x", pc);
            case UNTIL -> String.format("reached 0x%x", pc);
            case REQUESTED -> String.format("stopped at 0x%x", pc);
            case WATCHPOINT -> String.format("%s: %s at 0x%x%s", watchpoint,
                    access == Access.WRITE ? "write" : "read", accessAddress,
                    byKernel ? " by the kernel" : String.format(" by the instruction at 0x%x", insnAddress));
        };
    }
}
