/* reader.h — reading a trace back: one snapshot per thread, the event
 * (spill) file's chunks older than it, and what a thread's events say as a
 * whole (its counts, its last time, the calls still open at its end).
 * Internal.
 *
 * The live writer (core/output.c) snapshots record's threads and reads the
 * spill file it is writing; the offline converter (trace/file.c, tools/)
 * makes its snapshots from an event file's chunks. Both stream each thread's
 * events through ct_read_thread(), in order, one chunk at a time. */
#ifndef CT_READER_H
#define CT_READER_H

#include <stdbool.h>
#include <sys/types.h>

#include "base/ct.h"
#include "stream/event.h"
#include "stream/spill.h"
#include "trace/tree.h"

#define CT_SNAP_NAME_MAX 64u /* a thread's name, NUL included (record/thread.h's) */

/* Events a thread could not record (counted, never silent). */
struct ct_drops {
    uint64_t depth, reentrant, buffer, untraced_threads;
};

/* One thread of a consistent cut of the trace. */
struct ct_snap {
    uint32_t serial; /* its registration number: chunks carry it */
    pid_t tid;
    bool exited;     /* its open calls end at its last event, not at the cut */
    char name[CT_SNAP_NAME_MAX];
    struct ct_drops drops;
    uint64_t filtered;   /* calls a record-time filter left out */
    struct ct_event *ev; /* the unspilled tail (live), NULL offline */
    uint32_t n, seq;     /* records in ev; chunks from seq on are newer than the cut */
    uint64_t calls, marks;
    bool values; /* captured values were recorded */
    bool tid_reused; /* an earlier written thread had the same tid (views.c) */
};

/* The event file, indexed: chunks sorted by (serial, seq). */
struct ct_reader {
    int fd;
    struct ct_chunk_ref *chunks;
    size_t nchunks;
    struct ct_event *io; /* one unpacked chunk */
    size_t io_cap;
    uint8_t *packed;     /* one packed chunk */
    size_t packed_cap;
};

typedef void (*ct_events_fn)(void *ctx, const struct ct_event *ev, size_t n);
/* Streams thread `s`'s events in order: spilled chunks older than its
 * snapshot, then the snapshot. `cursor` (start at 0) keeps the place in
 * the index for the next thread when threads are visited in serial order. */
CT_INTERNAL void ct_read_thread(struct ct_reader *r, const struct ct_snap *s, size_t *cursor,
                                ct_events_fn fn, void *ctx);
/* The same into a tree builder. */
CT_INTERNAL void ct_read_into_tree(struct ct_reader *r, const struct ct_snap *s, size_t *cursor,
                                   struct ct_tree *tree);
/* Frees the index and buffers and closes the file (fd -1: none). */
CT_INTERNAL void ct_reader_free(struct ct_reader *r);

/* Adds thread `s`'s calls, marks and whether it holds values to s. */
CT_INTERNAL void ct_snap_count(struct ct_reader *r, struct ct_snap *s);
/* The ticks of thread `s`'s last event; max_depth as recorded. */
CT_INTERNAL uint64_t ct_snap_last_ticks(struct ct_reader *r, const struct ct_snap *s,
                                        unsigned max_depth);
/* The calls still open at the end of thread `s`'s events, innermost first,
 * at most `cap` of them into out[]: calltrace's own record of the stack,
 * right even when the real one is smashed. Returns how many. */
CT_INTERNAL unsigned ct_snap_open_calls(struct ct_reader *r, const struct ct_snap *s,
                                        unsigned max_depth, uint64_t *out, unsigned cap);

#endif
