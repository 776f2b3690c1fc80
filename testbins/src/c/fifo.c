/* fifo: named pipes (fifo(7)). Opening one end without O_NONBLOCK waits for the other end, with
 * it a reader gets its end at once and a writer ENXIO while there is no reader; O_RDWR never
 * waits; a signal interrupts a waiting open (EINTR without SA_RESTART). The FIFO lives in /tmp
 * under a name made from the pid, which the output never shows. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char path[64];

static void r(const char *what, long rc) {
    if (rc < 0) printf("%-48s = -1 %s\n", what, strerrorname_np(errno));
    else printf("%-48s = %ld\n", what, rc);
    fflush(stdout);
}

static void pause_ms(long ms) {
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };
    nanosleep(&ts, NULL);
}

/* Whether the child has reported through the status pipe yet (without waiting). */
static int reported(int status_fd) {
    char c;
    return read(status_fd, &c, 1) == 1;
}

static void on_alarm(int sig) { (void) sig; }

/* Reads n bytes (or up to end of file) into buf and terminates it. */
static void read_all(int fd, char *buf, int n) {
    int got = 0;
    while (got < n) {
        ssize_t k = read(fd, buf + got, (size_t) (n - got));
        if (k <= 0) break;
        got += (int) k;
    }
    buf[got] = 0;
}

int main(void) {
    snprintf(path, sizeof path, "/tmp/jvisor-fifo-%d", (int) getpid());
    r("mkfifo", mkfifo(path, 0600));
    struct stat st;
    r("stat", stat(path, &st));
    printf("S_ISFIFO %d\n", S_ISFIFO(st.st_mode));

    /* O_NONBLOCK: a writer without a reader gets ENXIO; a reader gets its end at once. */
    r("open O_WRONLY|O_NONBLOCK, no reader", open(path, O_WRONLY | O_NONBLOCK));
    int rd = open(path, O_RDONLY | O_NONBLOCK);
    r("open O_RDONLY|O_NONBLOCK, no writer", rd < 0 ? -1 : 0);
    char buf[64] = {0};
    r("read, no writer ever", read(rd, buf, sizeof buf));
    int wr = open(path, O_WRONLY | O_NONBLOCK);
    r("open O_WRONLY|O_NONBLOCK, with a reader", wr < 0 ? -1 : 0);
    r("write", write(wr, "abc", 3));
    r("read", read(rd, buf, sizeof buf));
    r("read, empty with a writer", read(rd, buf, sizeof buf));
    close(wr);
    r("read, writer gone", read(rd, buf, sizeof buf));
    close(rd);

    /* O_RDWR never waits, and both ends are this one description. */
    int rw = open(path, O_RDWR);
    r("open O_RDWR, nobody else", rw < 0 ? -1 : 0);
    r("write O_RDWR", write(rw, "xy", 2));
    memset(buf, 0, sizeof buf);
    r("read O_RDWR", read(rw, buf, sizeof buf));
    printf("got [%s]\n", buf);
    close(rw);

    /* A blocking writer waits for a reader. */
    int status[2];
    if (pipe2(status, O_NONBLOCK) != 0) return 1;
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(path, O_WRONLY);
        write(status[1], "o", 1);
        write(fd, "from writer", 11);
        _exit(0);
    }
    pause_ms(150);
    printf("writer's open returned before a reader came: %d\n", reported(status[0]));
    rd = open(path, O_RDONLY);
    r("open O_RDONLY, a writer waiting", rd < 0 ? -1 : 0);
    read_all(rd, buf, 11);
    printf("got [%s]\n", buf);
    waitpid(pid, NULL, 0);
    printf("writer's open returned once the reader came: %d\n", reported(status[0]));
    close(rd);

    /* A blocking reader waits for a writer. */
    pid = fork();
    if (pid == 0) {
        pause_ms(150);
        write(status[1], "w", 1);
        int fd = open(path, O_WRONLY);
        write(fd, "late", 4);
        _exit(0);
    }
    rd = open(path, O_RDONLY);
    printf("reader's open returned after the writer began: %d\n", reported(status[0]));
    read_all(rd, buf, 4);
    printf("got [%s]\n", buf);
    waitpid(pid, NULL, 0);
    close(rd);

    /* A signal without SA_RESTART interrupts a waiting open. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it = { {0, 0}, {0, 100000} };
    setitimer(ITIMER_REAL, &it, NULL);
    r("open O_RDONLY, no writer, SIGALRM", open(path, O_RDONLY));
    setitimer(ITIMER_REAL, &it, NULL);
    r("open O_WRONLY, no reader, SIGALRM", open(path, O_WRONLY));

    r("unlink", unlink(path));
    return 0;
}
