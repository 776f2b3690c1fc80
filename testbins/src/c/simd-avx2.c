/*
 * simd-avx2.c - AVX and AVX2 through <immintrin.h> (inputs: simd.h's, paired
 * into 256-bit vectors; built with -mavx2).  Tests every 256-bit integer
 * operation of AVX2 (add/sub with and without saturation, compares, min/max,
 * abs, sign, the multiplies, madd, sad, mpsadbw, hadd/hsub, avg, logic,
 * shuffles and permutes within and across lanes, unpacks, packs, alignr,
 * blends, shifts by immediate, by xmm and per element, byte shifts,
 * broadcasts, insert/extract, sign and zero extension, movemask, gathers,
 * masked loads and stores), the 256-bit floating-point operations of AVX in
 * every MXCSR rounding mode and with FTZ+DAZ (arithmetic, sqrt, min/max,
 * the 32 compare predicates, round, dp, hadd/addsub, conversions both ways,
 * blends, shuffles, permutes, testz/testc, movemask, masked moves, dup),
 * and the VEX.128 forms the compiler emits for SSE intrinsics.  Each test
 * prints a hash of its results and MXCSR flags; "-v" prints every result.
 */
#include <immintrin.h>
#include "simd.h"

static __m256i res256[NP];

static __m256i in256(int i)
{
    return _mm256_setr_m128i(in[i % N], in[(i * 3 + 1) % N]);
}

static __m256i a256(int i) { return in256(i); }
static __m256i b256(int i) { return i < N ? in256((i + 5) % N) : in256((i * 7 + 3) % N); }

static void hex256(__m256i v)
{
    uint64_t w[4];
    memcpy(w, &v, 32);
    printf("%016llx%016llx%016llx%016llx", (unsigned long long)w[3], (unsigned long long)w[2],
           (unsigned long long)w[1], (unsigned long long)w[0]);
}

static void show256(const char *name)
{
    uint64_t h = fnv(0xcbf29ce484222325ULL, res256, sizeof res256);
    h = fnv(h, flags_, sizeof flags_);
    printf("%-28s ", name);
    hex256(res256[0]);
    printf(" f=%02x h=%016llx\n", flags_[0], (unsigned long long)h);
    total = fnv(total, &h, sizeof h);
    if (verbose)
        for (int i = 0; i < NP; i++) {
            printf("  [%3d] -> ", i);
            hex256(res256[i]);
            printf(" f=%02x\n", flags_[i]);
        }
}

#define OPAQUE256(v) __asm__ volatile("" : "+x"(v))

/* Y(name, expr): expr of the __m256i a and b, an __m256i. */
#define Y(name, expr) do {                                          \
        for (int i_ = 0; i_ < NP; i_++) {                           \
            __m256i a = a256(i_), b = b256(i_);                     \
            _mm_setcsr(csr_mode);                                   \
            OPAQUE256(a); OPAQUE256(b);                             \
            __m256i r_ = (expr);                                    \
            OPAQUE256(r_);                                          \
            flags_[i_] = _mm_getcsr() & 0x3f;                       \
            res256[i_] = r_;                                        \
        }                                                           \
        _mm_setcsr(0x1f80);                                         \
        show256(name);                                              \
    } while (0)

/* YI: an integer result (movemask, testz, extract). */
#define YI(name, expr) do {                                         \
        for (int i_ = 0; i_ < NP; i_++) {                           \
            __m256i a = a256(i_), b = b256(i_);                     \
            _mm_setcsr(csr_mode);                                   \
            OPAQUE256(a); OPAQUE256(b);                             \
            long long r_ = (long long)(expr);                       \
            __asm__ volatile("" : "+r"(r_));                        \
            flags_[i_] = _mm_getcsr() & 0x3f;                       \
            res256[i_] = _mm256_set_epi64x(0, 0, 0, r_);            \
        }                                                           \
        _mm_setcsr(0x1f80);                                         \
        show256(name);                                              \
    } while (0)

/* canon_nan_ps (simd.h) for both 128-bit halves: which NaN VDPPS returns is implementation-specific. */
static inline __m256i canon_nan_ps256(__m256i v)
{
    return _mm256_set_m128i(canon_nan_ps(_mm256_extracti128_si256(v, 1)), canon_nan_ps(_mm256_castsi256_si128(v)));
}

#define PS8(x) _mm256_castsi256_ps(x)
#define PD4(x) _mm256_castsi256_pd(x)
#define IS8(x) _mm256_castps_si256(x)
#define ID4(x) _mm256_castpd_si256(x)
#define YI2(f) Y(#f, f(a, b))
#define YI1(f) Y(#f, f(a))
#define YPS2(f) Y(#f, IS8(f(PS8(a), PS8(b))))
#define YPD2(f) Y(#f, ID4(f(PD4(a), PD4(b))))
#define YPS1(f) Y(#f, IS8(f(PS8(a))))
#define YPD1(f) Y(#f, ID4(f(PD4(a))))

static void test_int(void)
{
    YI2(_mm256_add_epi8); YI2(_mm256_add_epi16); YI2(_mm256_add_epi32); YI2(_mm256_add_epi64);
    YI2(_mm256_sub_epi8); YI2(_mm256_sub_epi16); YI2(_mm256_sub_epi32); YI2(_mm256_sub_epi64);
    YI2(_mm256_adds_epi8); YI2(_mm256_adds_epi16); YI2(_mm256_adds_epu8); YI2(_mm256_adds_epu16);
    YI2(_mm256_subs_epi8); YI2(_mm256_subs_epi16); YI2(_mm256_subs_epu8); YI2(_mm256_subs_epu16);
    YI2(_mm256_cmpeq_epi8); YI2(_mm256_cmpeq_epi16); YI2(_mm256_cmpeq_epi32); YI2(_mm256_cmpeq_epi64);
    YI2(_mm256_cmpgt_epi8); YI2(_mm256_cmpgt_epi16); YI2(_mm256_cmpgt_epi32); YI2(_mm256_cmpgt_epi64);
    YI2(_mm256_max_epi8); YI2(_mm256_max_epi16); YI2(_mm256_max_epi32); YI2(_mm256_max_epu8);
    YI2(_mm256_max_epu16); YI2(_mm256_max_epu32); YI2(_mm256_min_epi8); YI2(_mm256_min_epi16);
    YI2(_mm256_min_epi32); YI2(_mm256_min_epu8); YI2(_mm256_min_epu16); YI2(_mm256_min_epu32);
    YI1(_mm256_abs_epi8); YI1(_mm256_abs_epi16); YI1(_mm256_abs_epi32);
    YI2(_mm256_sign_epi8); YI2(_mm256_sign_epi16); YI2(_mm256_sign_epi32);
    YI2(_mm256_mullo_epi16); YI2(_mm256_mullo_epi32); YI2(_mm256_mulhi_epi16); YI2(_mm256_mulhi_epu16);
    YI2(_mm256_mul_epi32); YI2(_mm256_mul_epu32); YI2(_mm256_mulhrs_epi16);
    YI2(_mm256_madd_epi16); YI2(_mm256_maddubs_epi16); YI2(_mm256_sad_epu8);
    Y("mpsadbw 00", _mm256_mpsadbw_epu8(a, b, 0x00)); Y("mpsadbw 2d", _mm256_mpsadbw_epu8(a, b, 0x2d));
    Y("mpsadbw 3f", _mm256_mpsadbw_epu8(a, b, 0x3f));
    YI2(_mm256_hadd_epi16); YI2(_mm256_hadd_epi32); YI2(_mm256_hadds_epi16);
    YI2(_mm256_hsub_epi16); YI2(_mm256_hsub_epi32); YI2(_mm256_hsubs_epi16);
    YI2(_mm256_avg_epu8); YI2(_mm256_avg_epu16);
    YI2(_mm256_and_si256); YI2(_mm256_andnot_si256); YI2(_mm256_or_si256); YI2(_mm256_xor_si256);
    YI2(_mm256_shuffle_epi8);
    Y("shuffle_epi32 1b", _mm256_shuffle_epi32(a, 0x1b)); Y("shufflehi 93", _mm256_shufflehi_epi16(a, 0x93));
    Y("shufflelo 4e", _mm256_shufflelo_epi16(a, 0x4e));
    YI2(_mm256_unpacklo_epi8); YI2(_mm256_unpackhi_epi8); YI2(_mm256_unpacklo_epi16); YI2(_mm256_unpackhi_epi16);
    YI2(_mm256_unpacklo_epi32); YI2(_mm256_unpackhi_epi32); YI2(_mm256_unpacklo_epi64); YI2(_mm256_unpackhi_epi64);
    YI2(_mm256_packs_epi16); YI2(_mm256_packs_epi32); YI2(_mm256_packus_epi16); YI2(_mm256_packus_epi32);
    Y("alignr 0", _mm256_alignr_epi8(a, b, 0)); Y("alignr 5", _mm256_alignr_epi8(a, b, 5));
    Y("alignr 17", _mm256_alignr_epi8(a, b, 17)); Y("alignr 32", _mm256_alignr_epi8(a, b, 32));
    Y("blend_epi16 5a", _mm256_blend_epi16(a, b, 0x5a)); Y("blend_epi32 c3", _mm256_blend_epi32(a, b, 0xc3));
    Y("blend_epi32 (128) 9", _mm256_castsi128_si256(_mm_blend_epi32(_mm256_castsi256_si128(a),
            _mm256_castsi256_si128(b), 9)));
    Y("blendv_epi8", _mm256_blendv_epi8(a, b, _mm256_xor_si256(a, b)));
    for (int n = 0; n < 5; n++) {
        static const int counts[] = {0, 1, 15, 31, 63};
        char nm[32];
        int k = counts[n];
        snprintf(nm, sizeof nm, "slli %d", k);
        Y(nm, _mm256_xor_si256(_mm256_xor_si256(_mm256_slli_epi16(a, k), _mm256_slli_epi32(b, k)), _mm256_slli_epi64(a, k)));
        snprintf(nm, sizeof nm, "srli %d", k);
        Y(nm, _mm256_xor_si256(_mm256_xor_si256(_mm256_srli_epi16(a, k), _mm256_srli_epi32(b, k)), _mm256_srli_epi64(a, k)));
        snprintf(nm, sizeof nm, "srai %d", k);
        Y(nm, _mm256_xor_si256(_mm256_srai_epi16(a, k), _mm256_srai_epi32(b, k)));
    }
    Y("bslli 3", _mm256_bslli_epi128(a, 3)); Y("bsrli 11", _mm256_bsrli_epi128(a, 11));
    Y("sll by xmm", _mm256_xor_si256(_mm256_sll_epi16(a, _mm256_castsi256_si128(b)), _mm256_sll_epi64(a, _mm_srli_epi64(
            _mm256_castsi256_si128(b), 58))));
    Y("srl by xmm", _mm256_xor_si256(_mm256_srl_epi32(a, _mm_and_si128(_mm256_castsi256_si128(b), _mm_set1_epi64x(31))),
            _mm256_srl_epi16(b, _mm256_castsi256_si128(a))));
    Y("sra by xmm", _mm256_sra_epi32(a, _mm_and_si128(_mm256_castsi256_si128(b), _mm_set1_epi64x(0x3f))));
    Y("sllv_epi32", _mm256_sllv_epi32(a, _mm256_and_si256(b, _mm256_set1_epi32(0x3f))));
    Y("sllv_epi64", _mm256_sllv_epi64(a, _mm256_and_si256(b, _mm256_set1_epi64x(0x7f))));
    Y("srlv_epi32", _mm256_srlv_epi32(a, _mm256_and_si256(b, _mm256_set1_epi32(0x3f))));
    Y("srlv_epi64", _mm256_srlv_epi64(a, b));
    Y("srav_epi32", _mm256_srav_epi32(a, _mm256_and_si256(b, _mm256_set1_epi32(0x3f))));
    Y("sllv_epi32 128", _mm256_castsi128_si256(_mm_sllv_epi32(_mm256_castsi256_si128(a), _mm256_castsi256_si128(b))));
    Y("permutevar8x32", _mm256_permutevar8x32_epi32(a, b));
    Y("permute4x64 1b", _mm256_permute4x64_epi64(a, 0x1b)); Y("permute4x64 e4", _mm256_permute4x64_epi64(a, 0xe4));
    Y("permute2x128 21", _mm256_permute2x128_si256(a, b, 0x21));
    Y("permute2x128 83", _mm256_permute2x128_si256(a, b, 0x83));
    Y("permute2x128 38", _mm256_permute2x128_si256(a, b, 0x38));
    Y("broadcastb", _mm256_broadcastb_epi8(_mm256_castsi256_si128(a)));
    Y("broadcastw", _mm256_broadcastw_epi16(_mm256_castsi256_si128(a)));
    Y("broadcastd", _mm256_broadcastd_epi32(_mm256_castsi256_si128(a)));
    Y("broadcastq", _mm256_broadcastq_epi64(_mm256_castsi256_si128(a)));
    Y("broadcastsi128", _mm256_broadcastsi128_si256(_mm256_castsi256_si128(b)));
    Y("inserti128 1", _mm256_inserti128_si256(a, _mm256_castsi256_si128(b), 1));
    Y("extracti128 1", _mm256_castsi128_si256(_mm256_extracti128_si256(a, 1)));
#define YX(f) Y(#f, f(_mm256_castsi256_si128(a)))
    YX(_mm256_cvtepi8_epi16); YX(_mm256_cvtepi8_epi32); YX(_mm256_cvtepi8_epi64); YX(_mm256_cvtepi16_epi32);
    YX(_mm256_cvtepi16_epi64); YX(_mm256_cvtepi32_epi64); YX(_mm256_cvtepu8_epi16); YX(_mm256_cvtepu8_epi32);
    YX(_mm256_cvtepu8_epi64); YX(_mm256_cvtepu16_epi32); YX(_mm256_cvtepu16_epi64); YX(_mm256_cvtepu32_epi64);
    YI("movemask_epi8", _mm256_movemask_epi8(a));
    YI("testz", _mm256_testz_si256(a, b)); YI("testc", _mm256_testc_si256(a, b));
    YI("testnzc", _mm256_testnzc_si256(a, b));
    YI("extract_epi16 13", _mm256_extract_epi16(a, 13)); YI("extract_epi64 3", _mm256_extract_epi64(a, 3));
}

/* Gathers and masked moves over a table of the inputs. */
static void test_memory(void)
{
    static int32_t table[4 * N];
    memcpy(table, in, sizeof in);
    Y("i32gather_epi32", _mm256_i32gather_epi32(table, _mm256_and_si256(a, _mm256_set1_epi32(0xff)), 4));
    Y("mask_i32gather_epi32", _mm256_mask_i32gather_epi32(a, table, _mm256_and_si256(b, _mm256_set1_epi32(0x7f)), a, 4));
    Y("i64gather_epi64", _mm256_i64gather_epi64((const long long *)table, _mm256_and_si256(b, _mm256_set1_epi64x(0x7f)), 8));
    Y("i32gather_epi64", _mm256_i32gather_epi64((const long long *)table, _mm_and_si128(_mm256_castsi256_si128(a),
            _mm_set1_epi32(0x3f)), 8));
    Y("i64gather_epi32", _mm256_castsi128_si256(_mm256_i64gather_epi32(table, _mm256_and_si256(a, _mm256_set1_epi64x(0xff)), 4)));
    Y("i32gather_ps", IS8(_mm256_i32gather_ps((const float *)table, _mm256_and_si256(b, _mm256_set1_epi32(0xfe)), 2)));
    Y("i64gather_pd", ID4(_mm256_mask_i64gather_pd(PD4(b), (const double *)table, _mm256_and_si256(a,
            _mm256_set1_epi64x(0x1f)), PD4(b), 8)));
    Y("i32gather_epi32 128", _mm256_castsi128_si256(_mm_i32gather_epi32(table, _mm_and_si128(_mm256_castsi256_si128(b),
            _mm_set1_epi32(0xff)), 4)));
    Y("maskload_epi32", _mm256_maskload_epi32(table + 8, a));
    Y("maskload_epi64", _mm256_maskload_epi64((const long long *)table + 4, b));
    Y("maskload_ps", IS8(_mm256_maskload_ps((const float *)table + 3, a)));
    Y("maskload_pd", ID4(_mm256_maskload_pd((const double *)table + 1, b)));
    for (int i = 0; i < NP; i++) {
        static __m256i buf[2];
        buf[0] = a256(i + 1);
        buf[1] = b256(i + 2);
        _mm256_maskstore_epi32((int *)buf, a256(i), b256(i));
        _mm256_maskstore_pd((double *)buf + 4, b256(i), PD4(a256(i)));
        res256[i] = _mm256_xor_si256(buf[0], buf[1]);
        flags_[i] = 0;
    }
    show256("maskstore");
    for (int i = 0; i < NP; i++) {
        static __m256i src, dst;
        src = a256(i);
        __m256i v = _mm256_stream_load_si256(&src);
        _mm256_stream_si256(&dst, _mm256_add_epi32(v, b256(i)));
        _mm_sfence();
        res256[i] = dst;
        flags_[i] = 0;
    }
    show256("stream load/store");
}

static void test_fp(void)
{
    YPS2(_mm256_add_ps); YPD2(_mm256_add_pd); YPS2(_mm256_sub_ps); YPD2(_mm256_sub_pd);
    YPS2(_mm256_mul_ps); YPD2(_mm256_mul_pd); YPS2(_mm256_div_ps); YPD2(_mm256_div_pd);
    YPS2(_mm256_min_ps); YPD2(_mm256_min_pd); YPS2(_mm256_max_ps); YPD2(_mm256_max_pd);
    YPS1(_mm256_sqrt_ps); YPD1(_mm256_sqrt_pd);
    YPS2(_mm256_and_ps); YPD2(_mm256_andnot_pd); YPS2(_mm256_or_ps); YPD2(_mm256_xor_pd);
    YPS2(_mm256_hadd_ps); YPD2(_mm256_hadd_pd); YPS2(_mm256_hsub_ps); YPD2(_mm256_hsub_pd);
    YPS2(_mm256_addsub_ps); YPD2(_mm256_addsub_pd);
    YPS2(_mm256_unpacklo_ps); YPD2(_mm256_unpackhi_pd);
#define CMP(p) Y("cmp_ps " #p, IS8(_mm256_cmp_ps(PS8(a), PS8(b), p))); Y("cmp_pd " #p, ID4(_mm256_cmp_pd(PD4(a), PD4(b), p)))
    CMP(0); CMP(1); CMP(2); CMP(3); CMP(4); CMP(5); CMP(6); CMP(7); CMP(8); CMP(9); CMP(10); CMP(11);
    CMP(12); CMP(13); CMP(14); CMP(15); CMP(16); CMP(17); CMP(18); CMP(19); CMP(20); CMP(21); CMP(22); CMP(23);
    CMP(24); CMP(25); CMP(26); CMP(27); CMP(28); CMP(29); CMP(30); CMP(31);
    Y("cmp_ss 13 (128)", _mm256_castsi128_si256(_mm_castps_si128(_mm_cmp_ss(_mm256_castps256_ps128(PS8(a)),
            _mm256_castps256_ps128(PS8(b)), 13))));
    Y("round_ps near", IS8(_mm256_round_ps(PS8(a), _MM_FROUND_TO_NEAREST_INT)));
    Y("round_pd down", ID4(_mm256_round_pd(PD4(a), _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC)));
    Y("round_ps cur", IS8(_mm256_round_ps(PS8(a), _MM_FROUND_CUR_DIRECTION)));
    Y("dp_ps f1", canon_nan_ps256(IS8(_mm256_dp_ps(PS8(a), PS8(b), 0xf1))));
    Y("dp_ps 3c", canon_nan_ps256(IS8(_mm256_dp_ps(PS8(a), PS8(b), 0x3c))));
    Y("cvtps_pd", ID4(_mm256_cvtps_pd(_mm256_castps256_ps128(PS8(a)))));
    Y("cvtpd_ps", _mm256_castsi128_si256(_mm_castps_si128(_mm256_cvtpd_ps(PD4(a)))));
    Y("cvtepi32_ps", IS8(_mm256_cvtepi32_ps(a))); Y("cvtps_epi32", _mm256_cvtps_epi32(PS8(a)));
    Y("cvttps_epi32", _mm256_cvttps_epi32(PS8(a)));
    Y("cvtepi32_pd", ID4(_mm256_cvtepi32_pd(_mm256_castsi256_si128(a))));
    Y("cvtpd_epi32", _mm256_castsi128_si256(_mm256_cvtpd_epi32(PD4(a))));
    Y("cvttpd_epi32", _mm256_castsi128_si256(_mm256_cvttpd_epi32(PD4(a))));
    Y("blend_ps a5", IS8(_mm256_blend_ps(PS8(a), PS8(b), 0xa5))); Y("blend_pd 6", ID4(_mm256_blend_pd(PD4(a), PD4(b), 6)));
    Y("blendv_ps", IS8(_mm256_blendv_ps(PS8(a), PS8(b), PS8(_mm256_xor_si256(a, b)))));
    Y("blendv_pd", ID4(_mm256_blendv_pd(PD4(a), PD4(b), PD4(b))));
    Y("shuffle_ps 9c", IS8(_mm256_shuffle_ps(PS8(a), PS8(b), 0x9c))); Y("shuffle_pd 9", ID4(_mm256_shuffle_pd(PD4(a), PD4(b), 9)));
    Y("permute_ps 39", IS8(_mm256_permute_ps(PS8(a), 0x39))); Y("permute_pd 5", ID4(_mm256_permute_pd(PD4(a), 5)));
    Y("permutevar_ps", IS8(_mm256_permutevar_ps(PS8(a), b))); Y("permutevar_pd", ID4(_mm256_permutevar_pd(PD4(a), b)));
    Y("permute2f128 12", IS8(_mm256_permute2f128_ps(PS8(a), PS8(b), 0x12)));
    Y("permutevar8x32_ps", IS8(_mm256_permutevar8x32_ps(PS8(a), b)));
    Y("permute4x64_pd 8d", ID4(_mm256_permute4x64_pd(PD4(a), 0x8d)));
    Y("broadcast_ss", IS8(_mm256_broadcastss_ps(_mm256_castps256_ps128(PS8(b)))));
    Y("broadcast_sd", ID4(_mm256_broadcastsd_pd(_mm256_castpd256_pd128(PD4(b)))));
    Y("insertf128 0", IS8(_mm256_insertf128_ps(PS8(a), _mm256_castps256_ps128(PS8(b)), 0)));
    Y("extractf128 1", _mm256_castsi128_si256(_mm_castpd_si128(_mm256_extractf128_pd(PD4(a), 1))));
    Y("movehdup", IS8(_mm256_movehdup_ps(PS8(a)))); Y("moveldup", IS8(_mm256_moveldup_ps(PS8(a))));
    Y("movedup", ID4(_mm256_movedup_pd(PD4(a))));
    YI("movemask_ps", _mm256_movemask_ps(PS8(a))); YI("movemask_pd", _mm256_movemask_pd(PD4(a)));
    YI("testz_ps", _mm256_testz_ps(PS8(a), PS8(b))); YI("testc_pd", _mm256_testc_pd(PD4(a), PD4(b)));
    YI("testnzc_ps", _mm256_testnzc_ps(PS8(a), PS8(b)));
    /* VEX.128 forms of SSE operations: non-destructive, scalar upper bits from the first source. */
    Y("add_ss (128)", _mm256_castsi128_si256(_mm_castps_si128(_mm_add_ss(_mm256_castps256_ps128(PS8(a)),
            _mm256_castps256_ps128(PS8(b))))));
    Y("sqrt_sd (128)", _mm256_castsi128_si256(_mm_castpd_si128(_mm_sqrt_sd(_mm256_castpd256_pd128(PD4(a)),
            _mm256_castpd256_pd128(PD4(b))))));
}

int main(int argc, char **argv)
{
    unsigned a, b, c, d;
    if (!cpu_has(ECX, 28) || !cpu_has(ECX, 27) || !__get_cpuid_count(7, 0, &a, &b, &c, &d) || !(b >> 5 & 1)) {
        printf("unsupported\n"); /* no AVX2 */
        return 0;
    }
    simd_start(argc, argv);
    test_int();
    test_memory();
    for (size_t m = 0; m < NMODES; m++) {
        printf("== mxcsr %s\n", csr_modes[m].name);
        csr_mode = csr_modes[m].csr;
        test_fp();
    }
    return simd_end();
}
