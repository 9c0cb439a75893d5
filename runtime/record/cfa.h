/* cfa.h — the canonical frame address of an instrumented function, at its
 * enter hook. Internal.
 *
 * Open frames are compared by their CFA (the caller's stack pointer before
 * the call), which does not depend on the callee's frame size: after a
 * longjmp abandoned a small frame, a bigger one made from the same caller
 * has the same CFA, not a lower one, so it is not taken for its child.
 *
 * At a given enter-hook call (its return address, hpc) the distance from the
 * function's stack pointer to its CFA is fixed. It is found once, by looking
 * up the stack for the function's return address (the `site` the hook gets),
 * and kept in a direct-mapped table of CT_CFA_SLOTS words, "hpc << 16 |
 * distance", read and written with relaxed atomics: a collision only costs
 * the next enter at that site another look. */
#ifndef CT_CFA_H
#define CT_CFA_H

#include <stdint.h>

#include "base/ct.h"
#include "record/thread.h"

#define CT_CFA_SLOTS 4096u
#define CT_CFA_MAX_DIST 0xffffu /* farther CFAs are looked up every time */
extern uint64_t ct_cfa_table[CT_CFA_SLOTS];

/* The CFA when the table does not know hpc: looks up the stack from sp (not
 * past the thread's stack) for `site`, remembers the distance. Falls back to
 * sp itself when it is not found (a signal or coroutine stack). */
CT_INTERNAL uint64_t ct_cfa_find(const struct ct_thread *t, uint64_t sp, uint64_t hpc,
                                 uint64_t site);

/* The fast path's look: true, with *cfa, when the table knows hpc. A miss
 * takes the slow path, which calls ct_cfa() (no call here: the fast path
 * keeps its registers). */
__attribute__((always_inline)) CT_NOINST static inline bool ct_cfa_known(uint64_t sp, uint64_t hpc,
                                                                       uint64_t *cfa)
{
    uint64_t e = __atomic_load_n(&ct_cfa_table[hpc & (CT_CFA_SLOTS - 1)], __ATOMIC_RELAXED);
    *cfa = sp + (e & CT_CFA_MAX_DIST);
    return e >> 16 == hpc;
}

__attribute__((always_inline)) CT_NOINST static inline uint64_t
ct_cfa(const struct ct_thread *t, uint64_t sp, uint64_t hpc, uint64_t site)
{
    uint64_t cfa;
    if (CT_LIKELY(ct_cfa_known(sp, hpc, &cfa)))
        return cfa;
    return ct_cfa_find(t, sp, hpc, site);
}

#endif
