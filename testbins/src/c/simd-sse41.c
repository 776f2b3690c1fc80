/*
 * simd-sse41.c - SSE4.1 instructions through <smmintrin.h> (harness and
 * inputs: simd.h; built with -msse4.1).  Tests: pblendw, pblendvb,
 * blendps/pd, blendvps/pd, roundps/pd/ss/sd with every rounding immediate
 * (nearest, down, up, zero, current MXCSR mode, with and without
 * suppressed precision exceptions), pcmpeqq, pmovsx and pmovzx of every
 * width, dpps and dppd with several masks, pextrb/d/q, extractps,
 * pinsrb/d/q, insertps (source lane, destination lane, zero mask), pmaxsb/d,
 * pmaxuw/d, pminsb/d, pminuw/d, phminposuw, mpsadbw with all 8 immediates,
 * pmuldq, pmulld, packusdw, ptest (testz/testc/testnzc) and movntdqa; the
 * float ones in every MXCSR rounding mode and FTZ+DAZ, recording the flags.
 */
#include <smmintrin.h>
#include "simd.h"

static void test_int(void)
{
    T("blend_epi16 00", _mm_blend_epi16(a, b, 0x00)); T("blend_epi16 a5", _mm_blend_epi16(a, b, 0xa5));
    T("blend_epi16 ff", _mm_blend_epi16(a, b, 0xff));
    T("blendv_epi8", _mm_blendv_epi8(a, b, _mm_xor_si128(a, b)));
    TI2(_mm_cmpeq_epi64);
    TI1(_mm_cvtepi8_epi16); TI1(_mm_cvtepi8_epi32); TI1(_mm_cvtepi8_epi64);
    TI1(_mm_cvtepi16_epi32); TI1(_mm_cvtepi16_epi64); TI1(_mm_cvtepi32_epi64);
    TI1(_mm_cvtepu8_epi16); TI1(_mm_cvtepu8_epi32); TI1(_mm_cvtepu8_epi64);
    TI1(_mm_cvtepu16_epi32); TI1(_mm_cvtepu16_epi64); TI1(_mm_cvtepu32_epi64);
    TI("extract_epi8 0", _mm_extract_epi8(a, 0)); TI("extract_epi8 15", _mm_extract_epi8(a, 15));
    TI("extract_epi32 1", _mm_extract_epi32(a, 1)); TI("extract_epi32 3", _mm_extract_epi32(a, 3));
    TI("extract_epi64 0", _mm_extract_epi64(a, 0)); TI("extract_epi64 1", _mm_extract_epi64(a, 1));
    TI("extract_ps 2", _mm_extract_ps(PS(a), 2));
    T("insert_epi8 0", _mm_insert_epi8(a, _mm_cvtsi128_si32(b), 0));
    T("insert_epi8 13", _mm_insert_epi8(a, _mm_cvtsi128_si32(b), 13));
    T("insert_epi32 2", _mm_insert_epi32(a, _mm_cvtsi128_si32(b), 2));
    T("insert_epi64 1", _mm_insert_epi64(a, _mm_cvtsi128_si64(b), 1));
    T("insert_ps 00", IS(_mm_insert_ps(PS(a), PS(b), 0x00)));
    T("insert_ps d0", IS(_mm_insert_ps(PS(a), PS(b), 0xd0)));
    T("insert_ps 65", IS(_mm_insert_ps(PS(a), PS(b), 0x65)));
    T("insert_ps 3f", IS(_mm_insert_ps(PS(a), PS(b), 0x3f)));
    TI2(_mm_max_epi8); TI2(_mm_max_epi32); TI2(_mm_max_epu16); TI2(_mm_max_epu32);
    TI2(_mm_min_epi8); TI2(_mm_min_epi32); TI2(_mm_min_epu16); TI2(_mm_min_epu32);
    TI1(_mm_minpos_epu16);
    T("mpsadbw 0", _mm_mpsadbw_epu8(a, b, 0)); T("mpsadbw 1", _mm_mpsadbw_epu8(a, b, 1));
    T("mpsadbw 2", _mm_mpsadbw_epu8(a, b, 2)); T("mpsadbw 3", _mm_mpsadbw_epu8(a, b, 3));
    T("mpsadbw 4", _mm_mpsadbw_epu8(a, b, 4)); T("mpsadbw 5", _mm_mpsadbw_epu8(a, b, 5));
    T("mpsadbw 6", _mm_mpsadbw_epu8(a, b, 6)); T("mpsadbw 7", _mm_mpsadbw_epu8(a, b, 7));
    TI2(_mm_mul_epi32); TI2(_mm_mullo_epi32); TI2(_mm_packus_epi32);
    TI("testz", _mm_testz_si128(a, b)); TI("testc", _mm_testc_si128(a, b));
    TI("testnzc", _mm_testnzc_si128(a, b));
    TI("testz same", _mm_testz_si128(a, a)); TI("testc ones", _mm_testc_si128(a, _mm_set1_epi8(-1)));
    for (int i = 0; i < NP; i++) {
        __m128i v = _mm_stream_load_si128(&in[i % N]);
        OPAQUE(v);
        res_[i] = v;
        flags_[i] = 0;
    }
    show("stream_load");
}

#define ROUNDS(imm, nm)                                                   \
    T("round_ps " nm, IS(_mm_round_ps(PS(a), imm)));                      \
    T("round_pd " nm, ID(_mm_round_pd(PD(a), imm)));                      \
    T("round_ss " nm, IS(_mm_round_ss(PS(a), PS(b), imm)));               \
    T("round_sd " nm, ID(_mm_round_sd(PD(a), PD(b), imm)))

static void test_fp(void)
{
    T("blend_ps 5", IS(_mm_blend_ps(PS(a), PS(b), 5))); T("blend_ps e", IS(_mm_blend_ps(PS(a), PS(b), 0xe)));
    T("blend_pd 1", ID(_mm_blend_pd(PD(a), PD(b), 1))); T("blend_pd 2", ID(_mm_blend_pd(PD(a), PD(b), 2)));
    T("blendv_ps", IS(_mm_blendv_ps(PS(a), PS(b), PS(_mm_xor_si128(a, b)))));
    T("blendv_pd", ID(_mm_blendv_pd(PD(a), PD(b), PD(_mm_xor_si128(a, b)))));
    ROUNDS(_MM_FROUND_TO_NEAREST_INT, "nearest");
    ROUNDS(_MM_FROUND_TO_NEG_INF, "down");
    ROUNDS(_MM_FROUND_TO_POS_INF, "up");
    ROUNDS(_MM_FROUND_TO_ZERO, "zero");
    ROUNDS(_MM_FROUND_CUR_DIRECTION, "current");
    ROUNDS(_MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC, "nearest noexc");
    ROUNDS(_MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC, "down noexc");
    ROUNDS(_MM_FROUND_CUR_DIRECTION | _MM_FROUND_NO_EXC, "current noexc");
    TPS1(_mm_floor_ps); TPD1(_mm_ceil_pd);
    T("dp_ps ff", canon_nan_ps(IS(_mm_dp_ps(PS(a), PS(b), 0xff)))); T("dp_ps 71", canon_nan_ps(IS(_mm_dp_ps(PS(a), PS(b), 0x71))));
    T("dp_ps f3", canon_nan_ps(IS(_mm_dp_ps(PS(a), PS(b), 0xf3)))); T("dp_ps 5a", canon_nan_ps(IS(_mm_dp_ps(PS(a), PS(b), 0x5a))));
    T("dp_pd 31", canon_nan_pd(ID(_mm_dp_pd(PD(a), PD(b), 0x31)))); T("dp_pd 33", canon_nan_pd(ID(_mm_dp_pd(PD(a), PD(b), 0x33))));
    T("dp_pd 12", canon_nan_pd(ID(_mm_dp_pd(PD(a), PD(b), 0x12)))); T("dp_pd 20", canon_nan_pd(ID(_mm_dp_pd(PD(a), PD(b), 0x20))));
}

int main(int argc, char **argv)
{
    if (!cpu_has(ECX, 19)) {        /* SSE4.1 */
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
    return simd_end();
}
