package jvisor.cpu;

import jvisor.cpu.decode.Form;
import jvisor.cpu.decode.Insn;
import jvisor.cpu.jit.Translated;

/**
 * A decoded basic block: straight-line instructions starting at {@link #start}, ending with a
 * control transfer, an exit, a trap, or a page boundary. Decoded once, run many times.
 */
public final class Block {
    public final long start;
    public final Insn[] insns;
    /** One past the last byte of the last instruction. */
    public final long end;
    /** How often the block was entered; the translator picks hot blocks by it. */
    public long executions;
    /**
     * The translation to JVM bytecode this block runs in once it is hot (jvisor.cpu.jit.Translator):
     * the region made when it or a block before it became hot, entered at its block number
     * {@link #translationEntry}.
     */
    public Translated translation;
    public int translationEntry;
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
    /**
     * The distinct addresses a block ending in a return or an indirect jump or call continued at,
     * up to {@link #MAX_TARGETS}: the translator puts the blocks there in the same region, reached
     * by a switch on the target.
     */
    private long[] targets;
    private int targetCount;
    private static final int MAX_TARGETS = 32;
    /** The last instruction transfers control to an address it computes (RET, JMP/CALL through a register or memory). */
    private final boolean endsIndirectly;

    Block(long start, Insn[] insns) {
        this.start = start;
        this.insns = insns;
        Insn last = insns[insns.length - 1];
        this.end = last.next;
        this.endsIndirectly = last.form.endsBlock && last.form.imm1 != Form.Imm.JB && last.form.imm1 != Form.Imm.JZ;
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
        // A computed jump's target may be the next instruction (a switch's first case, placed
        // right after the jump): a target all the same.
        if (!endsIndirectly) return;
        long[] t = targets;
        if (t == null) t = targets = new long[MAX_TARGETS]; // once per block
        int n = targetCount;
        for (int k = 0; k < n; k++) if (t[k] == next.start) return;
        if (n < MAX_TARGETS) {
            t[n] = next.start;
            targetCount = n + 1;
        }
    }

    /** The addresses a block ending in an indirect transfer continued at, as far as recorded. */
    public long[] targets() {
        return targets == null ? new long[0] : java.util.Arrays.copyOf(targets, targetCount);
    }
}
