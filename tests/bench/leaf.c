/* Workload (b): a loop calling four tiny leaf functions: 4 calls per
 * iteration, plus the loop function itself.
 *   bench_leaf_<variant> <iterations> [--fast-exit] */
#include "leaf_work.h"

int main(int argc, char **argv)
{
    unsigned long iters = bench_arg(argc, argv, 1, 1000000, 1, 1ul << 40, "<iterations>");
    static struct leaf_state st;
    unsigned long long t0 = bench_now_ns();
    leaf_loop(&st, iters);
    unsigned long long t1 = bench_now_ns();
    bench_report(argc, argv, LEAF_LOOP_CALLS(iters), t0, t1, leaf_check(&st));
    return 0;
}
