/* Workload (d): <threads> threads (default 4), each running workload (b)'s
 * loop for <iterations>. The section is timed on the wall clock from before
 * the first pthread_create() to after the last pthread_join(), so on a
 * machine with fewer cores than threads the threads share them.
 *   bench_threads_<variant> <iterations per thread> [<threads>] [--fast-exit] */
#include <pthread.h>

#include "leaf_work.h"

#define MAX_THREADS 64

struct worker {
    struct leaf_state st; /* first: one cache line per thread */
    pthread_t th;
    unsigned long iters;
};

/* Instrumented: one call per thread, plus leaf_loop's calls. */
BENCH_OPAQUE_FN static void *worker_main(void *p)
{
    struct worker *w = p;
    leaf_loop(&w->st, w->iters);
    return NULL;
}

int main(int argc, char **argv)
{
    const char *usage = "<iterations per thread> [<threads>]";
    unsigned long iters = bench_arg(argc, argv, 1, 1000000, 1, 1ul << 40, usage);
    unsigned nthreads = (unsigned)bench_arg(argc, argv, 2, 4, 1, MAX_THREADS, usage);
    static struct worker w[MAX_THREADS];
    unsigned long long t0 = bench_now_ns();
    for (unsigned i = 0; i < nthreads; i++) {
        w[i].iters = iters;
        if (pthread_create(&w[i].th, NULL, worker_main, &w[i]) != 0) {
            fprintf(stderr, "pthread_create failed\n");
            return 1;
        }
    }
    for (unsigned i = 0; i < nthreads; i++)
        pthread_join(w[i].th, NULL);
    unsigned long long t1 = bench_now_ns();
    unsigned long long check = 0;
    for (unsigned i = 0; i < nthreads; i++)
        check ^= leaf_check(&w[i].st);
    bench_report(argc, argv, nthreads * (1ull + LEAF_LOOP_CALLS(iters)), t0, t1, check);
    return 0;
}
