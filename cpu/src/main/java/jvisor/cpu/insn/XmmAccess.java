package jvisor.cpu.insn;

import jvisor.cpu.Cpu;
import jvisor.cpu.CpuFault;
import jvisor.cpu.decode.Insn;
import jvisor.mmu.Access;
import jvisor.mmu.Tlb;
import jvisor.mmu.HostMemory;

/**
 * Operand access shared by the SSE families: XMM registers live in {@code CpuState.xmm} as two
 * longs each (xmm[2n] low quadword, xmm[2n+1] high quadword), and 128-bit memory operands are
 * read and written as two little-endian quadwords.
 *
 * <p>Legacy SSE instructions with a 128-bit memory operand require it 16-byte aligned (#GP
 * otherwise) unless the instruction is one of the explicitly unaligned forms (MOVUPS, MOVUPD,
 * MOVDQU); scalar and 64-bit memory operands never need alignment (Intel SDM Vol. 1, 11.6.7).
 *
 * <p>Nothing here allocates: a 128-bit value is always handled as two longs.
 */
final class XmmAccess {
    private XmmAccess() {}

    /** Index in CpuState.xmm of the low quadword of the ModRM.reg register. */
    static int v(Insn i) {
        return i.reg << 1;
    }

    /** Index in CpuState.xmm of the low quadword of the ModRM.rm register (register forms only). */
    static int u(Insn i) {
        return i.rm << 1;
    }

    /** The effective address of a 16-byte operand that must be aligned: #GP if it is not. */
    static long aligned(Cpu c, Insn i) {
        long a = c.ea(i);
        if ((a & 15) != 0) throw CpuFault.generalProtection();
        return a;
    }

    /**
     * Resolves a 128-bit W operand: its address for memory (which must be 16-byte aligned for a
     * legacy SSE instruction, #GP otherwise, and need not be for a VEX-encoded one, SDM Vol. 1
     * 14.9), or -1 for a register. {@link #lo} and {@link #hi} then read its two halves.
     */
    static long wAddr(Cpu c, Insn i) {
        if (!i.mem) return -1L;
        return i.hasPrefix(Insn.P_VEX) ? c.ea(i) : aligned(c, i);
    }

    /** Low quadword of the W operand resolved by {@link #wAddr} (addr is ignored for registers). */
    static long lo(Cpu c, Insn i, long addr) {
        return i.mem ? c.mem().read64(addr) : c.state.xmm[i.rm << 1];
    }

    /** High quadword of the W operand resolved by {@link #wAddr}. */
    static long hi(Cpu c, Insn i, long addr) {
        return i.mem ? c.mem().read64(addr + 8) : c.state.xmm[(i.rm << 1) + 1];
    }

    /** A 64-bit W operand (scalar double, MOVQ, the low half of unpacks): no alignment needed. */
    static long q(Cpu c, Insn i) {
        return i.mem ? c.mem().read64(c.ea(i)) : c.state.xmm[i.rm << 1];
    }

    /** A 32-bit W operand (scalar single): the low dword of the register or 4 bytes of memory. */
    static int d(Cpu c, Insn i) {
        return i.mem ? c.mem().read32(c.ea(i)) : (int) c.state.xmm[i.rm << 1];
    }

    /** Dword k (0 to 3) of the 128-bit value hi:lo, zero-extended. */
    static long dword(long lo, long hi, int k) {
        long q = (k & 2) == 0 ? lo : hi;
        return (k & 1) == 0 ? q & 0xFFFFFFFFL : q >>> 32;
    }

    /** Loads the 16 bytes at a into the register whose low quadword is xmm[d] (no alignment check here). */
    static void load128(Cpu c, int d, long a) {
        checkStraddling(c.mem(), a, 16, Access.READ);
        long lo = c.mem().read64(a), hi = c.mem().read64(a + 8);
        long[] x = c.state.xmm;
        x[d] = lo;
        x[d + 1] = hi;
    }

    /** Copies the register whose low quadword is xmm[s] to the one at xmm[d]. */
    static void copy128(Cpu c, int d, int s) {
        long[] x = c.state.xmm;
        x[d] = x[s];
        x[d + 1] = x[s + 1];
    }

    /** Stores 16 bytes; a fault (see {@link #checkStraddling}) leaves memory untouched, as the hardware's single access does. */
    static void store128(Cpu c, long a, long lo, long hi) {
        Tlb m = c.mem();
        checkStraddling(m, a, 16, Access.WRITE);
        m.write64(a, lo);
        m.write64(a + 8, hi);
    }

    /**
     * For an access of size bytes at a that straddles a page boundary, checks both pages first and
     * faults where the single access of the hardware does: past the end of the canonical range
     * first (#GP or #SS: the CPU checks canonicality before paging, SDM Vol. 3A 6.15), then at the
     * first unusable page in address order (CR2 is the first byte of that page).
     */
    static void checkStraddling(Tlb m, long a, int size, Access access) {
        if ((a & HostMemory.PAGE_MASK) <= HostMemory.PAGE_SIZE - size) return;
        long second = (a + size - 1) & ~HostMemory.PAGE_MASK;
        if (!Cpu.isCanonical(second)) m.translate(second, access);
        m.translate(a, access);
        m.translate(second, access);
    }
}
