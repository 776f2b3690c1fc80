package jvisor.cpu.insn;

import jvisor.cpu.Cpu;
import jvisor.cpu.CpuFault;
import jvisor.cpu.CpuState;
import jvisor.cpu.decode.Insn;
import jvisor.cpu.decode.OpcodeTable;
import jvisor.mmu.Access;
import jvisor.mmu.Tlb;

/**
 * AVX data movement (Intel SDM Vol. 2): VMOVUPS/UPD/DQU, VMOVAPS/APD/DQA (aligned: #GP unless
 * the 128/256-bit memory operand is 16/32-byte aligned), VMOVNTPS/PD/DQ, VMOVNTDQA, VLDDQU,
 * VMOVSS/VMOVSD, VMOVD/VMOVQ, the 256-bit sign masks (VMOVMSKPS/PD, VPMOVMSKB), VZEROUPPER and
 * VZEROALL, the broadcasts (VBROADCASTSS/SD/F128/I128, VPBROADCASTB/W/D/Q), VINSERTF128/I128,
 * VEXTRACTF128/I128, and VMASKMOVPS/PD, VPMASKMOVD/Q.
 *
 * <p>Every VEX instruction that writes an XMM register zeroes bits 255:128 of it; a YMM register
 * is written whole. A 256-bit memory operand is one access: it faults (a store: before writing
 * anything) as the hardware's does.
 */
final class AvxMove {
    private AvxMove() {}

    static void register(OpcodeTable t) {
        // Whole-register moves: 0F 10/11 (UPS), 66 0F 10/11 (UPD), F3 0F 6F/7F (DQU), 0F 28/29 (APS),
        // 66 0F 28/29 (APD), 66 0F 6F/7F (DQA).
        String[][] moves = {{"", "10", "11", "vmovups", "0"}, {"66.", "10", "11", "vmovupd", "0"}, {"F3.", "6F", "7F", "vmovdqu", "0"},
                {"", "28", "29", "vmovaps", "1"}, {"66.", "28", "29", "vmovapd", "1"}, {"66.", "6F", "7F", "vmovdqa", "1"}};
        for (String[] m : moves) {
            boolean aligned = m[4].equals("1");
            for (int l = 0; l < 2; l++) {
                String len = l == 0 ? "128" : "256", sz = l == 0 ? "x" : "qq";
                int bytes = 16 << l;
                t.row("VEX." + len + "." + m[0] + "0F " + m[1] + " /r", m[3] + " V" + sz + ",W" + sz,
                        (c, i) -> load(c, i, bytes, aligned), "avx");
                t.row("VEX." + len + "." + m[0] + "0F " + m[2] + " /r", m[3] + " W" + sz + ",V" + sz,
                        (c, i) -> store(c, i, bytes, aligned), "avx");
            }
        }
        for (int l = 0; l < 2; l++) {
            String len = l == 0 ? "128" : "256", sz = l == 0 ? "x" : "qq";
            int bytes = 16 << l;
            t.row("VEX." + len + ".0F 2B /r mem", "vmovntps M" + sz + ",V" + sz, (c, i) -> store(c, i, bytes, true), "avx");
            t.row("VEX." + len + ".66.0F 2B /r mem", "vmovntpd M" + sz + ",V" + sz, (c, i) -> store(c, i, bytes, true), "avx");
            t.row("VEX." + len + ".66.0F E7 /r mem", "vmovntdq M" + sz + ",V" + sz, (c, i) -> store(c, i, bytes, true), "avx");
            t.row("VEX." + len + ".F2.0F F0 /r mem", "vlddqu V" + sz + ",M" + sz, (c, i) -> load(c, i, bytes, false), "avx");
            t.row("VEX." + len + ".66.0F38 2A /r mem", "vmovntdqa V" + sz + ",M" + sz, (c, i) -> load(c, i, bytes, true),
                    l == 0 ? "avx" : "avx2");
        }

        t.row("VEX.LIG.F3.0F 10 /r mem", "vmovss Vx,Md", (c, i) -> loadScalar(c, i, c.mem().read32(c.ea(i)) & 0xFFFFFFFFL), "avx");
        t.row("VEX.LIG.F2.0F 10 /r mem", "vmovsd Vx,Mq", (c, i) -> loadScalar(c, i, c.mem().read64(c.ea(i))), "avx");
        t.row("VEX.LIG.F3.0F 11 /r reg", "vmovss Ux,Hx,Vx", (c, i) -> mergeScalar(c, i, 0xFFFFFFFFL), "avx");
        t.row("VEX.LIG.F2.0F 11 /r reg", "vmovsd Ux,Hx,Vx", (c, i) -> mergeScalar(c, i, -1L), "avx");
        t.row("VEX.128.66.0F 6E /r", "vmovd/vmovq Vx,Ey", (c, i) -> loadScalar(c, i, c.readE(i)), "avx");
        t.row("VEX.128.F3.0F 7E /r", "vmovq Vx,Wq", (c, i) -> loadScalar(c, i, XmmAccess.q(c, i)), "avx");
        t.row("VEX.128.66.0F D6 /r", "vmovq Wq,Vx", AvxMove::movqStore, "avx");

        t.row("VEX.256.0F 50 /r reg", "vmovmskps Gd,Uqq", (c, i) -> signMask(c, i, 32), "avx");
        t.row("VEX.256.66.0F 50 /r reg", "vmovmskpd Gd,Uqq", (c, i) -> signMask(c, i, 64), "avx");
        t.row("VEX.256.66.0F D7 /r reg", "vpmovmskb Gd,Uqq", (c, i) -> signMask(c, i, 8), "avx2");

        t.row("VEX.128.0F 77", "vzeroupper", (c, i) -> java.util.Arrays.fill(c.state.ymmHi, 0), "avx");
        t.row("VEX.256.0F 77", "vzeroall", (c, i) -> {
            java.util.Arrays.fill(c.state.ymmHi, 0);
            java.util.Arrays.fill(c.state.xmm, 0, 32, 0);
        }, "avx");

        // Broadcasts: from memory (AVX) or from the low element of an XMM register (AVX2).
        t.row("VEX.128.66.0F38.W0 18 /r mem", "vbroadcastss Vx,Md", (c, i) -> broadcast(c, i, 4), "avx");
        t.row("VEX.256.66.0F38.W0 18 /r mem", "vbroadcastss Vqq,Md", (c, i) -> broadcast(c, i, 4), "avx");
        t.row("VEX.256.66.0F38.W0 19 /r mem", "vbroadcastsd Vqq,Mq", (c, i) -> broadcast(c, i, 8), "avx");
        t.row("VEX.256.66.0F38.W0 1A /r mem", "vbroadcastf128 Vqq,Mx", (c, i) -> broadcast(c, i, 16), "avx");
        t.row("VEX.128.66.0F38.W0 18 /r reg", "vbroadcastss Vx,Ux", (c, i) -> broadcast(c, i, 4), "avx2");
        t.row("VEX.256.66.0F38.W0 18 /r reg", "vbroadcastss Vqq,Ux", (c, i) -> broadcast(c, i, 4), "avx2");
        t.row("VEX.256.66.0F38.W0 19 /r reg", "vbroadcastsd Vqq,Ux", (c, i) -> broadcast(c, i, 8), "avx2");
        t.row("VEX.256.66.0F38.W0 5A /r mem", "vbroadcasti128 Vqq,Mx", (c, i) -> broadcast(c, i, 16), "avx2");
        String[][] pb = {{"78", "b", "1", "Wb"}, {"79", "w", "2", "Ww"}, {"58", "d", "4", "Wd"}, {"59", "q", "8", "Wq"}};
        for (String[] p : pb) {
            int size = Integer.parseInt(p[2]);
            t.row("VEX.128.66.0F38.W0 " + p[0] + " /r", "vpbroadcast" + p[1] + " Vx," + p[3], (c, i) -> broadcast(c, i, size), "avx2");
            t.row("VEX.256.66.0F38.W0 " + p[0] + " /r", "vpbroadcast" + p[1] + " Vqq," + p[3], (c, i) -> broadcast(c, i, size), "avx2");
        }

        t.row("VEX.256.66.0F3A.W0 18 /r", "vinsertf128 Vqq,Hqq,Wx,Ib", AvxMove::insert128, "avx");
        t.row("VEX.256.66.0F3A.W0 38 /r", "vinserti128 Vqq,Hqq,Wx,Ib", AvxMove::insert128, "avx2");
        t.row("VEX.256.66.0F3A.W0 19 /r", "vextractf128 Wx,Vqq,Ib", AvxMove::extract128, "avx");
        t.row("VEX.256.66.0F3A.W0 39 /r", "vextracti128 Wx,Vqq,Ib", AvxMove::extract128, "avx2");

        // Masked loads and stores: the top bit of each element of VEX.vvvv selects it.
        for (int l = 0; l < 2; l++) {
            String len = l == 0 ? "128" : "256", sz = l == 0 ? "x" : "qq";
            String ext2 = "avx2";
            t.row("VEX." + len + ".66.0F38.W0 2C /r mem", "vmaskmovps V" + sz + ",H" + sz + ",M" + sz, (c, i) -> maskLoad(c, i, 4), "avx");
            t.row("VEX." + len + ".66.0F38.W0 2D /r mem", "vmaskmovpd V" + sz + ",H" + sz + ",M" + sz, (c, i) -> maskLoad(c, i, 8), "avx");
            t.row("VEX." + len + ".66.0F38.W0 2E /r mem", "vmaskmovps M" + sz + ",H" + sz + ",V" + sz, (c, i) -> maskStore(c, i, 4), "avx");
            t.row("VEX." + len + ".66.0F38.W0 2F /r mem", "vmaskmovpd M" + sz + ",H" + sz + ",V" + sz, (c, i) -> maskStore(c, i, 8), "avx");
            t.row("VEX." + len + ".66.0F38.W0 8C /r mem", "vpmaskmovd V" + sz + ",H" + sz + ",M" + sz, (c, i) -> maskLoad(c, i, 4), ext2);
            t.row("VEX." + len + ".66.0F38.W1 8C /r mem", "vpmaskmovq V" + sz + ",H" + sz + ",M" + sz, (c, i) -> maskLoad(c, i, 8), ext2);
            t.row("VEX." + len + ".66.0F38.W0 8E /r mem", "vpmaskmovd M" + sz + ",H" + sz + ",V" + sz, (c, i) -> maskStore(c, i, 4), ext2);
            t.row("VEX." + len + ".66.0F38.W1 8E /r mem", "vpmaskmovq M" + sz + ",H" + sz + ",V" + sz, (c, i) -> maskStore(c, i, 8), ext2);
        }
    }

    // ------------------------------------------------------------------ register file access

    /** Quadword k (0-3) of YMM register n. */
    static long q(CpuState s, int n, int k) {
        return k < 2 ? s.xmm[2 * n + k] : s.ymmHi[2 * n + k - 2];
    }

    static void setQ(CpuState s, int n, int k, long v) {
        if (k < 2) s.xmm[2 * n + k] = v;
        else s.ymmHi[2 * n + k - 2] = v;
    }

    /** Writes an XMM register from a VEX.128 instruction: bits 255:128 become zero. */
    static void setXmm(CpuState s, int n, long lo, long hi) {
        s.xmm[2 * n] = lo;
        s.xmm[2 * n + 1] = hi;
        s.ymmHi[2 * n] = 0;
        s.ymmHi[2 * n + 1] = 0;
    }

    /** The memory operand's address, checked for alignment when the form requires it (#GP). */
    static long address(Cpu c, Insn i, int bytes, boolean aligned) {
        long a = c.ea(i);
        if (aligned && (a & (bytes - 1)) != 0) throw CpuFault.generalProtection();
        return a;
    }

    /** Checks a load of bytes at a as one access (both pages, canonical end), then leaves the reading to the caller. */
    static void checkLoad(Cpu c, long a, int bytes) {
        XmmAccess.checkStraddling(c.mem(), a, bytes, Access.READ);
    }

    // ------------------------------------------------------------------ moves

    private static void load(Cpu c, Insn i, int bytes, boolean aligned) {
        CpuState s = c.state;
        long q0, q1, q2 = 0, q3 = 0;
        if (i.mem) {
            long a = address(c, i, bytes, aligned);
            checkLoad(c, a, bytes);
            Tlb m = c.mem();
            q0 = m.read64(a);
            q1 = m.read64(a + 8);
            if (bytes == 32) {
                q2 = m.read64(a + 16);
                q3 = m.read64(a + 24);
            }
        } else {
            q0 = q(s, i.rm, 0);
            q1 = q(s, i.rm, 1);
            if (bytes == 32) {
                q2 = q(s, i.rm, 2);
                q3 = q(s, i.rm, 3);
            }
        }
        setQ(s, i.reg, 0, q0);
        setQ(s, i.reg, 1, q1);
        setQ(s, i.reg, 2, q2);
        setQ(s, i.reg, 3, q3);
    }

    private static void store(Cpu c, Insn i, int bytes, boolean aligned) {
        CpuState s = c.state;
        int n = i.reg;
        if (!i.mem) { // a register destination (ModRM.rm): written whole, high bits zero for VEX.128
            long q0 = q(s, n, 0), q1 = q(s, n, 1), q2 = bytes == 32 ? q(s, n, 2) : 0, q3 = bytes == 32 ? q(s, n, 3) : 0;
            setQ(s, i.rm, 0, q0);
            setQ(s, i.rm, 1, q1);
            setQ(s, i.rm, 2, q2);
            setQ(s, i.rm, 3, q3);
            return;
        }
        long a = address(c, i, bytes, aligned);
        Tlb m = c.mem();
        XmmAccess.checkStraddling(m, a, bytes, Access.WRITE);
        m.probeWrite(a, 8); // a page that is mapped but not writable faults before anything is written
        m.probeWrite(a + bytes - 8, 8);
        for (int k = 0; k < bytes / 8; k++) m.write64(a + 8L * k, q(s, n, k));
    }

    /** VMOVSS/VMOVSD/VMOVD/VMOVQ into a register: the value in the low element, the rest zero. */
    private static void loadScalar(Cpu c, Insn i, long v) {
        setXmm(c.state, i.reg, v, 0);
    }

    /** VMOVSS/VMOVSD xmm1(rm), xmm2(vvvv), xmm3(reg): the low element from xmm3, bits 127 up to it from xmm2. */
    private static void mergeScalar(Cpu c, Insn i, long lowMask) {
        CpuState s = c.state;
        long lo = s.xmm[2 * i.vvvv] & ~lowMask | s.xmm[2 * i.reg] & lowMask;
        setXmm(s, i.rm, lo, s.xmm[2 * i.vvvv + 1]);
    }

    private static void movqStore(Cpu c, Insn i) {
        long v = c.state.xmm[2 * i.reg];
        if (i.mem) c.mem().write64(c.ea(i), v);
        else setXmm(c.state, i.rm, v, 0);
    }

    /** The sign bits of the 32 bytes, 8 dwords or 4 qwords of a YMM register, in a GPR. */
    private static void signMask(Cpu c, Insn i, int width) {
        CpuState s = c.state;
        long m = 0;
        for (int k = 0; k < 4; k++) {
            long v = q(s, i.rm, k);
            long part = switch (width) {
                case 8 -> SseMove.byteSigns(v);
                case 32 -> (v >>> 31 & 1) | (v >>> 62 & 2);
                default -> v >>> 63;
            };
            m |= part << (k * (64 / width));
        }
        c.r[i.reg] = m;
    }

    // ------------------------------------------------------------------ broadcasts, insert, extract

    /** Copies the low element (size bytes, from memory or the source register) to every element of the destination. */
    private static void broadcast(Cpu c, Insn i, int size) {
        CpuState s = c.state;
        long lo, hi;
        if (size == 16) {
            long a = c.ea(i);
            checkLoad(c, a, 16);
            lo = c.mem().read64(a);
            hi = c.mem().read64(a + 8);
        } else {
            long v = i.mem ? c.load(c.ea(i), size) : s.xmm[2 * i.rm];
            v = switch (size) {
                case 1 -> (v & 0xFF) * 0x0101010101010101L;
                case 2 -> (v & 0xFFFF) * 0x0001000100010001L;
                case 4 -> (v & 0xFFFFFFFFL) * 0x0000000100000001L;
                default -> v;
            };
            lo = v;
            hi = v;
        }
        int d = i.reg;
        s.xmm[2 * d] = lo;
        s.xmm[2 * d + 1] = hi;
        boolean wide = i.vexL == 1;
        s.ymmHi[2 * d] = wide ? lo : 0;
        s.ymmHi[2 * d + 1] = wide ? hi : 0;
    }

    /** VINSERTF128/I128 ymm1, ymm2, xmm3/m128, imm8: ymm2 with lane imm8[0] replaced by the source. */
    private static void insert128(Cpu c, Insn i) {
        CpuState s = c.state;
        long lo, hi;
        if (i.mem) {
            long a = c.ea(i);
            checkLoad(c, a, 16);
            lo = c.mem().read64(a);
            hi = c.mem().read64(a + 8);
        } else {
            lo = s.xmm[2 * i.rm];
            hi = s.xmm[2 * i.rm + 1];
        }
        int v = i.vvvv, d = i.reg;
        long q0 = q(s, v, 0), q1 = q(s, v, 1), q2 = q(s, v, 2), q3 = q(s, v, 3);
        if ((i.imm & 1) == 0) {
            q0 = lo;
            q1 = hi;
        } else {
            q2 = lo;
            q3 = hi;
        }
        setQ(s, d, 0, q0);
        setQ(s, d, 1, q1);
        setQ(s, d, 2, q2);
        setQ(s, d, 3, q3);
    }

    /** VEXTRACTF128/I128 xmm1/m128, ymm2, imm8: lane imm8[0] of ymm2. */
    private static void extract128(Cpu c, Insn i) {
        CpuState s = c.state;
        int k = (int) (i.imm & 1) * 2;
        long lo = q(s, i.reg, k), hi = q(s, i.reg, k + 1);
        if (i.mem) XmmAccess.store128(c, c.ea(i), lo, hi);
        else setXmm(s, i.rm, lo, hi);
    }

    // ------------------------------------------------------------------ masked moves

    /**
     * VMASKMOVPS/PD, VPMASKMOVD/Q loads: the elements whose mask element (VEX.vvvv) has its top
     * bit set are read, the others are zero. A masked-out element is never accessed: it cannot
     * fault (SDM Vol. 2B "VMASKMOV": faults are reported only for the selected elements).
     */
    private static void maskLoad(Cpu c, Insn i, int size) {
        CpuState s = c.state;
        int quads = i.vexL == 1 ? 4 : 2;
        long a = c.ea(i);
        long[] r = s.xmm; // results in the scratch entries 32-35 (the lane adapter's, free between instructions)
        for (int k = 0; k < quads; k++) {
            long mask = q(s, i.vvvv, k), v = 0;
            for (int e = 0; e < 8 / size; e++) {
                int bit = 8 * size * (e + 1) - 1;
                if ((mask >>> bit & 1) != 0) {
                    long x = c.load(a + 8L * k + (long) size * e, size);
                    v |= size == 8 ? x : x << (32 * e);
                }
            }
            r[32 + k] = v;
        }
        for (int k = 0; k < 4; k++) setQ(s, i.reg, k, k < quads ? r[32 + k] : 0);
    }

    /** The masked stores: only the selected elements are written, after all of them were checked. */
    private static void maskStore(Cpu c, Insn i, int size) {
        CpuState s = c.state;
        int quads = i.vexL == 1 ? 4 : 2;
        long a = c.ea(i);
        Tlb m = c.mem();
        for (int pass = 0; pass < 2; pass++) { // first check every selected element, then write
            for (int k = 0; k < quads; k++) {
                long mask = q(s, i.vvvv, k), v = q(s, i.reg, k);
                for (int e = 0; e < 8 / size; e++) {
                    int bit = 8 * size * (e + 1) - 1;
                    if ((mask >>> bit & 1) == 0) continue;
                    long at = a + 8L * k + (long) size * e;
                    if (pass == 0) {
                        if (!Cpu.isCanonical(at) || !Cpu.isCanonical(at + size - 1)) m.translate(at + size - 1, Access.WRITE);
                        m.probeWrite(at, size);
                    } else {
                        c.store(at, size, size == 8 ? v : v >>> (32 * e));
                    }
                }
            }
        }
    }
}
