/*
 * printf.c - exercises printf's integer, string, char, pointer and floating
 * point conversions.
 * Tests: integer arithmetic (division by 10/8/16 in the formatter), SSE2
 * double arithmetic and conversions (addsd, mulsd, divsd, cvtsi2sd,
 * ucomisd), glibc's multi-precision float printing, and special values
 * (-0.0, denormals, inf, nan).  All inputs are read from volatile variables so
 * the compiler cannot fold the results at build time.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>

static volatile int v_int[] = { 0, 1, -1, 42, -42, 123456789, INT_MIN, INT_MAX, 300, -129 };
static volatile long long v_llmax = LLONG_MAX;
static volatile long long v_llmin = LLONG_MIN;
static volatile unsigned long v_ulmax = ULONG_MAX;
static volatile long v_long = -1234567890123L;

static volatile double v_zero = 0.0, v_one = 1.0, v_two = 2.0, v_three = 3.0, v_ten = 10.0;
static volatile double v_big = 1e300;
static volatile double v_dbl_min = 2.2250738585072014e-308; /* smallest normal */
static volatile double v_tiny = 4.9e-324;                   /* smallest denormal */
static volatile int v_num = 123456789, v_den = 1000;
static volatile uintptr_t v_ptr = 0xdeadbeefUL;

static void ints(void)
{
    printf("== integers\n");
    for (unsigned i = 0; i < sizeof v_int / sizeof v_int[0]; i++) {
        int x = v_int[i];
        printf("%d|%u|%x|%X|%o|%#x|%#o\n", x, (unsigned)x, (unsigned)x, (unsigned)x,
               (unsigned)x, (unsigned)x, (unsigned)x);
        printf("[%8d][%-8d][%08d][%+d][% d][%.5d][%8.3d]\n", x, x, x, x, x, x, x);
        printf("hhd=%hhd hhu=%hhu hd=%hd hu=%hu\n", (signed char)x, (unsigned char)x,
               (short)x, (unsigned short)x);
        printf("ld=%ld lld=%lld\n", (long)x * 1000003L, (long long)x * -7000000001LL);
    }
    printf("INT_MIN=%d INT_MAX=%d\n", v_int[6], v_int[7]);
    printf("LLONG_MAX=%lld LLONG_MIN=%lld\n", v_llmax, v_llmin);
    printf("LLONG_MAX hex=%llx oct=%llo\n", (unsigned long long)v_llmax, (unsigned long long)v_llmax);
    printf("ULONG_MAX=%lu %lx\n", v_ulmax, v_ulmax);
    printf("long=%ld [%20ld] [%-20ld] zu=%zu\n", v_long, v_long, v_long, (size_t)v_long);
}

static void strings_chars(void)
{
    static const char *strs[] = { "", "a", "abc", "hello, world", "0123456789abcdef" };
    printf("== strings and chars\n");
    for (unsigned i = 0; i < sizeof strs / sizeof strs[0]; i++) {
        /* Go through a volatile pointer so nothing is folded. */
        const char *volatile s = strs[i];
        printf("[%s][%.3s][%-10s][%10s][%.0s]\n", s, s, s, s, s);
    }
    for (int c = 'A'; c <= 'E'; c++) {
        volatile int vc = c;
        printf("[%c][%3c][%-3c]", vc, vc, vc);
    }
    printf("\n");
    printf("percent: 100%%\n");
}

static void pointers(void)
{
    printf("== pointers\n");
    printf("%p\n", (void *)v_ptr);
    printf("[%20p][%-20p]\n", (void *)v_ptr, (void *)v_ptr);
    printf("%p\n", (void *)(v_ptr - 0xdeadbeefUL)); /* NULL: glibc prints (nil) */
}

static void show(const char *name, double d)
{
    printf("%-10s f=%f e=%e g=%g\n", name, d, d, d);
    printf("%-10s .17g=%.17g a=%a\n", name, d, d);
    printf("%-10s [%12.4f][%-12.3e][%+.2g][%012.5f]\n", name, d, d, d, d);
}

static void doubles(void)
{
    printf("== doubles\n");
    double tenth = v_one / v_ten;
    show("0.1", tenth);

    double sum = 0.0;
    for (int i = 0; i < 10; i++)
        sum += tenth;
    show("sum10", sum);
    printf("sum10 == 1.0: %d, sum10 < 1.0: %d\n", sum == v_one, sum < v_one);

    show("1e300", v_big);
    double p = v_one;
    for (int i = 0; i < 300; i++)
        p *= v_ten;
    show("10^300", p);

    show("-0.0", -v_zero);
    show("1/3", v_one / v_three);
    show("123456.789", (double)v_num / (double)v_den);
    show("2/3", v_two / v_three);

    double d = v_dbl_min;
    show("DBL_MIN", d);
    for (int i = 0; i < 52; i++)
        d /= v_two;
    show("denorm", d);
    printf("denorm == 4.9e-324: %d\n", d == v_tiny);

    double inf = v_big * v_big;
    show("inf", inf);
    show("-inf", -inf);
    double nan = inf - inf; /* the x86 default NaN has the sign bit set */
    show("inf-inf", nan);
    show("-(inf-inf)", -nan);
    printf("nan == nan: %d, nan != nan: %d\n", nan == nan, nan != nan);

    printf("int conv: %d %ld %d\n", (int)(v_one / v_three * 1e9), (long)(p / 1e290),
           (int)-(v_ten * 3.7));
}

int main(void)
{
    ints();
    strings_chars();
    pointers();
    doubles();
    return 0;
}
