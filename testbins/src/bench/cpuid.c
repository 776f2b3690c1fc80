/*
 * cpuid.c - not a workload: a probe for scripts/bench.  Prints, on one line,
 * the names (as glibc's glibc.cpu.hwcaps tunable spells them) of the CPU
 * features that steer glibc's choice of string-function variants and that
 * this CPU (or emulator) advertises.  scripts/bench runs it natively and
 * under jvisor, and counts native instructions (callgrind) with the features
 * jvisor lacks masked off, so the count follows the code paths jvisor runs.
 */
#include <cpuid.h>
#include <stdio.h>

struct feature { const char *name; unsigned leaf, reg, bit; };   /* reg: 0 ebx, 1 ecx, 2 edx */

static const struct feature features[] = {
    { "SSE3", 1, 1, 0 },      { "SSSE3", 1, 1, 9 },     { "FMA", 1, 1, 12 },
    { "SSE4_1", 1, 1, 19 },   { "SSE4_2", 1, 1, 20 },   { "MOVBE", 1, 1, 22 },
    { "POPCNT", 1, 1, 23 },   { "XSAVE", 1, 1, 26 },    { "OSXSAVE", 1, 1, 27 },
    { "AVX", 1, 1, 28 },      { "F16C", 1, 1, 29 },
    { "BMI1", 7, 0, 3 },      { "AVX2", 7, 0, 5 },      { "BMI2", 7, 0, 8 },
    { "ERMS", 7, 0, 9 },      { "RTM", 7, 0, 11 },      { "AVX512F", 7, 0, 16 },
    { "AVX512DQ", 7, 0, 17 }, { "AVX512CD", 7, 0, 28 }, { "AVX512BW", 7, 0, 30 },
    { "AVX512VL", 7, 0, 31 }, { "FSRM", 7, 2, 4 },
    { "LZCNT", 0x80000001, 1, 5 },
};

int main(void)
{
    unsigned max = __get_cpuid_max(0, NULL), maxext = __get_cpuid_max(0x80000000, NULL);
    const char *sep = "";
    for (unsigned i = 0; i < sizeof features / sizeof features[0]; i++) {
        const struct feature *f = &features[i];
        unsigned r[4] = { 0 }, a;
        if (f->leaf >= 0x80000000 ? f->leaf > maxext : f->leaf > max)
            continue;
        __cpuid_count(f->leaf, 0, a, r[0], r[1], r[2]);
        (void)a;
        if (r[f->reg] >> f->bit & 1) {
            printf("%s%s", sep, f->name);
            sep = " ";
        }
    }
    printf("\n");
    return 0;
}
