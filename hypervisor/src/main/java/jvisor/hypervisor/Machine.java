package jvisor.hypervisor;

import jvisor.cpu.CpuFault;
import jvisor.cpu.CpuState;
import jvisor.cpu.debug.BlockHook;
import jvisor.cpu.debug.CpuProbe;
import jvisor.cpu.debug.DebugStop;
import jvisor.cpu.debug.InsnHook;
import jvisor.cpu.debug.MemoryHook;
import jvisor.cpu.debug.Probes;
import jvisor.cpu.debug.Registers;
import jvisor.cpu.debug.Watchpoint;
import jvisor.mmu.AddressSpace;
import jvisor.mmu.HostMemory;

/**
 * A bare x86-64 machine in the style of Unicorn: one address space and one vCPU, no kernel.
 * Create it, map memory, write code and data, set registers, add hooks, and {@link #run} it
 * until an address, a number of instructions, a stop from another thread, or a VM exit nobody
 * handles. SYSCALL exits go to the {@link SyscallHandler} if one is set (the machine's "kernel");
 * exceptions end the run and are reported, for the caller to inspect or fix and run again.
 *
 * <p>Everything here is the same machinery the guest kernel, the debugger and the gdb stub use:
 * {@link Hypervisor} switches, {@link Probes} hooks, {@link ExitHook}s.
 *
 * <pre>{@code
 * Machine m = new Machine();
 * m.map(0x1000, 0x1000, Prot.RWX);
 * m.write(0x1000, code);
 * m.setReg("rax", 5);
 * Machine.Result r = m.run(0x1000, 0x1000 + code.length, 0);
 * long rax = m.reg("rax");
 * }</pre>
 *
 * Not thread-safe except {@link #stop()}, which any thread may call while {@link #run} runs.
 */
public final class Machine {
    /** The machine's stand-in for a kernel: handles a SYSCALL exit (number in RAX), sets the result. */
    @FunctionalInterface
    public interface SyscallHandler {
        /** @return true to resume the guest, false to end the run with a SYSCALL result */
        boolean syscall(Machine m);
    }

    /** Why {@link #run} returned. */
    public enum Reason {
        /** RIP reached the until address. */
        UNTIL,
        /** The given number of instructions ran. */
        COUNT,
        /** {@link #stop()} was called, or a hook asked its probe to stop. */
        STOPPED,
        BREAKPOINT,
        WATCHPOINT,
        /** A SYSCALL exit without a handler, or the handler said stop. */
        SYSCALL,
        /** A CPU exception (see {@link Result#exit()}: vector, error code, address). */
        EXCEPTION
    }

    /**
     * The outcome of a run.
     *
     * @param exit the last VM exit as reported (kind, vector, error code, address)
     * @param stop the debugger's reason for a #DB exit of the probes, or null
     */
    public record Result(Reason reason, ExitKind kind, int vector, int errorCode, long address, DebugStop stop) {
        @Override
        public String toString() {
            return reason == Reason.EXCEPTION
                    ? String.format("%s (vector %d, error code 0x%x, address 0x%x)", CpuFault.vectorName(vector),
                            vector, errorCode, address)
                    : reason + (stop != null ? " (" + stop + ")" : "");
        }
    }

    private final Hypervisor hv = new Hypervisor();
    private final AddressSpace space = hv.createAddressSpace();
    private final Vcpu vcpu = hv.createVcpu(space);
    private final Probes probes = hv.probes();
    private final CpuProbe probe = vcpu.cpu().probe();
    private SyscallHandler syscalls;
    private volatile boolean stopping;

    public Hypervisor hypervisor() {
        return hv;
    }

    public Vcpu vcpu() {
        return vcpu;
    }

    public AddressSpace memory() {
        return space;
    }

    public CpuState state() {
        return vcpu.state();
    }

    public Probes probes() {
        return probes;
    }

    // ---------------------------------------------------------------- memory

    /** Maps fresh zeroed memory; address and size must be page multiples. */
    public void map(long address, long size, int prot) {
        hv.mapAnonymous(space, address, size, prot, "");
    }

    public void unmap(long address, long size) {
        hv.unmap(space, address, size);
    }

    public void protect(long address, long size, int prot) {
        if (!hv.protect(space, address, size, prot)) {
            throw new IllegalArgumentException(String.format("0x%x+0x%x is not entirely mapped", address, size));
        }
    }

    /** Writes bytes ignoring protection (as uc_mem_write); decoded code there is dropped. */
    public void write(long address, byte[] bytes) {
        space.pokeBytes(address, bytes, 0, bytes.length);
    }

    /** Reads bytes ignoring protection; throws {@link jvisor.mmu.PageFault} if a byte is unmapped. */
    public byte[] read(long address, int length) {
        byte[] b = new byte[length];
        space.peekBytes(address, b, 0, length);
        return b;
    }

    public static long pageAlign(long size) {
        return (size + HostMemory.PAGE_MASK) & ~(long) HostMemory.PAGE_MASK;
    }

    // ---------------------------------------------------------------- registers

    /** A register by name: rax..r15 and their smaller views, rip, eflags, fs_base, gs_base, mxcsr, ... */
    public long reg(String name) {
        return Registers.get(vcpu.state(), name);
    }

    public void setReg(String name, long value) {
        Registers.set(vcpu.state(), name, value);
    }

    // ---------------------------------------------------------------- hooks

    /** Every instruction in [begin, end). */
    public Probes.Handle hookInstructions(long begin, long end, InsnHook hook) {
        return probes.addInsnHook(begin, end, hook);
    }

    /** Every basic block starting in [begin, end). */
    public Probes.Handle hookBlocks(long begin, long end, BlockHook hook) {
        return probes.addBlockHook(begin, end, hook);
    }

    /** Loads and/or stores touching [begin, end). */
    public Probes.Handle hookMemory(long begin, long end, boolean reads, boolean writes, MemoryHook hook) {
        return probes.addMemoryHook(begin, end, reads, writes, hook);
    }

    /** Every VM exit. */
    public AutoCloseable hookExits(ExitHook hook) {
        return hv.addExitHook(hook);
    }

    public void onSyscall(SyscallHandler handler) {
        this.syscalls = handler;
    }

    public Watchpoint watch(long address, int length, Watchpoint.Kind kind) {
        return probes.addWatchpoint(address, length, kind);
    }

    // ---------------------------------------------------------------- running

    /**
     * Runs from begin until RIP reaches until (before executing it; -1 for no such address), or
     * count instructions ran (0 for no limit), or another ending (see {@link Reason}).
     */
    public Result run(long begin, long until, long count) {
        vcpu.state().rip = begin;
        stopping = false;
        if (until != -1) probe.runUntil(until);
        probe.step(Math.max(0, count));
        try {
            while (true) {
                VmExit e = hv.switchTo(vcpu);
                switch (e.kind) {
                    case SYSCALL -> {
                        if (!stopping && syscalls != null && syscalls.syscall(this)) continue;
                        return result(Reason.SYSCALL, e);
                    }
                    case KICK -> {
                        if (stopping) return result(Reason.STOPPED, e);
                    }
                    case EXCEPTION -> {
                        if (e.debug == null) return result(Reason.EXCEPTION, e);
                        return result(switch (e.debug.kind()) {
                            case UNTIL -> Reason.UNTIL;
                            case STEP -> Reason.COUNT;
                            case REQUESTED -> Reason.STOPPED;
                            case BREAKPOINT -> Reason.BREAKPOINT;
                            case WATCHPOINT -> Reason.WATCHPOINT;
                        }, e);
                    }
                }
            }
        } finally {
            probe.runUntil(-1);
            probe.step(0);
        }
    }

    private static Result result(Reason r, VmExit e) {
        return new Result(r, e.kind, e.vector, e.errorCode, e.address, e.debug);
    }

    /** Ends a {@link #run} in progress at the next instruction boundary; any thread. */
    public void stop() {
        stopping = true;
        probe.requestStop();
    }
}
