package jvisor.cpu.insn;

import jvisor.cpu.Cpu;
import jvisor.cpu.Flags;
import jvisor.cpu.Reg;
import jvisor.cpu.decode.Insn;
import jvisor.cpu.decode.OpcodeTable;

/**
 * SSE4.2 (Intel SDM Vol. 1, 12.11 "SSE4.2 Instruction Set"; Vol. 2, the instructions' pages and
 * section 4.1 "Imm8 Control Byte Operation for PCMPESTRI / PCMPESTRM / PCMPISTRI / PCMPISTRM"):
 * <pre>
 *   66 0F 38 37 /r     PCMPGTQ   xmm1, xmm2/m128         signed qword compare
 *   66 0F 3A 60 /r ib  PCMPESTRM xmm1, xmm2/m128, imm8   explicit lengths EAX/EDX (RAX/RDX with REX.W), mask to XMM0
 *   66 0F 3A 61 /r ib  PCMPESTRI xmm1, xmm2/m128, imm8   explicit lengths, index to ECX
 *   66 0F 3A 62 /r ib  PCMPISTRM xmm1, xmm2/m128, imm8   implicit (NUL-terminated) lengths, mask to XMM0
 *   66 0F 3A 63 /r ib  PCMPISTRI xmm1, xmm2/m128, imm8   implicit lengths, index to ECX
 *   F2 0F 38 F0 /r     CRC32     r32/r64, r/m8            CRC-32C (Castagnoli) accumulation
 *   F2 0F 38 F1 /r     CRC32     r32/r64, r/m16/32/64     (66: 16-bit source; REX.W: 64-bit source and destination)
 * </pre>
 *
 * <p><b>String compares</b> (SDM Vol. 2, 4.1). The first operand (xmm1, "a" here) is the set,
 * range list or needle, the second (xmm2/m128, "b") the text. imm8[1:0] selects the elements: 16
 * unsigned bytes, 8 unsigned words, 16 signed bytes, 8 signed words. Lengths: explicit ones are
 * the absolute value of EAX/EDX (RAX/RDX with REX.W) saturated to 16 or 8; implicit ones end at
 * the first zero element. imm8[3:2] selects the aggregation of the comparisons a[i] op b[j] into
 * IntRes1, with invalid (past-the-length) elements overriding the comparison as in Table 4-7:
 * <pre>
 *   a elt    b elt    equal any   ranges      equal each   equal ordered
 *   invalid  invalid  false       false       true         true
 *   invalid  valid    false       false       false        true
 *   valid    invalid  false       false       false        false
 * </pre>
 * <ul>
 *   <li>00 equal any: IntRes1[j] = b[j] equals some a[i];</li>
 *   <li>01 ranges: IntRes1[j] = a[i] &lt;= b[j] &lt;= a[i+1] for some even i (signed or unsigned per imm8[1]);</li>
 *   <li>10 equal each: IntRes1[i] = a[i] == b[i];</li>
 *   <li>11 equal ordered: IntRes1[j] = AND over i of (a[i] == b[j+i]) for i, j+i &lt;= UpperBound, so a
 *       needle running past the end of a full 16-byte fragment still matches at its tail.</li>
 * </ul>
 * imm8[5:4] is the polarity: 00/10 IntRes2 = IntRes1, 01 all bits inverted, 11 only the bits of
 * valid b elements inverted. imm8[6] chooses the most (1) or least (0) significant set bit of
 * IntRes2 as the index (the element count when none is set), or for the M forms a byte/word mask
 * (1) or the bit mask zero-extended (0). imm8[7] is ignored. Flags: CF = IntRes2 != 0, ZF = b
 * shorter than a full register, SF = a shorter than a full register, OF = IntRes2[0], AF = PF = 0.
 * The memory operand of these four needs no alignment (SDM Vol. 2, Table 2-21, the exception for
 * PCMPxSTRx); ECX is written zero-extended to RCX.
 *
 * <p><b>CRC32</b> accumulates the source into the CRC in the destination's low 32 bits with the
 * reflected polynomial 0x82F63B78, least significant byte first, with no inversion before or
 * after: the raw update that java.util.zip.CRC32C wraps as ~update(~crc, data). The result is
 * written zero-extended to the 64-bit register.
 */
final class Sse42 {
    private Sse42() {}

    static void register(OpcodeTable t) {
        t.row("66 0F 38 37 /r", "pcmpgtq Vx,Wx", Sse42::pcmpgtq);
        t.row("66 0F 3A 60 /r", "pcmpestrm Vx,Wx,Ib", (c, i) -> pcmpstr(c, i, true, true));
        t.row("66 0F 3A 61 /r", "pcmpestri Vx,Wx,Ib", (c, i) -> pcmpstr(c, i, true, false));
        t.row("66 0F 3A 62 /r", "pcmpistrm Vx,Wx,Ib", (c, i) -> pcmpstr(c, i, false, true));
        t.row("66 0F 3A 63 /r", "pcmpistri Vx,Wx,Ib", (c, i) -> pcmpstr(c, i, false, false));
        t.row("F2 0F 38 F0 /r", "crc32 Gd,Eb", Sse42::crc32);
        t.row("F2 0F 38 F1 /r", "crc32 Gd,Ev", Sse42::crc32);
    }

    private static void pcmpgtq(Cpu c, Insn i) {
        long ad = XmmAccess.wAddr(c, i);
        long s0 = XmmAccess.lo(c, i, ad), s1 = XmmAccess.hi(c, i, ad);
        long[] x = c.state.xmm;
        int d = XmmAccess.v(i);
        x[d] = x[d] > s0 ? -1L : 0;
        x[d + 1] = x[d + 1] > s1 ? -1L : 0;
    }

    // ------------------------------------------------------------------ PCMPxSTRx

    private static void pcmpstr(Cpu c, Insn i, boolean explicit, boolean mask) {
        long b0, b1;
        if (i.mem) {
            long a = c.ea(i); // no alignment requirement
            b0 = c.mem().read64(a);
            b1 = c.mem().read64(a + 8);
        } else {
            b0 = c.state.xmm[XmmAccess.u(i)];
            b1 = c.state.xmm[XmmAccess.u(i) + 1];
        }
        long[] x = c.state.xmm;
        int v = XmmAccess.v(i);
        long a0 = x[v], a1 = x[v + 1];
        int imm = (int) i.imm & 0xFF;
        int n = (imm & 1) != 0 ? 8 : 16;
        int la, lb;
        if (explicit) {
            boolean w = i.hasPrefix(Insn.P_REXW);
            la = explicitLength(c.r[Reg.RAX], w, n);
            lb = explicitLength(c.r[Reg.RDX], w, n);
        } else {
            la = implicitLength(a0, a1, n);
            lb = implicitLength(b0, b1, n);
        }
        int res = aggregate(a0, a1, la, b0, b1, lb, imm, n);
        switch (imm >>> 4 & 3) {
            case 1 -> res ^= (1 << n) - 1;
            case 3 -> res ^= (1 << lb) - 1;
            default -> { }
        }
        long f = 0;
        if (res != 0) f |= Flags.CF;
        if (lb < n) f |= Flags.ZF;
        if (la < n) f |= Flags.SF;
        if ((res & 1) != 0) f |= Flags.OF;
        if (mask) {
            if ((imm & 0x40) == 0) {
                x[0] = res;
                x[1] = 0;
            } else {
                x[0] = expand(res, n, 0);
                x[1] = expand(res, n, n / 2);
            }
        } else {
            int index = res == 0 ? n : (imm & 0x40) != 0 ? 31 - Integer.numberOfLeadingZeros(res) : Integer.numberOfTrailingZeros(res);
            c.r[Reg.RCX] = index;
        }
        Flags.setEager(c.state, f);
    }

    /** |v| saturated to n; v is EAX sign-extended, or RAX with REX.W. */
    static int explicitLength(long v, boolean rexW, int n) {
        if (!rexW) v = (int) v;
        return v >= -n && v <= n ? (int) Math.abs(v) : n;
    }

    /** The index of the first zero element, or n. */
    static int implicitLength(long lo, long hi, int n) {
        for (int k = 0; k < n; k++) if (element(lo, hi, k, n == 8 ? 1 : 0) == 0) return k;
        return n;
    }

    /** Element k as imm8[1:0] reads it: 0 unsigned byte, 1 unsigned word, 2 signed byte, 3 signed word. */
    static int element(long lo, long hi, int k, int type) {
        if ((type & 1) == 0) {
            long q = k < 8 ? lo : hi;
            int b = (int) (q >>> ((k & 7) << 3));
            return (type & 2) != 0 ? (byte) b : b & 0xFF;
        }
        long q = k < 4 ? lo : hi;
        int w = (int) (q >>> ((k & 3) << 4));
        return (type & 2) != 0 ? (short) w : w & 0xFFFF;
    }

    /** IntRes1 (SDM 4.1.3): bit j from the comparisons of the valid elements, invalid ones overridden per Table 4-7. */
    static int aggregate(long a0, long a1, int la, long b0, long b1, int lb, int imm, int n) {
        int type = imm & 3;
        int res = 0;
        switch (imm >>> 2 & 3) {
            case 0 -> { // equal any
                for (int j = 0; j < lb; j++) {
                    int e = element(b0, b1, j, type);
                    for (int k = 0; k < la; k++) {
                        if (element(a0, a1, k, type) == e) {
                            res |= 1 << j;
                            break;
                        }
                    }
                }
            }
            case 1 -> { // ranges: pairs (a[k], a[k+1]) with both elements valid
                for (int j = 0; j < lb; j++) {
                    int e = element(b0, b1, j, type);
                    for (int k = 0; k + 1 < la; k += 2) {
                        if (element(a0, a1, k, type) <= e && e <= element(a0, a1, k + 1, type)) {
                            res |= 1 << j;
                            break;
                        }
                    }
                }
            }
            case 2 -> { // equal each
                for (int k = 0; k < n; k++) {
                    boolean va = k < la, vb = k < lb;
                    boolean r = va && vb ? element(a0, a1, k, type) == element(b0, b1, k, type) : !va && !vb;
                    if (r) res |= 1 << k;
                }
            }
            default -> { // equal ordered: a invalid forces true, a valid with b invalid forces false
                for (int j = 0; j < n; j++) {
                    boolean r = true;
                    for (int k = 0; k < la && j + k < n; k++) {
                        if (j + k >= lb || element(a0, a1, k, type) != element(b0, b1, j + k, type)) {
                            r = false;
                            break;
                        }
                    }
                    if (r) res |= 1 << j;
                }
            }
        }
        return res;
    }

    /** Eight bytes (or four words) of the byte/word mask of IntRes2, from element first on. */
    private static long expand(int res, int n, int first) {
        long r = 0;
        if (n == 16) {
            for (int k = 0; k < 8; k++) if ((res >>> (first + k) & 1) != 0) r |= 0xFFL << (8 * k);
        } else {
            for (int k = 0; k < 4; k++) if ((res >>> (first + k) & 1) != 0) r |= 0xFFFFL << (16 * k);
        }
        return r;
    }

    // ------------------------------------------------------------------ CRC32

    /** CRC-32C table for the reflected polynomial 0x82F63B78 (byte-at-a-time). */
    private static final int[] CRC_TABLE = new int[256];

    static {
        for (int n = 0; n < 256; n++) {
            int v = n;
            for (int k = 0; k < 8; k++) v = (v & 1) != 0 ? (v >>> 1) ^ 0x82F63B78 : v >>> 1;
            CRC_TABLE[n] = v;
        }
    }

    /** The raw CRC-32C update of crc by the low size bytes of data, least significant first. */
    static int crc32c(int crc, long data, int size) {
        for (int k = 0; k < size; k++) {
            crc = CRC_TABLE[(crc ^ (int) (data >>> (8 * k))) & 0xFF] ^ (crc >>> 8);
        }
        return crc;
    }

    private static void crc32(Cpu c, Insn i) {
        long src = c.readE(i);
        int crc = (int) c.r[i.reg];
        c.r[i.reg] = crc32c(crc, src, i.opsize) & 0xFFFFFFFFL;
    }
}
