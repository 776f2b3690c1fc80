package jvisor.cpu.insn;

import jvisor.cpu.Cpu;
import jvisor.cpu.CpuFault;
import jvisor.cpu.CpuState;
import jvisor.cpu.Flags;
import jvisor.cpu.Reg;
import jvisor.cpu.decode.Insn;
import jvisor.cpu.decode.OpcodeTable;

/**
 * Multiplication and division: MUL, IMUL (one-, two- and three-operand forms), DIV, IDIV (Intel
 * SDM Vol. 2A "DIV", "IDIV", "IMUL", Vol. 2B "MUL").
 *
 * <p>Flags. MUL/IMUL: CF = OF = "the product does not fit the destination" (SDM). SF, ZF, AF, PF
 * are undefined; this follows Intel hardware (measured on a Skylake-SP core over every pair of 24
 * edge operands, all sizes and forms): SF = MSB of the low half of the product (the truncated
 * destination for the two- and three-operand forms, AL/AX/EAX/RAX for the one-operand forms),
 * PF = parity of its low byte, ZF = 0 and AF = 0, whatever the flags were before.
 * DIV/IDIV: every flag is undefined; Intel leaves all six unchanged, and so does this.
 *
 * <p>#DE (CpuFault.divideError) on a zero divisor and on a quotient that does not fit, including
 * the most negative dividend divided by -1; nothing is written in that case.
 */
final class MulDiv {
    private MulDiv() {}

    static void register(OpcodeTable t) {
        t.row("F6 /4", "mul Eb", MulDiv::mul);
        t.row("F7 /4", "mul Ev", MulDiv::mul);
        t.row("F6 /5", "imul Eb", MulDiv::imul1);
        t.row("F7 /5", "imul Ev", MulDiv::imul1);
        t.row("0F AF /r", "imul Gv,Ev", (c, i) -> c.writeG(i, imul(c.state, c.readG(i), c.readE(i), i.opsize)));
        t.row("69 /r", "imul Gv,Ev,Iz", (c, i) -> c.writeG(i, imul(c.state, c.readE(i), i.imm, i.opsize)));
        t.row("6B /r", "imul Gv,Ev,Ib", (c, i) -> c.writeG(i, imul(c.state, c.readE(i), i.imm, i.opsize)));
        t.row("F6 /6", "div Eb", MulDiv::div);
        t.row("F7 /6", "div Ev", MulDiv::div);
        t.row("F6 /7", "idiv Eb", MulDiv::idiv);
        t.row("F7 /7", "idiv Ev", MulDiv::idiv);
    }

    /** Records the MUL/IMUL flags (see the class comment) for low half lo and overflow ovf. */
    private static void mulFlags(CpuState s, long lo, int size, boolean ovf) {
        Flags.setEager(s, mulStatus(lo, size, ovf));
    }

    /** The MUL/IMUL status flags (see the class comment) for low half lo and overflow ovf. */
    static long mulStatus(long lo, int size, boolean ovf) {
        long f = 0;
        if (ovf) f |= Flags.CF | Flags.OF;
        if ((lo & Flags.signBit(size)) != 0) f |= Flags.SF;
        if (Flags.parity(lo)) f |= Flags.PF;
        return f;
    }

    /** MUL: rDX:rAX (AX for bytes) = rAX * src, unsigned. */
    private static void mul(Cpu c, Insn i) {
        int size = i.opsize;
        long src = c.readE(i);
        long a = c.getReg(Reg.RAX, size);
        long lo, hi;
        switch (size) {
            case 1 -> {
                long p = a * src;
                c.setReg(Reg.RAX, 2, p);
                lo = p & 0xFF;
                hi = p >>> 8;
            }
            case 2, 4 -> {
                long p = a * src;
                int bits = size * 8;
                lo = p & Flags.mask(size);
                hi = p >>> bits;
                c.setReg(Reg.RAX, size, lo);
                c.setReg(Reg.RDX, size, hi);
            }
            default -> {
                lo = a * src;
                hi = Math.unsignedMultiplyHigh(a, src);
                c.r[Reg.RAX] = lo;
                c.r[Reg.RDX] = hi;
            }
        }
        mulFlags(c.state, lo, size, hi != 0);
    }

    /** One-operand IMUL: rDX:rAX (AX for bytes) = rAX * src, signed. */
    private static void imul1(Cpu c, Insn i) {
        int size = i.opsize;
        long src = Flags.signExtend(c.readE(i), size);
        long a = Flags.signExtend(c.getReg(Reg.RAX, size), size);
        long lo;
        boolean ovf;
        switch (size) {
            case 1 -> {
                long p = a * src;
                c.setReg(Reg.RAX, 2, p);
                lo = p & 0xFF;
                ovf = p != (byte) p;
            }
            case 2, 4 -> {
                long p = a * src;
                int bits = size * 8;
                lo = p & Flags.mask(size);
                ovf = p != Flags.signExtend(p, size);
                c.setReg(Reg.RAX, size, lo);
                c.setReg(Reg.RDX, size, p >> bits);
            }
            default -> {
                lo = a * src;
                long hi = Math.multiplyHigh(a, src);
                ovf = hi != (lo >> 63);
                c.r[Reg.RAX] = lo;
                c.r[Reg.RDX] = hi;
            }
        }
        mulFlags(c.state, lo, size, ovf);
    }

    /** Two- and three-operand IMUL: the product of a and b truncated to size, with flags. */
    private static long imul(CpuState s, long a, long b, int size) {
        long x = Flags.signExtend(a, size), y = Flags.signExtend(b, size);
        long lo = x * y;
        boolean ovf = imulOverflows(x, y, size);
        lo &= Flags.mask(size);
        mulFlags(s, lo, size, ovf);
        return lo;
    }

    /** Whether the signed product of x and y (sign-extended from size bytes) does not fit in size bytes. */
    static boolean imulOverflows(long x, long y, int size) {
        long lo = x * y;
        return size == 8 ? Math.multiplyHigh(x, y) != (lo >> 63) : lo != Flags.signExtend(lo, size);
    }

    /** DIV: unsigned rDX:rAX (AX for bytes) / src; quotient to rAX, remainder to rDX. Flags unchanged. */
    private static void div(Cpu c, Insn i) {
        int size = i.opsize;
        long d = c.readE(i);
        if (d == 0) throw CpuFault.divideError();
        switch (size) {
            case 1 -> {
                long n = c.getReg(Reg.RAX, 2);
                long q = n / d;
                if (q > 0xFF) throw CpuFault.divideError();
                c.setReg(Reg.RAX, 2, ((n % d) << 8) | q);
            }
            case 2, 4 -> {
                int bits = size * 8;
                long n = (c.getReg(Reg.RDX, size) << bits) | c.getReg(Reg.RAX, size);
                long q = Long.divideUnsigned(n, d);
                if ((q & ~Flags.mask(size)) != 0) throw CpuFault.divideError();
                c.setReg(Reg.RAX, size, q);
                c.setReg(Reg.RDX, size, Long.remainderUnsigned(n, d));
            }
            default -> {
                long hi = c.r[Reg.RDX], lo = c.r[Reg.RAX];
                if (Long.compareUnsigned(hi, d) >= 0) throw CpuFault.divideError(); // quotient >= 2^64
                long q = divideUnsigned128(hi, lo, d);
                c.r[Reg.RAX] = q;
                c.r[Reg.RDX] = lo - q * d; // the remainder is below d, so the low 64 bits are all of it
            }
        }
    }

    /** IDIV: signed rDX:rAX (AX for bytes) / src; quotient truncated toward zero, remainder has the dividend's sign. */
    private static void idiv(Cpu c, Insn i) {
        int size = i.opsize;
        long d = Flags.signExtend(c.readE(i), size);
        if (d == 0) throw CpuFault.divideError();
        switch (size) {
            case 1, 2, 4 -> {
                int bits = size * 8;
                // The dividend has 2*bits <= 64 bits: exact in a long (for 32 bits, -2^63 / -1
                // yields -2^63 in Java, which the range check below rejects, as it must).
                long n = size == 1
                        ? Flags.signExtend(c.getReg(Reg.RAX, 2), 2)
                        : (Flags.signExtend(c.getReg(Reg.RDX, size), size) << bits) | c.getReg(Reg.RAX, size);
                long q = n / d;
                if (q != Flags.signExtend(q, size)) throw CpuFault.divideError();
                long rem = n % d;
                if (size == 1) {
                    c.setReg(Reg.RAX, 2, ((rem & 0xFF) << 8) | (q & 0xFF));
                } else {
                    c.setReg(Reg.RAX, size, q);
                    c.setReg(Reg.RDX, size, rem);
                }
            }
            default -> {
                long hi = c.r[Reg.RDX], lo = c.r[Reg.RAX];
                boolean negN = hi < 0, negD = d < 0;
                if (negN) { // |dividend|, a 128-bit negation
                    lo = -lo;
                    hi = lo == 0 ? -hi : ~hi;
                }
                long ad = negD ? -d : d; // |divisor| as unsigned (2^63 for Long.MIN_VALUE)
                if (Long.compareUnsigned(hi, ad) >= 0) throw CpuFault.divideError(); // |quotient| >= 2^64
                long q = divideUnsigned128(hi, lo, ad);
                long rem = lo - q * ad;
                boolean negQ = negN != negD;
                // |quotient| may be at most 2^63 - 1, or 2^63 when the quotient is negative.
                if (negQ ? Long.compareUnsigned(q, Long.MIN_VALUE) > 0 : q < 0) throw CpuFault.divideError();
                c.r[Reg.RAX] = negQ ? -q : q;
                c.r[Reg.RDX] = negN ? -rem : rem;
            }
        }
    }

    /**
     * The quotient of the unsigned 128-bit number hi:lo by d, for hi < d (unsigned) so that it fits
     * in 64 bits. Knuth's algorithm D with 32-bit digits, as in Hacker's Delight 9-3 "divlu":
     * normalize d so its top bit is set, then find two 32-bit quotient digits, each estimated
     * from the top digits and corrected at most twice.
     */
    static long divideUnsigned128(long hi, long lo, long d) {
        final long b = 1L << 32;
        int s = Long.numberOfLeadingZeros(d);
        d <<= s;
        long dHi = d >>> 32, dLo = d & 0xFFFFFFFFL;
        long n32 = s == 0 ? hi : (hi << s) | (lo >>> (64 - s));
        long n10 = lo << s;
        long n1 = n10 >>> 32, n0 = n10 & 0xFFFFFFFFL;

        long q1 = Long.divideUnsigned(n32, dHi);
        long rhat = n32 - q1 * dHi;
        while (Long.compareUnsigned(q1, b) >= 0 || Long.compareUnsigned(q1 * dLo, (rhat << 32) | n1) > 0) {
            q1--;
            rhat += dHi;
            if (Long.compareUnsigned(rhat, b) >= 0) break;
        }
        long n21 = (n32 << 32) + n1 - q1 * d; // exact modulo 2^64

        long q0 = Long.divideUnsigned(n21, dHi);
        rhat = n21 - q0 * dHi;
        while (Long.compareUnsigned(q0, b) >= 0 || Long.compareUnsigned(q0 * dLo, (rhat << 32) | n0) > 0) {
            q0--;
            rhat += dHi;
            if (Long.compareUnsigned(rhat, b) >= 0) break;
        }
        return (q1 << 32) + q0;
    }
}
