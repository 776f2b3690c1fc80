package jvisor.cpu.insn;

import jvisor.cpu.Cpu;
import jvisor.cpu.CpuState;
import jvisor.cpu.Flags;
import jvisor.cpu.decode.Insn;
import jvisor.cpu.decode.OpcodeTable;

/**
 * Bit instructions: BT, BTS, BTR, BTC (register and immediate bit offsets), BSF, BSR, POPCNT, and
 * TZCNT, LZCNT (Intel SDM Vol. 2A "BT", "BTS", "BTR", "BTC", "BSF",
 * "BSR", Vol. 2B "POPCNT", "TZCNT", "LZCNT").
 *
 * <p>TZCNT (BMI1) and LZCNT (CPUID.80000001H:ECX.LZCNT) count trailing and leading zero bits:
 * the operand width for a zero source, with CF = (source == 0) and ZF = (result == 0). POPCNT
 * (CPUID.1:ECX.POPCNT) needs its F3 prefix; 0F B8 without it is #UD.
 *
 * <p>Undefined flags follow Intel hardware (measured on Skylake-SP):
 * <ul>
 *   <li>BT/BTS/BTR/BTC: only CF changes; OF, SF, AF, PF (undefined) and ZF keep their values.</li>
 *   <li>BSF/BSR: ZF = (source == 0); CF, OF, SF, AF = 0; PF = parity of the result index (of
 *       0 when the source is zero). With a zero source the destination is not written at all:
 *       a 32-bit destination keeps its upper half too.</li>
 * </ul>
 *
 * <p>With a register bit offset and a memory operand, the offset is a signed number that can
 * address bits outside the operand: the operand-sized unit at ea + (offset >> log2(bits)) *
 * size is accessed. An immediate offset, and any offset with a register operand, is taken
 * modulo the operand width.
 *
 * <p>LOCK BTS, BTR and BTC update the memory operand atomically (see {@link Locked}).
 */
final class BitOps {
    static final int BT = 0, BTS = 1, BTR = 2, BTC = 3;

    private BitOps() {}

    static void register(OpcodeTable t) {
        t.row("0F A3 /r", "bt Ev,Gv", (c, i) -> bitReg(c, i, BT));
        t.row("0F AB /r", "bts Ev,Gv", (c, i) -> bitReg(c, i, BTS), "lock");
        t.row("0F B3 /r", "btr Ev,Gv", (c, i) -> bitReg(c, i, BTR), "lock");
        t.row("0F BB /r", "btc Ev,Gv", (c, i) -> bitReg(c, i, BTC), "lock");
        t.row("0F BA /4", "bt Ev,Ib", (c, i) -> bitImm(c, i, BT));
        t.row("0F BA /5", "bts Ev,Ib", (c, i) -> bitImm(c, i, BTS), "lock");
        t.row("0F BA /6", "btr Ev,Ib", (c, i) -> bitImm(c, i, BTR), "lock");
        t.row("0F BA /7", "btc Ev,Ib", (c, i) -> bitImm(c, i, BTC), "lock");
        t.row("0F BC /r", "bsf Gv,Ev", BitOps::bsf);
        t.row("0F BD /r", "bsr Gv,Ev", BitOps::bsr);
        t.row("F3 0F BC /r", "tzcnt Gv,Ev", (c, i) -> zeroCount(c, i, true));
        t.row("F3 0F BD /r", "lzcnt Gv,Ev", (c, i) -> zeroCount(c, i, false));
        t.row("F3 0F B8 /r", "popcnt Gv,Ev", BitOps::popcnt);
    }

    /** BTx with the bit offset in a register. */
    private static void bitReg(Cpu c, Insn i, int op) {
        int size = i.opsize;
        long offset = c.getReg(i.reg, size);
        if (!i.mem) {
            bitOnReg(c, i, op, (int) offset & (size * 8 - 1));
            return;
        }
        int shift = Integer.numberOfTrailingZeros(size * 8); // log2 of the width in bits
        long soff = Flags.signExtend(offset, size);
        long addr = c.ea(i) + (soff >> shift) * size;
        if (i.adsize == 4) { // the displaced address wraps within 4 GiB, before the FS/GS base
            long seg = c.segmented(i, 0);
            addr = ((addr - seg) & 0xFFFFFFFFL) + seg;
        }
        bitOnMem(c, i, op, addr, size, (int) soff & (size * 8 - 1));
    }

    /** BTx with an immediate bit offset (0F BA /4../7). */
    private static void bitImm(Cpu c, Insn i, int op) {
        int size = i.opsize;
        int bit = (int) i.imm & (size * 8 - 1);
        if (i.mem) bitOnMem(c, i, op, c.ea(i), size, bit);
        else bitOnReg(c, i, op, bit);
    }

    private static void bitOnReg(Cpu c, Insn i, int op, int bit) {
        int size = i.opsize;
        long v = c.getReg(i.rm, size);
        setCarry(c.state, ((v >>> bit) & 1) != 0);
        if (op != BT) c.setReg(i.rm, size, apply(op, v, bit));
    }

    private static void bitOnMem(Cpu c, Insn i, int op, long addr, int size, int bit) {
        if (op != BT && i.hasPrefix(Insn.P_LOCK)) {
            if (Locked.splits(addr, size)) {
                synchronized (Locked.SPLIT) {
                    bitOnMemPlain(c, op, addr, size, bit);
                }
                return;
            }
            long h = Locked.address(c, addr);
            long v;
            do {
                v = Locked.load(h, size);
            } while (!Locked.compareAndSet(h, size, v, apply(op, v, bit)));
            setCarry(c.state, ((v >>> bit) & 1) != 0);
            return;
        }
        bitOnMemPlain(c, op, addr, size, bit);
    }

    private static void bitOnMemPlain(Cpu c, int op, long addr, int size, int bit) {
        long v = c.load(addr, size);
        if (op != BT) c.mem().probeWrite(addr, size); // a faulting store must leave the flags alone
        setCarry(c.state, ((v >>> bit) & 1) != 0);
        if (op != BT) c.store(addr, size, apply(op, v, bit));
    }

    private static long apply(int op, long v, int bit) {
        long m = 1L << bit;
        return switch (op) {
            case BTS -> v | m;
            case BTR -> v & ~m;
            default -> v ^ m; // BTC
        };
    }

    /** CF = the tested bit; every other status flag keeps its value. */
    private static void setCarry(CpuState s, boolean cf) {
        long f = Flags.status(s);
        Flags.setEager(s, cf ? f | Flags.CF : f & ~Flags.CF);
    }

    private static void bsf(Cpu c, Insn i) {
        long v = c.readE(i);
        if (v == 0) {
            Flags.setEager(c.state, Flags.ZF | Flags.PF);
            return;
        }
        int idx = Long.numberOfTrailingZeros(v);
        c.writeG(i, idx);
        Flags.setEager(c.state, Flags.parity(idx) ? Flags.PF : 0);
    }

    private static void bsr(Cpu c, Insn i) {
        long v = c.readE(i);
        if (v == 0) {
            Flags.setEager(c.state, Flags.ZF | Flags.PF);
            return;
        }
        int idx = 63 - Long.numberOfLeadingZeros(v);
        c.writeG(i, idx);
        Flags.setEager(c.state, Flags.parity(idx) ? Flags.PF : 0);
    }

    /**
     * TZCNT and LZCNT. The SDM leaves OF, SF, AF and PF undefined; Intel hardware (checked by the
     * differential tester) clears them.
     */
    private static void zeroCount(Cpu c, Insn i, boolean trailing) {
        long v = c.readE(i);
        int bits = i.opsize * 8;
        int n;
        if (v == 0) n = bits;
        else n = trailing ? Long.numberOfTrailingZeros(v) : Long.numberOfLeadingZeros(v) - (64 - bits);
        c.writeG(i, n);
        Flags.setEager(c.state, (v == 0 ? Flags.CF : 0) | (n == 0 ? Flags.ZF : 0));
    }

    /** POPCNT: OF, SF, AF, CF, PF cleared; ZF = (source == 0). */
    private static void popcnt(Cpu c, Insn i) {
        long v = c.readE(i);
        c.writeG(i, Long.bitCount(v));
        Flags.setEager(c.state, v == 0 ? Flags.ZF : 0);
    }
}
