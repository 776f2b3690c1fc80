/*
 * args-env.c - prints argc, every argv entry and every environ entry.
 * Tests: the initial process stack built by the loader (argc, argv, envp in
 * order, arguments containing spaces, empty arguments).
 */
#include <stdio.h>

extern char **environ;

int main(int argc, char **argv)
{
    printf("argc=%d\n", argc);
    for (int i = 0; i < argc; i++)
        printf("argv[%d]=%s\n", i, argv[i]);
    int n = 0;
    for (char **e = environ; *e != NULL; e++, n++)
        printf("env[%d]=%s\n", n, *e);
    printf("envc=%d\n", n);
    return 0;
}
