/* capture_signal: signal handlers that call instrumented functions returning
 * values, delivered while the interrupted code is inside instrumented
 * functions returning values: with CALLTRACE_CAPTURE_ARGS=1 both the
 * interrupted frames and the handler's have hijacked return addresses.
 * Every return value is checked by its caller; the output (which does not
 * depend on timing) and the exit status must be the same with and without
 * capture. argv[1]:
 *   alarm     SIGALRM from setitimer() every 50 us, until 300 deliveries
 *             (and at least 20000 rounds of work)
 *   usr1      raise(SIGUSR1) from 3 frames deep every 7th round, 2000
 *             rounds; every 5th handler call raises SIGUSR2 from 2 frames
 *             deep inside the handler (a handler interrupting a handler)
 *   usr1jump  raise(SIGUSR1) from 3 frames deep; the handler calls
 *             instrumented functions and siglongjmp()s back to main, 500
 *             times; then checked calls */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

static volatile sig_atomic_t deliveries, hbad, usr2s;
static volatile long hsum;
static volatile int sink;
static sigjmp_buf jenv;
static volatile int jumping;

/* ---- called by the handlers */
__attribute__((noinline)) int h3(int k)
{
    sink += k;
    return k * 5;
}

__attribute__((noinline)) int h2(int k)
{
    return h3(k + 1) + 1;
}

__attribute__((noinline)) int h1(int k)
{
    return h2(k + 1) + 1; /* (k + 2) * 5 + 2 */
}

__attribute__((noinline)) long on_usr2_work(long k)
{
    return k * 3 + 1;
}

__attribute__((noinline)) void on_usr2(int sig)
{
    (void)sig;
    usr2s++;
    if (on_usr2_work(usr2s) != usr2s * 3L + 1)
        hbad++;
}

__attribute__((noinline)) int nested_raise2(int k)
{
    raise(SIGUSR2);
    return k + 1;
}

__attribute__((noinline)) int nested_raise1(int k)
{
    return nested_raise2(k + 1) + 1;
}

__attribute__((noinline)) int handler_body(int k)
{
    int v = h1(k);
    if (v != (k + 2) * 5 + 2)
        hbad++;
    if (k % 5 == 0 && nested_raise1(k) != k + 3)
        hbad++;
    return v;
}

__attribute__((noinline)) void on_signal(int sig)
{
    (void)sig;
    int k = deliveries++;
    hsum += handler_body(k % 64);
    if (jumping)
        siglongjmp(jenv, k + 1);
}

/* ---- the interrupted code */
__attribute__((noinline)) long w3(long k)
{
    sink += (int)k;
    return k * 11;
}

__attribute__((noinline)) long w2(long k, int do_raise)
{
    if (do_raise)
        raise(SIGUSR1);
    return w3(k + 1) + 1;
}

__attribute__((noinline)) long w1(long k, int do_raise)
{
    return w2(k + 1, do_raise) + 1; /* (k + 2) * 11 + 2 */
}

/* one round: returns the number of wrong return values */
__attribute__((noinline)) int round_of_work(long i, int do_raise)
{
    long v = w1(i, do_raise);
    return v != (i + 2) * 11 + 2;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "alarm";
    printf("mode=%s\n", mode);
    fflush(stdout);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGALRM, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);
    sa.sa_handler = on_usr2;
    sigaction(SIGUSR2, &sa, NULL);
    int bad = 0;
    if (strcmp(mode, "alarm") == 0) {
        struct itimerval it = {{0, 50}, {0, 50}};
        setitimer(ITIMER_REAL, &it, NULL);
        long i = 0;
        while (deliveries < 300 || i < 20000) {
            bad += round_of_work(i % 1000, 0);
            i++;
        }
        struct itimerval off = {{0, 0}, {0, 0}};
        setitimer(ITIMER_REAL, &off, NULL);
        printf("enough=1 bad=%d hbad=%d\n", bad, (int)hbad);
    } else if (strcmp(mode, "usr1") == 0) {
        for (long i = 0; i < 2000; i++)
            bad += round_of_work(i, i % 7 == 0);
        printf("deliveries=%d usr2=%d hsum=%ld bad=%d hbad=%d\n", (int)deliveries, (int)usr2s,
               (long)hsum, bad, (int)hbad);
    } else if (strcmp(mode, "usr1jump") == 0) {
        jumping = 1;
        volatile long i = 0;
        volatile long jsum = 0;
        int got = sigsetjmp(jenv, 1);
        if (got)
            jsum += got;
        while (i < 500) {
            i++;
            bad += round_of_work(i, 1); /* the handler jumps out */
            bad++;                      /* not reached */
        }
        jumping = 0;
        for (long k = 0; k < 20; k++)
            bad += round_of_work(k, 0);
        printf("jumps=%d jsum=%ld hsum=%ld bad=%d hbad=%d\n", (int)deliveries, (long)jsum,
               (long)hsum, bad, (int)hbad);
    } else {
        printf("unknown mode\n");
        return 2;
    }
    return bad || hbad ? 1 : 0;
}
