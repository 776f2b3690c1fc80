package jvisor.hypervisor;

import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.WeakHashMap;

import jvisor.cpu.Cpu;
import jvisor.cpu.CpuFault;
import jvisor.cpu.debug.CpuProbe;
import jvisor.cpu.debug.Probes;
import jvisor.mmu.AddressSpace;
import jvisor.mmu.Backing;
import jvisor.mmu.CopyOnWritePages;
import jvisor.mmu.HostMemory;

/**
 * The NanoPVM-style interface between the guest kernel and guest execution, in the spirit of
 * gVisor's platform (NewAddressSpace, MapFile, Unmap, Switch):
 *
 * <ul>
 *   <li>{@link #createAddressSpace()}, {@link #map}, {@link #unmap} and {@link #protect}: guest
 *       virtual ranges mapped directly to host memory, with no guest page tables;</li>
 *   <li>{@link #switchTo(Vcpu)}: run the guest until a VM exit (syscall, exception, kick);</li>
 *   <li>{@link #kick(Vcpu)}: force a running vCPU out from another thread.</li>
 * </ul>
 *
 * The kernel never reaches into the CPU or the address space's tree itself: every change of the
 * guest's memory layout goes through here, so a later hypervisor (a translator, real hardware
 * virtualization) can take over without the kernel changing.
 */
public final class Hypervisor {
    private volatile ExitHook[] exitHooks = {};
    /** Created on first use by {@link #probes()}; then attached to every vCPU of this hypervisor. */
    private volatile Probes probes;
    private final Set<Vcpu> vcpus = Collections.newSetFromMap(new WeakHashMap<>());

    public AddressSpace createAddressSpace() {
        return new AddressSpace();
    }

    /** Host memory for the kernel to map into guests: zeroed, lazily paged, page aligned. */
    public long allocateHostMemory(long length) {
        return HostMemory.allocate(length);
    }

    /**
     * Maps guest [gva, gva+length) to host memory at hva, replacing any earlier mapping there.
     *
     * @param backing who gets the host pages back when the guest range is unmapped
     * @param name what /proc/self/maps calls the range
     */
    public void map(AddressSpace space, long gva, long hva, long length, int prot, Backing backing, String name,
            long fileOffset) {
        space.map(gva, length, prot, hva, backing, name, fileOffset);
    }

    /**
     * Maps guest [gva, gva+length) privately to [offset, offset+length) of pages: the guest reads
     * their contents, and its first write to a page copies that page (see {@link CopyOnWritePages}).
     *
     * @return false, mapping nothing, if pages is closed
     */
    public boolean mapCopyOnWrite(AddressSpace space, long gva, CopyOnWritePages pages, long offset, long length,
            int prot, String name, long fileOffset) {
        return space.mapCopyOnWrite(gva, length, prot, pages, offset, name, fileOffset);
    }

    /** Maps fresh anonymous memory; returns its host address. */
    public long mapAnonymous(AddressSpace space, long gva, long length, int prot, String name) {
        return space.mapAnonymous(gva, length, prot, name);
    }

    public void unmap(AddressSpace space, long gva, long length) {
        space.unmap(gva, length);
    }

    /** Moves the mappings of [from, from+length) to [to, to+length) with their contents, without copying (mremap). */
    public void move(AddressSpace space, long from, long length, long to) {
        space.move(from, length, to);
    }

    /** Drops the contents of the private pages of [gva, gva+length): they read as zero again (MADV_DONTNEED). */
    public void discard(AddressSpace space, long gva, long length) {
        space.discard(gva, length);
    }

    /**
     * A copy of the address space for fork: the same mappings, private memory shared copy-on-write
     * page by page, shared memory shared. The vCPUs of the parent may keep running meanwhile.
     */
    public AddressSpace forkAddressSpace(AddressSpace parent) {
        return parent.forkCopy();
    }

    /** @return false if part of the range is not mapped */
    public boolean protect(AddressSpace space, long gva, long length, int prot) {
        return space.protect(gva, length, prot);
    }

    /** Builds what the first vCPU needs once per JVM (its instruction table): see {@link Cpu#buildInstructionTable}. */
    public static void prepareVcpus() {
        Cpu.buildInstructionTable();
    }

    /**
     * A new vCPU on space. Several vCPUs may share one address space, each switched to from its
     * own thread; give each back with {@link #releaseVcpu} when its thread is done.
     */
    public Vcpu createVcpu(AddressSpace space) {
        Vcpu v = new Vcpu(space);
        if (translationThreshold >= 0) v.cpu.setTranslationThreshold(translationThreshold);
        synchronized (vcpus) {
            vcpus.add(v);
            if (probes != null) probes.attach(v.cpu);
        }
        return v;
    }

    /**
     * After how many executions the vCPUs created from now on translate a block (see
     * Cpu.setTranslationThreshold; 0: never, {@link #setInterpretOnly}), or -1 for each vCPU's
     * default.
     */
    private volatile int translationThreshold = -1;

    /**
     * Sets after how many executions (at least 1) the vCPUs created from now on translate a
     * block, instead of their default. The launcher's training run for the AOT cache translates
     * its first program's blocks on the spot and runs the others as any run would.
     */
    public void setTranslationThreshold(int threshold) {
        if (threshold < 1) throw new IllegalArgumentException("translation threshold " + threshold);
        translationThreshold = threshold;
    }

    /**
     * Makes the vCPUs interpret every instruction instead of translating hot code to JVM bytecode
     * (jvisor.cpu.jit): for comparing the two and for ruling the translator out when something
     * goes wrong. It applies to the vCPUs created from now on and to those that exist, which must
     * not be running (a vCPU's block cache belongs to its thread). False gives the vCPUs created
     * from now on their default again.
     */
    public void setInterpretOnly(boolean interpretOnly) {
        if (!interpretOnly) {
            if (translationThreshold == 0) translationThreshold = -1;
            return;
        }
        translationThreshold = 0;
        synchronized (vcpus) {
            for (Vcpu v : vcpus) v.cpu.setTranslationThreshold(0);
        }
    }

    /**
     * Gives a vCPU back (its task exited): the address space stops waiting for it when its mapping
     * changes, and its probe stops counting among the machine's. Call it from any thread once the
     * vCPU is not running; it must not be switched to again.
     */
    public void releaseVcpu(Vcpu v) {
        synchronized (vcpus) {
            vcpus.remove(v);
            if (probes != null) probes.detach(v.cpu);
        }
        v.cpu.detach();
    }

    /** The vCPUs alive on this hypervisor. */
    public List<Vcpu> vcpus() {
        synchronized (vcpus) {
            return List.copyOf(vcpus);
        }
    }

    /**
     * The hooks, breakpoints and watchpoints of this machine, attached to all its vCPUs, present
     * and future. Until the first call no vCPU has a probe, and nothing is checked anywhere.
     */
    public Probes probes() {
        Probes p = probes;
        if (p != null) return p;
        synchronized (vcpus) {
            if (probes == null) {
                Probes created = new Probes();
                for (Vcpu v : vcpus) created.attach(v.cpu);
                probes = created;
            }
            return probes;
        }
    }

    /**
     * The calling host thread runs none of this hypervisor's vCPUs any more (its task ended; a
     * pooled thread may run another machine's next): it forgets what it kept for them.
     */
    public void leaveThread() {
        Probes p = probes;
        if (p != null) p.unbindThread();
    }

    /** Adds an observer of every VM exit; returns what removes it. */
    public AutoCloseable addExitHook(ExitHook hook) {
        synchronized (vcpus) {
            ExitHook[] h = java.util.Arrays.copyOf(exitHooks, exitHooks.length + 1);
            h[h.length - 1] = hook;
            exitHooks = h;
        }
        return () -> removeExitHook(hook);
    }

    public void removeExitHook(ExitHook hook) {
        synchronized (vcpus) {
            exitHooks = java.util.Arrays.stream(exitHooks).filter(h -> h != hook).toArray(ExitHook[]::new);
        }
    }

    /**
     * Enters the guest on this thread and runs it until a VM exit. The returned report belongs to
     * the vCPU and is overwritten by the next switch.
     */
    public VmExit switchTo(Vcpu vcpu) {
        Cpu cpu = vcpu.cpu;
        VmExit exit = vcpu.exit;
        exit.debug = null;
        switch (cpu.run()) {
            case Cpu.EXIT_SYSCALL -> exit.kind = ExitKind.SYSCALL;
            case Cpu.EXIT_KICK -> exit.kind = ExitKind.KICK;
            default -> {
                exit.kind = ExitKind.EXCEPTION;
                exit.vector = cpu.exitVector;
                exit.errorCode = cpu.exitErrorCode;
                exit.address = cpu.exitAddress;
                CpuProbe p = cpu.probe();
                if (exit.vector == CpuFault.DB && p != null) exit.debug = p.takeStop();
            }
        }
        for (ExitHook h : exitHooks) h.vmExit(vcpu, exit);
        return exit;
    }

    /** Makes a running (or the next) switch of vcpu return a KICK exit at the next instruction boundary. */
    public void kick(Vcpu vcpu) {
        vcpu.cpu.kick();
    }
}
