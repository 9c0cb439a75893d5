/* Workload (a): recursive fib. fib(n) makes 2*F(n+1)-1 calls, all of them
 * through the instrumented function.
 *   bench_fib_<variant> <n> [--fast-exit] */
#include "bench_common.h"

BENCH_OPAQUE_FN static unsigned long fib(unsigned n)
{
    if (n < 2)
        return n;
    unsigned long a = fib(n - 1);
    unsigned long b = fib(n - 2);
    BENCH_HIDE(b); /* keep the second call a real call in the plain build */
    return a + b;
}

/* 2*F(n+1)-1: C(0) = C(1) = 1, C(n) = 1 + C(n-1) + C(n-2). */
BENCH_NOINST static unsigned long long fib_calls(unsigned n)
{
    unsigned long long a = 0, b = 1; /* F(0), F(1) */
    for (unsigned i = 0; i < n + 1; i++) {
        unsigned long long t = a + b;
        a = b;
        b = t;
    }
    return 2 * a - 1; /* a = F(n+1) */
}

int main(int argc, char **argv)
{
    unsigned n = (unsigned)bench_arg(argc, argv, 1, 30, 0, 60, "<n>");
    unsigned long long t0 = bench_now_ns();
    unsigned long r = fib(n);
    unsigned long long t1 = bench_now_ns();
    bench_report(argc, argv, fib_calls(n), t0, t1, r);
    return 0;
}
