/* hooks.c — the hot path: __cyg_profile_func_enter/exit.
 *
 * Per event: one relaxed load of the gate; when stopped, return. Otherwise a
 * tail jump through a compile-time constant table of hook sets (one per
 * clock, so the clock choice costs nothing per event), then a TLS load, one
 * combined check for every unusual case, a timestamp, two stores and a
 * release store of the count. No locks, no allocation, no syscalls, no
 * stdio. Every unusual case — first event of a thread, a new recording
 * region, a re-entrant call from a signal handler, the depth limit, a full
 * buffer — goes to one out-of-line slow path, which preserves errno. */
#include <errno.h>

#include "clock.h"
#include "hooks.h"

_Atomic uint64_t ct_gate = CT_GATE(0, CT_HOOK_BOOT);
uint32_t ct_max_depth = 100;
unsigned ct_hook_rec = CT_HOOK_REC_TSC;

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
    uint32_t d = t->depth, n = atomic_load_explicit(&t->count, memory_order_relaxed);
    bool depth_ok = kind == CT_EV_ENTER ? d < ct_max_depth : d - 1 < ct_max_depth;
    if (CT_UNLIKELY(!depth_ok || n >= t->cap)) {
        ct_slow(fn, gate, kind);
        return;
    }
    t->depth = kind == CT_EV_ENTER ? d + 1 : d - 1;
    t->busy = 1;
    atomic_signal_fence(memory_order_seq_cst);
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

CT_NOINST static void ct_boot_enter(void *fn, uint64_t gate);
CT_NOINST static void ct_boot_exit(void *fn, uint64_t gate);

static const struct ct_hook_set_ops ct_hook_table[CT_HOOK_SETS] = {
    [CT_HOOK_OFF] = {ct_off_hook, ct_off_hook},
    [CT_HOOK_BOOT] = {ct_boot_enter, ct_boot_exit},
    [CT_HOOK_REC_TSC] = {ct_tsc_enter, ct_tsc_exit},
    [CT_HOOK_REC_MONO] = {ct_mono_enter, ct_mono_exit},
    [4] = {ct_off_hook, ct_off_hook},
    [5] = {ct_off_hook, ct_off_hook},
    [6] = {ct_off_hook, ct_off_hook},
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
