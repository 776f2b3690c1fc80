/*
 * matmul.c - double-precision numerics: C = A * B for 96x96 matrices
 * (i-k-j loop order, which gcc -O2 may vectorise with packed SSE2), REPS
 * times, each time feeding C back into A (scaled) so no product is dead.
 *
 *     matmul [REPS]            prints the sum and a corner of the last C
 */
#include <string.h>
#include "bench.h"

#define N 96

static double a[N][N], b[N][N], c[N][N];

__attribute__((noinline)) static void multiply(void)
{
    memset(c, 0, sizeof c);
    for (int i = 0; i < N; i++)
        for (int k = 0; k < N; k++) {
            double aik = a[i][k];
            for (int j = 0; j < N; j++)
                c[i][j] += aik * b[k][j];
        }
}

int main(int argc, char **argv)
{
    long reps = bench_count(argc, argv, 1, 250);
    uint64_t s = 99;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            a[i][j] = (double)(bench_rand(&s) % 2001) / 1000.0 - 1.0;
            b[i][j] = (double)(bench_rand(&s) % 2001) / 1000.0 - 1.0;
        }
    uint64_t t0 = bench_now_ns();
    for (long r = 0; r < reps; r++) {
        multiply();
        /* Feed back with a scale that keeps values bounded. */
        double m = 0;
        for (int i = 0; i < N; i++)
            for (int j = 0; j < N; j++) {
                double v = c[i][j] < 0 ? -c[i][j] : c[i][j];
                if (v > m)
                    m = v;
            }
        double inv = m > 0 ? 1.0 / m : 1.0;
        for (int i = 0; i < N; i++)
            for (int j = 0; j < N; j++)
                a[i][j] = c[i][j] * inv;
    }
    uint64_t t1 = bench_now_ns();
    bench_report(t0, t1, (uint64_t)reps);
    double sum = 0;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            sum += c[i][j];
    printf("matmul: n=%d reps=%ld sum=%.10e c00=%.10e cnn=%.10e\n", N, reps, sum, c[0][0],
           c[N - 1][N - 1]);
    return 0;
}
