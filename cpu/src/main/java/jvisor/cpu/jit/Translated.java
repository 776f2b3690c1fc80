package jvisor.cpu.jit;

import jvisor.cpu.Cpu;
import jvisor.cpu.decode.Insn;

/**
 * Guest code translated to JVM bytecode: a region of hot basic blocks (see {@link Translator}).
 * Each translation is a hidden class extending this one, so the run loop makes one virtual call
 * per region entered instead of one per instruction.
 */
public abstract class Translated {
    protected Translated() {}

    /**
     * Runs the guest from the start of the region's entry block until control leaves the region,
     * an instruction asks for a VM exit, or a fault. On return the guest state is in the vCPU's
     * {@link jvisor.cpu.CpuState} exactly as the interpreter would have left it, RIP included.
     *
     * @return null, or the instruction that faulted: the state is then as right before it (as the
     *     interpreter leaves it when the instruction's handler throws), and the fault waits in
     *     {@link Translator#takeFault()}
     */
    public abstract Insn run(Cpu cpu, Translator translator);

    /**
     * What a translation throws when run on another vCPU than the one it was made for: it holds
     * that vCPU's state and TLB as constants (see Gen), so it must never touch another's.
     */
    public static IllegalStateException wrongVcpu() {
        return new IllegalStateException("a translation ran on a vCPU it was not made for");
    }
}
