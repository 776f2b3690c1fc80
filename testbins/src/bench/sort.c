/*
 * sort.c - sorting 20000 pseudo-random ints, ROUNDS times, with the C
 * library's qsort (indirect calls to a comparison function) or an own
 * top-down merge sort.
 *
 *     sort [ROUNDS] [qsort|merge]     (defaults: 100, merge)
 *
 * Prints a checksum over every sorted array (and fails when one is not sorted).
 */
#include <string.h>
#include "bench.h"

#define N 20000

static int a[N], tmp[N];

static int cmp_int(const void *x, const void *y)
{
    int p = *(const int *)x, q = *(const int *)y;
    return (p > q) - (p < q);
}

static void merge_sort(int *v, int *t, size_t n)
{
    if (n < 2)
        return;
    if (n <= 16) {                      /* insertion sort for short runs */
        for (size_t i = 1; i < n; i++) {
            int x = v[i];
            size_t j = i;
            while (j > 0 && v[j - 1] > x) {
                v[j] = v[j - 1];
                j--;
            }
            v[j] = x;
        }
        return;
    }
    size_t h = n / 2;
    merge_sort(v, t, h);
    merge_sort(v + h, t, n - h);
    size_t i = 0, j = h, k = 0;
    while (i < h && j < n)
        t[k++] = v[j] < v[i] ? v[j++] : v[i++];
    while (i < h)
        t[k++] = v[i++];
    /* The rest of the right half is already in place. */
    memcpy(v, t, k * sizeof *v);
}

int main(int argc, char **argv)
{
    long rounds = bench_count(argc, argv, 1, 100);
    int use_qsort = 0;
    if (argc > 2) {
        if (strcmp(argv[2], "qsort") == 0)
            use_qsort = 1;
        else if (strcmp(argv[2], "merge") != 0) {
            fprintf(stderr, "sort: mode must be qsort or merge\n");
            return 2;
        }
    }

    uint64_t s = 7, sum = 0, ns = 0;
    for (long r = 0; r < rounds; r++) {
        for (int i = 0; i < N; i++)
            a[i] = (int)(bench_rand(&s) % 1000000) - 500000;
        uint64_t t0 = bench_now_ns();
        if (use_qsort)
            qsort(a, N, sizeof a[0], cmp_int);
        else
            merge_sort(a, tmp, N);
        ns += bench_now_ns() - t0;
        for (int i = 1; i < N; i++)
            if (a[i - 1] > a[i]) {
                printf("sort: NOT SORTED at round %ld index %d\n", r, i);
                return 1;
            }
        for (int i = 0; i < N; i += 97)
            sum = bench_mix(sum, (uint64_t)(uint32_t)a[i]);
    }
    bench_report(0, ns, (uint64_t)rounds);
    printf("sort: %s rounds=%ld n=%d checksum=%016llx\n", use_qsort ? "qsort" : "merge",
           rounds, N, (unsigned long long)sum);
    return 0;
}
