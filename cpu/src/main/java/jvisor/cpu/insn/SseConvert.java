package jvisor.cpu.insn;

import jvisor.cpu.Cpu;
import jvisor.cpu.CpuState;
import jvisor.cpu.Flags;
import jvisor.cpu.decode.Insn;
import jvisor.cpu.decode.OpcodeTable;

/**
 * SSE/SSE2 conversions (Intel SDM Vol. 1, 11.4.5; Vol. 2, the instructions' pages):
 * CVTSI2SS, CVTSI2SD (32- and 64-bit sources), CVTSS2SI, CVTSD2SI, CVTTSS2SI, CVTTSD2SI (32- and
 * 64-bit results), CVTSS2SD, CVTSD2SS, CVTDQ2PS, CVTPS2DQ, CVTTPS2DQ, CVTDQ2PD, CVTPD2DQ,
 * CVTTPD2DQ, CVTPS2PD, CVTPD2PS.
 *
 * <p>Rounding follows MXCSR.RC (the CVTT forms truncate); a NaN or out-of-range value converted
 * to an integer raises IE and gives the "integer indefinite" 0x80000000 / 0x8000000000000000.
 * The MMX forms (CVTPI2PS, CVTPS2PI, ...) are not declared and raise #UD. The packed forms
 * with a 128-bit memory source need it 16-byte aligned; the ones reading 64 bits do not.
 */
final class SseConvert {
    private SseConvert() {}

    private static final int S = SseMath.SINGLE, D = SseMath.DOUBLE;

    static void register(OpcodeTable t) {
        t.row("F3 0F 2A /r", "cvtsi2ss Vx,Ey", SseConvert::cvtsi2ss);
        t.row("F2 0F 2A /r", "cvtsi2sd Vx,Ey", SseConvert::cvtsi2sd);
        t.row("F3 0F 2D /r", "cvtss2si Gy,Wss", (c, i) -> toInt(c, i, S, false));
        t.row("F2 0F 2D /r", "cvtsd2si Gy,Wsd", (c, i) -> toInt(c, i, D, false));
        t.row("F3 0F 2C /r", "cvttss2si Gy,Wss", (c, i) -> toInt(c, i, S, true));
        t.row("F2 0F 2C /r", "cvttsd2si Gy,Wsd", (c, i) -> toInt(c, i, D, true));

        t.row("F3 0F 5A /r", "cvtss2sd Vx,Wss", SseConvert::cvtss2sd);
        t.row("F2 0F 5A /r", "cvtsd2ss Vx,Wsd", SseConvert::cvtsd2ss);
        t.row("NP 0F 5A /r", "cvtps2pd Vx,Wq", SseConvert::cvtps2pd);
        t.row("66 0F 5A /r", "cvtpd2ps Vx,Wx", SseConvert::cvtpd2ps);

        t.row("NP 0F 5B /r", "cvtdq2ps Vx,Wx", SseConvert::cvtdq2ps);
        t.row("66 0F 5B /r", "cvtps2dq Vx,Wx", (c, i) -> cvtps2dq(c, i, false));
        t.row("F3 0F 5B /r", "cvttps2dq Vx,Wx", (c, i) -> cvtps2dq(c, i, true));
        t.row("F3 0F E6 /r", "cvtdq2pd Vx,Wq", SseConvert::cvtdq2pd);
        t.row("F2 0F E6 /r", "cvtpd2dq Vx,Wx", (c, i) -> cvtpd2dq(c, i, false));
        t.row("66 0F E6 /r", "cvttpd2dq Vx,Wx", (c, i) -> cvtpd2dq(c, i, true));
    }

    /** The integer source of CVTSI2SS/SD, sign-extended from 32 bits unless REX.W. */
    private static long intSource(Cpu c, Insn i) {
        long v = c.readE(i);
        return i.opsize == 8 ? v : Flags.signExtend(v, 4);
    }

    private static void cvtsi2ss(Cpu c, Insn i) {
        long v = intSource(c, i);
        CpuState s = c.state;
        long r = SseMath.fromInt(s, v, S);
        SseMath.commit(s);
        int d = XmmAccess.v(i);
        s.xmm[d] = (s.xmm[d] & 0xFFFFFFFF00000000L) | r;
    }

    private static void cvtsi2sd(Cpu c, Insn i) {
        long v = intSource(c, i);
        CpuState s = c.state;
        long r = SseMath.fromInt(s, v, D);
        SseMath.commit(s);
        s.xmm[XmmAccess.v(i)] = r;
    }

    private static void toInt(Cpu c, Insn i, int f, boolean truncate) {
        long a = f == D ? XmmAccess.q(c, i) : XmmAccess.d(c, i) & 0xFFFFFFFFL;
        CpuState s = c.state;
        long r = SseMath.toInt(s, a, f, i.opsize == 8, truncate);
        SseMath.commit(s);
        c.setReg(i.reg, i.opsize, r);
    }

    private static void cvtss2sd(Cpu c, Insn i) {
        long a = XmmAccess.d(c, i) & 0xFFFFFFFFL;
        CpuState s = c.state;
        long r = SseMath.convert(s, a, S, D);
        SseMath.commit(s);
        s.xmm[XmmAccess.v(i)] = r;
    }

    private static void cvtsd2ss(Cpu c, Insn i) {
        long a = XmmAccess.q(c, i);
        CpuState s = c.state;
        long r = SseMath.convert(s, a, D, S);
        SseMath.commit(s);
        int d = XmmAccess.v(i);
        s.xmm[d] = (s.xmm[d] & 0xFFFFFFFF00000000L) | r;
    }

    private static void cvtps2pd(Cpu c, Insn i) {
        long a = XmmAccess.q(c, i);
        CpuState s = c.state;
        long r0 = SseMath.convert(s, a & 0xFFFFFFFFL, S, D), r1 = SseMath.convert(s, a >>> 32, S, D);
        SseMath.commitThenWrite(s, XmmAccess.v(i), r0, r1);
    }

    private static void cvtpd2ps(Cpu c, Insn i) {
        long ad = XmmAccess.wAddr(c, i);
        long a0 = XmmAccess.lo(c, i, ad), a1 = XmmAccess.hi(c, i, ad);
        CpuState s = c.state;
        long r0 = SseMath.convert(s, a0, D, S), r1 = SseMath.convert(s, a1, D, S);
        SseMath.commitThenWrite(s, XmmAccess.v(i), r0 | r1 << 32, 0);
    }

    private static void cvtdq2ps(Cpu c, Insn i) {
        long ad = XmmAccess.wAddr(c, i);
        long a0 = XmmAccess.lo(c, i, ad), a1 = XmmAccess.hi(c, i, ad);
        CpuState s = c.state;
        long r0 = SseMath.fromInt(s, (int) a0, S), r1 = SseMath.fromInt(s, (int) (a0 >>> 32), S);
        long r2 = SseMath.fromInt(s, (int) a1, S), r3 = SseMath.fromInt(s, (int) (a1 >>> 32), S);
        SseMath.commitThenWrite(s, XmmAccess.v(i), r0 | r1 << 32, r2 | r3 << 32);
    }

    private static void cvtps2dq(Cpu c, Insn i, boolean truncate) {
        long ad = XmmAccess.wAddr(c, i);
        long a0 = XmmAccess.lo(c, i, ad), a1 = XmmAccess.hi(c, i, ad);
        CpuState s = c.state;
        long r0 = SseMath.toInt(s, a0 & 0xFFFFFFFFL, S, false, truncate);
        long r1 = SseMath.toInt(s, a0 >>> 32, S, false, truncate);
        long r2 = SseMath.toInt(s, a1 & 0xFFFFFFFFL, S, false, truncate);
        long r3 = SseMath.toInt(s, a1 >>> 32, S, false, truncate);
        SseMath.commitThenWrite(s, XmmAccess.v(i), r0 | r1 << 32, r2 | r3 << 32);
    }

    private static void cvtdq2pd(Cpu c, Insn i) {
        long a = XmmAccess.q(c, i);
        CpuState s = c.state;
        int d = XmmAccess.v(i);
        s.xmm[d] = SseMath.fromInt(s, (int) a, D); // exact: no flags
        s.xmm[d + 1] = SseMath.fromInt(s, (int) (a >>> 32), D);
    }

    private static void cvtpd2dq(Cpu c, Insn i, boolean truncate) {
        long ad = XmmAccess.wAddr(c, i);
        long a0 = XmmAccess.lo(c, i, ad), a1 = XmmAccess.hi(c, i, ad);
        CpuState s = c.state;
        long r0 = SseMath.toInt(s, a0, D, false, truncate), r1 = SseMath.toInt(s, a1, D, false, truncate);
        SseMath.commitThenWrite(s, XmmAccess.v(i), r0 | r1 << 32, 0);
    }
}
