/* cfa.c — see cfa.h. */
#include "record/cfa.h"

uint64_t ct_cfa_table[CT_CFA_SLOTS];

/* How far up the stack the return address is looked for (the frame of the
 * function at its enter hook: saved registers and locals). */
#define CT_CFA_SCAN_BYTES (256u * 1024u)

/* It reads the instrumented function's frame as raw words, redzones included:
 * not for AddressSanitizer's eyes. */
__attribute__((no_sanitize("address"))) uint64_t ct_cfa_find(const struct ct_thread *t, uint64_t sp,
                                                           uint64_t hpc, uint64_t site)
{
    /* only on the thread's own stack, whose end is known */
    if (sp - t->stack_lo >= t->stack_hi - t->stack_lo || (sp & 7u))
        return sp;
    uint64_t end = t->stack_hi - sp > CT_CFA_SCAN_BYTES ? sp + CT_CFA_SCAN_BYTES : t->stack_hi;
    for (uint64_t a = sp; a + sizeof(uint64_t) <= end; a += sizeof(uint64_t)) {
        if (*(const uint64_t *)(uintptr_t)a != site)
            continue;
        uint64_t cfa = a + sizeof(uint64_t); /* the return address sits just below it */
        uint64_t dist = cfa - sp;
        if (dist <= CT_CFA_MAX_DIST && hpc >> 48 == 0)
            __atomic_store_n(&ct_cfa_table[hpc & (CT_CFA_SLOTS - 1)], hpc << 16 | dist,
                             __ATOMIC_RELAXED);
        return cfa;
    }
    return sp;
}
