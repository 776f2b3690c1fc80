/* Job control of a multi-threaded process: a stop signal stops every thread (one spinning, one
 * blocked in read(2), one in nanosleep(2), one in pthread_join), SIGCONT resumes them all, and the
 * blocking calls are restarted as if nothing had happened. Prints what the kernel answered, so the
 * output can be compared with the host's. Steps are ordered by pipes and waits; the only clock is
 * the 50 ms during which a stopped thread must not count. */
#define _GNU_SOURCE
#include "job-control.h"
#include <sys/syscall.h>

/* Stopping a multi-threaded child: every thread stops, and each blocking call is restarted. */
static volatile unsigned long *spin_counter;
static int mt_in[2], mt_out[2];

static void *spinner(void *arg) {
    (void) arg;
    for (;;) __atomic_add_fetch(spin_counter, 1, __ATOMIC_RELAXED);
    return NULL;
}

static void *reader(void *arg) {
    (void) arg;
    char buf[8];
    ssize_t n = read(mt_in[0], buf, sizeof buf);
    send_line(mt_out[1], "reader thread: read returned %zd (%s)\n", n, n < 0 ? strerrorname_np(errno) : "data");
    return NULL;
}

static void *sleeper(void *arg) {
    (void) arg;
    __atomic_store_n(&spin_counter[1], (unsigned long) gettid(), __ATOMIC_RELEASE);
    struct timespec ts = {3600, 0}, rem;
    int r = nanosleep(&ts, &rem);
    send_line(mt_out[1], "sleeper thread: nanosleep returned %d (%s)\n", r, r ? strerrorname_np(errno) : "done");
    return NULL;
}

static void threads_stop_together(void) {
    printf("\n== stopping a child with four threads ==\n");
    spin_counter = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (spin_counter == MAP_FAILED) fail("mmap");
    if (pipe(mt_in) || pipe(mt_out)) fail("pipe");
    pid_t c = fork_in_own_group();
    if (c == 0) {
        pthread_t a, b, s;
        pthread_create(&a, NULL, spinner, NULL);
        pthread_create(&b, NULL, reader, NULL);
        pthread_create(&s, NULL, sleeper, NULL);
        write_all(mt_out[1], "r", 1);
        pthread_join(b, NULL);
        /* The sleeper sleeps on; the process ends when the parent says so. */
        char x;
        while (read(mt_in[0], &x, 1) < 0 && errno == EINTR) { }
        _exit(0);
    }
    await_byte(mt_out[0]);
    while (*spin_counter == 0) sched_yield();
    kill(c, SIGSTOP);
    wait_show("waitpid WUNTRACED", c, WUNTRACED);
    unsigned long before = *spin_counter;
    struct timespec pause_ts = {0, 50 * 1000 * 1000};
    nanosleep(&pause_ts, NULL);
    printf("the spinning thread is stopped too: %d\n", *spin_counter == before);
    kill(c, SIGCONT);
    wait_show("waitpid WCONTINUED", c, WCONTINUED);
    while (*spin_counter == before) sched_yield();
    printf("the spinning thread runs again\n");
    write_all(mt_in[1], "data", 4);
    relay_line(mt_out[0]);
    /* SIGTSTP sent to the process while its threads run stops them all too. */
    kill(c, SIGTSTP);
    wait_show("waitpid WUNTRACED after SIGTSTP", c, WUNTRACED);
    kill(c, SIGCONT);
    wait_show("waitpid WCONTINUED", c, WCONTINUED);
    /* A stop signal sent to one thread (tgkill) stops the whole process. */
    while (__atomic_load_n(&spin_counter[1], __ATOMIC_ACQUIRE) == 0) sched_yield();
    printf("tgkill SIGSTOP to the sleeping thread: %d\n", (int) syscall(SYS_tgkill, c, (pid_t) spin_counter[1], SIGSTOP));
    wait_show("waitpid WUNTRACED", c, WUNTRACED);
    before = *spin_counter;
    nanosleep(&pause_ts, NULL);
    printf("the spinning thread is stopped too: %d\n", *spin_counter == before);
    kill(c, SIGCONT);
    wait_show("waitpid WCONTINUED", c, WCONTINUED);
    write_all(mt_in[1], "q", 1);
    wait_show("waitpid", c, 0);
    munmap((void *) spin_counter, 4096);
    close(mt_in[0]); close(mt_in[1]); close(mt_out[0]); close(mt_out[1]);
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    threads_stop_together();
    return 0;
}
