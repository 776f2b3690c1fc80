/* job-control.h - what the job control test programs share: printing wait statuses and siginfos
 * the same way, and pipes to order the steps of several processes without timing. */
#ifndef JOB_CONTROL_H
#define JOB_CONTROL_H
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static inline void fail(const char *what) {
    printf("FAILED: %s: %s\n", what, strerror(errno));
    exit(99);
}

static inline const char *sig_name(int sig) {
    const char *n = sigabbrev_np(sig);
    return n ? n : "?";
}

/* The wait status as text: stopped, continued, exited, killed. */
static inline void show(const char *what, int status) {
    if (WIFSTOPPED(status))
        printf("%s: stopped by SIG%s (status 0x%x)\n", what, sig_name(WSTOPSIG(status)), status);
    else if (WIFCONTINUED(status))
        printf("%s: continued (status 0x%x)\n", what, status);
    else if (WIFEXITED(status))
        printf("%s: exited %d\n", what, WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        printf("%s: killed by SIG%s\n", what, sig_name(WTERMSIG(status)));
    else
        printf("%s: status 0x%x\n", what, status);
}

/* waitpid that reports what it found; a pid other than the one asked for is a failure. */
static inline void wait_show(const char *what, pid_t pid, int options) {
    int status = 0;
    pid_t w = waitpid(pid, &status, options);
    if (w < 0) {
        printf("%s: waitpid error %s\n", what, strerrorname_np(errno));
    } else if (w == 0) {
        printf("%s: nothing to report\n", what);
    } else {
        if (w != pid) printf("%s: waitpid returned another pid\n", what);
        show(what, status);
    }
}

static inline const char *cld_name(int code) {
    switch (code) {
    case CLD_EXITED: return "CLD_EXITED";
    case CLD_KILLED: return "CLD_KILLED";
    case CLD_DUMPED: return "CLD_DUMPED";
    case CLD_STOPPED: return "CLD_STOPPED";
    case CLD_CONTINUED: return "CLD_CONTINUED";
    default: return "?";
    }
}

/* A child's siginfo (waitid's or SIGCHLD's): code, status, and whether si_pid names the child. */
static inline void show_info(const char *what, const siginfo_t *si, pid_t child) {
    if (si->si_pid == 0) {
        printf("%s: nothing to report (si_pid 0)\n", what);
        return;
    }
    int st = si->si_status;
    const char *stname = (si->si_code == CLD_EXITED) ? NULL : sig_name(st);
    printf("%s: si_signo %s si_code %s si_status %d%s%s%s si_pid is the child %d\n", what,
           sig_name(si->si_signo), cld_name(si->si_code), st, stname ? " (SIG" : "", stname ? stname : "",
           stname ? ")" : "", si->si_pid == child);
}

static inline void waitid_show(const char *what, pid_t pid, int options) {
    siginfo_t si;
    memset(&si, 0, sizeof si);
    if (waitid(P_PID, pid, &si, options) != 0) {
        printf("%s: waitid error %s\n", what, strerrorname_np(errno));
        return;
    }
    show_info(what, &si, pid);
}

/* Takes the next SIGCHLD (blocked) and shows its siginfo. */
static inline void next_sigchld(const char *what, pid_t child) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    siginfo_t si;
    if (sigwaitinfo(&set, &si) != SIGCHLD) fail("sigwaitinfo");
    show_info(what, &si, child);
}

static inline void write_all(int fd, const void *buf, size_t n) {
    if (write(fd, buf, n) != (ssize_t) n) fail("write");
}

/* Reads one byte the other side sends to say "I am here". */
static inline char await_byte(int fd) {
    char c;
    ssize_t n;
    do n = read(fd, &c, 1); while (n < 0 && errno == EINTR);
    if (n != 1) fail("read a sync byte");
    return c;
}

/* Reads a line a child sent through a pipe and prints it. */
static inline void relay_line(int fd) {
    char line[200];
    size_t n = 0;
    while (n + 1 < sizeof line) {
        char c = await_byte(fd);
        line[n++] = c;
        if (c == '\n') break;
    }
    line[n] = 0;
    fputs(line, stdout);
}

static inline void send_line(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline void send_line(int fd, const char *fmt, ...) {
    char buf[200];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    write_all(fd, buf, (size_t) n);
}

/* A child in a process group of its own (set on both sides, so neither side races the other). */
static inline pid_t fork_in_own_group(void) {
    pid_t c = fork();
    if (c < 0) fail("fork");
    if (c == 0) {
        setpgid(0, 0);
        return 0;
    }
    setpgid(c, c);
    return c;
}

/* A handler that reports its signal by writing handler_line to handler_fd (async-signal-safe). */
static int handler_fd;
static const char *handler_line;

static inline void report_signal(int sig) {
    (void) sig;
    write(handler_fd, handler_line, strlen(handler_line));
}

/* Reports the signal sig with line on fd when it comes (the handler blocks nothing else). */
static inline void report_signal_on(int sig, int fd, const char *line) {
    handler_fd = fd;
    handler_line = line;
    signal(sig, report_signal);
}

/* Blocks sig, tells fd "r", then waits for sig: it cannot come between the two. */
static inline void ready_then_await(int sig, int fd) {
    sigset_t set, none;
    sigemptyset(&set);
    sigaddset(&set, sig);
    sigemptyset(&none);
    sigprocmask(SIG_BLOCK, &set, NULL);
    write_all(fd, "r", 1);
    sigsuspend(&none);
}

/* Reaps the processes that came back to this child subreaper; prints their exit codes in order. */
static inline void reap_orphans(void) {
    int status, codes[8], orphans = 0;
    while (orphans < 8 && waitpid(-1, &status, 0) > 0) codes[orphans++] = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    for (int i = 0; i < orphans; i++)
        for (int j = i + 1; j < orphans; j++)
            if (codes[j] < codes[i]) {
                int x = codes[i];
                codes[i] = codes[j];
                codes[j] = x;
            }
    printf("orphans reaped: %d, exit codes:", orphans);
    for (int i = 0; i < orphans; i++) printf(" %d", codes[i]);
    printf("\n");
}
#endif
