package jvisor.cpu.debug;

import jvisor.cpu.Cpu;

/**
 * Called when execution enters a decoded basic block whose start lies in the hook's range
 * (Unicorn's UC_HOOK_BLOCK), before its first instruction. A block is straight-line code up to a
 * control transfer, a trap or a page boundary; after a debugger stop in the middle of a block,
 * the rest of it counts as a block of its own.
 */
@FunctionalInterface
public interface BlockHook {
    /** @param length bytes from start to the end of the block's last instruction */
    void block(Cpu cpu, long start, int length);
}
