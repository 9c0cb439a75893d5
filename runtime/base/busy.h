/* busy.h — the one re-entrancy guard. Internal.
 *
 * A word per thread (or per shadow stack) says "inside the runtime". A signal
 * handler that interrupts the runtime and runs instrumented code sees it set
 * and takes the slow, counting path instead of touching half-updated state.
 * Only the thread itself (and its signal handlers) touch the word, so plain
 * stores ordered by compiler fences are enough: no atomics on the hot path.
 *
 *     if (!ct_busy_enter(&t->busy)) return counted_drop();
 *     ... update t ...
 *     ct_busy_leave(&t->busy);
 */
#ifndef CT_BUSY_H
#define CT_BUSY_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/ct.h"

/* Sets the guard. Returns false (and changes nothing) when it was set: the
 * caller interrupted the runtime on its own thread. */
__attribute__((always_inline)) CT_NOINST static inline bool ct_busy_enter(volatile uint32_t *b)
{
    if (*b)
        return false;
    *b = 1;
    atomic_signal_fence(memory_order_seq_cst);
    return true;
}

/* Sets the guard the caller knows to be clear. */
__attribute__((always_inline)) CT_NOINST static inline void ct_busy_set(volatile uint32_t *b)
{
    *b = 1;
    atomic_signal_fence(memory_order_seq_cst);
}

/* Clears the guard: everything written before is visible to a handler that
 * then interrupts this thread. */
__attribute__((always_inline)) CT_NOINST static inline void ct_busy_leave(volatile uint32_t *b)
{
    atomic_signal_fence(memory_order_seq_cst);
    *b = 0;
}

#endif
