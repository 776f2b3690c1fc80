/*
 * devnull.c - system call cost with a buffer: CALLS write(2)s of 64 bytes to
 * /dev/null, timed after as many untimed ones, both through one function (see
 * getpid.c): the bench-ns line is the steady cost of a call.
 *
 *     devnull [CALLS]          prints the count and the bytes written
 */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include "bench.h"

/* The bytes calls write(2)s of the 64 bytes at buf to fd reported written. */
__attribute__((noinline)) static long long write_calls(long calls, int fd, const char *buf)
{
    long long total = 0;
    for (long i = 0; i < calls; i++)
        total += write(fd, buf, 64);
    return total;
}

int main(int argc, char **argv)
{
    long calls = bench_count(argc, argv, 1, 1000000);
    int fd = open("/dev/null", O_WRONLY);
    if (fd < 0) {
        perror("devnull: open /dev/null");
        return 1;
    }
    char buf[64];
    memset(buf, 'x', sizeof buf);
    long long total = write_calls(calls, fd, buf) - calls * (long long)sizeof buf;
    uint64_t t0 = bench_now_ns();
    total += write_calls(calls, fd, buf);
    uint64_t t1 = bench_now_ns();
    bench_report(t0, t1, (uint64_t)calls);
    close(fd);
    printf("devnull: calls=%ld bytes=%lld\n", calls, total);
    return total == calls * (long long)sizeof buf ? 0 : 1;
}
