/*
 * simd-ssse3.c - SSE3 and SSSE3 instructions through <pmmintrin.h> and
 * <tmmintrin.h> (harness and inputs: simd.h; built with -mssse3).  Tests:
 * pabsb/w/d, phaddw/d, phaddsw, phsubw/d, phsubsw, pmaddubsw, pmulhrsw,
 * pshufb (including index bytes with bit 7 set), psignb/w/d, palignr at
 * offsets 0..32; SSE3 addsubps/pd, haddps/pd, hsubps/pd, movshdup,
 * movsldup, movddup and lddqu, the float ones in every MXCSR rounding mode
 * and FTZ+DAZ with the exception flags recorded.
 */
#include <pmmintrin.h>
#include <tmmintrin.h>
#include "simd.h"

static void test_ssse3(void)
{
    TI1(_mm_abs_epi8); TI1(_mm_abs_epi16); TI1(_mm_abs_epi32);
    TI2(_mm_hadd_epi16); TI2(_mm_hadd_epi32); TI2(_mm_hadds_epi16);
    TI2(_mm_hsub_epi16); TI2(_mm_hsub_epi32); TI2(_mm_hsubs_epi16);
    TI2(_mm_maddubs_epi16); TI2(_mm_mulhrs_epi16); TI2(_mm_shuffle_epi8);
    T("shuffle_epi8 low4", _mm_shuffle_epi8(a, _mm_and_si128(b, _mm_set1_epi8(0x8f))));
    TI2(_mm_sign_epi8); TI2(_mm_sign_epi16); TI2(_mm_sign_epi32);
    T("alignr 0", _mm_alignr_epi8(a, b, 0)); T("alignr 1", _mm_alignr_epi8(a, b, 1));
    T("alignr 7", _mm_alignr_epi8(a, b, 7)); T("alignr 8", _mm_alignr_epi8(a, b, 8));
    T("alignr 15", _mm_alignr_epi8(a, b, 15)); T("alignr 16", _mm_alignr_epi8(a, b, 16));
    T("alignr 17", _mm_alignr_epi8(a, b, 17)); T("alignr 31", _mm_alignr_epi8(a, b, 31));
    T("alignr 32", _mm_alignr_epi8(a, b, 32));
}

static void test_sse3(void)
{
    TPS2(_mm_addsub_ps); TPD2(_mm_addsub_pd); TPS2(_mm_hadd_ps); TPD2(_mm_hadd_pd);
    TPS2(_mm_hsub_ps); TPD2(_mm_hsub_pd);
    TPS1(_mm_movehdup_ps); TPS1(_mm_moveldup_ps); TPD1(_mm_movedup_pd);
}

int main(int argc, char **argv)
{
    if (!cpu_has(ECX, 0) || !cpu_has(ECX, 9)) {     /* SSE3, SSSE3 */
        printf("unsupported\n");
        return 0;
    }
    simd_start(argc, argv);
    test_ssse3();
    for (size_t m = 0; m < NMODES; m++) {
        printf("== mxcsr %s\n", csr_modes[m].name);
        csr_mode = csr_modes[m].csr;
        test_sse3();
    }
    csr_mode = 0x1f80;
    unsigned char buf[48];
    for (int i = 0; i < 48; i++)
        buf[i] = (unsigned char)(i * 29 + 3);
    for (int off = 0; off < 32; off++) {
        __m128i v = _mm_lddqu_si128((const __m128i *)(buf + off));
        OPAQUE(v);
        res_[off] = v;
        flags_[off] = 0;
    }
    for (int i = 32; i < NP; i++) {
        res_[i] = _mm_setzero_si128();
        flags_[i] = 0;
    }
    show("lddqu");
    return simd_end();
}
