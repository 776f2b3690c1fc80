/* EINTR and SA_RESTART (signal(7)): a read from an empty pipe, interrupted by a signal whose
 * handler has SA_RESTART, goes on; without it, it fails with EINTR; poll is never restarted
 * after a handler. A child process sends the signals, so the reads really block. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t handled;

static void on_usr1(int sig) {
    (void) sig;
    handled++;
}

static void install(int flags) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sa.sa_flags = flags;
    sigaction(SIGUSR1, &sa, NULL);
}

/* A child that signals the parent after a pause, then (if data) writes a byte to the pipe. */
static pid_t helper(int wfd, int data) {
    pid_t parent = getpid();
    pid_t c = fork();
    if (c == 0) {
        usleep(100000);
        kill(parent, SIGUSR1);
        usleep(100000);
        if (data) write(wfd, "x", 1);
        _exit(0);
    }
    return c;
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    int p[2];
    char b;

    install(SA_RESTART);
    pipe(p);
    pid_t c = helper(p[1], 1);
    ssize_t n = read(p[0], &b, 1);
    printf("SA_RESTART read: %zd '%c' handled=%d\n", n, n == 1 ? b : '-', handled);
    waitpid(c, NULL, 0);
    close(p[0]);
    close(p[1]);

    install(0);
    pipe(p);
    c = helper(p[1], 1);
    errno = 0;
    n = read(p[0], &b, 1);
    int e = errno;
    printf("no SA_RESTART read: %zd %s handled=%d\n", n, strerror(e), handled);
    n = read(p[0], &b, 1);
    printf("read again: %zd '%c'\n", n, n == 1 ? b : '-');
    waitpid(c, NULL, 0);
    close(p[0]);
    close(p[1]);

    install(SA_RESTART);
    pipe(p);
    c = helper(p[1], 0);
    struct pollfd pfd = {.fd = p[0], .events = POLLIN};
    errno = 0;
    int r = poll(&pfd, 1, 2000);
    e = errno;
    printf("poll with SA_RESTART: %d %s handled=%d\n", r, strerror(e), handled);
    waitpid(c, NULL, 0);
    return 0;
}
