package jvisor.cpu.insn;

import jvisor.cpu.Cpu;
import jvisor.cpu.decode.Insn;
import jvisor.cpu.decode.OpcodeTable;

/**
 * SSE2 packed integer instructions on XMM registers (Intel SDM Vol. 1, 11.4.3; Vol. 2, the
 * instructions' pages): PADD/PSUB B/W/D/Q, the saturating PADDUS/PSUBUS/PADDS/PSUBS B/W,
 * PCMPEQ B/W/D, PCMPGT B/W/D, PAND, PANDN, POR, PXOR, PMINUB, PMAXUB, PMINSW, PMAXSW, PAVGB,
 * PAVGW, PSADBW, PMULLW, PMULHW, PMULHUW, PMULUDQ, PMADDWD, the shifts PSLL/PSRL/PSRA W/D/Q by
 * immediate (the 66 0F 71/72/73 groups) and by an XMM/m128 count, PSLLDQ, PSRLDQ, the unpacks
 * PUNPCKL/H BW/WD/DQ/QDQ, the packs PACKSSWB, PACKUSWB, PACKSSDW, the shuffles PSHUFD, PSHUFLW,
 * PSHUFHW, and PINSRW, PEXTRW.
 *
 * <p>Only the 66-prefixed XMM forms are declared: the MMX forms (no prefix) raise #UD, as on a
 * CPU that does not advertise MMX. A 128-bit memory operand must be 16-byte aligned (#GP).
 *
 * <p>Most operations work on each 64-bit half independently ({@link #half}), with SWAR tricks for
 * the ones string functions use in their inner loops; nothing allocates.
 */
final class SseInteger {
    private SseInteger() {}

    // Operations that treat the two quadword halves independently.
    private static final int PADDB = 0, PADDW = 1, PADDD = 2, PADDQ = 3, PSUBB = 4, PSUBW = 5, PSUBD = 6, PSUBQ = 7,
            PADDUSB = 8, PADDUSW = 9, PSUBUSB = 10, PSUBUSW = 11, PADDSB = 12, PADDSW = 13, PSUBSB = 14, PSUBSW = 15,
            PCMPEQB = 16, PCMPEQW = 17, PCMPEQD = 18, PCMPGTB = 19, PCMPGTW = 20, PCMPGTD = 21,
            PAND = 22, PANDN = 23, POR = 24, PXOR = 25, PMINUB = 26, PMAXUB = 27, PMINSW = 28, PMAXSW = 29,
            PAVGB = 30, PAVGW = 31, PSADBW = 32, PMULLW = 33, PMULHW = 34, PMULHUW = 35, PMULUDQ = 36, PMADDWD = 37;

    // Whole-register operations.
    private static final int PUNPCKLBW = 0, PUNPCKLWD = 1, PUNPCKLDQ = 2, PUNPCKLQDQ = 3, PUNPCKHBW = 4,
            PUNPCKHWD = 5, PUNPCKHDQ = 6, PUNPCKHQDQ = 7, PACKSSWB = 8, PACKUSWB = 9, PACKSSDW = 10;

    // Shift kinds.
    static final int SRL = 0, SRA = 1, SLL = 2;

    /** The lane-wise operations by mnemonic (for the translator, which computes them with {@link #op64}). */
    private static final java.util.Map<String, Integer> HALF_OPS = new java.util.HashMap<>();

    private static final long H8 = 0x8080808080808080L, L8 = 0x7F7F7F7F7F7F7F7FL;
    private static final long H16 = 0x8000800080008000L, L16 = 0x7FFF7FFF7FFF7FFFL;

    static void register(OpcodeTable t) {
        half(t, "FC", "paddb", PADDB);
        half(t, "FD", "paddw", PADDW);
        half(t, "FE", "paddd", PADDD);
        half(t, "D4", "paddq", PADDQ);
        half(t, "F8", "psubb", PSUBB);
        half(t, "F9", "psubw", PSUBW);
        half(t, "FA", "psubd", PSUBD);
        half(t, "FB", "psubq", PSUBQ);
        half(t, "DC", "paddusb", PADDUSB);
        half(t, "DD", "paddusw", PADDUSW);
        half(t, "D8", "psubusb", PSUBUSB);
        half(t, "D9", "psubusw", PSUBUSW);
        half(t, "EC", "paddsb", PADDSB);
        half(t, "ED", "paddsw", PADDSW);
        half(t, "E8", "psubsb", PSUBSB);
        half(t, "E9", "psubsw", PSUBSW);
        half(t, "74", "pcmpeqb", PCMPEQB);
        half(t, "75", "pcmpeqw", PCMPEQW);
        half(t, "76", "pcmpeqd", PCMPEQD);
        half(t, "64", "pcmpgtb", PCMPGTB);
        half(t, "65", "pcmpgtw", PCMPGTW);
        half(t, "66", "pcmpgtd", PCMPGTD);
        half(t, "DB", "pand", PAND);
        half(t, "DF", "pandn", PANDN);
        half(t, "EB", "por", POR);
        half(t, "EF", "pxor", PXOR);
        half(t, "DA", "pminub", PMINUB);
        half(t, "DE", "pmaxub", PMAXUB);
        half(t, "EA", "pminsw", PMINSW);
        half(t, "EE", "pmaxsw", PMAXSW);
        half(t, "E0", "pavgb", PAVGB);
        half(t, "E3", "pavgw", PAVGW);
        half(t, "F6", "psadbw", PSADBW);
        half(t, "D5", "pmullw", PMULLW);
        half(t, "E5", "pmulhw", PMULHW);
        half(t, "E4", "pmulhuw", PMULHUW);
        half(t, "F4", "pmuludq", PMULUDQ);
        half(t, "F5", "pmaddwd", PMADDWD);

        whole(t, "60", "punpcklbw", PUNPCKLBW);
        whole(t, "61", "punpcklwd", PUNPCKLWD);
        whole(t, "62", "punpckldq", PUNPCKLDQ);
        whole(t, "6C", "punpcklqdq", PUNPCKLQDQ);
        whole(t, "68", "punpckhbw", PUNPCKHBW);
        whole(t, "69", "punpckhwd", PUNPCKHWD);
        whole(t, "6A", "punpckhdq", PUNPCKHDQ);
        whole(t, "6D", "punpckhqdq", PUNPCKHQDQ);
        whole(t, "63", "packsswb", PACKSSWB);
        whole(t, "67", "packuswb", PACKUSWB);
        whole(t, "6B", "packssdw", PACKSSDW);

        // Shifts by the count in an XMM register or m128 (its low quadword, unsigned).
        t.row("66 0F D1 /r", "psrlw Vx,Wx", (c, i) -> shiftByXmm(c, i, SRL, 16));
        t.row("66 0F D2 /r", "psrld Vx,Wx", (c, i) -> shiftByXmm(c, i, SRL, 32));
        t.row("66 0F D3 /r", "psrlq Vx,Wx", (c, i) -> shiftByXmm(c, i, SRL, 64));
        t.row("66 0F E1 /r", "psraw Vx,Wx", (c, i) -> shiftByXmm(c, i, SRA, 16));
        t.row("66 0F E2 /r", "psrad Vx,Wx", (c, i) -> shiftByXmm(c, i, SRA, 32));
        t.row("66 0F F1 /r", "psllw Vx,Wx", (c, i) -> shiftByXmm(c, i, SLL, 16));
        t.row("66 0F F2 /r", "pslld Vx,Wx", (c, i) -> shiftByXmm(c, i, SLL, 32));
        t.row("66 0F F3 /r", "psllq Vx,Wx", (c, i) -> shiftByXmm(c, i, SLL, 64));
        // Shifts by an immediate: groups 12, 13, 14 (register operand only).
        t.row("66 0F 71 /2 reg", "psrlw Ux,Ib", (c, i) -> shiftByImm(c, i, SRL, 16));
        t.row("66 0F 71 /4 reg", "psraw Ux,Ib", (c, i) -> shiftByImm(c, i, SRA, 16));
        t.row("66 0F 71 /6 reg", "psllw Ux,Ib", (c, i) -> shiftByImm(c, i, SLL, 16));
        t.row("66 0F 72 /2 reg", "psrld Ux,Ib", (c, i) -> shiftByImm(c, i, SRL, 32));
        t.row("66 0F 72 /4 reg", "psrad Ux,Ib", (c, i) -> shiftByImm(c, i, SRA, 32));
        t.row("66 0F 72 /6 reg", "pslld Ux,Ib", (c, i) -> shiftByImm(c, i, SLL, 32));
        t.row("66 0F 73 /2 reg", "psrlq Ux,Ib", (c, i) -> shiftByImm(c, i, SRL, 64));
        t.row("66 0F 73 /6 reg", "psllq Ux,Ib", (c, i) -> shiftByImm(c, i, SLL, 64));
        t.row("66 0F 73 /3 reg", "psrldq Ux,Ib", SseInteger::psrldq);
        t.row("66 0F 73 /7 reg", "pslldq Ux,Ib", SseInteger::pslldq);

        t.row("66 0F 70 /r", "pshufd Vx,Wx,Ib", SseInteger::pshufd);
        t.row("F2 0F 70 /r", "pshuflw Vx,Wx,Ib", SseInteger::pshuflw);
        t.row("F3 0F 70 /r", "pshufhw Vx,Wx,Ib", SseInteger::pshufhw);
        t.row("66 0F C4 /r", "pinsrw Vx,Ew,Ib", SseInteger::pinsrw);
        t.row("66 0F C5 /r reg", "pextrw Gd,Ux,Ib", SseInteger::pextrw);
    }

    private static void half(OpcodeTable t, String opcode, String name, int op) {
        HALF_OPS.put(name, op);
        t.row("66 0F " + opcode + " /r", name + " Vx,Wx", (c, i) -> half(c, i, op));
    }

    private static void whole(OpcodeTable t, String opcode, String name, int op) {
        t.row("66 0F " + opcode + " /r", name + " Vx,Wx", (c, i) -> whole(c, i, op));
    }

    private static void half(Cpu c, Insn i, int op) {
        long a = XmmAccess.wAddr(c, i);
        long s0 = XmmAccess.lo(c, i, a), s1 = XmmAccess.hi(c, i, a);
        long[] x = c.state.xmm;
        int d = XmmAccess.v(i);
        x[d] = op64(op, x[d], s0);
        x[d + 1] = op64(op, x[d + 1], s1);
    }

    /** The number of the lane-wise operation with this mnemonic (paddb ... pmaddwd), or -1. */
    static int halfOp(String name) {
        return HALF_OPS.getOrDefault(name, -1);
    }

    /** One 64-bit half of a lane-wise operation: a is the destination's half, b the source's. */
    static long op64(int op, long a, long b) {
        switch (op) {
            case PADDB: return ((a & L8) + (b & L8)) ^ ((a ^ b) & H8);
            case PADDW: return ((a & L16) + (b & L16)) ^ ((a ^ b) & H16);
            case PADDD: return ((a + b) & 0xFFFFFFFFL) | ((a & 0xFFFFFFFF00000000L) + (b & 0xFFFFFFFF00000000L));
            case PADDQ: return a + b;
            case PSUBB: return ((a | H8) - (b & L8)) ^ ((a ^ ~b) & H8);
            case PSUBW: return ((a | H16) - (b & L16)) ^ ((a ^ ~b) & H16);
            case PSUBD: return ((a - b) & 0xFFFFFFFFL) | ((a & 0xFFFFFFFF00000000L) - (b & 0xFFFFFFFF00000000L));
            case PSUBQ: return a - b;
            case PCMPEQB: return eqMask8(a ^ b);
            case PCMPEQW: {
                long r = 0;
                for (int k = 0; k < 64; k += 16) if (((a ^ b) >>> k & 0xFFFF) == 0) r |= 0xFFFFL << k;
                return r;
            }
            case PCMPEQD: return ((int) a == (int) b ? 0xFFFFFFFFL : 0) | ((a ^ b) >>> 32 == 0 ? 0xFFFFFFFF00000000L : 0);
            case PAND: return a & b;
            case PANDN: return ~a & b;
            case POR: return a | b;
            case PXOR: return a ^ b;
            case PMULUDQ: return (a & 0xFFFFFFFFL) * (b & 0xFFFFFFFFL);
            case PSADBW: {
                long sum = 0;
                for (int k = 0; k < 64; k += 8) sum += Math.abs((int) (a >>> k & 0xFF) - (int) (b >>> k & 0xFF));
                return sum;
            }
            case PMADDWD: {
                long lo = (long) (short) a * (short) b + (long) (short) (a >>> 16) * (short) (b >>> 16);
                long hi = (long) (short) (a >>> 32) * (short) (b >>> 32) + (long) (short) (a >>> 48) * (short) (b >>> 48);
                return (lo & 0xFFFFFFFFL) | (hi << 32);
            }
            case PCMPGTD:
                return ((int) a > (int) b ? 0xFFFFFFFFL : 0) | ((int) (a >>> 32) > (int) (b >>> 32) ? 0xFFFFFFFF00000000L : 0);
            case PADDUSB, PSUBUSB, PADDSB, PSUBSB, PCMPGTB, PMINUB, PMAXUB, PAVGB:
                return bytes(op, a, b);
            default:
                return words(op, a, b);
        }
    }

    /** 0xFF in each byte of x that is zero, 0x00 elsewhere (exact: no carries between bytes). */
    private static long eqMask8(long x) {
        long nonzero = ((x & L8) + L8) | x; // bit 7 of each byte set iff the byte is nonzero
        long zeroBits = ~nonzero & H8;
        return (zeroBits >>> 7) * 0xFF;
    }

    /** Byte-lane operations, one byte at a time. */
    private static long bytes(int op, long a, long b) {
        long r = 0;
        for (int k = 0; k < 64; k += 8) {
            int x = (int) (a >>> k) & 0xFF, y = (int) (b >>> k) & 0xFF;
            int v = switch (op) {
                case PADDUSB -> Math.min(x + y, 0xFF);
                case PSUBUSB -> Math.max(x - y, 0);
                case PADDSB -> clamp((byte) x + (byte) y, -128, 127);
                case PSUBSB -> clamp((byte) x - (byte) y, -128, 127);
                case PCMPGTB -> (byte) x > (byte) y ? 0xFF : 0;
                case PMINUB -> Math.min(x, y);
                case PMAXUB -> Math.max(x, y);
                default -> (x + y + 1) >>> 1; // PAVGB
            };
            r |= (long) (v & 0xFF) << k;
        }
        return r;
    }

    /** Word-lane operations, one word at a time. */
    private static long words(int op, long a, long b) {
        long r = 0;
        for (int k = 0; k < 64; k += 16) {
            int x = (int) (a >>> k) & 0xFFFF, y = (int) (b >>> k) & 0xFFFF;
            int v = switch (op) {
                case PADDUSW -> Math.min(x + y, 0xFFFF);
                case PSUBUSW -> Math.max(x - y, 0);
                case PADDSW -> clamp((short) x + (short) y, -32768, 32767);
                case PSUBSW -> clamp((short) x - (short) y, -32768, 32767);
                case PCMPGTW -> (short) x > (short) y ? 0xFFFF : 0;
                case PMINSW -> Math.min((short) x, (short) y);
                case PMAXSW -> Math.max((short) x, (short) y);
                case PAVGW -> (x + y + 1) >>> 1;
                case PMULLW -> x * y;
                case PMULHW -> ((short) x * (short) y) >> 16;
                default -> (x * y) >>> 16; // PMULHUW
            };
            r |= (long) (v & 0xFFFF) << k;
        }
        return r;
    }

    private static int clamp(int v, int min, int max) {
        return v < min ? min : Math.min(v, max);
    }

    // ------------------------------------------------------------------ whole-register operations

    private static void whole(Cpu c, Insn i, int op) {
        long a = XmmAccess.wAddr(c, i);
        long s0 = XmmAccess.lo(c, i, a), s1 = XmmAccess.hi(c, i, a);
        long[] x = c.state.xmm;
        int d = XmmAccess.v(i);
        long d0 = x[d], d1 = x[d + 1];
        long r0, r1;
        switch (op) {
            case PUNPCKLBW -> { r0 = spread8(d0) | spread8(s0) << 8; r1 = spread8(d0 >>> 32) | spread8(s0 >>> 32) << 8; }
            case PUNPCKHBW -> { r0 = spread8(d1) | spread8(s1) << 8; r1 = spread8(d1 >>> 32) | spread8(s1 >>> 32) << 8; }
            case PUNPCKLWD -> { r0 = spread16(d0) | spread16(s0) << 16; r1 = spread16(d0 >>> 32) | spread16(s0 >>> 32) << 16; }
            case PUNPCKHWD -> { r0 = spread16(d1) | spread16(s1) << 16; r1 = spread16(d1 >>> 32) | spread16(s1 >>> 32) << 16; }
            case PUNPCKLDQ -> { r0 = (d0 & 0xFFFFFFFFL) | s0 << 32; r1 = (d0 >>> 32) | (s0 & 0xFFFFFFFF00000000L); }
            case PUNPCKHDQ -> { r0 = (d1 & 0xFFFFFFFFL) | s1 << 32; r1 = (d1 >>> 32) | (s1 & 0xFFFFFFFF00000000L); }
            case PUNPCKLQDQ -> { r0 = d0; r1 = s0; }
            case PUNPCKHQDQ -> { r0 = d1; r1 = s1; }
            default -> { r0 = pack(op, d0, d1); r1 = pack(op, s0, s1); } // PACKSSWB, PACKUSWB, PACKSSDW
        }
        x[d] = r0;
        x[d + 1] = r1;
    }

    /**
     * One quadword of a pack (PACKSSWB, PACKUSWB, PACKSSDW, by mnemonic for the translator's
     * {@link SimdSemantics#pack}): the saturated elements of lo in its low half, of hi in its high half.
     */
    static long pack(int op, long lo, long hi) {
        return switch (op) {
            case PACKSSWB -> packSsWb(lo) | packSsWb(hi) << 32;
            case PACKUSWB -> packUsWb(lo) | packUsWb(hi) << 32;
            default -> packSsDw(lo) | packSsDw(hi) << 32;
        };
    }

    /** The number of the pack named (packsswb, packuswb, packssdw), or -1. */
    static int packOp(String name) {
        return switch (name) {
            case "packsswb" -> PACKSSWB;
            case "packuswb" -> PACKUSWB;
            case "packssdw" -> PACKSSDW;
            default -> -1;
        };
    }

    /** The four low bytes of v spread to the even bytes of the result. */
    private static long spread8(long v) {
        v &= 0xFFFFFFFFL;
        v = (v | v << 16) & 0x0000FFFF0000FFFFL;
        return (v | v << 8) & 0x00FF00FF00FF00FFL;
    }

    /** The two low words of v spread to words 0 and 2 of the result. */
    private static long spread16(long v) {
        v &= 0xFFFFFFFFL;
        return (v | v << 16) & 0x0000FFFF0000FFFFL;
    }

    /** Four signed words to four signed-saturated bytes (in the low 32 bits). */
    private static long packSsWb(long v) {
        long r = 0;
        for (int k = 0; k < 4; k++) r |= (long) (clamp((short) (v >>> (16 * k)), -128, 127) & 0xFF) << (8 * k);
        return r;
    }

    private static long packUsWb(long v) {
        long r = 0;
        for (int k = 0; k < 4; k++) r |= (long) clamp((short) (v >>> (16 * k)), 0, 255) << (8 * k);
        return r;
    }

    /** Two signed dwords to two signed-saturated words. */
    private static long packSsDw(long v) {
        long lo = clamp((int) v, -32768, 32767) & 0xFFFF, hi = clamp((int) (v >>> 32), -32768, 32767) & 0xFFFF;
        return lo | hi << 16;
    }

    // ------------------------------------------------------------------ shifts

    private static void shiftByXmm(Cpu c, Insn i, int kind, int width) {
        long a = XmmAccess.wAddr(c, i);
        long count = XmmAccess.lo(c, i, a);
        if (i.mem) XmmAccess.hi(c, i, a); // the whole m128 operand is read
        int d = XmmAccess.v(i);
        shift(c.state.xmm, d, kind, width, count);
    }

    private static void shiftByImm(Cpu c, Insn i, int kind, int width) {
        shift(c.state.xmm, XmmAccess.u(i), kind, width, i.imm & 0xFF);
    }

    /** Shifts each lane of register index d; a count of at least the lane width (unsigned) clears or sign-fills. */
    private static void shift(long[] x, int d, int kind, int width, long count) {
        boolean big = Long.compareUnsigned(count, width) >= 0;
        int n = (int) count;
        x[d] = shift64(x[d], kind, width, n, big);
        x[d + 1] = shift64(x[d + 1], kind, width, n, big);
    }

    static long shift64(long v, int kind, int width, int n, boolean big) {
        if (width == 64) {
            if (kind == SLL) return big ? 0 : v << n;
            if (kind == SRL) return big ? 0 : v >>> n;
            return v >> (big ? 63 : n); // no PSRAQ in SSE2; kept for completeness
        }
        if (kind != SRA && big) return 0;
        if (kind == SRA && big) n = width - 1;
        long r = 0;
        long m = width == 16 ? 0xFFFFL : 0xFFFFFFFFL;
        for (int k = 0; k < 64; k += width) {
            long lane = v >>> k & m;
            long s = switch (kind) {
                case SLL -> lane << n;
                case SRL -> lane >>> n;
                default -> (width == 16 ? (long) (short) lane : (long) (int) lane) >> n;
            };
            r |= (s & m) << k;
        }
        return r;
    }

    private static void psrldq(Cpu c, Insn i) {
        long[] x = c.state.xmm;
        int d = XmmAccess.u(i);
        int n = (int) (i.imm & 0xFF);
        long lo = x[d], hi = x[d + 1];
        if (n >= 16) { lo = 0; hi = 0; }
        else if (n >= 8) { lo = hi >>> (8 * (n - 8)); hi = 0; }
        else if (n > 0) { lo = lo >>> (8 * n) | hi << (64 - 8 * n); hi = hi >>> (8 * n); }
        x[d] = lo;
        x[d + 1] = hi;
    }

    private static void pslldq(Cpu c, Insn i) {
        long[] x = c.state.xmm;
        int d = XmmAccess.u(i);
        int n = (int) (i.imm & 0xFF);
        long lo = x[d], hi = x[d + 1];
        if (n >= 16) { lo = 0; hi = 0; }
        else if (n >= 8) { hi = lo << (8 * (n - 8)); lo = 0; }
        else if (n > 0) { hi = hi << (8 * n) | lo >>> (64 - 8 * n); lo = lo << (8 * n); }
        x[d] = lo;
        x[d + 1] = hi;
    }

    // ------------------------------------------------------------------ shuffles, insert, extract

    private static void pshufd(Cpu c, Insn i) {
        long a = XmmAccess.wAddr(c, i);
        long s0 = XmmAccess.lo(c, i, a), s1 = XmmAccess.hi(c, i, a);
        int imm = (int) i.imm;
        long r0 = XmmAccess.dword(s0, s1, imm & 3) | XmmAccess.dword(s0, s1, imm >>> 2 & 3) << 32;
        long r1 = XmmAccess.dword(s0, s1, imm >>> 4 & 3) | XmmAccess.dword(s0, s1, imm >>> 6 & 3) << 32;
        long[] x = c.state.xmm;
        int d = XmmAccess.v(i);
        x[d] = r0;
        x[d + 1] = r1;
    }

    private static long shuffleWords(long q, int imm) {
        long r = 0;
        for (int k = 0; k < 4; k++) r |= (q >>> (16 * (imm >>> (2 * k) & 3)) & 0xFFFF) << (16 * k);
        return r;
    }

    private static void pshuflw(Cpu c, Insn i) {
        long a = XmmAccess.wAddr(c, i);
        long s0 = XmmAccess.lo(c, i, a), s1 = XmmAccess.hi(c, i, a);
        long[] x = c.state.xmm;
        int d = XmmAccess.v(i);
        x[d] = shuffleWords(s0, (int) i.imm);
        x[d + 1] = s1;
    }

    private static void pshufhw(Cpu c, Insn i) {
        long a = XmmAccess.wAddr(c, i);
        long s0 = XmmAccess.lo(c, i, a), s1 = XmmAccess.hi(c, i, a);
        long[] x = c.state.xmm;
        int d = XmmAccess.v(i);
        x[d] = s0;
        x[d + 1] = shuffleWords(s1, (int) i.imm);
    }

    private static void pinsrw(Cpu c, Insn i) {
        long w = c.readE(i, 2);
        int k = (int) i.imm & 7;
        long[] x = c.state.xmm;
        int idx = XmmAccess.v(i) + (k >>> 2);
        int sh = 16 * (k & 3);
        x[idx] = (x[idx] & ~(0xFFFFL << sh)) | (w << sh);
    }

    private static void pextrw(Cpu c, Insn i) {
        int k = (int) i.imm & 7;
        long q = c.state.xmm[XmmAccess.u(i) + (k >>> 2)];
        c.r[i.reg] = q >>> (16 * (k & 3)) & 0xFFFF;
    }
}
