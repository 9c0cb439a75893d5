/* capture.c — recording argument and return values (capture.h).
 *
 * Enter (ct_args_enter_c, called by capture_entry.S with the instrumented
 * function's callee-saved registers): the function's descriptor is looked
 * up by its address. In the usual case (entered at the call site it was
 * described for, every parameter with a direct plan: a stack slot or a
 * register) the enter record and the values go into the buffer in one
 * reservation; otherwise the enter goes through the hooks' own path
 * (hooks.c keeps the thread busy for us) and each parameter's location is
 * evaluated, interpreting its DWARF expression where needed.
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
 *    per-thread shadow stack and ct_ret_tramp takes its place. The exit
 *    hook then leaves the exit to the trampoline (ct_ret_c), which records
 *    it with the return registers by the function's SysV classification
 *    and jumps back. The shadow entry is the one whose CFA is the stack
 *    pointer the trampoline was entered with; entries above it on the same
 *    stack belong to frames a longjmp abandoned and are dropped.
 *
 * Exceptions and forced unwinds (pthread_exit) reach the trampoline's
 * personality routine (ct_tramp_personality) for each hijacked frame they
 * pass: it puts the real return address back before the unwinder reads it
 * and flags the entry, so the frame's exit hook, run by its cleanup, records
 * the call as unwound. Pointers the program passes are read through
 * ct_probe_copy/ct_probe_str, which a fault cannot crash (signals.c). */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>
#include <unwind.h>

#include "capture/capture_priv.h"
#include "base/clock.h"
#include "base/config.h"
#include "record/hooks.h"
#include "stream/spill.h"
#include "record/thread.h"

struct ct_ftab ct_capture_tab;
bool ct_capture_retval;
bool ct_probe_armed;

/* capture_entry.S */
extern char ct_ret_tramp[];
extern char ct_probe_lo[], ct_probe_hi[], ct_probe_fault[];
CT_INTERNAL void ct_args_exit_c(void *fn, void *site, uint64_t gate, uint64_t sp,
                                const struct ct_cregs *r);
CT_INTERNAL void ct_args_enter_c(void *fn, void *site, uint64_t gate, uint64_t sp,
                                 const struct ct_cregs *r);
CT_INTERNAL uint64_t ct_ret_c(struct ct_retregs *rr);
__attribute__((visibility("hidden"))) _Unwind_Reason_Code
ct_tramp_personality(int version, _Unwind_Action actions, _Unwind_Exception_Class cls,
                     struct _Unwind_Exception *ex, struct _Unwind_Context *ctx);

/* ---- the shadow stack ---------------------------------------------------- */

enum {
    CT_SH_UNWINDING = 1u, /* an exception passes the frame (ct_tramp_personality) */
    CT_SH_EXITED = 2u,    /* the exit hook ran and left the exit to the trampoline */
};
struct ct_shent {
    uint64_t cfa, ra, fn;
    const struct ct_fdesc *d;
    uint64_t sp; /* at the enter hook: tells the call among the thread's open ones */
    uint64_t flags; /* CT_SH_* */
};
struct ct_shadow {
    uint32_t n, cap;
    volatile uint32_t busy;
    uint8_t *buf;   /* CT_VALUES_MAX + 16: the values being recorded (under t->busy) */
    struct ct_shent e[];
};
#define CT_SHADOW_CAP 2048u
static __thread struct ct_shadow *ct_sh __attribute__((tls_model("initial-exec")));
static pthread_key_t ct_sh_key;
static bool ct_sh_key_ok;

CT_NOINST static size_t ct_shadow_bytes(void)
{
    return sizeof(struct ct_shadow) + CT_SHADOW_CAP * sizeof(struct ct_shent) + CT_VALUES_MAX + 16;
}

CT_NOINST static void ct_record_ret(const struct ct_shent *e, const struct ct_retregs *rr);

/* The thread is ending (its key destructor; created before the thread
 * registry's, so this runs while the thread is still registered). Frames
 * still on the shadow stack never returned: pthread_exit or a cancellation
 * unwound them and glibc's stop function ended the unwind before their
 * trampoline frames were reached. The last exit recorded is the outermost
 * one's: it says unwound. */
CT_NOINST static void ct_shadow_free(void *p)
{
    struct ct_shadow *sh = p;
    if (!sh)
        return;
    while (sh->n > 0) {
        struct ct_shent e = sh->e[--sh->n];
        ct_record_ret(&e, NULL);
    }
    ct_sh = NULL;
    munmap(sh, ct_shadow_bytes());
}

/* The thread's first capture: maps its shadow stack. */
__attribute__((noinline, cold)) CT_NOINST static struct ct_shadow *ct_shadow_new(void)
{
    int saved = errno;
    void *p = mmap(NULL, ct_shadow_bytes(), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    struct ct_shadow *sh = NULL;
    if (p != MAP_FAILED) {
        sh = p;
        sh->cap = CT_SHADOW_CAP;
        sh->buf = (uint8_t *)&sh->e[CT_SHADOW_CAP];
        ct_sh = sh;
        if (ct_sh_key_ok)
            pthread_setspecific(ct_sh_key, sh);
    }
    errno = saved;
    return sh;
}

CT_NOINST static inline struct ct_shadow *ct_shadow(void)
{
    struct ct_shadow *sh = ct_sh;
    return CT_LIKELY(sh != NULL) ? sh : ct_shadow_new();
}

/* Stores the extension record that heads len bytes of values of `type`
 * (signature sig, timestamp ticks) at dst. */
CT_NOINST static inline void ct_store_header(uint64_t *dst, uint64_t ticks, unsigned type,
                                             uint32_t sig, size_t len)
{
    __atomic_store_n(&dst[0], CT_EV_WORD(ticks, CT_EV_EXT), __ATOMIC_RELAXED);
    __atomic_store_n(&dst[1], CT_EXT_ADDR(type, ((uint64_t)sig << 32) | len), __ATOMIC_RELAXED);
}

/* Stores that record and its payload, len bytes at data, at dst. data has
 * 16 bytes of room after len, zeroed here: the last record's tail. Returns
 * the records. */
__attribute__((always_inline)) CT_NOINST static inline uint32_t
ct_store_values(uint64_t *dst, uint64_t ticks, unsigned type, uint32_t sig, uint8_t *data,
                size_t len)
{
    uint32_t k = 1 + (uint32_t)CT_EXT_PAYLOAD_EVENTS(len);
    ct_store_header(dst, ticks, type, sig, len);
    memset(data + len, 0, 16);
    for (size_t i = 0; i < (size_t)(k - 1) * 2; i++) {
        uint64_t w;
        memcpy(&w, data + i * 8, 8);
        __atomic_store_n(&dst[2 + i], w, __ATOMIC_RELAXED);
    }
    return k;
}

/* Appends the extension record and its payload (as ct_store_values), with
 * the timestamp of the record before; t->busy is held. */
CT_NOINST static void ct_put_values(struct ct_thread *t, unsigned type, uint32_t sig,
                                    uint8_t *data, size_t len)
{
    uint32_t k = 1 + (uint32_t)CT_EXT_PAYLOAD_EVENTS(len);
    uint32_t c = atomic_load_explicit(&t->count, memory_order_relaxed);
    uint64_t ticks = c ? CT_EV_TICKS(&t->buf[c - 1]) : ct_clock_ticks();
    struct ct_event *e = CT_LIKELY(c + k <= t->cap) ? t->buf + c : ct_thread_reserve(t, k);
    ct_thread_commit(t, ct_store_values((uint64_t *)e, ticks, type, sig, data, len));
}

/* A small return value's payload into w (room for 5 words): fn, status,
 * and the value's size bytes when the status is CT_VAL_OK. Its length. */
CT_NOINST static inline size_t ct_small_ret(uint64_t w[5], uint64_t fn, uint8_t st, uint64_t v,
                                            unsigned size)
{
    if (st != CT_VAL_OK)
        v = 0; /* whatever a failed read left: not recorded */
    w[0] = fn;
    w[1] = v << 8 | st;
    w[2] = v >> 56;
    return st == CT_VAL_OK ? 9u + size : 9u;
}

/* Stores the exit of fn at t->buf[c] and, with d, its return value of
 * d->ret_small bytes (status st, value v). Returns the records written (at
 * most 4). */
__attribute__((always_inline)) CT_NOINST static inline uint32_t
ct_store_exit(struct ct_thread *t, uint32_t c, uint64_t ticks, uint64_t fn,
              const struct ct_fdesc *d, uint8_t st, uint64_t v)
{
    uint64_t *dst = (uint64_t *)&t->buf[c];
    __atomic_store_n(&dst[0], CT_EV_WORD(ticks, CT_EV_EXIT), __ATOMIC_RELAXED);
    __atomic_store_n(&dst[1], fn, __ATOMIC_RELAXED);
    if (!d)
        return 1;
    uint64_t w[5];
    size_t len = ct_small_ret(w, fn, st, v, d->ret_small);
    ct_store_header(dst + 2, ticks, CT_EXT_RETVAL, d->sig, len);
    __atomic_store_n(&dst[4], w[0], __ATOMIC_RELAXED); /* whole words: no tail to clear */
    __atomic_store_n(&dst[5], w[1], __ATOMIC_RELAXED);
    if (len <= 16)
        return 3;
    __atomic_store_n(&dst[6], w[2], __ATOMIC_RELAXED);
    __atomic_store_n(&dst[7], 0, __ATOMIC_RELAXED);
    return 4;
}

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
    sh->busy = 1;
    atomic_signal_fence(memory_order_seq_cst);
    uint32_t n = sh->n;
    while (n > 0 && sh->e[n - 1].cfa <= cfa && ct_same_stack(t, sh->e[n - 1].cfa, cfa))
        n--; /* frames a longjmp abandoned */
    if (n < sh->cap) {
        sh->e[n] = (struct ct_shent){cfa, site, fn, d, sp, 0};
        sh->n = n + 1;
        atomic_signal_fence(memory_order_seq_cst);
        *slot = (uint64_t)(uintptr_t)ct_ret_tramp;
    } else {
        sh->n = n;
    }
    atomic_signal_fence(memory_order_seq_cst);
    sh->busy = 0;
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
    struct ct_shadow *sh = d ? ct_shadow() : NULL;
    if (sh) {
        uint64_t hpc = ((const uint64_t *)(uintptr_t)sp)[-1];
        uint8_t *buf = sh->buf;
        size_t len;
        uint64_t cfa = 0;
        if (d->hook_pc == hpc && d->cfa_reg >= 0) {
            cfa = r->reg[d->cfa_reg] + (uint64_t)d->cfa_off;
            len = ct_put_args(t, d, r->reg, sp, cfa, (uint64_t)(uintptr_t)site, buf);
        } else { /* not the call site it was described for: no values */
            memset(buf, CT_VAL_OUT, d->nparams);
            len = d->nparams;
        }
        ct_put_values(t, CT_EXT_ARGS, d->sig, buf, len);
        if (cfa && ct_capture_retval && !d->ret_at_exit)
            ct_hijack(t, sh, d, (uint64_t)(uintptr_t)fn, (uint64_t)(uintptr_t)site, cfa, sp);
    }
    atomic_signal_fence(memory_order_seq_cst);
    t->busy = 0;
}

/* The enter of the capturing hook set. The usual case, a described
 * function entered at the call site it was described for, on top of the
 * open calls, is done here in one go: the enter record and the values in
 * one reservation, one timestamp, one count update. Parameters that all
 * have a direct plan are read inline (ct_put_direct); the others go
 * through ct_put_args. */
void ct_args_enter_c(void *fn, void *site, uint64_t gate, uint64_t sp, const struct ct_cregs *r)
{
    site = ct_real_site(site);
    uint64_t hpc = ((const uint64_t *)(uintptr_t)sp)[-1];
    struct ct_thread *t = ct_self;
    const struct ct_fdesc *d = ct_ftab_find(&ct_capture_tab, (uint64_t)(uintptr_t)fn);
    struct ct_shadow *sh = ct_sh;
    if (CT_LIKELY(t && t->gate_seen == gate && !t->busy && d && sh && d->hook_pc == hpc &&
                  d->cfa_reg >= 0)) {
        t->busy = 1;
        atomic_signal_fence(memory_order_seq_cst);
        uint32_t dep = t->depth, n = atomic_load_explicit(&t->count, memory_order_relaxed);
        if (CT_LIKELY(ct_enter_fits(t, dep, sp, hpc, (uint64_t)(uintptr_t)site))) {
            uint64_t ticks = ct_hook_tsc ? __rdtsc() : ct_clock_ticks();
            uint64_t cfa = r->reg[d->cfa_reg] + (uint64_t)d->cfa_off;
            uint64_t w[CT_SMALL_ARGS / 8 + 2] = {0};
            uint8_t *vals = (uint8_t *)w;
            size_t len = d->small_len;
            if (CT_LIKELY(len)) {
                ct_put_direct(t, d, r->reg, sp, vals);
            } else { /* strings, structs, DWARF expressions */
                len = ct_put_args(t, d, r->reg, sp, cfa, (uint64_t)(uintptr_t)site, sh->buf);
                vals = sh->buf;
            }
            uint32_t k = 1 + (uint32_t)CT_EXT_PAYLOAD_EVENTS(len); /* the values' records */
            if (CT_LIKELY(n + 1 + k <= t->cap)) {
                t->sps[dep] = (struct ct_open_frame){sp, hpc, (uint64_t)(uintptr_t)site,
                                                     (uint64_t)(uintptr_t)fn};
                t->depth = dep + 1;
                uint64_t *dst = (uint64_t *)&t->buf[n];
                __atomic_store_n(&dst[0], CT_EV_WORD(ticks, CT_EV_ENTER), __ATOMIC_RELAXED);
                __atomic_store_n(&dst[1], (uint64_t)(uintptr_t)fn, __ATOMIC_RELAXED);
                ct_store_values(dst + 2, ticks, CT_EXT_ARGS, d->sig, vals, len);
                atomic_store_explicit(&t->count, n + 1 + k, memory_order_release);
                if (ct_capture_retval && !d->ret_at_exit)
                    ct_hijack(t, sh, d, (uint64_t)(uintptr_t)fn, (uint64_t)(uintptr_t)site, cfa, sp);
                atomic_signal_fence(memory_order_seq_cst);
                t->busy = 0;
                return;
            }
        }
        atomic_signal_fence(memory_order_seq_cst);
        t->busy = 0;
    }
    ct_args_enter_slow(fn, site, gate, sp, r);
}

/* ---- return -------------------------------------------------------------- */

/* True when e's call is the thread's innermost open call: its exit is not
 * recorded yet. The exit hook leaves a hijacked call's exit to the
 * trampoline, which records it with the return value in one go. */
CT_NOINST static inline bool ct_exit_pending(const struct ct_thread *t, const struct ct_shent *e)
{
    uint32_t d = t->depth;
    return d - 1 < ct_max_depth && t->sps[d - 1].sp == e->sp && t->sps[d - 1].fn == e->fn;
}

/* After e's call returned (rr: its return registers) or was unwound (rr
 * NULL): its exit if still pending, then its return value or the mark that
 * says unwound. */
CT_NOINST static void ct_record_ret(const struct ct_shent *e, const struct ct_retregs *rr)
{
    struct ct_thread *t = ct_self;
    uint64_t g = atomic_load_explicit(&ct_gate, memory_order_relaxed);
    const struct ct_fdesc *d = e->d;
    if (!t || CT_GATE_HOOK(g) != CT_HOOK_REC_ARGS || t->gate_seen != g)
        return; /* stopped, or a new region: the call is not in it */
    if (ct_exit_pending(t, e)) {
        /* sp: the frame's CFA, whose word below (the hook reads it) is mapped */
        if (!(t = ct_hook_hold((void *)(uintptr_t)e->fn, NULL, g, CT_EV_EXIT, e->cfa)))
            return;
    } else {
        if (t->busy)
            return;
        t->busy = 1;
        atomic_signal_fence(memory_order_seq_cst);
    }
    if (rr && !d->ret) {
        /* void: nothing to add to the exit */
    } else if (rr && d->ret_small) { /* a scalar in rax or xmm0: fn, status, value */
        uint64_t v, w[5];
        memcpy(&v, d->ret_class[0] == CT_RC_INT ? (const void *)&rr->rax : (const void *)rr->xmm0, 8);
        v &= ct_size_mask[d->ret_small];
        ct_put_values(t, CT_EXT_RETVAL, d->sig, (uint8_t *)w,
                      ct_small_ret(w, e->fn, CT_VAL_OK, v, d->ret_small));
    } else {
        struct ct_shadow *sh = ct_shadow();
        if (sh)
            ct_put_values(t, CT_EXT_RETVAL, d->sig, sh->buf, ct_put_ret(sh->buf, e->fn, e->d, rr));
    }
    atomic_signal_fence(memory_order_seq_cst);
    t->busy = 0;
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
    if (k == 0) { /* cannot happen: the trampoline is only ever planted with an entry */
        ct_log("return trampoline without its shadow entry (cfa %#llx): aborting",
               (unsigned long long)cfa);
        abort();
    }
    sh->busy = 1;
    atomic_signal_fence(memory_order_seq_cst);
    struct ct_shent e = sh->e[k - 1];
    struct ct_thread *t = ct_self;
    uint32_t w = k - 1;
    for (uint32_t i = k; i < sh->n; i++)
        if (!(sh->e[i].cfa < cfa && t && ct_same_stack(t, sh->e[i].cfa, cfa))) {
            sh->e[w++] = sh->e[i];
        }
    sh->n = w;
    atomic_signal_fence(memory_order_seq_cst);
    sh->busy = 0;
    return e;
}

uint64_t ct_ret_c(struct ct_retregs *rr)
{
    struct ct_shadow *sh = ct_sh;
    uint64_t cfa = rr->cfa;
    uint32_t n = sh ? sh->n : 0;
    struct ct_shent e;
    if (CT_LIKELY(n > 0 && sh->e[n - 1].cfa == cfa)) { /* the innermost, as it should be */
        sh->busy = 1;
        atomic_signal_fence(memory_order_seq_cst);
        e = sh->e[n - 1];
        sh->n = n - 1;
        atomic_signal_fence(memory_order_seq_cst);
        sh->busy = 0;
    } else {
        e = ct_ret_find(sh, cfa);
    }
    /* the usual case: the exit hook left the exit here, the value is a
     * scalar or nothing; the exit and the value in one reservation */
    struct ct_thread *t = ct_self;
    uint64_t g = atomic_load_explicit(&ct_gate, memory_order_relaxed);
    const struct ct_fdesc *d = e.d;
    if (CT_LIKELY(t && (e.flags & CT_SH_EXITED) && CT_GATE_HOOK(g) == CT_HOOK_REC_ARGS &&
                  t->gate_seen == g && !t->busy && (!d->ret || d->ret_small))) {
        t->busy = 1;
        atomic_signal_fence(memory_order_seq_cst);
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
            atomic_signal_fence(memory_order_seq_cst);
            t->busy = 0;
            return e.ra;
        }
        atomic_signal_fence(memory_order_seq_cst);
        t->busy = 0;
    }
    ct_record_ret(&e, rr);
    return e.ra;
}

/* The argument-capturing set's exit hook. A hijacked call returning
 * normally: nothing, the trampoline records its exit with its return value.
 * A call whose return value the exit hook call site tells where to find
 * (struct ct_xsite): the exit and the value in one go. Otherwise the exit,
 * and for a frame an exception is unwinding, the mark that says so. */
void ct_args_exit_c(void *fn, void *site, uint64_t gate, uint64_t sp, const struct ct_cregs *r)
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
            sh->busy = 1;
            atomic_signal_fence(memory_order_seq_cst);
            struct ct_shent e = sh->e[--sh->n];
            atomic_signal_fence(memory_order_seq_cst);
            sh->busy = 0;
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
        t->busy = 1;
        atomic_signal_fence(memory_order_seq_cst);
        uint32_t dep = t->depth, c = atomic_load_explicit(&t->count, memory_order_relaxed);
        if (CT_LIKELY(ct_exit_fits(t, dep, (uint64_t)(uintptr_t)fn) && c + 4 <= t->cap)) {
            t->depth = dep - 1;
            uint64_t ticks = ct_hook_tsc ? __rdtsc() : ct_clock_ticks();
            uint64_t v = 0;
            uint8_t st = ct_rplan_read(&xs->plan, r->reg, t, sp, d->ret_small, &v);
            c += ct_store_exit(t, c, ticks, (uint64_t)(uintptr_t)fn, d, st, v);
            atomic_store_explicit(&t->count, c, memory_order_release);
            atomic_signal_fence(memory_order_seq_cst);
            t->busy = 0;
            return;
        }
        atomic_signal_fence(memory_order_seq_cst);
        t->busy = 0;
        /* a full buffer, frames left by longjmp: the hooks' own path */
        if (!(t = ct_hook_hold(fn, site, gate, CT_EV_EXIT, sp)))
            return;
        uint64_t v = 0, w[5];
        uint8_t st = ct_rplan_read(&xs->plan, r->reg, t, sp, d->ret_small, &v);
        ct_put_values(t, CT_EXT_RETVAL, d->sig, (uint8_t *)w,
                      ct_small_ret(w, (uint64_t)(uintptr_t)fn, st, v, d->ret_small));
        atomic_signal_fence(memory_order_seq_cst);
        t->busy = 0;
        return;
    }
    ct_hook_event(fn, site, gate, CT_EV_EXIT, sp); /* an exit's site is not recorded */
}

_Unwind_Reason_Code ct_tramp_personality(int version, _Unwind_Action actions,
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
    uint64_t *slot = (uint64_t *)(uintptr_t)(cfa - 8);
    if (*slot == (uint64_t)(uintptr_t)ct_ret_tramp)
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
    sh->busy = 1;
    atomic_signal_fence(memory_order_seq_cst);
    sh->n = k - 1;
    atomic_signal_fence(memory_order_seq_cst);
    sh->busy = 0;
    ct_record_ret(&e, NULL);
    return _URC_CONTINUE_UNWIND;
}

/* ---- probes and init ----------------------------------------------------- */

bool ct_probe_recover(void *ucontext)
{
    ucontext_t *uc = ucontext;
    greg_t *ip = &uc->uc_mcontext.gregs[REG_RIP];
    if ((uintptr_t)*ip >= (uintptr_t)ct_probe_lo && (uintptr_t)*ip < (uintptr_t)ct_probe_hi) {
        *ip = (greg_t)(uintptr_t)ct_probe_fault;
        return true;
    }
    return false;
}

void ct_capture_early(void)
{
    ct_sh_key_ok = pthread_key_create(&ct_sh_key, ct_shadow_free) == 0;
}

int ct_capture_init(void)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0)
        return -1;
    exe[n] = '\0';
    long k = ct_ftab_load(&ct_capture_tab, exe, ct_exe_bias(), true);
    if (k < 0) {
        ct_log("CALLTRACE_CAPTURE_ARGS: no usable DWARF in %s: recording without values", exe);
        return -1;
    }
    ct_capture_retval = ct_cfg.capture_retval;
    long at_exit = 0;
    for (size_t i = 0; i < ct_capture_tab.fns.nslots; i++) {
        const struct ct_fdesc *d = ct_capture_tab.fns.slots[i];
        at_exit += d && d->ret_at_exit;
    }
    ct_debug("capture: %ld functions described, %ld return at the exit hook (no trampoline)", k,
             at_exit);
    return 0;
}
