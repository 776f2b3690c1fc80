package jvisor.cpu.jit;

import jvisor.cpu.Reg;
import jvisor.cpu.decode.Insn;

/**
 * Emitters of the control transfers that end blocks: JMP, Jcc, CALL, RET (see Control in
 * jvisor.cpu.insn). A known target inside the region becomes a jump in the generated code; any
 * other target leaves the region with RIP set.
 */
final class ControlForms {
    private ControlForms() {}

    static void jmp(Gen g, Insn i) {
        g.endWithJump(i.imm);
    }

    static void jcc(Gen g, Insn i) {
        g.endWithBranch(i.cc, i.imm, i.next);
    }

    static void call(Gen g, Insn i) {
        g.cb.ldc(i.next);
        IntegerForms.push(g, g.toTemp(), 8);
        g.endWithJump(i.imm);
    }

    /** The target is read before the return address is pushed: "call [rsp]" uses the old RSP. */
    static void callIndirect(Gen g, Insn i) {
        int addr = i.mem ? g.eaTemp(i) : -1;
        int target = g.readE(i, 8, addr);
        g.cb.ldc(i.next);
        IntegerForms.push(g, g.toTemp(), 8);
        g.endWithDynamicJump(target);
    }

    static void jmpIndirect(Gen g, Insn i) {
        int addr = i.mem ? g.eaTemp(i) : -1;
        g.endWithDynamicJump(g.readE(i, 8, addr));
    }

    /** RET and RET imm16: pop the target, then release imm16 more bytes. */
    static void ret(Gen g, Insn i) {
        int target = IntegerForms.pop(g, 8);
        if (i.form.imm1 != jvisor.cpu.decode.Form.Imm.NONE) {
            g.pushReg(Reg.RSP, 8);
            g.cb.ldc(i.imm & 0xFFFF).ladd();
            g.popToReg(Reg.RSP, 8);
        }
        g.endWithDynamicJump(target);
    }
}
