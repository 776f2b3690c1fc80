/*
 * exit.c - returns EXIT_CODE from main (set with -DEXIT_CODE=N).
 * Tests: the exit status path through libc's exit() and exit_group(2).
 * Built as exit0, exit1 and exit42.
 */
#ifndef EXIT_CODE
#define EXIT_CODE 0
#endif

int main(void)
{
    return EXIT_CODE;
}
