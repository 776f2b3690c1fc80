package jvisor.cpu.insn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import jvisor.cpu.Cpu;
import jvisor.cpu.CpuTestSupport;
import jvisor.cpu.CpuTestSupport.Case;
import jvisor.cpu.CpuTestSupport.Result;
import jvisor.cpu.Reg;

/** RDTSC and RDTSCP read virtual time: guest instructions retired before them, one per nanosecond tick. */
class TimeStampCounterTest {
    /**
     * rdtsc; shl $32,%rdx; or %rax,%rdx; mov %rdx,%rsi; nop; nop; jmp 1f; 1: nop; rdtscp: between the
     * two readings eight instructions retire (the RDTSC and the seven after it), whatever the block
     * boundaries (RDTSC ends one, the JMP another).
     */
    @Test
    void countsRetiredInstructionsAcrossBlocks() {
        byte[] code = {
            0x0F, 0x31, // rdtsc
            0x48, (byte) 0xC1, (byte) 0xE2, 0x20, // shl $32,%rdx
            0x48, 0x09, (byte) 0xC2, // or %rax,%rdx
            0x48, (byte) 0x89, (byte) 0xD6, // mov %rdx,%rsi
            (byte) 0x90, (byte) 0x90, // nop; nop
            (byte) 0xEB, 0x00, // jmp 1f
            (byte) 0x90, // 1: nop
            0x0F, 0x01, (byte) 0xF9, // rdtscp
        };
        CpuTestSupport.Machine m = CpuTestSupport.machine();
        long before = m.cpu.state.instructionsRetired;
        Result r = CpuTestSupport.emulate(code, new Case("rdtsc..rdtscp"));
        assertEquals(Cpu.EXIT_SYSCALL, r.exit());
        long first = r.reg(Reg.RSI), second = r.reg(Reg.RDX) << 32 | r.reg(Reg.RAX);
        assertEquals(before, first, "the first RDTSC counts what retired before it");
        assertEquals(8, second - first);
        assertEquals(0, r.reg(Reg.RCX) & 0xFFFF_FFFFL, "TSC_AUX: CPU 0 of node 0");
        assertEquals(0, r.reg(Reg.RCX) >>> 32, "RDTSCP zero-extends ECX");
    }

    /** Readings only grow, also when the code between them faults (a block left halfway). */
    @Test
    void neverGoesBack() {
        byte[] read = {0x0F, 0x31, 0x48, (byte) 0xC1, (byte) 0xE2, 0x20, 0x48, 0x09, (byte) 0xC2}; // rdtsc; shl; or -> rdx
        byte[] fault = {(byte) 0x90, 0x0F, 0x31, (byte) 0x90, 0x48, (byte) 0x8B, 0x04, 0x25, 0x00, 0x00, 0x00, 0x00}; // ...; mov 0,%rax
        long last = -1;
        for (int k = 0; k < 5; k++) {
            Result r = CpuTestSupport.emulate(read, new Case("read"));
            long tsc = r.reg(Reg.RDX);
            assertTrue(tsc > last, tsc + " after " + last);
            last = tsc;
            Result f = CpuTestSupport.emulate(fault, new Case("fault"));
            assertEquals(Cpu.EXIT_EXCEPTION, f.exit());
            long mid = f.reg(Reg.RDX) << 32 | f.reg(Reg.RAX);
            assertTrue(mid > last, mid + " after " + last);
            last = mid;
        }
    }
}
