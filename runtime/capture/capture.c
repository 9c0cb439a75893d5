/* capture.c — the argument-capturing hooks (capture.h): the enter and exit
 * of the capturing hook set, called by arch/x86_64/capture_entry.S with the
 * instrumented function's callee-saved registers.
 *
 * Enter (ct_args_enter_c): the function's descriptor is looked up by its
 * address. In the usual case (entered at the call site it was described
 * for, every parameter with a direct plan: a stack slot or a register) the
 * enter record and the values go into the buffer in one reservation;
 * otherwise the enter goes through the hooks' own path (hooks.c keeps the
 * thread busy for us) and each parameter's location is evaluated,
 * interpreting its DWARF expression where needed (capture_read.c).
 *
 * Return values, two ways:
 *  - at the exit hook, when the code after every exit hook call of the
 *    function was understood (capture_ret.c, struct ct_xsite): the value is
 *    read from where that code takes it, and recorded with the exit. No
 *    return address is touched. This is the usual case for scalars, in C
 *    and in C++ functions without exception cleanups.
 *  - otherwise through a return trampoline: at enter the return address is
 *    hijacked (the slot below the CFA must hold exactly the call site the
 *    hook was given, else nothing is touched), the real address goes on a
 *    per-thread shadow stack (capture_shadow.c) and ct_ret_tramp takes its
 *    place. The exit hook then leaves the exit to the trampoline, whose C
 *    side (capture_return.c) records it with the return registers by the
 *    function's SysV classification and jumps back.
 *
 * Exceptions and forced unwinds (pthread_exit) reach the trampoline's
 * personality routine (capture_return.c) for each hijacked frame they pass:
 * it puts the real return address back before the unwinder reads it and
 * flags the entry, so the frame's exit hook, run by its cleanup, records
 * the call as unwound. Pointers the program passes are read through
 * ct_probe_copy/ct_probe_str, which a fault cannot crash (probe.S). */
#include <stdatomic.h>

#include "base/busy.h"
#include "capture/capture_shadow.h"

/* arch/x86_64/ret_tramp.S */
extern char ct_ret_tramp[];
/* arch/x86_64/capture_entry.S calls these. */
CT_INTERNAL void ct_args_exit_c(void *fn, void *site, uint64_t gate, uint64_t sp,
                                const struct ct_cregs *r);
CT_INTERNAL void ct_args_enter_c(void *fn, void *site, uint64_t gate, uint64_t sp,
                                 const struct ct_cregs *r);

/* ---- enter --------------------------------------------------------------- */

/* The call site a hook is given is the physical frame's return address:
 * once hijacked, ct_ret_tramp. The real one is on the shadow stack (the
 * innermost hijacked frame is the one the hook's caller runs in). */
CT_NOINST static void *ct_real_site(void *site)
{
    struct ct_shadow *sh = ct_sh;
    if (site == (void *)ct_ret_tramp && sh && sh->n)
        return (void *)(uintptr_t)sh->e[sh->n - 1].ra;
    return site;
}

/* Plants the return trampoline in the frame whose CFA is cfa, if its return
 * address slot holds exactly the call site the hook was given. */
CT_NOINST static void ct_hijack(const struct ct_thread *t, struct ct_shadow *sh,
                                const struct ct_fdesc *d, uint64_t fn, uint64_t site, uint64_t cfa,
                                uint64_t sp)
{
    uint64_t *slot = (uint64_t *)(uintptr_t)(cfa - 8);
    if (sh->busy || *slot != site)
        return;
    ct_busy_set(&sh->busy);
    uint32_t n = sh->n;
    while (n > 0 && sh->e[n - 1].cfa <= cfa && ct_same_stack(t, sh->e[n - 1].cfa, cfa))
        ct_shadow_drop(sh, &sh->e[--n]); /* frames a longjmp abandoned */
    if (n < sh->cap) {
        sh->e[n] = (struct ct_shent){cfa, site, fn, d, sp, 0};
        sh->n = n + 1;
        atomic_signal_fence(memory_order_seq_cst);
        *slot = (uint64_t)(uintptr_t)ct_ret_tramp;
    } else {
        sh->n = n;
    }
    ct_busy_leave(&sh->busy);
}

/* Every enter the fast path below does not take: recorded through the
 * hooks' own path, then the values (ct_put_args: any plan). */
__attribute__((noinline)) CT_NOINST static void ct_args_enter_slow(void *fn, void *site, uint64_t gate,
                                                                  uint64_t sp, const struct ct_cregs *r)
{
    struct ct_thread *t = ct_hook_hold(fn, site, gate, CT_EV_ENTER, sp);
    if (!t)
        return;
    const struct ct_fdesc *d = ct_ftab_find(&ct_capture_tab, (uint64_t)(uintptr_t)fn);
    uint64_t hpc = ((const uint64_t *)(uintptr_t)sp)[-1];
    const struct ct_fdesc *di;
    if (d && d->hook_pc != hpc && (di = ct_ftab_inline(&ct_capture_tab, hpc, (uint64_t)(uintptr_t)fn)))
        d = di; /* called from an inlined instance */
    struct ct_shadow *sh = d ? ct_shadow() : NULL;
    if (sh) {
        uint8_t *buf = sh->buf;
        size_t len;
        uint64_t cfa = 0;
        if (d->hook_pc == hpc && d->cfa_reg >= 0) {
            cfa = r->reg[d->cfa_reg] + (uint64_t)d->cfa_off;
            len = ct_put_args(t, d, r, sp, cfa, (uint64_t)(uintptr_t)site, buf);
        } else { /* not the call site it was described for: no values */
            memset(buf, CT_VAL_OUT, d->nparams);
            len = d->nparams;
        }
        ct_put_values(t, CT_EXT_ARGS, d->sig, buf, len);
        /* the key the enter was recorded under (record's CFA) */
        uint64_t key = t->sps[t->depth - 1].sp;
        if (cfa && ct_capture_retval && !d->ret_at_exit)
            ct_hijack(t, sh, d, (uint64_t)(uintptr_t)fn, (uint64_t)(uintptr_t)site, cfa, key);
    }
    ct_busy_leave(&t->busy);
}

/* The enter of the capturing hook set. The usual case, a described
 * function entered at the call site it was described for, on top of the
 * open calls, is done here in one go: the enter record and the values in
 * one reservation, one timestamp, one count update. Parameters that all
 * have a direct plan are read inline (ct_put_direct); the others go
 * through ct_put_args. */
CT_INTERNAL void ct_args_enter_c(void *fn, void *site, uint64_t gate, uint64_t sp, const struct ct_cregs *r)
{
    site = ct_real_site(site);
    uint64_t hpc = ((const uint64_t *)(uintptr_t)sp)[-1];
    struct ct_thread *t = ct_self;
    const struct ct_fdesc *d = ct_ftab_find(&ct_capture_tab, (uint64_t)(uintptr_t)fn);
    const struct ct_fdesc *di;
    if (d && d->hook_pc != hpc && (di = ct_ftab_inline(&ct_capture_tab, hpc, (uint64_t)(uintptr_t)fn)))
        d = di; /* called from an inlined instance */
    struct ct_shadow *sh = ct_sh;
    /* an exception in flight: the hooks' own path (hooks.c) */
    if (CT_LIKELY(t && t->gate_seen == gate && !(t->busy | *t->eh_uncaught) && d && sh &&
                  d->hook_pc == hpc && d->cfa_reg >= 0)) {
        ct_busy_set(&t->busy);
        uint32_t dep = t->depth, n = atomic_load_explicit(&t->count, memory_order_relaxed);
        /* frames are known by their CFA (record/cfa.h): here DWARF's own */
        uint64_t cfa = r->reg[d->cfa_reg] + (uint64_t)d->cfa_off;
        if (CT_LIKELY(ct_enter_fits(t, dep, cfa, hpc, (uint64_t)(uintptr_t)site))) {
            uint64_t ticks = ct_hook_tsc ? __rdtsc() : ct_clock_ticks();
            uint64_t w[CT_SMALL_ARGS / 8 + 2] = {0};
            uint8_t *vals = (uint8_t *)w;
            size_t len = d->small_len;
            if (CT_LIKELY(len && !(d->vregs & ~r->valid))) {
                ct_put_direct(t, d, r->reg, sp, vals);
            } else { /* strings, structs, DWARF expressions */
                len = ct_put_args(t, d, r, sp, cfa, (uint64_t)(uintptr_t)site, sh->buf);
                vals = sh->buf;
            }
            uint32_t k = 1 + (uint32_t)CT_EXT_PAYLOAD_EVENTS(len); /* the values' records */
            if (CT_LIKELY(n + 1 + k <= t->cap)) {
                t->sps[dep] = (struct ct_open_frame){cfa, hpc, (uint64_t)(uintptr_t)site,
                                                     (uint64_t)(uintptr_t)fn};
                t->depth = dep + 1;
                uint64_t *dst = (uint64_t *)&t->buf[n];
                __atomic_store_n(&dst[0], CT_EV_WORD(ticks, CT_EV_ENTER), __ATOMIC_RELAXED);
                __atomic_store_n(&dst[1], (uint64_t)(uintptr_t)fn, __ATOMIC_RELAXED);
                ct_store_values(dst + 2, ticks, CT_EXT_ARGS, d->sig, vals, len);
                atomic_store_explicit(&t->count, n + 1 + k, memory_order_release);
                if (ct_capture_retval && !d->ret_at_exit)
                    ct_hijack(t, sh, d, (uint64_t)(uintptr_t)fn, (uint64_t)(uintptr_t)site, cfa, cfa);
                ct_busy_leave(&t->busy);
                return;
            }
        }
        ct_busy_leave(&t->busy);
    }
    ct_args_enter_slow(fn, site, gate, sp, r);
}

/* ---- exit ---------------------------------------------------------------- */

/* The argument-capturing set's exit hook. A hijacked call returning
 * normally: nothing, the trampoline records its exit with its return value.
 * A call whose return value the exit hook call site tells where to find
 * (struct ct_xsite): the exit and the value in one go. Otherwise the exit,
 * and for a frame an exception is unwinding, the mark that says so. */
CT_INTERNAL void ct_args_exit_c(void *fn, void *site, uint64_t gate, uint64_t sp, const struct ct_cregs *r)
{
    struct ct_shadow *sh = ct_sh;
    uint32_t n = sh ? sh->n : 0;
    if (n && !sh->busy && sh->e[n - 1].fn == (uint64_t)(uintptr_t)fn) {
        struct ct_thread *t = ct_self;
        if (!(sh->e[n - 1].flags & CT_SH_UNWINDING)) {
            if (t && t->gate_seen == gate && ct_exit_pending(t, &sh->e[n - 1])) {
                sh->e[n - 1].flags |= CT_SH_EXITED;
                return;
            }
        } else {
            ct_hook_event(fn, site, gate, CT_EV_EXIT, sp);
            ct_busy_set(&sh->busy);
            struct ct_shent e = sh->e[--sh->n];
            ct_busy_leave(&sh->busy);
            ct_record_ret(&e, NULL);
            return;
        }
    }
    struct ct_thread *t = ct_self;
    const struct ct_xsite *xs;
    if (ct_capture_retval && t && t->gate_seen == gate && !t->busy &&
        (xs = ct_ftab_exit(&ct_capture_tab, ((const uint64_t *)(uintptr_t)sp)[-1])) != NULL &&
        xs->d->fn == (uint64_t)(uintptr_t)fn) {
        const struct ct_fdesc *d = xs->d;
        ct_busy_set(&t->busy);
        uint32_t dep = t->depth, c = atomic_load_explicit(&t->count, memory_order_relaxed);
        /* an exception in flight: the hooks' path tells whether it left the frame */
        if (CT_LIKELY(ct_exit_fits(t, dep, (uint64_t)(uintptr_t)fn) && c + 4 <= t->cap &&
                      !*t->eh_uncaught)) {
            t->depth = dep - 1;
            uint64_t ticks = ct_hook_tsc ? __rdtsc() : ct_clock_ticks();
            uint64_t v = 0;
            uint8_t st = ct_rplan_read(&xs->plan, r->reg, t, sp, d->ret_small, &v);
            c += ct_store_exit(t, c, ticks, (uint64_t)(uintptr_t)fn, d, st, v);
            atomic_store_explicit(&t->count, c, memory_order_release);
            ct_busy_leave(&t->busy);
            return;
        }
        ct_busy_leave(&t->busy);
        /* a full buffer, frames left by longjmp, exceptions: the hooks' own path */
        if (!(t = ct_hook_hold(fn, site, gate, CT_EV_EXIT, sp)))
            return;
        uint64_t v = 0, w[5];
        uint8_t st = ct_rplan_read(&xs->plan, r->reg, t, sp, d->ret_small, &v);
        ct_put_values(t, CT_EXT_RETVAL, d->sig, (uint8_t *)w,
                      ct_small_ret(w, (uint64_t)(uintptr_t)fn, st, v, d->ret_small));
        ct_busy_leave(&t->busy);
        return;
    }
    ct_hook_event(fn, site, gate, CT_EV_EXIT, sp); /* an exit's site is not recorded */
}
