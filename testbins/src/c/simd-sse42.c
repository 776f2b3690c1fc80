/*
 * simd-sse42.c - SSE4.2 instructions through <nmmintrin.h> (harness and
 * inputs: simd.h; built with -msse4.2).  Tests: pcmpgtq, crc32 of every
 * operand width, popcnt, and the string instructions pcmpistri, pcmpistrm,
 * pcmpestri and pcmpestrm with all 128 immediates (byte/word, signed and
 * unsigned formats; equal any, ranges, equal each, equal ordered; the four
 * polarities; least/most significant index; bit/byte mask) on string-like
 * data with embedded nuls, explicit lengths from -12 to 28 (negative and
 * over-long lengths saturate), and every flag result (CF, ZF, SF, OF and
 * the "above" condition) of each.
 */
#include <nmmintrin.h>
#include "simd.h"

static int len_a(int i) { return i * 7 % 41 - 12; }
static int len_b(int i) { return i * 11 % 37 - 10; }

/* String-like inputs: letters from a small alphabet, some nuls. */
static void string_inputs(void)
{
    for (int k = 10; k < N; k++) {
        unsigned char s[16];
        int words = k & 1;
        for (int j = 0; j < 16; j += 1 + words) {
            uint32_t r = rnd32();
            unsigned char c = r % 13 == 0 ? 0 : (unsigned char)("abcdAZ09\x80\xff"[r % 10]);
            s[j] = c;
            if (words)
                s[j + 1] = r % 7 == 0 ? (unsigned char)(r >> 8) : 0;
        }
        memcpy(&in[k], s, 16);
    }
}

#define ISTR(imm) do {                                                          \
        char nm_[32];                                                           \
        snprintf(nm_, sizeof nm_, "istri %02x", imm);                           \
        TI(nm_, _mm_cmpistri(a, b, imm) | _mm_cmpistrc(a, b, imm) << 8          \
           | _mm_cmpistrz(a, b, imm) << 9 | _mm_cmpistrs(a, b, imm) << 10       \
           | _mm_cmpistro(a, b, imm) << 11 | _mm_cmpistra(a, b, imm) << 12);    \
        snprintf(nm_, sizeof nm_, "istrm %02x", imm);                           \
        T(nm_, _mm_cmpistrm(a, b, imm));                                        \
        snprintf(nm_, sizeof nm_, "estri %02x", imm);                           \
        TI(nm_, _mm_cmpestri(a, len_a(i_), b, len_b(i_), imm)                   \
           | _mm_cmpestrc(a, len_a(i_), b, len_b(i_), imm) << 8                 \
           | _mm_cmpestrz(a, len_a(i_), b, len_b(i_), imm) << 9                 \
           | _mm_cmpestrs(a, len_a(i_), b, len_b(i_), imm) << 10                \
           | _mm_cmpestro(a, len_a(i_), b, len_b(i_), imm) << 11                \
           | _mm_cmpestra(a, len_a(i_), b, len_b(i_), imm) << 12);              \
        snprintf(nm_, sizeof nm_, "estrm %02x", imm);                           \
        T(nm_, _mm_cmpestrm(a, len_a(i_), b, len_b(i_), imm));                  \
    } while (0)
#define ISTR4(i) ISTR(i); ISTR((i) + 1); ISTR((i) + 2); ISTR((i) + 3)
#define ISTR16(i) ISTR4(i); ISTR4((i) + 4); ISTR4((i) + 8); ISTR4((i) + 12)
#define ISTR64(i) ISTR16(i); ISTR16((i) + 16); ISTR16((i) + 32); ISTR16((i) + 48)

static void test_strings(void)
{
    ISTR64(0);
    ISTR64(64);
}

static void test_crc_popcnt(void)
{
    uint32_t c8 = 0, c16 = ~0u, c32 = 0x12345678;
    uint64_t c64 = 0;
    uint64_t pop = 0;
    for (int i = 0; i < N; i++) {
        uint64_t w[2];
        memcpy(w, &in[i], 16);
        for (int j = 0; j < 2; j++) {
            OPAQUE(in[i]);
            c8 = _mm_crc32_u8(c8, (unsigned char)w[j]);
            c16 = _mm_crc32_u16(c16, (unsigned short)(w[j] >> 8));
            c32 = _mm_crc32_u32(c32, (unsigned)(w[j] >> 16));
            c64 = _mm_crc32_u64(c64, w[j]);
            pop = pop * 131 + (uint64_t)_mm_popcnt_u64(w[j]) * 3 + (uint64_t)_mm_popcnt_u32((unsigned)w[j]);
        }
        if (i < 4 || verbose)
            printf("crc [%2d] %08x %08x %08x %016llx pop %016llx\n", i, c8, c16, c32,
                   (unsigned long long)c64, (unsigned long long)pop);
    }
    printf("crc %08x %08x %08x %016llx pop %016llx\n", c8, c16, c32, (unsigned long long)c64,
           (unsigned long long)pop);
    total = fnv(total, &c64, 8);
    total = fnv(total, &pop, 8);
}

int main(int argc, char **argv)
{
    if (!cpu_has(ECX, 20) || !cpu_has(ECX, 23)) {    /* SSE4.2, POPCNT */
        printf("unsupported\n");
        return 0;
    }
    simd_start(argc, argv);
    TI2(_mm_cmpgt_epi64);
    test_crc_popcnt();
    string_inputs();
    test_strings();
    return simd_end();
}
