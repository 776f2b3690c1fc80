package jvisor.cpu.insn;

import static jvisor.cpu.insn.SseTestSupport.assertSameAsHost;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import jvisor.cpu.insn.SseTestSupport.Case;

/** SSE data movement against the host CPU: register and memory forms, merging and zeroing rules, alignment faults. */
class SseMoveTest {
    static final String[] MOVES = {
        "movaps %xmm1,%xmm0", "movaps (%rsi),%xmm0", "movaps %xmm2,16(%rsi)", "movapd %xmm1,%xmm0", "movapd 32(%rsi),%xmm3",
        "movapd %xmm3,(%rsi)", "movups %xmm1,%xmm0", "movups (%rsi),%xmm0", "movups %xmm2,(%rsi)", "movupd 16(%rsi),%xmm1",
        "movupd %xmm1,(%rsi)", "movdqa %xmm1,%xmm0", "movdqa (%rsi),%xmm0", "movdqa %xmm0,16(%rsi)", "movdqu 3(%rsi),%xmm2",
        "movdqu %xmm2,5(%rsi)", "movdqu %xmm1,%xmm3",
        "movss %xmm1,%xmm0", "movss 4(%rsi),%xmm0", "movss %xmm2,8(%rsi)", "movsd %xmm1,%xmm0", "movsd 8(%rsi),%xmm0",
        "movsd %xmm2,24(%rsi)",
        "movd %eax,%xmm0", "movq %rax,%xmm0", "movd (%rsi),%xmm1", "movq (%rsi),%xmm1", "movd %xmm1,%eax",
        "movq %xmm1,%rax", "movd %xmm2,4(%rsi)", "movq %xmm2,8(%rsi)", "movq %xmm1,%xmm0", "movq 16(%rsi),%xmm3",
        "movq %xmm3,%xmm2", "movd %xmm0,%ecx", "movq %rdx,%xmm3",
        "movlps (%rsi),%xmm0", "movlps %xmm1,8(%rsi)", "movlpd 8(%rsi),%xmm2", "movlpd %xmm3,(%rsi)",
        "movhps (%rsi),%xmm0", "movhps %xmm1,8(%rsi)", "movhpd 8(%rsi),%xmm2", "movhpd %xmm3,(%rsi)",
        "movhlps %xmm1,%xmm0", "movlhps %xmm1,%xmm0", "movhlps %xmm0,%xmm0",
        "movntps %xmm1,(%rsi)", "movntpd %xmm2,16(%rsi)", "movntdq %xmm3,32(%rsi)", "movnti %eax,4(%rsi)",
        "movnti %rcx,8(%rsi)",
        "movmskps %xmm1,%eax", "movmskpd %xmm1,%eax", "movmskps %xmm2,%rcx", "pmovmskb %xmm3,%edx",
    };

    static List<Case> cases(String asm, int n, int memOffset) {
        Random r = new Random(asm.hashCode() + memOffset);
        List<Case> cases = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            Case c = new Case(asm);
            for (int x = 0; x < 4; x++) c.xmm(x, r.nextLong(), r.nextLong());
            for (int q = 0; q < 8; q++) c.mem(8 * q, r.nextLong());
            c.rax = r.nextLong();
            c.rcx = r.nextLong();
            c.rdx = r.nextLong();
            c.memOffset = memOffset;
            cases.add(c);
        }
        return cases;
    }

    @Test
    void movesMatchHost() {
        List<Case> all = new ArrayList<>();
        for (String m : MOVES) all.addAll(cases(m, 8, 0));
        assertSameAsHost(all);
    }

    @Test
    void alignment() {
        // Aligned forms raise #GP on a misaligned operand; unaligned, scalar and half forms never do.
        List<Case> all = new ArrayList<>();
        for (String m : MOVES) {
            if (!m.contains("(%rsi)")) continue;
            for (int off : new int[] {1, 4, 8}) all.addAll(cases(m, 1, off));
        }
        assertSameAsHost(all);
    }

    @Test
    void storeAcrossAPageBoundaryIsAllOrNothing() {
        // A 16-byte store whose second page is unmapped faults without writing the first page.
        jvisor.mmu.AddressSpace space = new jvisor.mmu.AddressSpace();
        space.mapAnonymous(0x10000, 0x1000, jvisor.mmu.Prot.RX, "code");
        space.mapAnonymous(0x20000, 0x1000, jvisor.mmu.Prot.RW, "data");
        byte[] code = {(byte) 0xF3, 0x0F, 0x7F, 0x06, (byte) 0xCC}; // movdqu %xmm0,(%rsi); int3
        space.pokeBytes(0x10000, code, 0, code.length);
        jvisor.cpu.Cpu cpu = new jvisor.cpu.Cpu(space);
        cpu.state.xmm[0] = -1L;
        cpu.state.xmm[1] = -1L;
        cpu.state.r[jvisor.cpu.Reg.RSI] = 0x20FF8;
        cpu.state.rip = 0x10000;
        assertEquals(jvisor.cpu.Cpu.EXIT_EXCEPTION, cpu.run());
        assertEquals(jvisor.cpu.CpuFault.PF, cpu.exitVector);
        assertEquals(0x10000, cpu.state.rip);
        assertEquals(0L, space.read64(0x20FF8));
    }
}
