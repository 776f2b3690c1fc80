/*
 * threads.c - multi-threaded atomic counter: 2 pthreads each do INCREMENTS
 * lock-prefixed atomic increments of one shared counter (and the main thread
 * joins them).  Needs clone, futex and set_robust_list/rseq in the kernel.
 *
 *     threads [INCREMENTS]     prints the final counter (2 * INCREMENTS)
 */
#include <pthread.h>
#include <string.h>
#include "bench.h"

#define THREADS 2

static long increments;
static uint64_t counter;

static void *worker(void *arg)
{
    (void)arg;
    for (long i = 0; i < increments; i++)
        __atomic_fetch_add(&counter, 1, __ATOMIC_SEQ_CST);
    return NULL;
}

int main(int argc, char **argv)
{
    increments = bench_count(argc, argv, 1, 6000000);
    pthread_t t[THREADS];
    uint64_t t0 = bench_now_ns();
    for (int i = 0; i < THREADS; i++) {
        int e = pthread_create(&t[i], NULL, worker, NULL);
        if (e != 0) {
            fprintf(stderr, "threads: pthread_create: %s\n", strerror(e));
            return 1;
        }
    }
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    uint64_t t1 = bench_now_ns();
    bench_report(t0, t1, (uint64_t)THREADS * (uint64_t)increments);
    printf("threads: threads=%d increments=%ld counter=%llu\n", THREADS, increments,
           (unsigned long long)counter);
    return counter == (uint64_t)THREADS * (uint64_t)increments ? 0 : 1;
}
