package jvisor.hypervisor;

import jvisor.cpu.Cpu;
import jvisor.cpu.CpuState;
import jvisor.mmu.AddressSpace;

/**
 * A virtual CPU: the guest register context plus the engine that runs it. The kernel edits
 * {@link #state()} between switches (syscall results, signal frames, a new program image).
 */
public final class Vcpu {
    final Cpu cpu;
    final VmExit exit = new VmExit();

    Vcpu(AddressSpace space) {
        this.cpu = new Cpu(space);
    }

    public CpuState state() {
        return cpu.state;
    }

    public AddressSpace addressSpace() {
        return cpu.addressSpace();
    }

    /** Points the vCPU at another address space (execve), dropping decoded code of the old one. */
    public void setAddressSpace(AddressSpace space) {
        cpu.setAddressSpace(space);
    }

    /** The CPU engine, for the debugger and the tests (disassembly, decoded blocks). */
    public Cpu cpu() {
        return cpu;
    }

    /** The last exit this vCPU took. */
    public VmExit lastExit() {
        return exit;
    }
}
