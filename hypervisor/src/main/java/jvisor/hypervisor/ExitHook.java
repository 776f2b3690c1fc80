package jvisor.hypervisor;

/**
 * Sees every VM exit of every vCPU of a {@link Hypervisor}, on the vCPU's thread, right after
 * the switch returned and before whoever called {@link Hypervisor#switchTo} handles it: the
 * place where a person wants to look. It may read and change the vCPU's state and memory.
 */
@FunctionalInterface
public interface ExitHook {
    void vmExit(Vcpu vcpu, VmExit exit);
}
