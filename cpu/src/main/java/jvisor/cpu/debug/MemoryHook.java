package jvisor.cpu.debug;

import jvisor.cpu.Cpu;
import jvisor.mmu.Access;

/**
 * Called for each data access that touches the hook's range (Unicorn's UC_HOOK_MEM_READ and
 * UC_HOOK_MEM_WRITE): a load after it read, a store before it writes. Accesses the guest kernel
 * makes for a syscall (copy to and from user memory) come with {@code cpu == null} and value 0.
 */
@FunctionalInterface
public interface MemoryHook {
    /** @param value the value read or about to be written, zero-extended (0 for bulk copies) */
    void access(Cpu cpu, Access kind, long address, int size, long value);
}
