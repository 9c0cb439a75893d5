/* hooks.h — the gate the hot path reads. Internal.
 *
 * One 64-bit word says which hook set of the compile-time table runs (low two
 * bits) and which recording epoch we are in (the rest): every start() opens
 * a new epoch, so a thread that sees a new gate value knows its open frames
 * belong to an earlier region. */
#ifndef CT_HOOKS_H
#define CT_HOOKS_H

#include <stdatomic.h>

#include "record/thread.h"

enum ct_hook_set {
    CT_HOOK_OFF = 0,      /* stopped or finished: one load and return */
    CT_HOOK_BOOT = 1,     /* before init: initialise, then dispatch again */
    CT_HOOK_REC_TSC = 2,  /* recording, timestamps from rdtsc */
    CT_HOOK_REC_MONO = 3, /* recording, timestamps from CLOCK_MONOTONIC */
    /* Only when CALLTRACE_FILTER or a CALLTRACE_HOOK() exists (filter.h), so
     * that recording without them costs nothing more: */
    CT_HOOK_REC_TSC_FILTERED = 4,  /* recording through the address set, rdtsc */
    CT_HOOK_REC_MONO_FILTERED = 5, /* the same, CLOCK_MONOTONIC */
    CT_HOOK_USER = 6,              /* stopped, but user hooks run */
    /* CALLTRACE_CAPTURE_ARGS: recording with argument and return values
     * (capture.c), either clock */
    CT_HOOK_REC_ARGS = 7,
    CT_HOOK_SETS = 8,
};
#define CT_GATE_HOOK(g) ((unsigned)((g) & 7u))
#define CT_GATE_EPOCH(g) ((g) >> 3)
#define CT_GATE(epoch, hook) (((uint64_t)(epoch) << 3) | (uint64_t)(hook))
/* sets 2..5 and 7 record */
#define CT_HOOK_RECORDING(h) ((0xbcu >> ((unsigned)(h) & 7u)) & 1u)
/* The recording hook set init chose (by clock, and filtered or not), and the
 * stopped one (CT_HOOK_OFF, or CT_HOOK_USER when user hooks exist): what
 * calltrace_start() and calltrace_stop() switch the gate to. */
extern unsigned ct_hook_rec;
extern unsigned ct_hook_stopped;
/* The clock of the recording sets: rdtsc, else CLOCK_MONOTONIC. */
extern bool ct_hook_tsc;

/* One hook set: what __cyg_profile_func_enter/exit (hooks_entry.S) jump to
 * through ct_hook_table (core/hook_table.c),
 * with the instrumented function's stack pointer at the hook call. */
struct ct_hook_set_ops {
    void (*enter)(void *fn, void *site, uint64_t gate, uint64_t sp);
    void (*exit)(void *fn, void *site, uint64_t gate, uint64_t sp);
};
extern const struct ct_hook_set_ops ct_hook_table[CT_HOOK_SETS];

/* Records one enter or exit through the fast path (for capture.c). */
CT_INTERNAL void ct_hook_event(void *fn, void *site, uint64_t gate, unsigned kind, uint64_t sp);
/* Records an enter or exit and returns the thread still busy (capture.c),
 * or NULL when it was not recorded. */
CT_INTERNAL struct ct_thread *ct_hook_hold(void *fn, void *site, uint64_t gate, unsigned kind,
                                           uint64_t sp);
/* record's own hook sets (hooks.c), for core's table: recording with the
 * TSC or CLOCK_MONOTONIC, and the stopped set. */
CT_INTERNAL void ct_rec_tsc_enter(void *fn, void *site, uint64_t gate, uint64_t sp);
CT_INTERNAL void ct_rec_tsc_exit(void *fn, void *site, uint64_t gate, uint64_t sp);
CT_INTERNAL void ct_rec_mono_enter(void *fn, void *site, uint64_t gate, uint64_t sp);
CT_INTERNAL void ct_rec_mono_exit(void *fn, void *site, uint64_t gate, uint64_t sp);
CT_INTERNAL void ct_hook_off(void *fn, void *site, uint64_t gate, uint64_t sp);
extern _Atomic uint64_t ct_gate;
/* CALLTRACE_MAX_DEPTH, copied here at init for the hot path. */
extern uint32_t ct_max_depth;

/* The slow path of every recorded event and of calltrace_mark(): registers
 * the calling thread if needed and, when the gate moved since its last
 * event, records a region boundary. Returns NULL when the thread is not
 * traced. */
CT_INTERNAL struct ct_thread *ct_sync(uint64_t gate);

/* The fast path's tests (hooks.c, and capture.c's own fast paths), with
 * d = t->depth. An enter whose frame has CFA sp (record/cfa.h) is recorded
 * on top of the open calls when it lies strictly below its parent's, or is a call inlined in
 * the parent's physical frame (same stack pointer and call site, another
 * hook call address hpc); an exit when it is the innermost open call's.
 * Anything else (frames abandoned by longjmp, the depth limit) takes the
 * slow path. */
CT_NOINST static inline bool ct_enter_fits(const struct ct_thread *t, uint32_t d, uint64_t sp,
                                           uint64_t hpc, uint64_t site)
{
    if (d >= ct_max_depth)
        return false;
    if (d == 0)
        return true;
    const struct ct_open_frame *f = &t->sps[d - 1];
    return sp < f->sp || (sp == f->sp && hpc != f->hpc && site == f->site);
}
CT_NOINST static inline bool ct_exit_fits(const struct ct_thread *t, uint32_t d, uint64_t fn)
{
    return d - 1 < ct_max_depth && t->sps[d - 1].fn == fn;
}

#endif
