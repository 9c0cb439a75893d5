/* leaf_work.h — the loop of tiny leaf functions shared by workloads (b) and
 * (d). Each leaf is opaque to the optimiser (no inlining, no cloning, no IPA)
 * and writes the caller's state, so no call can be removed. The state is one
 * cache line per thread: the threaded workload shares nothing. */
#ifndef CT_BENCH_LEAF_WORK_H
#define CT_BENCH_LEAF_WORK_H

#include "bench_common.h"

struct leaf_state {
    unsigned long a, b, c, d;
} __attribute__((aligned(64)));

BENCH_OPAQUE_FN static void leaf_add(struct leaf_state *s, unsigned long i)
{
    s->a += i;
}

BENCH_OPAQUE_FN static void leaf_xor(struct leaf_state *s, unsigned long i)
{
    s->b ^= i * 2654435761ul;
}

BENCH_OPAQUE_FN static unsigned long leaf_mix(unsigned long i)
{
    return (i << 7) ^ (i >> 3);
}

BENCH_OPAQUE_FN static void leaf_odd(struct leaf_state *s, unsigned long i)
{
    s->d += i & 1;
}

/* Instrumented calls made by leaf_loop(s, iters), itself included. */
#define LEAF_LOOP_CALLS(iters) (1ull + 4ull * (unsigned long long)(iters))

BENCH_OPAQUE_FN static void leaf_loop(struct leaf_state *s, unsigned long iters)
{
    for (unsigned long i = 0; i < iters; i++) {
        leaf_add(s, i);
        leaf_xor(s, i);
        s->c += leaf_mix(i);
        leaf_odd(s, i);
    }
}

BENCH_NOINST static inline unsigned long long leaf_check(const struct leaf_state *s)
{
    return s->a ^ s->b ^ s->c ^ s->d;
}

#endif
