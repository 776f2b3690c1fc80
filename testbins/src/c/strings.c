/*
 * strings.c - string and memory functions against naive reference versions.
 * Tests: the libc's optimised (SSE2/AVX, ifunc-selected in glibc) str* and
 * mem* routines over lengths 0..300 and several source/destination
 * alignments, including overlapping memmove and bytes >= 0x80 (unsigned
 * comparison); qsort of ints and strings; strtol, snprintf and toupper.
 * Every group prints its number of checks, mismatches and a checksum that
 * depends only on results, never on addresses.
 */
/* Keep the naive reference loops as loops: otherwise gcc -O2 may turn them
   into calls to the very memset/memcpy being tested. */
#pragma GCC optimize("no-tree-loop-distribute-patterns")
/* The snprintf test truncates on purpose. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXLEN 300
#define BUFSZ (MAXLEN + 128)

static const size_t src_aligns[] = { 0, 1, 7, 15 };
static const size_t dst_aligns[] = { 0, 3, 8 };
#define NSRC (sizeof src_aligns / sizeof src_aligns[0])
#define NDST (sizeof dst_aligns / sizeof dst_aligns[0])

static uint64_t lcg_state = 12345;

static uint32_t rnd(void)
{
    lcg_state = lcg_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(lcg_state >> 33);
}

/* One group of checks: counts and a checksum, printed by report(). */
struct group {
    const char *name;
    unsigned long checks, bad;
    uint64_t sum;
};

static void check(struct group *g, long got, long want)
{
    g->checks++;
    if (got != want) {
        if (g->bad < 5)
            printf("  %s mismatch #%lu: got %ld want %ld\n", g->name, g->checks, got, want);
        g->bad++;
    }
    g->sum = g->sum * 1000003 + (uint64_t)got;
}

static int total_bad;

static void report(struct group *g)
{
    printf("%-8s checks=%lu mismatches=%lu checksum=%016llx\n", g->name, g->checks, g->bad,
           (unsigned long long)g->sum);
    total_bad += g->bad != 0;
}

static int sign(long x) { return (x > 0) - (x < 0); }

/* Buffers aligned to 64 so that +align gives the wanted misalignment. */
static _Alignas(64) unsigned char bufa[BUFSZ], bufb[BUFSZ], bufc[BUFSZ];

/* Fills s[0..len) with non-zero bytes (some >= 0x80) and terminates it. */
static void make_string(unsigned char *s, size_t len, uint32_t seed)
{
    for (size_t i = 0; i < len; i++) {
        seed = seed * 1103515245 + 12345;
        unsigned char c = (unsigned char)('a' + (seed >> 16) % 26);
        if ((seed >> 8) % 17 == 0)
            c = (unsigned char)(0x80 + (seed >> 20) % 0x7f);
        s[i] = c;
    }
    s[len] = 0;
}

static long naive_strlen(const unsigned char *s) { long n = 0; while (s[n]) n++; return n; }

static long naive_strchr(const unsigned char *s, int c)
{
    for (long i = 0;; i++) {
        if (s[i] == (unsigned char)c) return i;
        if (s[i] == 0) return -1;
    }
}

static long naive_strrchr(const unsigned char *s, int c)
{
    long r = -1;
    for (long i = 0;; i++) {
        if (s[i] == (unsigned char)c) r = i;
        if (s[i] == 0) return r;
    }
}

static int naive_memcmp(const unsigned char *a, const unsigned char *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
    return 0;
}

static long naive_strstr(const unsigned char *h, const unsigned char *n)
{
    long hl = naive_strlen(h), nl = naive_strlen(n);
    for (long i = 0; i + nl <= hl; i++)
        if (naive_memcmp(h + i, n, (size_t)nl) == 0)
            return i;
    return -1;
}

static int naive_strcmp(const unsigned char *a, const unsigned char *b)
{
    for (size_t i = 0;; i++) {
        if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
        if (a[i] == 0) return 0;
    }
}

static long off(const void *p, const void *base) { return p ? (long)((const char *)p - (const char *)base) : -1; }

static void test_str_search(void)
{
    struct group glen = { "strlen" }, gchr = { "strchr" }, grchr = { "strrchr" }, gstr = { "strstr" };
    for (size_t len = 0; len <= MAXLEN; len++) {
        for (size_t a = 0; a < NSRC; a++) {
            unsigned char *s = bufa + src_aligns[a];
            make_string(s, len, (uint32_t)(len * 7 + a));
            check(&glen, (long)strlen((char *)s), naive_strlen(s));

            int probes[4] = { len ? s[len / 2] : 'q', len ? s[len - 1] : 'z', '#', 0 };
            for (int k = 0; k < 4; k++) {
                check(&gchr, off(strchr((char *)s, probes[k]), s), naive_strchr(s, probes[k]));
                check(&grchr, off(strrchr((char *)s, probes[k]), s), naive_strrchr(s, probes[k]));
            }

            /* Needles: a slice near the end, an absent one, and the empty one. */
            unsigned char needle[24];
            size_t nl = len < 9 ? len : 9;
            memcpy(needle, s + len - nl, nl);
            needle[nl] = 0;
            check(&gstr, off(strstr((char *)s, (char *)needle), s), naive_strstr(s, needle));
            check(&gstr, off(strstr((char *)s, "zz#zz"), s), naive_strstr(s, (const unsigned char *)"zz#zz"));
            check(&gstr, off(strstr((char *)s, ""), s), 0);
        }
    }
    report(&glen);
    report(&gchr);
    report(&grchr);
    report(&gstr);
}

/* Checks dst[0..n) == want[0..n) and that the guard bytes around it are intact. */
static long verify_region(const unsigned char *buf, size_t start, size_t n, const unsigned char *want, unsigned char guard)
{
    for (size_t i = 0; i < start; i++)
        if (buf[i] != guard) return -1 - (long)i;
    for (size_t i = 0; i < n; i++)
        if (buf[start + i] != want[i]) return 1000000 + (long)i;
    for (size_t i = start + n; i < BUFSZ; i++)
        if (buf[i] != guard) return -2000000 - (long)i;
    return 0;
}

static void test_mem_copy(void)
{
    struct group gcpy = { "memcpy" }, gmove = { "memmove" }, gset = { "memset" }, gncpy = { "strncpy" };
    for (size_t len = 0; len <= MAXLEN; len++) {
        for (size_t a = 0; a < NSRC; a++) {
            unsigned char *src = bufa + src_aligns[a];
            make_string(src, len, (uint32_t)(len * 13 + a));
            for (size_t d = 0; d < NDST; d++) {
                size_t da = dst_aligns[d];

                memset(bufb, 0xEE, BUFSZ);
                void *r = memcpy(bufb + da, src, len);
                check(&gcpy, off(r, bufb), (long)da);
                check(&gcpy, verify_region(bufb, da, len, src, 0xEE), 0);

                memset(bufb, 0xEE, BUFSZ);
                int c = (int)(len * 31 + d) & 0xff;
                r = memset(bufb + da, c, len);
                check(&gset, off(r, bufb), (long)da);
                for (size_t i = 0; i < len; i++)
                    bufc[i] = (unsigned char)c;
                check(&gset, verify_region(bufb, da, len, bufc, 0xEE), 0);

                /* strncpy with n below, at and above the length: zero padding. */
                size_t ns[3] = { len ? len - 1 : 0, len, len + 5 };
                for (int k = 0; k < 3; k++) {
                    size_t n = ns[k];
                    memset(bufb, 0xEE, BUFSZ);
                    unsigned char want[MAXLEN + 8];
                    for (size_t i = 0; i < n; i++)
                        want[i] = i < len ? src[i] : 0;
                    r = strncpy((char *)bufb + da, (char *)src, n);
                    check(&gncpy, off(r, bufb), (long)da);
                    check(&gncpy, verify_region(bufb, da, n, want, 0xEE), 0);
                }
            }

            /* memmove inside one buffer, forwards and backwards, overlapping. */
            static const long shifts[] = { 1, 7, 16, 33, -1, -8, -31, 0 };
            for (size_t k = 0; k < sizeof shifts / sizeof shifts[0]; k++) {
                long sh = shifts[k];
                size_t base = 40 + src_aligns[a];
                for (size_t i = 0; i < BUFSZ; i++)
                    bufb[i] = (unsigned char)(i * 7 + len);
                memcpy(bufc, bufb, BUFSZ);
                unsigned char tmp[MAXLEN + 1];
                for (size_t i = 0; i < len; i++) tmp[i] = bufc[base + i];
                for (size_t i = 0; i < len; i++) bufc[base + sh + i] = tmp[i];
                void *r = memmove(bufb + base + sh, bufb + base, len);
                check(&gmove, off(r, bufb), (long)(base + sh));
                check(&gmove, naive_memcmp(bufb, bufc, BUFSZ), 0);
            }
        }
    }
    report(&gcpy);
    report(&gmove);
    report(&gset);
    report(&gncpy);
}

static void test_compare(void)
{
    struct group gmcmp = { "memcmp" }, gscmp = { "strcmp" };
    for (size_t len = 0; len <= MAXLEN; len++) {
        for (size_t a = 0; a < NSRC; a++) {
            for (size_t d = 0; d < NDST; d++) {
                unsigned char *x = bufa + src_aligns[a], *y = bufb + dst_aligns[d];
                make_string(x, len, (uint32_t)(len * 3 + a));
                memcpy(y, x, len + 1);
                check(&gmcmp, sign(memcmp(x, y, len)), 0);
                check(&gscmp, sign(strcmp((char *)x, (char *)y)), 0);
                if (len == 0)
                    continue;
                /* Differ at the start, the middle and the end, both directions,
                   with a byte >= 0x80 so a signed comparison would get it wrong. */
                size_t pos[3] = { 0, len / 2, len - 1 };
                for (int k = 0; k < 3; k++) {
                    unsigned char saved = y[pos[k]];
                    y[pos[k]] = saved ^ 0x80;
                    check(&gmcmp, sign(memcmp(x, y, len)), naive_memcmp(x, y, len));
                    check(&gmcmp, sign(memcmp(y, x, len)), naive_memcmp(y, x, len));
                    check(&gscmp, sign(strcmp((char *)x, (char *)y)), naive_strcmp(x, y));
                    check(&gscmp, sign(strcmp((char *)y, (char *)x)), naive_strcmp(y, x));
                    y[pos[k]] = saved;
                }
                /* A shorter string is less than a longer one with the same prefix. */
                y[len - 1] = 0;
                check(&gscmp, sign(strcmp((char *)x, (char *)y)), naive_strcmp(x, y));
                check(&gscmp, sign(strcmp((char *)y, (char *)x)), naive_strcmp(y, x));
            }
        }
    }
    report(&gmcmp);
    report(&gscmp);
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_qsort(void)
{
    struct group gi = { "qsort-i" }, gs = { "qsort-s" };
    static int ints[2000];
    for (int round = 0; round < 4; round++) {
        int n = round == 0 ? 0 : round == 1 ? 1 : round == 2 ? 37 : 2000;
        for (int i = 0; i < n; i++)
            ints[i] = (int)rnd() - (int)(UINT32_MAX / 4) + (round == 3 && i % 5 == 0 ? INT_MIN / 2 : 0);
        qsort(ints, (size_t)n, sizeof ints[0], cmp_int);
        for (int i = 1; i < n; i++)
            check(&gi, ints[i - 1] <= ints[i], 1);
        for (int i = 0; i < n; i++)
            gi.sum = gi.sum * 31 + (uint32_t)ints[i];
    }

    static char words[300][16];
    static char *ptrs[300];
    for (int i = 0; i < 300; i++) {
        int wl = (int)(rnd() % 12);
        for (int k = 0; k < wl; k++)
            words[i][k] = (char)('a' + rnd() % 6); /* few letters: many shared prefixes */
        words[i][wl] = 0;
        ptrs[i] = words[i];
    }
    qsort(ptrs, 300, sizeof ptrs[0], cmp_str);
    for (int i = 1; i < 300; i++)
        check(&gs, naive_strcmp((unsigned char *)ptrs[i - 1], (unsigned char *)ptrs[i]) <= 0, 1);
    for (int i = 0; i < 300; i++)
        for (const char *p = ptrs[i]; *p; p++)
            gs.sum = gs.sum * 31 + (unsigned char)*p;
    printf("sorted words: first=\"%s\" second=\"%s\" median=\"%s\" last=\"%s\"\n",
           ptrs[0], ptrs[1], ptrs[150], ptrs[299]);
    report(&gi);
    report(&gs);
}

static void test_strtol(void)
{
    struct group g = { "strtol" };
    static const struct { const char *s; int base; } cases[] = {
        { "0", 10 }, { "42", 10 }, { "-42", 10 }, { "  +17xyz", 10 }, { "0x1f", 16 },
        { "0x1f", 0 }, { "017", 0 }, { "017", 10 }, { "zz", 36 }, { "-zz", 36 },
        { "101010", 2 }, { "9223372036854775807", 10 }, { "9223372036854775808", 10 },
        { "-9223372036854775808", 10 }, { "-9223372036854775809", 10 }, { "", 10 },
        { "   ", 10 }, { "abc", 10 }, { "7fffffffffffffff", 16 }, { "-0", 10 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *end;
        errno = 0;
        long v = strtol(cases[i].s, &end, cases[i].base);
        int e = errno == ERANGE;
        printf("strtol(\"%s\", %d) = %ld end=%ld erange=%d\n", cases[i].s, cases[i].base, v,
               (long)(end - cases[i].s), e);
        g.checks++;
        g.sum = g.sum * 31 + (uint64_t)v + (uint64_t)(end - cases[i].s) + (uint64_t)e;
    }
    report(&g);
}

static void test_snprintf_toupper(void)
{
    struct group g = { "snprintf" }, gu = { "toupper" };
    char small[8];
    for (size_t n = 0; n <= sizeof small; n++) {
        memset(small, 'X', sizeof small);
        int r = snprintf(small, n, "%d-%s", 12345, "abcdef");
        check(&g, r, 12);
        if (n > 0)
            check(&g, (long)strlen(small), (long)(n - 1 < 12 ? n - 1 : 12));
        else
            check(&g, small[0], 'X');
    }
    char big[400];
    for (int len = 0; len <= MAXLEN; len += 23) {
        int r = snprintf(big, sizeof big, "[%*d|%-*s|%.*s]", len % 40, len, len % 17, "pad", len % 5, "precision");
        check(&g, r, (long)strlen(big));
        for (int i = 0; i < r; i++)
            g.sum = g.sum * 31 + (unsigned char)big[i];
    }
    printf("snprintf sample: \"%s\"\n", big);
    report(&g);

    char up[257];
    for (int c = 0; c < 256; c++) {
        int u = toupper(c);
        check(&gu, u, c >= 'a' && c <= 'z' ? c - 32 : c);
        up[c] = (char)(c >= 32 && c < 127 ? u : '.');
    }
    up[256] = 0;
    printf("toupper: %.95s\n", up + 32);
    report(&gu);
}

int main(void)
{
    test_str_search();
    test_mem_copy();
    test_compare();
    test_qsort();
    test_strtol();
    test_snprintf_toupper();
    printf("%s\n", total_bad ? "SOME CHECKS FAILED" : "all checks passed");
    return total_bad ? 1 : 0;
}
