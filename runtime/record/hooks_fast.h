/* hooks_fast.h — the recording fast path, inlined into every recording hook
 * set (record/hooks.c, filter/filter_hooks.c). Internal.
 *
 * Per event: a TLS load, one combined check for every unusual case, a
 * timestamp, two stores and a release store of the count. Every unusual case
 * goes to the out-of-line slow path (ct_slow, ct_slow_hold in hooks.c). */
#ifndef CT_HOOKS_FAST_H
#define CT_HOOKS_FAST_H

#include <stdatomic.h>
#include <stdbool.h>

#include "base/busy.h"
#include "base/clock.h"
#include "record/cfa.h"
#include "record/hooks.h"
#include "record/thread.h"

/* The slow path of one event (hooks.c); sp the instrumented function's stack
 * pointer at the hook call, hpc the hook call's return address. */
CT_INTERNAL void ct_slow(void *fn, void *site, uint64_t gate, unsigned kind, uint64_t sp,
                         uint64_t hpc);
/* The same, leaving the thread busy when the event is recorded. */
CT_INTERNAL struct ct_thread *ct_slow_hold(void *fn, void *site, uint64_t gate, unsigned kind,
                                           uint64_t sp, uint64_t hpc);

CT_NOINST static inline uint64_t ct_ticks_of(bool tsc)
{
    return tsc ? __rdtsc() : ct_clock_ticks();
}

/* Appends one record; the caller checked there is room and set busy. */
CT_NOINST static inline void ct_put(struct ct_thread *t, uint32_t n, uint64_t word, void *fn)
{
    struct ct_event *e = &t->buf[n];
    /* relaxed atomic stores: plain movs, but race-free for a concurrent snapshot */
    __atomic_store_n(&e->word, word, __ATOMIC_RELAXED);
    __atomic_store_n(&e->addr, (uint64_t)(uintptr_t)fn, __ATOMIC_RELAXED);
    atomic_store_explicit(&t->count, n + 1, memory_order_release);
}

/* hold: when the event is recorded, leave the thread busy and return it,
 * for the values capture.c appends; NULL when it was not. */
__attribute__((always_inline)) CT_NOINST static inline struct ct_thread *
ct_record(void *fn, void *site, uint64_t gate, unsigned kind, bool tsc, uint64_t sp, bool hold)
{
    /* the hook call's return address, in the instrumented function */
    uint64_t hpc = ((const uint64_t *)(uintptr_t)sp)[-1];
    struct ct_thread *t = ct_self;
    /* a C++ exception in flight also takes the slow path (hooks.c) */
    if (CT_UNLIKELY(!t || t->gate_seen != gate || (t->busy | *t->eh_uncaught))) {
        if (hold)
            return ct_slow_hold(fn, site, gate, kind, sp, hpc);
        ct_slow(fn, site, gate, kind, sp, hpc);
        return NULL;
    }
    /* busy before depth and count are read: a signal handler running
     * between those reads and this store would record its calls at index
     * n, which this event then overwrites, losing them uncounted */
    ct_busy_set(&t->busy);
    uint32_t d = t->depth, n = atomic_load_explicit(&t->count, memory_order_relaxed);
    /* an enter's frame is known by its CFA (cfa.h): an unknown one takes
     * the slow path */
    uint64_t cfa = 0;
    bool ok = kind == CT_EV_ENTER ? ct_cfa_known(sp, hpc, &cfa) &&
                                        ct_enter_fits(t, d, cfa, hpc, (uint64_t)(uintptr_t)site)
                                  : ct_exit_fits(t, d, (uint64_t)(uintptr_t)fn);
    if (CT_UNLIKELY(!ok || n >= t->cap)) {
        ct_busy_leave(&t->busy);
        if (hold)
            return ct_slow_hold(fn, site, gate, kind, sp, hpc);
        ct_slow(fn, site, gate, kind, sp, hpc);
        return NULL;
    }
    if (kind == CT_EV_ENTER) {
        t->sps[d] = (struct ct_open_frame){cfa, hpc, (uint64_t)(uintptr_t)site, (uint64_t)(uintptr_t)fn};
        t->depth = d + 1;
    } else {
        t->depth = d - 1;
    }
    ct_put(t, n, CT_EV_WORD(ct_ticks_of(tsc), kind), fn);
    if (hold)
        return t;
    ct_busy_leave(&t->busy);
    return NULL;
}

#endif
