/* filter_hooks.c — the filtered and user-hook sets.
 *
 * Chosen at init only when CALLTRACE_FILTER or a CALLTRACE_HOOK() exists, so
 * that recording without them costs nothing more: they look the function up
 * in the address set (filter.c), run its user hooks, then record through the
 * same fast path as the plain sets (record/hooks_fast.h). */
#include <errno.h>
#include <pthread.h>
#include <unistd.h>

#include "calltrace.h"
#include "filter/filter.h"
#include "record/hooks_fast.h"

#define CT_HOOK_ARGS void *fn, void *site, uint64_t gate, uint64_t sp

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

void ct_flt_enter(CT_HOOK_ARGS) { ct_flt_event(fn, site, gate, CT_EV_ENTER, sp); }
void ct_flt_exit(CT_HOOK_ARGS) { ct_flt_event(fn, site, gate, CT_EV_EXIT, sp); }
