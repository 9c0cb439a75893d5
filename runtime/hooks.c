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
#include "clock.h"
#include "filter.h"
#include "hooks.h"

_Atomic uint64_t ct_gate = CT_GATE(0, CT_HOOK_BOOT);
uint32_t ct_max_depth = 100;
unsigned ct_hook_rec = CT_HOOK_REC_TSC;
unsigned ct_hook_stopped = CT_HOOK_OFF;

static __thread bool ct_in_sync __attribute__((tls_model("initial-exec")));

void __cyg_profile_func_enter(void *fn, void *site);
void __cyg_profile_func_exit(void *fn, void *site);

struct ct_hook_set_ops {
    void (*enter)(void *fn, uint64_t gate);
    void (*exit)(void *fn, uint64_t gate);
};

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

/* Everything the fast path does not handle, for one event of `kind`. */
__attribute__((noinline, cold)) CT_NOINST static void ct_slow(void *fn, uint64_t gate,
                                                             unsigned kind)
{
    struct ct_thread *t = ct_self;
    if (!t || t->gate_seen != gate) {
        t = ct_sync(gate);
        if (!t)
            return;
    }
    if (t->busy) { /* a signal handler interrupted the runtime on this thread */
        CT_OWNER_INC(t->dropped_reentrant);
        return;
    }
    if (kind == CT_EV_ENTER) {
        if (t->depth++ >= ct_max_depth) {
            CT_OWNER_INC(t->dropped_depth);
            return;
        }
    } else {
        if (t->depth == 0) /* returning from a frame entered before recording */
            return;
        if (--t->depth >= ct_max_depth)
            return;
    }
    t->busy = 1;
    atomic_signal_fence(memory_order_seq_cst);
    uint32_t n = atomic_load_explicit(&t->count, memory_order_relaxed);
    if (n >= t->cap) {
        ct_thread_spill(t);
        n = atomic_load_explicit(&t->count, memory_order_relaxed); /* 1 after a drop */
    }
    ct_put(t, n, CT_EV_WORD(ct_clock_ticks(), kind), fn);
    atomic_signal_fence(memory_order_seq_cst);
    t->busy = 0;
}

/* The fast path, one body for both clocks and both directions. */
__attribute__((always_inline)) CT_NOINST static inline void ct_record(void *fn, uint64_t gate,
                                                                     unsigned kind, bool tsc)
{
    struct ct_thread *t = ct_self;
    if (CT_UNLIKELY(!t || t->gate_seen != gate || t->busy)) {
        ct_slow(fn, gate, kind);
        return;
    }
    /* busy before depth and count are read: a signal handler running
     * between those reads and this store would record its calls at index
     * n, which this event then overwrites, losing them uncounted */
    t->busy = 1;
    atomic_signal_fence(memory_order_seq_cst);
    uint32_t d = t->depth, n = atomic_load_explicit(&t->count, memory_order_relaxed);
    bool depth_ok = kind == CT_EV_ENTER ? d < ct_max_depth : d - 1 < ct_max_depth;
    if (CT_UNLIKELY(!depth_ok || n >= t->cap)) {
        atomic_signal_fence(memory_order_seq_cst);
        t->busy = 0;
        ct_slow(fn, gate, kind);
        return;
    }
    t->depth = kind == CT_EV_ENTER ? d + 1 : d - 1;
    ct_put(t, n, CT_EV_WORD(ct_ticks_of(tsc), kind), fn);
    atomic_signal_fence(memory_order_seq_cst);
    t->busy = 0;
}

CT_NOINST static void ct_tsc_enter(void *fn, uint64_t gate) { ct_record(fn, gate, CT_EV_ENTER, true); }
CT_NOINST static void ct_tsc_exit(void *fn, uint64_t gate) { ct_record(fn, gate, CT_EV_EXIT, true); }
CT_NOINST static void ct_mono_enter(void *fn, uint64_t gate) { ct_record(fn, gate, CT_EV_ENTER, false); }
CT_NOINST static void ct_mono_exit(void *fn, uint64_t gate) { ct_record(fn, gate, CT_EV_EXIT, false); }

CT_NOINST static void ct_off_hook(void *fn, uint64_t gate)
{
    (void)fn;
    (void)gate;
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
CT_NOINST static void ct_flt_record(void *fn, uint64_t gate, unsigned kind, unsigned flags,
                                    bool tsc)
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
        ct_record(fn, gate, kind, tsc);
    else if (enter)
        CT_OWNER_INC(t->filtered);
    if (!enter && (flags & CT_F_POS) && t->flt_inside)
        t->flt_inside--;
}

/* The filtered and user-hook sets: look fn up; on enter its hooks run
 * before the call is recorded (a hook that starts recording gets the call
 * itself recorded), on exit after. */
__attribute__((always_inline)) CT_NOINST static inline void ct_flt_event(void *fn, uint64_t gate,
                                                                        unsigned kind)
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
        ct_flt_record(fn, gate, kind, flags, h == CT_HOOK_REC_TSC_FILTERED);
    if (CT_UNLIKELY(flags & CT_F_HOOK) && kind == CT_EV_EXIT)
        ct_user_hooks(e, fn, kind, atomic_load_explicit(&ct_gate, memory_order_relaxed));
}

CT_NOINST static void ct_flt_enter(void *fn, uint64_t gate) { ct_flt_event(fn, gate, CT_EV_ENTER); }
CT_NOINST static void ct_flt_exit(void *fn, uint64_t gate) { ct_flt_event(fn, gate, CT_EV_EXIT); }

CT_NOINST static void ct_boot_enter(void *fn, uint64_t gate);
CT_NOINST static void ct_boot_exit(void *fn, uint64_t gate);

static const struct ct_hook_set_ops ct_hook_table[CT_HOOK_SETS] = {
    [CT_HOOK_OFF] = {ct_off_hook, ct_off_hook},
    [CT_HOOK_BOOT] = {ct_boot_enter, ct_boot_exit},
    [CT_HOOK_REC_TSC] = {ct_tsc_enter, ct_tsc_exit},
    [CT_HOOK_REC_MONO] = {ct_mono_enter, ct_mono_exit},
    [CT_HOOK_REC_TSC_FILTERED] = {ct_flt_enter, ct_flt_exit},
    [CT_HOOK_REC_MONO_FILTERED] = {ct_flt_enter, ct_flt_exit},
    [CT_HOOK_USER] = {ct_flt_enter, ct_flt_exit},
    [7] = {ct_off_hook, ct_off_hook},
};

/* The first event of the process, maybe before main() or our constructor:
 * initialise, then run the hook set init chose. */
CT_NOINST static void ct_boot_enter(void *fn, uint64_t gate)
{
    (void)gate;
    if (ct_runtime_init() != 0)
        return;
    gate = atomic_load_explicit(&ct_gate, memory_order_relaxed);
    if (CT_GATE_HOOK(gate) != CT_HOOK_BOOT)
        ct_hook_table[CT_GATE_HOOK(gate)].enter(fn, gate);
}

CT_NOINST static void ct_boot_exit(void *fn, uint64_t gate)
{
    (void)gate;
    if (ct_runtime_init() != 0)
        return;
    gate = atomic_load_explicit(&ct_gate, memory_order_relaxed);
    if (CT_GATE_HOOK(gate) != CT_HOOK_BOOT)
        ct_hook_table[CT_GATE_HOOK(gate)].exit(fn, gate);
}

CT_NOINST __attribute__((visibility("default"))) void __cyg_profile_func_enter(void *fn, void *site)
{
    (void)site;
    uint64_t gate = atomic_load_explicit(&ct_gate, memory_order_relaxed);
    /* stopped is the case to make cheapest: it falls through to the return */
    if (CT_LIKELY(CT_GATE_HOOK(gate) == CT_HOOK_OFF))
        return;
    ct_hook_table[CT_GATE_HOOK(gate)].enter(fn, gate);
}

CT_NOINST __attribute__((visibility("default"))) void __cyg_profile_func_exit(void *fn, void *site)
{
    (void)site;
    uint64_t gate = atomic_load_explicit(&ct_gate, memory_order_relaxed);
    /* stopped is the case to make cheapest: it falls through to the return */
    if (CT_LIKELY(CT_GATE_HOOK(gate) == CT_HOOK_OFF))
        return;
    ct_hook_table[CT_GATE_HOOK(gate)].exit(fn, gate);
}
