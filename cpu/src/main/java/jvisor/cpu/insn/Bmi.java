package jvisor.cpu.insn;

import jvisor.cpu.Cpu;
import jvisor.cpu.Flags;
import jvisor.cpu.Reg;
import jvisor.cpu.decode.Insn;
import jvisor.cpu.decode.OpcodeTable;

/**
 * BMI1 and BMI2, the VEX-encoded general-purpose instructions (Intel SDM Vol. 2A "ANDN",
 * "BEXTR", "BLSI", "BLSMSK", "BLSR", "BZHI", "MULX", Vol. 2B "PDEP", "PEXT", "RORX",
 * "SARX/SHLX/SHRX"). VEX.W selects 32 or 64-bit operands (a 32-bit result is zero-extended);
 * VEX.L must be 0. TZCNT (BMI1) and LZCNT are legacy-encoded and live in BitOps.
 *
 * <p>Flags: ANDN, BEXTR, BLSI, BLSMSK, BLSR and BZHI write them as the SDM says, the undefined
 * ones (AF and PF; SF of BEXTR) as Intel hardware does, which the differential tester checks:
 * AF = PF = 0, and BEXTR's SF = 0. MULX, PDEP, PEXT, RORX and the shifts leave every flag
 * alone.
 */
final class Bmi {
    private Bmi() {}

    static void register(OpcodeTable t) {
        t.row("VEX.LZ.0F38 F2 /r", "andn Gy,By,Ey", Bmi::andn);
        t.row("VEX.LZ.0F38 F7 /r", "bextr Gy,Ey,By", Bmi::bextr);
        t.row("VEX.LZ.0F38 F3 /3", "blsi By,Ey", (c, i) -> blsx(c, i, BLSI));
        t.row("VEX.LZ.0F38 F3 /2", "blsmsk By,Ey", (c, i) -> blsx(c, i, BLSMSK));
        t.row("VEX.LZ.0F38 F3 /1", "blsr By,Ey", (c, i) -> blsx(c, i, BLSR));
        t.row("VEX.LZ.0F38 F5 /r", "bzhi Gy,Ey,By", Bmi::bzhi);
        t.row("VEX.LZ.F2.0F38 F6 /r", "mulx Gy,By,Ey", Bmi::mulx);
        t.row("VEX.LZ.F2.0F38 F5 /r", "pdep Gy,By,Ey", (c, i) -> c.writeG(i, Long.expand(vvvv(c, i), c.readE(i))));
        t.row("VEX.LZ.F3.0F38 F5 /r", "pext Gy,By,Ey", (c, i) -> c.writeG(i, Long.compress(vvvv(c, i), c.readE(i))));
        t.row("VEX.LZ.F2.0F3A F0 /r", "rorx Gy,Ey,Ib", Bmi::rorx);
        t.row("VEX.LZ.F3.0F38 F7 /r", "sarx Gy,Ey,By", (c, i) -> shiftx(c, i, SAR));
        t.row("VEX.LZ.66.0F38 F7 /r", "shlx Gy,Ey,By", (c, i) -> shiftx(c, i, SHL));
        t.row("VEX.LZ.F2.0F38 F7 /r", "shrx Gy,Ey,By", (c, i) -> shiftx(c, i, SHR));
    }

    private static final int BLSI = 0, BLSMSK = 1, BLSR = 2;
    private static final int SAR = 0, SHL = 1, SHR = 2;

    /** The B operand: the general-purpose register VEX.vvvv names, at the operand size. */
    private static long vvvv(Cpu c, Insn i) {
        return c.getReg(i.vvvv, i.opsize);
    }

    /** ZF and SF from the result, the given CF; OF, AF and PF cleared. */
    static long resultFlags(long res, int size, boolean cf) {
        long f = cf ? Flags.CF : 0;
        if ((res & Flags.mask(size)) == 0) f |= Flags.ZF;
        if ((res & Flags.signBit(size)) != 0) f |= Flags.SF;
        return f;
    }

    private static void andn(Cpu c, Insn i) {
        long res = ~vvvv(c, i) & c.readE(i);
        c.writeG(i, res);
        Flags.setEager(c.state, resultFlags(res, i.opsize, false));
    }

    /** Bits start..start+len-1 of the source (start = B[7:0], len = B[15:8]), zero-extended. */
    private static void bextr(Cpu c, Insn i) {
        long ctl = vvvv(c, i), src = c.readE(i);
        int bits = i.opsize * 8;
        int start = (int) ctl & 0xFF, len = (int) (ctl >>> 8) & 0xFF;
        long res = start >= bits ? 0 : src >>> start;
        if (len < 64) res &= (1L << len) - 1;
        res &= Flags.mask(i.opsize);
        c.writeG(i, res);
        Flags.setEager(c.state, res == 0 ? Flags.ZF : 0);
    }

    private static void blsx(Cpu c, Insn i, int op) {
        long src = c.readE(i);
        int size = i.opsize;
        long res = switch (op) {
            case BLSI -> -src & src;
            case BLSMSK -> (src - 1) ^ src;
            default -> (src - 1) & src;
        };
        res &= Flags.mask(size);
        c.setReg(i.vvvv, size, res);
        boolean zero = (src & Flags.mask(size)) == 0;
        // CF: BLSI sets it for a non-zero source, BLSMSK and BLSR for a zero one. BLSMSK's ZF is 0.
        long f = resultFlags(res, size, op == BLSI ? !zero : zero);
        if (op == BLSMSK) f &= ~Flags.ZF;
        Flags.setEager(c.state, f);
    }

    /** The source with the bits from index B[7:0] up cleared; CF when the index is past the top. */
    private static void bzhi(Cpu c, Insn i) {
        long src = c.readE(i);
        int n = (int) vvvv(c, i) & 0xFF, bits = i.opsize * 8;
        long res = n < bits ? src & ((1L << n) - 1) : src;
        c.writeG(i, res);
        Flags.setEager(c.state, resultFlags(res, i.opsize, n > bits - 1));
    }

    /** Unsigned RDX * source: low half to B, then high half to G (which wins when they are the same register). */
    private static void mulx(Cpu c, Insn i) {
        long src = c.readE(i);
        if (i.opsize == 8) {
            long a = c.r[Reg.RDX];
            long hi = Math.unsignedMultiplyHigh(a, src);
            c.setReg(i.vvvv, 8, a * src);
            c.writeG(i, hi);
        } else {
            long p = (c.r[Reg.RDX] & 0xFFFF_FFFFL) * src;
            c.setReg(i.vvvv, 4, p);
            c.writeG(i, p >>> 32);
        }
    }

    private static void rorx(Cpu c, Insn i) {
        long v = c.readE(i);
        if (i.opsize == 8) {
            c.writeG(i, Long.rotateRight(v, (int) i.imm & 63));
        } else {
            c.writeG(i, Integer.rotateRight((int) v, (int) i.imm & 31));
        }
    }

    /** SARX, SHLX, SHRX: the count is B masked to 5 (6) bits. */
    private static void shiftx(Cpu c, Insn i, int op) {
        long v = c.readE(i);
        int size = i.opsize;
        int n = (int) vvvv(c, i) & (size * 8 - 1);
        long res = switch (op) {
            case SAR -> Flags.signExtend(v, size) >> n;
            case SHL -> v << n;
            default -> v >>> n;
        };
        c.writeG(i, res);
    }
}
