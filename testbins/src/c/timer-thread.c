/* timer-thread: a POSIX timer with SIGEV_THREAD. glibc runs the function on a thread of its
 * own: a helper thread waits in sigtimedwait for the timer's signal (SIGTIMER, which the kernel
 * timer sends to that thread with SIGEV_THREAD_ID) and starts a thread per expiration. The
 * helper waits for a signal that a parent process may have left ignored (a JVM does), which a
 * wait for it must still take. */
#include <signal.h>
#include <stdio.h>
#include <time.h>

static volatile int fired, runs;

static void on_timer(union sigval v) {
    fired = v.sival_int;
    runs++;
}

int main(void) {
    struct sigevent ev = { .sigev_notify = SIGEV_THREAD, .sigev_notify_function = on_timer,
                           .sigev_value.sival_int = 77 };
    timer_t t;
    printf("timer_create SIGEV_THREAD = %d\n", timer_create(CLOCK_MONOTONIC, &ev, &t));
    struct itimerspec its = { {0, 0}, {0, 20000000} };
    printf("timer_settime = %d\n", timer_settime(t, 0, &its, NULL));
    for (int i = 0; i < 200 && !fired; i++) {
        struct timespec d = { 0, 10000000 };
        nanosleep(&d, NULL);
    }
    printf("the function ran with %d, %d time(s)\n", fired, runs);
    printf("timer_delete = %d\n", timer_delete(t));
    return 0;
}
