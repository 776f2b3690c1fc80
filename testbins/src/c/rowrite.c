/*
 * rowrite.c - prints "before", flushes, then stores into a read-only page.
 * Tests: a write to a page mapped without write permission (a const array in
 * .rodata, which lives in a read-only PT_LOAD segment) is delivered as
 * SIGSEGV; natively the process dies (exit value 128+11 = 139 as seen by Java).
 */
#include <stdio.h>

static const int table[1024] = { 1, 2, 3 };

int main(void)
{
    printf("before\n");
    fflush(stdout);
    /* The cast through a volatile pointer makes the compiler emit the store. */
    volatile int *p = (volatile int *)(const void *)&table[512];
    *p = 42;
    printf("after (should not be reached): %d\n", table[512]);
    return 0;
}
