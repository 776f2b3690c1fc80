/* signals-wait: blocking calls woken by timer signals (alarm, setitimer, timer_create):
 * pause, sigsuspend, sigtimedwait, nanosleep's remaining time, ITIMER_VIRTUAL, timer
 * overruns, SIGEV_NONE, and errnos. Times are printed as coarse ranges. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define T(name, expr) do { errno = 0; long r_ = (expr); \
        printf("%s = %ld %s\n", name, r_, r_ < 0 ? strerror(errno) : "ok"); } while (0)

static volatile int alarms, vtalarms, usr1;
static void on_alarm(int s) { (void) s; alarms++; }
static void on_vt(int s) { (void) s; vtalarms++; }
static void on_usr1(int s) { (void) s; usr1++; }

static void handle(int sig, void (*h)(int), int flags) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = h;
    sa.sa_flags = flags;
    sigaction(sig, &sa, NULL);
}

static long ms_since(struct timespec *a) {
    struct timespec b;
    clock_gettime(CLOCK_MONOTONIC, &b);
    return (b.tv_sec - a->tv_sec) * 1000 + (b.tv_nsec - a->tv_nsec) / 1000000;
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    struct timespec t0;
    handle(SIGALRM, on_alarm, 0);

    /* pause() until a 50 ms ITIMER_REAL fires. */
    struct itimerval it = {{0, 0}, {0, 50000}}, old;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    setitimer(ITIMER_REAL, &it, NULL);
    errno = 0;
    int r = pause();
    long ms = ms_since(&t0);
    printf("pause = %d %s, alarms=%d, waited>=40ms: %d\n", r, strerror(errno), alarms, ms >= 40);

    /* getitimer while armed, alarm's return value. */
    it.it_value.tv_sec = 10;
    it.it_value.tv_usec = 0;
    setitimer(ITIMER_REAL, &it, NULL);
    getitimer(ITIMER_REAL, &old);
    printf("getitimer: sec in 9..10: %d\n", old.it_value.tv_sec >= 9 && old.it_value.tv_sec <= 10);
    printf("alarm(0) = %u\n", alarm(0));
    printf("alarm(0) again = %u\n", alarm(0));

    /* nanosleep interrupted by a handled signal: EINTR and the remaining time. */
    it.it_value.tv_sec = 0;
    it.it_value.tv_usec = 50000;
    setitimer(ITIMER_REAL, &it, NULL);
    struct timespec req = {2, 0}, rem = {0, 0};
    errno = 0;
    r = nanosleep(&req, &rem);
    printf("nanosleep = %d %s, rem in 1..2s: %d\n", r, strerror(errno), rem.tv_sec == 1 && rem.tv_nsec > 0);

    /* sigsuspend: block SIGALRM, wait for it with an empty mask; the old mask comes back. */
    sigset_t blk, empty, cur;
    sigemptyset(&blk);
    sigaddset(&blk, SIGALRM);
    sigemptyset(&empty);
    sigprocmask(SIG_BLOCK, &blk, NULL);
    setitimer(ITIMER_REAL, &it, NULL);
    errno = 0;
    r = sigsuspend(&empty);
    sigprocmask(SIG_SETMASK, NULL, &cur);
    printf("sigsuspend = %d %s, alarms=%d, ALRM blocked again: %d\n", r, strerror(errno), alarms,
           sigismember(&cur, SIGALRM));

    /* sigtimedwait: a pending blocked signal is taken, with its siginfo. */
    siginfo_t si;
    sigset_t w;
    sigemptyset(&w);
    sigaddset(&w, SIGUSR1);
    sigprocmask(SIG_BLOCK, &w, NULL);
    raise(SIGUSR1);
    struct timespec zero = {0, 0}, short_ = {0, 30000000};
    r = sigtimedwait(&w, &si, &zero);
    printf("sigtimedwait = %d code=%d pid_ok=%d\n", r, si.si_code, si.si_pid == getpid());
    T("sigtimedwait(nothing, 0)", sigtimedwait(&w, &si, &zero));
    T("sigtimedwait(nothing, 30ms)", sigtimedwait(&w, &si, &short_));
    /* ... and a handled signal arriving meanwhile interrupts it. */
    sigprocmask(SIG_UNBLOCK, &blk, NULL);
    setitimer(ITIMER_REAL, &it, NULL);
    struct timespec two = {2, 0};
    T("sigtimedwait(interrupted)", sigtimedwait(&w, &si, &two));
    /* SIGALRM waited for while blocked: taken by sigwaitinfo, no handler. */
    sigprocmask(SIG_BLOCK, &blk, NULL);
    int before = alarms;
    setitimer(ITIMER_REAL, &it, NULL);
    r = sigwaitinfo(&blk, &si);
    printf("sigwaitinfo = %d code=%s handler ran: %d\n", r, si.si_code == SI_KERNEL ? "SI_KERNEL" : "other",
           alarms != before);
    struct timespec bad = {0, 1000000000};
    T("sigtimedwait(bad timeout)", sigtimedwait(&w, &si, &bad));

    /* POSIX timer: SIGEV_SIGNAL with a value, periodic, taken by sigwaitinfo. */
    timer_t tid;
    struct sigevent sev;
    memset(&sev, 0, sizeof sev);
    sev.sigev_notify = SIGEV_SIGNAL;
    sev.sigev_signo = SIGRTMIN;
    sev.sigev_value.sival_int = 77;
    sigset_t rt;
    sigemptyset(&rt);
    sigaddset(&rt, SIGRTMIN);
    sigprocmask(SIG_BLOCK, &rt, NULL);
    T("timer_create", timer_create(CLOCK_MONOTONIC, &sev, &tid));
    struct itimerspec its = {{0, 20000000}, {0, 20000000}}, got;
    T("timer_settime", timer_settime(tid, 0, &its, NULL));
    for (int i = 0; i < 2; i++) {
        r = sigwaitinfo(&rt, &si);
        printf("timer signal %d: sig ok=%d code=%s value=%d overrun>=0: %d\n", i, r == SIGRTMIN,
               si.si_code == SI_TIMER ? "SI_TIMER" : "other", si.si_value.sival_int, si.si_overrun >= 0);
    }
    T("timer_gettime", timer_gettime(tid, &got));
    printf("interval=%ld.%09ld value<=20ms: %d\n", (long) got.it_interval.tv_sec, got.it_interval.tv_nsec,
           got.it_value.tv_sec == 0 && got.it_value.tv_nsec <= 20000000);
    usleep(100000); /* expirations pile up: one signal queued, the rest are overruns */
    sigpending(&cur);
    printf("pending RTMIN: %d\n", sigismember(&cur, SIGRTMIN));
    r = sigwaitinfo(&rt, &si);
    printf("overrun after 100ms >= 2: %d, timer_getoverrun matches: %d\n", si.si_overrun >= 2,
           timer_getoverrun(tid) == si.si_overrun);
    T("timer_delete", timer_delete(tid));
    T("timer_delete again", timer_delete(tid));
    T("timer_gettime deleted", timer_gettime(tid, &got));

    /* SIGEV_NONE: the timer runs, no signal. */
    sev.sigev_notify = SIGEV_NONE;
    T("timer_create none", timer_create(CLOCK_REALTIME, &sev, &tid));
    its.it_interval.tv_nsec = 0;
    its.it_value.tv_sec = 5;
    timer_settime(tid, 0, &its, NULL);
    timer_gettime(tid, &got);
    printf("none: remaining in 4..5s: %d\n", got.it_value.tv_sec == 4 || got.it_value.tv_sec == 5);
    its.it_value.tv_sec = 0;
    its.it_value.tv_nsec = 0;
    timer_settime(tid, 0, &its, &got);
    printf("disarm: old remaining in 4..5s: %d\n", got.it_value.tv_sec == 4 || got.it_value.tv_sec == 5);
    timer_delete(tid);

    /* Errors. */
    T("timer_create(bad clock)", timer_create(99, NULL, &tid));
    sev.sigev_notify = SIGEV_SIGNAL;
    sev.sigev_signo = 99;
    T("timer_create(bad signal)", timer_create(CLOCK_MONOTONIC, &sev, &tid));
    sev.sigev_notify = 77;
    T("timer_create(bad notify)", timer_create(CLOCK_MONOTONIC, &sev, &tid));
    T("setitimer(bad which)", setitimer(5, &it, NULL));
    it.it_value.tv_usec = 1000000;
    T("setitimer(bad usec)", setitimer(ITIMER_REAL, &it, NULL));
    T("getitimer(bad which)", getitimer(-1, &old));

    /* ITIMER_VIRTUAL counts CPU time: a busy loop gets SIGVTALRM three times. */
    handle(SIGVTALRM, on_vt, 0);
    struct itimerval vt = {{0, 10000}, {0, 10000}};
    setitimer(ITIMER_VIRTUAL, &vt, NULL);
    volatile unsigned long spin = 0;
    while (vtalarms < 3) spin++;
    vt.it_value.tv_usec = 0;
    vt.it_interval.tv_usec = 0;
    setitimer(ITIMER_VIRTUAL, &vt, NULL);
    printf("vtalarms=%d\n", vtalarms);

    /* SIGUSR1 from kill while blocked and then unblocked: handled once. */
    handle(SIGUSR1, on_usr1, 0);
    kill(getpid(), SIGUSR1);
    kill(getpid(), SIGUSR1);
    sigprocmask(SIG_UNBLOCK, &w, NULL);
    printf("usr1=%d\n", usr1);
    return 0;
}
