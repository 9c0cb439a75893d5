/* robust_signal: an instrumented signal handler interrupting a hot loop of
 * instrumented calls, wherever it lands — in the program, or inside the
 * runtime's hook. argv[1]:
 *   alarm  SIGALRM from setitimer() every 100 us
 *   usr1   SIGUSR1 sent to the main thread by a second thread, many times
 *          (each one once the previous one has been handled: none merge)
 * The handler counts its deliveries (sig_atomic_t); main prints the count.
 * Each delivery is one on_signal() call with one tick() inside. */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define WANT 300           /* deliveries to wait for */
#define MAX_LOOPS 20000000 /* hot-loop calls, at most */

static volatile sig_atomic_t deliveries;
static volatile sig_atomic_t ticks;
static volatile unsigned long sink;
static volatile int sender_done;

__attribute__((noinline)) void tick(void)
{
    ticks++;
}

__attribute__((noinline)) void on_signal(int sig)
{
    (void)sig;
    deliveries++;
    tick();
}

__attribute__((noinline)) void hot(unsigned long i)
{
    sink += i;
}

/* calls hot() until `enough` says so; returns the calls made */
__attribute__((noinline)) unsigned long hot_loop(int (*enough)(void))
{
    unsigned long n = 0;
    while (n < MAX_LOOPS && !enough()) {
        for (int k = 0; k < 1000; k++)
            hot(n++);
    }
    return n;
}

__attribute__((no_instrument_function)) static int enough_alarms(void)
{
    return deliveries >= WANT;
}

__attribute__((no_instrument_function)) static int sender_finished(void)
{
    return sender_done;
}

static pthread_t main_thread;

void *sender(void *arg)
{
    (void)arg;
    struct timespec ts = {0, 20000};
    for (int i = 0; i < WANT; i++) {
        pthread_kill(main_thread, SIGUSR1);
        while (__atomic_load_n(&deliveries, __ATOMIC_RELAXED) <= i)
            nanosleep(&ts, NULL);
    }
    sender_done = 1;
    return NULL;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "alarm";
    int sig = strcmp(mode, "usr1") == 0 ? SIGUSR1 : SIGALRM;
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, NULL);
    unsigned long calls;
    if (sig == SIGALRM) {
        struct itimerval it = {{0, 100}, {0, 100}};
        setitimer(ITIMER_REAL, &it, NULL);
        calls = hot_loop(enough_alarms);
        struct itimerval off = {{0, 0}, {0, 0}};
        setitimer(ITIMER_REAL, &off, NULL);
    } else {
        main_thread = pthread_self();
        pthread_t t;
        pthread_create(&t, NULL, sender, NULL);
        calls = hot_loop(sender_finished);
        pthread_join(t, NULL);
    }
    /* nothing can arrive any more: the handler is no longer needed */
    signal(sig, SIG_IGN);
    printf("mode=%s\n", mode);
    printf("deliveries=%d ticks=%d hot=%lu\n", (int)deliveries, (int)ticks, calls);
    return 0;
}
