/*
 * strmem.c - string and memory functions of the C library (glibc picks its
 * variants by CPUID, so this measures whichever the CPU, or emulator,
 * advertises): memcpy, memset, strlen and memchr over sizes 8, 64, 512, 4 KiB
 * and 64 KiB at varying alignments, each size moving the same number of bytes
 * (256 KiB per function per size per iteration).
 *
 *     strmem [ITERATIONS] [memcpy|memset|strlen|memchr|all]     (default: all)
 *
 * Prints a checksum over the results and the buffers.
 */
#include <string.h>
#include "bench.h"

#define MAXSZ 65536
#define BYTES_PER_SIZE (256 * 1024)

static char src[MAXSZ + 128], dst[MAXSZ + 128];
static const size_t sizes[] = { 8, 64, 512, 4096, 65536 };
#define NSIZES (sizeof sizes / sizeof sizes[0])

/* Keep the compiler from specialising the calls on constant sizes. */
static volatile size_t sink_size;

int main(int argc, char **argv)
{
    long iters = bench_count(argc, argv, 1, 150);
    const char *which = argc > 2 ? argv[2] : "all";
    int do_cpy = 0, do_set = 0, do_len = 0, do_chr = 0;
    if (strcmp(which, "all") == 0) do_cpy = do_set = do_len = do_chr = 1;
    else if (strcmp(which, "memcpy") == 0) do_cpy = 1;
    else if (strcmp(which, "memset") == 0) do_set = 1;
    else if (strcmp(which, "strlen") == 0) do_len = 1;
    else if (strcmp(which, "memchr") == 0) do_chr = 1;
    else { fprintf(stderr, "strmem: unknown function '%s'\n", which); return 2; }

    uint64_t s = 5;
    for (size_t i = 0; i < sizeof src; i++)
        src[i] = (char)('a' + bench_rand(&s) % 26);

    uint64_t h = 0, calls = 0;
    uint64_t t0 = bench_now_ns();
    for (long it = 0; it < iters; it++) {
        for (unsigned si = 0; si < NSIZES; si++) {
            sink_size = sizes[si];
            size_t n = sink_size;
            long reps = BYTES_PER_SIZE / (long)n;
            for (long r = 0; r < reps; r++) {
                size_t soff = (size_t)(r + it) & 63, doff = (size_t)(r * 3 + si) & 63;
                if (do_cpy) {
                    memcpy(dst + doff, src + soff, n);
                    h += (unsigned char)dst[doff + n - 1];
                }
                if (do_set) {
                    memset(dst + doff, (int)(r & 0x7f) | 1, n);
                    h += (unsigned char)dst[doff + (n >> 1)];
                }
                if (do_len) {
                    /* A terminator at n - 1 in a copy-free way: src has no NUL,
                       so place one, measure, and restore. */
                    char saved = src[soff + n - 1];
                    src[soff + n - 1] = '\0';
                    h += strlen(src + soff);
                    src[soff + n - 1] = saved;
                }
                if (do_chr) {
                    /* Search for a byte that is not there: the whole n is scanned. */
                    const char *p = memchr(src + soff, '#', n);
                    h += p ? (uint64_t)(p - src) : n;
                }
                calls++;
            }
        }
        h = bench_mix(h, (uint64_t)(unsigned char)dst[it & 1023]);
    }
    uint64_t t1 = bench_now_ns();
    bench_report(t0, t1, calls * (uint64_t)(do_cpy + do_set + do_len + do_chr));
    for (size_t i = 0; i < sizeof dst; i += 61)
        h = bench_mix(h, (uint64_t)(unsigned char)dst[i]);
    printf("strmem: %s iterations=%ld calls=%llu checksum=%016llx\n", which, iters,
           (unsigned long long)(calls * (uint64_t)(do_cpy + do_set + do_len + do_chr)),
           (unsigned long long)h);
    return 0;
}
