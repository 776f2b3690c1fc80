package jvisor.cpu.insn;

import jvisor.cpu.Cpu;
import jvisor.cpu.decode.Insn;
import jvisor.cpu.decode.OpcodeTable;

/**
 * SSE/SSE2 data movement (Intel SDM Vol. 2, the instructions' pages; Vol. 1, 10.4.1 and 11.4.1):
 * MOVAPS, MOVAPD, MOVUPS, MOVUPD, MOVDQA, MOVDQU, MOVSS, MOVSD, MOVD/MOVQ in all their XMM
 * forms, MOVLPS, MOVLPD, MOVHPS, MOVHPD, MOVHLPS, MOVLHPS, the non-temporal stores MOVNTPS,
 * MOVNTPD, MOVNTDQ and MOVNTI (plain stores here: there is no cache to bypass), and the sign-mask
 * extractions MOVMSKPS, MOVMSKPD, PMOVMSKB.
 *
 * <p>Only the XMM forms exist: the MMX encodings (0F 6E, 0F 6F, ... without a 66 prefix) are left
 * undeclared and so raise #UD, as on a CPU that does not advertise MMX. The aligned forms raise
 * #GP on a memory operand that is not 16-byte aligned. None of these touch MXCSR or RFLAGS.
 */
final class SseMove {
    private SseMove() {}

    static void register(OpcodeTable t) {
        // Full 128-bit moves.
        t.row("NP 0F 10 /r", "movups Vx,Wx", SseMove::loadUnaligned);
        t.row("66 0F 10 /r", "movupd Vx,Wx", SseMove::loadUnaligned);
        t.row("F3 0F 6F /r", "movdqu Vx,Wx", SseMove::loadUnaligned);
        t.row("NP 0F 11 /r", "movups Wx,Vx", SseMove::storeUnaligned);
        t.row("66 0F 11 /r", "movupd Wx,Vx", SseMove::storeUnaligned);
        t.row("F3 0F 7F /r", "movdqu Wx,Vx", SseMove::storeUnaligned);
        t.row("NP 0F 28 /r", "movaps Vx,Wx", SseMove::loadAligned);
        t.row("66 0F 28 /r", "movapd Vx,Wx", SseMove::loadAligned);
        t.row("66 0F 6F /r", "movdqa Vx,Wx", SseMove::loadAligned);
        t.row("NP 0F 29 /r", "movaps Wx,Vx", SseMove::storeAligned);
        t.row("66 0F 29 /r", "movapd Wx,Vx", SseMove::storeAligned);
        t.row("66 0F 7F /r", "movdqa Wx,Vx", SseMove::storeAligned);
        t.row("NP 0F 2B /r mem", "movntps Mx,Vx", SseMove::storeAligned);
        t.row("66 0F 2B /r mem", "movntpd Mx,Vx", SseMove::storeAligned);
        t.row("66 0F E7 /r mem", "movntdq Mx,Vx", SseMove::storeAligned);
        t.row("NP 0F C3 /r mem", "movnti My,Gy", (c, i) -> c.writeE(i, c.readG(i)));

        // Scalars: a register source merges the low element, a memory source zeroes the rest.
        t.row("F3 0F 10 /r", "movss Vx,Wss", SseMove::movssLoad);
        t.row("F3 0F 11 /r", "movss Wss,Vx", SseMove::movssStore);
        t.row("F2 0F 10 /r", "movsd Vx,Wsd", SseMove::movsdLoad);
        t.row("F2 0F 11 /r", "movsd Wsd,Vx", SseMove::movsdStore);

        // MOVD/MOVQ between XMM and general registers or memory.
        t.row("66 0F 6E /r", "movd/movq Vx,Ey", SseMove::movdToXmm);
        t.row("66 0F 7E /r", "movd/movq Ey,Vx", (c, i) -> c.writeE(i, c.state.xmm[XmmAccess.v(i)]));
        t.row("F3 0F 7E /r", "movq Vx,Wq", SseMove::movqLoad);
        t.row("66 0F D6 /r", "movq Wq,Vx", SseMove::movqStore);

        // Half moves.
        t.row("NP 0F 12 /r mem", "movlps Vq,Mq", SseMove::loadLow);
        t.row("66 0F 12 /r mem", "movlpd Vq,Mq", SseMove::loadLow);
        t.row("NP 0F 12 /r reg", "movhlps Vq,Uq", SseMove::movhlps);
        t.row("NP 0F 13 /r mem", "movlps Mq,Vq", SseMove::storeLow);
        t.row("66 0F 13 /r mem", "movlpd Mq,Vq", SseMove::storeLow);
        t.row("NP 0F 16 /r mem", "movhps Vq,Mq", SseMove::loadHigh);
        t.row("66 0F 16 /r mem", "movhpd Vq,Mq", SseMove::loadHigh);
        t.row("NP 0F 16 /r reg", "movlhps Vq,Uq", SseMove::movlhps);
        t.row("NP 0F 17 /r mem", "movhps Mq,Vq", SseMove::storeHigh);
        t.row("66 0F 17 /r mem", "movhpd Mq,Vq", SseMove::storeHigh);

        // Sign masks.
        t.row("NP 0F 50 /r reg", "movmskps Gd,Ux", SseMove::movmskps);
        t.row("66 0F 50 /r reg", "movmskpd Gd,Ux", SseMove::movmskpd);
        t.row("66 0F D7 /r reg", "pmovmskb Gd,Ux", SseMove::pmovmskb);
        t.row("66 0F F7 /r reg", "maskmovdqu Vx,Ux", SseMove::maskmovdqu);
    }

    private static void loadUnaligned(Cpu c, Insn i) {
        if (i.mem) XmmAccess.load128(c, XmmAccess.v(i), c.ea(i));
        else XmmAccess.copy128(c, XmmAccess.v(i), XmmAccess.u(i));
    }

    private static void loadAligned(Cpu c, Insn i) {
        if (i.mem) XmmAccess.load128(c, XmmAccess.v(i), XmmAccess.aligned(c, i));
        else XmmAccess.copy128(c, XmmAccess.v(i), XmmAccess.u(i));
    }

    private static void storeUnaligned(Cpu c, Insn i) {
        int s = XmmAccess.v(i);
        if (i.mem) XmmAccess.store128(c, c.ea(i), c.state.xmm[s], c.state.xmm[s + 1]);
        else XmmAccess.copy128(c, XmmAccess.u(i), s);
    }

    private static void storeAligned(Cpu c, Insn i) {
        int s = XmmAccess.v(i);
        if (i.mem) XmmAccess.store128(c, XmmAccess.aligned(c, i), c.state.xmm[s], c.state.xmm[s + 1]);
        else XmmAccess.copy128(c, XmmAccess.u(i), s);
    }

    private static void movssLoad(Cpu c, Insn i) {
        long[] x = c.state.xmm;
        int d = XmmAccess.v(i);
        if (i.mem) {
            x[d] = c.mem().read32(c.ea(i)) & 0xFFFFFFFFL;
            x[d + 1] = 0;
        } else {
            x[d] = (x[d] & 0xFFFFFFFF00000000L) | (x[XmmAccess.u(i)] & 0xFFFFFFFFL);
        }
    }

    private static void movssStore(Cpu c, Insn i) {
        long[] x = c.state.xmm;
        long v = x[XmmAccess.v(i)];
        if (i.mem) {
            c.mem().write32(c.ea(i), (int) v);
        } else {
            int d = XmmAccess.u(i);
            x[d] = (x[d] & 0xFFFFFFFF00000000L) | (v & 0xFFFFFFFFL);
        }
    }

    private static void movsdLoad(Cpu c, Insn i) {
        long[] x = c.state.xmm;
        int d = XmmAccess.v(i);
        if (i.mem) {
            x[d] = c.mem().read64(c.ea(i));
            x[d + 1] = 0;
        } else {
            x[d] = x[XmmAccess.u(i)];
        }
    }

    private static void movsdStore(Cpu c, Insn i) {
        long[] x = c.state.xmm;
        long v = x[XmmAccess.v(i)];
        if (i.mem) c.mem().write64(c.ea(i), v);
        else x[XmmAccess.u(i)] = v;
    }

    /** MOVD/MOVQ xmm, r/m32 or r/m64: zero-extends into the whole register. */
    private static void movdToXmm(Cpu c, Insn i) {
        long v = c.readE(i);
        long[] x = c.state.xmm;
        int d = XmmAccess.v(i);
        x[d] = v;
        x[d + 1] = 0;
    }

    private static void movqLoad(Cpu c, Insn i) {
        long v = XmmAccess.q(c, i);
        long[] x = c.state.xmm;
        int d = XmmAccess.v(i);
        x[d] = v;
        x[d + 1] = 0;
    }

    private static void movqStore(Cpu c, Insn i) {
        long[] x = c.state.xmm;
        long v = x[XmmAccess.v(i)];
        if (i.mem) {
            c.mem().write64(c.ea(i), v);
        } else {
            int d = XmmAccess.u(i);
            x[d] = v;
            x[d + 1] = 0;
        }
    }

    private static void loadLow(Cpu c, Insn i) {
        c.state.xmm[XmmAccess.v(i)] = c.mem().read64(c.ea(i));
    }

    private static void loadHigh(Cpu c, Insn i) {
        c.state.xmm[XmmAccess.v(i) + 1] = c.mem().read64(c.ea(i));
    }

    private static void storeLow(Cpu c, Insn i) {
        c.mem().write64(c.ea(i), c.state.xmm[XmmAccess.v(i)]);
    }

    private static void storeHigh(Cpu c, Insn i) {
        c.mem().write64(c.ea(i), c.state.xmm[XmmAccess.v(i) + 1]);
    }

    private static void movhlps(Cpu c, Insn i) {
        long[] x = c.state.xmm;
        x[XmmAccess.v(i)] = x[XmmAccess.u(i) + 1];
    }

    private static void movlhps(Cpu c, Insn i) {
        long[] x = c.state.xmm;
        x[XmmAccess.v(i) + 1] = x[XmmAccess.u(i)];
    }

    private static void movmskps(Cpu c, Insn i) {
        long[] x = c.state.xmm;
        int s = XmmAccess.u(i);
        long lo = x[s], hi = x[s + 1];
        long m = (lo >>> 31 & 1) | (lo >>> 62 & 2) | (hi >>> 29 & 4) | (hi >>> 60 & 8);
        c.r[i.reg] = m;
    }

    private static void movmskpd(Cpu c, Insn i) {
        long[] x = c.state.xmm;
        int s = XmmAccess.u(i);
        c.r[i.reg] = (x[s] >>> 63) | (x[s + 1] >>> 63 << 1);
    }

    private static void pmovmskb(Cpu c, Insn i) {
        long[] x = c.state.xmm;
        int s = XmmAccess.u(i);
        c.r[i.reg] = byteSigns(x[s]) | byteSigns(x[s + 1]) << 8;
    }

    /**
     * MASKMOVDQU (SDM Vol. 2B): stores the bytes of the first operand whose byte in the second
     * (the mask) has its top bit set, to DS:RDI (EDI with 0x67; FS/GS overrides apply).
     */
    private static void maskmovdqu(Cpu c, Insn i) {
        long[] x = c.state.xmm;
        int data = XmmAccess.v(i);
        int mask = XmmAccess.u(i);
        long base = c.segmented(i, c.getReg(jvisor.cpu.Reg.RDI, i.adsize));
        // The 16-byte destination is checked as a whole, even for an all-zero mask (as this
        // instruction behaves on Intel hardware): past the canonical range #GP, else #PF.
        if (!Cpu.isCanonical(base) || !Cpu.isCanonical(base + 15)) throw jvisor.cpu.CpuFault.generalProtection();
        c.mem().probeWrite(base, 8);
        c.mem().probeWrite(base + 8, 8);
        for (int k = 0; k < 16; k++) {
            int shift = 8 * (k & 7);
            if (((x[mask + (k >> 3)] >>> shift) & 0x80) != 0) {
                c.mem().write8(base + k, (int) (x[data + (k >> 3)] >>> shift));
            }
        }
    }

    /** The sign bits of the eight bytes of v, byte 0's in bit 0. */
    static long byteSigns(long v) {
        // Gather bit 7 of each byte: isolate, then multiply so that each lands in the top byte.
        long t = (v & 0x8080808080808080L) >>> 7;
        return (t * 0x0102040810204080L) >>> 56;
    }
}
