/*
 * cat-stdin.c - copies stdin to stdout with read(2)/write(2) in 4096-byte
 * chunks until EOF, then prints the byte count to stderr.
 * Tests: read(2) from a pipe (short reads, EOF), write(2) with partial writes,
 * and output on both stdout and stderr.
 */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

int main(void)
{
    char buf[4096];
    long total = 0;
    for (;;) {
        ssize_t n = read(0, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            perror("read");
            return 1;
        }
        if (n == 0)
            break;
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(1, buf + off, (size_t)(n - off));
            if (w < 0) {
                if (errno == EINTR)
                    continue;
                perror("write");
                return 1;
            }
            off += w;
        }
        total += n;
    }
    fprintf(stderr, "%ld bytes\n", total);
    return 0;
}
