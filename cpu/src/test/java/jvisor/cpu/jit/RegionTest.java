package jvisor.cpu.jit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import jvisor.cpu.Block;
import jvisor.cpu.Cpu;
import jvisor.cpu.CpuTestSupport;
import jvisor.cpu.Reg;
import jvisor.mmu.AddressSpace;
import jvisor.mmu.Prot;

/** Which blocks a region takes: warm ones not translated yet, and the whole loop around a switch. */
class RegionTest {
    private static final long CODE = 0x1000_0000L, DATA = 0x2000_0000L;

    /** Interprets the snippet (Intel syntax) from CODE to its first system call; returns the vCPU with its blocks. */
    private static Cpu interpret(String asm) {
        Assumptions.assumeTrue(CpuTestSupport.hostAvailable(), "needs the host's assembler");
        byte[] code = CpuTestSupport.asm(".intel_syntax noprefix\n" + asm + "\n.att_syntax prefix");
        AddressSpace s = new AddressSpace();
        s.mapAnonymous(CODE, 0x4000, Prot.RX, "code");
        s.mapAnonymous(DATA, 0x1000, Prot.RW, "data");
        s.pokeBytes(CODE, code, 0, code.length);
        Cpu c = new Cpu(s);
        c.setTranslationThreshold(0);
        c.state.rip = CODE;
        c.state.r[Reg.RBX] = DATA;
        assertEquals(Cpu.EXIT_SYSCALL, c.run());
        return c;
    }

    /** The start addresses of the region's blocks, in the order it took them. */
    private static List<Long> starts(Region r) {
        List<Long> out = new ArrayList<>();
        for (Block b : r.blocks) out.add(b.start);
        return out;
    }

    private static Region select(Cpu c, long entry, Predicate<Block> translated, int maxBlocks) {
        return Region.select(c.cachedBlock(entry), c::cachedBlock, translated, 1, 400, maxBlocks);
    }

    @Test
    void aBlockThatRunsInATranslationAlreadyIsLeftToIt() {
        // A: a loop of its own; B: goes back to A twice, then on to C.
        Cpu c = interpret("""
                1: add rax, 1
                   test rax, 3
                   jnz 1b
                   add rcx, 1
                   cmp rcx, 3
                   jne 1b
                   syscall
                """);
        long a = CODE, b = c.cachedBlock(a).end, done = c.cachedBlock(b).end;
        assertEquals(List.of(b, a, done), starts(select(c, b, x -> false, 8)));
        // Once A runs in a translation, the region of B leaves for it instead of taking a copy.
        assertEquals(List.of(b, done), starts(select(c, b, x -> x.start == a, 8)));
    }

    @Test
    void aRegionWithASwitchTakesTheLoopAroundIt() {
        // A dispatch loop: HEAD counts to 40, SWITCH jumps through a table of four cases, and
        // every case goes back to HEAD. The table is filled first, from the cases' addresses.
        Cpu c = interpret("""
                   lea rax, [rip + 10f]
                   mov [rbx], rax
                   lea rax, [rip + 11f]
                   mov [rbx + 8], rax
                   lea rax, [rip + 12f]
                   mov [rbx + 16], rax
                   lea rax, [rip + 13f]
                   mov [rbx + 24], rax
                   xor ecx, ecx
                1: add rcx, 1
                   cmp rcx, 40
                   je 2f
                   mov rax, rcx
                   and rax, 3
                   jmp [rbx + rax*8]
                10: add r8, 1
                   jmp 1b
                11: add r9, 1
                   jmp 1b
                12: add r10, 1
                   jmp 1b
                13: add r11, 1
                   jmp 1b
                2: syscall
                """);
        // The first block runs from the table's set-up through the first test of HEAD.
        long dispatch = c.cachedBlock(CODE).end;
        Block firstCase = c.cachedBlock(c.cachedBlock(dispatch).end);
        long head = firstCase.insns[firstCase.insns.length - 1].imm;
        // From the switch: its four cases (three blocks allowed, six with a switch), then the
        // head the cases go back to, which a limit of three for the cases' own successors left out.
        List<Long> blocks = starts(select(c, dispatch, x -> false, 3));
        assertEquals(6, blocks.size(), blocks + " head " + head + " dispatch " + dispatch);
        assertEquals(dispatch, blocks.get(0));
        assertTrue(blocks.contains(head), blocks + " head " + head + " dispatch " + dispatch);
    }

    @Test
    void aRegionTakesTheHotPathBeforeARareBranch() {
        // A loop of 64 iterations: HEAD branches to RARE every 16th one, else falls through to
        // LATCH, which goes back to HEAD. Found first (a branch's target comes before its
        // fall-through), RARE would take the last place of a two-block region from LATCH.
        Cpu c = interpret("""
                   xor ecx, ecx
                1: add rcx, 1
                   test rcx, 15
                   jz 3f
                2: add rdx, 1
                   cmp rcx, 64
                   jne 1b
                   syscall
                3: add r8, 1
                   jmp 2b
                """);
        // The first block runs from the XOR through the first test of HEAD.
        long latch = c.cachedBlock(CODE).end;
        Block latchBlock = c.cachedBlock(latch);
        long head = latchBlock.insns[latchBlock.insns.length - 1].imm;
        Block headBlock = c.cachedBlock(head);
        long rare = headBlock.insns[headBlock.insns.length - 1].imm;
        assertEquals(64, latchBlock.executions);
        assertEquals(4, c.cachedBlock(rare).executions);
        assertEquals(List.of(head, latch), starts(select(c, head, x -> false, 2)));
        // With room for it, the rare block joins too.
        assertTrue(starts(select(c, head, x -> false, 8)).contains(rare));
    }
}
