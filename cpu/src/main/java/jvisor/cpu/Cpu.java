package jvisor.cpu;

import java.util.ArrayList;

import jvisor.cpu.debug.CpuProbe;
import jvisor.cpu.decode.Decoder;
import jvisor.cpu.decode.Insn;
import jvisor.cpu.insn.Instructions;
import jvisor.cpu.jit.Translated;
import jvisor.cpu.jit.Translator;
import jvisor.mmu.AddressSpace;
import jvisor.mmu.HostMemory;
import jvisor.mmu.PageFault;
import jvisor.mmu.Tlb;

/**
 * The execution engine of one vCPU: an interpreter over decoded basic blocks.
 *
 * <p>{@link #run()} looks up the block at RIP in the block cache (decoding it on a miss), runs
 * its instructions, and repeats until an instruction asks for a VM exit (SYSCALL), raises an
 * exception, or another thread kicks the vCPU. Nothing on that path allocates. A block that has
 * become hot runs as JVM bytecode instead, with the warm blocks around it (jvisor.cpu.jit), which
 * leaves the state exactly as interpreting it would.
 *
 * <p>Guest memory is reached through the vCPU's own {@link Tlb}; several vCPUs may share one
 * address space, each on its own thread. At every block boundary the run loop lets the TLB catch
 * up with mapping changes made by other threads, which may also drop the decoded blocks.
 *
 * <p>The operand helpers here ({@link #ea}, {@link #readE}, {@link #writeG}, ...) are what the
 * instruction families in jvisor.cpu.insn use, so each handler stays a few lines.
 */
public final class Cpu {
    public static final int EXIT_NONE = 0, EXIT_SYSCALL = 1, EXIT_EXCEPTION = 2, EXIT_KICK = 3;

    /** Longest block: bounds decode work for straight-line code and the kick latency. */
    private static final int MAX_BLOCK_INSNS = 64;

    public final CpuState state;
    /** state.r, aliased for the handlers' convenience. */
    public final long[] r;
    private final Tlb mem;

    /** Exception details of the last EXCEPTION exit. */
    public int exitVector, exitErrorCode;
    public long exitAddress;

    private int pendingExit;
    private volatile boolean kicked;
    /** Null unless hooks, breakpoints, watchpoints or stepping may apply to this vCPU (jvisor.cpu.debug). */
    private volatile CpuProbe probe;

    private final Decoder decoder;
    private final BlockCache blocks = new BlockCache();
    private final ArrayList<Insn> scratch = new ArrayList<>();
    private static final Insn[] NOTHING_LEFT = {};
    /** The instruction {@link #interpret} is running, for the fault that may end it; null between blocks. */
    private Insn interpreting;
    /** Translates hot blocks to JVM bytecode; null: interpret everything. */
    private Translator jit = Translator.DEFAULT_THRESHOLD > 0 ? new Translator(this, Translator.DEFAULT_THRESHOLD) : null;

    /**
     * Builds the instruction table every vCPU decodes with (a class initialization, once per JVM),
     * so that a start-up can have it built on another thread before the first vCPU needs it.
     */
    public static void buildInstructionTable() {
        java.util.Objects.requireNonNull(Instructions.TABLE);
    }

    /** A vCPU with the instruction set CPUID advertises. */
    public Cpu(AddressSpace space) {
        this(space, Cpuid.EXTENSIONS);
    }

    /**
     * A vCPU that also runs the forms of the given extensions (jvisor.cpu.decode.Extensions),
     * advertised or not: the differential tester proves them against the host this way.
     */
    public Cpu(AddressSpace space, int extensions) {
        this.decoder = new Decoder(Instructions.TABLE, extensions);
        this.state = new CpuState();
        this.r = state.r;
        this.mem = new Tlb(space);
        mem.setCodeListener(page -> blocks.clear());
    }

    public AddressSpace addressSpace() {
        return mem.space();
    }

    /** Switches to another address space; decoded code of the old one is dropped. */
    public void setAddressSpace(AddressSpace space) {
        mem.attach(space);
        blocks.clear();
    }

    /**
     * Sets after how many executions a block is translated to JVM bytecode (1: before its first
     * run), or 0 to interpret everything. Drops the decoded blocks and their translations.
     */
    public void setTranslationThreshold(int threshold) {
        jit = threshold > 0 ? new Translator(this, threshold) : null;
        blocks.clear();
    }

    /** Which regions translated from now on keep XMM registers in locals (no effect without a translator). */
    public void setXmmLocals(Translator.XmmLocals placement) {
        if (jit != null) jit.setXmmLocals(placement);
    }

    /** The decoded block starting at pc if the block cache holds one (the translator's region builder). */
    public Block cachedBlock(long pc) {
        return blocks.get(pc);
    }

    /** Detaches from the address space for good (the vCPU's thread is done): mapping changes stop waiting for it. */
    public void detach() {
        mem.detach();
    }

    /** The vCPU's view of guest memory (its TLB). */
    public Tlb mem() {
        return mem;
    }

    /** Forces the current or next {@link #run()} to return {@link #EXIT_KICK} at a block boundary. */
    public void kick() {
        kicked = true;
    }

    /** Asks the run loop to leave the guest after the current instruction (which must end its block). */
    public void requestExit(int kind) {
        pendingExit = kind;
    }

    /** Attaches (or with null detaches) the debugging and instrumentation of this vCPU. */
    public void setProbe(CpuProbe probe) {
        this.probe = probe;
    }

    public CpuProbe probe() {
        return probe;
    }

    /**
     * Runs guest code until a VM exit; returns one of the EXIT_ constants. While a probe has work
     * (hooks, breakpoints, watchpoints, stepping), its instrumented loop runs instead of this one.
     */
    public int run() {
        CpuProbe p = probe;
        if (p != null && p.takesOver(this)) return p.run(this);
        final CpuState s = state;
        Insn cur = null;
        Block prev = null;
        final Tlb m = mem;
        m.enter();
        try {
            while (true) {
                if (kicked) {
                    kicked = false;
                    return EXIT_KICK;
                }
                if (m.stale()) m.sync();
                cur = null;
                interpreting = null;
                // Follow the chain from the previous block when it is still valid (no code changed
                // since): it skips the cache lookup.
                Block b = prev != null && prev.valid ? prev.successor(s.rip) : null;
                if (b == null) {
                    b = blocks.get(s.rip);
                    if (b == null) b = decodeBlock(s.rip);
                    if (prev != null && prev.valid) prev.chain(b);
                }
                prev = b;
                b.executions++;
                Insn[] insns = b.insns;
                Translated t = jit != null ? jit.code(b) : null;
                if (t != null) {
                    // Translated code runs the block and the region around it (and counts them); a
                    // fault comes back as the instruction that raised it, with the state as before it.
                    // A region that leaves for another translation names it: that one runs next, with
                    // this loop's checks but not its lookup, until one leaves for untranslated code.
                    while (true) {
                        cur = t.run(this, jit);
                        if (cur != null) throw jit.takeFault();
                        t = jit.takeNext();
                        // Mapping changes may drop the blocks the next one was found for: the top of the loop.
                        if (t == null || kicked || pendingExit != EXIT_NONE || m.stale()) break;
                    }
                    insns = NOTHING_LEFT;
                }
                interpret(insns);
                s.instructionsRetired += insns.length;
                if (pendingExit != EXIT_NONE) {
                    int e = pendingExit;
                    pendingExit = EXIT_NONE;
                    return e;
                }
            }
        } catch (PageFault | CpuFault f) {
            return exceptionExit(f, cur != null ? cur : interpreting);
        } finally {
            m.leave();
        }
    }

    /**
     * Runs a decoded block's instructions one by one. A method of its own rather than a loop in
     * {@link #run}: run is entered once per VM exit, so the JVM compiles it only on its stack,
     * after tens of thousands of passes of its loop (never during a hello, whose 33,000
     * instructions all ran in the JVM's bytecode interpreter), while a method called once per
     * block is compiled after a few hundred blocks.
     */
    private void interpret(Insn[] insns) {
        final CpuState s = state;
        for (Insn i : insns) {
            interpreting = i;
            s.rip = i.next;
            i.op.exec(this, i);
        }
    }

    /**
     * Records the exception exit for a fault raised by instruction cur (null if it came before
     * any instruction, from fetching the block): RIP back on a faulting instruction, vector, error
     * code and address. Shared by both run loops.
     */
    public int exceptionExit(RuntimeException fault, Insn cur) {
        final CpuState s = state;
        if (fault instanceof PageFault f) {
            if (cur != null) s.rip = cur.addr;
            if (!isCanonical(f.address)) {
                // A non-canonical address never reaches paging: #GP(0), or #SS(0) for an access
                // through the stack (RSP/RBP-based or an implicit push/pop), SDM Vol. 3A 6.15.
                exitVector = cur != null && isStackAccess(cur) ? CpuFault.SS : CpuFault.GP;
                exitErrorCode = 0;
                exitAddress = cur != null ? cur.addr : s.rip;
                return EXIT_EXCEPTION;
            }
            exitVector = CpuFault.PF;
            exitErrorCode = f.errorCode();
            exitAddress = f.address;
            return EXIT_EXCEPTION;
        }
        CpuFault f = (CpuFault) fault;
        if (cur != null && !f.trap) s.rip = cur.addr;
        exitVector = f.vector;
        exitErrorCode = f.errorCode;
        exitAddress = cur != null ? cur.addr : s.rip;
        return EXIT_EXCEPTION;
    }

    /** Consumes a kick: true once after {@link #kick()} (for the instrumented loop). */
    public boolean takeKick() {
        if (!kicked) return false;
        kicked = false;
        return true;
    }

    /** Consumes the exit an instruction asked for, or returns EXIT_NONE (for the instrumented loop). */
    public int takePendingExit() {
        int e = pendingExit;
        pendingExit = EXIT_NONE;
        return e;
    }

    /** Whether the instruction just executed asked to leave the guest. */
    public boolean exitPending() {
        return pendingExit != EXIT_NONE;
    }

    /** The decoded block starting at pc, decoding it on a miss (faults as a fetch would). */
    public Block blockAt(long pc) {
        Block b = blocks.get(pc);
        return b != null ? b : decodeBlock(pc);
    }

    /** Bits 63..47 all equal: the 48-bit virtual address space of 4-level paging. */
    public static boolean isCanonical(long address) {
        return (address >> 47) == 0 || (address >> 47) == -1;
    }

    /**
     * Whether a fault at a non-canonical address came through the stack segment: an explicit
     * operand based on RSP or RBP, or the implicit stack access of an instruction without one.
     */
    private static boolean isStackAccess(Insn i) {
        if (i.mem) return i.base == Reg.RSP || i.base == Reg.RBP;
        return i.form.implicitStack;
    }

    private Block decodeBlock(long pc) {
        ArrayList<Insn> list = scratch;
        list.clear();
        long page = pc & ~HostMemory.PAGE_MASK;
        long at = pc;
        mem.markCode(pc); // before the bytes are fetched: a write from now on drops the block
        while (true) {
            Insn i;
            try {
                i = decoder.decode(mem, at);
                // An instruction running into the next page: mark that page too, and fetch it again.
                if (((i.next - 1) & ~HostMemory.PAGE_MASK) != page && mem.markCode(i.next - 1)) i = decoder.decode(mem, at);
            } catch (PageFault f) {
                if (list.isEmpty()) throw f; // the very next instruction cannot be fetched: fault now
                break; // let the block end; the fault, if reached, is raised when its turn comes
            }
            i.blockIndex = list.size();
            list.add(i);
            at = i.next;
            if (i.form.endsBlock || list.size() >= MAX_BLOCK_INSNS || (at & ~HostMemory.PAGE_MASK) != page) break;
        }
        Block b = new Block(pc, list.toArray(new Insn[0]));
        blocks.put(b);
        return b;
    }

    /**
     * Decodes the instruction at addr without running it (debugger, traces, tests). It reads through
     * the address space, not the TLB, which may be behind mapping changes made outside the guest.
     */
    public Insn decodeAt(long addr) {
        return decoder.decode(mem.space(), addr);
    }

    /** Number of cached blocks (tests and statistics). */
    public int cachedBlocks() {
        return blocks.size();
    }

    // ------------------------------------------------------------------ operands

    /** The effective address of the memory operand (SDM Vol. 1, 3.7.5), with FS/GS base applied. */
    public long ea(Insn i) {
        long a = i.disp;
        int b = i.base;
        if (b >= 0) a += r[b];
        int x = i.index;
        if (x >= 0) a += r[x] << i.scale;
        if (i.adsize == 4) a &= 0xFFFFFFFFL;
        int sg = i.seg;
        if (sg != Insn.SEG_NONE) a += sg == Insn.SEG_FS ? state.fsBase : state.gsBase;
        return a;
    }

    /** Adds the segment base of the instruction's FS/GS override to an address (string instructions). */
    public long segmented(Insn i, long addr) {
        int sg = i.seg;
        if (sg == Insn.SEG_NONE) return addr;
        return addr + (sg == Insn.SEG_FS ? state.fsBase : state.gsBase);
    }

    /** Zero-extended register value of the given size; reg may be Reg.HIGH_BYTE+n for AH..BH. */
    public long getReg(int reg, int size) {
        return switch (size) {
            case 1 -> reg >= Reg.HIGH_BYTE ? (r[reg - Reg.HIGH_BYTE] >>> 8) & 0xFF : r[reg] & 0xFF;
            case 2 -> r[reg] & 0xFFFF;
            case 4 -> r[reg] & 0xFFFFFFFFL;
            default -> r[reg];
        };
    }

    /** Writes a register with x86-64 rules: 8 and 16-bit writes merge, 32-bit writes zero the upper half. */
    public void setReg(int reg, int size, long v) {
        switch (size) {
            case 1 -> {
                if (reg >= Reg.HIGH_BYTE) {
                    int k = reg - Reg.HIGH_BYTE;
                    r[k] = (r[k] & ~0xFF00L) | ((v & 0xFF) << 8);
                } else {
                    r[reg] = (r[reg] & ~0xFFL) | (v & 0xFF);
                }
            }
            case 2 -> r[reg] = (r[reg] & ~0xFFFFL) | (v & 0xFFFF);
            case 4 -> r[reg] = v & 0xFFFFFFFFL;
            default -> r[reg] = v;
        }
    }

    /** Zero-extended load of size bytes. */
    public long load(long addr, int size) {
        return switch (size) {
            case 1 -> mem.read8(addr);
            case 2 -> mem.read16(addr);
            case 4 -> mem.read32(addr) & 0xFFFFFFFFL;
            default -> mem.read64(addr);
        };
    }

    public void store(long addr, int size, long v) {
        switch (size) {
            case 1 -> mem.write8(addr, (int) v);
            case 2 -> mem.write16(addr, (int) v);
            case 4 -> mem.write32(addr, (int) v);
            default -> mem.write64(addr, v);
        }
    }

    /** The E (ModRM r/m) operand at the instruction's operand size. */
    public long readE(Insn i) {
        return i.mem ? load(ea(i), i.opsize) : getReg(i.rm, i.opsize);
    }

    public void writeE(Insn i, long v) {
        if (i.mem) store(ea(i), i.opsize, v);
        else setReg(i.rm, i.opsize, v);
    }

    /** The E operand at an explicit size (MOVZX, MOVSX, shifts by CL, ...). */
    public long readE(Insn i, int size) {
        return i.mem ? load(ea(i), size) : getReg(i.rm, size);
    }

    public void writeE(Insn i, int size, long v) {
        if (i.mem) store(ea(i), size, v);
        else setReg(i.rm, size, v);
    }

    /** The G (ModRM reg) operand at the instruction's operand size. */
    public long readG(Insn i) {
        return getReg(i.reg, i.opsize);
    }

    public void writeG(Insn i, long v) {
        setReg(i.reg, i.opsize, v);
    }

    // ------------------------------------------------------------------ stack

    public void push(long v, int size) {
        long sp = r[Reg.RSP] - size;
        store(sp, size, v);
        r[Reg.RSP] = sp;
    }

    public long pop(int size) {
        long sp = r[Reg.RSP];
        long v = load(sp, size);
        r[Reg.RSP] = sp + size;
        return v;
    }

    public void push64(long v) {
        long sp = r[Reg.RSP] - 8;
        mem.write64(sp, v);
        r[Reg.RSP] = sp;
    }

    public long pop64() {
        long sp = r[Reg.RSP];
        long v = mem.read64(sp);
        r[Reg.RSP] = sp + 8;
        return v;
    }
}
