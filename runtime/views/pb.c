/* pb.c — protocol-buffers writer (see pb.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/vec.h"
#include "views/jsonw.h"
#include "views/pb.h"

#define CT_PB_BUF (1u << 18)   /* bytes gathered before a write() */
#define CT_PB_VARINT_MAX 10u   /* a 64-bit varint */
#define CT_PB_WIRE_VARINT 0u
#define CT_PB_WIRE_LEN 2u
#define CT_PB_WIRE_BITS 3u     /* a tag is field << 3 | wire type */
#define CT_PB_VARINT_MORE 0x80u
/* free bytes a top-level message starts with: most are shorter, so the
 * buffer grows only for a longer one */
#define CT_PB_MSG_ROOM 4096u

CT_NOINST static void ct_pb_flush(struct ct_pb *w)
{
    if (!w->err)
        w->err = ct_write_all(w->fd, (const char *)w->buf, w->len);
    w->bytes += w->len;
    w->len = 0;
}

/* Room for n more bytes, or NULL after an error. Flushes only between
 * top-level fields; inside a message the buffer grows instead. */
CT_NOINST static uint8_t *ct_pb_room(struct ct_pb *w, size_t n)
{
    if (w->err)
        return NULL;
    if (w->cap - w->len >= n)
        return w->buf + w->len;
    if (w->depth == 0)
        ct_pb_flush(w);
    if (!w->err && w->cap - w->len < n && !CT_VEC_RESERVE(w->buf, w->cap, w->len + n))
        w->err = ENOMEM;
    return w->err ? NULL : w->buf + w->len;
}

CT_NOINST static inline size_t ct_pb_put(uint8_t *p, uint64_t v)
{
    size_t i = 0;
    while (v >= CT_PB_VARINT_MORE) {
        p[i++] = (uint8_t)(v | CT_PB_VARINT_MORE);
        v >>= 7;
    }
    p[i++] = (uint8_t)v;
    return i;
}

CT_NOINST static inline uint64_t ct_pb_tag(uint32_t field, unsigned wire)
{
    return ((uint64_t)field << CT_PB_WIRE_BITS) | wire;
}

int ct_pb_init(struct ct_pb *w, int fd)
{
    memset(w, 0, sizeof(*w));
    w->fd = fd;
    if (!CT_VEC_RESERVE(w->buf, w->cap, CT_PB_BUF))
        return -1;
    return 0;
}

int ct_pb_finish(struct ct_pb *w)
{
    if (w->depth && !w->err)
        w->err = EPROTO;
    if (w->buf)
        ct_pb_flush(w);
    free(w->buf);
    w->buf = NULL;
    w->cap = w->len = 0;
    return w->err;
}

void ct_pb_varint(struct ct_pb *w, uint32_t field, uint64_t v)
{
    uint8_t *p = ct_pb_room(w, 2 * CT_PB_VARINT_MAX);
    if (!p)
        return;
    size_t n = ct_pb_put(p, ct_pb_tag(field, CT_PB_WIRE_VARINT));
    w->len += n + ct_pb_put(p + n, v);
}

void ct_pb_bytes(struct ct_pb *w, uint32_t field, const void *s, size_t len)
{
    uint8_t *p = ct_pb_room(w, 2 * CT_PB_VARINT_MAX + len);
    if (!p)
        return;
    size_t n = ct_pb_put(p, ct_pb_tag(field, CT_PB_WIRE_LEN));
    n += ct_pb_put(p + n, len);
    if (len)
        memcpy(p + n, s, len);
    w->len += n + len;
}

void ct_pb_str(struct ct_pb *w, uint32_t field, const char *s)
{
    ct_pb_bytes(w, field, s, strlen(s));
}

void ct_pb_msg(struct ct_pb *w, uint32_t field)
{
    if (w->depth == CT_PB_NEST_MAX) {
        w->err = w->err ? w->err : EOVERFLOW; /* caller bug: deeper than promised */
        return;
    }
    uint8_t *p = ct_pb_room(w, w->depth ? CT_PB_VARINT_MAX + 1 : CT_PB_MSG_ROOM);
    if (p) {
        w->len += ct_pb_put(p, ct_pb_tag(field, CT_PB_WIRE_LEN)) + 1; /* the length, later */
        w->open[w->depth] = w->len;
    }
    w->depth++;
}

void ct_pb_msg_end(struct ct_pb *w)
{
    if (w->depth == 0) {
        w->err = w->err ? w->err : EPROTO;
        return;
    }
    size_t start = w->open[w->depth - 1], body = w->len - start;
    size_t k = ct_pb_varint_len(body);
    if (k > 1)
        ct_pb_room(w, k - 1); /* while still inside the message: no flush splits it */
    w->depth--;
    if (w->err)
        return;
    if (k > 1)
        memmove(w->buf + start + k - 1, w->buf + start, body);
    ct_pb_put(w->buf + start - 1, body);
    w->len += k - 1;
}
