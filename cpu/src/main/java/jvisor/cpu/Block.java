package jvisor.cpu;

import jvisor.cpu.decode.Insn;

/**
 * A decoded basic block: straight-line instructions starting at {@link #start}, ending with a
 * control transfer, an exit, a trap, or a page boundary. Decoded once, run many times.
 */
public final class Block {
    public final long start;
    public final Insn[] insns;
    /** One past the last byte of the last instruction. */
    public final long end;
    /** How often the block was entered; the translator will pick hot blocks by it. */
    public long executions;
    /**
     * False once the block cache that held it was emptied (code changed): the block and the
     * blocks it chains to must not run again. Only the owning vCPU's thread reads or writes it.
     */
    public boolean valid = true;
    /**
     * The blocks that followed this one last time, by where they start: the fall-through one
     * (starting at {@link #end}) and the last other one (a taken branch, or the last target of an
     * indirect one). The run loop follows them instead of looking the next block up; both belong
     * to the same cache generation as this block, so they are valid as long as it is.
     */
    private Block fallThrough, taken;

    Block(long start, Insn[] insns) {
        this.start = start;
        this.insns = insns;
        Insn last = insns[insns.length - 1];
        this.end = last.next;
    }

    /** The remembered successor starting at pc, or null. */
    Block successor(long pc) {
        Block b = taken;
        if (b != null && b.start == pc) return b;
        b = fallThrough;
        return b != null && b.start == pc ? b : null;
    }

    /** Remembers next as the block that followed this one. */
    void chain(Block next) {
        if (next.start == end) fallThrough = next;
        else taken = next;
    }
}
