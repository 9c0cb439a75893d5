/* capture_tab.c — the lookup tables of the capture descriptors (capture.h,
 * struct ct_keyed): records whose first field is their uint64_t key, found
 * by that key. Built once by the reader (capture_dwarf.c), read-only
 * afterwards; ct_ftab_find() runs on every enter of the capturing hooks. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "base/hash.h"
#include "capture/capture_dwarf_priv.h"

#define CT_KEYED_MIN_BITS 4 /* 16 slots at least */

_Static_assert(offsetof(struct ct_fdesc, fn) == 0, "descriptors are keyed by their first field");
_Static_assert(offsetof(struct ct_csite, ret_pc) == 0, "call sites are keyed by their first field");
_Static_assert(offsetof(struct ct_xsite, ret_pc) == 0, "exit sites are keyed by their first field");

CT_NOINST static inline uint64_t ct_key_of(const void *rec)
{
    uint64_t k;
    memcpy(&k, rec, sizeof k);
    return k;
}

CT_NOINST static const void *ct_keyed_find(const struct ct_keyed *k, uint64_t key)
{
    if (!k->nslots)
        return NULL;
    for (size_t i = ct_hash_slot(key, k->bits);; i = (i + 1) & (k->nslots - 1))
        if (!k->slots[i] || ct_key_of(k->slots[i]) == key)
            return k->slots[i];
}

CT_INTERNAL bool ct_keyed_build(struct ct_keyed *k, const struct ct_cap_vec *vec)
{
    unsigned bits = CT_KEYED_MIN_BITS;
    while (((size_t)1 << bits) < vec->n * 2 + ((size_t)1 << CT_KEYED_MIN_BITS)) /* load under 1/2 */
        bits++;
    size_t ns = (size_t)1 << bits;
    if (!(k->slots = calloc(ns, sizeof(*k->slots))))
        return false;
    k->nslots = ns;
    k->bits = bits;
    for (size_t i = 0; i < vec->n; i++) {
        uint64_t key = ct_key_of(vec->v[i]);
        size_t j = ct_hash_slot(key, bits);
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

CT_INTERNAL void ct_ftab_free(struct ct_ftab *tab)
{
    free(tab->fns.slots);
    free(tab->sites.slots);
    free(tab->exits.slots);
    if (tab->arena) {
        ct_arena_free(tab->arena);
        free(tab->arena);
    }
    memset(tab, 0, sizeof(*tab));
}
