/* time-clocks: clock_gettime/clock_getres for every clock id, bad ids, CPU clocks advancing
 * with work, gettimeofday/time agreement, times, getrusage, nanosleep and clock_nanosleep. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/times.h>
#include <time.h>
#include <unistd.h>

#define T(name, expr) do { errno = 0; long r_ = (expr); \
        printf("%s = %ld %s\n", name, r_, r_ < 0 ? strerror(errno) : "ok"); } while (0)

static long ns(struct timespec t) { return t.tv_sec * 1000000000L + t.tv_nsec; }

int main(void) {
    struct timespec a, b;
    for (int c = -1; c <= 12; c++) {
        errno = 0;
        long r = syscall(SYS_clock_gettime, c, &a);
        int e = errno;
        errno = 0;
        long r2 = syscall(SYS_clock_getres, c, &b);
        printf("clock %d: gettime=%ld %s getres=%ld %s", c, r, r ? strerror(e) : "ok", r2, r2 ? strerror(errno) : "ok");
        if (r2 == 0 && (c == 2 || c == 3)) printf(" res=%ld", ns(b));
        printf("\n");
    }
    T("clock_gettime(100)", syscall(SYS_clock_gettime, 100, &a));
    T("clock_getres(1, NULL)", syscall(SYS_clock_getres, CLOCK_MONOTONIC, NULL));
    T("clock_gettime(bad ptr)", syscall(SYS_clock_gettime, CLOCK_MONOTONIC, (void *) 8));
    clockid_t cid;
    printf("clock_getcpuclockid = %d\n", clock_getcpuclockid(0, &cid));
    T("clock_gettime(cpuclock of self)", clock_gettime(cid, &a));
    T("clock_gettime(cpuclock of pid 0x3fffff)", syscall(SYS_clock_gettime, (int) ((unsigned) ~0x3fffff << 3) | 2, &a));

    clock_gettime(CLOCK_MONOTONIC, &a);
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf("monotonic non-decreasing: %d\n", ns(b) >= ns(a));
    struct timeval tv;
    gettimeofday(&tv, NULL);
    time_t now = time(NULL);
    /* time(2) reads the coarse clock, which lags the precise one by up to a tick: right after a
     * second begins it may still say the second before. */
    printf("time vs gettimeofday within 1s: %d\n", now - tv.tv_sec <= 1 && tv.tv_sec - now <= 1);

    struct timespec c0, c1;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
    volatile unsigned long x = 0;
    for (unsigned long i = 0; i < 20000000; i++) x += i;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
    printf("process cpu time advanced: %d\n", ns(c1) > ns(c0));
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
    printf("thread cpu time positive: %d\n", ns(c1) > 0);

    struct tms tm;
    clock_t t = times(&tm);
    printf("times > 0: %d, utime >= 0: %d, cutime=%ld\n", t > 0, tm.tms_utime >= 0, (long) tm.tms_cutime);
    struct rusage ru;
    T("getrusage(SELF)", getrusage(RUSAGE_SELF, &ru));
    printf("ru_utime > 0: %d\n", ru.ru_utime.tv_sec > 0 || ru.ru_utime.tv_usec > 0);
    T("getrusage(THREAD)", getrusage(RUSAGE_THREAD, &ru));
    T("getrusage(CHILDREN)", getrusage(RUSAGE_CHILDREN, &ru));
    printf("children utime: %ld.%06ld\n", (long) ru.ru_utime.tv_sec, (long) ru.ru_utime.tv_usec);
    T("getrusage(5)", getrusage(5, &ru));

    struct timespec req = {0, 20000000}, rem;
    clock_gettime(CLOCK_MONOTONIC, &a);
    T("nanosleep(20ms)", nanosleep(&req, &rem));
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf("slept >= 20ms: %d\n", ns(b) - ns(a) >= 20000000);
    struct timespec abs;
    clock_gettime(CLOCK_MONOTONIC, &abs);
    abs.tv_nsec += 20000000;
    if (abs.tv_nsec >= 1000000000) { abs.tv_sec++; abs.tv_nsec -= 1000000000; }
    printf("clock_nanosleep(ABSTIME) = %d\n", clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &abs, NULL));
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf("reached deadline: %d\n", ns(b) >= ns(abs));
    printf("clock_nanosleep(past) = %d\n", clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &req, NULL));
    printf("clock_nanosleep(THREAD_CPUTIME) = %d\n", clock_nanosleep(CLOCK_THREAD_CPUTIME_ID, 0, &req, NULL));
    printf("clock_nanosleep(MONOTONIC_RAW) = %d\n", clock_nanosleep(CLOCK_MONOTONIC_RAW, 0, &req, NULL));
    printf("clock_nanosleep(99) = %d\n", clock_nanosleep(99, 0, &req, NULL));
    req.tv_nsec = 1000000000;
    T("nanosleep(bad nsec)", nanosleep(&req, NULL));
    req.tv_sec = -1;
    req.tv_nsec = 0;
    T("nanosleep(negative)", nanosleep(&req, NULL));
    T("nanosleep(bad ptr)", nanosleep((void *) 8, NULL));
    return 0;
}
