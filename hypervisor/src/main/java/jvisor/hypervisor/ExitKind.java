package jvisor.hypervisor;

/** Why {@link Hypervisor#switchTo} returned: NanoPVM's three ways out of the guest. */
public enum ExitKind {
    /** The guest executed SYSCALL; RIP already points past it, RCX and R11 hold what the CPU saved. */
    SYSCALL,
    /** The guest raised an exception (#UD, #PF, #GP, #DE, #BP, ...): see vector, error code, address. */
    EXCEPTION,
    /** Another thread called {@link Hypervisor#kick}; the guest stopped between two instructions. */
    KICK
}
