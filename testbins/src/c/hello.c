/*
 * hello.c - printf("hello, world\n") through the C library.
 * Tests: libc start-up (TLS, IRELATIVE/ifunc, auxv), stdio buffering and exit.
 * Built as hello-glibc (gcc -static), hello-glibc-pie (gcc -static-pie, an
 * ET_DYN that relocates itself) and hello-musl (musl-gcc -static).
 */
#include <stdio.h>

int main(void)
{
    printf("hello, world\n");
    return 0;
}
