package jvisor.cpu.insn;

import jvisor.cpu.Cpu;
import jvisor.cpu.CpuState;
import jvisor.cpu.Flags;
import jvisor.cpu.decode.Insn;
import jvisor.cpu.decode.Op;
import jvisor.cpu.decode.OpcodeTable;

/**
 * Integer arithmetic and logic: ADD, OR, ADC, SBB, AND, SUB, XOR, CMP in all their forms, INC,
 * DEC, NEG, NOT, TEST (Intel SDM Vol. 2A/2B, the instructions' pages). Flags are recorded lazily.
 * With LOCK, a memory destination is updated atomically (see {@link Locked}).
 */
final class Alu {
    static final int ADD = 0, OR = 1, ADC = 2, SBB = 3, AND = 4, SUB = 5, XOR = 6, CMP = 7;
    private static final String[] NAMES = {"add", "or", "adc", "sbb", "and", "sub", "xor", "cmp"};

    private Alu() {}

    static void register(OpcodeTable t) {
        for (int k = 0; k < 8; k++) {
            final int op = k;
            String n = NAMES[k];
            String[] rmw = k == CMP ? new String[0] : new String[] {"lock"};
            String base = hexByte(k * 8);
            String b1 = hexByte(k * 8 + 1), b2 = hexByte(k * 8 + 2);
            String b3 = hexByte(k * 8 + 3), b4 = hexByte(k * 8 + 4);
            String b5 = hexByte(k * 8 + 5);
            Op[] h = HANDLERS[op];
            t.row(base + " /r", n + " Eb,Gb", h[0], rmw);
            t.row(b1 + " /r", n + " Ev,Gv", h[0], rmw);
            t.row(b2 + " /r", n + " Gb,Eb", h[1]);
            t.row(b3 + " /r", n + " Gv,Ev", h[1]);
            t.row(b4, n + " AL,Ib", h[2]);
            t.row(b5, n + " rAX,Iz", h[2]);
            t.row("80 /" + k, n + " Eb,Ib", h[3], rmw);
            t.row("81 /" + k, n + " Ev,Iz", h[3], rmw);
            t.row("83 /" + k, n + " Ev,Ib", h[3], rmw);
        }
        t.row("84 /r", "test Eb,Gb", Alu::testEG);
        t.row("85 /r", "test Ev,Gv", Alu::testEG);
        t.row("A8", "test AL,Ib", Alu::testAccImm);
        t.row("A9", "test rAX,Iz", Alu::testAccImm);
        // F6/F7 /1 are undocumented aliases of /0 that every x86-64 CPU decodes as TEST.
        t.row("F6 /0", "test Eb,Ib", Alu::testEI);
        t.row("F6 /1", "test Eb,Ib", Alu::testEI);
        t.row("F7 /0", "test Ev,Iz", Alu::testEI);
        t.row("F7 /1", "test Ev,Iz", Alu::testEI);
        t.row("F6 /2", "not Eb", Alu::not, "lock");
        t.row("F7 /2", "not Ev", Alu::not, "lock");
        t.row("F6 /3", "neg Eb", Alu::neg, "lock");
        t.row("F7 /3", "neg Ev", Alu::neg, "lock");
        t.row("FE /0", "inc Eb", Alu::inc, "lock");
        t.row("FF /0", "inc Ev", Alu::inc, "lock");
        t.row("FE /1", "dec Eb", Alu::dec, "lock");
        t.row("FF /1", "dec Ev", Alu::dec, "lock");
    }

    /**
     * Two upper-case hex digits. Not String.format: its first use parses the format with regular
     * expressions, in the bytecode interpreter, the table's first family paying for it at every start.
     */
    private static String hexByte(int b) {
        String digits = "0123456789ABCDEF";
        return new String(new char[] {digits.charAt(b >> 4 & 15), digits.charAt(b & 15)});
    }

    /**
     * The handlers of each operation (by number) for its forms E,G / G,E / accumulator,immediate /
     * E,immediate. Every lambda here is a class of its own with its operation a constant, so the
     * JVM compiles each handler specialised to its operation; one lambda capturing the operation
     * would be a single class whose compiled code switches on it at every instruction.
     */
    private static final Op[][] HANDLERS = {
        {(c, i) -> opEG(c, i, ADD), (c, i) -> opGE(c, i, ADD), (c, i) -> opAccImm(c, i, ADD), (c, i) -> opEI(c, i, ADD)},
        {(c, i) -> opEG(c, i, OR), (c, i) -> opGE(c, i, OR), (c, i) -> opAccImm(c, i, OR), (c, i) -> opEI(c, i, OR)},
        {(c, i) -> opEG(c, i, ADC), (c, i) -> opGE(c, i, ADC), (c, i) -> opAccImm(c, i, ADC), (c, i) -> opEI(c, i, ADC)},
        {(c, i) -> opEG(c, i, SBB), (c, i) -> opGE(c, i, SBB), (c, i) -> opAccImm(c, i, SBB), (c, i) -> opEI(c, i, SBB)},
        {(c, i) -> opEG(c, i, AND), (c, i) -> opGE(c, i, AND), (c, i) -> opAccImm(c, i, AND), (c, i) -> opEI(c, i, AND)},
        {(c, i) -> opEG(c, i, SUB), (c, i) -> opGE(c, i, SUB), (c, i) -> opAccImm(c, i, SUB), (c, i) -> opEI(c, i, SUB)},
        {(c, i) -> opEG(c, i, XOR), (c, i) -> opGE(c, i, XOR), (c, i) -> opAccImm(c, i, XOR), (c, i) -> opEI(c, i, XOR)},
        {(c, i) -> opEG(c, i, CMP), (c, i) -> opGE(c, i, CMP), (c, i) -> opAccImm(c, i, CMP), (c, i) -> opEI(c, i, CMP)},
    };

    /** Computes dst OP src at the given size, records the flags, returns the truncated result. */
    static long compute(CpuState s, int op, long dst, long src, int size) {
        long m = Flags.mask(size);
        dst &= m;
        src &= m;
        switch (op) {
            case ADD -> {
                long r = (dst + src) & m;
                Flags.setAdd(s, dst, src, r, size);
                return r;
            }
            case ADC -> {
                long cin = Flags.cf(s) ? 1 : 0;
                long r = (dst + src + cin) & m;
                s.lfOp = Flags.OP_ADC; s.lfSize = size; s.lfDst = dst; s.lfSrc = src; s.lfRes = r; s.lfAux = cin;
                return r;
            }
            case SUB, CMP -> {
                long r = (dst - src) & m;
                Flags.setSub(s, dst, src, r, size);
                return r;
            }
            case SBB -> {
                long cin = Flags.cf(s) ? 1 : 0;
                long r = (dst - src - cin) & m;
                s.lfOp = Flags.OP_SBB; s.lfSize = size; s.lfDst = dst; s.lfSrc = src; s.lfRes = r; s.lfAux = cin;
                return r;
            }
            case OR -> {
                long r = dst | src;
                Flags.setLogic(s, r, size);
                return r;
            }
            case AND -> {
                long r = dst & src;
                Flags.setLogic(s, r, size);
                return r;
            }
            default -> { // XOR
                long r = dst ^ src;
                Flags.setLogic(s, r, size);
                return r;
            }
        }
    }

    /** The result of dst OP src with carry in cin, untruncated, without flags (the atomic retry loop's step). */
    static long result(int op, long dst, long src, long cin) {
        return switch (op) {
            case ADD -> dst + src;
            case ADC -> dst + src + cin;
            case SUB, CMP -> dst - src;
            case SBB -> dst - src - cin;
            case OR -> dst | src;
            case AND -> dst & src;
            default -> dst ^ src; // XOR
        };
    }

    /** OP on the memory operand at a: load, compute, store (or LOCK: one atomic update). */
    private static void opMem(Cpu c, Insn i, long a, int op, long src) {
        int size = i.opsize;
        if (op == CMP || !i.hasPrefix(Insn.P_LOCK)) {
            opMemPlain(c, a, op, src, size);
            return;
        }
        long m = Flags.mask(size);
        long s = src & m;
        long cin = Flags.cf(c.state) ? 1 : 0;
        long d;
        switch (op) {
            // The additions: one atomic add (split operands included), as translated code does it.
            case ADD -> d = Locked.getAndAddAt(c, a, size, s);
            case ADC -> d = Locked.getAndAddAt(c, a, size, s + cin);
            case SUB -> d = Locked.getAndAddAt(c, a, size, -s);
            case SBB -> d = Locked.getAndAddAt(c, a, size, -(s + cin));
            default -> {
                if (Locked.splits(a, size)) {
                    synchronized (Locked.SPLIT) {
                        opMemPlain(c, a, op, src, size);
                    }
                    return;
                }
                long h = Locked.address(c, a);
                do {
                    d = Locked.load(h, size);
                } while (!Locked.compareAndSet(h, size, d, result(op, d, s, cin) & m));
            }
        }
        compute(c.state, op, d, src, size);
    }

    private static void opMemPlain(Cpu c, long a, int op, long src, int size) {
        long d = c.load(a, size);
        if (op != CMP) c.mem().probeWrite(a, size); // a faulting store must leave the flags alone
        long r = compute(c.state, op, d, src, size);
        if (op != CMP) c.store(a, size, r);
    }

    private static void opEG(Cpu c, Insn i, int op) {
        int size = i.opsize;
        long src = c.getReg(i.reg, size);
        if (i.mem) {
            opMem(c, i, c.ea(i), op, src);
        } else {
            long r = compute(c.state, op, c.getReg(i.rm, size), src, size);
            if (op != CMP) c.setReg(i.rm, size, r);
        }
    }

    private static void opGE(Cpu c, Insn i, int op) {
        int size = i.opsize;
        long r = compute(c.state, op, c.getReg(i.reg, size), c.readE(i), size);
        if (op != CMP) c.setReg(i.reg, size, r);
    }

    private static void opAccImm(Cpu c, Insn i, int op) {
        int size = i.opsize;
        long r = compute(c.state, op, c.getReg(0, size), i.imm, size);
        if (op != CMP) c.setReg(0, size, r);
    }

    private static void opEI(Cpu c, Insn i, int op) {
        int size = i.opsize;
        if (i.mem) {
            opMem(c, i, c.ea(i), op, i.imm);
        } else {
            long r = compute(c.state, op, c.getReg(i.rm, size), i.imm, size);
            if (op != CMP) c.setReg(i.rm, size, r);
        }
    }

    private static void testEG(Cpu c, Insn i) {
        Flags.setLogic(c.state, c.readE(i) & c.readG(i), i.opsize);
    }

    private static void testAccImm(Cpu c, Insn i) {
        Flags.setLogic(c.state, c.getReg(0, i.opsize) & i.imm, i.opsize);
    }

    private static void testEI(Cpu c, Insn i) {
        Flags.setLogic(c.state, c.readE(i) & i.imm, i.opsize);
    }

    private static void not(Cpu c, Insn i) {
        if (i.hasPrefix(Insn.P_LOCK)) lockedUnary(c, i, NOT);
        else notPlain(c, i);
    }

    private static void notPlain(Cpu c, Insn i) {
        if (i.mem) {
            long a = c.ea(i);
            c.store(a, i.opsize, ~c.load(a, i.opsize));
        } else {
            c.setReg(i.rm, i.opsize, ~c.getReg(i.rm, i.opsize));
        }
    }

    private static void neg(Cpu c, Insn i) {
        if (i.hasPrefix(Insn.P_LOCK)) lockedUnary(c, i, NEG);
        else negPlain(c, i);
    }

    private static void negPlain(Cpu c, Insn i) {
        int size = i.opsize;
        long a = i.mem ? c.ea(i) : 0;
        long v = i.mem ? c.load(a, size) : c.getReg(i.rm, size);
        if (i.mem) c.mem().probeWrite(a, size); // a faulting store must leave the flags alone
        long r = compute(c.state, SUB, 0, v, size);
        if (i.mem) c.store(a, size, r); else c.setReg(i.rm, size, r);
    }

    private static void inc(Cpu c, Insn i) {
        if (i.hasPrefix(Insn.P_LOCK)) lockedUnary(c, i, INC);
        else incDec(c, i, 1);
    }

    private static void dec(Cpu c, Insn i) {
        if (i.hasPrefix(Insn.P_LOCK)) lockedUnary(c, i, DEC);
        else incDec(c, i, -1);
    }

    private static void incDec(Cpu c, Insn i, long delta) {
        int size = i.opsize;
        long a = i.mem ? c.ea(i) : 0;
        long v = i.mem ? c.load(a, size) : c.getReg(i.rm, size);
        long r = (v + delta) & Flags.mask(size);
        if (i.mem) c.mem().probeWrite(a, size);
        recordIncDec(c.state, v, delta, size);
        if (i.mem) c.store(a, size, r); else c.setReg(i.rm, size, r);
    }

    /** INC and DEC set the flags like ADD/SUB of 1 but leave CF alone. */
    private static void recordIncDec(CpuState s, long v, long delta, int size) {
        long m = Flags.mask(size);
        long carry = Flags.cf(s) ? 1 : 0;
        s.lfOp = delta > 0 ? Flags.OP_INC : Flags.OP_DEC; s.lfSize = size; s.lfDst = v & m; s.lfSrc = 1;
        s.lfRes = (v + delta) & m; s.lfAux = carry;
    }

    // LOCK NOT, NEG, INC, DEC (numbered after ADD..CMP).
    private static final int NOT = 8, NEG = 9, INC = 10, DEC = 11;

    /**
     * LOCK NOT, NEG, INC or DEC (the decoder only accepts LOCK with a memory operand): one atomic
     * update of the operand, or the plain instruction under the split lock for a split operand.
     */
    private static void lockedUnary(Cpu c, Insn i, int kind) {
        int size = i.opsize;
        long a = c.ea(i);
        if (kind == INC || kind == DEC) { // one atomic add, as translated code does it
            long delta = kind == INC ? 1 : -1;
            recordIncDec(c.state, Locked.getAndAddAt(c, a, size, delta), delta, size);
            return;
        }
        if (Locked.splits(a, size)) {
            synchronized (Locked.SPLIT) {
                if (kind == NOT) notPlain(c, i);
                else negPlain(c, i);
            }
            return;
        }
        long h = Locked.address(c, a);
        long m = Flags.mask(size);
        long v;
        do {
            v = Locked.load(h, size);
        } while (!Locked.compareAndSet(h, size, v, (kind == NOT ? ~v : -v) & m));
        if (kind == NEG) compute(c.state, SUB, 0, v, size);
    }
}
