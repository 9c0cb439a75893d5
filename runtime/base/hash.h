/* hash.h — the one hash of the runtime. Internal.
 *
 * Fibonacci hashing: multiply by 2^64 / phi and keep the top bits. Every
 * open-addressing table of the runtime (symbols, filters, capture
 * descriptors, views' interning) indexes with ct_hash_slot(). */
#ifndef CT_HASH_H
#define CT_HASH_H

#include <stdint.h>

#include "base/ct.h"

#define CT_HASH_MUL UINT64_C(0x9e3779b97f4a7c15) /* 2^64 / golden ratio */

/* The slot of `key` in a table of 2^bits slots (1 <= bits <= 63). */
CT_NOINST static inline size_t ct_hash_slot(uint64_t key, unsigned bits)
{
    return (size_t)((key * CT_HASH_MUL) >> (64u - bits));
}

/* The same for a table of `cap` slots, cap a power of two. */
CT_NOINST static inline size_t ct_hash_index(uint64_t key, size_t cap)
{
    unsigned bits = 0;
    while (((size_t)1 << bits) < cap)
        bits++;
    return bits ? ct_hash_slot(key, bits) : 0;
}

/* Two keys as one (a pair: function and parent, offset and unit). */
CT_NOINST static inline uint64_t ct_hash_pair(uint64_t a, uint64_t b)
{
    return (a * CT_HASH_MUL) ^ (b + (b << 6) + (b >> 2));
}

#endif
