/* clock.c — choosing and calibrating the event clock. */
#include <cpuid.h>
#include <stdlib.h>
#include <strings.h>

#include "base/clock.h"

/* The shortest span a TSC calibration is measured over. */
#define CT_CALIBRATE_MIN_NS 5000000u

struct ct_clock ct_clk = {.ns_per_tick = 1.0};
uint64_t (*ct_clock_override)(void);

CT_NOINST static bool ct_tsc_invariant(void)
{
    unsigned a, b, c, d;
    if (!__get_cpuid(0x80000000u, &a, &b, &c, &d) || a < 0x80000007u)
        return false;
    __cpuid(0x80000007u, a, b, c, d);
    return (d >> 8) & 1u;
}

void ct_clock_init(bool monotonic)
{
    ct_clk.use_tsc = !ct_clock_override && ct_tsc_invariant() && !monotonic;
    struct timespec rt;
    clock_gettime(CLOCK_REALTIME, &rt);
    ct_clk.base_real = (uint64_t)rt.tv_sec * 1000000000u + (uint64_t)rt.tv_nsec;
    ct_clk.base_mono = ct_mono_ns();
    ct_clk.base_ticks = ct_clock_ticks();
    ct_clk.ns_per_tick = 1.0;
    ct_debug("clock: %s", ct_clk.use_tsc ? "invariant TSC" : "CLOCK_MONOTONIC");
}

double ct_clock_measure(void)
{
    if (!ct_clk.use_tsc)
        return 1.0;
    uint64_t mono = ct_mono_ns(), ticks = __rdtsc();
    if (mono - ct_clk.base_mono < CT_CALIBRATE_MIN_NS || ticks <= ct_clk.base_ticks)
        return 0.0;
    return (double)(mono - ct_clk.base_mono) / (double)(ticks - ct_clk.base_ticks);
}

void ct_clock_calibrate(void)
{
    if (!ct_clk.use_tsc)
        return;
    uint64_t mono, ticks;
    do {
        mono = ct_mono_ns();
        ticks = __rdtsc();
    } while (mono - ct_clk.base_mono < CT_CALIBRATE_MIN_NS);
    if (ticks > ct_clk.base_ticks)
        ct_clk.ns_per_tick = (double)(mono - ct_clk.base_mono) / (double)(ticks - ct_clk.base_ticks);
}
