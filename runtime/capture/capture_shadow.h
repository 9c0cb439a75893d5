/* capture_shadow.h — what the recording side of capture shares
 * (capture.c: the enter and exit hooks; capture_return.c: the return
 * trampoline's side; capture_shadow.c): the per-thread shadow stack of
 * hijacked returns, and the stores of value records into a thread's
 * buffer. Internal to them. */
#ifndef CT_CAPTURE_SHADOW_H
#define CT_CAPTURE_SHADOW_H

#include <stdatomic.h>
#include <string.h>

#include "base/clock.h"
#include "capture/capture_priv.h"
#include "record/hooks.h"
#include "record/thread.h"

/* ---- the shadow stack ---------------------------------------------------- */

enum {
    CT_SH_UNWINDING = 1u, /* an exception passes the frame (ct_tramp_personality) */
    CT_SH_EXITED = 2u,    /* the exit hook ran and left the exit to the trampoline */
};
struct ct_shent {
    uint64_t cfa, ra, fn;
    const struct ct_fdesc *d;
    uint64_t sp; /* the open call's key (its CFA, record/cfa.h): tells it among the thread's */
    uint64_t flags; /* CT_SH_* */
};
#define CT_SHADOW_CAP 2048u
#define CT_SHADOW_LOST 16u /* entries the stack heuristics dropped, kept for a second look */
struct ct_shadow {
    uint32_t n, cap;
    volatile uint32_t busy;
    uint8_t *buf;   /* CT_VALUES_MAX + 16: the values being recorded (under t->busy) */
    /* The last entries dropped as frames a longjmp abandoned (ct_hijack,
     * ct_ret_find), oldest overwritten first: should a stack switch the
     * heuristics do not see prove one still live, its return finds it here. */
    uint32_t nlost;
    struct ct_shent lost[CT_SHADOW_LOST];
    struct ct_shent e[];
};
/* The thread's shadow stack, NULL until its first capture. */
extern __thread struct ct_shadow *ct_sh __attribute__((tls_model("initial-exec"), visibility("hidden")));

/* The thread's first capture: maps its shadow stack (NULL when it cannot). */
CT_INTERNAL struct ct_shadow *ct_shadow_new(void);

CT_NOINST static inline struct ct_shadow *ct_shadow(void)
{
    struct ct_shadow *sh = ct_sh;
    return CT_LIKELY(sh != NULL) ? sh : ct_shadow_new();
}

/* Keeps a dropped entry among the lost ones (sh->busy held). */
CT_NOINST static inline void ct_shadow_drop(struct ct_shadow *sh, const struct ct_shent *e)
{
    sh->lost[sh->nlost++ % CT_SHADOW_LOST] = *e;
}

/* After e's call returned (rr: its return registers) or was unwound (rr
 * NULL): its exit if still pending, then its return value or the mark that
 * says unwound. */
CT_INTERNAL void ct_record_ret(const struct ct_shent *e, const struct ct_retregs *rr);

/* True when e's call is the thread's innermost open call: its exit is not
 * recorded yet. The exit hook leaves a hijacked call's exit to the
 * trampoline, which records it with the return value in one go. */
CT_NOINST static inline bool ct_exit_pending(const struct ct_thread *t, const struct ct_shent *e)
{
    uint32_t d = t->depth;
    return d - 1 < ct_max_depth && t->sps[d - 1].sp == e->sp && t->sps[d - 1].fn == e->fn;
}

/* ---- value records ------------------------------------------------------- */

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
CT_INTERNAL void ct_put_values(struct ct_thread *t, unsigned type, uint32_t sig, uint8_t *data, size_t len);

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

#endif
