/*
 * fp-libm.c - libm, strtod/printf and <fenv.h> on whole programs (built with
 * glibc and with musl).  Tests: double functions (sin, cos, tan, exp, log,
 * pow, sqrt, atan2, fmod, cbrt, hypot, expm1, log1p, sinh, erf, lgamma) and
 * float functions (sinf, cosf, expf, logf, powf, sqrtf, atan2f, cbrtf) over
 * fixed inputs including +-0, denormals, huge values, +-inf and nan, printed
 * with %.17g / %.9g and %a; strtod round trips of tricky decimal and hex
 * strings; +, *, /, sqrt, rint, lrint, nearbyint in all four rounding modes;
 * and the exception flags (fetestexcept) each operation raises.
 * Everything is printed, so the output is compared bit for bit.
 */
#include <fenv.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The compiler must not fold or move operations across fesetround (gcc
   ignores #pragma STDC FENV_ACCESS; -frounding-math is its equivalent). */
#pragma GCC optimize("rounding-math", "trapping-math")

static volatile double vd;   /* defeats constant folding */
static volatile float vf;

static const double dinputs[] = {
    0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, 3.0, 10.0, -10.0, 0.1, 1e-5,
    3.141592653589793, 1.5707963267948966, 0.7853981633974483, 100.0, 709.78, -745.1,
    1e10, 1e22, 1e300, -1e300, DBL_MAX, -DBL_MAX, DBL_MIN, 4.9406564584124654e-324,
    -2.2250738585072009e-308, 1e-310, 0.999999999999, 1.000000000001, 2.5, -2.5,
    123456.789, 6.0, 1e-300, INFINITY, -INFINITY, NAN,
};
#define NDIN (sizeof dinputs / sizeof dinputs[0])

static const float finputs[] = {
    0.0f, -0.0f, 1.0f, -1.0f, 0.5f, 2.0f, 3.0f, 10.0f, -10.0f, 0.1f, 1e-5f,
    3.14159265f, 1.57079633f, 88.7f, -103.0f, 1e10f, 1e30f, FLT_MAX, -FLT_MAX,
    FLT_MIN, 1.4e-45f, 1e-40f, 123.456f, INFINITY, -INFINITY, NAN,
};
#define NFIN (sizeof finputs / sizeof finputs[0])

/* nan printing differs in sign and payload handling between libcs: print
   nan as "nan" plus its raw bits so the output depends only on the result. */
static void pd(double x)
{
    uint64_t b;
    memcpy(&b, &x, sizeof b);
    if (isnan(x))
        printf(" nan[%016llx]", (unsigned long long)b);
    else
        printf(" %.17g %a", x, x);
}

static void pf(float x)
{
    uint32_t b;
    memcpy(&b, &x, sizeof b);
    if (isnan(x))
        printf(" nan[%08x]", b);
    else
        printf(" %.9g %a", (double)x, (double)x);
}

typedef double (*d1)(double);
typedef double (*d2)(double, double);
typedef float (*f1)(float);
typedef float (*f2)(float, float);

static double my_lgamma(double x) { return lgamma(x); }

static const struct { const char *name; d1 f; } dfuncs1[] = {
    { "sin", sin }, { "cos", cos }, { "tan", tan }, { "exp", exp }, { "log", log },
    { "sqrt", sqrt }, { "cbrt", cbrt }, { "expm1", expm1 }, { "log1p", log1p },
    { "sinh", sinh }, { "erf", erf }, { "lgamma", my_lgamma },
};
static const struct { const char *name; d2 f; } dfuncs2[] = {
    { "pow", pow }, { "atan2", atan2 }, { "fmod", fmod }, { "hypot", hypot },
};
static const struct { const char *name; f1 f; } ffuncs1[] = {
    { "sinf", sinf }, { "cosf", cosf }, { "expf", expf }, { "logf", logf },
    { "sqrtf", sqrtf }, { "cbrtf", cbrtf },
};
static const struct { const char *name; f2 f; } ffuncs2[] = {
    { "powf", powf }, { "atan2f", atan2f },
};

/* A few second operands for two-argument functions (keeps the output small). */
static const double dsecond[] = { 0.0, -0.0, 0.5, -1.0, 2.0, 3.0, 1e-310, 1e300, INFINITY, NAN };
#define NDSEC (sizeof dsecond / sizeof dsecond[0])
static const float fsecond[] = { 0.0f, 0.5f, -1.0f, 2.0f, 1e-40f, INFINITY, NAN };
#define NFSEC (sizeof fsecond / sizeof fsecond[0])

static void test_double(void)
{
    for (size_t f = 0; f < sizeof dfuncs1 / sizeof dfuncs1[0]; f++) {
        printf("%s:\n", dfuncs1[f].name);
        for (size_t i = 0; i < NDIN; i++) {
            vd = dinputs[i];
            double r = dfuncs1[f].f(vd);
            printf("  %.17g ->", dinputs[i]);
            pd(r);
            putchar('\n');
        }
    }
    for (size_t f = 0; f < sizeof dfuncs2 / sizeof dfuncs2[0]; f++) {
        printf("%s:\n", dfuncs2[f].name);
        for (size_t i = 0; i < NDIN; i++) {
            printf("  %.17g:", dinputs[i]);
            for (size_t j = 0; j < NDSEC; j++) {
                /* glibc's pow has FMA and non-FMA variants (chosen by CPUID)
                   that differ in the last bit for pow(DBL_MAX, 0.5); jvisor
                   has no FMA, so natively and under jvisor they would differ. */
                if (dfuncs2[f].f == pow && fabs(dinputs[i]) == DBL_MAX && dsecond[j] == 0.5) {
                    printf(" skipped");
                    continue;
                }
                vd = dinputs[i];
                pd(dfuncs2[f].f(vd, dsecond[j]));
            }
            putchar('\n');
        }
    }
}

static void test_float(void)
{
    for (size_t f = 0; f < sizeof ffuncs1 / sizeof ffuncs1[0]; f++) {
        printf("%s:\n", ffuncs1[f].name);
        for (size_t i = 0; i < NFIN; i++) {
            vf = finputs[i];
            float r = ffuncs1[f].f(vf);
            printf("  %.9g ->", (double)finputs[i]);
            pf(r);
            putchar('\n');
        }
    }
    for (size_t f = 0; f < sizeof ffuncs2 / sizeof ffuncs2[0]; f++) {
        printf("%s:\n", ffuncs2[f].name);
        for (size_t i = 0; i < NFIN; i++) {
            printf("  %.9g:", (double)finputs[i]);
            for (size_t j = 0; j < NFSEC; j++) {
                vf = finputs[i];
                pf(ffuncs2[f].f(vf, fsecond[j]));
            }
            putchar('\n');
        }
    }
}

static const char *const strtod_inputs[] = {
    "0", "-0", "1", "0.1", "0.3", "1e23", "8.98846567431158e307", "1.7976931348623157e308",
    "1.7976931348623158e308", "1.7976931348623159e308", "1e309", "-1e309",
    "2.2250738585072011e-308", "2.2250738585072012e-308", "2.2250738585072014e-308",
    "4.9406564584124654e-324", "2.4703282292062327e-324", "2.4703282292062328e-324",
    "1e-320", "1e-400", "-1e-400",
    "9007199254740993", "9007199254740992.5", "9007199254740993.0000000001",
    "9007199254740995", "1.00000000000000011102230246251565404236316680908203125",
    "1.000000000000000111022302462515654042363166809082031250000000001",
    "0.500000000000000166533453693773481063544750213623046875",
    "123456789012345678901234567890", "3.14159265358979323846264338327950288",
    "0x1.8p3", "0x1p-1074", "0x1p-1075", "0x1.fffffffffffffp1023", "0x1p1024", "-0x.8p1",
    "inf", "-inf", "INFINITY", "nan", "-nan", "nan(123)", "nan(0x7)",
    "  +12.5e+2xyz", "1e", "0x", ".e5", "1.5e-5",
};

static void test_strtod(void)
{
    printf("strtod:\n");
    for (size_t i = 0; i < sizeof strtod_inputs / sizeof strtod_inputs[0]; i++) {
        const char *s = strtod_inputs[i];
        char *end;
        double d = strtod(s, &end);
        char buf[64];
        printf("  \"%s\" consumed=%d", s, (int)(end - s));
        if (isnan(d)) {
            printf(" nan sign=%d\n", signbit(d) ? 1 : 0);
            continue;
        }
        pd(d);
        /* Round trip: %.17g must read back as the same bits. */
        snprintf(buf, sizeof buf, "%.17g", d);
        double back = strtod(buf, NULL);
        printf(" roundtrip=%s", memcmp(&back, &d, sizeof d) == 0 ? "ok" : "BAD");
        float f = strtof(s, NULL);
        pf(f);
        putchar('\n');
    }
}

static const struct { int mode; const char *name; } modes[] = {
    { FE_TONEAREST, "nearest" }, { FE_DOWNWARD, "down" },
    { FE_UPWARD, "up" }, { FE_TOWARDZERO, "zero" },
};

static void test_rounding(void)
{
    static const double a[] = { 1.0, -1.0, 2.5, -2.5, 3.5, 0.1, -0.7, 1e16 + 1, 5e-324 };
    static const double b[] = { 3.0, 3.0, 7.0, -7.0, 0.1, 1e-17, 3.0, 3.0, 0.5 };
    for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++) {
        if (fesetround(modes[m].mode) != 0) {
            printf("fesetround %s failed\n", modes[m].name);
            continue;
        }
        printf("round %s (fegetround ok=%d):\n", modes[m].name, fegetround() == modes[m].mode);
        for (size_t i = 0; i < sizeof a / sizeof a[0]; i++) {
            volatile double x = a[i], y = b[i];
            printf("  %a %a:", a[i], b[i]);
            pd(x + y);
            pd(x * y);
            pd(x / y);
            pd(sqrt(fabs(x)));
            pd(rint(x));
            pd(nearbyint(x));
            printf(" %ld", lrint(x));
            volatile float fx = (float)a[i], fy = (float)b[i];
            pf(fx / fy);
            pf(sqrtf(fabsf(fx)));
            pf((float)(x / y));
            putchar('\n');
        }
    }
    fesetround(FE_TONEAREST);
}

static void print_flags(const char *what)
{
    int e = fetestexcept(FE_ALL_EXCEPT);
    printf("  %-18s:%s%s%s%s%s%s\n", what, e ? "" : " none",
           e & FE_INVALID ? " invalid" : "", e & FE_DIVBYZERO ? " divbyzero" : "",
           e & FE_OVERFLOW ? " overflow" : "", e & FE_UNDERFLOW ? " underflow" : "",
           e & FE_INEXACT ? " inexact" : "");
}

static void test_exceptions(void)
{
    volatile double r, zero = 0.0, one = 1.0, three = 3.0, big = DBL_MAX, tiny = DBL_MIN, neg = -1.0;
    volatile float fr, fbig = FLT_MAX, ftiny = FLT_MIN;
    volatile long l;
    printf("exceptions:\n");
#define CASE(name, expr) do { feclearexcept(FE_ALL_EXCEPT); expr; print_flags(name); } while (0)
    CASE("nothing", (void)0);
    CASE("1+1", r = one + one);
    CASE("1/3", r = one / three);
    CASE("1/0", r = one / zero);
    CASE("0/0", r = zero / zero);
    CASE("sqrt(-1)", r = sqrt(neg));
    CASE("max*max", r = big * big);
    CASE("min*min", r = tiny * tiny);
    CASE("min/2 exact", r = tiny / 2.0 * 0.0 + tiny);
    CASE("min/3", r = tiny / three);
    CASE("fmax*fmax", fr = fbig * fbig);
    CASE("fmin*fmin", fr = ftiny * ftiny);
    CASE("(float)max", fr = (float)big);
    CASE("(float)1/3", fr = (float)(one / three));
    CASE("inf-inf", r = (one / zero) - (one / zero));
    CASE("lrint(1e300)", l = lrint(big));
    CASE("(int)nan", l = (int)(zero / zero));
    CASE("log(0)", r = log(zero));
    CASE("log(-1)", r = log(neg));
    CASE("exp(1000)", r = exp(1000.0 * one));
    CASE("exp(-1000)", r = exp(-1000.0 * one));
    CASE("rint(2.5)", r = rint(2.5 * one));
    CASE("nearbyint(2.5)", r = nearbyint(2.5 * one));
    CASE("sqrt(4)", r = sqrt(4.0 * one));
    CASE("nan<1", l = (zero / zero) < one);
    feclearexcept(FE_ALL_EXCEPT);
    CASE("raise all", feraiseexcept(FE_ALL_EXCEPT));
    (void)r; (void)fr; (void)l;
#undef CASE
}

int main(void)
{
    test_double();
    test_float();
    test_strtod();
    test_rounding();
    test_exceptions();
    return 0;
}
