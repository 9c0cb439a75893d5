/* robust_threads: 64 threads, created and joined 16 at a time, each calling
 * leaf() exactly 100000 times (or argv[1] times) from worker(): 6.4 million
 * calls that must all be in the trace, one call tree per thread plus
 * main's. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define THREADS 64
#define BATCH 16

static __thread volatile unsigned long sink; /* per thread: no race for TSan to find */
static unsigned long made[THREADS];          /* each slot written by its thread only */
static unsigned long calls = 100000;         /* per thread; set before any thread starts */

__attribute__((noinline)) void leaf(unsigned long x)
{
    sink += x;
}

__attribute__((noinline)) unsigned long worker(long id)
{
    unsigned long n = 0;
    for (unsigned long i = 0; i < calls; i++, n++)
        leaf(i);
    made[id] = n;
    return n;
}

/* not instrumented: each thread's tree has worker() as its only root */
__attribute__((no_instrument_function)) static void *start(void *arg)
{
    long id = (long)arg;
    char name[16];
    snprintf(name, sizeof(name), "rw-%02ld", id);
    pthread_setname_np(pthread_self(), name);
    worker(id);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc > 1)
        calls = strtoul(argv[1], NULL, 10);
    pthread_t t[BATCH];
    int created = 0;
    for (long b = 0; b < THREADS; b += BATCH) {
        int ok[BATCH];
        for (long i = 0; i < BATCH; i++) {
            ok[i] = pthread_create(&t[i], NULL, start, (void *)(b + i)) == 0;
            created += ok[i];
        }
        for (int i = 0; i < BATCH; i++)
            if (ok[i])
                pthread_join(t[i], NULL);
    }
    unsigned long total = 0;
    for (int i = 0; i < THREADS; i++)
        total += made[i];
    printf("threads=%d calls=%lu\n", created, total);
    return 0;
}
