/* clock.h — timestamps for the hot path. Internal.
 *
 * Where the TSC is invariant (CPUID 0x80000007 EDX bit 8), an event's time is
 * the raw rdtsc value, converted to nanoseconds only when a trace is written;
 * otherwise it is CLOCK_MONOTONIC in ns (vDSO, no syscall). Either way an
 * event stores "ticks" and ct_clock_to_ns() turns them into ns since the
 * trace's start. */
#ifndef CT_CLOCK_H
#define CT_CLOCK_H

#include <stdbool.h>
#include <time.h>
#include <x86intrin.h>

#include "base/ct.h"

struct ct_clock {
    bool use_tsc;         /* set once at init */
    uint64_t base_ticks;  /* ticks at the trace's start */
    uint64_t base_mono;   /* CLOCK_MONOTONIC ns at the trace's start */
    uint64_t base_real;   /* CLOCK_REALTIME ns at the trace's start */
    double ns_per_tick;   /* 1.0 without TSC; calibrated by ct_clock_calibrate() */
};

extern struct ct_clock ct_clk;

/* A function-injected clock for tests: when set, ct_clock_ticks() returns its
 * value. Never set in production (one predictable branch). */
extern uint64_t (*ct_clock_override)(void);

CT_NOINST static inline uint64_t ct_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

CT_NOINST static inline uint64_t ct_clock_ticks(void)
{
    if (CT_LIKELY(ct_clk.use_tsc))
        return __rdtsc();
    if (CT_UNLIKELY(ct_clock_override != NULL))
        return ct_clock_override();
    return ct_mono_ns();
}

/* Chooses the source and records the base. Called once at init. */
CT_INTERNAL void ct_clock_init(bool monotonic);
/* Measures ns_per_tick against CLOCK_MONOTONIC over the time since init
 * (waiting until at least 5 ms have passed). Called before each output. */
CT_INTERNAL void ct_clock_calibrate(void);
/* ns per tick measured now, without waiting or storing; 0 before 5 ms. */
CT_INTERNAL double ct_clock_measure(void);
/* Nanoseconds since the start of the trace clock `c` describes, for an
 * event's ticks: the live clock, or one read back from an event file. */
CT_NOINST static inline uint64_t ct_clock_ns(const struct ct_clock *c, uint64_t ticks)
{
    if (ticks <= c->base_ticks)
        return 0;
    double ns = (double)(ticks - c->base_ticks) * c->ns_per_tick + 0.5;
    /* Saturate: converting a double beyond uint64_t is undefined, and an
     * event file read back (calltrace-convert) can hold any calibration. */
    if (!(ns < 18446744073709551616.0))
        return UINT64_MAX;
    return ns > 0 ? (uint64_t)ns : 0;
}
/* Nanoseconds since the trace's start for an event's ticks (the live clock). */
CT_NOINST static inline uint64_t ct_clock_to_ns(uint64_t ticks)
{
    return ct_clock_ns(&ct_clk, ticks);
}

#endif
