/*
 * crash.c - a planted crash for the debugging tools (trace, debugger, gdb stub, hooks).
 *
 * main stores the squares of 1..N through pointers that pick() hands out: slots[0..2], then
 * NULL. With no argument N is 4, so the fourth store() writes through NULL and the program
 * dies from SIGSEGV after printing three lines; with N <= 3 it exits with status N.
 * `counter` changes on each store, for watchpoint tests. Built with frame pointers so that a
 * frame-pointer backtrace walks main -> store.
 */
#include <stdio.h>
#include <stdlib.h>

volatile long counter;
long slots[3];

__attribute__((noinline)) long square(long x)
{
    return x * x;
}

__attribute__((noinline)) long *pick(int i)
{
    return i < 3 ? &slots[i] : NULL;
}

__attribute__((noinline)) void store(long *where, long value)
{
    counter = counter + 1;
    *where = value;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 4;
    for (int i = 0; i < n; i++) {
        store(pick(i), square(i + 1));
        printf("stored %ld\n", slots[i]);
        fflush(stdout);
    }
    return n;
}
