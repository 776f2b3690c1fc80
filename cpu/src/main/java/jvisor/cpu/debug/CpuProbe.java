package jvisor.cpu.debug;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import jvisor.cpu.Block;
import jvisor.cpu.Cpu;
import jvisor.cpu.CpuFault;
import jvisor.cpu.CpuState;
import jvisor.cpu.Reg;
import jvisor.cpu.decode.Insn;
import jvisor.mmu.Access;
import jvisor.mmu.PageFault;

/**
 * One vCPU's side of the debugging machinery: its stepping and stop controls, and the
 * instrumented run loop that replaces {@link Cpu#run()}'s plain loop while there is anything to
 * check (hooks, breakpoints or watchpoints in {@link Probes}, a step count, a one-shot stop
 * address, a requested stop). With nothing to check the plain loop runs, untouched.
 *
 * <p>The instrumented loop runs one decoded instruction at a time through the same decoded
 * blocks, and checks breakpoints before, watchpoints after each. A debugger stop leaves the
 * guest as an exception exit with vector #DB, as the x86 debug exception reports breakpoints,
 * watchpoints and single steps (Intel SDM Vol. 3B, 17.3); {@link #lastStop()} says which. Like
 * the RF flag, resuming at the instruction that stopped does not stop at it again.
 *
 * <p>Controls ({@link #step}, {@link #runUntil}, {@link #requestStop}) may be set from any thread;
 * everything else belongs to the vCPU's thread.
 */
public final class CpuProbe {
    /** tempBreakSp value meaning "whatever RSP is". */
    private static final long ANY_SP = Long.MIN_VALUE;
    private static final long NONE = -1L;

    final Probes probes;
    final Cpu cpu;

    private volatile long stepsLeft;
    private volatile long tempBreak = NONE;
    private volatile long tempBreakSp = ANY_SP;
    private volatile boolean stopRequested;

    /** RF: the instruction at this address runs without a breakpoint check on resume. */
    private long resumeAt = NONE;
    /** Its before-hooks already ran (the stop came from one of them): do not run them twice. */
    private long hooksRanAt = NONE;
    /** A stop decided while leaving the guest for another reason (a step that ended in a syscall), or by the kernel. */
    private DebugStop stopAtEntry;
    private DebugStop lastStop;
    /** The stop of the last run, until the hypervisor hands it out with the exit. */
    private DebugStop unreported;
    private boolean inGuest;
    private Insn executing;

    /** Watched accesses of the current instruction, or of the kernel since the last switch. */
    private final List<Hit> hits = new ArrayList<>();

    private static final class Hit {
        final Watchpoint w;
        final long address;
        final Access access;
        final byte[] old;
        final boolean byKernel;

        Hit(Watchpoint w, long address, Access access, byte[] old, boolean byKernel) {
            this.w = w;
            this.address = address;
            this.access = access;
            this.old = old;
            this.byKernel = byKernel;
        }
    }

    CpuProbe(Probes probes, Cpu cpu) {
        this.probes = probes;
        this.cpu = cpu;
    }

    public Probes probes() {
        return probes;
    }

    public Cpu cpu() {
        return cpu;
    }

    // ---------------------------------------------------------------- controls

    /** Stops after n more instructions (0 cancels). An instruction that faults does not count. */
    public void step(long n) {
        stepsLeft = n;
    }

    public long stepsLeft() {
        return stepsLeft;
    }

    /**
     * Stops when RIP reaches address (before running it), once; with sp != ANY only when RSP
     * equals sp too, so a recursive call of the same function does not stop "next". -1 cancels.
     */
    public void runUntil(long address, long sp) {
        tempBreakSp = sp;
        tempBreak = address;
    }

    public void runUntil(long address) {
        runUntil(address, ANY_SP);
    }

    /** Makes the vCPU stop at the next instruction boundary (any thread; also from inside a hook). */
    public void requestStop() {
        stopRequested = true;
        cpu.kick();
    }

    /** Withdraws a stop request that has not taken effect yet. */
    public void cancelStop() {
        stopRequested = false;
    }

    /**
     * Forgets the stop decided when the guest was left for a syscall (a step that ended on the
     * syscall instruction), which would be reported at the next entry: the kernel reported a
     * stop of its own meanwhile (a caught syscall, an execve, a signal), which ended the step.
     * On the vCPU's thread.
     */
    public void dropStopAtEntry() {
        stopAtEntry = null;
    }

    public boolean stopRequested() {
        return stopRequested;
    }

    /** Why the last #DB exit of this vCPU happened. */
    public DebugStop lastStop() {
        return lastStop;
    }

    /** The stop of the #DB exit just taken, once (null if the #DB was not the probe's). */
    public DebugStop takeStop() {
        DebugStop s = unreported;
        unreported = null;
        return s;
    }

    /** True while the vCPU executes guest instructions (false: the guest kernel runs on its behalf). */
    public boolean inGuest() {
        return inGuest;
    }

    /** The instruction executing now (for memory hooks), or null outside one. */
    public Insn executing() {
        return executing;
    }

    // ---------------------------------------------------------------- the loop

    /** Called by {@link Cpu#run()} on each entry: whether the instrumented loop must run. */
    public boolean takesOver(Cpu c) {
        probes.bindThread(this);
        boolean observe = probes.needsObserver();
        var mem = c.mem();
        if (observe && mem.observer() != probes) mem.setObserver(probes);
        else if (!observe && mem.observer() == probes) mem.setObserver(null);
        return probes.active() || stepsLeft > 0 || tempBreak != NONE || stopRequested || stopAtEntry != null
                || !hits.isEmpty();
    }

    /** The instrumented loop: same result contract as {@link Cpu#run()}. */
    public int run(Cpu c) {
        final CpuState s = c.state;
        Insn cur = null;
        final var m = c.mem();
        m.enter();
        inGuest = true;
        try {
            DebugStop early = stopAtEntry != null ? stopAtEntry : kernelWrites(s);
            stopAtEntry = null;
            if (early != null) return stop(early);
            while (true) {
                if (c.takeKick() && !stopRequested) return Cpu.EXIT_KICK;
                if (stopRequested) return stop(DebugStop.at(DebugStop.Kind.REQUESTED, s.rip, NONE));
                if (m.stale()) m.sync();
                cur = null;
                Block b = c.blockAt(s.rip);
                b.executions++;
                if (probes.hasBlockHooks() && b.start != hooksRanAt) {
                    probes.fireBlock(c, b.start, (int) (b.end - b.start));
                    if (stopRequested) {
                        hooksRanAt = b.start;
                        return stop(DebugStop.at(DebugStop.Kind.REQUESTED, s.rip, NONE));
                    }
                }
                for (Insn i : b.insns) {
                    cur = i;
                    long pc = i.addr;
                    if (pc != resumeAt) {
                        if (probes.isBreakpoint(pc)) return stop(DebugStop.at(DebugStop.Kind.BREAKPOINT, pc, NONE));
                        if (pc == tempBreak && (tempBreakSp == ANY_SP || s.r[Reg.RSP] == tempBreakSp)) {
                            tempBreak = NONE;
                            return stop(DebugStop.at(DebugStop.Kind.UNTIL, pc, NONE));
                        }
                    }
                    resumeAt = NONE;
                    if (pc != hooksRanAt) {
                        probes.fireBefore(c, i);
                        if (stopRequested) {
                            hooksRanAt = pc;
                            return stop(DebugStop.at(DebugStop.Kind.REQUESTED, pc, NONE));
                        }
                    }
                    hooksRanAt = NONE;
                    executing = i;
                    s.rip = i.next;
                    i.op.exec(c, i);
                    executing = null;
                    s.instructionsRetired++;
                    probes.fireAfter(c, i);
                    boolean stepped = stepsLeft > 0 && --stepsLeft == 0;
                    DebugStop after = hits.isEmpty() ? null : watchResult(s, pc);
                    if (after == null && stepped) after = DebugStop.at(DebugStop.Kind.STEP, s.rip, pc);
                    if (c.exitPending()) {
                        stopAtEntry = after; // reported when the guest is entered again
                        return c.takePendingExit();
                    }
                    if (after != null) return stop(after);
                    if (stopRequested) return stop(DebugStop.at(DebugStop.Kind.REQUESTED, s.rip, NONE));
                }
            }
        } catch (PageFault | CpuFault f) {
            executing = null;
            hits.clear();
            return c.exceptionExit(f, cur);
        } finally {
            inGuest = false;
            m.leave();
        }
    }

    /** Leaves the guest with a #DB exit for this stop. */
    private int stop(DebugStop why) {
        stopRequested = false;
        lastStop = why;
        unreported = why;
        resumeAt = why.pc();
        cpu.exitVector = CpuFault.DB;
        cpu.exitErrorCode = 0;
        cpu.exitAddress = why.pc();
        return Cpu.EXIT_EXCEPTION;
    }

    // ---------------------------------------------------------------- watchpoints

    /** From the observer: a watched access on this vCPU's thread (by an instruction or by the kernel). */
    void watchedAccess(Watchpoint w, long address, Access access) {
        if (!inGuest && access != Access.WRITE) return; // the kernel's reads of user memory are not the guest's
        for (Hit h : hits) if (h.w == w) return; // the first access of an instruction keeps the old value
        byte[] old = access == Access.WRITE ? peek(w) : null;
        hits.add(new Hit(w, address, access, old, !inGuest));
    }

    private byte[] peek(Watchpoint w) {
        byte[] b = new byte[w.length];
        try {
            cpu.addressSpace().peekBytes(w.address, b, 0, b.length);
        } catch (PageFault f) {
            return null; // unmapped: shown as unavailable
        }
        return b;
    }

    /** After an instruction: the first watchpoint that fires (a write watch only if the bytes changed). */
    private DebugStop watchResult(CpuState s, long insnAddress) {
        DebugStop result = null;
        for (Hit h : hits) {
            byte[] now = peek(h.w);
            if (h.w.kind == Watchpoint.Kind.WRITE && Arrays.equals(h.old, now)) continue;
            result = new DebugStop(DebugStop.Kind.WATCHPOINT, s.rip, h.byKernel ? NONE : insnAddress, h.w, h.access,
                    h.address, h.old, now, h.byKernel);
            break;
        }
        hits.clear();
        return result;
    }

    /** Writes the kernel made into watched ranges since the guest last ran. */
    private DebugStop kernelWrites(CpuState s) {
        if (hits.isEmpty()) return null;
        hits.removeIf(h -> !h.byKernel);
        return watchResult(s, NONE);
    }
}
