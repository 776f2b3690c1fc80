package jvisor.cpu.insn;

import jvisor.cpu.Cpu;
import jvisor.cpu.Flags;
import jvisor.cpu.Reg;
import jvisor.cpu.decode.Insn;
import jvisor.cpu.decode.OpcodeTable;
import jvisor.mmu.Access;
import jvisor.mmu.PageFault;

/** Stack instructions: PUSH, POP, PUSHF, POPF, ENTER, LEAVE. Default operand size 64 in long mode. */
final class Stack {
    private Stack() {}

    static void register(OpcodeTable t) {
        t.row("50+r", "push Zv", (c, i) -> c.push(c.getReg(i.reg, i.opsize), i.opsize), "d64", "stack");
        t.row("58+r", "pop Zv", (c, i) -> c.setReg(i.reg, i.opsize, c.pop(i.opsize)), "d64", "stack");
        t.row("6A", "push Ib", (c, i) -> c.push(i.imm, i.opsize), "d64", "stack");
        t.row("68", "push Iz", (c, i) -> c.push(i.imm, i.opsize), "d64", "stack");
        t.row("FF /6", "push Ev", (c, i) -> c.push(c.readE(i), i.opsize), "d64", "stack");
        t.row("8F /0", "pop Ev", Stack::popE, "d64", "stack");
        t.row("9C", "pushf", (c, i) -> c.push(c.state.rflags(), i.opsize), "d64", "stack");
        t.row("9D", "popf", Stack::popf, "d64", "stack");
        t.row("C9", "leave", Stack::leave, "d64", "stack");
        t.row("C8", "enter Iw,Ib", Stack::enter, "d64", "stack");
    }

    /**
     * POP to memory addressed through RSP uses RSP's value after the pop (SDM Vol. 2B "POP"). If
     * the store faults, RSP is left as it was (found by the differential tester).
     */
    private static void popE(Cpu c, Insn i) {
        long sp = c.r[Reg.RSP];
        long v = c.pop(i.opsize);
        try {
            c.writeE(i, v);
        } catch (PageFault f) {
            c.r[Reg.RSP] = sp;
            throw f;
        }
    }

    /** POPF in user mode may change only the status flags, TF, DF, AC and ID. */
    private static void popf(Cpu c, Insn i) {
        long v = c.pop(i.opsize);
        long writable = i.opsize == 2 ? Flags.USER_WRITABLE & 0xFFFF : Flags.USER_WRITABLE;
        c.state.setRflagsMasked(v, writable);
    }

    /** RSP = RBP, then pop RBP; the load comes first, so a fault leaves RSP unchanged. */
    private static void leave(Cpu c, Insn i) {
        long frame = c.r[Reg.RBP];
        long v = c.load(frame, i.opsize);
        c.r[Reg.RSP] = frame + i.opsize;
        c.setReg(Reg.RBP, i.opsize, v);
    }

    /**
     * ENTER size, level (SDM Vol. 2A "ENTER"): nesting levels copy outer frame pointers. As the
     * SDM's #PF condition says and Intel hardware does, a write at the final stack pointer must be
     * possible: if not, the pushes stay in memory but RSP and RBP are left unchanged and #PF is
     * raised (found by the differential tester, RandomDifferentialTest).
     */
    private static void enter(Cpu c, Insn i) {
        int size = i.opsize;
        long frameSize = i.imm & 0xFFFF;
        int level = (int) (i.imm2 & 0x1F);
        long rsp = c.r[Reg.RSP];
        try {
            c.push(c.getReg(Reg.RBP, size), size);
            long frameTemp = c.r[Reg.RSP];
            if (level > 0) {
                long rbp = c.r[Reg.RBP];
                for (int n = 1; n < level; n++) {
                    rbp -= size;
                    c.push(c.load(rbp, size), size);
                }
                c.push(frameTemp, size);
            }
            long top = c.r[Reg.RSP] - frameSize;
            c.mem().translate(top, Access.WRITE);
            c.setReg(Reg.RBP, size, frameTemp);
            c.r[Reg.RSP] = top;
        } catch (PageFault f) {
            c.r[Reg.RSP] = rsp;
            throw f;
        }
    }
}
