/* capture_threads: threads that end by a forced unwind through instrumented
 * functions returning values (with CALLTRACE_CAPTURE_ARGS=1 their return
 * addresses are hijacked when the unwind passes):
 *   ex_main > e1 > e2 > e3 calls pthread_exit(); e2 and e3 push cleanup
 *   handlers that print and call an instrumented function;
 *   cn_main > c1 > c2 > c3 blocks in read() (a cancellation point) and is
 *   cancelled by main; c1 and c3 push cleanup handlers.
 * Each is done 10 times, one thread at a time, then main makes checked
 * calls. The output and exit status must be the same with and without
 * capture. Built as C, and as C with -fexceptions (glibc's cleanup handlers
 * then run from the unwinder's cleanup phase instead of a longjmp). */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile int sink;
static volatile int gate = 1;
static int never[2];  /* a pipe nobody writes to */
static int ready[2];  /* the cancelled thread says it is about to block */

__attribute__((noinline)) int cleanup_value(int k)
{
    sink += k;
    return k * 4;
}

__attribute__((noinline)) void cleanup_print(void *arg)
{
    int k = (int)(intptr_t)arg;
    printf("cleanup %d value=%d\n", k, cleanup_value(k));
}

/* ---- pthread_exit */
__attribute__((noinline)) int e3(int k)
{
    int r = k;
    pthread_cleanup_push(cleanup_print, (void *)(intptr_t)(k * 10 + 3));
    sink += k;
    if (gate)
        pthread_exit((void *)(intptr_t)(k + 100));
    r = k + 1;
    pthread_cleanup_pop(0);
    return r;
}

__attribute__((noinline)) int e2(int k)
{
    int r;
    pthread_cleanup_push(cleanup_print, (void *)(intptr_t)(k * 10 + 2));
    r = e3(k) + 1;
    pthread_cleanup_pop(0);
    return r;
}

__attribute__((noinline)) int e1(int k)
{
    return e2(k) + 1;
}

__attribute__((noinline)) void *ex_main(void *arg)
{
    int k = (int)(intptr_t)arg;
    pthread_setname_np(pthread_self(), "ct_exit");
    int v = e1(k);
    printf("ex_main not reached %d\n", v);
    return NULL;
}

/* ---- pthread_cancel */
__attribute__((noinline)) long c3(int k)
{
    long r = k;
    pthread_cleanup_push(cleanup_print, (void *)(intptr_t)(k * 10 + 3));
    char c = 0;
    if (write(ready[1], "r", 1) != 1)
        r = -1;
    if (read(never[0], &c, 1) == 1) /* cancelled in here */
        r += c;
    pthread_cleanup_pop(0);
    return r;
}

__attribute__((noinline)) long c2(int k)
{
    return c3(k) + 1;
}

__attribute__((noinline)) long c1(int k)
{
    long r;
    pthread_cleanup_push(cleanup_print, (void *)(intptr_t)(k * 10 + 1));
    r = c2(k) + 1;
    pthread_cleanup_pop(0);
    return r;
}

__attribute__((noinline)) void *cn_main(void *arg)
{
    int k = (int)(intptr_t)arg;
    pthread_setname_np(pthread_self(), "ct_cancel");
    long v = c1(k);
    printf("cn_main not reached %ld\n", v);
    return NULL;
}

__attribute__((noinline)) int checked(int k)
{
    return k * k + 1;
}

int main(void)
{
    if (pipe(never) != 0 || pipe(ready) != 0)
        return 3;
    int bad = 0;
    for (int i = 1; i <= 10; i++) {
        pthread_t t;
        void *ret = NULL;
        pthread_create(&t, NULL, ex_main, (void *)(intptr_t)i);
        pthread_join(t, &ret);
        printf("exit thread %d returned %ld\n", i, (long)(intptr_t)ret);
        fflush(stdout);
    }
    for (int i = 1; i <= 10; i++) {
        pthread_t t;
        void *ret = NULL;
        char c;
        pthread_create(&t, NULL, cn_main, (void *)(intptr_t)i);
        if (read(ready[0], &c, 1) != 1)
            bad++;
        pthread_cancel(t);
        pthread_join(t, &ret);
        printf("cancel thread %d %s\n", i, ret == PTHREAD_CANCELED ? "canceled" : "NOT canceled");
        fflush(stdout);
    }
    long sum = 0;
    for (int k = 0; k < 10; k++) {
        int v = checked(k);
        bad += v != k * k + 1;
        sum += v;
    }
    printf("sum=%ld bad=%d sink=%d\n", sum, bad, (int)sink);
    return bad ? 1 : 0;
}
