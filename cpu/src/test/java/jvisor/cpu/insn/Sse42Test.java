package jvisor.cpu.insn;

import static jvisor.cpu.insn.SseTestSupport.assertSameAsHost;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.zip.CRC32C;

import org.junit.jupiter.api.Test;

import jvisor.cpu.Flags;
import jvisor.cpu.insn.SseTestSupport.Case;

/**
 * SSE4.2 against the host CPU: PCMPESTRI/PCMPESTRM/PCMPISTRI/PCMPISTRM with all 256 imm8 values
 * on strings with embedded NULs and garbage after them, lengths 0 to 16 and beyond, needles that
 * occur, occur partly at the end of the fragment, or do not occur, and for the E forms explicit
 * lengths that are negative, oversized, or differ between the 32- and 64-bit (REX.W) views;
 * CRC32 with every source size; PCMPGTQ.
 *
 * <p>{@code -Dsse42.strings=N} sets the number of string pairs per imm8 value (default 14).
 */
class Sse42Test {
    static final int STRINGS = Integer.getInteger("sse42.strings", 14);

    /** Bytes that exercise equality, ranges, signedness and terminators. */
    private static final int[] ALPHABET = {'a', 'b', 'c', 'd', 'e', 'f', 'g', 'z', 'A', 'Z', '0', '9', 1, 0x7F, 0x80, 0x81,
        0xFE, 0xFF, 0x20};

    /** Explicit lengths: in range, negative, saturating, and different as EAX and as RAX. */
    private static final long[] LENGTHS = {0, 1, 2, 3, 4, 5, 7, 8, 9, 12, 15, 16, 17, 100, -1, -2, -5, -8, -9, -15, -16, -17,
        -100, 0x7FFFFFFFL, 0x80000000L, 0xFFFFFFFFL, 0xFFFFFFF0L, 0xFFFFFFF7L, 0x1_0000_0003L, 0xFFFFFFFF_FFFFFFF8L,
        Long.MIN_VALUE, Long.MAX_VALUE, 0x8000_0000_0000_0005L, 0xFFFFFFFF_00000002L};

    private static int symbol(Random r) {
        return ALPHABET[r.nextInt(r.nextBoolean() ? 8 : ALPHABET.length)];
    }

    /** 16 bytes: a string of some length, a terminator (a zero byte, or a zero word), then garbage. */
    static long[] string(Random r) {
        byte[] b = new byte[16];
        for (int k = 0; k < 16; k++) b[k] = (byte) symbol(r);
        switch (r.nextInt(4)) {
            case 0 -> { } // no terminator at all
            case 1 -> b[r.nextInt(16)] = 0; // a zero byte (a zero word only if its neighbour is zero too)
            case 2 -> {
                int w = r.nextInt(8); // a zero word
                b[2 * w] = 0;
                b[2 * w + 1] = 0;
            }
            default -> {
                b[r.nextInt(16)] = 0; // several terminators
                int w = r.nextInt(8);
                b[2 * w] = 0;
                b[2 * w + 1] = 0;
            }
        }
        return pack(b);
    }

    private static long[] pack(byte[] b) {
        long lo = 0, hi = 0;
        for (int k = 0; k < 8; k++) {
            lo |= (b[k] & 0xFFL) << (8 * k);
            hi |= (b[k + 8] & 0xFFL) << (8 * k);
        }
        return new long[] {lo, hi};
    }

    private static byte[] unpack(long[] v) {
        byte[] b = new byte[16];
        for (int k = 0; k < 16; k++) b[k] = (byte) (v[k / 8] >>> (8 * (k % 8)));
        return b;
    }

    /** A (needle, text) pair: often the text contains the needle, or its prefix at the text's end. */
    static long[][] pair(Random r) {
        long[] a = string(r), b = string(r);
        switch (r.nextInt(5)) {
            case 0 -> { // needle somewhere in the text, possibly running off its end
                byte[] na = unpack(a), nb = unpack(b);
                int len = 1 + r.nextInt(6), at = r.nextInt(16);
                for (int k = 0; k < len && at + k < 16; k++) nb[at + k] = na[k];
                if (r.nextBoolean() && len < 16) na[len] = 0;
                a = pack(na);
                b = pack(nb);
            }
            case 1 -> { // ranges: a holds sorted bounds
                byte[] na = unpack(a);
                for (int k = 0; k + 1 < 16; k += 2) {
                    int x = symbol(r), y = symbol(r);
                    na[k] = (byte) Math.min(x, y);
                    na[k + 1] = (byte) Math.max(x, y);
                }
                na[2 * (1 + r.nextInt(7)) + (r.nextInt(3) == 0 ? 1 : 0)] = 0;
                a = pack(na);
            }
            case 2 -> b = a.clone(); // equal, then maybe one difference
            default -> { }
        }
        if (r.nextInt(4) == 0) {
            byte[] nb = unpack(b);
            nb[r.nextInt(16)] ^= (byte) (1 << r.nextInt(8));
            b = pack(nb);
        }
        return new long[][] {a, b};
    }

    static Case stringCase(String asm, Random r) {
        long[][] p = pair(r);
        Case c = new Case(asm);
        c.xmm(0, r.nextLong(), r.nextLong());
        c.xmm(1, p[0][0], p[0][1]);
        c.xmm(2, p[1][0], p[1][1]);
        c.xmm(3, r.nextLong(), r.nextLong());
        c.mem(0, p[1][0], p[1][1], p[1][0], p[1][1]);
        c.mem(32, p[0][0], p[0][1], p[1][0], p[1][1]);
        c.rax = r.nextInt(3) == 0 ? r.nextLong() : LENGTHS[r.nextInt(LENGTHS.length)];
        c.rdx = r.nextInt(3) == 0 ? r.nextLong() : LENGTHS[r.nextInt(LENGTHS.length)];
        c.rcx = r.nextLong();
        c.flags = r.nextLong() & Flags.STATUS;
        return c;
    }

    /** All 256 control bytes for each of the four instructions. */
    @Test
    void stringComparesEveryImmediate() {
        Random r = new Random(Long.getLong("sse.seed", 42));
        List<Case> all = new ArrayList<>();
        for (String op : new String[] {"pcmpestri", "pcmpestrm", "pcmpistri", "pcmpistrm"}) {
            for (int imm = 0; imm < 256; imm++) {
                String asm = op + " $" + imm + ",%xmm2,%xmm1";
                for (int k = 0; k < STRINGS; k++) all.add(stringCase(asm, r));
            }
        }
        assertSameAsHost(all);
    }

    /** The E forms with REX.W (lengths from RAX/RDX), memory operands at every alignment, other registers. */
    @Test
    void stringCompareVariants() {
        Random r = new Random(7);
        List<Case> all = new ArrayList<>();
        int[] imms = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F, 0x12, 0x14,
            0x18, 0x1A, 0x1C, 0x22, 0x38, 0x3A, 0x3B, 0x40, 0x44, 0x48, 0x4C, 0x52, 0x58, 0x5A, 0x6C, 0x70, 0x74, 0x7A, 0x7F,
            0xC5, 0xFF};
        for (int imm : imms) {
            for (String op : new String[] {"pcmpestriq", "pcmpestrmq"}) {
                for (int k = 0; k < 12; k++) all.add(stringCase(op + " $" + imm + ",%xmm2,%xmm1", r));
                for (int k = 0; k < 4; k++) all.add(stringCase(op + " $" + imm + ",(%rsi),%xmm1", r));
            }
            for (String op : new String[] {"pcmpestri", "pcmpestrm", "pcmpistri", "pcmpistrm"}) {
                for (int off = 0; off < 16; off += 3) {
                    Case c = stringCase(op + " $" + imm + ",(%rsi),%xmm1", r);
                    c.memOffset = off;
                    all.add(c);
                }
                all.add(stringCase(op + " $" + imm + ",%xmm1,%xmm1", r));
                all.add(stringCase(op + " $" + imm + ",%xmm0,%xmm3", r)); // the M forms overwrite their own operand
                all.add(stringCase(op + " $" + imm + ",%xmm3,%xmm0", r));
            }
        }
        assertSameAsHost(all);
    }

    @Test
    void crc32EverySourceSize() {
        List<String> l = List.of("crc32b %al,%ecx", "crc32b %ah,%ecx", "crc32b %dh,%eax", "crc32b (%rsi),%eax",
                "crc32b 7(%rsi),%rdx", "crc32b %dl,%rax", "crc32w %dx,%eax", "crc32w 3(%rsi),%ecx", "crc32w %ax,%eax",
                "crc32l %edx,%eax", "crc32l 1(%rsi),%edx", "crc32l %ecx,%ecx", "crc32q %rdx,%rax", "crc32q 5(%rsi),%rcx",
                "crc32q %rax,%rax");
        List<Case> all = new ArrayList<>();
        for (String a : l) all.addAll(Sse41Test.intCases(a, 40));
        assertSameAsHost(all);
    }

    /** The instruction's raw accumulation against java.util.zip.CRC32C, which inverts before and after. */
    @Test
    void crc32MatchesCrc32cWithInversion() {
        Random r = new Random(3);
        for (int n = 0; n < 200; n++) {
            byte[] data = new byte[r.nextInt(40)];
            r.nextBytes(data);
            CRC32C ref = new CRC32C();
            ref.update(data);
            int crc = ~0;
            int k = 0;
            for (; k + 8 <= data.length; k += 8) {
                long q = 0;
                for (int b = 0; b < 8; b++) q |= (data[k + b] & 0xFFL) << (8 * b);
                crc = Sse42.crc32c(crc, q, 8);
            }
            for (; k < data.length; k++) crc = Sse42.crc32c(crc, data[k], 1);
            assertEquals(ref.getValue(), ~crc & 0xFFFFFFFFL);
        }
        // The check value of CRC-32C ("123456789").
        int crc = Sse42.crc32c(Sse42.crc32c(~0, 0x3837363534333231L, 8), '9', 1);
        assertEquals(0xE3069283L, ~crc & 0xFFFFFFFFL);
    }

    @Test
    void pcmpgtq() {
        List<String> l = List.of("pcmpgtq %xmm1,%xmm0", "pcmpgtq %xmm2,%xmm0", "pcmpgtq %xmm0,%xmm0", "pcmpgtq 16(%rsi),%xmm3");
        List<Case> all = new ArrayList<>();
        for (String a : l) all.addAll(Sse41Test.intCases(a, SseIntegerTest.N));
        for (int off : new int[] {0, 1, 8}) {
            Case c = Sse41Test.intCases("pcmpgtq (%rsi),%xmm1", 1).get(0);
            c.memOffset = off;
            all.add(c);
        }
        assertSameAsHost(all);
    }
}
