package jvisor.cpu.insn;

import jvisor.cpu.Cpu;
import jvisor.cpu.CpuState;
import jvisor.cpu.Flags;
import jvisor.cpu.decode.Insn;
import jvisor.cpu.decode.OpcodeTable;

/**
 * SSE/SSE2 floating-point arithmetic, logic, comparison and shuffles (Intel SDM Vol. 1, 10.4.2,
 * 11.4.1; Vol. 2, the instructions' pages): ADD, SUB, MUL, DIV, MIN, MAX, SQRT in their PS, PD,
 * SS and SD forms; RCPPS, RCPSS, RSQRTPS, RSQRTSS; ANDPS/PD, ANDNPS/PD, ORPS/PD, XORPS/PD;
 * CMPPS/PD/SS/SD with predicates 0-7; COMISS, COMISD, UCOMISS, UCOMISD; SHUFPS, SHUFPD, UNPCKLPS,
 * UNPCKHPS, UNPCKLPD, UNPCKHPD.
 *
 * <p>The arithmetic itself (rounding modes, FTZ/DAZ, NaN rules, MXCSR flags) is {@link SseMath}.
 * Packed forms compute every lane before {@link SseMath#commit} decides whether an unmasked
 * exception suppresses the write; scalar forms merge into the low element of the destination.
 * Packed memory operands must be 16-byte aligned (#GP); scalar ones need no alignment.
 *
 * <p>RCP and RSQRT return correctly rounded results, which are within the architectural error
 * bound but not bit-identical to any particular CPU's approximation tables (see {@link SseMath#rcp}).
 */
final class SseFloat {
    private SseFloat() {}

    static final int ADD = 0, SUB = 1, MUL = 2, DIV = 3, MIN = 4, MAX = 5, SQRT = 6, RCP = 7, RSQRT = 8;

    static void register(OpcodeTable t) {
        arith(t, "58", "add", ADD);
        arith(t, "5C", "sub", SUB);
        arith(t, "59", "mul", MUL);
        arith(t, "5E", "div", DIV);
        arith(t, "5D", "min", MIN);
        arith(t, "5F", "max", MAX);
        arith(t, "51", "sqrt", SQRT);
        t.row("NP 0F 53 /r", "rcpps Vx,Wx", (c, i) -> packedS(c, i, RCP));
        t.row("F3 0F 53 /r", "rcpss Vx,Wss", (c, i) -> scalarS(c, i, RCP));
        t.row("NP 0F 52 /r", "rsqrtps Vx,Wx", (c, i) -> packedS(c, i, RSQRT));
        t.row("F3 0F 52 /r", "rsqrtss Vx,Wss", (c, i) -> scalarS(c, i, RSQRT));

        // Bitwise logic: the PS and PD forms are the same operation.
        for (String p : new String[] {"NP", "66"}) {
            String sfx = p.equals("NP") ? "ps" : "pd";
            t.row(p + " 0F 54 /r", "and" + sfx + " Vx,Wx", (c, i) -> logic(c, i, 0));
            t.row(p + " 0F 55 /r", "andn" + sfx + " Vx,Wx", (c, i) -> logic(c, i, 1));
            t.row(p + " 0F 56 /r", "or" + sfx + " Vx,Wx", (c, i) -> logic(c, i, 2));
            t.row(p + " 0F 57 /r", "xor" + sfx + " Vx,Wx", (c, i) -> logic(c, i, 3));
        }

        t.row("NP 0F C2 /r", "cmpps Vx,Wx,Ib", SseFloat::cmpps);
        t.row("66 0F C2 /r", "cmppd Vx,Wx,Ib", SseFloat::cmppd);
        t.row("F3 0F C2 /r", "cmpss Vx,Wss,Ib", SseFloat::cmpss);
        t.row("F2 0F C2 /r", "cmpsd Vx,Wsd,Ib", SseFloat::cmpsd);

        t.row("NP 0F 2E /r", "ucomiss Vss,Wss", (c, i) -> comis(c, i, SseMath.SINGLE, false));
        t.row("66 0F 2E /r", "ucomisd Vsd,Wsd", (c, i) -> comis(c, i, SseMath.DOUBLE, false));
        t.row("NP 0F 2F /r", "comiss Vss,Wss", (c, i) -> comis(c, i, SseMath.SINGLE, true));
        t.row("66 0F 2F /r", "comisd Vsd,Wsd", (c, i) -> comis(c, i, SseMath.DOUBLE, true));

        t.row("NP 0F C6 /r", "shufps Vx,Wx,Ib", SseFloat::shufps);
        t.row("66 0F C6 /r", "shufpd Vx,Wx,Ib", SseFloat::shufpd);
        t.row("NP 0F 14 /r", "unpcklps Vx,Wx", (c, i) -> unpack(c, i, 0));
        t.row("NP 0F 15 /r", "unpckhps Vx,Wx", (c, i) -> unpack(c, i, 1));
        t.row("66 0F 14 /r", "unpcklpd Vx,Wx", (c, i) -> unpack(c, i, 2));
        t.row("66 0F 15 /r", "unpckhpd Vx,Wx", (c, i) -> unpack(c, i, 3));
    }

    private static void arith(OpcodeTable t, String opcode, String name, int op) {
        t.row("NP 0F " + opcode + " /r", name + "ps Vx,Wx", (c, i) -> packedS(c, i, op));
        t.row("66 0F " + opcode + " /r", name + "pd Vx,Wx", (c, i) -> packedD(c, i, op));
        t.row("F3 0F " + opcode + " /r", name + "ss Vx,Wss", (c, i) -> scalarS(c, i, op));
        t.row("F2 0F " + opcode + " /r", name + "sd Vx,Wsd", (c, i) -> scalarD(c, i, op));
    }

    /** One single-precision lane: a is the destination's (first source) element, b the source's. */
    static long opS(CpuState s, int op, long a, long b) {
        return switch (op) {
            case ADD -> SseMath.addS(s, a, b, false);
            case SUB -> SseMath.addS(s, a, b, true);
            case MUL -> SseMath.mulS(s, a, b);
            case DIV -> SseMath.divS(s, a, b);
            case MIN -> SseMath.minMax(s, a & 0xFFFFFFFFL, b & 0xFFFFFFFFL, SseMath.SINGLE, false);
            case MAX -> SseMath.minMax(s, a & 0xFFFFFFFFL, b & 0xFFFFFFFFL, SseMath.SINGLE, true);
            case SQRT -> SseMath.sqrtS(s, b);
            case RCP -> SseMath.rcp(b & 0xFFFFFFFFL);
            default -> SseMath.rsqrt(b & 0xFFFFFFFFL);
        };
    }

    static long opD(CpuState s, int op, long a, long b) {
        return switch (op) {
            case ADD -> SseMath.addD(s, a, b, false);
            case SUB -> SseMath.addD(s, a, b, true);
            case MUL -> SseMath.mulD(s, a, b);
            case DIV -> SseMath.divD(s, a, b);
            case MIN -> SseMath.minMax(s, a, b, SseMath.DOUBLE, false);
            case MAX -> SseMath.minMax(s, a, b, SseMath.DOUBLE, true);
            default -> SseMath.sqrtD(s, b);
        };
    }

    private static void packedS(Cpu c, Insn i, int op) {
        long ad = XmmAccess.wAddr(c, i);
        long s0 = XmmAccess.lo(c, i, ad), s1 = XmmAccess.hi(c, i, ad);
        long[] x = c.state.xmm;
        int d = XmmAccess.v(i);
        long d0 = x[d], d1 = x[d + 1];
        CpuState s = c.state;
        long r0 = opS(s, op, d0, s0), r1 = opS(s, op, d0 >>> 32, s0 >>> 32);
        long r2 = opS(s, op, d1, s1), r3 = opS(s, op, d1 >>> 32, s1 >>> 32);
        SseMath.commitThenWrite(s, d, (r0 & 0xFFFFFFFFL) | r1 << 32, (r2 & 0xFFFFFFFFL) | r3 << 32);
    }

    private static void packedD(Cpu c, Insn i, int op) {
        long ad = XmmAccess.wAddr(c, i);
        long s0 = XmmAccess.lo(c, i, ad), s1 = XmmAccess.hi(c, i, ad);
        long[] x = c.state.xmm;
        int d = XmmAccess.v(i);
        CpuState s = c.state;
        long r0 = opD(s, op, x[d], s0), r1 = opD(s, op, x[d + 1], s1);
        SseMath.commitThenWrite(s, d, r0, r1);
    }

    private static void scalarS(Cpu c, Insn i, int op) {
        long b = XmmAccess.d(c, i) & 0xFFFFFFFFL;
        long[] x = c.state.xmm;
        int d = XmmAccess.v(i);
        CpuState s = c.state;
        long r = opS(s, op, x[d], b);
        SseMath.commit(s);
        x[d] = (x[d] & 0xFFFFFFFF00000000L) | (r & 0xFFFFFFFFL);
    }

    private static void scalarD(Cpu c, Insn i, int op) {
        long b = XmmAccess.q(c, i);
        long[] x = c.state.xmm;
        int d = XmmAccess.v(i);
        CpuState s = c.state;
        long r = opD(s, op, x[d], b);
        SseMath.commit(s);
        x[d] = r;
    }

    private static void logic(Cpu c, Insn i, int op) {
        long ad = XmmAccess.wAddr(c, i);
        long s0 = XmmAccess.lo(c, i, ad), s1 = XmmAccess.hi(c, i, ad);
        long[] x = c.state.xmm;
        int d = XmmAccess.v(i);
        switch (op) {
            case 0 -> { x[d] &= s0; x[d + 1] &= s1; }
            case 1 -> { x[d] = ~x[d] & s0; x[d + 1] = ~x[d + 1] & s1; }
            case 2 -> { x[d] |= s0; x[d + 1] |= s1; }
            default -> { x[d] ^= s0; x[d + 1] ^= s1; }
        }
    }

    // ------------------------------------------------------------------ comparisons

    private static long maskS(CpuState s, long a, long b, int pred) {
        return SseMath.compare(s, a & 0xFFFFFFFFL, b & 0xFFFFFFFFL, SseMath.SINGLE, pred) ? 0xFFFFFFFFL : 0;
    }

    private static long maskD(CpuState s, long a, long b, int pred) {
        return SseMath.compare(s, a, b, SseMath.DOUBLE, pred) ? -1L : 0;
    }

    /** The comparison predicate: imm8[2:0] for the legacy forms, imm8[4:0] for the VEX ones. */
    private static int predicate(Insn i) {
        return (int) i.imm & (i.hasPrefix(Insn.P_VEX) ? 31 : 7);
    }

    private static void cmpps(Cpu c, Insn i) {
        long ad = XmmAccess.wAddr(c, i);
        long s0 = XmmAccess.lo(c, i, ad), s1 = XmmAccess.hi(c, i, ad);
        long[] x = c.state.xmm;
        int d = XmmAccess.v(i);
        long d0 = x[d], d1 = x[d + 1];
        CpuState s = c.state;
        int p = predicate(i);
        long r0 = maskS(s, d0, s0, p) | maskS(s, d0 >>> 32, s0 >>> 32, p) << 32;
        long r1 = maskS(s, d1, s1, p) | maskS(s, d1 >>> 32, s1 >>> 32, p) << 32;
        SseMath.commitThenWrite(s, d, r0, r1);
    }

    private static void cmppd(Cpu c, Insn i) {
        long ad = XmmAccess.wAddr(c, i);
        long s0 = XmmAccess.lo(c, i, ad), s1 = XmmAccess.hi(c, i, ad);
        long[] x = c.state.xmm;
        int d = XmmAccess.v(i);
        CpuState s = c.state;
        int p = predicate(i);
        long r0 = maskD(s, x[d], s0, p), r1 = maskD(s, x[d + 1], s1, p);
        SseMath.commitThenWrite(s, d, r0, r1);
    }

    private static void cmpss(Cpu c, Insn i) {
        long b = XmmAccess.d(c, i);
        long[] x = c.state.xmm;
        int d = XmmAccess.v(i);
        CpuState s = c.state;
        long r = maskS(s, x[d], b, predicate(i));
        SseMath.commit(s);
        x[d] = (x[d] & 0xFFFFFFFF00000000L) | r;
    }

    private static void cmpsd(Cpu c, Insn i) {
        long b = XmmAccess.q(c, i);
        long[] x = c.state.xmm;
        int d = XmmAccess.v(i);
        CpuState s = c.state;
        long r = maskD(s, x[d], b, predicate(i));
        SseMath.commit(s);
        x[d] = r;
    }

    /**
     * COMISS/COMISD (signaling: IE on any NaN) and UCOMISS/UCOMISD (IE on SNaN only): ZF, PF, CF =
     * 111 unordered, 000 greater, 001 less, 100 equal; OF, SF, AF cleared.
     */
    private static void comis(Cpu c, Insn i, int f, boolean signaling) {
        long b = f == SseMath.DOUBLE ? XmmAccess.q(c, i) : XmmAccess.d(c, i) & 0xFFFFFFFFL;
        CpuState s = c.state;
        long a = s.xmm[XmmAccess.v(i)];
        if (f == SseMath.SINGLE) a &= 0xFFFFFFFFL;
        long flags;
        if (SseMath.isNaN(a, f) || SseMath.isNaN(b, f)) {
            if (signaling || SseMath.isSNaN(a, f) || SseMath.isSNaN(b, f)) SseMath.raise(s, SseMath.IE);
            flags = Flags.ZF | Flags.PF | Flags.CF;
        } else {
            double x = SseMath.value(SseMath.daz(s, a, f), f), y = SseMath.value(SseMath.daz(s, b, f), f);
            flags = x > y ? 0 : x < y ? Flags.CF : Flags.ZF;
        }
        SseMath.commit(s);
        Flags.setEager(s, flags);
    }

    // ------------------------------------------------------------------ shuffles

    private static void shufps(Cpu c, Insn i) {
        long ad = XmmAccess.wAddr(c, i);
        long s0 = XmmAccess.lo(c, i, ad), s1 = XmmAccess.hi(c, i, ad);
        long[] x = c.state.xmm;
        int d = XmmAccess.v(i);
        long d0 = x[d], d1 = x[d + 1];
        int imm = (int) i.imm;
        x[d] = XmmAccess.dword(d0, d1, imm & 3) | XmmAccess.dword(d0, d1, imm >>> 2 & 3) << 32;
        x[d + 1] = XmmAccess.dword(s0, s1, imm >>> 4 & 3) | XmmAccess.dword(s0, s1, imm >>> 6 & 3) << 32;
    }

    private static void shufpd(Cpu c, Insn i) {
        long ad = XmmAccess.wAddr(c, i);
        long s0 = XmmAccess.lo(c, i, ad), s1 = XmmAccess.hi(c, i, ad);
        long[] x = c.state.xmm;
        int d = XmmAccess.v(i);
        int imm = (int) i.imm;
        long r0 = (imm & 1) == 0 ? x[d] : x[d + 1];
        long r1 = (imm & 2) == 0 ? s0 : s1;
        x[d] = r0;
        x[d + 1] = r1;
    }

    /** kind: 0 UNPCKLPS, 1 UNPCKHPS, 2 UNPCKLPD, 3 UNPCKHPD. */
    private static void unpack(Cpu c, Insn i, int kind) {
        long ad = XmmAccess.wAddr(c, i);
        long s0 = XmmAccess.lo(c, i, ad), s1 = XmmAccess.hi(c, i, ad);
        long[] x = c.state.xmm;
        int d = XmmAccess.v(i);
        long d0 = x[d], d1 = x[d + 1];
        switch (kind) {
            case 0 -> { x[d] = (d0 & 0xFFFFFFFFL) | s0 << 32; x[d + 1] = (d0 >>> 32) | (s0 & 0xFFFFFFFF00000000L); }
            case 1 -> { x[d] = (d1 & 0xFFFFFFFFL) | s1 << 32; x[d + 1] = (d1 >>> 32) | (s1 & 0xFFFFFFFF00000000L); }
            case 2 -> x[d + 1] = s0;
            default -> { x[d] = d1; x[d + 1] = s1; }
        }
    }
}
