/*
 * bench.h - shared helpers for the benchmark workloads (scripts/bench).
 *
 * Every workload takes its iteration count as argv[1] (a default when absent),
 * prints a deterministic checksum on stdout (the runner compares it with the
 * native run's before a time counts) and one timing line on stderr:
 *
 *     bench-ns NANOSECONDS OPS
 *
 * the CLOCK_MONOTONIC time of its measured loop (start-up and set-up
 * excluded) and the number of operations in it, from which the runner derives
 * ns per operation (ns per system call for the syscall loops).
 */
#ifndef BENCH_H
#define BENCH_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static inline uint64_t bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* argv[i] as a positive count, or def when absent; exits 2 on a bad value. */
static inline long bench_count(int argc, char **argv, int i, long def)
{
    if (argc <= i)
        return def;
    char *end;
    long v = strtol(argv[i], &end, 10);
    if (*argv[i] == '\0' || *end != '\0' || v <= 0) {
        fprintf(stderr, "%s: bad count '%s'\n", argv[0], argv[i]);
        exit(2);
    }
    return v;
}

static inline void bench_report(uint64_t t0, uint64_t t1, uint64_t ops)
{
    fprintf(stderr, "bench-ns %llu %llu\n",
            (unsigned long long)(t1 - t0), (unsigned long long)ops);
}

/* A small deterministic generator (splitmix64). */
static inline uint64_t bench_rand(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* FNV-1a style mixing of a 64-bit value into a running checksum. */
static inline uint64_t bench_mix(uint64_t h, uint64_t v)
{
    for (int i = 0; i < 8; i++) {
        h ^= (v >> (8 * i)) & 0xff;
        h *= 0x100000001b3u;
    }
    return h;
}

#endif
