package jvisor.cpu.insn;

import jvisor.cpu.Cpu;
import jvisor.cpu.Flags;
import jvisor.cpu.Reg;
import jvisor.cpu.decode.Insn;
import jvisor.cpu.decode.OpcodeTable;

/** Stack instructions: PUSH, POP, PUSHF, POPF, ENTER, LEAVE. Default operand size 64 in long mode. */
final class Stack {
    private Stack() {}

    static void register(OpcodeTable t) {
        t.row("50+r", "push Zv", (c, i) -> c.push(c.getReg(i.reg, i.opsize), i.opsize), "d64");
        t.row("58+r", "pop Zv", (c, i) -> c.setReg(i.reg, i.opsize, c.pop(i.opsize)), "d64");
        t.row("6A", "push Ib", (c, i) -> c.push(i.imm, i.opsize), "d64");
        t.row("68", "push Iz", (c, i) -> c.push(i.imm, i.opsize), "d64");
        t.row("FF /6", "push Ev", (c, i) -> c.push(c.readE(i), i.opsize), "d64");
        t.row("8F /0", "pop Ev", Stack::popE, "d64");
        t.row("9C", "pushf", (c, i) -> c.push(c.state.rflags(), i.opsize), "d64");
        t.row("9D", "popf", Stack::popf, "d64");
        t.row("C9", "leave", Stack::leave, "d64");
        t.row("C8", "enter Iw,Ib", Stack::enter, "d64");
    }

    /** POP to memory addressed through RSP uses RSP's value after the pop (SDM Vol. 2B "POP"). */
    private static void popE(Cpu c, Insn i) {
        long v = c.pop(i.opsize);
        c.writeE(i, v);
    }

    /** POPF in user mode may change only the status flags, TF, DF, AC and ID. */
    private static void popf(Cpu c, Insn i) {
        long v = c.pop(i.opsize);
        long writable = i.opsize == 2 ? Flags.USER_WRITABLE & 0xFFFF : Flags.USER_WRITABLE;
        c.state.setRflagsMasked(v, writable);
    }

    private static void leave(Cpu c, Insn i) {
        c.r[Reg.RSP] = c.r[Reg.RBP];
        c.setReg(Reg.RBP, i.opsize, c.pop(i.opsize));
    }

    /** ENTER size, level (SDM Vol. 2A "ENTER"): nesting levels copy outer frame pointers. */
    private static void enter(Cpu c, Insn i) {
        int size = i.opsize;
        long frameSize = i.imm & 0xFFFF;
        int level = (int) (i.imm2 & 0x1F);
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
        c.setReg(Reg.RBP, size, frameTemp);
        c.r[Reg.RSP] -= frameSize;
    }
}
