package jvisor.cpu.insn;

import jvisor.cpu.Cpu;
import jvisor.cpu.Flags;
import jvisor.cpu.Reg;
import jvisor.cpu.decode.Insn;
import jvisor.cpu.decode.OpcodeTable;

/**
 * Control transfer: JMP, Jcc, CALL, RET, LOOP/LOOPE/LOOPNE, JRCXZ. Each ends a basic block.
 * Relative targets are resolved to absolute addresses by the decoder (in imm).
 */
final class Control {
    private Control() {}

    static void register(OpcodeTable t) {
        t.row("EB", "jmp Jb", (c, i) -> c.state.rip = i.imm, "f64", "end");
        t.row("E9", "jmp Jz", (c, i) -> c.state.rip = i.imm, "f64", "end");
        t.row("70+cc", "jcc Jb", Control::jcc, "f64", "end");
        t.row("0F 80+cc", "jcc Jz", Control::jcc, "f64", "end");
        t.row("E8", "call Jz", Control::callRel, "f64", "end", "stack");
        t.row("FF /2", "call Ev", Control::callIndirect, "f64", "end", "stack");
        t.row("FF /4", "jmp Ev", (c, i) -> c.state.rip = c.readE(i), "f64", "end");
        t.row("C3", "ret", (c, i) -> c.state.rip = c.pop64(), "f64", "end", "stack");
        t.row("C2", "ret Iw", Control::retImm, "f64", "end", "stack");
        t.row("E3", "jrcxz Jb", Control::jrcxz, "f64", "end");
        t.row("E2", "loop Jb", (c, i) -> loop(c, i, true, false), "f64", "end");
        t.row("E1", "loope Jb", (c, i) -> loop(c, i, true, true), "f64", "end");
        t.row("E0", "loopne Jb", (c, i) -> loop(c, i, false, true), "f64", "end");
    }

    private static void jcc(Cpu c, Insn i) {
        if (Flags.condition(c.state, i.cc)) c.state.rip = i.imm;
    }

    private static void callRel(Cpu c, Insn i) {
        c.push64(i.next);
        c.state.rip = i.imm;
    }

    /** The target is read before the return address is pushed: "call [rsp]" uses the old RSP. */
    private static void callIndirect(Cpu c, Insn i) {
        long target = c.readE(i);
        c.push64(i.next);
        c.state.rip = target;
    }

    private static void retImm(Cpu c, Insn i) {
        long target = c.pop64();
        c.r[Reg.RSP] += i.imm & 0xFFFF;
        c.state.rip = target;
    }

    /** RCX, or ECX with the 0x67 prefix, is the counter (SDM Vol. 2A "Jcc" and "LOOP/LOOPcc"). */
    private static void jrcxz(Cpu c, Insn i) {
        if (c.getReg(Reg.RCX, i.adsize) == 0) c.state.rip = i.imm;
    }

    private static void loop(Cpu c, Insn i, boolean whenZero, boolean testZf) {
        long count = (c.getReg(Reg.RCX, i.adsize) - 1);
        c.setReg(Reg.RCX, i.adsize, count);
        boolean go = (count & Flags.mask(i.adsize)) != 0;
        if (testZf) go &= Flags.zf(c.state) == whenZero;
        if (go) c.state.rip = i.imm;
    }
}
