package jvisor.cpu.oracle;

import java.util.SplittableRandom;

/**
 * Operand values for the differential tester: integer edge values (0, 1, -1, sign boundaries,
 * powers of two, all ones at each width) with and without garbage above the operand size,
 * small numbers, random bits; and IEEE patterns for SSE (zeros of both signs, denormals, the
 * smallest and largest normals, infinities, quiet and signalling NaNs with payloads, values near
 * the integer-conversion limits) mixed with random bits. MXCSR values choose a random rounding
 * mode, FTZ and DAZ, with every exception masked and no flag set.
 */
public final class Values {
    private Values() {}

    static final long[] INT_EDGES = {
        0, 1, 2, 3, -1L, -2L, 0x7F, 0x80, 0x81, 0xFF, 0x100, 0x7FFF, 0x8000, 0x8001, 0xFFFF, 0x1_0000,
        0x7FFF_FFFFL, 0x8000_0000L, 0x8000_0001L, 0xFFFF_FFFFL, 0x1_0000_0000L, Long.MAX_VALUE, Long.MIN_VALUE,
        Long.MIN_VALUE + 1, 0xFFFF_FFFF_FFFF_FF80L, 0xFFFF_FFFF_FFFF_8000L, 0xFFFF_FFFF_8000_0000L,
        0x5555_5555_5555_5555L, 0xAAAA_AAAA_AAAA_AAAAL, 0x0F0F_0F0F_0F0F_0F0FL, 0x8080_8080_8080_8080L,
        0x0101_0101_0101_0101L, 0x7F7F_7F7F_7F7F_7F7FL, 0x1234_5678_9ABC_DEF0L,
    };

    static final long[] DOUBLES = {
        0L, 0x8000000000000000L, 1L, 0x8000000000000001L, 0x000FFFFFFFFFFFFFL, 0x800FFFFFFFFFFFFFL, 0x0008000000000000L,
        0x0010000000000000L, 0x8010000000000000L, 0x0010000000000001L, 0x001FFFFFFFFFFFFFL, 0x3FF0000000000000L,
        0xBFF0000000000000L, 0x3FF8000000000000L, 0x4000000000000000L, 0x3FF0000000000001L, 0x3FEFFFFFFFFFFFFFL,
        0x7FEFFFFFFFFFFFFFL, 0xFFEFFFFFFFFFFFFFL, 0x7FE0000000000000L, 0x7FF0000000000000L, 0xFFF0000000000000L,
        0x7FF8000000000000L, 0xFFF8000000000000L, 0x7FF8000000001234L, 0xFFFC00000000ABCDL, 0x7FF0000000000001L,
        0xFFF4000000000ABCL, 0x7FF7FFFFFFFFFFFFL, 0x3FB999999999999AL, 0x4008000000000000L, 0x43E0000000000000L,
        0xC3E0000000000000L, 0x41DFFFFFFFC00000L, 0xC1E0000000000000L, 0x41E0000000000000L, 0x3FE0000000000000L,
        0xBFE0000000000000L, 0x4004000000000000L, 0xC00C000000000000L, 0x43F0000000000000L, 0x1FF0000000000000L,
        0x2000000000000001L, 0x5FF0000000000000L, 0x4330000000000001L, 0x47EFFFFFE0000000L, 0x47EFFFFFF0000000L,
        0x36A0000000000000L, 0x3690000000000000L, 0x380FFFFFC0000000L, 0x3810000000000000L, 0xC1E0000000200000L,
        0x41DFFFFFFFE00000L, 0xC3E0000000000001L, 0x3FE0000000000001L, 0x4002000000000000L,
    };

    static final int[] FLOATS = {
        0, 0x80000000, 1, 0x80000001, 0x007FFFFF, 0x807FFFFF, 0x00400000, 0x00800000, 0x80800000, 0x00800001,
        0x3F800000, 0xBF800000, 0x3FC00000, 0x40000000, 0x3F800001, 0x3F7FFFFF, 0x7F7FFFFF, 0xFF7FFFFF, 0x7F000000,
        0x7F800000, 0xFF800000, 0x7FC00000, 0xFFC00000, 0x7FC01234, 0xFFE0ABCD, 0x7F800001, 0xFFA00ABC, 0x7FBFFFFF,
        0x3DCCCCCD, 0x40400000, 0x4F000000, 0xCF000000, 0x5F000000, 0xDF000000, 0x4EFFFFFF, 0x3F000000, 0xBF000000,
        0x4B000001, 0x1F800000, 0x5F800000, 0x0C000000, 0x3E800000, 0xCF000001, 0x3FA00000, 0x40100000,
    };

    /** A shift or rotate count: mostly around the interesting boundaries. */
    static int count(SplittableRandom r) {
        int[] c = {0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 18, 31, 32, 33, 63, 64, 65, 127, 128, 255};
        return switch (r.nextInt(3)) {
            case 0 -> c[r.nextInt(c.length)];
            case 1 -> r.nextInt(70);
            default -> r.nextInt(256);
        };
    }

    /** A general-purpose register or memory value. */
    static long integer(SplittableRandom r) {
        switch (r.nextInt(10)) {
            case 0, 1, 2 -> {
                long v = INT_EDGES[r.nextInt(INT_EDGES.length)];
                return r.nextInt(3) == 0 ? withGarbage(r, v) : v;
            }
            case 3 -> { // a power of two, or one below / above it
                long v = 1L << r.nextInt(64);
                return v + (r.nextInt(3) - 1);
            }
            case 4 -> { // all ones or the sign bit at some width
                int w = 8 << r.nextInt(4);
                long v = r.nextBoolean() ? (w == 64 ? -1L : (1L << w) - 1) : 1L << (w - 1);
                return r.nextBoolean() ? withGarbage(r, v) : v;
            }
            case 5 -> {
                return r.nextInt(33) - 16;
            }
            case 6 -> { // a small value at a random width, sign- or zero-extended, maybe with garbage
                int w = 8 << r.nextInt(3);
                long v = r.nextLong() & ((1L << w) - 1);
                if (r.nextBoolean()) v = (v << (64 - w)) >> (64 - w);
                return r.nextBoolean() ? withGarbage(r, v) : v;
            }
            default -> {
                return r.nextLong();
            }
        }
    }

    /** Keeps the low 8/16/32 bits of v and puts random bits above. */
    static long withGarbage(SplittableRandom r, long v) {
        int w = 8 << r.nextInt(3);
        long m = (1L << w) - 1;
        return (v & m) | (r.nextLong() & ~m);
    }

    static long doubleBits(SplittableRandom r) {
        return switch (r.nextInt(8)) {
            case 0, 1, 2 -> DOUBLES[r.nextInt(DOUBLES.length)];
            case 3 -> r.nextLong();
            case 4 -> Double.doubleToRawLongBits((r.nextDouble() - 0.5) * Math.scalb(1.0, r.nextInt(80) - 40));
            case 5 -> Double.doubleToRawLongBits(r.nextInt(4000) - 2000 + r.nextInt(8) / 8.0);
            case 6 -> (r.nextLong() & 0x800FFFFFFFFFFFFFL) | (long) (r.nextInt(64) + (r.nextBoolean() ? 0 : 0x7C0)) << 52;
            default -> r.nextLong() & 0x800000000000000FL | (long) (0x3FF + r.nextInt(64)) << 52;
        };
    }

    static int floatBits(SplittableRandom r) {
        return switch (r.nextInt(8)) {
            case 0, 1, 2 -> FLOATS[r.nextInt(FLOATS.length)];
            case 3 -> r.nextInt();
            case 4 -> Float.floatToRawIntBits((float) ((r.nextDouble() - 0.5) * Math.scalb(1.0, r.nextInt(60) - 30)));
            case 5 -> Float.floatToRawIntBits(r.nextInt(4000) - 2000 + r.nextInt(8) / 8.0f);
            case 6 -> (r.nextInt() & 0x807FFFFF) | (r.nextInt(16) + (r.nextBoolean() ? 0 : 0xF0)) << 23;
            default -> r.nextInt() & 0x8000000F | (0x7F + r.nextInt(32)) << 23;
        };
    }

    /** 64 bits of an XMM register or memory: two floats, a double, integer lanes, or random bits. */
    static long xmmHalf(SplittableRandom r) {
        return switch (r.nextInt(10)) {
            case 0, 1, 2 -> doubleBits(r);
            case 3, 4, 5 -> (floatBits(r) & 0xFFFFFFFFL) | (long) floatBits(r) << 32;
            case 6 -> lanes(r);
            case 7 -> integer(r);
            default -> r.nextLong();
        };
    }

    /** Packed integer lanes of one width with edge values (for saturation, compares, shifts). */
    static long lanes(SplittableRandom r) {
        int w = 8 << r.nextInt(4);
        long v = 0;
        for (int k = 0; k < 64; k += w) {
            long lane = switch (r.nextInt(6)) {
                case 0 -> 0;
                case 1 -> -1L;
                case 2 -> 1L << (w - 1);
                case 3 -> (1L << (w - 1)) - 1;
                case 4 -> 1;
                default -> r.nextLong();
            };
            v |= (lane & (w == 64 ? -1L : (1L << w) - 1)) << k;
        }
        return v;
    }

    /** Initial status flags and DF. */
    static long rflags(SplittableRandom r) {
        long f = 0;
        switch (r.nextInt(4)) {
            case 0 -> f = 0;
            case 1 -> f = 0x8D5; // all six status flags
            default -> f = r.nextLong() & 0x8D5;
        }
        if (r.nextInt(4) == 0) f |= 0x400; // DF
        return f;
    }

    /** MXCSR: all exceptions masked and no flag set; random rounding, sometimes FTZ and/or DAZ. */
    /** MXCSR's sticky exception flags (bits 0-5): none, PE alone, or any combination. */
    static int stickyFlags(SplittableRandom r) {
        return switch (r.nextInt(4)) {
            case 0 -> 0;
            case 1 -> 0x20;
            default -> r.nextInt(64);
        };
    }

    static int mxcsr(SplittableRandom r) {
        int m = 0x1F80 | r.nextInt(4) << 13;
        if (r.nextInt(4) == 0) m |= 0x8000; // FTZ
        if (r.nextInt(4) == 0) m |= 0x40; // DAZ
        return m;
    }
}
