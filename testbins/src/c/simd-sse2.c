/*
 * simd-sse2.c - SSE and SSE2 instructions through <emmintrin.h> (harness and
 * inputs: simd.h).  Tests: packed integer add/sub (wrapping and saturating),
 * multiplies, madd, sad, avg, min/max, compares, logic, shifts by immediate
 * and by register (counts 0..64+), byte shifts, packs, unpacks, shuffles,
 * movemask, extract/insert; float and double arithmetic, sqrt, min/max (nan
 * and +-0 operand order), all compare predicates, comi/ucomi, logic,
 * shuffles, conversions between int32/int64/float/double (including out of
 * range and nan -> "integer indefinite"), with MXCSR in each rounding mode
 * and FTZ+DAZ, recording the exception flags; unaligned loads and stores,
 * non-temporal stores and fences.
 */
#include "simd.h"

static void test_int(void)
{
    TI2(_mm_add_epi8); TI2(_mm_add_epi16); TI2(_mm_add_epi32); TI2(_mm_add_epi64);
    TI2(_mm_sub_epi8); TI2(_mm_sub_epi16); TI2(_mm_sub_epi32); TI2(_mm_sub_epi64);
    TI2(_mm_adds_epi8); TI2(_mm_adds_epi16); TI2(_mm_adds_epu8); TI2(_mm_adds_epu16);
    TI2(_mm_subs_epi8); TI2(_mm_subs_epi16); TI2(_mm_subs_epu8); TI2(_mm_subs_epu16);
    TI2(_mm_mullo_epi16); TI2(_mm_mulhi_epi16); TI2(_mm_mulhi_epu16); TI2(_mm_mul_epu32);
    TI2(_mm_madd_epi16); TI2(_mm_sad_epu8); TI2(_mm_avg_epu8); TI2(_mm_avg_epu16);
    TI2(_mm_min_epu8); TI2(_mm_max_epu8); TI2(_mm_min_epi16); TI2(_mm_max_epi16);
    TI2(_mm_cmpeq_epi8); TI2(_mm_cmpeq_epi16); TI2(_mm_cmpeq_epi32);
    TI2(_mm_cmpgt_epi8); TI2(_mm_cmpgt_epi16); TI2(_mm_cmpgt_epi32);
    TI2(_mm_cmplt_epi8); TI2(_mm_cmplt_epi16); TI2(_mm_cmplt_epi32);
    TI2(_mm_and_si128); TI2(_mm_or_si128); TI2(_mm_xor_si128); TI2(_mm_andnot_si128);
    T("slli_epi16 1", _mm_slli_epi16(a, 1)); T("slli_epi16 15", _mm_slli_epi16(a, 15));
    T("slli_epi16 16", _mm_slli_epi16(a, 16));
    T("slli_epi32 1", _mm_slli_epi32(a, 1)); T("slli_epi32 31", _mm_slli_epi32(a, 31));
    T("slli_epi32 32", _mm_slli_epi32(a, 32));
    T("slli_epi64 1", _mm_slli_epi64(a, 1)); T("slli_epi64 63", _mm_slli_epi64(a, 63));
    T("slli_epi64 64", _mm_slli_epi64(a, 64));
    T("srli_epi16 3", _mm_srli_epi16(a, 3)); T("srli_epi16 16", _mm_srli_epi16(a, 16));
    T("srli_epi32 7", _mm_srli_epi32(a, 7)); T("srli_epi32 32", _mm_srli_epi32(a, 32));
    T("srli_epi64 13", _mm_srli_epi64(a, 13)); T("srli_epi64 64", _mm_srli_epi64(a, 64));
    T("srai_epi16 1", _mm_srai_epi16(a, 1)); T("srai_epi16 15", _mm_srai_epi16(a, 15));
    T("srai_epi16 16", _mm_srai_epi16(a, 16));
    T("srai_epi32 9", _mm_srai_epi32(a, 9)); T("srai_epi32 31", _mm_srai_epi32(a, 31));
    T("srai_epi32 40", _mm_srai_epi32(a, 40));
    /* shift by register: the count is the whole low quadword of b */
    static const long long counts[] = { 0, 1, 5, 15, 16, 31, 32, 63, 64, 65, 0x100000001LL, -1 };
    for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
        char name[64];
        __m128i cnt = _mm_set_epi64x(0x1234, counts[c]);
        printf("count %lld:\n", counts[c]);
        T("  sll_epi16", _mm_sll_epi16(a, cnt)); T("  sll_epi32", _mm_sll_epi32(a, cnt));
        T("  sll_epi64", _mm_sll_epi64(a, cnt)); T("  srl_epi16", _mm_srl_epi16(a, cnt));
        T("  srl_epi32", _mm_srl_epi32(a, cnt)); T("  srl_epi64", _mm_srl_epi64(a, cnt));
        T("  sra_epi16", _mm_sra_epi16(a, cnt)); T("  sra_epi32", _mm_sra_epi32(a, cnt));
        (void)name;
    }
    T("slli_si128 1", _mm_slli_si128(a, 1)); T("slli_si128 7", _mm_slli_si128(a, 7));
    T("slli_si128 15", _mm_slli_si128(a, 15)); T("slli_si128 16", _mm_slli_si128(a, 16));
    T("srli_si128 1", _mm_srli_si128(a, 1)); T("srli_si128 8", _mm_srli_si128(a, 8));
    T("srli_si128 15", _mm_srli_si128(a, 15)); T("srli_si128 16", _mm_srli_si128(a, 16));
    TI2(_mm_packs_epi16); TI2(_mm_packs_epi32); TI2(_mm_packus_epi16);
    TI2(_mm_unpacklo_epi8); TI2(_mm_unpacklo_epi16); TI2(_mm_unpacklo_epi32); TI2(_mm_unpacklo_epi64);
    TI2(_mm_unpackhi_epi8); TI2(_mm_unpackhi_epi16); TI2(_mm_unpackhi_epi32); TI2(_mm_unpackhi_epi64);
    T("shuffle_epi32 1b", _mm_shuffle_epi32(a, 0x1b)); T("shuffle_epi32 00", _mm_shuffle_epi32(a, 0x00));
    T("shuffle_epi32 4e", _mm_shuffle_epi32(a, 0x4e)); T("shuffle_epi32 d8", _mm_shuffle_epi32(a, 0xd8));
    T("shufflelo_epi16 1b", _mm_shufflelo_epi16(a, 0x1b)); T("shufflelo_epi16 a5", _mm_shufflelo_epi16(a, 0xa5));
    T("shufflehi_epi16 1b", _mm_shufflehi_epi16(a, 0x1b)); T("shufflehi_epi16 72", _mm_shufflehi_epi16(a, 0x72));
    TI("movemask_epi8", _mm_movemask_epi8(a));
    TI("extract_epi16 0", _mm_extract_epi16(a, 0)); TI("extract_epi16 7", _mm_extract_epi16(a, 7));
    T("insert_epi16 3", _mm_insert_epi16(a, _mm_cvtsi128_si32(b), 3));
    T("insert_epi16 7", _mm_insert_epi16(a, _mm_cvtsi128_si32(b), 7));
    TI1(_mm_move_epi64);
    TI("cvtsi128_si32", _mm_cvtsi128_si32(a)); TI("cvtsi128_si64", _mm_cvtsi128_si64(a));
    T("cvtsi32_si128", _mm_cvtsi32_si128(_mm_cvtsi128_si32(b)));
    T("cvtsi64_si128", _mm_cvtsi64_si128(_mm_cvtsi128_si64(b)));
}

static void test_fp(void)
{
    TPS2(_mm_add_ps); TPS2(_mm_sub_ps); TPS2(_mm_mul_ps); TPS2(_mm_div_ps); TPS1(_mm_sqrt_ps);
    TPS2(_mm_min_ps); TPS2(_mm_max_ps);
    TPS2(_mm_add_ss); TPS2(_mm_sub_ss); TPS2(_mm_mul_ss); TPS2(_mm_div_ss); TPS1(_mm_sqrt_ss);
    TPS2(_mm_min_ss); TPS2(_mm_max_ss);
    TPS2(_mm_cmpeq_ps); TPS2(_mm_cmplt_ps); TPS2(_mm_cmple_ps); TPS2(_mm_cmpneq_ps);
    TPS2(_mm_cmpnlt_ps); TPS2(_mm_cmpnle_ps); TPS2(_mm_cmpord_ps); TPS2(_mm_cmpunord_ps);
    TPS2(_mm_cmpgt_ps); TPS2(_mm_cmpge_ps);
    TPS2(_mm_cmpeq_ss); TPS2(_mm_cmplt_ss); TPS2(_mm_cmple_ss); TPS2(_mm_cmpunord_ss);
    TI("comieq_ss", _mm_comieq_ss(PS(a), PS(b))); TI("comilt_ss", _mm_comilt_ss(PS(a), PS(b)));
    TI("comile_ss", _mm_comile_ss(PS(a), PS(b))); TI("comigt_ss", _mm_comigt_ss(PS(a), PS(b)));
    TI("comineq_ss", _mm_comineq_ss(PS(a), PS(b)));
    TI("ucomieq_ss", _mm_ucomieq_ss(PS(a), PS(b))); TI("ucomilt_ss", _mm_ucomilt_ss(PS(a), PS(b)));
    TI("ucomige_ss", _mm_ucomige_ss(PS(a), PS(b))); TI("ucomineq_ss", _mm_ucomineq_ss(PS(a), PS(b)));
    TPS2(_mm_and_ps); TPS2(_mm_andnot_ps); TPS2(_mm_or_ps); TPS2(_mm_xor_ps);
    T("shuffle_ps 1b", IS(_mm_shuffle_ps(PS(a), PS(b), 0x1b)));
    T("shuffle_ps e4", IS(_mm_shuffle_ps(PS(a), PS(b), 0xe4)));
    TPS2(_mm_unpacklo_ps); TPS2(_mm_unpackhi_ps); TPS2(_mm_movehl_ps); TPS2(_mm_movelh_ps);
    TPS2(_mm_move_ss);
    TI("movemask_ps", _mm_movemask_ps(PS(a)));
    TI("cvtss_si32", _mm_cvtss_si32(PS(a))); TI("cvttss_si32", _mm_cvttss_si32(PS(a)));
    TI("cvtss_si64", _mm_cvtss_si64(PS(a))); TI("cvttss_si64", _mm_cvttss_si64(PS(a)));
    T("cvtsi32_ss", IS(_mm_cvtsi32_ss(PS(a), _mm_cvtsi128_si32(b))));
    T("cvtsi64_ss", IS(_mm_cvtsi64_ss(PS(a), _mm_cvtsi128_si64(b))));

    TPD2(_mm_add_pd); TPD2(_mm_sub_pd); TPD2(_mm_mul_pd); TPD2(_mm_div_pd); TPD1(_mm_sqrt_pd);
    TPD2(_mm_min_pd); TPD2(_mm_max_pd);
    TPD2(_mm_add_sd); TPD2(_mm_sub_sd); TPD2(_mm_mul_sd); TPD2(_mm_div_sd);
    T("sqrt_sd", ID(_mm_sqrt_sd(PD(a), PD(b))));
    TPD2(_mm_min_sd); TPD2(_mm_max_sd);
    TPD2(_mm_cmpeq_pd); TPD2(_mm_cmplt_pd); TPD2(_mm_cmple_pd); TPD2(_mm_cmpneq_pd);
    TPD2(_mm_cmpnlt_pd); TPD2(_mm_cmpnle_pd); TPD2(_mm_cmpord_pd); TPD2(_mm_cmpunord_pd);
    TPD2(_mm_cmpeq_sd); TPD2(_mm_cmplt_sd); TPD2(_mm_cmpnle_sd); TPD2(_mm_cmpord_sd);
    TI("comieq_sd", _mm_comieq_sd(PD(a), PD(b))); TI("comilt_sd", _mm_comilt_sd(PD(a), PD(b)));
    TI("comige_sd", _mm_comige_sd(PD(a), PD(b))); TI("comineq_sd", _mm_comineq_sd(PD(a), PD(b)));
    TI("ucomieq_sd", _mm_ucomieq_sd(PD(a), PD(b))); TI("ucomile_sd", _mm_ucomile_sd(PD(a), PD(b)));
    TI("ucomigt_sd", _mm_ucomigt_sd(PD(a), PD(b))); TI("ucomineq_sd", _mm_ucomineq_sd(PD(a), PD(b)));
    TPD2(_mm_and_pd); TPD2(_mm_andnot_pd); TPD2(_mm_or_pd); TPD2(_mm_xor_pd);
    T("shuffle_pd 0", ID(_mm_shuffle_pd(PD(a), PD(b), 0)));
    T("shuffle_pd 1", ID(_mm_shuffle_pd(PD(a), PD(b), 1)));
    T("shuffle_pd 2", ID(_mm_shuffle_pd(PD(a), PD(b), 2)));
    T("shuffle_pd 3", ID(_mm_shuffle_pd(PD(a), PD(b), 3)));
    TPD2(_mm_unpacklo_pd); TPD2(_mm_unpackhi_pd); TPD2(_mm_move_sd);
    TI("movemask_pd", _mm_movemask_pd(PD(a)));
    T("cvtpd_ps", IS(_mm_cvtpd_ps(PD(a)))); T("cvtps_pd", ID(_mm_cvtps_pd(PS(a))));
    T("cvtpd_epi32", _mm_cvtpd_epi32(PD(a))); T("cvttpd_epi32", _mm_cvttpd_epi32(PD(a)));
    T("cvtepi32_pd", ID(_mm_cvtepi32_pd(a))); T("cvtepi32_ps", IS(_mm_cvtepi32_ps(a)));
    T("cvtps_epi32", _mm_cvtps_epi32(PS(a))); T("cvttps_epi32", _mm_cvttps_epi32(PS(a)));
    TI("cvtsd_si32", _mm_cvtsd_si32(PD(a))); TI("cvttsd_si32", _mm_cvttsd_si32(PD(a)));
    TI("cvtsd_si64", _mm_cvtsd_si64(PD(a))); TI("cvttsd_si64", _mm_cvttsd_si64(PD(a)));
    T("cvtsi32_sd", ID(_mm_cvtsi32_sd(PD(a), _mm_cvtsi128_si32(b))));
    T("cvtsi64_sd", ID(_mm_cvtsi64_sd(PD(a), _mm_cvtsi128_si64(b))));
    T("cvtsd_ss", IS(_mm_cvtsd_ss(PS(a), PD(b))));
    T("cvtss_sd", ID(_mm_cvtss_sd(PD(a), PS(b))));
}

static void test_memory(void)
{
    unsigned char buf[64] __attribute__((aligned(16)));
    for (int i = 0; i < 64; i++)
        buf[i] = (unsigned char)(i * 37 + 11);
    uint64_t h = 0xcbf29ce484222325ULL;
    for (int off = 0; off < 32; off++) {
        __m128i v = _mm_loadu_si128((const __m128i *)(buf + off));
        OPAQUE(v);
        v = _mm_add_epi8(v, _mm_set1_epi8(1));
        _mm_storeu_si128((__m128i *)(buf + 32 - off / 2), v);
        __m128i l = _mm_loadl_epi64((const __m128i *)(buf + off + 3));
        _mm_storel_epi64((__m128i *)(buf + (off * 5) % 48), l);
        __m128d d = _mm_loadu_pd((const double *)(buf + off + 1));
        d = _mm_loadh_pd(d, (const double *)(buf + 7));
        _mm_storeu_pd((double *)(buf + 40 - off), d);
        __m128 f = _mm_loadu_ps((const float *)(buf + off));
        _mm_store_ss((float *)(buf + 2 * off), f);
        h = fnv(h, buf, sizeof buf);
    }
    for (int i = 0; i < NP; i++) {
        __m128i a = in_a(i), b = in_b(i);
        _mm_maskmoveu_si128(a, b, (char *)buf + (i % 17));
        _mm_stream_si128((__m128i *)buf + (i % 3), b);
        _mm_stream_si32((int *)buf + (i % 5), i);
        _mm_stream_si64((long long *)buf + 6, (long long)i * 77);
        h = fnv(h, buf, sizeof buf);
    }
    _mm_sfence();
    _mm_lfence();
    _mm_mfence();
    _mm_pause();
    h = fnv(h, buf, sizeof buf);
    printf("memory h=%016llx\n", (unsigned long long)h);
    total = fnv(total, &h, sizeof h);
}

int main(int argc, char **argv)
{
    if (!cpu_has(EDX, 26)) {         /* SSE2 */
        printf("unsupported\n");
        return 0;
    }
    simd_start(argc, argv);
    test_int();
    for (size_t m = 0; m < NMODES; m++) {
        printf("== mxcsr %s\n", csr_modes[m].name);
        csr_mode = csr_modes[m].csr;
        test_fp();
    }
    csr_mode = 0x1f80;
    test_memory();
    return simd_end();
}
