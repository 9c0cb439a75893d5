/* capture_return.c — the C side of the return trampoline
 * (arch/x86_64/ret_tramp.S, capture.c): a hijacked call returning lands
 * here with its return registers, is recorded with its return value, and
 * goes back to its real return address from the shadow stack. And the
 * trampoline's personality routine, which an exception or a forced unwind
 * passing a hijacked frame meets. */
#include <unwind.h>

#include "base/busy.h"
#include "capture/capture_shadow.h"

/* ret_tramp.S calls these. */
CT_INTERNAL uint64_t ct_ret_c(struct ct_retregs *rr);
CT_INTERNAL _Unwind_Reason_Code ct_tramp_personality(int version, _Unwind_Action actions,
                                                     _Unwind_Exception_Class cls,
                                                     struct _Unwind_Exception *ex,
                                                     struct _Unwind_Context *ctx);

/* The trampoline ran for a frame that has no entry on the shadow stack: the
 * stack heuristics (ct_same_stack) took it for one a longjmp abandoned. Its
 * entry is among the last dropped, found by its CFA and taken out; else its
 * return address is lost: an entry with ra 0 and no descriptor. */
__attribute__((noinline, cold)) CT_NOINST static struct ct_shent ct_ret_lost(struct ct_shadow *sh,
                                                                            uint64_t cfa)
{
    struct ct_shent e;
    memset(&e, 0, sizeof e);
    uint32_t kept = sh ? (sh->nlost < CT_SHADOW_LOST ? sh->nlost : CT_SHADOW_LOST) : 0;
    for (uint32_t k = 0; k < kept; k++) { /* newest first */
        struct ct_shent *l = &sh->lost[(sh->nlost - 1 - k) % CT_SHADOW_LOST];
        if (l->cfa == cfa && l->d) {
            ct_busy_set(&sh->busy);
            e = *l;
            l->d = NULL; /* taken */
            ct_busy_leave(&sh->busy);
            ct_debug("return trampoline: the frame at cfa %#llx was taken for abandoned",
                     (unsigned long long)cfa);
            return e;
        }
    }
    /* Nothing can say where this frame returns to: the thread cannot go
     * on. It jumps to 0 and faults, and the crash handler writes the trace. */
    ct_log("return trampoline without its shadow entry (cfa %#llx): the return address is lost "
           "(a stack switch calltrace did not follow?); CALLTRACE_CAPTURE_RETVAL=0 records "
           "without return trampolines", (unsigned long long)cfa);
    return e;
}

/* The shadow entry of the frame whose CFA is cfa, when it is not the
 * innermost: frames above it on the same stack are gone (longjmp) and
 * dropped; frames on other stacks (coroutines) stay. */
__attribute__((noinline)) CT_NOINST static struct ct_shent ct_ret_find(struct ct_shadow *sh,
                                                                      uint64_t cfa)
{
    uint32_t k = sh ? sh->n : 0;
    while (k > 0 && sh->e[k - 1].cfa != cfa)
        k--;
    if (k == 0) /* the trampoline is only ever planted with an entry */
        return ct_ret_lost(sh, cfa);
    ct_busy_set(&sh->busy);
    struct ct_shent e = sh->e[k - 1];
    struct ct_thread *t = ct_self;
    uint32_t w = k - 1;
    for (uint32_t i = k; i < sh->n; i++) {
        if (!(sh->e[i].cfa < cfa && t && ct_same_stack(t, sh->e[i].cfa, cfa)))
            sh->e[w++] = sh->e[i];
        else
            ct_shadow_drop(sh, &sh->e[i]);
    }
    sh->n = w;
    ct_busy_leave(&sh->busy);
    return e;
}

CT_INTERNAL uint64_t ct_ret_c(struct ct_retregs *rr)
{
    struct ct_shadow *sh = ct_sh;
    uint64_t cfa = rr->cfa;
    uint32_t n = sh ? sh->n : 0;
    struct ct_shent e;
    if (CT_LIKELY(n > 0 && sh->e[n - 1].cfa == cfa)) { /* the innermost, as it should be */
        ct_busy_set(&sh->busy);
        e = sh->e[n - 1];
        sh->n = n - 1;
        ct_busy_leave(&sh->busy);
    } else {
        e = ct_ret_find(sh, cfa);
        if (CT_UNLIKELY(!e.d))
            return e.ra; /* lost: 0 */
    }
    /* the usual case: the exit hook left the exit here, the value is a
     * scalar or nothing; the exit and the value in one reservation */
    struct ct_thread *t = ct_self;
    uint64_t g = atomic_load_explicit(&ct_gate, memory_order_relaxed);
    const struct ct_fdesc *d = e.d;
    if (CT_LIKELY(t && (e.flags & CT_SH_EXITED) && CT_GATE_HOOK(g) == CT_HOOK_REC_ARGS &&
                  t->gate_seen == g && !t->busy && (!d->ret || d->ret_small))) {
        ct_busy_set(&t->busy);
        uint32_t dep = t->depth, c = atomic_load_explicit(&t->count, memory_order_relaxed);
        uint32_t k = !d->ret ? 0 : d->ret_small < 8 ? 2 : 3; /* the value's records */
        if (CT_LIKELY(ct_exit_fits(t, dep, e.fn) && c + 1 + k <= t->cap)) {
            t->depth = dep - 1;
            uint64_t ticks = ct_hook_tsc ? __rdtsc() : ct_clock_ticks();
            uint64_t v;
            memcpy(&v, d->ret_class[0] == CT_RC_INT ? (const void *)&rr->rax : (const void *)rr->xmm0, 8);
            v &= ct_size_mask[d->ret_small];
            c += ct_store_exit(t, c, ticks, e.fn, k ? d : NULL, CT_VAL_OK, v);
            atomic_store_explicit(&t->count, c, memory_order_release);
            ct_busy_leave(&t->busy);
            return e.ra;
        }
        ct_busy_leave(&t->busy);
    }
    ct_record_ret(&e, rr);
    return e.ra;
}

/* An exception or a forced unwind passes a hijacked frame: the real return
 * address goes back in its slot before the unwinder reads it. */
CT_INTERNAL _Unwind_Reason_Code ct_tramp_personality(int version, _Unwind_Action actions,
                                                     _Unwind_Exception_Class cls,
                                                     struct _Unwind_Exception *ex,
                                                     struct _Unwind_Context *ctx)
{
    (void)version, (void)cls, (void)ex;
    uint64_t cfa = (uint64_t)_Unwind_GetCFA(ctx);
    struct ct_shadow *sh = ct_sh;
    uint32_t k = sh ? sh->n : 0;
    while (k > 0 && sh->e[k - 1].cfa != cfa)
        k--;
    if (k == 0)
        return _URC_CONTINUE_UNWIND;
    /* the frame's return address slot still holds the trampoline, which is
     * where this frame "is": the address the unwinder came back with */
    uint64_t *slot = (uint64_t *)(uintptr_t)(cfa - 8);
    if (*slot == (uint64_t)_Unwind_GetIP(ctx))
        *slot = sh->e[k - 1].ra;
    if (actions & _UA_SEARCH_PHASE) {
        /* an exception: the frame's cleanup (its exit hook) runs later, in
         * the second phase, and records it unwound (ct_args_exit) */
        sh->e[k - 1].flags |= CT_SH_UNWINDING;
        return _URC_CONTINUE_UNWIND;
    }
    /* a forced unwind (pthread_exit, cancellation) has no search phase: the
     * frame's cleanup already ran its exit hook, just before this */
    struct ct_shent e = sh->e[k - 1];
    ct_busy_set(&sh->busy);
    sh->n = k - 1;
    ct_busy_leave(&sh->busy);
    ct_record_ret(&e, NULL);
    return _URC_CONTINUE_UNWIND;
}
