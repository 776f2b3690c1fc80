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

    Block(long start, Insn[] insns) {
        this.start = start;
        this.insns = insns;
        Insn last = insns[insns.length - 1];
        this.end = last.next;
    }
}
