/*
 * simd.h - shared harness of the simd-*.c test programs.
 *
 * Inputs: N 128-bit vectors, first edge values (integer extremes, +-0,
 * +-inf, quiet and signalling nans, denormals, float/double values at the
 * integer-conversion limits and halfway cases), then pseudo-random bits, random
 * floats and random doubles from our own LCG, so the output is the same on
 * every machine.  Every test runs an expression over NP (a, b) pairs, with
 * MXCSR set to csr_mode before and its exception flags read after each
 * operation, and prints its name, the first result, the first flags and a
 * hash of all results and flags; the program ends with a total checksum.
 * With "-v" as argument every result is printed (for reducing a mismatch).
 */
#ifndef SIMD_H
#define SIMD_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cpuid.h>
#include <emmintrin.h>

#define N  96
#define NP (2 * N)

static __m128i in[N];
static int verbose;
static unsigned csr_mode = 0x1f80;        /* all exceptions masked, round to nearest */
static uint64_t total = 0xcbf29ce484222325ULL;
static __m128i res_[NP];
static unsigned flags_[NP];

static uint64_t lcg = 0x853c49e6748fea9bULL;

static uint32_t rnd32(void)
{
    lcg = lcg * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(lcg >> 32);
}

static uint64_t rnd64(void)
{
    uint64_t hi = rnd32();
    return hi << 32 | rnd32();
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *c = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ c[i]) * 0x100000001b3ULL;
    return h;
}

static __m128i from64(uint64_t lo, uint64_t hi)
{
    return _mm_set_epi64x((long long)hi, (long long)lo);
}

static __m128i from32(uint32_t a, uint32_t b, uint32_t c, uint32_t d)
{
    return _mm_set_epi32((int)d, (int)c, (int)b, (int)a);
}

static uint32_t fbits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static uint64_t dbits(double d) { uint64_t u; memcpy(&u, &d, 8); return u; }

static void hex(__m128i v)
{
    uint64_t w[2];
    memcpy(w, &v, 16);
    printf("%016llx%016llx", (unsigned long long)w[1], (unsigned long long)w[0]);
}

static void init_inputs(void)
{
    int k = 0;
    /* integer edges */
    in[k++] = from64(0, 0);
    in[k++] = from64(~0ULL, ~0ULL);
    in[k++] = from64(0x8080808080808080ULL, 0x8080808080808080ULL);
    in[k++] = from64(0x7f7f7f7f7f7f7f7fULL, 0x7f7f7f7f7f7f7f7fULL);
    in[k++] = from64(0x8000800080008000ULL, 0x7fff7fff7fff7fffULL);
    in[k++] = from64(0x8000000080000000ULL, 0x7fffffff7fffffffULL);
    in[k++] = from64(0x8000000000000000ULL, 0x7fffffffffffffffULL);
    in[k++] = from64(0x0123456789abcdefULL, 0xfedcba9876543210ULL);
    in[k++] = from64(0x00ff00ff00ff00ffULL, 0xff00ff00ff0000ffULL);
    in[k++] = from64(0x0001000200030004ULL, 0x000f0010001f0020ULL);
    /* float edges */
    in[k++] = from32(fbits(0.0f), fbits(-0.0f), fbits(1.0f), fbits(-1.0f));
    in[k++] = from32(0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000);         /* +-inf, +-qnan */
    in[k++] = from32(0x7f800001, 0xffa00001, 0x00000001, 0x807fffff);         /* snan, denormals */
    in[k++] = from32(0x7f7fffff, 0x80800000, fbits(2147483648.0f), fbits(-2147483648.0f));
    in[k++] = from32(fbits(2147483520.0f), fbits(0.5f), fbits(1.5f), fbits(-2.5f));
    in[k++] = from32(fbits(2.5f), fbits(3.5f), fbits(-0.5f), fbits(1e-38f));
    in[k++] = from32(fbits(0.1f), fbits(3.0f), fbits(-7.0f), fbits(1e30f));
    /* double edges */
    in[k++] = from64(dbits(0.0), dbits(-0.0));
    in[k++] = from64(0x7ff0000000000000ULL, 0xfff0000000000000ULL);
    in[k++] = from64(0x7ff8000000000000ULL, 0xfff8000000000123ULL);
    in[k++] = from64(0x7ff0000000000001ULL, 0x0000000000000001ULL);    /* snan, denormal */
    in[k++] = from64(0x7fefffffffffffffULL, 0x8010000000000000ULL);
    in[k++] = from64(dbits(9223372036854775808.0), dbits(-9223372036854775808.0));
    in[k++] = from64(dbits(2147483647.5), dbits(-2147483648.5));
    in[k++] = from64(dbits(2.5), dbits(-3.5));
    in[k++] = from64(dbits(1.0), dbits(0.1));
    in[k++] = from64(dbits(1e-310), dbits(-3.0));
    while (k < 48)
        in[k++] = from64(rnd64(), rnd64());
    while (k < 72) {                       /* random floats, mostly moderate */
        float f[4];
        for (int j = 0; j < 4; j++)
            f[j] = (float)((int32_t)rnd32() % 20000) / (float)(1 + rnd32() % 64);
        memcpy(&in[k++], f, 16);
    }
    while (k < N) {                        /* random doubles */
        double d[2];
        for (int j = 0; j < 2; j++)
            d[j] = (double)(int64_t)rnd64() / (double)(1 + rnd32() % 1000) * ((k & 3) == 0 ? 1e-300 : 1.0);
        memcpy(&in[k++], d, 16);
    }
}

static __m128i in_a(int i) { return in[i % N]; }
static __m128i in_b(int i) { return i < N ? in[(i + 5) % N] : in[(i * 7 + 3) % N]; }

static __attribute__((unused)) void show(const char *name)
{
    uint64_t h = fnv(0xcbf29ce484222325ULL, res_, sizeof res_);
    h = fnv(h, flags_, sizeof flags_);
    printf("%-28s ", name);
    hex(res_[0]);
    printf(" f=%02x h=%016llx\n", flags_[0], (unsigned long long)h);
    total = fnv(total, &h, sizeof h);
    if (verbose)
        for (int i = 0; i < NP; i++) {
            printf("  [%3d] a=", i);
            hex(in_a(i));
            printf(" b=");
            hex(in_b(i));
            printf(" -> ");
            hex(res_[i]);
            printf(" f=%02x\n", flags_[i]);
        }
}

/* Launders a value through a register so the compiler cannot move the
   operation across the MXCSR accesses or fold it. */
#define OPAQUE(v) __asm__ volatile("" : "+x"(v))

/* T(name, expr): expr may use the __m128i a and b; its value is an __m128i. */
#define T(name, expr) do {                                          \
        for (int i_ = 0; i_ < NP; i_++) {                           \
            __m128i a = in_a(i_), b = in_b(i_);                     \
            _mm_setcsr(csr_mode);                                   \
            OPAQUE(a); OPAQUE(b);                                   \
            __m128i r_ = (expr);                                    \
            OPAQUE(r_);                                             \
            flags_[i_] = _mm_getcsr() & 0x3f;                       \
            res_[i_] = r_;                                          \
        }                                                           \
        _mm_setcsr(0x1f80);                                         \
        show(name);                                                 \
    } while (0)

/* TI: expr is an integer (e.g. a movemask, a comparison flag, a conversion). */
#define TI(name, expr) do {                                         \
        for (int i_ = 0; i_ < NP; i_++) {                           \
            __m128i a = in_a(i_), b = in_b(i_);                     \
            _mm_setcsr(csr_mode);                                   \
            OPAQUE(a); OPAQUE(b);                                   \
            long long r_ = (long long)(expr);                       \
            __asm__ volatile("" : "+r"(r_));                        \
            flags_[i_] = _mm_getcsr() & 0x3f;                       \
            res_[i_] = _mm_set_epi64x(0, r_);                       \
        }                                                           \
        _mm_setcsr(0x1f80);                                         \
        show(name);                                                 \
    } while (0)

#define PS(x) _mm_castsi128_ps(x)
#define PD(x) _mm_castsi128_pd(x)
#define IS(x) _mm_castps_si128(x)
#define ID(x) _mm_castpd_si128(x)
/*
 * Which NaN a dot product (DPPS, DPPD) returns when several of its products are
 * NaNs is implementation-specific: the SDM's pseudo-code gives Intel's order
 * of the additions, and AMD adds in another order. The dot product tests pass
 * their results through these, which turn every NaN lane into the default
 * NaN, so native and jvisor agree on either host; the cpu module's Sse41Test
 * checks Intel's exact NaN against an Intel host. Integer operations only, so
 * MXCSR's flags stay the instruction's.
 */
static inline __m128i canon_nan_ps(__m128i v)
{
    union { __m128i v; unsigned u[4]; } x = { v };
    for (int i = 0; i < 4; i++)
        if ((x.u[i] & 0x7fffffffu) > 0x7f800000u) x.u[i] = 0x7fc00000u;
    return x.v;
}

static inline __m128i canon_nan_pd(__m128i v)
{
    union { __m128i v; unsigned long long u[2]; } x = { v };
    for (int i = 0; i < 2; i++)
        if ((x.u[i] & 0x7fffffffffffffffull) > 0x7ff0000000000000ull) x.u[i] = 0x7ff8000000000000ull;
    return x.v;
}

/* float/double binary and unary operations */
#define TPS2(f) T(#f, IS(f(PS(a), PS(b))))
#define TPD2(f) T(#f, ID(f(PD(a), PD(b))))
#define TPS1(f) T(#f, IS(f(PS(a))))
#define TPD1(f) T(#f, ID(f(PD(a))))
#define TI2(f)  T(#f, f(a, b))
#define TI1(f)  T(#f, f(a))

static const struct { unsigned csr; const char *name; } csr_modes[] = {
    { 0x1f80, "nearest" }, { 0x3f80, "down" }, { 0x5f80, "up" }, { 0x7f80, "zero" },
    { 0x9fc0, "nearest+ftz+daz" },
};
#define NMODES (sizeof csr_modes / sizeof csr_modes[0])

/* CPUID leaf 1 feature test (edx: 0, ecx: 1): the raw bit, not what a
   library concludes from it (cpu-features.c checks those agree). */
#define EDX 0
#define ECX 1
static int cpu_has(int reg, int bit)
{
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d))
        return 0;
    return ((reg == ECX ? c : d) >> bit) & 1;
}

static void simd_start(int argc, char **argv)
{
    verbose = argc > 1 && strcmp(argv[1], "-v") == 0;
    init_inputs();
}

static int simd_end(void)
{
    printf("checksum %016llx\n", (unsigned long long)total);
    return 0;
}

#endif
