/* 4 workers x 100000 leaf calls, plus a thread that exits before the others
 * start, plus one named through calltrace_set_thread_name(). */
#define _GNU_SOURCE
#include <calltrace.h>
#include <pthread.h>
#include <stdio.h>

#define WORKERS 4
#define CALLS 100000

static volatile unsigned long sink;

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
    for (int i = 0; i < WORKERS; i++)
        pthread_join(t[i], NULL);
    printf("done\n");
    return 0;
}
