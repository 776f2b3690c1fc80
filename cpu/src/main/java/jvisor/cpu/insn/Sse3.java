package jvisor.cpu.insn;

import jvisor.cpu.Cpu;
import jvisor.cpu.CpuState;
import jvisor.cpu.decode.Insn;
import jvisor.cpu.decode.OpcodeTable;

/**
 * SSE3 (Intel SDM Vol. 1, 12.6 "SSE3 Instructions"; Vol. 2, the instructions' pages):
 * <pre>
 *   F2 0F D0 /r        ADDSUBPS xmm1, xmm2/m128    d0-s0, d1+s1, d2-s2, d3+s3
 *   66 0F D0 /r        ADDSUBPD xmm1, xmm2/m128    d0-s0, d1+s1
 *   F2 0F 7C /r        HADDPS   xmm1, xmm2/m128    d0+d1, d2+d3, s0+s1, s2+s3
 *   66 0F 7C /r        HADDPD   xmm1, xmm2/m128    d0+d1, s0+s1
 *   F2 0F 7D /r        HSUBPS   xmm1, xmm2/m128    d0-d1, d2-d3, s0-s1, s2-s3
 *   66 0F 7D /r        HSUBPD   xmm1, xmm2/m128    d0-d1, s0-s1
 *   F3 0F 16 /r        MOVSHDUP xmm1, xmm2/m128    s1, s1, s3, s3
 *   F3 0F 12 /r        MOVSLDUP xmm1, xmm2/m128    s0, s0, s2, s2
 *   F2 0F 12 /r        MOVDDUP  xmm1, xmm2/m64     s0, s0 (64-bit elements; m64 needs no alignment)
 *   F2 0F F0 /r mem    LDDQU    xmm1, m128         unaligned 128-bit load
 * </pre>
 * MONITOR and MWAIT (0F 01 C8/C9) are not implemented: they are ring-0 instructions unless the
 * OS enables them, and raise #UD here.
 *
 * <p>The arithmetic is {@link SseMath}: every lane is an ordinary SSE addition or subtraction,
 * rounded per MXCSR, with FTZ/DAZ and the usual NaN rules (the lower-numbered element of each
 * horizontal pair is the first operand). All lanes are computed before {@link SseMath#commit}
 * decides whether an unmasked exception suppresses the write. The 128-bit memory operands of the
 * arithmetic forms and of MOVSHDUP/MOVSLDUP must be 16-byte aligned (#GP); LDDQU's need not.
 */
final class Sse3 {
    private Sse3() {}

    static void register(OpcodeTable t) {
        t.row("F2 0F D0 /r", "addsubps Vx,Wx", Sse3::addsubps);
        t.row("66 0F D0 /r", "addsubpd Vx,Wx", Sse3::addsubpd);
        t.row("F2 0F 7C /r", "haddps Vx,Wx", (c, i) -> horizontalPs(c, i, false));
        t.row("66 0F 7C /r", "haddpd Vx,Wx", (c, i) -> horizontalPd(c, i, false));
        t.row("F2 0F 7D /r", "hsubps Vx,Wx", (c, i) -> horizontalPs(c, i, true));
        t.row("66 0F 7D /r", "hsubpd Vx,Wx", (c, i) -> horizontalPd(c, i, true));
        t.row("F3 0F 16 /r", "movshdup Vx,Wx", (c, i) -> dupS(c, i, true));
        t.row("F3 0F 12 /r", "movsldup Vx,Wx", (c, i) -> dupS(c, i, false));
        t.row("F2 0F 12 /r", "movddup Vx,Wq", Sse3::movddup);
        t.row("F2 0F F0 /r mem", "lddqu Vx,Mx", Sse3::lddqu);
    }

    private static final long LO = 0xFFFFFFFFL;

    private static long pack(long lo, long hi) {
        return (lo & LO) | hi << 32;
    }

    private static void addsubps(Cpu c, Insn i) {
        long ad = XmmAccess.wAddr(c, i);
        long s0 = XmmAccess.lo(c, i, ad), s1 = XmmAccess.hi(c, i, ad);
        CpuState s = c.state;
        long[] x = s.xmm;
        int d = XmmAccess.v(i);
        long d0 = x[d], d1 = x[d + 1];
        long r0 = SseMath.addS(s, d0, s0, true), r1 = SseMath.addS(s, d0 >>> 32, s0 >>> 32, false);
        long r2 = SseMath.addS(s, d1, s1, true), r3 = SseMath.addS(s, d1 >>> 32, s1 >>> 32, false);
        SseMath.commitThenWrite(s, d, pack(r0, r1), pack(r2, r3));
    }

    private static void addsubpd(Cpu c, Insn i) {
        long ad = XmmAccess.wAddr(c, i);
        long s0 = XmmAccess.lo(c, i, ad), s1 = XmmAccess.hi(c, i, ad);
        CpuState s = c.state;
        long[] x = s.xmm;
        int d = XmmAccess.v(i);
        long r0 = SseMath.addD(s, x[d], s0, true), r1 = SseMath.addD(s, x[d + 1], s1, false);
        SseMath.commitThenWrite(s, d, r0, r1);
    }

    private static void horizontalPs(Cpu c, Insn i, boolean sub) {
        long ad = XmmAccess.wAddr(c, i);
        long s0 = XmmAccess.lo(c, i, ad), s1 = XmmAccess.hi(c, i, ad);
        CpuState s = c.state;
        long[] x = s.xmm;
        int d = XmmAccess.v(i);
        long d0 = x[d], d1 = x[d + 1];
        long r0 = SseMath.addS(s, d0, d0 >>> 32, sub), r1 = SseMath.addS(s, d1, d1 >>> 32, sub);
        long r2 = SseMath.addS(s, s0, s0 >>> 32, sub), r3 = SseMath.addS(s, s1, s1 >>> 32, sub);
        SseMath.commitThenWrite(s, d, pack(r0, r1), pack(r2, r3));
    }

    private static void horizontalPd(Cpu c, Insn i, boolean sub) {
        long ad = XmmAccess.wAddr(c, i);
        long s0 = XmmAccess.lo(c, i, ad), s1 = XmmAccess.hi(c, i, ad);
        CpuState s = c.state;
        long[] x = s.xmm;
        int d = XmmAccess.v(i);
        long r0 = SseMath.addD(s, x[d], x[d + 1], sub), r1 = SseMath.addD(s, s0, s1, sub);
        SseMath.commitThenWrite(s, d, r0, r1);
    }

    /** MOVSHDUP (odd elements duplicated) and MOVSLDUP (even elements duplicated). */
    private static void dupS(Cpu c, Insn i, boolean high) {
        long ad = XmmAccess.wAddr(c, i);
        long s0 = XmmAccess.lo(c, i, ad), s1 = XmmAccess.hi(c, i, ad);
        long[] x = c.state.xmm;
        int d = XmmAccess.v(i);
        if (high) {
            x[d] = (s0 >>> 32) | (s0 & ~LO);
            x[d + 1] = (s1 >>> 32) | (s1 & ~LO);
        } else {
            x[d] = (s0 & LO) | s0 << 32;
            x[d + 1] = (s1 & LO) | s1 << 32;
        }
    }

    private static void movddup(Cpu c, Insn i) {
        long v = XmmAccess.q(c, i);
        long[] x = c.state.xmm;
        int d = XmmAccess.v(i);
        x[d] = v;
        x[d + 1] = v;
    }

    private static void lddqu(Cpu c, Insn i) {
        XmmAccess.load128(c, XmmAccess.v(i), c.ea(i));
    }
}
