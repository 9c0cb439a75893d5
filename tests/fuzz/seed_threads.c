/* Seed program for the event-file corpora (make_seeds.sh): three threads of
 * nested calls, thread names and marks, a label longer than one record. */
#include <calltrace.h>
#include <pthread.h>

static volatile unsigned long sink;
__attribute__((noinline)) void leaf(unsigned long x) { sink += x; }
__attribute__((noinline)) void mid(unsigned long x)
{
    leaf(x);
    leaf(x + 1);
}

static void *worker(void *arg)
{
    calltrace_set_thread_name("w");
    for (unsigned long i = 0; i < (unsigned long)(size_t)arg; i++)
        mid(i);
    calltrace_mark("worker-done");
    return NULL;
}

int main(void)
{
    pthread_t t[3];
    for (int i = 0; i < 3; i++)
        pthread_create(&t[i], NULL, worker, (void *)(size_t)(60 + 150 * i));
    for (int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    calltrace_mark("all joined, a label that spans more than one sixteen byte record");
    return 0;
}
