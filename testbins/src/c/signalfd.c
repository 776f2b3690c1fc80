/* signalfd: signals read as signalfd_siginfo records (signalfd(2)): kill, sigqueue with a value,
 * a POSIX timer's signal, SIGCHLD with the child's status; several records in one read, poll
 * readiness, a new mask for an existing descriptor, O_NONBLOCK, bad arguments, a child that
 * reads its own signals through the parent's descriptor, and a blocking read woken by a signal
 * another process sends or interrupted by a handled one. Pids are printed as "self", "child" or
 * "other". */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static pid_t self, child;
static volatile sig_atomic_t alarms;

static void on_alarm(int sig) {
    (void) sig;
    alarms++;
}

static void r(const char *what, long rc) {
    if (rc < 0) printf("%-40s = -1 %s\n", what, strerrorname_np(errno));
    else printf("%-40s = %ld\n", what, rc);
}

static const char *who(unsigned pid) {
    return pid == 0 ? "0" : pid == (unsigned) self ? "self" : pid == (unsigned) child ? "child" : "other";
}

static void show(const struct signalfd_siginfo *s) {
    const char *name = sigabbrev_np((int) s->ssi_signo);
    char rt[16];
    if (name == NULL) {
        snprintf(rt, sizeof rt, "RTMIN+%d", (int) s->ssi_signo - SIGRTMIN);
        name = rt;
    }
    printf("  signo %s code %d errno %d pid %s uid %u int %d ptr %#llx", name, s->ssi_code,
           s->ssi_errno, who(s->ssi_pid), s->ssi_uid, s->ssi_int, (unsigned long long) s->ssi_ptr);
    if (s->ssi_signo == SIGCHLD) printf(" status %d", s->ssi_status);
    if (s->ssi_code == SI_TIMER) printf(" overrun %u", s->ssi_overrun);
    printf("\n");
}

/* Reads up to n records, prints each. */
static void drain(int fd, int n) {
    struct signalfd_siginfo s[4];
    ssize_t got = read(fd, s, sizeof s[0] * (size_t) n);
    r("read", got);
    for (ssize_t i = 0; i < got / (ssize_t) sizeof s[0]; i++) show(&s[i]);
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    self = getpid();
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGUSR2);
    sigaddset(&set, SIGRTMIN);
    sigaddset(&set, SIGCHLD);
    sigaddset(&set, SIGKILL); /* dropped from the mask, not refused */
    sigprocmask(SIG_BLOCK, &set, NULL);

    r("signalfd4 bad flags", signalfd(-1, &set, O_APPEND));
    r("signalfd4 on a non-signalfd", signalfd(1, &set, 0));
    r("signalfd4 on a closed fd", signalfd(99, &set, 0));
    r("raw signalfd4 bad sizemask", syscall(289, -1, &set, 4, 0));
    int fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    r("signalfd", fd >= 0 ? 0 : -1);
    r("F_GETFL & O_NONBLOCK", fcntl(fd, F_GETFL) & O_NONBLOCK);
    r("F_GETFD", fcntl(fd, F_GETFD));
    char small[16];
    r("read, too small", read(fd, small, sizeof small));
    struct signalfd_siginfo one;
    r("read, nothing pending", read(fd, &one, sizeof one));
    struct pollfd p = { fd, POLLIN, 0 };
    r("poll, nothing pending", poll(&p, 1, 0));

    kill(self, SIGUSR1);
    union sigval v = { .sival_int = 1234 };
    sigqueue(self, SIGRTMIN, v);
    raise(SIGUSR2);
    r("poll, three pending", poll(&p, 1, 0));
    printf("revents %#x\n", p.revents);
    drain(fd, 4);

    /* A POSIX timer's signal. */
    timer_t tm;
    struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1, .sigev_value.sival_ptr = (void *) 0x55 };
    timer_create(CLOCK_MONOTONIC, &sev, &tm);
    struct itimerspec its = { {0, 0}, {0, 10000000} };
    timer_settime(tm, 0, &its, NULL);
    struct timespec ts = { 0, 50000000 };
    nanosleep(&ts, NULL);
    drain(fd, 1);

    /* A new mask for the same descriptor: SIGUSR2 only. */
    sigset_t only2;
    sigemptyset(&only2);
    sigaddset(&only2, SIGUSR2);
    r("signalfd, new mask", signalfd(fd, &only2, 0) == fd);
    raise(SIGUSR1);
    r("read, SIGUSR1 not in the mask", read(fd, &one, sizeof one));
    siginfo_t si;
    struct timespec zero = { 0, 0 };
    r("sigtimedwait takes SIGUSR1", sigtimedwait(&set, &si, &zero));
    signalfd(fd, &set, 0);

    /* SIGCHLD of an exited child, read through the descriptor. */
    child = fork();
    if (child == 0) _exit(7);
    int st;
    waitpid(child, &st, 0);
    drain(fd, 1);

    /* The child reads its own signals through the inherited descriptor. */
    child = fork();
    if (child == 0) {
        self = getpid();
        raise(SIGUSR2);
        drain(fd, 1);
        r("child: read, its own queue empty", read(fd, &one, sizeof one));
        _exit(0);
    }
    waitpid(child, &st, 0);
    /* The parent's queue holds none of that, only the SIGCHLD of the child's exit. */
    drain(fd, 4);

    /* A blocking read waits until another process sends a signal of the mask. */
    int blocking = signalfd(-1, &set, 0);
    child = fork();
    if (child == 0) {
        struct timespec d = { 0, 100000000 };
        nanosleep(&d, NULL);
        kill(getppid(), SIGUSR1);
        _exit(0);
    }
    drain(blocking, 1);
    waitpid(child, &st, 0);
    r("sigtimedwait takes the SIGCHLD", sigtimedwait(&set, &si, &zero));

    /* A handled signal outside the mask interrupts a blocking read (no SA_RESTART: EINTR). */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);
    alarm(1);
    r("read, interrupted by SIGALRM", read(blocking, &one, sizeof one));
    printf("alarms handled %d\n", alarms);
    return 0;
}
