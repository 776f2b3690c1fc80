package jvisor.kernel.debug.cli;

import java.util.ArrayList;
import java.util.List;

import jvisor.cpu.CpuState;
import java.util.function.LongFunction;

import jvisor.cpu.Reg;
import jvisor.cpu.decode.Insn;
import jvisor.kernel.elf.ElfSymbols;
import jvisor.mmu.AddressSpace;
import jvisor.mmu.PageFault;

/**
 * A frame-pointer backtrace (the System V x86-64 frame layout: [rbp] is the caller's rbp, [rbp+8]
 * the return address). Frame 0 is RIP. Frame 0's own function may not have built its frame yet
 * (stopped in its prologue) or at all (a leaf function, which gcc leaves frameless even with
 * -fno-omit-frame-pointer): its code from the symbol's start up to RIP is decoded to see what it
 * pushed and subtracted from RSP, which locates its return address; the rbp chain then goes on
 * from the caller. Code built without frame pointers gives a short or wrong list, as in gdb
 * without unwind information.
 */
final class Frames {
    private static final int MAX_FRAMES = 64;

    record Frame(int level, long pc, long frameAddress) {
    }

    private Frames() {}

    /** How far below the return address RSP is at pc, or -1 when the function built its rbp frame. */
    static long frameDepth(long start, long pc, LongFunction<Insn> decode) {
        long depth = 0, at = start;
        boolean pushedRbp = false;
        for (int n = 0; n < 64 && Long.compareUnsigned(at, pc) < 0; n++) {
            Insn i = decode.apply(at);
            if (i == null || i.form == null) return depth;
            String m = i.form.mnemonic;
            if (m.startsWith("push")) {
                depth += i.opsize == 2 ? 2 : 8;
                if (i.reg == Reg.RBP && !i.mem && m.startsWith("push Z")) pushedRbp = true;
            } else if (m.startsWith("pop")) {
                depth -= 8;
            } else if (pushedRbp && m.startsWith("mov") && !i.mem && i.opcode == 0x89 && i.rm == Reg.RBP
                    && i.reg == Reg.RSP) {
                return -1; // mov rbp, rsp: the frame exists from here on
            } else if (!i.mem && i.rm == Reg.RSP && (m.startsWith("sub E") || m.startsWith("add E"))
                    && i.form.imm1 != jvisor.cpu.decode.Form.Imm.NONE) {
                depth += m.startsWith("sub") ? i.imm : -i.imm;
            }
            at = i.next;
        }
        return depth;
    }

    static List<Frame> walk(CpuState s, AddressSpace mem, ElfSymbols symbols, LongFunction<Insn> decode) {
        List<Frame> out = new ArrayList<>();
        long pc = s.rip, rbp = s.r[Reg.RBP];
        out.add(new Frame(0, pc, rbp));
        ElfSymbols.Symbol f = symbols.at(pc);
        long depth = f != null ? frameDepth(f.address(), pc, decode) : -1;
        if (depth >= 0) {
            Long ret = load(mem, s.r[Reg.RSP] + depth);
            if (ret == null || !isCode(mem, ret)) return out; // the outermost frame (_start)
            out.add(new Frame(1, ret, rbp));
        }
        while (out.size() < MAX_FRAMES && rbp != 0 && (rbp & 7) == 0) {
            Long ret = load(mem, rbp + 8), next = load(mem, rbp);
            if (ret == null || next == null || !isCode(mem, ret)) break;
            out.add(new Frame(out.size(), ret, next));
            if (Long.compareUnsigned(next, rbp) <= 0) break; // frames grow towards higher addresses
            rbp = next;
        }
        return out;
    }

    /** A return address points into executable memory. */
    private static boolean isCode(AddressSpace mem, long address) {
        jvisor.mmu.Region r = mem.find(address);
        return r != null && (r.prot() & jvisor.mmu.Prot.EXEC) != 0;
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
