/*
 * threads.c — every thread gets its own call tree.
 *
 * main starts 4 worker threads and joins them. Each worker names itself
 * (pthread_setname_np, which calltrace picks up by itself, and
 * calltrace_set_thread_name, which takes precedence) and then does a fixed
 * amount of work through a few small functions:
 *
 *   worker(id)
 *     process_item(i)      x 1000
 *       checksum(v)        x 1 per process_item
 *     publish(id, sum)     x 1
 *
 * so every worker thread records exactly 1 + 1000 + 1000 + 1 = 2002 calls,
 * and the main thread records main, start_workers and join_workers (3 calls).
 * The work is deterministic; only the thread ids and timings change between
 * runs.
 *
 * The trace (<executable>.json beside the executable, or $CALLTRACE_OUTPUT)
 * has one entry per thread under "call_trees", keyed by thread id:
 *   jq '.call_trees[] | {name, calls}' threads.json
 *   jq '.metadata.threads, .metadata.total_calls' threads.json   -> 5, 8011
 *   jq '.call_trees[] | select(.name == "worker-2") | .root_calls[0].children | length' threads.json
 */
#define _GNU_SOURCE /* pthread_setname_np */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <calltrace.h>

#define N_WORKERS 4
#define N_ITEMS 1000

struct job {
    pthread_t thread;
    int id;
    uint32_t result;
};

/* The innermost function: a small hash of one value (FNV-1a over 4 bytes). */
static uint32_t checksum(uint32_t v)
{
    uint32_t h = 2166136261u;
    for (int i = 0; i < 4; i++) {
        h ^= (v >> (8 * i)) & 0xffu;
        h *= 16777619u;
    }
    return h;
}

/* One unit of work: one call of checksum. */
static uint32_t process_item(int id, int i)
{
    return checksum((uint32_t)id * 100000u + (uint32_t)i);
}

static void publish(struct job *job, uint32_t sum)
{
    job->result = sum;
}

static void *worker(void *arg)
{
    struct job *job = arg;
    char name[16]; /* the kernel keeps 15 characters */
    snprintf(name, sizeof(name), "worker-%d", job->id);

    /* Either one is enough: calltrace reads the kernel's name when it writes
     * the trace, and a name given to calltrace_set_thread_name wins. */
    int err = pthread_setname_np(pthread_self(), name);
    if (err)
        fprintf(stderr, "threads: pthread_setname_np: %s\n", strerror(err));
    int rc = calltrace_set_thread_name(name);
    if (rc)
        fprintf(stderr, "threads: calltrace_set_thread_name: %s\n", calltrace_strerror(rc));

    uint32_t sum = 0;
    for (int i = 0; i < N_ITEMS; i++)
        sum ^= process_item(job->id, i);
    publish(job, sum);
    return NULL;
}

static int start_workers(struct job *jobs)
{
    for (int i = 0; i < N_WORKERS; i++) {
        jobs[i].id = i;
        int err = pthread_create(&jobs[i].thread, NULL, worker, &jobs[i]);
        if (err) {
            fprintf(stderr, "threads: pthread_create: %s\n", strerror(err));
            return -1;
        }
    }
    return 0;
}

static uint32_t join_workers(struct job *jobs)
{
    uint32_t all = 0;
    for (int i = 0; i < N_WORKERS; i++) {
        pthread_join(jobs[i].thread, NULL);
        all ^= jobs[i].result;
    }
    return all;
}

int main(int argc, char **argv)
{
    (void)argc;
    struct job jobs[N_WORKERS];

    int rc = calltrace_set_thread_name("main");
    if (rc)
        fprintf(stderr, "threads: calltrace_set_thread_name: %s\n", calltrace_strerror(rc));

    if (start_workers(jobs) != 0)
        return 1;
    uint32_t all = join_workers(jobs);

    printf("%d workers done, combined checksum %08x\n", N_WORKERS, (unsigned)all);
    printf("expected calls: each worker-N thread %d (worker 1 + process_item %d + checksum %d"
           " + publish 1); main thread 3 (main, start_workers, join_workers); total %d\n",
           2 + 2 * N_ITEMS, N_ITEMS, N_ITEMS, N_WORKERS * (2 + 2 * N_ITEMS) + 3);

    const char *out = getenv("CALLTRACE_OUTPUT");
    char def[4096];
    if (!out || !*out) {
        snprintf(def, sizeof(def), "%s.json", argv[0]);
        out = def;
    }
    printf("trace written to %s at exit; try: jq '.call_trees[] | {name, calls}' %s\n", out, out);
    return 0;
}
