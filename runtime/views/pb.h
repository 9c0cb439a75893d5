/* pb.h — a small protocol-buffers writer into a file descriptor. Internal.
 *
 * Enough of the wire format for the Perfetto view: varint fields and
 * length-delimited fields (bytes, strings, nested messages). A nested
 * message is written in place with one byte kept for its length; when it
 * ends longer than 127 bytes its body moves up by the few bytes the length
 * needs (rare: most messages of a trace are short). The buffer is flushed
 * only between top-level fields, so a message being written is never split;
 * it grows when one top-level field is longer than the buffer. Memory: the
 * buffer (the largest top-level field, at least CT_PB_BUF bytes).
 *
 *     struct ct_pb w;
 *     ct_pb_init(&w, fd);
 *     ct_pb_msg(&w, 1);           // message field 1 {
 *     ct_pb_varint(&w, 8, 1234);  //   field 8: 1234
 *     ct_pb_str(&w, 2, "name");   //   field 2: "name"
 *     ct_pb_msg_end(&w);          // }
 *     int err = ct_pb_finish(&w); // 0 or the first errno
 */
#ifndef CT_PB_H
#define CT_PB_H

#include <stddef.h>
#include <stdint.h>

#include "base/ct.h"

#define CT_PB_NEST_MAX 16u /* the deepest nesting of messages */

struct ct_pb {
    int fd;
    int err;      /* first error (errno), 0 if none; nothing is written after one */
    uint8_t *buf;
    size_t len, cap;
    /* the open messages: offset of each one's body (its length byte is
     * right before it) */
    size_t open[CT_PB_NEST_MAX];
    unsigned depth;
    uint64_t bytes; /* written to fd so far */
};

/* Returns 0 or -1 (ENOMEM). */
CT_INTERNAL int ct_pb_init(struct ct_pb *w, int fd);
/* Flushes and frees. Returns 0 or the first errno seen (EPROTO: a message
 * left open). Does not close fd. */
CT_INTERNAL int ct_pb_finish(struct ct_pb *w);

/* A varint field (uint32/64, int32/64 of non-negative values, bool, enum). */
CT_INTERNAL void ct_pb_varint(struct ct_pb *w, uint32_t field, uint64_t v);
/* A length-delimited field: bytes, or a string without its NUL. */
CT_INTERNAL void ct_pb_bytes(struct ct_pb *w, uint32_t field, const void *p, size_t n);
CT_INTERNAL void ct_pb_str(struct ct_pb *w, uint32_t field, const char *s);
/* A message field: its fields follow, up to ct_pb_msg_end(). */
CT_INTERNAL void ct_pb_msg(struct ct_pb *w, uint32_t field);
CT_INTERNAL void ct_pb_msg_end(struct ct_pb *w);

/* Bytes a varint of v takes (1 to 10). */
CT_NOINST static inline size_t ct_pb_varint_len(uint64_t v)
{
    size_t n = 1;
    while (v >= 0x80u) {
        v >>= 7;
        n++;
    }
    return n;
}

#endif
