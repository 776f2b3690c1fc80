package jvisor.cpu.jit;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongFunction;
import java.util.function.Predicate;

import jvisor.cpu.Block;
import jvisor.cpu.decode.Form;
import jvisor.cpu.decode.Insn;

/**
 * The blocks translated together: a hot entry block and the warm blocks its direct branches
 * reach, so that a loop becomes a loop of the generated method and its registers stay in locals
 * across iterations. Only blocks already decoded (run at least once) and not translated yet are
 * taken; branches to anything else leave the region.
 */
final class Region {
    final Block entry;
    final List<Block> blocks = new ArrayList<>();
    private final Map<Long, Block> byStart = new HashMap<>();
    /** Whether the translator was told to keep XMM0-15 in locals in every region (Translator.XmmLocals). */
    boolean xmmEverywhere;
    /** Whether the code keeps XMM0-15 in locals (see Gen#xmmLocal): decided between the two passes. */
    boolean xmmInLocals;

    private Region(Block entry) {
        this.entry = entry;
        add(entry);
    }

    private void add(Block b) {
        blocks.add(b);
        byStart.put(b.start, b);
    }

    /** The region's block starting at pc, or null. */
    Block block(long pc) {
        return byStart.get(pc);
    }

    int instructions() {
        int n = 0;
        for (Block b : blocks) n += b.insns.length;
        return n;
    }

    /**
     * Grows a region from entry along direct branches and fall-throughs, hottest first: of the
     * blocks its blocks go on to, it takes the one that ran most often (the first found among
     * equals), and repeats. It takes blocks the cache holds that ran at least minExecutions times
     * and run in no translation yet (nor wait for one), up to maxInstructions in maxBlocks blocks;
     * a region that holds a switch (a computed jump with the targets seen) may grow to twice
     * maxBlocks.
     *
     * <p>Why hottest first: the limit on blocks cuts most loops of a branchy program, and what
     * is left out runs in regions of its own; each change of region is a return to the run loop
     * and a call through one shared dispatch, whose mispredicted jumps were 9% of the lexer's
     * time in a profile. Taken in the order found (breadth first), a rarely taken branch's
     * target could fill the last places of a region and leave the hot path out. Hottest first,
     * at scripts/bench's default counts, the lexer changed regions 15.2 million times instead of
     * 18.7 and qsort 4.8 million instead of 8.1 (the string functions' benchmark 27.4 instead of
     * 22.5, in the same time). The eight CPU-bound benchmarks took 0.970 and 0.977 of the time
     * over whole runs (two runs of five alternating; qsort 0.91 and 0.93, the lexer 0.92 and
     * 0.97, the bytecode VM 0.94 and 0.96), and with four times the count the timed loops of
     * the lexer 0.90, qsort 0.91, the VM 0.96 and the merge sort 0.95 (medians of three).
     *
     * <p>A block that runs in a translation already stays there: the region leaves for it, and
     * the chain enters that translation where the block starts. A copy would only add to the
     * translator's and the JVM compiler's work (a block runs in the first translation that took
     * it): the lexer of scripts/bench had 1,687 instructions translated in 39 regions, of 787
     * distinct ones, and its timed loop took 0.89 of the time without the copies; SHA-256's 0.83
     * and n-body's 0.80, from the compilers' lighter load.
     *
     * <p>A switch's cases usually jump back to the code before it (an interpreter's dispatch
     * loop): cut after a few cases, every other case leaves the region and enters the region of
     * its own, through the run loop, once per iteration. Whole, the loop stays in one method
     * (the bytecode-VM benchmark: 35 million region entries at 8 blocks, one at 16, and its loop
     * took 0.6 of the time). The larger limit holds for the whole region once it has a switch,
     * not only for the switch's own cases: the loop's head, reached from a case, must join too,
     * or it becomes a region of its own, left and entered again at every iteration.
     */
    static Region select(Block entry, LongFunction<Block> cached, Predicate<Block> translated, long minExecutions,
            int maxInstructions, int maxBlocks) {
        Region r = new Region(entry);
        int insns = entry.insns.length;
        int limit = isSwitch(entry) ? 2 * maxBlocks : maxBlocks;
        Frontier frontier = new Frontier();
        frontier.addSuccessors(r, entry, cached, translated, minExecutions);
        while (r.blocks.size() < limit) {
            Block s = frontier.hottest();
            if (s == null) break;
            if (r.byStart.containsKey(s.start)) continue; // found again through another block
            if (insns + s.insns.length > maxInstructions) break;
            insns += s.insns.length;
            r.add(s);
            if (isSwitch(s)) limit = 2 * maxBlocks;
            frontier.addSuccessors(r, s, cached, translated, minExecutions);
        }
        return r;
    }

    /**
     * The blocks a region may take next, in the order found. A region has a few dozen at most,
     * so the hottest is found by looking at each.
     */
    private static final class Frontier {
        private final List<Block> found = new ArrayList<>();

        /** Adds the blocks b goes on to that the region may take. */
        void addSuccessors(Region r, Block b, LongFunction<Block> cached, Predicate<Block> translated,
                long minExecutions) {
            for (long target : successors(b)) {
                if (r.byStart.containsKey(target)) continue;
                Block s = cached.apply(target);
                if (s == null || !s.valid || s.executions < minExecutions || translated.test(s)) continue;
                found.add(s);
            }
        }

        /** The block that ran most often (the first found among equals), taken out; null when there is none. */
        Block hottest() {
            if (found.isEmpty()) return null;
            int best = 0;
            for (int k = 1; k < found.size(); k++) {
                if (found.get(k).executions > found.get(best).executions) best = k;
            }
            return found.remove(best);
        }
    }

    /** Whether block b ends with a computed jump (a switch's jump table), not a return or a call. */
    private static boolean isSwitch(Block b) {
        Insn last = b.insns[b.insns.length - 1];
        return last.form.mnemonic.equals("jmp Ev") && Forms.isIndirectBranch(last);
    }

    /** The region with only its first n blocks (to fit the JVM's limits on a method's size). */
    Region prefix(int n) {
        Region r = new Region(entry);
        for (int k = 1; k < n; k++) r.add(blocks.get(k));
        r.xmmEverywhere = xmmEverywhere;
        return r;
    }

    /**
     * Whether a block of the region can go on to its entry: the region is a loop entered at its
     * head, as when the loop's first block became hot before the code around it.
     */
    boolean entryIsLoopHead() {
        for (Block b : blocks) {
            for (long target : successors(b)) {
                if (target == entry.start) return true;
            }
        }
        return false;
    }

    /**
     * Where a block may continue inside a region: the direct targets and fall-through its decoded
     * form tells, and for a return or an indirect jump or call, the targets the interpreter saw.
     * A block ended by an instruction left to its interpreter handler (a system call, a trap)
     * always leaves the region.
     */
    private static long[] successors(Block b) {
        Insn last = b.insns[b.insns.length - 1];
        Form f = last.form;
        if (!f.endsBlock) return new long[] {b.end}; // cut by length or a page boundary
        String m = f.mnemonic;
        if (f.imm1 == Form.Imm.JB || f.imm1 == Form.Imm.JZ) {
            if (m.startsWith("jmp")) return new long[] {last.imm};
            if (m.startsWith("jcc")) return new long[] {last.imm, last.next};
            if (m.startsWith("call")) return new long[] {last.imm};
        }
        if (Forms.isIndirectBranch(last)) return b.targets();
        return new long[0];
    }

    /** The lowest start address of the region's blocks. */
    long base() {
        long min = Long.MAX_VALUE;
        for (Block b : blocks) min = Math.min(min, b.start);
        return min;
    }
}
