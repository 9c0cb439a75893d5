/* capture_tab.c — the lookup tables of the capture descriptors (capture.h,
 * struct ct_keyed): records whose first field is their uint64_t key, found
 * by that key. Built once by the reader (capture_dwarf.c), read-only
 * afterwards; ct_ftab_find() runs on every enter of the capturing hooks. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "base/hash.h"
#include "capture/capture_dwarf_priv.h"

#define CT_KEYED_MIN_SLOTS 16u
/* A key's home slot: the top 24 bits of the runtime's hash (base/hash.h),
 * masked (a table has at most 2^24 slots). A shift by a constant: this runs
 * on every enter of the capturing hooks. */
#define CT_KEYED_SHIFT 40

_Static_assert(offsetof(struct ct_fdesc, fn) == 0, "descriptors are keyed by their first field");
_Static_assert(offsetof(struct ct_csite, ret_pc) == 0, "call sites are keyed by their first field");
_Static_assert(offsetof(struct ct_xsite, ret_pc) == 0, "exit sites are keyed by their first field");
_Static_assert(offsetof(struct ct_isite, hook_pc) == 0, "inlined hook calls are keyed by their first field");

CT_NOINST static inline uint64_t ct_key_of(const void *rec)
{
    uint64_t k;
    memcpy(&k, rec, sizeof k);
    return k;
}

CT_NOINST static inline size_t ct_keyed_home(uint64_t key, size_t nslots)
{
    return (size_t)((key * CT_HASH_MUL) >> CT_KEYED_SHIFT) & (nslots - 1);
}

CT_NOINST static const void *ct_keyed_find(const struct ct_keyed *k, uint64_t key)
{
    if (!k->nslots)
        return NULL;
    for (size_t i = ct_keyed_home(key, k->nslots);; i = (i + 1) & (k->nslots - 1))
        if (!k->slots[i] || ct_key_of(k->slots[i]) == key)
            return k->slots[i];
}

CT_INTERNAL bool ct_keyed_build(struct ct_keyed *k, const struct ct_cap_vec *vec)
{
    size_t ns = CT_KEYED_MIN_SLOTS;
    while (ns < vec->n * 2 + CT_KEYED_MIN_SLOTS) /* load under 1/2 */
        ns *= 2;
    if (!(k->slots = calloc(ns, sizeof(*k->slots))))
        return false;
    k->nslots = ns;
    for (size_t i = 0; i < vec->n; i++) {
        uint64_t key = ct_key_of(vec->v[i]);
        size_t j = ct_keyed_home(key, ns);
        while (k->slots[j] && ct_key_of(k->slots[j]) != key)
            j = (j + 1) & (ns - 1);
        if (!k->slots[j]) {
            k->slots[j] = vec->v[i];
            k->n++;
        }
    }
    return true;
}

CT_INTERNAL const struct ct_fdesc *ct_ftab_find(const struct ct_ftab *tab, uint64_t fn)
{
    return ct_keyed_find(&tab->fns, fn);
}

CT_INTERNAL const struct ct_csite *ct_ftab_callsite(const struct ct_ftab *tab, uint64_t ret_pc)
{
    return ct_keyed_find(&tab->sites, ret_pc);
}

CT_INTERNAL const struct ct_xsite *ct_ftab_exit(const struct ct_ftab *tab, uint64_t ret_pc)
{
    return ct_keyed_find(&tab->exits, ret_pc);
}

CT_INTERNAL const struct ct_fdesc *ct_ftab_inline(const struct ct_ftab *tab, uint64_t hook_pc, uint64_t fn)
{
    const struct ct_isite *s = ct_keyed_find(&tab->inl, hook_pc);
    return s && s->d->fn == fn ? s->d : NULL;
}

CT_INTERNAL void ct_ftab_free(struct ct_ftab *tab)
{
    free(tab->inl.slots);
    free(tab->fns.slots);
    free(tab->sites.slots);
    free(tab->exits.slots);
    if (tab->arena) {
        ct_arena_free(tab->arena);
        free(tab->arena);
    }
    memset(tab, 0, sizeof(*tab));
}
