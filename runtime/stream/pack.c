/* pack.c — the compact on-disk encoding of event chunks (see pack.h). */
#include <stdbool.h>
#include <string.h>

#include "stream/pack.h"

#define CT_MRU 7u
#define CT_LITERAL 7u
#define CT_PACK_EXT_ANY 7u /* an extension record whose type has no code of its own */
#define CT_PACK_TOP 0x20u  /* an exit of the innermost open call: no address */
#define CT_STACK 64u       /* the open calls the encoder keeps (a ring) */

/* What encoder and decoder both keep while they go through a chunk, moved
 * identically on both sides: recent addresses, the calls entered in this
 * chunk and not yet left (the innermost CT_STACK of them), and the last
 * literal address (literals are written as the difference to it). */
struct ct_mru {
    uint64_t addr[CT_MRU];
    uint64_t stack[CT_STACK];
    unsigned top, depth; /* stack[top] is the innermost; depth <= CT_STACK valid */
    uint64_t literal;
};

CT_NOINST static inline void ct_stack_push(struct ct_mru *m, uint64_t a)
{
    m->top = (m->top + 1) & (CT_STACK - 1);
    m->stack[m->top] = a;
    if (m->depth < CT_STACK)
        m->depth++;
}

/* An exit of a: pops the frames up to the innermost call of a, if the stack
 * holds one (an exit that skips frames: longjmp, an exception). */
CT_NOINST static inline void ct_stack_exit(struct ct_mru *m, uint64_t a)
{
    for (unsigned i = 0; i < m->depth; i++) {
        if (m->stack[(m->top - i) & (CT_STACK - 1)] == a) {
            m->top = (m->top - i - 1) & (CT_STACK - 1);
            m->depth -= i + 1;
            return;
        }
    }
}

CT_NOINST static inline bool ct_stack_is_top(const struct ct_mru *m, uint64_t a)
{
    return m->depth > 0 && m->stack[m->top] == a;
}

/* Moves addr[0, i) up one place and puts a in front (i < CT_MRU). Spelled
 * out: as a loop, GCC makes it a call to memmove, a quarter of the packing
 * time. */
CT_NOINST static inline void ct_mru_front(struct ct_mru *m, unsigned i, uint64_t a)
{
    uint64_t *d = m->addr;
    switch (i) {
    case 6: d[6] = d[5]; /* fall through */
    case 5: d[5] = d[4]; /* fall through */
    case 4: d[4] = d[3]; /* fall through */
    case 3: d[3] = d[2]; /* fall through */
    case 2: d[2] = d[1]; /* fall through */
    case 1: d[1] = d[0]; /* fall through */
    default: break;
    }
    d[0] = a;
}

/* Returns the slot of `a` (moving it to the front), or CT_LITERAL after
 * inserting it at the front. Encoder and decoder move identically. */
CT_NOINST static inline unsigned ct_mru_find(struct ct_mru *m, uint64_t a)
{
    for (unsigned i = 0; i < CT_MRU; i++) {
        if (m->addr[i] == a) {
            ct_mru_front(m, i, a);
            return i;
        }
    }
    ct_mru_front(m, CT_MRU - 1, a);
    return CT_LITERAL;
}

CT_NOINST static inline uint64_t ct_mru_take(struct ct_mru *m, unsigned i)
{
    uint64_t a = m->addr[i];
    ct_mru_front(m, i, a);
    return a;
}

CT_NOINST static inline void ct_mru_push(struct ct_mru *m, uint64_t a)
{
    ct_mru_front(m, CT_MRU - 1, a);
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
            unsigned type = CT_EXT_TYPE(e), code = type >= 1 && type < CT_PACK_EXT_ANY ? type : CT_PACK_EXT_ANY;
            uint64_t arg = CT_EXT_ARG(e);
            *p++ = (uint8_t)(kind | (code << 2));
            p = ct_put_varint(p, zz);
            if (code == CT_PACK_EXT_ANY) {
                p = ct_put_varint(p, e->addr);
            } else if (code == CT_EXT_ARGS || code == CT_EXT_RETVAL) {
                p[0] = (uint8_t)(arg >> 32), p[1] = (uint8_t)(arg >> 40), p[2] = (uint8_t)(arg >> 48);
                p = ct_put_varint(p + 3, arg & 0xffffffffu);
            } else {
                p = ct_put_varint(p, arg);
            }
            size_t words = CT_EXT_FOLLOWERS(e);
            if (words) { /* a label's or values' bytes, raw */
                size_t len = CT_EXT_PAYLOAD_LEN(e);
                if (words > n - i - 1) /* cut short (cannot happen: reserved together) */
                    words = n - i - 1, len = words * sizeof(*e);
                /* whole records (within CT_PACK_BOUND), then only len counts */
                for (size_t w = 0; w < words; w++)
                    memcpy(p + w * sizeof(*e), &ev[i + 1 + w], sizeof(*e));
                p += len;
                i += words;
            }
            continue;
        }
        if (kind == CT_EV_EXIT && ct_stack_is_top(&mru, e->addr)) {
            mru.top = (mru.top - 1) & (CT_STACK - 1);
            mru.depth--;
            *p++ = (uint8_t)(kind | CT_PACK_TOP);
            p = ct_put_varint(p, zz);
            continue;
        }
        unsigned slot = ct_mru_find(&mru, e->addr);
        *p++ = (uint8_t)(kind | (slot << 2));
        p = ct_put_varint(p, zz);
        if (slot == CT_LITERAL) {
            int64_t da = (int64_t)(e->addr - mru.literal);
            p = ct_put_varint(p, ((uint64_t)da << 1) ^ (uint64_t)(da >> 63));
            mru.literal = e->addr;
        }
        if (kind == CT_EV_ENTER)
            ct_stack_push(&mru, e->addr);
        else
            ct_stack_exit(&mru, e->addr);
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
        bool top = h & CT_PACK_TOP;
        if (kind > CT_EV_EXT || (kind == CT_EV_EXT && slot == 0) || (h >> 6) ||
            (top && (kind != CT_EV_EXIT || slot != 0 || mru.depth == 0)))
            break; /* not something ct_pack writes */
        if (!(p = ct_get_varint(p, end, &zz)))
            break;
        prev += (zz >> 1) ^ (uint64_t)-(int64_t)(zz & 1);
        if (kind == CT_EV_EXT) {
            uint64_t arg = 0;
            if (slot == CT_PACK_EXT_ANY) {
                if (!(p = ct_get_varint(p, end, &addr)))
                    break;
            } else if (slot == CT_EXT_ARGS || slot == CT_EXT_RETVAL) {
                if (end - p < 3)
                    break;
                uint64_t sig = p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16;
                if (!(p = ct_get_varint(p + 3, end, &arg)) || arg > 0xffffffffu)
                    break;
                addr = CT_EXT_ADDR(slot, sig << 32 | arg);
            } else {
                if (!(p = ct_get_varint(p, end, &arg)) || arg >> 56)
                    break;
                addr = CT_EXT_ADDR(slot, arg);
            }
        } else if (top) {
            addr = mru.stack[mru.top];
            mru.top = (mru.top - 1) & (CT_STACK - 1);
            mru.depth--;
        } else {
            if (slot == CT_LITERAL) {
                uint64_t dz;
                if (!(p = ct_get_varint(p, end, &dz)))
                    break;
                addr = mru.literal + ((dz >> 1) ^ (uint64_t)-(int64_t)(dz & 1));
                mru.literal = addr;
                ct_mru_push(&mru, addr);
            } else {
                addr = ct_mru_take(&mru, slot);
            }
            if (kind == CT_EV_ENTER)
                ct_stack_push(&mru, addr);
            else
                ct_stack_exit(&mru, addr);
        }
        out[i].word = CT_EV_WORD(prev, kind);
        out[i].addr = addr;
        i++;
        if (kind == CT_EV_EXT && CT_EXT_FOLLOWERS(&out[i - 1])) {
            size_t words = CT_EXT_FOLLOWERS(&out[i - 1]), bytes = CT_EXT_PAYLOAD_LEN(&out[i - 1]);
            if (words > n - i || (size_t)(end - p) < bytes) {
                i--; /* not the record without its payload */
                break;
            }
            memset(&out[i], 0, words * sizeof(struct ct_event));
            memcpy(&out[i], p, bytes);
            p += bytes;
            i += words;
        }
    }
    return i;
}
