/* pthreads: 8 threads hammer a LOCK-prefixed counter and a mutex-protected one; condition
 * variables, barriers, thread-local storage, join values, per-thread signals and thread ids.
 * Everything printed is deterministic, so the output can be compared with the host's. */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define THREADS 8
#define ITERATIONS 20000

static atomic_long atomic_counter;
static long mutex_counter;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t barrier;
static __thread long tls_value;
static pid_t tids[THREADS];

static pthread_mutex_t cv_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int turn;
static char order[THREADS * 3 + 1];

static volatile sig_atomic_t usr1_seen_by[THREADS];

static void on_usr1(int sig) {
    (void) sig;
    for (int i = 0; i < THREADS; i++)
        if (tids[i] == (pid_t) syscall(SYS_gettid)) usr1_seen_by[i] = 1;
}

static void *worker(void *arg) {
    long id = (long) arg;
    tids[id] = (pid_t) syscall(SYS_gettid);
    tls_value = id * 100;
    pthread_barrier_wait(&barrier);
    for (int i = 0; i < ITERATIONS; i++) {
        atomic_fetch_add(&atomic_counter, 1);
        pthread_mutex_lock(&lock);
        mutex_counter++;
        pthread_mutex_unlock(&lock);
    }
    /* Take turns in id order through a condition variable. */
    pthread_mutex_lock(&cv_lock);
    while (turn != id) pthread_cond_wait(&cv, &cv_lock);
    char buf[4];
    snprintf(buf, sizeof buf, "%ld,", id);
    strcat(order, buf);
    turn++;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&cv_lock);
    pthread_barrier_wait(&barrier); /* everyone registered before the signals */
    pthread_barrier_wait(&barrier); /* the main thread has sent them */
    while (!usr1_seen_by[id]) sched_yield();
    return (void *) (tls_value + id);
}

int main(void) {
    signal(SIGUSR1, on_usr1);
    pthread_barrier_init(&barrier, NULL, THREADS + 1);
    pthread_t th[THREADS];
    for (long i = 0; i < THREADS; i++) {
        if (pthread_create(&th[i], NULL, worker, (void *) i) != 0) {
            perror("pthread_create");
            return 1;
        }
    }
    pthread_barrier_wait(&barrier); /* start together */
    pthread_barrier_wait(&barrier); /* all done counting and taking turns */
    for (int i = 0; i < THREADS; i++) syscall(SYS_tgkill, getpid(), tids[i], SIGUSR1);
    pthread_barrier_wait(&barrier);
    long sum = 0;
    for (int i = 0; i < THREADS; i++) {
        void *ret;
        pthread_join(th[i], &ret);
        sum += (long) ret;
    }
    int distinct = 1;
    for (int i = 0; i < THREADS; i++) {
        if (tids[i] == getpid()) distinct = 0;
        for (int j = 0; j < i; j++)
            if (tids[i] == tids[j]) distinct = 0;
    }
    printf("atomic counter: %ld (expected %d)\n", (long) atomic_counter, THREADS * ITERATIONS);
    printf("mutex counter: %ld (expected %d)\n", mutex_counter, THREADS * ITERATIONS);
    printf("turn order: %s\n", order);
    printf("join values: %ld\n", sum);
    printf("thread ids distinct from each other and the process: %d\n", distinct);
    int seen = 0;
    for (int i = 0; i < THREADS; i++) seen += usr1_seen_by[i];
    printf("threads that handled their own SIGUSR1: %d\n", seen);
    printf("main thread tls untouched: %ld\n", tls_value);
    return 0;
}
