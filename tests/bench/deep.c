/* Workload (c): deep recursion. Recurses to depth <depth> (default 5000) and
 * back, <reps> times: reps * (depth + 1) calls plus the loop function.
 *   bench_deep_<variant> <reps> [<depth>] [--fast-exit]
 * calltrace records only CALLTRACE_MAX_DEPTH levels (default 100): the driver
 * sets CALLTRACE_MAX_DEPTH=10000 so that the whole depth is recorded. */
#include "bench_common.h"

BENCH_OPAQUE_FN static unsigned long deep(unsigned d, unsigned long *acc)
{
    if (d == 0)
        return ++*acc;
    unsigned long r = deep(d - 1, acc);
    BENCH_HIDE(r); /* no tail recursion with an accumulator in the plain build */
    return r + 1;
}

BENCH_OPAQUE_FN static unsigned long deep_loop(unsigned long reps, unsigned depth)
{
    unsigned long acc = 0, sum = 0;
    for (unsigned long i = 0; i < reps; i++)
        sum += deep(depth, &acc);
    return sum;
}

int main(int argc, char **argv)
{
    const char *usage = "<reps> [<depth>]";
    unsigned long reps = bench_arg(argc, argv, 1, 200, 1, 1ul << 32, usage);
    unsigned depth = (unsigned)bench_arg(argc, argv, 2, 5000, 1, 100000, usage);
    unsigned long long t0 = bench_now_ns();
    unsigned long r = deep_loop(reps, depth);
    unsigned long long t1 = bench_now_ns();
    bench_report(argc, argv, 1ull + (unsigned long long)reps * (depth + 1ull), t0, t1, r);
    return 0;
}
