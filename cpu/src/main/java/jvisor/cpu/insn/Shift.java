package jvisor.cpu.insn;

import jvisor.cpu.Cpu;
import jvisor.cpu.CpuState;
import jvisor.cpu.Flags;
import jvisor.cpu.Reg;
import jvisor.cpu.decode.Insn;
import jvisor.cpu.decode.Op;
import jvisor.cpu.decode.OpcodeTable;

/**
 * Shifts and rotates: ROL, ROR, RCL, RCR, SHL/SAL, SHR, SAR (group 2: C0/C1 by Ib, D0/D1 by 1,
 * D2/D3 by CL) and the double shifts SHLD, SHRD (Intel SDM Vol. 2B "RCL/RCR/ROL/ROR",
 * "SAL/SAR/SHL/SHR", "SHLD", "SHRD").
 *
 * <p>The count is masked to 5 bits (6 with a 64-bit operand). A masked count of 0 changes no flag
 * at all, but the destination is still written, as on hardware: a 32-bit register is
 * zero-extended and a read-only memory operand faults. All flags are computed here and recorded
 * eagerly. ShiftTest compares every form against the host CPU.
 *
 * <p>Where the SDM leaves flags undefined, this follows Intel hardware (measured on a Skylake-SP
 * core, family 6 model 85, over all counts 0..63 and a spread of operands):
 * <ul>
 *   <li>SHL, SHR, SAR, SHLD, SHRD clear AF.</li>
 *   <li>OF is computed as for a count of 1 from the original operand, whatever the count:
 *       SHL/SAL and ROL and RCL: MSB(dest) XOR next bit; SHR: MSB(dest); SAR: 0;
 *       ROR: MSB(dest) XOR LSB(dest); RCR: MSB(dest) XOR CF; SHLD: MSB(dest) XOR next bit;
 *       SHRD: MSB(dest) XOR LSB(src). Except ROL and ROR of a register by an immediate count
 *       (C0/C1 with ModRM.mod = 3) whose masked value is above 1: those leave OF unchanged.</li>
 *   <li>SHL/SHR by more than the operand width (8/16-bit operands): result 0, CF = 0;
 *       SAR fills with the sign and CF = sign.</li>
 *   <li>ROL/ROR by a multiple of the width (count not 0): value unchanged, CF and OF still set.
 *       RCL/RCR whose count is a multiple of 9 (17) for 8 (16) bit operands: no flag changes.</li>
 *   <li>16-bit SHLD/SHRD with a count of 17..31: the result is taken from the 48-bit pattern
 *       dest:src:dest shifted by count, and CF is the last bit shifted out of it.</li>
 * </ul>
 */
final class Shift {
    static final int ROL = 0, ROR = 1, RCL = 2, RCR = 3, SHL = 4, SHR = 5, SAL = 6, SAR = 7;
    private static final String[] NAMES = {"rol", "ror", "rcl", "rcr", "shl", "shr", "sal", "sar"};

    private Shift() {}

    static void register(OpcodeTable t) {
        for (int k = 0; k < 8; k++) {
            // /6 is an undocumented alias of SHL (/4) that every x86-64 CPU executes as SHL.
            Op[] h = HANDLERS[k == SAL ? SHL : k];
            String n = NAMES[k];
            t.row("C0 /" + k, n + " Eb,Ib", h[0]);
            t.row("C1 /" + k, n + " Ev,Ib", h[0]);
            t.row("D0 /" + k, n + " Eb,1", h[1]);
            t.row("D1 /" + k, n + " Ev,1", h[1]);
            t.row("D2 /" + k, n + " Eb,CL", h[2]);
            t.row("D3 /" + k, n + " Ev,CL", h[2]);
        }
        t.row("0F A4 /r", "shld Ev,Gv,Ib", (c, i) -> doubleShift(c, i, true, (int) i.imm));
        t.row("0F A5 /r", "shld Ev,Gv,CL", (c, i) -> doubleShift(c, i, true, (int) c.r[Reg.RCX]));
        t.row("0F AC /r", "shrd Ev,Gv,Ib", (c, i) -> doubleShift(c, i, false, (int) i.imm));
        t.row("0F AD /r", "shrd Ev,Gv,CL", (c, i) -> doubleShift(c, i, false, (int) c.r[Reg.RCX]));
    }

    /**
     * The handlers of each operation (by number; SAL is SHL) for a count in an immediate, of 1,
     * and in CL. Each lambda is a class of its own with its operation a constant, so the JVM
     * compiles each handler specialised to its operation (see Alu's table).
     */
    private static final Op[][] HANDLERS = {
        {(c, i) -> shift(c, i, ROL, (int) i.imm, true), (c, i) -> shift(c, i, ROL, 1, false), (c, i) -> shift(c, i, ROL, (int) c.r[Reg.RCX], false)},
        {(c, i) -> shift(c, i, ROR, (int) i.imm, true), (c, i) -> shift(c, i, ROR, 1, false), (c, i) -> shift(c, i, ROR, (int) c.r[Reg.RCX], false)},
        {(c, i) -> shift(c, i, RCL, (int) i.imm, true), (c, i) -> shift(c, i, RCL, 1, false), (c, i) -> shift(c, i, RCL, (int) c.r[Reg.RCX], false)},
        {(c, i) -> shift(c, i, RCR, (int) i.imm, true), (c, i) -> shift(c, i, RCR, 1, false), (c, i) -> shift(c, i, RCR, (int) c.r[Reg.RCX], false)},
        {(c, i) -> shift(c, i, SHL, (int) i.imm, true), (c, i) -> shift(c, i, SHL, 1, false), (c, i) -> shift(c, i, SHL, (int) c.r[Reg.RCX], false)},
        {(c, i) -> shift(c, i, SHR, (int) i.imm, true), (c, i) -> shift(c, i, SHR, 1, false), (c, i) -> shift(c, i, SHR, (int) c.r[Reg.RCX], false)},
        null, // SAL is SHL
        {(c, i) -> shift(c, i, SAR, (int) i.imm, true), (c, i) -> shift(c, i, SAR, 1, false), (c, i) -> shift(c, i, SAR, (int) c.r[Reg.RCX], false)},
    };

    /** ZF, SF and PF of a result already truncated to size bytes. */
    static long szp(long res, int size) {
        long f = 0;
        if (res == 0) f |= Flags.ZF;
        if ((res & Flags.signBit(size)) != 0) f |= Flags.SF;
        if (Flags.parity(res)) f |= Flags.PF;
        return f;
    }

    private static long bit(long v, int k) {
        return k >= 0 && k < 64 ? (v >>> k) & 1 : 0;
    }

    /** Group 2: op by rawCount (masked here); immediate tells a C0/C1 count from a CL or implicit one. */
    static void shift(Cpu c, Insn i, int op, int rawCount, boolean immediate) {
        int size = i.opsize;
        int bits = size * 8;
        int count = rawCount & (size == 8 ? 0x3F : 0x1F);
        long a = i.mem ? c.ea(i) : 0;
        long v = i.mem ? c.load(a, size) : c.getReg(i.rm, size);
        if (i.mem) c.mem().probeWrite(a, size); // a faulting store must leave the flags alone
        long r = count == 0 ? v : compute(c.state, op, v, count, bits, size, immediate && !i.mem);
        if (i.mem) c.store(a, size, r); else c.setReg(i.rm, size, r);
    }

    /**
     * Computes op on v (zero-extended, size bytes) by count (1..63) and records the flags.
     * regImmediate: a register operand shifted by an immediate (ROL/ROR keep OF then).
     */
    static long compute(CpuState s, int op, long v, int count, int bits, int size, boolean regImmediate) {
        if ((op == RCL || op == RCR) && carryRotateCount(count, bits) == 0) return v; // a whole turn: value and every flag unchanged
        long old = op <= RCR ? Flags.status(s) : 0; // the rotates keep the flags they do not write
        long r = result(op, v, count, bits, old & Flags.CF);
        Flags.setEager(s, status(op, v, r, count, bits, size, regImmediate, old));
        return r;
    }

    /** RCL and RCR rotate bits+1 bits (CF:v), so an 8 or 16-bit count works modulo 9 or 17. */
    static int carryRotateCount(int count, int bits) {
        return bits < 32 ? count % (bits + 1) : count;
    }

    /** The result of op on v (zero-extended, bits wide) by count (1..63); cf is CF going in (0 or 1, RCL/RCR only). */
    static long result(int op, long v, int count, int bits, long cf) {
        long m = bits == 64 ? -1L : (1L << bits) - 1;
        switch (op) {
            case SHL -> {
                return (v << count) & m;
            }
            case SHR -> {
                return v >>> count;
            }
            case SAR -> {
                return ((Flags.signExtend(v, bits / 8)) >> count) & m;
            }
            case ROL -> {
                int k = count & (bits - 1);
                return k == 0 ? v : ((v << k) | (v >>> (bits - k))) & m;
            }
            case ROR -> {
                int k = count & (bits - 1);
                return k == 0 ? v : ((v >>> k) | (v << (bits - k))) & m;
            }
            default -> { // RCL, RCR: rotate the bits+1 bit quantity CF:v (k is not 0, see carryRotateCount)
                int k = carryRotateCount(count, bits);
                long r;
                if (op == RCL) {
                    r = (v << k) | (cf << (k - 1));
                    if (k > 1) r |= v >>> (bits - k + 1);
                } else {
                    r = (v >>> k) | (cf << (bits - k));
                    if (k > 1) r |= v << (bits - k + 1);
                }
                return r & m;
            }
        }
    }

    /**
     * The status flags after op on v by count (1..63) gave r; old holds the flags before it (the
     * rotates keep the ones they do not write). regImmediate: a register operand shifted by an
     * immediate (ROL/ROR keep OF then).
     */
    static long status(int op, long v, long r, int count, int bits, int size, boolean regImmediate, long old) {
        long msb = bit(v, bits - 1);
        long f;
        switch (op) {
            case SHL -> {
                f = szp(r, size);
                if (count <= bits && bit(v, bits - count) != 0) f |= Flags.CF;
                if ((msb ^ bit(v, bits - 2)) != 0) f |= Flags.OF;
            }
            case SHR -> {
                f = szp(r, size);
                if (bit(v, count - 1) != 0) f |= Flags.CF;
                if (msb != 0) f |= Flags.OF;
            }
            case SAR -> {
                long sv = Flags.signExtend(v, size);
                f = szp(r, size);
                if (((sv >> Math.min(count - 1, bits - 1)) & 1) != 0) f |= Flags.CF;
            }
            case ROL, ROR -> {
                f = old & ~(Flags.CF | Flags.OF);
                if (op == ROL) {
                    if ((r & 1) != 0) f |= Flags.CF;
                    if ((msb ^ bit(v, bits - 2)) != 0) f |= Flags.OF;
                } else {
                    if (bit(r, bits - 1) != 0) f |= Flags.CF;
                    if ((msb ^ (v & 1)) != 0) f |= Flags.OF;
                }
                if (regImmediate && count > 1) f = (f & ~Flags.OF) | (old & Flags.OF);
            }
            default -> { // RCL, RCR
                int k = carryRotateCount(count, bits);
                long cf = old & Flags.CF;
                long newCf = op == RCL ? bit(v, bits - k) : bit(v, k - 1);
                f = old & ~(Flags.CF | Flags.OF);
                if (newCf != 0) f |= Flags.CF;
                long of = op == RCL ? msb ^ bit(v, bits - 2) : msb ^ cf;
                if (of != 0) f |= Flags.OF;
            }
        }
        return f;
    }

    /** SHLD (left) / SHRD: shift dest, filling from the G register. */
    private static void doubleShift(Cpu c, Insn i, boolean left, int rawCount) {
        int size = i.opsize;
        int bits = size * 8;
        int count = rawCount & (size == 8 ? 0x3F : 0x1F);
        long src = c.getReg(i.reg, size);
        long a = i.mem ? c.ea(i) : 0;
        long v = i.mem ? c.load(a, size) : c.getReg(i.rm, size);
        if (i.mem) c.mem().probeWrite(a, size); // a faulting store must leave the flags alone
        long r = v;
        if (count != 0) {
            long m = Flags.mask(size);
            long f;
            if (size == 2 && count > 16) {
                // Undefined in the SDM; Intel shifts the 48-bit pattern dest:src:dest.
                long x = (v << 32) | (src << 16) | v;
                if (left) {
                    r = ((x << count) >>> 32) & m;
                    f = bit(x, 48 - count);
                } else {
                    r = (x >>> count) & m;
                    f = bit(x, count - 1);
                }
            } else if (left) {
                r = ((v << count) | (src >>> (bits - count))) & m;
                f = bit(v, bits - count);
            } else {
                r = ((v >>> count) | (src << (bits - count))) & m;
                f = bit(v, count - 1);
            }
            f |= szp(r, size);
            long msb = bit(v, bits - 1);
            long of = left ? msb ^ bit(v, bits - 2) : msb ^ (src & 1);
            if (of != 0) f |= Flags.OF;
            Flags.setEager(c.state, f);
        }
        if (i.mem) c.store(a, size, r); else c.setReg(i.rm, size, r);
    }
}
