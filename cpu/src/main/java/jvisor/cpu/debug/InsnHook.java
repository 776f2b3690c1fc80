package jvisor.cpu.debug;

import jvisor.cpu.Cpu;
import jvisor.cpu.decode.Insn;

/**
 * Called for every instruction in its address range (Unicorn's UC_HOOK_CODE), on the vCPU's
 * thread. {@link #before} runs before the instruction executes: RIP is its address, and a
 * {@link CpuProbe#requestStop()} there keeps it from running. {@link #after} runs once it has
 * completed (not when it faulted: the VM exit reports that).
 */
@FunctionalInterface
public interface InsnHook {
    void before(Cpu cpu, Insn insn);

    default void after(Cpu cpu, Insn insn) {
    }
}
