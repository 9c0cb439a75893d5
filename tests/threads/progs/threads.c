/* 4 workers x 100000 leaf calls, plus a thread that exits before the others
 * start, plus one named through calltrace_set_thread_name(). */
#define _GNU_SOURCE
#include <calltrace.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define WORKERS 4
#define CALLS 100000

static __thread volatile unsigned long sink; /* per thread: no race for TSan to find */

__attribute__((noinline)) void leaf(unsigned long x)
{
    sink += x;
}

void *worker(void *arg)
{
    long id = (long)arg;
    char name[16];
    snprintf(name, sizeof(name), "worker-%ld", id);
    pthread_setname_np(pthread_self(), name);
    for (unsigned long i = 0; i < CALLS; i++)
        leaf(i);
    return NULL;
}

void early_step(void)
{
    sink++;
}

void *early(void *arg)
{
    (void)arg;
    calltrace_set_thread_name("early-bird");
    for (int i = 0; i < 10; i++)
        early_step();
    return NULL;
}

int main(void)
{
    pthread_t e, t[WORKERS];
    pthread_create(&e, NULL, early, NULL);
    pthread_join(e, NULL);
    for (long i = 0; i < WORKERS; i++)
        pthread_create(&t[i], NULL, worker, (void *)i);
    /* flush while the workers run: a consistent cut of a moving trace */
    int rc = calltrace_flush();
    const char *out = getenv("CALLTRACE_OUTPUT");
    char copy[4096];
    snprintf(copy, sizeof(copy), "%s.flush", out ? out : "threads.json");
    if (rc == 0 && out)
        rename(out, copy);
    for (int i = 0; i < WORKERS; i++)
        pthread_join(t[i], NULL);
    printf("done\n");
    return 0;
}
