package jvisor.cpu.insn;

import jvisor.cpu.Cpu;
import jvisor.cpu.Flags;
import jvisor.cpu.Reg;
import jvisor.cpu.decode.Insn;
import jvisor.cpu.decode.OpcodeTable;

/** Data movement: MOV, MOVZX, MOVSX, MOVSXD, LEA, XCHG, CMOVcc, SETcc, CBW..CQO, BSWAP, and the NOP forms. */
final class DataMove {
    private DataMove() {}

    static void register(OpcodeTable t) {
        t.row("88 /r", "mov Eb,Gb", DataMove::movEG);
        t.row("89 /r", "mov Ev,Gv", DataMove::movEG);
        t.row("8A /r", "mov Gb,Eb", DataMove::movGE);
        t.row("8B /r", "mov Gv,Ev", DataMove::movGE);
        t.row("C6 /0", "mov Eb,Ib", DataMove::movEI);
        t.row("C7 /0", "mov Ev,Iz", DataMove::movEI);
        t.row("B0+r", "mov Zb,Ib", DataMove::movZI);
        t.row("B8+r", "mov Zv,Iv", DataMove::movZI);
        t.row("A0", "mov AL,Ob", DataMove::movAccMoffs);
        t.row("A1", "mov rAX,Ov", DataMove::movAccMoffs);
        t.row("A2", "mov Ob,AL", DataMove::movMoffsAcc);
        t.row("A3", "mov Ov,rAX", DataMove::movMoffsAcc);
        t.row("8D /r mem", "lea Gv,M", DataMove::lea);

        t.row("0F B6 /r", "movzx Gv,Eb", (c, i) -> c.writeG(i, c.readE(i, 1)));
        t.row("0F B7 /r", "movzx Gv,Ew", (c, i) -> c.writeG(i, c.readE(i, 2)));
        t.row("0F BE /r", "movsx Gv,Eb", (c, i) -> c.writeG(i, Flags.signExtend(c.readE(i, 1), 1)));
        t.row("0F BF /r", "movsx Gv,Ew", (c, i) -> c.writeG(i, Flags.signExtend(c.readE(i, 2), 2)));
        t.row("63 /r", "movsxd Gv,Ed", (c, i) -> c.writeG(i, Flags.signExtend(c.readE(i, 4), 4)));

        t.row("86 /r", "xchg Eb,Gb", DataMove::xchgEG, "lock");
        t.row("87 /r", "xchg Ev,Gv", DataMove::xchgEG, "lock");
        t.row("90+r", "xchg Zv,rAX", DataMove::xchgAcc);
        t.row("F3 90", "pause", (c, i) -> Thread.onSpinWait());

        t.row("0F 40+cc /r", "cmovcc Gv,Ev", DataMove::cmov);
        t.row("0F 90+cc /r", "setcc Eb", DataMove::setcc);

        t.row("98", "cbw/cwde/cdqe rAX", DataMove::convertAcc);
        t.row("99", "cwd/cdq/cqo rAX", DataMove::convertAccToDx);
        t.row("0F C8+r", "bswap Zv", DataMove::bswap);
        // MOVBE (SDM Vol. 2B "MOVBE"): a load or store with the bytes reversed; memory operands only.
        // With 0x66 (its mandatory-prefix slot here; F2 selects CRC32 in Sse42) it moves 16 bits,
        // unless REX.W asks for 64.
        t.row("NP 0F 38 F0 /r mem", "movbe Gv,Mv", (c, i) -> movbeLoad(c, i, i.opsize));
        t.row("NP 0F 38 F1 /r mem", "movbe Mv,Gv", (c, i) -> movbeStore(c, i, i.opsize));
        t.row("66 0F 38 F0 /r mem", "movbe Gw,Mw", (c, i) -> movbeLoad(c, i, i.hasPrefix(Insn.P_REXW) ? 8 : 2));
        t.row("66 0F 38 F1 /r mem", "movbe Mw,Gw", (c, i) -> movbeStore(c, i, i.hasPrefix(Insn.P_REXW) ? 8 : 2));

        // Multi-byte NOPs and the hint space (SDM Vol. 2B "NOP"): prefetches, ENDBR64 and the CET
        // hints decode as NOPs on a CPU that does not advertise them.
        t.row("0F 1F /r", "nop Ev", (c, i) -> { });
        t.row("0F 18 /r", "prefetch Mb", (c, i) -> { });
        t.row("0F 19 /r", "nop Ev", (c, i) -> { });
        t.row("0F 1A /r", "nop Ev", (c, i) -> { });
        t.row("0F 1B /r", "nop Ev", (c, i) -> { });
        t.row("0F 1C /r", "nop Ev", (c, i) -> { });
        t.row("0F 1D /r", "nop Ev", (c, i) -> { });
        t.row("0F 1E /r", "nop/endbr64 Ev", (c, i) -> { });
    }

    private static void movEG(Cpu c, Insn i) {
        c.writeE(i, c.readG(i));
    }

    private static void movGE(Cpu c, Insn i) {
        c.writeG(i, c.readE(i));
    }

    private static void movEI(Cpu c, Insn i) {
        c.writeE(i, i.imm);
    }

    private static void movZI(Cpu c, Insn i) {
        c.setReg(i.reg, i.opsize, i.imm);
    }

    private static void movAccMoffs(Cpu c, Insn i) {
        c.setReg(0, i.opsize, c.load(c.segmented(i, i.imm), i.opsize));
    }

    private static void movMoffsAcc(Cpu c, Insn i) {
        c.store(c.segmented(i, i.imm), i.opsize, c.getReg(0, i.opsize));
    }

    /** LEA computes the address without the segment base (SDM: LEA ignores segment overrides). */
    private static void lea(Cpu c, Insn i) {
        long a = i.disp;
        if (i.base >= 0) a += c.r[i.base];
        if (i.index >= 0) a += c.r[i.index] << i.scale;
        if (i.adsize == 4) a &= 0xFFFFFFFFL;
        c.writeG(i, a);
    }

    /** XCHG with a memory operand is locked whether or not it has the prefix (SDM Vol. 2B "XCHG"): see {@link Locked}. */
    private static void xchgEG(Cpu c, Insn i) {
        int size = i.opsize;
        long g = c.getReg(i.reg, size);
        if (i.mem) {
            c.setReg(i.reg, size, Locked.exchangeAt(c, c.ea(i), size, g));
        } else {
            long e = c.getReg(i.rm, size);
            c.setReg(i.rm, size, g);
            c.setReg(i.reg, size, e);
        }
    }

    /** 90+r; plain 0x90 (reg 0 without REX.B) is NOP and, unlike XCHG EAX,EAX, leaves RAX's upper half alone. */
    private static void xchgAcc(Cpu c, Insn i) {
        if (i.reg == Reg.RAX) return;
        int size = i.opsize;
        long a = c.getReg(Reg.RAX, size);
        c.setReg(Reg.RAX, size, c.getReg(i.reg, size));
        c.setReg(i.reg, size, a);
    }

    /** A 32-bit CMOV writes (and so zero-extends) its destination even when the condition is false. */
    private static void cmov(Cpu c, Insn i) {
        long v = c.readE(i);
        if (Flags.condition(c.state, i.cc)) c.writeG(i, v);
        else if (i.opsize == 4) c.writeG(i, c.readG(i));
    }

    private static void setcc(Cpu c, Insn i) {
        c.writeE(i, 1, Flags.condition(c.state, i.cc) ? 1 : 0);
    }

    private static void convertAcc(Cpu c, Insn i) {
        int half = i.opsize / 2;
        c.setReg(Reg.RAX, i.opsize, Flags.signExtend(c.getReg(Reg.RAX, half), half));
    }

    private static void convertAccToDx(Cpu c, Insn i) {
        long sign = (c.getReg(Reg.RAX, i.opsize) & Flags.signBit(i.opsize)) != 0 ? -1L : 0L;
        c.setReg(Reg.RDX, i.opsize, sign);
    }

    private static void movbeLoad(Cpu c, Insn i, int size) {
        c.setReg(i.reg, size, swap(c.load(c.ea(i), size), size));
    }

    private static void movbeStore(Cpu c, Insn i, int size) {
        c.store(c.ea(i), size, swap(c.getReg(i.reg, size), size));
    }

    /** The low size bytes of v in reverse order. */
    private static long swap(long v, int size) {
        return Long.reverseBytes(v) >>> (64 - 8 * size);
    }

    /** BSWAP of a 16-bit register is undefined; CPUs clear it, which this mirrors. */
    private static void bswap(Cpu c, Insn i) {
        switch (i.opsize) {
            case 8 -> c.r[i.reg] = Long.reverseBytes(c.r[i.reg]);
            case 4 -> c.setReg(i.reg, 4, Integer.reverseBytes((int) c.r[i.reg]) & 0xFFFFFFFFL);
            default -> c.setReg(i.reg, 2, 0);
        }
    }
}
