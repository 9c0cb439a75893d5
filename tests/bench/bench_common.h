/* bench_common.h — shared by the benchmark workloads (fib.c, leaf.c, deep.c,
 * threads.c). Every helper here is excluded from instrumentation, so the only
 * instrumented calls are the workload's own functions.
 *
 * A workload times only its workload section with CLOCK_MONOTONIC (startup and
 * the trace writing at exit are outside it) and prints one line on stdout:
 *
 *   calls=<instrumented calls in the section> ns=<elapsed> end=<CLOCK_MONOTONIC at its end>
 *
 * `end` lets the driver measure what happens after the section (the trace
 * writing at exit). With --fast-exit as the last argument the workload leaves
 * through _exit(): no destructors, so no trace is written (the driver uses it
 * for the timing rounds, where only the section counts). */
#ifndef CT_BENCH_COMMON_H
#define CT_BENCH_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BENCH_NOINST __attribute__((no_instrument_function))
/* A function the optimiser must treat as opaque: no inlining, no cloning, no
 * interprocedural assumptions (as if it were in another translation unit). */
#define BENCH_OPAQUE_FN __attribute__((noinline, noipa))
/* Hides a value from the optimiser: stops GCC from turning `f(n-1) + 1` into a
 * loop (tail recursion with an accumulator) in the uninstrumented build. */
#define BENCH_HIDE(x) __asm__ volatile("" : "+r"(x))

BENCH_NOINST static inline unsigned long long bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
}

/* Parses argv[i] as an unsigned number in [lo, hi]; exits with a usage line. */
BENCH_NOINST static inline unsigned long bench_arg(int argc, char **argv, int i,
                                                   unsigned long def, unsigned long lo,
                                                   unsigned long hi, const char *usage)
{
    if (i >= argc || strcmp(argv[i], "--fast-exit") == 0)
        return def;
    char *end;
    unsigned long v = strtoul(argv[i], &end, 10);
    if (*argv[i] == '\0' || *end != '\0' || v < lo || v > hi) {
        fprintf(stderr, "usage: %s %s [--fast-exit]\n", argv[0], usage);
        exit(2);
    }
    return v;
}

BENCH_NOINST static inline int bench_fast_exit(int argc, char **argv)
{
    return argc > 1 && strcmp(argv[argc - 1], "--fast-exit") == 0;
}

/* Prints the result line; `check` is the workload's result, printed so the
 * work cannot be optimised away. Leaves through _exit() when asked to. */
BENCH_NOINST static inline void bench_report(int argc, char **argv, unsigned long long calls,
                                             unsigned long long t0, unsigned long long t1,
                                             unsigned long long check)
{
    printf("calls=%llu ns=%llu end=%llu check=%llu\n", calls, t1 - t0, t1, check);
    fflush(stdout);
    if (bench_fast_exit(argc, argv))
        _exit(0);
}

#endif
