package jvisor.cpu.jit;

import static java.lang.constant.ConstantDescs.CD_boolean;
import static java.lang.constant.ConstantDescs.CD_int;
import static java.lang.constant.ConstantDescs.CD_long;

import java.lang.classfile.Label;
import java.lang.constant.MethodTypeDesc;

import jvisor.cpu.Flags;
import jvisor.cpu.Reg;
import jvisor.cpu.decode.Insn;
import jvisor.cpu.insn.Semantics;

/**
 * Emitters of the integer instructions: ALU, TEST, NOT/NEG/INC/DEC, MOV and friends, stack,
 * shifts and rotates, two- and three-operand IMUL. Each follows its interpreter handler in
 * jvisor.cpu.insn: its results, the flag fields it records, and the order of its faults (all
 * loads and stores before any register or flag is written).
 */
final class IntegerForms {
    /** Operand shapes of the ALU forms. */
    static final int E_G = 0, G_E = 1, ACC_I = 2, E_I = 3;
    // ALU operation numbers, as in the opcode map (and jvisor.cpu.insn.Alu).
    private static final int ADD = 0, OR = 1, ADC = 2, SBB = 3, AND = 4, SUB = 5, XOR = 6, CMP = 7;

    private IntegerForms() {}

    /** Pushes an immediate truncated to size bytes. */
    private static void pushImm(Gen g, long imm, int size) {
        g.cb.ldc(imm & Flags.mask(size));
    }

    /** ADD, OR, ADC, SBB, AND, SUB, XOR, CMP in the given operand shape (see Alu.compute). */
    static void alu(Gen g, Insn i, int op, int shape) {
        int size = i.opsize;
        boolean memDest = i.mem && (shape == E_G || shape == E_I);
        int addr = i.mem && shape != ACC_I ? g.eaTemp(i) : -1;
        int d, s;
        switch (shape) {
            case E_G -> {
                g.pushReg(i.reg, size);
                s = g.toTemp();
                d = g.readE(i, size, addr);
            }
            case G_E -> {
                g.pushReg(i.reg, size);
                d = g.toTemp();
                s = g.readE(i, size, addr);
            }
            case ACC_I -> {
                g.pushReg(Reg.RAX, size);
                d = g.toTemp();
                pushImm(g, i.imm, size);
                s = g.toTemp();
            }
            default -> {
                d = g.readE(i, size, addr);
                pushImm(g, i.imm, size);
                s = g.toTemp();
            }
        }
        int carry = -1;
        if (op == ADC || op == SBB) {
            g.pushCarry();
            carry = g.toTemp();
        }
        g.cb.lload(d).lload(s);
        switch (op) {
            case ADD -> g.cb.ladd();
            case ADC -> g.cb.ladd().lload(carry).ladd();
            case SUB, CMP -> g.cb.lsub();
            case SBB -> g.cb.lsub().lload(carry).lsub();
            case OR -> g.cb.lor();
            case AND -> g.cb.land();
            default -> g.cb.lxor();
        }
        g.mask(size);
        int r = g.toTemp();
        if (op != CMP) {
            if (memDest) {
                g.store(addr, size, r);
            } else {
                g.cb.lload(r);
                g.popToReg(shape == G_E ? i.reg : shape == ACC_I ? Reg.RAX : i.rm, size);
            }
        }
        switch (op) {
            case ADD -> g.setFlags(Flags.OP_ADD, size, d, s, r, -1);
            case SUB, CMP -> g.setFlags(Flags.OP_SUB, size, d, s, r, -1);
            case ADC -> g.setFlags(Flags.OP_ADC, size, d, s, r, carry);
            case SBB -> g.setFlags(Flags.OP_SBB, size, d, s, r, carry);
            default -> g.setFlags(Flags.OP_LOGIC, size, -1, -1, r, -1);
        }
    }

    /** TEST: the AND's flags, no result. */
    static void test(Gen g, Insn i, int shape) {
        int size = i.opsize;
        int addr = i.mem && shape != ACC_I ? g.eaTemp(i) : -1;
        int a = shape == ACC_I ? -1 : g.readE(i, size, addr);
        if (shape == ACC_I) g.pushReg(Reg.RAX, size);
        else g.cb.lload(a);
        if (shape == E_G) g.pushReg(i.reg, size);
        else pushImm(g, i.imm, size);
        g.cb.land();
        int r = g.toTemp();
        g.setFlags(Flags.OP_LOGIC, size, -1, -1, r, -1);
    }

    static void not(Gen g, Insn i) {
        int size = i.opsize;
        int addr = i.mem ? g.eaTemp(i) : -1;
        int v = g.readE(i, size, addr);
        g.cb.lload(v).ldc(-1L).lxor();
        g.mask(size);
        int r = g.toTemp();
        g.writeE(i, size, addr, r);
    }

    /** NEG: flags as SUB 0 - v. */
    static void neg(Gen g, Insn i) {
        int size = i.opsize;
        int addr = i.mem ? g.eaTemp(i) : -1;
        int v = g.readE(i, size, addr);
        g.cb.lconst_0().lload(v).lsub();
        g.mask(size);
        int r = g.toTemp();
        g.writeE(i, size, addr, r);
        g.cb.lconst_0();
        int zero = g.toTemp();
        g.setFlags(Flags.OP_SUB, size, zero, v, r, -1);
    }

    /** INC, DEC: the flags of ADD/SUB 1, CF kept (recorded in lfAux). */
    static void incDec(Gen g, Insn i, boolean inc) {
        int size = i.opsize;
        int addr = i.mem ? g.eaTemp(i) : -1;
        int v = g.readE(i, size, addr);
        g.cb.lload(v).lconst_1();
        if (inc) g.cb.ladd(); else g.cb.lsub();
        g.mask(size);
        int r = g.toTemp();
        if (g.flagsDead()) { // nobody sees the flags: the CF it keeps is not needed either
            g.writeE(i, size, addr, r);
            g.forgetFlags();
            return;
        }
        g.pushCarry(); // before the write: it reads the flags of the instruction before
        int carry = g.toTemp();
        g.writeE(i, size, addr, r);
        g.cb.lconst_1();
        int one = g.toTemp();
        g.setFlags(inc ? Flags.OP_INC : Flags.OP_DEC, size, v, one, r, carry);
    }

    /** The LOCK-prefixed additions {@link #lockedAdd} emits. */
    enum LockedAdd { ADD_REGISTER, ADD_IMMEDIATE, SUB_REGISTER, SUB_IMMEDIATE, INC, DEC, XADD }

    /**
     * Pushes the vCPU, the address in slot addr and the operand size: the first arguments of the
     * Semantics.locked* calls, which may fault (before any change) and write memory.
     */
    private static void lockedCallArguments(Gen g, int addr, int size) {
        g.mayFault();
        g.mayWrite();
        g.cb.aload(Gen.CPU).lload(addr).ldc(size);
    }

    private static final MethodTypeDesc LOCKED_ADD = MethodTypeDesc.of(CD_long, Gen.CD_CPU, CD_long, CD_int, CD_long);

    /**
     * LOCK ADD and SUB (of a register or an immediate), LOCK INC and DEC, and LOCK XADD, on their
     * memory operand: one atomic add on the host through Semantics.lockedAdd (which may fault,
     * before any change), then the plain instruction's flags from the operand's value before it,
     * and for XADD that value in the register. Left to their handler they wrote back every
     * register the region holds and read them all again: the loop of scripts/bench's two-thread
     * counter (LOCK ADD, a counting ADD, CMP and JG) was 5 KB of bytecode in two regions.
     */
    static void lockedAdd(Gen g, Insn i, LockedAdd kind) {
        int size = i.opsize;
        int addr = g.eaTemp(i);
        switch (kind) {
            case INC, DEC -> g.cb.lconst_1();
            case ADD_IMMEDIATE, SUB_IMMEDIATE -> pushImm(g, i.imm, size);
            default -> g.pushReg(i.reg, size);
        }
        int s = g.toTemp();
        boolean subtract = kind == LockedAdd.SUB_REGISTER || kind == LockedAdd.SUB_IMMEDIATE || kind == LockedAdd.DEC;
        boolean incDec = kind == LockedAdd.INC || kind == LockedAdd.DEC;
        int carry = -1;
        if (incDec && !g.flagsDead()) { // INC and DEC keep CF: read before this instruction's flags
            g.pushCarry();
            carry = g.toTemp();
        }
        lockedCallArguments(g, addr, size);
        g.cb.lload(s);
        if (subtract) g.cb.lneg();
        g.cb.invokestatic(Gen.CD_SEMANTICS, "lockedAdd", LOCKED_ADD);
        int d = g.toTemp();
        g.cb.lload(d).lload(s);
        if (subtract) g.cb.lsub(); else g.cb.ladd();
        g.mask(size);
        int r = g.toTemp();
        if (kind == LockedAdd.XADD) {
            g.cb.lload(d);
            g.popToReg(i.reg, size);
        }
        if (incDec && g.flagsDead()) g.forgetFlags();
        else if (incDec) g.setFlags(kind == LockedAdd.INC ? Flags.OP_INC : Flags.OP_DEC, size, d, s, r, carry);
        else g.setFlags(subtract ? Flags.OP_SUB : Flags.OP_ADD, size, d, s, r, -1);
    }

    private static final MethodTypeDesc LOCKED_COMPARE_EXCHANGE =
            MethodTypeDesc.of(CD_long, Gen.CD_CPU, CD_long, CD_int, CD_long, CD_long);
    private static final MethodTypeDesc LOCKED_EXCHANGE = MethodTypeDesc.of(CD_long, Gen.CD_CPU, CD_long, CD_int, CD_long);

    /**
     * LOCK CMPXCHG on memory (a mutex's lock, a compare-and-set loop): one call of the atomic
     * compare-and-exchange (Semantics.lockedCompareExchange), then the flags of CMP accumulator,
     * old value and, when they differ, the old value in the accumulator (a 32-bit one zero-extends
     * RAX; an equal compare leaves RAX alone).
     */
    static void lockedCompareExchange(Gen g, Insn i) {
        int size = i.opsize;
        int addr = g.eaTemp(i);
        g.pushReg(Reg.RAX, size);
        int acc = g.toTemp();
        g.pushReg(i.reg, size);
        int src = g.toTemp();
        lockedCallArguments(g, addr, size);
        g.cb.lload(acc).lload(src).invokestatic(Gen.CD_SEMANTICS, "lockedCompareExchange", LOCKED_COMPARE_EXCHANGE);
        int d = g.toTemp();
        Label equal = g.cb.newLabel();
        g.cb.lload(d).lload(acc).lcmp().ifeq(equal);
        g.cb.lload(d);
        g.popToReg(Reg.RAX, size);
        g.cb.labelBinding(equal);
        g.cb.lload(acc).lload(d).lsub();
        g.mask(size);
        int r = g.toTemp();
        g.setFlags(Flags.OP_SUB, size, acc, d, r, -1);
    }

    /** XCHG with memory, atomic with or without LOCK: one call of Semantics.lockedExchange, the old value to the register. */
    static void exchangeMemory(Gen g, Insn i) {
        int size = i.opsize;
        int addr = g.eaTemp(i);
        g.pushReg(i.reg, size);
        int v = g.toTemp();
        lockedCallArguments(g, addr, size);
        g.cb.lload(v).invokestatic(Gen.CD_SEMANTICS, "lockedExchange", LOCKED_EXCHANGE);
        g.popToReg(i.reg, size);
    }

    static void movEG(Gen g, Insn i) {
        int addr = i.mem ? g.eaTemp(i) : -1;
        g.pushReg(i.reg, i.opsize);
        g.writeE(i, i.opsize, addr, g.toTemp());
    }

    static void movGE(Gen g, Insn i) {
        int addr = i.mem ? g.eaTemp(i) : -1;
        int v = g.readE(i, i.opsize, addr);
        g.cb.lload(v);
        g.popToReg(i.reg, i.opsize);
    }

    static void movEI(Gen g, Insn i) {
        int addr = i.mem ? g.eaTemp(i) : -1;
        g.cb.ldc(i.imm);
        g.writeE(i, i.opsize, addr, g.toTemp());
    }

    static void movZI(Gen g, Insn i) {
        g.cb.ldc(i.imm);
        g.popToReg(i.reg, i.opsize);
    }

    /** LEA: the address without a segment base, at the operand size. */
    static void lea(Gen g, Insn i) {
        g.pushAddress(i);
        g.popToReg(i.reg, i.opsize);
    }

    /** MOVZX, MOVSX, MOVSXD: the E operand of size bytes, extended to the operand size. */
    static void extend(Gen g, Insn i, int size, boolean signed) {
        int addr = i.mem ? g.eaTemp(i) : -1;
        int v = g.readE(i, size, addr);
        g.cb.lload(v);
        if (signed) g.signExtend(size);
        g.popToReg(i.reg, i.opsize);
    }

    /** XCHG of two registers, or of a register and memory ({@link #exchangeMemory}). */
    static void xchg(Gen g, Insn i) {
        if (i.mem) exchangeMemory(g, i);
        else swap(g, i.rm, i.reg, i.opsize);
    }

    /** 90+r: XCHG with rAX; plain 0x90 is NOP and leaves RAX alone. */
    static void xchgAcc(Gen g, Insn i) {
        if (i.reg != Reg.RAX) swap(g, Reg.RAX, i.reg, i.opsize);
    }

    /** Registers a and b exchange their low size bytes (a 32-bit write zero-extends, as any). */
    private static void swap(Gen g, int a, int b, int size) {
        g.pushReg(a, size);
        int old = g.toTemp();
        g.pushReg(b, size);
        g.popToReg(a, size);
        g.cb.lload(old);
        g.popToReg(b, size);
    }

    /** CMOVcc: the source is read (and may fault) whatever the condition; a 32-bit destination is zero-extended either way. */
    static void cmov(Gen g, Insn i) {
        int size = i.opsize;
        int addr = i.mem ? g.eaTemp(i) : -1;
        int v = g.readE(i, size, addr);
        Label skip = g.cb.newLabel(), done = g.cb.newLabel();
        g.pushCondition(i.cc);
        g.cb.ifeq(skip);
        g.cb.lload(v);
        g.popToReg(i.reg, size);
        g.cb.goto_(done);
        g.cb.labelBinding(skip);
        if (size == 4) {
            g.pushReg(i.reg, 4);
            g.popToReg(i.reg, 4);
        }
        g.cb.labelBinding(done);
    }

    static void setcc(Gen g, Insn i) {
        int addr = i.mem ? g.eaTemp(i) : -1;
        g.pushCondition(i.cc);
        g.cb.i2l();
        g.writeE(i, 1, addr, g.toTemp());
    }

    /** CBW, CWDE, CDQE: rAX = sign-extended lower half. */
    static void convertAcc(Gen g, Insn i) {
        int half = i.opsize / 2;
        g.pushReg(Reg.RAX, half);
        g.signExtend(half);
        g.popToReg(Reg.RAX, i.opsize);
    }

    /** CWD, CDQ, CQO: rDX = the sign of rAX, repeated. */
    static void convertAccToDx(Gen g, Insn i) {
        g.pushReg(Reg.RAX, i.opsize);
        g.signExtend(i.opsize);
        g.cb.bipush(63).lshr();
        g.popToReg(Reg.RDX, i.opsize);
    }

    // ------------------------------------------------------------------ stack

    /** Pushes the long in slot v as size bytes: the store first, RSP after (a faulting push changes nothing). */
    static void push(Gen g, int v, int size) {
        g.pushReg(Reg.RSP, 8);
        g.cb.ldc((long) size).lsub();
        int sp = g.toTemp();
        g.store(sp, size, v);
        g.cb.lload(sp);
        g.popToReg(Reg.RSP, 8);
    }

    static void pushReg(Gen g, Insn i) {
        g.pushReg(i.reg, i.opsize);
        push(g, g.toTemp(), i.opsize);
    }

    static void pushImm(Gen g, Insn i) {
        g.cb.ldc(i.imm);
        push(g, g.toTemp(), i.opsize);
    }

    static void pushE(Gen g, Insn i) {
        int addr = i.mem ? g.eaTemp(i) : -1;
        push(g, g.readE(i, i.opsize, addr), i.opsize);
    }

    /** Pops size bytes into a new temporary: the load first, RSP after. */
    static int pop(Gen g, int size) {
        return popFrom(g, Reg.RSP, size);
    }

    /**
     * Loads size bytes at the address in register top into a new temporary, then sets RSP past
     * them: a pop from a stack whose top is in top (RSP, or RBP for LEAVE). The load comes first,
     * so a fault leaves RSP as it was.
     */
    private static int popFrom(Gen g, int top, int size) {
        g.pushReg(top, 8);
        int address = g.toTemp();
        g.load(address, size);
        int v = g.toTemp();
        g.cb.lload(address).ldc((long) size).ladd();
        g.popToReg(Reg.RSP, 8);
        return v;
    }

    /** POP reg: RSP moves first, then the register is written (POP RSP loads RSP). */
    static void popReg(Gen g, Insn i) {
        int v = pop(g, i.opsize);
        g.cb.lload(v);
        g.popToReg(i.reg, i.opsize);
    }

    /** LEAVE: RSP = RBP, then pop RBP; the load comes first. */
    static void leave(Gen g, Insn i) {
        int v = popFrom(g, Reg.RBP, i.opsize);
        g.cb.lload(v);
        g.popToReg(Reg.RBP, i.opsize);
    }

    // ------------------------------------------------------------------ shifts, IMUL

    /**
     * Group 2 by a constant count (see Shift.shift): a masked count of 0, or an RCL/RCR by a whole
     * turn, writes the operand back unchanged and keeps the flags.
     */
    static void shift(Gen g, Insn i, int op, int rawCount, boolean immediate) {
        int size = i.opsize;
        int bits = size * 8;
        int count = rawCount & (size == 8 ? 0x3F : 0x1F);
        boolean carryRotate = op == Semantics.RCL || op == Semantics.RCR;
        int addr = i.mem ? g.eaTemp(i) : -1;
        int v = g.readE(i, size, addr);
        if (count == 0 || carryRotate && Semantics.carryRotateCount(count, bits) == 0) {
            g.writeE(i, size, addr, v);
            return;
        }
        boolean rotate = op <= Semantics.RCR;
        boolean dead = g.flagsDead() && !carryRotate; // RCL/RCR need CF for the value itself
        int old = -1;
        if (rotate && !dead) { // the rotates keep the flags they do not write: the status before them
            g.pushStatus();
            old = g.toTemp();
        }
        if (carryRotate) {
            g.cb.ldc(op).lload(v).ldc(count).ldc(bits);
            g.cb.lload(old).lconst_1().land();
            g.cb.invokestatic(Gen.CD_SEMANTICS, "shiftResult", MethodTypeDesc.of(CD_long, CD_int, CD_long, CD_int, CD_int, CD_long));
        } else {
            constantShift(g, op, v, count, size);
        }
        int r = g.toTemp();
        g.writeE(i, size, addr, r);
        if (g.flagsDead()) {
            g.forgetFlags();
            return;
        }
        g.cb.ldc(op).lload(v).lload(r).ldc(count).ldc(bits).ldc(immediate && !i.mem ? 1 : 0);
        if (rotate) g.cb.lload(old);
        else g.cb.lconst_0();
        g.cb.invokestatic(Gen.CD_SEMANTICS, "shiftStatus",
                MethodTypeDesc.of(CD_long, CD_int, CD_long, CD_long, CD_int, CD_int, CD_boolean, CD_long));
        g.setEagerFlags();
    }

    /**
     * Pushes the result of SHL, SHR, SAR, ROL or ROR of the operand in slot v (zero-extended from
     * size bytes) by a constant count other than 0, as Shift.result computes it, in plain
     * bytecode: the JVM compiles it to one or two machine instructions.
     */
    private static void constantShift(Gen g, int op, int v, int count, int size) {
        int bits = size * 8;
        switch (op) {
            case Semantics.SHL -> {
                g.cb.lload(v).ldc(count).lshl();
                g.mask(size);
            }
            case Semantics.SHR -> g.cb.lload(v).ldc(count).lushr();
            case Semantics.SAR -> {
                g.cb.lload(v);
                g.signExtend(size);
                g.cb.ldc(count).lshr();
                g.mask(size);
            }
            default -> { // ROL, ROR: by the count modulo the width
                int k = count & (bits - 1);
                int left = op == Semantics.ROL ? k : bits - k;
                g.cb.lload(v);
                if (k != 0) {
                    g.cb.ldc(left).lshl().lload(v).ldc(bits - left).lushr().lor();
                    g.mask(size);
                }
            }
        }
    }

    /**
     * SHL, SHR, SAR by CL (see Shift.shift): the count is only known when it runs, and a masked
     * count of 0 changes no flag at all.
     */
    static void shiftByCl(Gen g, Insn i, int op) {
        int size = i.opsize;
        int bits = size * 8;
        int addr = i.mem ? g.eaTemp(i) : -1;
        int v = g.readE(i, size, addr);
        g.pushReg(Reg.RCX, 8);
        g.cb.l2i().ldc(size == 8 ? 0x3F : 0x1F).iand();
        int count = g.intTemp();
        g.cb.istore(count);
        Label none = g.cb.newLabel(), computed = g.cb.newLabel();
        g.cb.iload(count).ifeq(none);
        g.cb.ldc(op).lload(v).iload(count).ldc(bits).lconst_0();
        g.cb.invokestatic(Gen.CD_SEMANTICS, "shiftResult", MethodTypeDesc.of(CD_long, CD_int, CD_long, CD_int, CD_int, CD_long));
        g.cb.goto_(computed);
        g.cb.labelBinding(none);
        g.cb.lload(v);
        g.cb.labelBinding(computed);
        int r = g.toTemp();
        g.writeE(i, size, addr, r);
        if (g.flagsDead()) {
            g.forgetFlags();
            return;
        }
        Label unchanged = g.cb.newLabel();
        g.cb.iload(count).ifeq(unchanged);
        g.cb.ldc(op).lload(v).lload(r).iload(count).ldc(bits).iconst_0().lconst_0();
        g.cb.invokestatic(Gen.CD_SEMANTICS, "shiftStatus",
                MethodTypeDesc.of(CD_long, CD_int, CD_long, CD_long, CD_int, CD_int, CD_boolean, CD_long));
        g.setEagerFlags();
        g.cb.labelBinding(unchanged);
        g.forgetFlags(); // either the shift's or the ones before
    }

    /** Two- and three-operand IMUL: the truncated product to G, the flags from the operands. */
    static void imul(Gen g, Insn i, boolean immediate) {
        int size = i.opsize;
        int addr = i.mem ? g.eaTemp(i) : -1;
        int e = g.readE(i, size, addr);
        g.cb.lload(e);
        g.signExtend(size);
        int x = g.toTemp();
        if (immediate) g.cb.ldc(i.imm);
        else g.pushReg(i.reg, size);
        g.signExtend(size);
        int y = g.toTemp();
        g.cb.lload(x).lload(y).lmul();
        g.popToReg(i.reg, size);
        if (g.flagsDead()) {
            g.forgetFlags();
            return;
        }
        g.cb.lload(x).lload(y).ldc(size);
        g.cb.invokestatic(Gen.CD_SEMANTICS, "imulStatus", MethodTypeDesc.of(CD_long, CD_long, CD_long, CD_int));
        g.setEagerFlags();
    }

    /**
     * MUL and one-operand IMUL (signed): rDX:rAX = rAX * E, or AX = AL * E for a byte, as
     * MulDiv's handlers. The low half is written to rAX before rDX (a 32-bit write zeroes the upper
     * halves of both); CF and OF tell whether the high half is more than the low half's extension.
     */
    static void mulWide(Gen g, Insn i, boolean signed) {
        var cb = g.cb;
        int size = i.opsize;
        int addr = i.mem ? g.eaTemp(i) : -1;
        int e = g.readE(i, size, addr);
        if (signed) {
            cb.lload(e);
            g.signExtend(size);
            cb.lstore(e);
        }
        g.pushReg(Reg.RAX, size);
        if (signed) g.signExtend(size);
        int a = g.toTemp();
        cb.lload(a).lload(e).lmul();
        int product = g.toTemp(); // the whole product for sizes below 8, the low half for 8
        int overflow = g.intTemp();
        if (size == 8) {
            cb.lload(a).lload(e).invokestatic(Gen.CD_MATH, signed ? "multiplyHigh" : "unsignedMultiplyHigh",
                    MethodTypeDesc.of(CD_long, CD_long, CD_long));
            int high = g.toTemp();
            cb.lload(product);
            g.popToReg(Reg.RAX, 8);
            cb.lload(high);
            g.popToReg(Reg.RDX, 8);
            // Overflow: the high half differs from the low half's sign (IMUL) or from zero (MUL).
            cb.lload(high);
            if (signed) cb.lload(product).bipush(63).lshr();
            else cb.lconst_0();
            cb.lcmp().iconst_1().iand(); // -1, 0, 1 -> 1, 0, 1
        } else {
            cb.lload(product);
            if (size == 1) {
                g.popToReg(Reg.RAX, 2);
            } else {
                g.popToReg(Reg.RAX, size);
                cb.lload(product).bipush(8 * size);
                if (signed) cb.lshr();
                else cb.lushr();
                g.popToReg(Reg.RDX, size);
            }
            // Overflow: the product is not its low half extended (signed or not).
            cb.lload(product);
            if (signed) g.signExtend(size);
            else g.mask(size);
            cb.lload(product).lcmp().iconst_1().iand();
        }
        cb.istore(overflow);
        if (g.flagsDead()) {
            g.forgetFlags();
            return;
        }
        cb.lload(product);
        g.mask(size);
        cb.ldc(size).iload(overflow).invokestatic(Gen.CD_SEMANTICS, "mulStatus", MethodTypeDesc.of(CD_long, CD_long, CD_int, CD_boolean));
        g.setEagerFlags();
    }

    /**
     * DIV and IDIV of 32 and 64 bits: rDX:rAX / E, quotient to rAX, remainder to rDX, the flags
     * unchanged (as MulDiv's handlers leave them). The common cases are JVM division inline: a
     * 64-bit dividend that is rAX alone (rDX zero, or rAX's sign extension for IDIV), and a 32-bit
     * one whose quotient fits. A zero divisor, a quotient that overflows (#DE), a 128-bit
     * dividend and the 16-bit forms run the handler.
     */
    static void divide(Gen g, Insn i, boolean signed) {
        var cb = g.cb;
        int size = i.opsize;
        if (size == 2) {
            Fallback.emit(g, i);
            return;
        }
        int addr = i.mem ? g.eaTemp(i) : -1;
        int d = g.readE(i, size, addr);
        Label slow = cb.newLabel(), done = cb.newLabel();
        cb.lload(d).lconst_0().lcmp().ifeq(slow);
        int n;
        if (size == 8) {
            g.pushReg(Reg.RDX, 8);
            if (signed) {
                g.pushReg(Reg.RAX, 8);
                cb.bipush(63).lshr();
            } else {
                cb.lconst_0();
            }
            cb.lcmp().ifne(slow); // a dividend of more than 64 bits
            g.pushReg(Reg.RAX, 8);
            n = g.toTemp();
            if (signed) { // -2^63 / -1 overflows
                Label fits = cb.newLabel();
                cb.lload(n).ldc(Long.MIN_VALUE).lcmp().ifne(fits);
                cb.lload(d).ldc(-1L).lcmp().ifeq(slow);
                cb.labelBinding(fits);
            }
        } else {
            g.pushReg(Reg.RDX, 4);
            if (signed) g.signExtend(4);
            cb.bipush(32).lshl();
            g.pushReg(Reg.RAX, 4);
            cb.lor();
            n = g.toTemp();
            if (signed) {
                cb.lload(d);
                g.signExtend(4);
                cb.lstore(d);
            }
        }
        MethodTypeDesc binary = MethodTypeDesc.of(CD_long, CD_long, CD_long);
        cb.lload(n).lload(d);
        if (signed) cb.ldiv();
        else cb.invokestatic(Gen.CD_LONG, "divideUnsigned", binary);
        int q = g.toTemp();
        if (size == 4) { // the quotient must fit in 32 bits (signed or not), else #DE
            cb.lload(q);
            if (signed) g.signExtend(4);
            else g.mask(4);
            cb.lload(q).lcmp().ifne(slow);
        }
        cb.lload(n).lload(d);
        if (signed) cb.lrem();
        else cb.invokestatic(Gen.CD_LONG, "remainderUnsigned", binary);
        int r = g.toTemp();
        cb.lload(q);
        g.popToReg(Reg.RAX, size);
        cb.lload(r);
        g.popToReg(Reg.RDX, size);
        Fallback.slowPath(g, i, slow, done);
    }
}
