/*
 * longdouble.c - x87 long double arithmetic as C programs use it, for the end-to-end
 * test X87LongDoubleTest: printf %Lf %Le %La %Lg, strtold round trips, libm long double
 * functions, double printf (musl formats doubles through long double, i.e. the x87),
 * and conversions. Built static with glibc and with musl; the output under jvisor must
 * equal the native output. Lines starting with '~' hold results of the transcendental
 * instructions (FSIN, F2XM1, FYL2X, ...), which the hardware computes to within one ulp
 * only: the test compares those numerically; every other line must match exactly.
 */
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <float.h>
#include <string.h>

static volatile long double sink;

int main(void) {
    static volatile long double one = 1, two = 2, three = 3, seven = 7, big4000 = 1e4000L, tiny4000 = 3.4e-4000L;
    long double a = one / three, b = two / seven, c = big4000 * one, d = tiny4000 * one;
    long double vals[] = {a, b, a + b, a * b, a / b, a - b, c, d, c * d, c / 7, -0.0L, 1.0L, -2.5L,
                          LDBL_MAX, LDBL_MIN, LDBL_MIN / 4, LDBL_EPSILON, 123456789.123456789L, 0.1L,
                          1e-20L, 12345678901234567890.0L, 3.14159265358979323846264338327950288L};
    int n = sizeof vals / sizeof vals[0];
    for (int i = 0; i < n; i++) {
        long double v = vals[i];
        printf("%d: %Lf | %Le | %La | %.25Lg | %.30Lf\n", i, v, v, v, v, v);
    }
    printf("inf %Lf %Le nan %Lf\n", (long double)INFINITY, -(long double)INFINITY, (long double)NAN);
    /* strtold round trips */
    const char *strs[] = {"0.1", "1e-4950", "1.18973149535723176502e+4932", "3.36210314311209350626e-4932",
                          "123456789012345678901234567890", "-0.000000000000000000001", "0x1.fffffffffffffffep16383",
                          "2.718281828459045235360287471352662497757", "1e400", "4.9406564584124654e-324", "nan", "-inf"};
    for (unsigned i = 0; i < sizeof strs / sizeof strs[0]; i++) {
        char *end;
        long double v = strtold(strs[i], &end);
        char buf[128];
        snprintf(buf, sizeof buf, "%.21Lg", v);
        long double w = strtold(buf, 0);
        printf("strtold(%s) = %La = %s round-trip %s\n", strs[i], v, buf, memcmp(&v, &w, 10) == 0 ? "ok" : "DIFF");
    }
    /* libm long double functions: exact ones (arithmetic, FSQRT, FPREM, FRNDINT) ... */
    long double xs[] = {0.5L, 1.0L, 2.0L, 10.0L, 0.001L, 100.25L, 3.14159L, -1.5L, 1e10L, 1e-10L, 710.5L, 11356.0L};
    for (unsigned i = 0; i < sizeof xs / sizeof xs[0]; i++) {
        long double x = xs[i] * one;
        printf("x=%.21Lg sqrtl=%.21Lg fmodl=%.21Lg remainderl=%.21Lg rintl=%.21Lg floorl=%.21Lg ceill=%.21Lg truncl=%.21Lg"
               " cbrtl=%.21Lg ldexpl=%La frexpl=%La\n", x, sqrtl(fabsl(x)), fmodl(x * 7.125L, 1.75L), remainderl(x * 7.125L, 1.75L),
               rintl(x * 3.3L), floorl(-x), ceill(x), truncl(-x * 1.7L), cbrtl(x), ldexpl(x, 100), frexpl(x, &(int){0}));
        /* ... and the transcendental ones, compared within 1 ulp-ish */
        printf("~ x=%.21Lg sinl=%.21Lg cosl=%.21Lg tanl=%.21Lg expl=%.21Lg logl=%.21Lg\n", x, sinl(x), cosl(x), tanl(x), expl(x / 16),
               logl(fabsl(x)));
        printf("~ powl=%.21Lg atan2l=%.21Lg log2l=%.21Lg exp2l=%.21Lg atanl=%.21Lg\n", powl(fabsl(x), 1.0L / 3.0L), atan2l(x, 3.0L),
               log2l(fabsl(x)), exp2l(x / 100), atanl(x));
        printf("~ log10l=%.21Lg log1pl=%.21Lg expm1l=%.21Lg sinhl=%.21Lg asinl=%.21Lg\n", log10l(fabsl(x)), log1pl(fabsl(x)),
               expm1l(x / 1000), sinhl(x / 100), asinl(1 / (2 + fabsl(x))));
    }
    /* double printf, which glibc does in integer arithmetic; musl through long double */
    double ds[] = {0.1, 1.0 / 3, 2.0 / 3, 1e300, 1e-300, 5e-324, 123456.789, -0.0, 1e15 + 0.3, 3.141592653589793};
    for (unsigned i = 0; i < sizeof ds / sizeof ds[0]; i++)
        printf("%f %e %g %a %.17g %.3f\n", ds[i], ds[i], ds[i], ds[i], ds[i], ds[i]);
    /* sums and products in a loop: rounding accumulates */
    long double acc = 0, prod = 1;
    for (int i = 1; i <= 1000; i++) {
        acc += one / i;
        prod *= 1 + one / (i * i);
    }
    printf("harmonic %.21Lg %La product %.21Lg %La\n", acc, acc, prod, prod);
    /* integer conversions through the x87 */
    long double big = 9.2233720368547758e18L;
    printf("%lld %lld %llu\n", (long long)(a * 1e18L), (long long)-big, (unsigned long long)(big * 1.5L));
    float f = (float)a;
    double g = (double)b;
    printf("%.9g %.17g %d\n", f, g, (int)(c > d));
    sink = a;
    return 0;
}
