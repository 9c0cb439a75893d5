/* capture_priv.h — what the recording side of capture (capture.c: hooks,
 * trampoline, shadow stack) and the value readers (capture_read.c: DWARF
 * locations, strings, return registers) share. Internal to them. */
#ifndef CT_CAPTURE_PRIV_H
#define CT_CAPTURE_PRIV_H

#include <string.h>

#include "capture/capture.h"
#include "record/thread.h"

/* The instrumented function's registers at the enter (or exit) hook call,
 * as hooks_entry.S / capture_entry.S save them: reg[] in DWARF numbering
 * (xmm0-7: their low eightbytes), valid the mask of those saved. Without
 * ct_enter_regs rax, rdx, rcx and r8 are missing (the hook entry used
 * them). */
struct ct_cregs {
    uint64_t reg[32];
    uint64_t valid;
};
_Static_assert(sizeof(struct ct_cregs) == 264, "the layout hooks_entry.S and capture_entry.S fill");
struct ct_retregs {
    uint64_t rax, rdx;
    uint8_t xmm0[16], xmm1[16];
    uint64_t cfa;
};

/* The low n bytes of a value: ct_size_mask[n], n <= 8. */
extern const uint64_t ct_size_mask[9];
/* Room one value may need at most. */
#define CT_ONE_VALUE_MAX (1 + CT_VAL_BYTES + 1 + CT_VAL_BYTES + 3 + CT_STR_BYTES)

/* n bytes at src through the fault-safe probe: CT_VAL_OK or _UNREADABLE. */
CT_INTERNAL int ct_read_mem(void *dst, uint64_t src, size_t n);

/* The size bytes at p (the program's own stack), exactly those: no more,
 * which a sanitizer would rightly call an overflow of the variable. */
CT_NOINST static inline uint64_t ct_load(uint64_t p, unsigned size)
{
    const void *s = (const void *)(uintptr_t)p;
    switch (size) {
    case 1: { uint8_t x; memcpy(&x, s, 1); return x; }
    case 2: { uint16_t x; memcpy(&x, s, 2); return x; }
    case 4: { uint32_t x; memcpy(&x, s, 4); return x; }
    case 8: { uint64_t x; memcpy(&x, s, 8); return x; }
    default: { uint64_t x = 0; memcpy(&x, s, size < 8 ? size : 8); return x; }
    }
}

/* ct_put_args for a descriptor whose parameters are all read directly
 * (small_len): into w, zeroed, room for small_len + 8 bytes. */
__attribute__((always_inline)) CT_NOINST static inline void
ct_put_direct(const struct ct_thread *t, const struct ct_fdesc *d, const uint64_t *reg,
              uint64_t sp, uint8_t *w)
{
    uint64_t hi = sp >= t->stack_lo && sp < t->stack_hi ? t->stack_hi : sp;
    size_t len = 0;
    for (uint16_t i = 0; i < d->nparams; i++) {
        const struct ct_plan *p = &d->plan[i];
        uint64_t v = 0;
        uint8_t st = CT_VAL_OK;
        if (p->how == CT_HOW_REG) {
            v = reg[p->reg];
        } else if (p->how == CT_HOW_MEM) {
            uint64_t a = reg[p->reg] + (uint64_t)(int64_t)p->off;
            if (CT_LIKELY(a >= sp && hi - sp >= 8 && a - sp <= hi - sp - 8))
                v = ct_load(a, p->size); /* the frame's own stack */
            else
                st = (uint8_t)ct_read_mem(&v, a, p->size);
        } else {
            st = CT_VAL_OUT;
        }
        w[len] = st;
        if (st != CT_VAL_OK) {
            len++;
            continue;
        }
        v &= ct_size_mask[p->size];
        memcpy(w + len + 1, &v, 8);
        len += 1u + p->size;
    }
}

/* The values of d's parameters into buf (the general path: any plan,
 * DWARF expressions, strings). Returns the length. */
CT_INTERNAL size_t ct_put_args(const struct ct_thread *t, const struct ct_fdesc *d,
                               const struct ct_cregs *r, uint64_t sp, uint64_t cfa, uint64_t site,
                               uint8_t *buf);
/* A return value's record into buf (the general path): fn, status, value
 * and what follows it; with rr NULL, fn and CT_VAL_UNWOUND. The length. */
CT_INTERNAL size_t ct_put_ret(uint8_t *buf, uint64_t fn, const struct ct_fdesc *d,
                              const struct ct_retregs *rr);
/* A return value by its exit-hook plan, from the registers at the exit hook:
 * its status, the value in *v. */
CT_INTERNAL uint8_t ct_rplan_read(const struct ct_rplan *p, const uint64_t *reg,
                                  const struct ct_thread *t, uint64_t sp, unsigned size,
                                  uint64_t *v);

#endif
