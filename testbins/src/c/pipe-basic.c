/* pipe-basic: pipe2 flags, reads and writes, O_NONBLOCK, FIONREAD, EOF, EPIPE, F_GETPIPE_SZ,
 * PIPE_BUF atomicity (a full pipe refuses a small write whole), splice and sendfile (and what
 * sendfile refuses: pipes and /dev/null as sources, an O_APPEND target). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

static void r(const char *what, long rc) {
    if (rc < 0) printf("%s = -1 %s\n", what, strerrorname_np(errno));
    else printf("%s = %ld\n", what, rc);
}

int main(void) {
    signal(SIGPIPE, SIG_IGN);
    int p[2];
    char buf[70000];
    r("pipe2 bad flags", pipe2(p, 0x1));
    r("pipe2", pipe2(p, O_NONBLOCK | O_CLOEXEC));
    r("F_GETFD", fcntl(p[0], F_GETFD));
    r("F_GETFL r", fcntl(p[0], F_GETFL));
    r("F_GETFL w", fcntl(p[1], F_GETFL));
    r("read empty", read(p[0], buf, 10));
    r("write", write(p[1], "hello", 5));
    int avail = -1;
    r("FIONREAD", ioctl(p[0], FIONREAD, &avail));
    printf("avail=%d\n", avail);
    r("read", read(p[0], buf, 100));
    r("read wrong end", read(p[1], buf, 1));
    r("write wrong end", write(p[0], "x", 1));
    r("lseek", lseek(p[0], 0, SEEK_SET));
    r("pread", pread(p[0], buf, 1, 0));
    r("F_GETPIPE_SZ", fcntl(p[0], F_GETPIPE_SZ));
    /* fill it: nonblocking writes stop at capacity */
    memset(buf, 'x', sizeof buf);
    long total = 0, w;
    while ((w = write(p[1], buf, 1000)) > 0) total += w;
    printf("filled %ld, then %s\n", total, strerrorname_np(errno));
    r("drain 100", read(p[0], buf, 100));
    r("small write into 100 free", write(p[1], buf, 200));
    r("write 100", write(p[1], buf, 100));
    r("F_SETPIPE_SZ small", fcntl(p[1], F_SETPIPE_SZ, 4096));
    while (read(p[0], buf, sizeof buf) > 0) {}
    r("F_SETPIPE_SZ 8192", fcntl(p[1], F_SETPIPE_SZ, 8192));
    r("F_GETPIPE_SZ", fcntl(p[0], F_GETPIPE_SZ));
    r("big write partial", write(p[1], buf, 20000));
    while (read(p[0], buf, sizeof buf) > 0) {}
    struct iovec iov[3] = {{"one ", 4}, {"two ", 4}, {"three", 5}};
    r("writev", writev(p[1], iov, 3));
    char a[6] = {0}, b[20] = {0};
    struct iovec riov[2] = {{a, 5}, {b, 19}};
    r("readv", readv(p[0], riov, 2));
    printf("'%s' '%s'\n", a, b);
    struct stat s;
    r("fstat", fstat(p[0], &s));
    printf("fifo=%d\n", S_ISFIFO(s.st_mode));
    /* splice and sendfile through a file in /tmp */
    char tmpl[] = "/tmp/pipebasic-XXXXXX";
    int fd = mkstemp(tmpl);
    write(fd, "file contents\n", 14);
    loff_t off = 5;
    r("splice file->pipe", splice(fd, &off, p[1], NULL, 100, 0));
    printf("off=%lld\n", (long long)off);
    r("splice pipe->pipe offset", splice(p[0], &off, p[1], NULL, 1, 0));
    r("read spliced", read(p[0], buf, 100));
    printf("'%.9s'\n", buf);
    off_t so = 0;
    r("sendfile file->pipe", sendfile(p[1], fd, &so, 4));
    printf("so=%lld\n", (long long)so);
    r("read sent", read(p[0], buf, 100));
    printf("'%.4s'\n", buf);
    /* sendfile reads only what has a splice_read, and (unless it writes into a pipe) is seekable */
    r("write queued", write(p[1], "queued", 6));
    r("sendfile pipe->file", sendfile(fd, p[0], NULL, 6));
    r("sendfile pipe->pipe", sendfile(p[1], p[0], NULL, 6));
    r("sendfile pipe at offset", sendfile(fd, p[0], &so, 6));
    r("read queued", read(p[0], buf, 100));
    int devnull = open("/dev/null", O_RDONLY);
    r("sendfile null->file", sendfile(fd, devnull, NULL, 6));
    close(devnull);
    int appending = open(tmpl, O_WRONLY | O_APPEND);
    so = 0;
    r("sendfile file->O_APPEND", sendfile(appending, fd, &so, 4));
    close(appending);
    unlink(tmpl);
    close(fd);
    /* EOF and EPIPE */
    r("close w", close(p[1]));
    r("read at EOF", read(p[0], buf, 10));
    int q[2];
    pipe(q);
    close(q[0]);
    r("write no reader", write(q[1], "x", 1));
    /* A write of nothing succeeds before anything looks for a reader (pipe_write), and a writev
     * of nothing succeeds whatever the file (vfs_writev). */
    r("write of nothing, no reader", write(q[1], "x", 0));
    struct iovec none = {(void *)1, 0};
    r("writev of nothing, no reader", writev(q[1], &none, 1));
    int full = open("/dev/full", O_WRONLY);
    r("writev of nothing to /dev/full", writev(full, &none, 1));
    r("write of nothing to /dev/full", write(full, "x", 0));
    close(full);
    close(q[1]);
    close(p[0]);
    /* /proc/self/fd of a pipe */
    pipe(q);
    char link[64];
    ssize_t n = readlink("/proc/self/fd/3", link, sizeof link);
    printf("fd link starts with pipe: %d\n", n > 5 && strncmp(link, "pipe:", 5) == 0);
    return 0;
}
