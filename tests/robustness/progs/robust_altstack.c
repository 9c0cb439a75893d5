/* robust_altstack: the program runs its signal handlers on an alternate
 * stack of its own (sigaltstack, SA_ONSTACK). calltrace gives a thread an
 * alternate stack only when the program has none: the program's must stay
 * in place — set before calltrace registers the thread (main, from an
 * uninstrumented constructor) or after (a second thread) — and the
 * instrumented handler must run on it. argv[1]: "" or "flush" (a
 * calltrace_flush() between the checks). */
#define _GNU_SOURCE
#include <calltrace.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ALT_SIZE (64 * 1024)
#define RAISES 5

static char main_alt[ALT_SIZE], thread_alt[ALT_SIZE];
static volatile int sink;
static __thread const char *my_alt; /* this thread's own alternate stack */
static __thread volatile int on_alt, handled;

__attribute__((noinline)) void in_handler(void)
{
    sink++;
}

__attribute__((noinline)) void handler(int sig)
{
    (void)sig;
    char here;
    handled++;
    if (my_alt && &here >= my_alt && &here < my_alt + ALT_SIZE)
        on_alt++;
    in_handler();
}

__attribute__((noinline)) void work(int n)
{
    for (int i = 0; i < n; i++)
        sink += i;
}

/* Sets this thread's alternate stack to mem; *old gets the one before. */
__attribute__((no_instrument_function)) static void set_alt(char *mem, stack_t *old)
{
    stack_t ss = {.ss_sp = mem, .ss_size = ALT_SIZE, .ss_flags = 0};
    if (sigaltstack(&ss, old) != 0)
        perror("sigaltstack");
    my_alt = mem;
}

/* 1 when this thread's alternate stack is still the program's */
__attribute__((noinline)) int alt_is_mine(void)
{
    stack_t ss;
    if (sigaltstack(NULL, &ss) != 0)
        return 0;
    return ss.ss_sp == (void *)my_alt && ss.ss_size == ALT_SIZE && !(ss.ss_flags & SS_DISABLE);
}

__attribute__((noinline)) void exercise(const char *who)
{
    work(10);
    int before = alt_is_mine();
    for (int i = 0; i < RAISES; i++)
        raise(SIGUSR1); /* delivered to this thread, before raise() returns */
    work(10);
    printf("%s: altstack_kept=%d/%d handled=%d on_altstack=%d\n", who, before, alt_is_mine(),
           (int)handled, (int)on_alt);
}

/* before calltrace's constructor (101) and before any instrumented code */
#pragma GCC diagnostic ignored "-Wprio-ctor-dtor"
__attribute__((constructor(100), no_instrument_function)) static void early_alt(void)
{
    set_alt(main_alt, NULL);
}

void *thread_main(void *arg)
{
    (void)arg;
    stack_t old;
    set_alt(thread_alt, &old); /* after this thread's first hook registered it */
    exercise("thread");
    /* give back the one it had (calltrace's, or a sanitizer's, which the
     * sanitizer unmaps when the thread ends) */
    sigaltstack(&old, NULL);
    return NULL;
}

int main(int argc, char **argv)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = handler;
    sa.sa_flags = SA_ONSTACK | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);
    exercise("main");
    if (argc > 1 && strcmp(argv[1], "flush") == 0)
        printf("flush=%d\n", calltrace_flush());
    pthread_t t;
    pthread_create(&t, NULL, thread_main, NULL);
    pthread_join(t, NULL);
    printf("main: altstack_kept=%d\n", alt_is_mine());
    fflush(stdout);
    return 0;
}
