/*
 * ud2.c - prints "before", flushes, then executes the ud2 instruction.
 * Tests: an invalid-opcode fault is delivered as SIGILL; natively the process
 * dies from the signal (exit value 128+4 = 132 as seen by Java), and output
 * written before the fault is not lost.
 */
#include <stdio.h>

int main(void)
{
    printf("before\n");
    fflush(stdout);
    __asm__ volatile("ud2");
    printf("after (should not be reached)\n");
    return 0;
}
