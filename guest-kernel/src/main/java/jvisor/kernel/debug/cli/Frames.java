package jvisor.kernel.debug.cli;

import java.util.ArrayList;
import java.util.List;

import jvisor.cpu.CpuState;
import jvisor.cpu.Reg;
import jvisor.kernel.elf.ElfSymbols;
import jvisor.mmu.AddressSpace;
import jvisor.mmu.PageFault;

/**
 * A frame-pointer backtrace (the System V x86-64 frame layout: [rbp] is the caller's rbp, [rbp+8]
 * the return address). Frame 0 is RIP. At the first instruction of a function (a breakpoint on
 * its symbol) the frame is not built yet, so frame 1 comes from [rsp] and the walk goes on from
 * the caller's rbp. Code built without frame pointers gives a short or wrong list, as in gdb
 * without unwind information.
 */
final class Frames {
    private static final int MAX_FRAMES = 64;

    record Frame(int level, long pc, long frameAddress) {
    }

    private Frames() {}

    static List<Frame> walk(CpuState s, AddressSpace mem, ElfSymbols symbols) {
        List<Frame> out = new ArrayList<>();
        long pc = s.rip, rbp = s.r[Reg.RBP];
        out.add(new Frame(0, pc, rbp));
        ElfSymbols.Symbol f = symbols.at(pc);
        if (f != null && f.address() == pc) {
            Long ret = load(mem, s.r[Reg.RSP]);
            if (ret == null) return out;
            out.add(new Frame(1, ret, rbp));
        }
        while (out.size() < MAX_FRAMES && rbp != 0 && (rbp & 7) == 0) {
            Long ret = load(mem, rbp + 8), next = load(mem, rbp);
            if (ret == null || next == null || ret == 0) break;
            out.add(new Frame(out.size(), ret, next));
            if (Long.compareUnsigned(next, rbp) <= 0) break; // frames grow towards higher addresses
            rbp = next;
        }
        return out;
    }

    static Long load(AddressSpace mem, long address) {
        byte[] b = new byte[8];
        try {
            mem.peekBytes(address, b, 0, 8);
        } catch (PageFault | IllegalArgumentException e) {
            return null;
        }
        long v = 0;
        for (int i = 7; i >= 0; i--) v = (v << 8) | (b[i] & 0xFF);
        return v;
    }
}
