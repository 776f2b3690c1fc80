/*
 * getpid.c - system call cost: CALLS raw getpid system calls (through
 * syscall(2), so no libc caching can skip the kernel), timed after as many
 * untimed ones: the bench-ns line is the steady cost of a call, once a JIT
 * (jvisor's, qemu's) has compiled the path; the wall time includes both loops.
 * Both loops are one function called twice: written out twice, the timed loop
 * was code the untimed one had never run, so a JIT met it cold after all.
 *
 *     getpid [CALLS]           prints the count and whether every pid agreed
 */
#include <sys/syscall.h>
#include <unistd.h>
#include "bench.h"

/* How many of calls getpid system calls returned pid. */
__attribute__((noinline)) static long calls_agreeing(long calls, long pid)
{
    long same = 0;
    for (long i = 0; i < calls; i++)
        same += syscall(SYS_getpid) == pid;
    return same;
}

int main(int argc, char **argv)
{
    long calls = bench_count(argc, argv, 1, 1000000);
    long first = syscall(SYS_getpid);
    long same = calls_agreeing(calls, first) - calls;
    uint64_t t0 = bench_now_ns();
    same += calls_agreeing(calls, first);
    uint64_t t1 = bench_now_ns();
    bench_report(t0, t1, (uint64_t)calls);
    printf("getpid: calls=%ld consistent=%s\n", calls, same == calls ? "yes" : "NO");
    return same == calls ? 0 : 1;
}
