/* hooks.c — the hot path: __cyg_profile_func_enter/exit.
 *
 * Per event: one relaxed load of the gate; when stopped, return. Otherwise a
 * tail jump through a compile-time constant table of hook sets (one per
 * clock, so the clock choice costs nothing per event), then a TLS load, one
 * combined check for every unusual case, a timestamp, two stores and a
 * release store of the count. No locks, no allocation, no syscalls, no
 * stdio. Every unusual case — first event of a thread, a new recording
 * region, a re-entrant call from a signal handler, the depth limit, a full
 * buffer — goes to one out-of-line slow path, which preserves errno.
 *
 * The fast path itself is in hooks_fast.h, so that the filtered hook sets
 * (filter/filter_hooks.c) record through the very same code; the table of
 * hook sets that hooks_entry.S jumps through is core's (core/hook_table.c),
 * since it names every layer's sets. */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "base/busy.h"
#include "calltrace.h"
#include "base/clock.h"
#include "record/hooks.h"
#include "record/hooks_fast.h"

_Atomic uint64_t ct_gate = CT_GATE(0, CT_HOOK_BOOT);
uint32_t ct_max_depth = 100;
unsigned ct_hook_rec = CT_HOOK_REC_TSC;
unsigned ct_hook_stopped = CT_HOOK_OFF;
bool ct_hook_tsc = true;

static __thread bool ct_in_sync __attribute__((tls_model("initial-exec")));

struct ct_thread *ct_sync(uint64_t gate)
{
    if (ct_self_done || ct_in_sync) {
        if (ct_self_exited)
            atomic_fetch_add_explicit(&ct_lost_after_exit, 1, memory_order_relaxed);
        return NULL;
    }
    int saved = errno;
    ct_in_sync = true;
    struct ct_thread *t = ct_self;
    if (!t)
        t = ct_self = ct_thread_register();
    if (t && !t->busy) {
        ct_busy_set(&t->busy);
        ct_thread_put_ext(t, ct_clock_ticks(), CT_EXT_REGION, CT_GATE_EPOCH(gate), NULL, 0);
        t->depth = 0;
        t->eh_level = 0; /* what is in flight was thrown before this region */
        t->eh_uncaught = t->eh_count;
        t->flt_inside = t->flt_skip = 0;
        t->gate_seen = gate;
        ct_busy_leave(&t->busy);
    }
    ct_in_sync = false;
    errno = saved;
    return t;
}

/* Frames on top of the recorded stack that cannot be open any more. On
 * enter at stack pointer sp: a frame whose stack pointer is below sp is no
 * ancestor of the new call, nor is one at sp unless it is the physical frame
 * the new call is inlined in (same call site, another hook call
 * instruction: the same one means its function was entered again). On exit
 * of fn: the frames above fn's innermost one (an exit hook may be called
 * after the epilogue, so its stack pointer says nothing). Such frames were
 * left by longjmp (or by an exception through code without unwind cleanups):
 * records how many, so that the tree closes them as unwound, and takes them
 * off the depth. Returns false for an exit of no recorded frame. */
CT_NOINST static bool ct_unwind_stale(struct ct_thread *t, unsigned kind, uint64_t fn,
                                      uint64_t site, uint64_t sp, uint64_t hpc)
{
    uint32_t d = t->depth, k = d;
    if (d > ct_max_depth)
        return true; /* inside calls past the depth limit: only counted */
    if (kind == CT_EV_ENTER) {
        while (k > 0 && ct_same_stack(t, t->sps[k - 1].sp, sp)) {
            const struct ct_open_frame *f = &t->sps[k - 1];
            if (!(f->sp < sp || (f->sp == sp && (f->hpc == hpc || f->site != site))))
                break;
            k--;
        }
    } else {
        while (k > 0 && t->sps[k - 1].fn != fn)
            k--;
        if (k == 0)
            return false; /* entered before this region, or never recorded */
        k++;              /* the exiting frame itself stays, for its exit */
        if (k > d)
            k = d;
    }
    if (k == d)
        return true;
    ct_thread_put_ext(t, ct_clock_ticks(), CT_EXT_UNWIND, d - k, NULL, 0);
    t->depth = k;
    return true;
}

/* C++ exceptions. A frame an exception passes through is left by its
 * cleanup (a landing pad) calling the exit hook, like a return; the C++
 * runtime's count of exceptions thrown and not yet caught tells them apart
 * (every event takes the slow path while it is not 0): an exit is an
 * exception's when the frame was open at the throw of the innermost one in
 * flight. Calls a cleanup makes (destructors, what they call) are entered
 * after that throw and return normally. Costs the fast path two loads and
 * an or (eh_uncaught in thread.h). Syncs t's view of the exceptions in
 * flight, before the event at t->depth; returns how many there are (at most
 * CT_EH_LEVELS told apart). */
CT_NOINST static unsigned ct_eh_sync(struct ct_thread *t)
{
    static const unsigned one = 1;
    unsigned u = *t->eh_count;
    if (u > CT_EH_LEVELS)
        u = CT_EH_LEVELS;
    while (t->eh_level < u) /* thrown since the last event: what is open was open at the throw */
        t->eh_open[t->eh_level++] = t->depth;
    t->eh_level = u; /* caught ones are gone */
    /* until this path has seen them all caught: a catch, then a throw with
     * no event between, is a new exception */
    t->eh_uncaught = u ? &one : t->eh_count;
    return u;
}

/* Records that the exit just recorded (of fn at ticks) was an exception's:
 * the same mark the capturing hooks give a call an exception unwound, a
 * return value record whose status byte says so (stream/event.h). */
CT_NOINST static void ct_eh_mark_exit(struct ct_thread *t, uint64_t ticks, uint64_t fn)
{
    uint8_t p[sizeof(fn) + 1];
    memcpy(p, &fn, sizeof(fn));
    p[sizeof(fn)] = CT_RETVAL_UNWOUND;
    ct_thread_put_ext(t, ticks, CT_EXT_RETVAL, sizeof(p), p, sizeof(p));
}

/* Takes the calling thread for the slow path: registered, synced to the
 * gate, busy. NULL when it is not traced or the runtime is interrupted. */
CT_NOINST static struct ct_thread *ct_slow_take(uint64_t gate)
{
    struct ct_thread *t = ct_self;
    if (!t || t->gate_seen != gate) {
        t = ct_sync(gate);
        if (!t)
            return NULL;
    }
    if (t->busy) { /* a signal handler interrupted the runtime on this thread */
        CT_OWNER_INC(t->dropped_reentrant);
        return NULL;
    }
    ct_busy_set(&t->busy);
    return t;
}

/* One event the fast path does not handle, t busy. Returns true when it
 * was recorded. */
CT_NOINST static bool ct_slow_event(struct ct_thread *t, void *fn, void *site, unsigned kind,
                                    uint64_t sp, uint64_t hpc)
{
    if (kind == CT_EV_ENTER) /* frames are known by their CFA (cfa.h) */
        sp = ct_cfa(t, sp, hpc, (uint64_t)(uintptr_t)site);
    unsigned eh = *t->eh_uncaught ? ct_eh_sync(t) : 0;
    bool record = ct_unwind_stale(t, kind, (uint64_t)(uintptr_t)fn, (uint64_t)(uintptr_t)site,
                                  sp, hpc);
    bool unwound = false;
    for (unsigned i = 0; i < eh; i++) /* frames a longjmp abandoned are no exception's */
        if (t->eh_open[i] > t->depth)
            t->eh_open[i] = t->depth;
    if (kind == CT_EV_ENTER) {
        uint32_t d = t->depth++;
        if (d >= ct_max_depth) {
            CT_OWNER_INC(t->dropped_depth);
            record = false;
        } else {
            t->sps[d] = (struct ct_open_frame){sp, hpc, (uint64_t)(uintptr_t)site,
                                               (uint64_t)(uintptr_t)fn};
        }
    } else if (record && t->depth > 0) {
        record = --t->depth < ct_max_depth;
        if (eh && t->depth < t->eh_open[eh - 1]) { /* open at the throw: unwound by it */
            unwound = record;
            t->eh_open[eh - 1] = t->depth;
        }
    } else { /* returning from a frame entered before recording */
        record = false;
    }
    if (record) {
        uint32_t n = atomic_load_explicit(&t->count, memory_order_relaxed);
        if (n >= t->cap) {
            ct_thread_spill(t);
            n = atomic_load_explicit(&t->count, memory_order_relaxed); /* 1 after a drop */
        }
        uint64_t ticks = ct_clock_ticks();
        ct_put(t, n, CT_EV_WORD(ticks, kind), fn);
        if (unwound)
            ct_eh_mark_exit(t, ticks, (uint64_t)(uintptr_t)fn);
    }
    return record;
}

CT_NOINST static void ct_slow_release(struct ct_thread *t)
{
    ct_busy_leave(&t->busy);
}

/* Everything the fast path does not handle, for one event of `kind`. */
__attribute__((noinline, cold)) void ct_slow(void *fn, void *site, uint64_t gate, unsigned kind,
                                             uint64_t sp, uint64_t hpc)
{
    struct ct_thread *t = ct_slow_take(gate);
    if (t) {
        ct_slow_event(t, fn, site, kind, sp, hpc);
        ct_slow_release(t);
    }
}

/* The fast path, one body for both clocks and both directions. sp is the
 * instrumented function's stack pointer at the hook call: an enter strictly
 * below its parent's, an exit of the innermost recorded call, is the usual
 * case; anything else (an inlined call, frames abandoned by longjmp) is
 * sorted out in the slow path. */
/* ct_hook_hold when the fast path does not apply: recorded, the thread
 * left busy; NULL when the event is not recorded. */
__attribute__((noinline, cold)) struct ct_thread *
ct_slow_hold(void *fn, void *site, uint64_t gate, unsigned kind, uint64_t sp, uint64_t hpc)
{
    struct ct_thread *t = ct_slow_take(gate);
    if (t && !ct_slow_event(t, fn, site, kind, sp, hpc)) {
        ct_slow_release(t);
        t = NULL;
    }
    return t;
}

#define CT_HOOK_ARGS void *fn, void *site, uint64_t gate, uint64_t sp
void ct_rec_tsc_enter(CT_HOOK_ARGS) { ct_record(fn, site, gate, CT_EV_ENTER, true, sp, false); }
void ct_rec_tsc_exit(CT_HOOK_ARGS) { ct_record(fn, site, gate, CT_EV_EXIT, true, sp, false); }
void ct_rec_mono_enter(CT_HOOK_ARGS) { ct_record(fn, site, gate, CT_EV_ENTER, false, sp, false); }
void ct_rec_mono_exit(CT_HOOK_ARGS) { ct_record(fn, site, gate, CT_EV_EXIT, false, sp, false); }

void ct_hook_off(CT_HOOK_ARGS)
{
    (void)fn, (void)site, (void)gate, (void)sp;
}

/* The argument-capturing set's enter: recorded like any, but the thread stays
 * busy for the values that follow (capture.c clears it). NULL when the call
 * is not recorded. */
struct ct_thread *ct_hook_hold(void *fn, void *site, uint64_t gate, unsigned kind, uint64_t sp)
{
    return kind == CT_EV_ENTER ? ct_record(fn, site, gate, CT_EV_ENTER, ct_hook_tsc, sp, true)
                               : ct_record(fn, site, gate, CT_EV_EXIT, ct_hook_tsc, sp, true);
}

/* The argument-capturing set records its exits through the same fast path: */
void ct_hook_event(void *fn, void *site, uint64_t gate, unsigned kind, uint64_t sp)
{
    ct_record(fn, site, gate, kind, ct_hook_tsc, sp, false);
}
