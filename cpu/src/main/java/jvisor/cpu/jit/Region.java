package jvisor.cpu.jit;

import java.util.ArrayDeque;
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
     * Grows a region from entry breadth-first along direct branches and fall-throughs, taking
     * blocks the cache holds that ran at least minExecutions times and run in no translation yet
     * (nor wait for one), up to maxInstructions in maxBlocks blocks; a region that holds a switch
     * (a computed jump with the targets seen) may grow to twice maxBlocks.
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
        int limit = maxBlocks;
        ArrayDeque<Block> queue = new ArrayDeque<>();
        queue.add(entry);
        while (!queue.isEmpty()) {
            Block b = queue.poll();
            if (isSwitch(b)) limit = 2 * maxBlocks;
            for (long target : successors(b)) {
                if (r.byStart.containsKey(target)) continue;
                Block s = cached.apply(target);
                if (s == null || !s.valid || s.executions < minExecutions || translated.test(s)) continue;
                if (insns + s.insns.length > maxInstructions || r.blocks.size() >= limit) return r;
                insns += s.insns.length;
                r.add(s);
                queue.add(s);
            }
        }
        return r;
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
