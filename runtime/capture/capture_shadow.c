/* capture_shadow.c — the per-thread shadow stack of hijacked returns
 * (capture_shadow.h): mapped on a thread's first capture, emptied at its
 * end; and the slow paths that record values into a thread's buffer. */
#include <errno.h>
#include <pthread.h>
#include <sys/mman.h>

#include "base/busy.h"
#include "capture/capture_shadow.h"

__thread struct ct_shadow *ct_sh __attribute__((tls_model("initial-exec")));
static pthread_key_t ct_sh_key;
static bool ct_sh_key_ok;

CT_NOINST static size_t ct_shadow_bytes(void)
{
    return sizeof(struct ct_shadow) + CT_SHADOW_CAP * sizeof(struct ct_shent) + CT_VALUES_MAX + 16;
}

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
__attribute__((noinline, cold)) CT_INTERNAL struct ct_shadow *ct_shadow_new(void)
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

CT_INTERNAL void ct_capture_early(void)
{
    ct_sh_key_ok = pthread_key_create(&ct_sh_key, ct_shadow_free) == 0;
}

CT_INTERNAL void ct_put_values(struct ct_thread *t, unsigned type, uint32_t sig, uint8_t *data, size_t len)
{
    uint32_t k = 1 + (uint32_t)CT_EXT_PAYLOAD_EVENTS(len);
    uint32_t c = atomic_load_explicit(&t->count, memory_order_relaxed);
    uint64_t ticks = c ? CT_EV_TICKS(&t->buf[c - 1]) : ct_clock_ticks();
    struct ct_event *e = CT_LIKELY(c + k <= t->cap) ? t->buf + c : ct_thread_reserve(t, k);
    ct_thread_commit(t, ct_store_values((uint64_t *)e, ticks, type, sig, data, len));
}

CT_INTERNAL void ct_record_ret(const struct ct_shent *e, const struct ct_retregs *rr)
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
    } else if (!ct_busy_enter(&t->busy)) {
        return;
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
    ct_busy_leave(&t->busy);
}

