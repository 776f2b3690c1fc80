/*
 * malloc.c - heavy malloc/calloc/realloc/free/aligned_alloc traffic.
 * Tests: brk(2) heap growth and shrinking, mmap(2)/munmap(2)/mremap(2) for
 * blocks above the mmap threshold (> 128-256 KiB), and that memory keeps what
 * was written to it.  A fixed-seed LCG picks the operations and sizes, every
 * block is filled with a pattern derived from its tag and verified before it
 * is freed or resized.  The output is a summary and a checksum that depend
 * only on the data, never on addresses, so glibc and musl builds print the
 * same thing.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 256
#define ITERATIONS 3000

struct slot {
    unsigned char *p;
    size_t size;
    uint32_t tag;
};

static uint64_t lcg_state = 0x2545F4914F6CDD1DULL;

static uint32_t rnd(void)
{
    lcg_state = lcg_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(lcg_state >> 33);
}

static uint64_t mix(uint32_t tag, size_t i)
{
    uint64_t x = ((uint64_t)tag << 32) ^ (uint64_t)i;
    x ^= x >> 31;
    x *= 0x9E3779B97F4A7C15ULL;
    x ^= x >> 29;
    return x;
}

/* A size class: mostly small, some medium, a few large, rare huge (> 256 KiB). */
static size_t pick_size(void)
{
    uint32_t r = rnd() % 1000;
    if (r < 700)
        return rnd() % 257;                 /* 0 .. 256 */
    if (r < 900)
        return 257 + rnd() % 16128;         /* .. 16 KiB */
    if (r < 985)
        return 16385 + rnd() % 114688;      /* .. 128 KiB */
    return 262145 + rnd() % 786432;         /* 256 KiB .. 1 MiB */
}

static uint64_t checksum;
static unsigned long errors;

/* Byte i of a block is byte (i % 8) of mix(tag, i rounded down to 8), so an
 * aligned 64-bit word at offset i is exactly mix(tag, i) (little endian). */
static unsigned char pattern_byte(uint32_t tag, size_t i)
{
    return (unsigned char)(mix(tag, i & ~(size_t)7) >> (8 * (i & 7)));
}

/* Fills bytes [from, size) of the block with the pattern of its tag. */
static void fill(unsigned char *p, size_t from, size_t size, uint32_t tag)
{
    size_t i = from;
    for (; i < size && (i & 7) != 0; i++)
        p[i] = pattern_byte(tag, i);
    for (; i + 8 <= size; i += 8) {
        uint64_t w = mix(tag, i);
        memcpy(p + i, &w, 8);
    }
    for (; i < size; i++)
        p[i] = pattern_byte(tag, i);
}

/* Verifies bytes [0, size) and folds them into the checksum. */
static void verify(const unsigned char *p, size_t size, uint32_t tag, const char *what)
{
    size_t i = 0;
    unsigned long bad = 0;
    for (; i + 8 <= size; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        if (w != mix(tag, i))
            bad++;
        checksum = checksum * 31 + (w ^ (w >> 17));
    }
    for (; i < size; i++) {
        if (p[i] != pattern_byte(tag, i))
            bad++;
        checksum = checksum * 31 + p[i];
    }
    if (bad) {
        if (errors < 10)
            printf("MISMATCH in %s: tag %u size %zu: %lu bad words/bytes\n", what, tag, size, bad);
        errors++;
    }
}

int main(void)
{
    static struct slot slots[SLOTS];
    unsigned long n_malloc = 0, n_calloc = 0, n_realloc = 0, n_free = 0, n_aligned = 0;
    unsigned long misaligned = 0, calloc_dirty = 0;
    uint64_t total_bytes = 0;
    size_t peak_live = 0, live = 0;
    uint32_t next_tag = 1;

    for (int it = 0; it < ITERATIONS; it++) {
        struct slot *s = &slots[rnd() % SLOTS];
        uint32_t op = rnd() % 10;

        if (s->p != NULL && op < 3) {                    /* free */
            verify(s->p, s->size, s->tag, "free");
            free(s->p);
            live -= s->size;
            s->p = NULL;
            n_free++;
        } else if (s->p != NULL && op < 6) {             /* realloc grow/shrink */
            verify(s->p, s->size, s->tag, "realloc-before");
            size_t nsize = pick_size();
            unsigned char *np = realloc(s->p, nsize ? nsize : 1);
            if (np == NULL) {
                printf("realloc(%zu) failed\n", nsize);
                return 1;
            }
            size_t keep = nsize < s->size ? nsize : s->size;
            verify(np, keep, s->tag, "realloc-after");
            fill(np, keep, nsize, s->tag);
            live = live - s->size + nsize;
            s->p = np;
            s->size = nsize;
            n_realloc++;
            total_bytes += nsize;
        } else {                                         /* fresh allocation */
            if (s->p != NULL) {
                verify(s->p, s->size, s->tag, "replace");
                free(s->p);
                live -= s->size;
                n_free++;
            }
            size_t size = pick_size();
            unsigned char *p;
            if (op == 9) {
                p = calloc(size + 1, 1);
                n_calloc++;
                if (p != NULL)
                    for (size_t i = 0; i <= size; i++)
                        if (p[i] != 0) {
                            calloc_dirty++;
                            break;
                        }
            } else if (op == 8 && size > 0) {
                size_t align = (size_t)64 << (rnd() % 7); /* 64 .. 4096 */
                p = aligned_alloc(align, (size + align - 1) / align * align);
                n_aligned++;
                if (p != NULL && ((uintptr_t)p & (align - 1)) != 0)
                    misaligned++;
            } else {
                p = malloc(size);
                n_malloc++;
            }
            if (p == NULL && size != 0) {
                printf("allocation of %zu failed\n", size);
                return 1;
            }
            if (p != NULL && ((uintptr_t)p & 15) != 0)
                misaligned++;
            s->p = p;
            s->size = p ? size : 0;
            s->tag = next_tag++;
            if (p != NULL)
                fill(p, 0, size, s->tag);
            live += s->size;
            total_bytes += size;
        }
        if (live > peak_live)
            peak_live = live;
    }

    for (int i = 0; i < SLOTS; i++) {
        if (slots[i].p != NULL) {
            verify(slots[i].p, slots[i].size, slots[i].tag, "final");
            free(slots[i].p);
            n_free++;
        }
    }

    printf("malloc=%lu calloc=%lu realloc=%lu aligned_alloc=%lu free=%lu\n",
           n_malloc, n_calloc, n_realloc, n_aligned, n_free);
    printf("bytes allocated=%llu peak live=%zu\n", (unsigned long long)total_bytes, peak_live);
    printf("misaligned=%lu calloc_dirty=%lu errors=%lu\n", misaligned, calloc_dirty, errors);
    printf("checksum=%016llx\n", (unsigned long long)checksum);
    return errors || misaligned || calloc_dirty ? 1 : 0;
}
