/* pack.h — the compact on-disk encoding of a chunk of events. Internal.
 *
 * In memory every event is 16 bytes (the hot path stores, never encodes). The
 * writer thread packs each chunk before it reaches the disk:
 *
 *   byte 0   bits 0-1 kind, bits 2-4: for enter and exit, 0-6 = slot of a
 *            7-entry move-to-front cache of recent addresses, 7 = a literal
 *            address follows; for EXT, the subtype (1-6), or 7 = the whole
 *            address word follows as a varint
 *   varint   zigzag(ticks - previous ticks); the first event of a chunk is
 *            relative to 0, so every chunk decodes on its own
 *   then     enter/exit: the literal address, if any, as the varint of
 *            zigzag(address - the chunk's previous literal, 0 at first);
 *            EXT: ARGS and RETVAL, the signature (3 bytes) and the byte
 *            length (varint); other subtypes, the payload word (varint);
 *            then the bytes of any payload records (a mark's label, values),
 *            exactly the length given, the records' zero tail left out
 *
 * A recursive or loop-heavy workload hits the cache on nearly every event and
 * needs 2-3 bytes per event, a real program (SQLite) about 4; uftrace writes
 * 16. */
#ifndef CT_PACK_H
#define CT_PACK_H

#include "stream/event.h"

/* The most bytes `n` events can pack into. */
#define CT_PACK_MAX_PER_EVENT 24u /* bytes one record packs to, at most */
#define CT_PACK_MIN_PER_EVENT 2u  /* bytes one record packs to, at least */
#define CT_PACK_BOUND(n) ((size_t)(n) * CT_PACK_MAX_PER_EVENT)

/* Packs n events into out (room for CT_PACK_BOUND(n)). Returns the bytes used. */
CT_INTERNAL size_t ct_pack(const struct ct_event *ev, size_t n, uint8_t *out);
/* Unpacks `len` bytes holding `n` events into out (room for n). Returns n, or
 * the number decoded before the data turned out corrupt. */
CT_INTERNAL size_t ct_unpack(const uint8_t *in, size_t len, size_t n, struct ct_event *out);

#endif
