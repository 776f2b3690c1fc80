package jvisor.hypervisor;

import jvisor.cpu.CpuFault;
import jvisor.cpu.debug.DebugStop;

/**
 * The report of one VM exit. One instance lives in each {@link Vcpu} and is overwritten by every
 * switch, so the exit path allocates nothing.
 */
public final class VmExit {
    public ExitKind kind;
    /** Exception vector (0 #DE, 3 #BP, 6 #UD, 13 #GP, 14 #PF, ...), for EXCEPTION exits. */
    public int vector;
    /** The exception's error code (for #PF: present, write, user, fetch bits). */
    public int errorCode;
    /** The faulting guest address for #PF (CR2); the instruction address otherwise. */
    public long address;
    /**
     * For a #DB exit caused by the machine's probes (breakpoint, watchpoint, step, requested
     * stop): why. Null for every other exit, including a #DB the guest caused itself.
     */
    public DebugStop debug;

    public boolean isPageFault() {
        return kind == ExitKind.EXCEPTION && vector == CpuFault.PF;
    }

    @Override
    public String toString() {
        return switch (kind) {
            case SYSCALL -> "syscall exit";
            case KICK -> "kick";
            case EXCEPTION -> String.format("exception exit: %s (vector %d) error code 0x%x address 0x%x%s",
                    CpuFault.vectorName(vector), vector, errorCode, address, debug != null ? " (" + debug + ")" : "");
        };
    }
}
