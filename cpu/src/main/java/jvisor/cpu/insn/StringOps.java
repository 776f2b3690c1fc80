package jvisor.cpu.insn;

import jvisor.cpu.Cpu;
import jvisor.cpu.CpuState;
import jvisor.cpu.Flags;
import jvisor.cpu.Reg;
import jvisor.cpu.decode.Insn;
import jvisor.cpu.decode.OpcodeTable;
import jvisor.mmu.Access;
import jvisor.mmu.Tlb;
import jvisor.mmu.HostAccess;
import jvisor.mmu.HostMemory;

/**
 * String instructions: MOVS, STOS, LODS, CMPS, SCAS in byte and word/dword/qword sizes, with the
 * REP, REPE and REPNE prefixes (Intel SDM Vol. 2A "CMPS", Vol. 2B "LODS", "MOVS", "REP/REPE/
 * REPZ/REPNE/REPNZ", "SCAS", "STOS").
 *
 * <p>RSI, RDI and RCX are used at the address size: with the 0x67 prefix ESI, EDI and ECX, which
 * are then written back as 32-bit registers (zero-extended). As on Intel hardware, a REP MOVS or
 * STOS does so even when the count is already zero, while a REP LODS and a REPE/REPNE CMPS or
 * SCAS with a zero count write only ECX. DF selects the direction. An FS/GS override applies to the source
 * (DS:RSI); the destination ES:RDI cannot be overridden. F2 before MOVS/STOS/LODS repeats like F3.
 *
 * <p>A REP instruction that faults part way leaves RCX, RSI and RDI describing the elements
 * already done (and, for CMPS/SCAS, the flags of the last comparison), so that re-executing it
 * after the fault is handled continues where it stopped; the run loop resets RIP to it.
 *
 * <p>REP MOVS and REP STOS with DF = 0 and a 64-bit address size copy or fill page chunk by page
 * chunk on host memory instead of element by element. Each chunk lies within one source page and
 * one destination page and is translated before anything of it is written, so a fault is raised
 * at the first element of the first inaccessible page, with the earlier pages done, exactly as
 * element by element. A copy whose destination starts inside its own source (dst - src smaller
 * than the chunk) is split into pieces no longer than that distance, which keeps the
 * element-by-element result (the pattern replication of overlapping forward copies).
 *
 * <p>A REP instruction runs to completion inside its handler: a very long one delays a kick
 * until it is done. Between two elements (or chunks) it lets the TLB catch up with mapping
 * changes of other threads ({@link Tlb#poll}), so a thread that unmaps memory never waits for the
 * whole instruction.
 */
final class StringOps {
    /** Below this many bytes, REP MOVS/STOS go element by element. */
    private static final long FAST_MIN_BYTES = 64;
    private static final int PAGE = HostMemory.PAGE_SIZE;
    private static final long PAGE_MASK = HostMemory.PAGE_MASK;

    private StringOps() {}

    static void register(OpcodeTable t) {
        t.row("A4", "movs Yb,Xb", StringOps::movs);
        t.row("A5", "movs Yv,Xv", StringOps::movs);
        t.row("AA", "stos Yb,AL", StringOps::stos);
        t.row("AB", "stos Yv,rAX", StringOps::stos);
        t.row("AC", "lods AL,Xb", StringOps::lods);
        t.row("AD", "lods rAX,Xv", StringOps::lods);
        t.row("A6", "cmps Xb,Yb", StringOps::cmps);
        t.row("A7", "cmps Xv,Yv", StringOps::cmps);
        t.row("AE", "scas AL,Yb", StringOps::scas);
        t.row("AF", "scas rAX,Yv", StringOps::scas);
    }

    private static boolean repeated(Insn i) {
        return (i.prefixes & (Insn.P_REP | Insn.P_REPNE)) != 0;
    }

    private static long addrMask(Insn i) {
        return i.adsize == 4 ? 0xFFFFFFFFL : -1L;
    }

    /** The step of the string pointers: minus or plus the element size, by DF. */
    private static long delta(Cpu c, int size) {
        return c.state.df() ? -size : size;
    }

    /**
     * The count of a repeated LODS, CMPS or SCAS: RCX at the address size. With a zero count only
     * the counter is written (zero-extended with 0x67), and nothing else happens.
     */
    private static long repeatCount(Cpu c, int as) {
        long n = c.getReg(Reg.RCX, as);
        if (n == 0) c.setReg(Reg.RCX, as, 0);
        return n;
    }

    // ------------------------------------------------------------------ MOVS

    private static void movs(Cpu c, Insn i) {
        int size = i.opsize, as = i.adsize;
        long delta = delta(c, size);
        long am = addrMask(i);
        long si = c.getReg(Reg.RSI, as), di = c.getReg(Reg.RDI, as);
        if (!repeated(i)) {
            c.store(di, size, c.load(c.segmented(i, si), size));
            c.setReg(Reg.RSI, as, si + delta);
            c.setReg(Reg.RDI, as, di + delta);
            return;
        }
        long n = c.getReg(Reg.RCX, as);
        boolean fast = delta > 0 && as == 8;
        Tlb m = c.mem();
        try {
            while (n != 0) {
                m.poll();
                if (fast && Long.compareUnsigned(n, FAST_MIN_BYTES / size) >= 0) {
                    long done = copyChunk(c.mem(), c.segmented(i, si), di, n, size);
                    if (done < 0) fast = false; // destination just after the source: element by element
                    else if (done != 0) {
                        si += done * size;
                        di += done * size;
                        n -= done;
                        continue;
                    }
                }
                c.store(di & am, size, c.load(c.segmented(i, si & am), size));
                si += delta;
                di += delta;
                n--;
            }
        } finally {
            c.setReg(Reg.RCX, as, n);
            c.setReg(Reg.RSI, as, si);
            c.setReg(Reg.RDI, as, di);
        }
    }

    /**
     * Copies as many whole elements as lie within the current source and destination pages (at
     * most n) and returns how many; 0 if not even one does (an element straddling a page), for
     * the caller to do one element; -1 if the destination starts less than FAST_MIN_BYTES after
     * the source, where chunks would be tiny (the pattern-replicating copy).
     */
    private static long copyChunk(Tlb mem, long src, long dst, long n, int size) {
        long room = Math.min(PAGE - (src & PAGE_MASK), PAGE - (dst & PAGE_MASK));
        long elems = Long.compareUnsigned(n, room / size) < 0 ? n : room / size;
        if (elems == 0) return 0;
        mem.translate(src, Access.READ); // a source fault comes first, as element by element
        long hd = mem.translate(dst, Access.WRITE);
        long hs = mem.translate(src, Access.READ); // again: copying dst on write may have waited
        long len = elems * size;
        long gap = hd - hs;
        if (gap > 0 && gap < len) { // destination inside the source: keep element order
            if (gap < FAST_MIN_BYTES) return -1;
            elems = gap / size;
            len = elems * size;
        }
        HostAccess.copy(hs, hd, len);
        return elems;
    }

    // ------------------------------------------------------------------ STOS

    private static void stos(Cpu c, Insn i) {
        int size = i.opsize, as = i.adsize;
        long delta = delta(c, size);
        long am = addrMask(i);
        long v = c.getReg(Reg.RAX, size);
        long di = c.getReg(Reg.RDI, as);
        if (!repeated(i)) {
            c.store(di, size, v);
            c.setReg(Reg.RDI, as, di + delta);
            return;
        }
        long n = c.getReg(Reg.RCX, as);
        boolean fast = delta > 0 && as == 8;
        Tlb m = c.mem();
        try {
            while (n != 0) {
                m.poll();
                if (fast && Long.compareUnsigned(n, FAST_MIN_BYTES / size) >= 0) {
                    long done = fillChunk(c.mem(), di, n, size, v);
                    if (done != 0) {
                        di += done * size;
                        n -= done;
                        continue;
                    }
                }
                c.store(di & am, size, v);
                di += delta;
                n--;
            }
        } finally {
            c.setReg(Reg.RCX, as, n);
            c.setReg(Reg.RDI, as, di);
        }
    }

    /** Stores v into as many whole elements as fit in the destination page (at most n); returns how many. */
    private static long fillChunk(Tlb mem, long dst, long n, int size, long v) {
        long room = PAGE - (dst & PAGE_MASK);
        long elems = Long.compareUnsigned(n, room / size) < 0 ? n : room / size;
        if (elems == 0) return 0;
        long len = elems * size;
        long b = v & 0xFF;
        if (size == 1 || v == ((b * 0x0101010101010101L) & Flags.mask(size))) {
            mem.fill(dst, len, (byte) b); // the same byte throughout: memset
            return elems;
        }
        long h = mem.translate(dst, Access.WRITE);
        long end = h + len;
        switch (size) {
            case 2 -> { for (; h < end; h += 2) HostAccess.putShort(h, (short) v); }
            case 4 -> { for (; h < end; h += 4) HostAccess.putInt(h, (int) v); }
            default -> { for (; h < end; h += 8) HostAccess.putLong(h, v); }
        }
        return elems;
    }

    // ------------------------------------------------------------------ LODS

    private static void lods(Cpu c, Insn i) {
        int size = i.opsize, as = i.adsize;
        long delta = delta(c, size);
        long am = addrMask(i);
        long si = c.getReg(Reg.RSI, as);
        if (!repeated(i)) {
            c.setReg(Reg.RAX, size, c.load(c.segmented(i, si), size));
            c.setReg(Reg.RSI, as, si + delta);
            return;
        }
        long n = repeatCount(c, as);
        if (n == 0) return;
        Tlb m = c.mem();
        try {
            while (n != 0) {
                m.poll();
                c.setReg(Reg.RAX, size, c.load(c.segmented(i, si & am), size));
                si += delta;
                n--;
            }
        } finally {
            c.setReg(Reg.RCX, as, n);
            c.setReg(Reg.RSI, as, si);
        }
    }

    // ------------------------------------------------------------------ CMPS, SCAS

    /** CMPS compares [RSI] with [RDI]: the flags of [RSI] - [RDI]. */
    private static void cmps(Cpu c, Insn i) {
        int size = i.opsize, as = i.adsize;
        long delta = delta(c, size);
        long am = addrMask(i);
        CpuState s = c.state;
        long si = c.getReg(Reg.RSI, as), di = c.getReg(Reg.RDI, as);
        if (!repeated(i)) {
            long a = c.load(c.segmented(i, si), size), b = c.load(di, size);
            Flags.setSub(s, a, b, a - b, size);
            c.setReg(Reg.RSI, as, si + delta);
            c.setReg(Reg.RDI, as, di + delta);
            return;
        }
        boolean untilEqual = (i.prefixes & Insn.P_REP) == 0; // REPNE: stop when ZF = 1
        long n = repeatCount(c, as);
        if (n == 0) return;
        Tlb m = c.mem();
        try {
            while (n != 0) {
                m.poll();
                long a = c.load(c.segmented(i, si & am), size), b = c.load(di & am, size);
                Flags.setSub(s, a, b, a - b, size);
                si += delta;
                di += delta;
                n--;
                if ((a == b) == untilEqual) break;
            }
        } finally {
            c.setReg(Reg.RCX, as, n);
            c.setReg(Reg.RSI, as, si);
            c.setReg(Reg.RDI, as, di);
        }
    }

    /** SCAS compares the accumulator with [RDI]: the flags of rAX - [RDI]. */
    private static void scas(Cpu c, Insn i) {
        int size = i.opsize, as = i.adsize;
        long delta = delta(c, size);
        long am = addrMask(i);
        CpuState s = c.state;
        long a = c.getReg(Reg.RAX, size);
        long di = c.getReg(Reg.RDI, as);
        if (!repeated(i)) {
            long b = c.load(di, size);
            Flags.setSub(s, a, b, a - b, size);
            c.setReg(Reg.RDI, as, di + delta);
            return;
        }
        boolean untilEqual = (i.prefixes & Insn.P_REP) == 0;
        long n = repeatCount(c, as);
        if (n == 0) return;
        Tlb m = c.mem();
        try {
            while (n != 0) {
                m.poll();
                long b = c.load(di & am, size);
                Flags.setSub(s, a, b, a - b, size);
                di += delta;
                n--;
                if ((a == b) == untilEqual) break;
            }
        } finally {
            c.setReg(Reg.RCX, as, n);
            c.setReg(Reg.RDI, as, di);
        }
    }
}
