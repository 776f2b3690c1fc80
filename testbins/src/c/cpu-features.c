/*
 * cpu-features.c - what a program's libraries conclude from CPUID, checked
 * against CPUID itself and against the instructions the CPU really runs.
 *
 * For each feature it collects four views: the CPUID bit (with the OS state
 * XGETBV reports for AVX and AVX-512), libgcc's __builtin_cpu_supports,
 * glibc's <sys/platform/x86.h> CPU_FEATURE_PRESENT/ACTIVE, and whether a
 * typical instruction of the feature executes (a SIGILL handler catches the
 * #UD; TZCNT and LZCNT are told from BSF and BSR by their results).  It also
 * finds the string-function variants glibc's ifunc resolvers picked (the
 * targets of the IRELATIVE relocations, matched against the variants'
 * addresses) and the thresholds glibc derived from the cache leaves.
 *
 *   cpu-features       one verdict per check; the same text on any CPU whose
 *                      CPUID, libraries and instructions agree (exit 1 if not)
 *   cpu-features -v    everything it found, for people and for CpuFeaturesTest
 */
#include <cpuid.h>
#include <elf.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/platform/x86.h>

enum { EAX, EBX, ECX, EDX };
enum { OS_NONE, OS_AVX, OS_AVX512 };

struct feature {
    const char *name;
    unsigned leaf, reg, bit, os;
    int cpuid;      /* the bit, and the OS state where it needs one */
    int libgcc;     /* -1: libgcc has no name for it */
    int glibc_present, glibc_active;
    int runs;       /* -1: no probe */
};

static sigjmp_buf probe_env;

static void on_sigill(int sig)
{
    (void)sig;
    siglongjmp(probe_env, 1);
}

/* Each probe runs one instruction of its feature; it returns 1 if the instruction executed as the feature says. */
#define PROBE(fn, bytes, clobbers...) \
    static int fn(void) { __asm__ volatile(bytes ::: clobbers); return 1; }

PROBE(probe_sse3, ".byte 0xf2,0x0f,0xd0,0xc0", "xmm0")                    /* addsubps %xmm0,%xmm0 */
PROBE(probe_ssse3, ".byte 0x66,0x0f,0x38,0x00,0xc0", "xmm0")              /* pshufb %xmm0,%xmm0 */
PROBE(probe_sse41, ".byte 0x66,0x0f,0x3a,0x0e,0xc0,0x00", "xmm0")         /* pblendw $0,%xmm0,%xmm0 */
PROBE(probe_sse42, ".byte 0xf2,0x0f,0x38,0xf0,0xc0", "eax")               /* crc32b %al,%eax */
PROBE(probe_popcnt, ".byte 0xf3,0x0f,0xb8,0xc0", "eax", "cc")             /* popcnt %eax,%eax */
PROBE(probe_movbe, "push %%rax\n.byte 0x0f,0x38,0xf0,0x04,0x24\npop %%rax", "eax") /* movbe (%rsp),%eax */
PROBE(probe_rdtscp, ".byte 0x0f,0x01,0xf9", "eax", "ecx", "edx")          /* rdtscp */
PROBE(probe_lahf, ".byte 0x9f", "eax")                                     /* lahf */
PROBE(probe_mmx, ".byte 0x0f,0xef,0xc0,0x0f,0x77", "st")                  /* pxor %mm0,%mm0; emms */
PROBE(probe_bmi1, ".byte 0xc4,0xe2,0x78,0xf2,0xc0", "eax", "cc")          /* andn %eax,%eax,%eax */
PROBE(probe_bmi2, ".byte 0xc4,0xe2,0x7b,0xf5,0xc0", "eax")                /* pdep %eax,%eax,%eax */
PROBE(probe_adx, ".byte 0x66,0x0f,0x38,0xf6,0xc0", "eax", "cc")           /* adcx %eax,%eax */
PROBE(probe_avx, ".byte 0xc5,0xfc,0x57,0xc0,0xc5,0xf8,0x77", "xmm0")      /* vxorps %ymm0,%ymm0,%ymm0; vzeroupper */
PROBE(probe_avx2, ".byte 0xc5,0xfd,0xef,0xc0,0xc5,0xf8,0x77", "xmm0")     /* vpxor %ymm0,%ymm0,%ymm0; vzeroupper */
PROBE(probe_fma, ".byte 0xc4,0xe2,0x79,0x98,0xc0", "xmm0")                /* vfmadd132ps %xmm0,%xmm0,%xmm0 */
PROBE(probe_f16c, ".byte 0xc4,0xe2,0x79,0x13,0xc0", "xmm0")               /* vcvtph2ps %xmm0,%xmm0 */
PROBE(probe_aes, ".byte 0x66,0x0f,0x38,0xdc,0xc0", "xmm0")                /* aesenc %xmm0,%xmm0 */
PROBE(probe_pclmul, ".byte 0x66,0x0f,0x3a,0x44,0xc0,0x00", "xmm0")        /* pclmulqdq $0,%xmm0,%xmm0 */
PROBE(probe_rdrand, ".byte 0x0f,0xc7,0xf0", "eax", "cc")                  /* rdrand %eax */
PROBE(probe_sha, ".byte 0x0f,0x38,0xc8,0xc0", "xmm0")                     /* sha1nexte %xmm0,%xmm0 */
PROBE(probe_avx512f, ".byte 0x62,0xf1,0x7d,0x48,0xef,0xc0,0xc5,0xf8,0x77", "xmm0") /* vpxord %zmm0,%zmm0,%zmm0 */

static int probe_cx16(void)
{
    static __attribute__((aligned(16))) unsigned long pair[2];
    unsigned long a = 0, d = 0;
    __asm__ volatile(".byte 0xf0,0x48,0x0f,0xc7,0x0f" /* lock cmpxchg16b (%rdi) */
                     : "+a"(a), "+d"(d) : "D"(pair), "b"(0UL), "c"(0UL) : "memory", "cc");
    return 1;
}

/* Without LZCNT, F3 0F BD is BSR: lzcnt(1) = 31, bsr(1) = 0. */
static int probe_lzcnt(void)
{
    unsigned r;
    __asm__ volatile(".byte 0xf3,0x0f,0xbd,0xc1" : "=a"(r) : "c"(1u) : "cc"); /* lzcnt %ecx,%eax */
    return r == 31;
}

/* Without BMI1, F3 0F BC is BSF, which leaves the destination alone for a zero source: tzcnt(0) = 32. */
static int probe_tzcnt(void)
{
    unsigned r = 0x1234;
    __asm__ volatile(".byte 0xf3,0x0f,0xbc,0xc1" : "+a"(r) : "c"(0u) : "cc"); /* tzcnt %ecx,%eax */
    return r == 32;
}

static int run_probe(int (*probe)(void))
{
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigill;
    sigaction(SIGILL, &sa, &old);
    int ok = 0;
    if (sigsetjmp(probe_env, 1) == 0)
        ok = probe();
    sigaction(SIGILL, &old, NULL);
    return ok;
}

static unsigned cpuid_reg(unsigned leaf, unsigned reg)
{
    unsigned r[4] = { 0 };
    unsigned max = __get_cpuid_max(leaf & 0x80000000, NULL);
    if (leaf > max)
        return 0;
    __cpuid_count(leaf, 0, r[0], r[1], r[2], r[3]);
    return r[reg];
}

/* XCR0 as XGETBV reports it, or 0 when the OS has not enabled XSAVE (CPUID.1:ECX.OSXSAVE). */
static unsigned long xcr0(void)
{
    if (!(cpuid_reg(1, ECX) >> 27 & 1))
        return 0;
    unsigned lo, hi;
    __asm__ volatile(".byte 0x0f,0x01,0xd0" : "=a"(lo), "=d"(hi) : "c"(0)); /* xgetbv */
    return (unsigned long)hi << 32 | lo;
}

#define GCC(s) __builtin_cpu_supports(s)
#define FEATURE(n, l, r, b, os, gcc, glibc, probe) \
    { f = &features[count++]; \
      *f = (struct feature){ n, l, r, b, os, 0, gcc, CPU_FEATURE_PRESENT(glibc), CPU_FEATURE_ACTIVE(glibc), -1 }; \
      int (*p_)(void) = probe; \
      if (p_ != NULL) f->runs = run_probe(p_); }

static struct feature features[64];
static int count;

static void collect(void)
{
    struct feature *f;
    __builtin_cpu_init();
    FEATURE("cmov", 1, EDX, 15, OS_NONE, GCC("cmov"), CMOV, NULL)
    FEATURE("mmx", 1, EDX, 23, OS_NONE, GCC("mmx"), MMX, probe_mmx)
    FEATURE("sse", 1, EDX, 25, OS_NONE, GCC("sse"), SSE, NULL)
    FEATURE("sse2", 1, EDX, 26, OS_NONE, GCC("sse2"), SSE2, NULL)
    FEATURE("sse3", 1, ECX, 0, OS_NONE, GCC("sse3"), SSE3, probe_sse3)
    FEATURE("pclmul", 1, ECX, 1, OS_NONE, GCC("pclmul"), PCLMULQDQ, probe_pclmul)
    FEATURE("ssse3", 1, ECX, 9, OS_NONE, GCC("ssse3"), SSSE3, probe_ssse3)
    FEATURE("fma", 1, ECX, 12, OS_AVX, GCC("fma"), FMA, probe_fma)
    FEATURE("cx16", 1, ECX, 13, OS_NONE, GCC("cmpxchg16b"), CMPXCHG16B, probe_cx16)
    FEATURE("sse4.1", 1, ECX, 19, OS_NONE, GCC("sse4.1"), SSE4_1, probe_sse41)
    FEATURE("sse4.2", 1, ECX, 20, OS_NONE, GCC("sse4.2"), SSE4_2, probe_sse42)
    FEATURE("movbe", 1, ECX, 22, OS_NONE, GCC("movbe"), MOVBE, probe_movbe)
    FEATURE("popcnt", 1, ECX, 23, OS_NONE, GCC("popcnt"), POPCNT, probe_popcnt)
    FEATURE("aes", 1, ECX, 25, OS_NONE, GCC("aes"), AES, probe_aes)
    FEATURE("avx", 1, ECX, 28, OS_AVX, GCC("avx"), AVX, probe_avx)
    FEATURE("f16c", 1, ECX, 29, OS_AVX, GCC("f16c"), F16C, probe_f16c)
    FEATURE("rdrnd", 1, ECX, 30, OS_NONE, GCC("rdrnd"), RDRAND, probe_rdrand)
    FEATURE("bmi", 7, EBX, 3, OS_NONE, GCC("bmi"), BMI1, probe_bmi1)
    FEATURE("tzcnt", 7, EBX, 3, OS_NONE, GCC("bmi"), BMI1, probe_tzcnt)
    FEATURE("avx2", 7, EBX, 5, OS_AVX, GCC("avx2"), AVX2, probe_avx2)
    FEATURE("bmi2", 7, EBX, 8, OS_NONE, GCC("bmi2"), BMI2, probe_bmi2)
    FEATURE("avx512f", 7, EBX, 16, OS_AVX512, GCC("avx512f"), AVX512F, probe_avx512f)
    FEATURE("adx", 7, EBX, 19, OS_NONE, GCC("adx"), ADX, probe_adx)
    FEATURE("sha", 7, EBX, 29, OS_NONE, GCC("sha"), SHA, probe_sha)
    FEATURE("lahf", 0x80000001, ECX, 0, OS_NONE, -1, LAHF64_SAHF64, probe_lahf)
    FEATURE("lzcnt", 0x80000001, ECX, 5, OS_NONE, GCC("lzcnt"), LZCNT, probe_lzcnt)
    FEATURE("rdtscp", 0x80000001, EDX, 27, OS_NONE, -1, RDTSCP, probe_rdtscp)

    unsigned long x = xcr0();
    int os_avx = (x & 6) == 6, os_avx512 = (x & 0xe6) == 0xe6;
    for (int k = 0; k < count; k++) {
        struct feature *g = &features[k];
        g->cpuid = cpuid_reg(g->leaf, g->reg) >> g->bit & 1;
        if (g->os == OS_AVX)
            g->cpuid &= os_avx;
        if (g->os == OS_AVX512)
            g->cpuid &= os_avx512;
    }
}

/* ------------------------------------------------------------ glibc's ifunc choices */

#define VARIANTS(x) \
    x(__memmove_sse2_unaligned) x(__memmove_sse2_unaligned_erms) x(__memmove_ssse3) x(__memmove_erms) \
    x(__memmove_avx_unaligned) x(__memmove_avx_unaligned_erms) x(__memmove_avx_unaligned_rtm) \
    x(__memmove_avx_unaligned_erms_rtm) x(__memmove_evex_unaligned) x(__memmove_evex_unaligned_erms) \
    x(__memmove_avx512_unaligned) x(__memmove_avx512_unaligned_erms) x(__memmove_avx512_no_vzeroupper) \
    x(__memset_sse2_unaligned) x(__memset_sse2_unaligned_erms) x(__memset_erms) x(__memset_avx2_unaligned) \
    x(__memset_avx2_unaligned_erms) x(__memset_avx2_unaligned_rtm) x(__memset_avx2_unaligned_erms_rtm) \
    x(__memset_evex_unaligned) x(__memset_evex_unaligned_erms) x(__memset_avx512_unaligned) \
    x(__memset_avx512_unaligned_erms) x(__memset_avx512_no_vzeroupper) \
    x(__strlen_sse2) x(__strlen_avx2) x(__strlen_avx2_rtm) x(__strlen_evex) x(__strlen_evex512) \
    x(__strchr_sse2) x(__strchr_sse2_no_bsf) x(__strchr_avx2) x(__strchr_avx2_rtm) x(__strchr_evex) \
    x(__memchr_sse2) x(__memchr_avx2) x(__memchr_avx2_rtm) x(__memchr_evex) x(__memchr_evex_rtm) \
    x(__strcmp_sse2) x(__strcmp_sse2_unaligned) x(__strcmp_sse42) x(__strcmp_avx2) x(__strcmp_avx2_rtm) \
    x(__strcmp_evex)

#define DECLARE(s) extern char s[] __attribute__((weak));
VARIANTS(DECLARE)
#define ENTRY(s) { #s, s },
static const struct { const char *name; const char *addr; } variants[] = { VARIANTS(ENTRY) };

extern const Elf64_Rela __rela_iplt_start[] __attribute__((weak)), __rela_iplt_end[] __attribute__((weak));

/* The variant of a family ("memmove", ...) that some IRELATIVE slot holds: glibc's choice. */
static const char *chosen(const char *family)
{
    char prefix[32];
    snprintf(prefix, sizeof prefix, "__%s_", family);
    for (const Elf64_Rela *r = __rela_iplt_start; r < __rela_iplt_end; r++) {
        if (ELF64_R_TYPE(r->r_info) != R_X86_64_IRELATIVE)
            continue;
        const char *target = *(const char *const *)r->r_offset;
        for (unsigned k = 0; k < sizeof variants / sizeof variants[0]; k++) {
            if (variants[k].addr == target && strncmp(variants[k].name, prefix, strlen(prefix)) == 0)
                return variants[k].name;
        }
    }
    return "(none found)";
}

static const char *const families[] = { "memmove", "memset", "strlen", "strchr", "memchr", "strcmp" };

static struct feature *feature(const char *name)
{
    for (int k = 0; k < count; k++)
        if (strcmp(features[k].name, name) == 0)
            return &features[k];
    return NULL;
}

/* A variant needs the features its name names: the choice must not use anything glibc thinks absent. */
static int choice_is_usable(const char *v)
{
    if ((strstr(v, "avx512") || strstr(v, "evex")) && !feature("avx512f")->glibc_active)
        return 0;
    if (strstr(v, "avx2") && !feature("avx2")->glibc_active)
        return 0;
    if (strstr(v, "avx_") && !feature("avx")->glibc_active)
        return 0;
    if (strstr(v, "sse42") && !feature("sse4.2")->glibc_active)
        return 0;
    if (strstr(v, "ssse3") && !feature("ssse3")->glibc_active)
        return 0;
    return v[0] == '_';
}

extern long int __x86_shared_non_temporal_threshold, __x86_rep_movsb_threshold, __x86_rep_stosb_threshold,
    __x86_shared_cache_size, __x86_data_cache_size;

int main(int argc, char **argv)
{
    int verbose = argc > 1 && strcmp(argv[1], "-v") == 0;
    collect();

    if (verbose) {
        unsigned v[4] = { 0 }, sig = cpuid_reg(1, EAX);
        __cpuid(0, v[0], v[1], v[2], v[3]);
        char vendor[13];
        memcpy(vendor, &v[1], 4);
        memcpy(vendor + 4, &v[3], 4);
        memcpy(vendor + 8, &v[2], 4);
        vendor[12] = 0;
        unsigned family = sig >> 8 & 15, model = sig >> 4 & 15;
        if (family == 6 || family == 15)
            model |= (sig >> 16 & 15) << 4;
        printf("vendor %s\nsignature family %u model %u stepping %u\n", vendor, family, model, sig & 15);
        printf("libgcc intel %d\n", __builtin_cpu_is("intel") != 0);
        printf("xcr0 %#lx\n", xcr0());
        printf("%-8s %-16s %5s %6s %13s %12s %4s\n", "feature", "bit", "cpuid", "libgcc", "glibc-present", "glibc-active",
               "runs");
        for (int k = 0; k < count; k++) {
            struct feature *f = &features[k];
            char bit[32];
            static const char *const regs[] = { "eax", "ebx", "ecx", "edx" };
            snprintf(bit, sizeof bit, "%x.%s.%u%s", f->leaf, regs[f->reg], f->bit,
                     f->os == OS_AVX ? "+avx" : f->os == OS_AVX512 ? "+avx512" : "");
            printf("%-8s %-16s %5d %6d %13d %12d %4d\n", f->name, bit, f->cpuid, f->libgcc < 0 ? -1 : f->libgcc != 0,
                   f->glibc_present, f->glibc_active, f->runs);
        }
        for (unsigned k = 0; k < sizeof families / sizeof families[0]; k++)
            printf("glibc %s %s\n", families[k], chosen(families[k]));
        printf("glibc data_cache_size %ld\nglibc shared_cache_size %ld\n", __x86_data_cache_size, __x86_shared_cache_size);
        printf("glibc non_temporal_threshold %ld\nglibc rep_movsb_threshold %ld\nglibc rep_stosb_threshold %ld\n",
               __x86_shared_non_temporal_threshold, __x86_rep_movsb_threshold, __x86_rep_stosb_threshold);
        printf("sysconf L1d %ld/%ld-way/%ld L2 %ld/%ld-way L3 %ld/%ld-way\n", sysconf(_SC_LEVEL1_DCACHE_SIZE),
               sysconf(_SC_LEVEL1_DCACHE_ASSOC), sysconf(_SC_LEVEL1_DCACHE_LINESIZE), sysconf(_SC_LEVEL2_CACHE_SIZE),
               sysconf(_SC_LEVEL2_CACHE_ASSOC), sysconf(_SC_LEVEL3_CACHE_SIZE), sysconf(_SC_LEVEL3_CACHE_ASSOC));
        return 0;
    }

    int bad = 0;
    int libgcc_ok = 1, glibc_ok = 1, runs_ok = 1, choices_ok = 1;
    for (int k = 0; k < count; k++) {
        struct feature *f = &features[k];
        if (f->libgcc >= 0 && (f->libgcc != 0) != f->cpuid) {
            printf("libgcc disagrees with CPUID on %s: %d, CPUID %d\n", f->name, f->libgcc != 0, f->cpuid);
            libgcc_ok = 0;
        }
        if (f->glibc_active != f->cpuid || (f->os == OS_NONE && f->glibc_present != f->cpuid)) {
            printf("glibc disagrees with CPUID on %s: present %d active %d, CPUID %d\n", f->name, f->glibc_present,
                   f->glibc_active, f->cpuid);
            glibc_ok = 0;
        }
        if (f->runs >= 0 && f->runs != f->cpuid) {
            printf("%s %s although CPUID says %d\n", f->name, f->runs ? "runs" : "does not run", f->cpuid);
            runs_ok = 0;
        }
    }
    for (unsigned k = 0; k < sizeof families / sizeof families[0]; k++) {
        const char *v = chosen(families[k]);
        if (!choice_is_usable(v)) {
            printf("glibc's %s is %s, which its features do not allow\n", families[k], v);
            choices_ok = 0;
        }
    }
    printf("libgcc's __builtin_cpu_supports agrees with CPUID: %s\n", libgcc_ok ? "yes" : "no");
    printf("glibc's CPU_FEATURE_PRESENT/ACTIVE agree with CPUID: %s\n", glibc_ok ? "yes" : "no");
    printf("advertised instructions run, the others raise SIGILL: %s\n", runs_ok ? "yes" : "no");
    printf("glibc's string-function variants use only active features: %s\n", choices_ok ? "yes" : "no");
    bad = !libgcc_ok || !glibc_ok || !runs_ok || !choices_ok;
    return bad;
}
