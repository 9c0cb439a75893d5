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
 * Filters and user hooks (filter.h) have hook sets of their own, chosen at
 * init only when there are any: they probe the address set, then record
 * through the same fast path. */
#include <errno.h>
#include <pthread.h>
#include <unistd.h>

#include "calltrace.h"
#include "base/clock.h"
#include "filter/filter.h"
#include "record/hooks.h"

_Atomic uint64_t ct_gate = CT_GATE(0, CT_HOOK_BOOT);
uint32_t ct_max_depth = 100;
unsigned ct_hook_rec = CT_HOOK_REC_TSC;
unsigned ct_hook_stopped = CT_HOOK_OFF;
bool ct_hook_tsc = true;

static __thread bool ct_in_sync __attribute__((tls_model("initial-exec")));



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

struct ct_thread *ct_sync(uint64_t gate)
{
    if (ct_self_done || ct_in_sync)
        return NULL;
    int saved = errno;
    ct_in_sync = true;
    struct ct_thread *t = ct_self;
    if (!t)
        t = ct_self = ct_thread_register();
    if (t && !t->busy) {
        t->busy = 1;
        atomic_signal_fence(memory_order_seq_cst);
        struct ct_event *e = ct_thread_reserve(t, 1);
        __atomic_store_n(&e->word, CT_EV_WORD(ct_clock_ticks(), CT_EV_EXT), __ATOMIC_RELAXED);
        __atomic_store_n(&e->addr, CT_EXT_ADDR(CT_EXT_REGION, CT_GATE_EPOCH(gate)),
                         __ATOMIC_RELAXED);
        ct_thread_commit(t, 1);
        t->depth = 0;
        t->flt_inside = t->flt_skip = 0;
        t->gate_seen = gate;
        atomic_signal_fence(memory_order_seq_cst);
        t->busy = 0;
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
    struct ct_event *e = ct_thread_reserve(t, 1);
    __atomic_store_n(&e->word, CT_EV_WORD(ct_clock_ticks(), CT_EV_EXT), __ATOMIC_RELAXED);
    __atomic_store_n(&e->addr, CT_EXT_ADDR(CT_EXT_UNWIND, d - k), __ATOMIC_RELAXED);
    ct_thread_commit(t, 1);
    t->depth = k;
    return true;
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
    t->busy = 1;
    atomic_signal_fence(memory_order_seq_cst);
    return t;
}

/* One event the fast path does not handle, t busy. Returns true when it
 * was recorded. */
CT_NOINST static bool ct_slow_event(struct ct_thread *t, void *fn, void *site, unsigned kind,
                                    uint64_t sp, uint64_t hpc)
{
    bool record = ct_unwind_stale(t, kind, (uint64_t)(uintptr_t)fn, (uint64_t)(uintptr_t)site,
                                  sp, hpc);
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
    } else { /* returning from a frame entered before recording */
        record = false;
    }
    if (record) {
        uint32_t n = atomic_load_explicit(&t->count, memory_order_relaxed);
        if (n >= t->cap) {
            ct_thread_spill(t);
            n = atomic_load_explicit(&t->count, memory_order_relaxed); /* 1 after a drop */
        }
        ct_put(t, n, CT_EV_WORD(ct_clock_ticks(), kind), fn);
    }
    return record;
}

CT_NOINST static void ct_slow_release(struct ct_thread *t)
{
    atomic_signal_fence(memory_order_seq_cst);
    t->busy = 0;
}

/* Everything the fast path does not handle, for one event of `kind`. */
__attribute__((noinline, cold)) CT_NOINST static void ct_slow(void *fn, void *site,
                                                             uint64_t gate, unsigned kind,
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
__attribute__((noinline, cold)) CT_NOINST static struct ct_thread *
ct_slow_hold(void *fn, void *site, uint64_t gate, unsigned kind, uint64_t sp, uint64_t hpc)
{
    struct ct_thread *t = ct_slow_take(gate);
    if (t && !ct_slow_event(t, fn, site, kind, sp, hpc)) {
        ct_slow_release(t);
        t = NULL;
    }
    return t;
}

/* hold: when the event is recorded, leave the thread busy and return it,
 * for the values capture.c appends; NULL when it was not. */
__attribute__((always_inline)) CT_NOINST static inline struct ct_thread *
ct_record(void *fn, void *site, uint64_t gate, unsigned kind, bool tsc, uint64_t sp, bool hold)
{
    /* the hook call's return address, in the instrumented function */
    uint64_t hpc = ((const uint64_t *)(uintptr_t)sp)[-1];
    struct ct_thread *t = ct_self;
    if (CT_UNLIKELY(!t || t->gate_seen != gate || t->busy)) {
        if (hold)
            return ct_slow_hold(fn, site, gate, kind, sp, hpc);
        ct_slow(fn, site, gate, kind, sp, hpc);
        return NULL;
    }
    /* busy before depth and count are read: a signal handler running
     * between those reads and this store would record its calls at index
     * n, which this event then overwrites, losing them uncounted */
    t->busy = 1;
    atomic_signal_fence(memory_order_seq_cst);
    uint32_t d = t->depth, n = atomic_load_explicit(&t->count, memory_order_relaxed);
    bool ok = kind == CT_EV_ENTER ? ct_enter_fits(t, d, sp, hpc, (uint64_t)(uintptr_t)site)
                                  : ct_exit_fits(t, d, (uint64_t)(uintptr_t)fn);
    if (CT_UNLIKELY(!ok || n >= t->cap)) {
        atomic_signal_fence(memory_order_seq_cst);
        t->busy = 0;
        if (hold)
            return ct_slow_hold(fn, site, gate, kind, sp, hpc);
        ct_slow(fn, site, gate, kind, sp, hpc);
        return NULL;
    }
    if (kind == CT_EV_ENTER) {
        t->sps[d] = (struct ct_open_frame){sp, hpc, (uint64_t)(uintptr_t)site, (uint64_t)(uintptr_t)fn};
        t->depth = d + 1;
    } else {
        t->depth = d - 1;
    }
    ct_put(t, n, CT_EV_WORD(ct_ticks_of(tsc), kind), fn);
    if (hold)
        return t;
    atomic_signal_fence(memory_order_seq_cst);
    t->busy = 0;
    return NULL;
}

#define CT_HOOK_ARGS void *fn, void *site, uint64_t gate, uint64_t sp
CT_NOINST static void ct_tsc_enter(CT_HOOK_ARGS) { ct_record(fn, site, gate, CT_EV_ENTER, true, sp, false); }
CT_NOINST static void ct_tsc_exit(CT_HOOK_ARGS) { ct_record(fn, site, gate, CT_EV_EXIT, true, sp, false); }
CT_NOINST static void ct_mono_enter(CT_HOOK_ARGS) { ct_record(fn, site, gate, CT_EV_ENTER, false, sp, false); }
CT_NOINST static void ct_mono_exit(CT_HOOK_ARGS) { ct_record(fn, site, gate, CT_EV_EXIT, false, sp, false); }

CT_NOINST static void ct_off_hook(CT_HOOK_ARGS)
{
    (void)fn, (void)site, (void)gate, (void)sp;
}

/* ---- filters and user hooks ---------------------------------------------- */

/* Set while this thread runs a user hook: the calls it makes are neither
 * hooked nor recorded (no recursion, and no events out of order). */
static __thread bool ct_in_user_hook __attribute__((tls_model("initial-exec")));
/* This thread's id, for hook events on a thread that is not registered. */
static __thread pid_t ct_user_tid __attribute__((tls_model("initial-exec")));

CT_NOINST static void ct_user_atfork_child(void)
{
    ct_user_tid = 0; /* the only thread of the child has a new id */
}

/* Registered once, when the first hook runs: the child handler resets
 * the thread id cache. */
CT_NOINST static void ct_user_once(void)
{
    pthread_atfork(NULL, NULL, ct_user_atfork_child);
}

/* Calls fn's user hooks for an event of `kind`. Slow path: only functions
 * that have hooks get here. */
__attribute__((noinline)) CT_NOINST static void ct_user_hooks(const struct ct_fslot *e, void *fn,
                                                             unsigned kind, uint64_t gate)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    int saved = errno;
    ct_in_user_hook = true;
    struct ct_thread *t = ct_self;
    if (!ct_user_tid) {
        pthread_once(&once, ct_user_once);
        ct_user_tid = t ? t->tid : (pid_t)gettid();
    }
    struct calltrace_hook_event ev = {
        .function = fn,
        .thread_id = (int)ct_user_tid,
        .depth = CT_HOOK_RECORDING(CT_GATE_HOOK(gate)) && t && t->gate_seen == gate ? t->depth : 0,
        .timestamp_ns = ct_mono_ns() - ct_clk.base_mono,
    };
    for (uint32_t i = 0; i < e->nhooks; i++) {
        const struct calltrace_hook *h = ct_fset.hooks[e->hook + i];
        void (*cb)(const struct calltrace_hook_event *) =
            kind == CT_EV_ENTER ? h->on_enter : h->on_exit;
        if (cb)
            cb(&ev);
    }
    ct_in_user_hook = false;
    errno = saved;
}

/* Records one event if the filters let it through. The per-thread counters
 * follow the open calls that matched a pattern: flt_skip those excluded with
 * their subtree, flt_inside the positive ones. */
CT_NOINST static void ct_flt_record(void *fn, void *site, uint64_t gate, unsigned kind,
                                    unsigned flags, bool tsc, uint64_t sp)
{
    struct ct_thread *t = ct_self;
    if (CT_UNLIKELY(!t || t->gate_seen != gate)) {
        t = ct_sync(gate); /* a new region resets the counters */
        if (!t)
            return;
    }
    if (CT_UNLIKELY(t->busy)) { /* a signal handler interrupted the runtime */
        CT_OWNER_INC(t->dropped_reentrant);
        return;
    }
    bool enter = kind == CT_EV_ENTER;
    if (t->flt_skip || (flags & CT_F_SKIP)) {
        if (flags & CT_F_SKIP) {
            if (enter)
                t->flt_skip++;
            else if (t->flt_skip) /* else entered before this region */
                t->flt_skip--;
        }
        if (enter)
            CT_OWNER_INC(t->filtered);
        return;
    }
    if (enter && (flags & CT_F_POS))
        t->flt_inside++;
    bool inside = !ct_fset.has_pos || t->flt_inside > 0;
    if (inside && !(flags & CT_F_EXCL))
        ct_record(fn, site, gate, kind, tsc, sp, false);
    else if (enter)
        CT_OWNER_INC(t->filtered);
    if (!enter && (flags & CT_F_POS) && t->flt_inside)
        t->flt_inside--;
}

/* The filtered and user-hook sets: look fn up; on enter its hooks run
 * before the call is recorded (a hook that starts recording gets the call
 * itself recorded), on exit after. */
__attribute__((always_inline)) CT_NOINST static inline void ct_flt_event(void *fn, void *site,
                                                                        uint64_t gate, unsigned kind,
                                                                        uint64_t sp)
{
    if (ct_in_user_hook)
        return;
    const struct ct_fslot *e = ct_fset_find(&ct_fset, (uintptr_t)fn);
    unsigned flags = e ? e->flags : 0;
    if (CT_UNLIKELY(flags & CT_F_HOOK) && kind == CT_EV_ENTER) {
        ct_user_hooks(e, fn, kind, gate);
        gate = atomic_load_explicit(&ct_gate, memory_order_relaxed);
    }
    unsigned h = CT_GATE_HOOK(gate);
    if (h == CT_HOOK_REC_TSC_FILTERED || h == CT_HOOK_REC_MONO_FILTERED)
        ct_flt_record(fn, site, gate, kind, flags, h == CT_HOOK_REC_TSC_FILTERED, sp);
    if (CT_UNLIKELY(flags & CT_F_HOOK) && kind == CT_EV_EXIT)
        ct_user_hooks(e, fn, kind, atomic_load_explicit(&ct_gate, memory_order_relaxed));
}

CT_NOINST static void ct_flt_enter(CT_HOOK_ARGS) { ct_flt_event(fn, site, gate, CT_EV_ENTER, sp); }
CT_NOINST static void ct_flt_exit(CT_HOOK_ARGS) { ct_flt_event(fn, site, gate, CT_EV_EXIT, sp); }

CT_NOINST static void ct_boot_enter(CT_HOOK_ARGS);
CT_NOINST static void ct_boot_exit(CT_HOOK_ARGS);

/* Indexed by the gate's hook set from hooks_entry.S: keep the layout (two
 * pointers per set) in step with it. */
const struct ct_hook_set_ops ct_hook_table[CT_HOOK_SETS] = {
    [CT_HOOK_OFF] = {ct_off_hook, ct_off_hook},
    [CT_HOOK_BOOT] = {ct_boot_enter, ct_boot_exit},
    [CT_HOOK_REC_TSC] = {ct_tsc_enter, ct_tsc_exit},
    [CT_HOOK_REC_MONO] = {ct_mono_enter, ct_mono_exit},
    [CT_HOOK_REC_TSC_FILTERED] = {ct_flt_enter, ct_flt_exit},
    [CT_HOOK_REC_MONO_FILTERED] = {ct_flt_enter, ct_flt_exit},
    [CT_HOOK_USER] = {ct_flt_enter, ct_flt_exit},
    [CT_HOOK_REC_ARGS] = {ct_args_enter, ct_args_exit},
};

/* The first event of the process, maybe before main() or our constructor:
 * initialise, then run the hook set init chose. The argument-capturing set
 * needs the registers only hooks_entry.S sees: its first event is recorded
 * without them. */
CT_NOINST static void ct_boot_enter(CT_HOOK_ARGS)
{
    if (ct_runtime_init() != 0)
        return;
    gate = atomic_load_explicit(&ct_gate, memory_order_relaxed);
    unsigned h = CT_GATE_HOOK(gate);
    if (h == CT_HOOK_REC_ARGS)
        ct_record(fn, site, gate, CT_EV_ENTER, ct_hook_tsc, sp, false);
    else if (h != CT_HOOK_BOOT)
        ct_hook_table[h].enter(fn, site, gate, sp);
}

CT_NOINST static void ct_boot_exit(CT_HOOK_ARGS)
{
    if (ct_runtime_init() != 0)
        return;
    gate = atomic_load_explicit(&ct_gate, memory_order_relaxed);
    if (CT_GATE_HOOK(gate) != CT_HOOK_BOOT)
        ct_hook_table[CT_GATE_HOOK(gate)].exit(fn, site, gate, sp);
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
