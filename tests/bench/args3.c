/* Workload (e): a loop calling f3(int a, int b, int c), which uses its three
 * arguments, for CALLTRACE_CAPTURE_ARGS: every call of f3 records three int
 * arguments and an int return value. 1 call per iteration, plus the loop
 * function itself.
 *   bench_args3_<variant> <iterations> [--fast-exit] */
#include "bench_common.h"

static volatile int sink;

/* Extern, so uftrace -A finds it by name. */
int f3(int a, int b, int c);

BENCH_OPAQUE_FN int f3(int a, int b, int c)
{
    /* Without this GCC -O2 computes a * b before the enter hook, so `a` is
     * dead there and its DWARF location says optimized out: capture would
     * record two values, not three. The barrier keeps all three live across
     * the hook (in callee-saved registers), as they are in most real code. */
    __asm__ volatile("" : "+r"(a), "+r"(b), "+r"(c));
    return a * b + c;
}

/* Instrumented calls made by args3_loop(iters), itself included. */
#define ARGS3_LOOP_CALLS(iters) (1ull + (unsigned long long)(iters))

BENCH_OPAQUE_FN static unsigned long args3_loop(unsigned long iters)
{
    unsigned long acc = 0;
    for (unsigned long i = 0; i < iters; i++) {
        int r = f3((int)(i & 0xffff), (int)(i >> 3) & 0xff, 7);
        sink = r;
        acc += (unsigned)r;
    }
    return acc;
}

int main(int argc, char **argv)
{
    unsigned long iters = bench_arg(argc, argv, 1, 1000000, 1, 1ul << 40, "<iterations>");
    unsigned long long t0 = bench_now_ns();
    unsigned long acc = args3_loop(iters);
    unsigned long long t1 = bench_now_ns();
    bench_report(argc, argv, ARGS3_LOOP_CALLS(iters), t0, t1, acc);
    return 0;
}
