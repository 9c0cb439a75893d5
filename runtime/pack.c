/* pack.c — the compact on-disk encoding of event chunks (see pack.h). */
#include <string.h>

#include "pack.h"

#define CT_MRU 7u
#define CT_LITERAL 7u

struct ct_mru {
    uint64_t addr[CT_MRU];
};

/* Returns the slot of `a` (moving it to the front), or CT_LITERAL after
 * inserting it at the front. Encoder and decoder move identically. */
CT_NOINST static unsigned ct_mru_find(struct ct_mru *m, uint64_t a)
{
    for (unsigned i = 0; i < CT_MRU; i++) {
        if (m->addr[i] == a) {
            memmove(&m->addr[1], &m->addr[0], i * sizeof(uint64_t));
            m->addr[0] = a;
            return i;
        }
    }
    memmove(&m->addr[1], &m->addr[0], (CT_MRU - 1) * sizeof(uint64_t));
    m->addr[0] = a;
    return CT_LITERAL;
}

CT_NOINST static uint64_t ct_mru_take(struct ct_mru *m, unsigned i)
{
    uint64_t a = m->addr[i];
    memmove(&m->addr[1], &m->addr[0], i * sizeof(uint64_t));
    m->addr[0] = a;
    return a;
}

CT_NOINST static void ct_mru_push(struct ct_mru *m, uint64_t a)
{
    memmove(&m->addr[1], &m->addr[0], (CT_MRU - 1) * sizeof(uint64_t));
    m->addr[0] = a;
}

CT_NOINST static inline uint8_t *ct_put_varint(uint8_t *p, uint64_t v)
{
    while (v >= 0x80) {
        *p++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *p++ = (uint8_t)v;
    return p;
}

CT_NOINST static inline const uint8_t *ct_get_varint(const uint8_t *p, const uint8_t *end,
                                                     uint64_t *v)
{
    uint64_t r = 0;
    for (unsigned shift = 0; p < end && shift < 64; shift += 7) {
        uint8_t b = *p++;
        r |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *v = r;
            return p;
        }
    }
    return NULL;
}

size_t ct_pack(const struct ct_event *ev, size_t n, uint8_t *out)
{
    struct ct_mru mru;
    memset(&mru, 0, sizeof(mru));
    uint8_t *p = out;
    uint64_t prev = 0;
    for (size_t i = 0; i < n; i++) {
        const struct ct_event *e = &ev[i];
        unsigned kind = CT_EV_KIND(e);
        uint64_t ticks = CT_EV_TICKS(e);
        int64_t d = (int64_t)(ticks - prev);
        prev = ticks;
        uint64_t zz = ((uint64_t)d << 1) ^ (uint64_t)(d >> 63);
        if (kind == CT_EV_EXT) {
            *p++ = (uint8_t)(kind | (CT_LITERAL << 2));
            p = ct_put_varint(p, zz);
            p = ct_put_varint(p, e->addr);
            if (CT_EXT_FOLLOWERS(e)) { /* a label's or values' records, raw */
                size_t words = CT_EXT_FOLLOWERS(e);
                if (words > n - i - 1)
                    words = n - i - 1;
                memcpy(p, &ev[i + 1], words * sizeof(*e));
                p += words * sizeof(*e);
                i += words;
            }
            continue;
        }
        unsigned slot = ct_mru_find(&mru, e->addr);
        *p++ = (uint8_t)(kind | (slot << 2));
        p = ct_put_varint(p, zz);
        if (slot == CT_LITERAL)
            p = ct_put_varint(p, e->addr);
    }
    return (size_t)(p - out);
}

size_t ct_unpack(const uint8_t *in, size_t len, size_t n, struct ct_event *out)
{
    struct ct_mru mru;
    memset(&mru, 0, sizeof(mru));
    const uint8_t *p = in, *end = in + len;
    uint64_t prev = 0;
    size_t i = 0;
    while (i < n && p < end) {
        unsigned h = *p++, kind = h & 3u, slot = (h >> 2) & 7u;
        uint64_t zz, addr;
        if (kind > CT_EV_EXT || (kind == CT_EV_EXT && slot != CT_LITERAL))
            break; /* not something ct_pack writes */
        if (!(p = ct_get_varint(p, end, &zz)))
            break;
        prev += (zz >> 1) ^ (uint64_t)-(int64_t)(zz & 1);
        if (slot == CT_LITERAL) {
            if (!(p = ct_get_varint(p, end, &addr)))
                break;
            if (kind != CT_EV_EXT)
                ct_mru_push(&mru, addr);
        } else {
            addr = ct_mru_take(&mru, slot);
        }
        out[i].word = CT_EV_WORD(prev, kind);
        out[i].addr = addr;
        i++;
        if (kind == CT_EV_EXT && CT_EXT_FOLLOWERS(&out[i - 1])) {
            size_t words = CT_EXT_FOLLOWERS(&out[i - 1]);
            if (words > n - i || (size_t)(end - p) < words * sizeof(struct ct_event))
                break;
            memcpy(&out[i], p, words * sizeof(struct ct_event));
            p += words * sizeof(struct ct_event);
            i += words;
        }
    }
    return i;
}
