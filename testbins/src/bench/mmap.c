/*
 * mmap.c - memory mapping: ROUNDS times mmap 256 KiB of anonymous memory,
 * write one byte in each of its 64 pages (a page fault each), read them back,
 * and munmap.  The runner reports ns per round (one mmap, 64 first touches,
 * one munmap).
 *
 *     mmap [ROUNDS]            prints the count and a checksum
 */
#include <sys/mman.h>
#include "bench.h"

#define PAGES 64
#define PAGE 4096

int main(int argc, char **argv)
{
    long rounds = bench_count(argc, argv, 1, 800);
    uint64_t sum = 0;
    uint64_t t0 = bench_now_ns();
    for (long r = 0; r < rounds; r++) {
        unsigned char *p = mmap(NULL, PAGES * PAGE, PROT_READ | PROT_WRITE,
                                MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) {
            perror("mmap: mmap");
            return 1;
        }
        for (int i = 0; i < PAGES; i++)
            p[i * PAGE + (i * 67 + r) % PAGE] = (unsigned char)(i + r);
        for (int i = 0; i < PAGES; i++)
            sum += p[i * PAGE + (i * 67 + r) % PAGE] + p[i * PAGE + ((i * 67 + r) % PAGE ^ 1)];
        if (munmap(p, PAGES * PAGE) != 0) {
            perror("mmap: munmap");
            return 1;
        }
    }
    uint64_t t1 = bench_now_ns();
    bench_report(t0, t1, (uint64_t)rounds);
    printf("mmap: rounds=%ld pages=%ld sum=%llu\n", rounds, rounds * PAGES, (unsigned long long)sum);
    return 0;
}
