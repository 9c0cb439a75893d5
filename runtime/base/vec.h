/* vec.h — the one growable-array helper. Internal.
 *
 * Every array of the runtime that grows (off the hot path: symbol tables,
 * view state, DWARF descriptors) grows through ct_vec_reserve(): doubling from
 * CT_VEC_MIN_CAP, overflow-checked, the old block kept on failure.
 *
 *     struct item *v = NULL; size_t n = 0, cap = 0;
 *     if (!CT_VEC_RESERVE(v, cap, n + 1)) return -ENOMEM;
 *     v[n++] = x;
 */
#ifndef CT_VEC_H
#define CT_VEC_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/ct.h"

#define CT_VEC_MIN_CAP 16u

/* Makes the array at *vp (a "T *" seen as bytes; elements of `elem` bytes,
 * capacity *cap) hold at least `need` elements. Returns false on ENOMEM or
 * overflow, leaving the array as it was. */
CT_NOINST static inline bool ct_vec_reserve(void *vp, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return true;
    size_t ncap = *cap ? *cap : CT_VEC_MIN_CAP;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2)
            return false;
        ncap *= 2;
    }
    if (elem && ncap > SIZE_MAX / elem)
        return false;
    void *v;
    memcpy(&v, vp, sizeof v);
    void *p = realloc(v, ncap * elem);
    if (!p)
        return false;
    memcpy(vp, &p, sizeof p);
    *cap = ncap;
    return true;
}

/* ct_vec_reserve for an array pointer `v` of any element type. */
#define CT_VEC_RESERVE(v, cap, need) ct_vec_reserve(&(v), &(cap), (need), sizeof(*(v)))

#endif
