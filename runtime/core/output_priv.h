/* output_priv.h — what the live trace writer (output.c) and the offline
 * converter (convert.c) share: one snapshot per thread, the spill-file
 * reader, and the pass that writes every format. Internal to them. */
#ifndef CT_OUTPUT_PRIV_H
#define CT_OUTPUT_PRIV_H

#include <stdbool.h>
#include <sys/types.h>

#include "views/format.h"
#include "stream/spill.h"
#include "record/thread.h"

struct ct_snap {
    struct ct_thread *t; /* NULL offline (calltrace-convert) */
    uint32_t serial;
    pid_t tid;
    bool exited;
    char name[CT_THREAD_NAME_MAX];
    struct ct_drops drops;
    uint64_t filtered;   /* calls a record-time filter left out */
    struct ct_event *ev; /* the unspilled tail */
    uint32_t n, seq;
    uint64_t calls, marks;
    bool values; /* captured values were recorded */
};

struct ct_reader {
    int fd;
    struct ct_chunk_ref *chunks;
    size_t nchunks, next; /* chunks are sorted by (serial, seq); threads are visited in order */
    struct ct_event *io; /* one unpacked chunk */
    size_t io_cap;
    uint8_t *packed;     /* one packed chunk */
    size_t packed_cap;
};

/* The symbol table of the trace being written (guarded by output's lock). */
extern struct ct_symtab *ct_syms;

typedef void (*ct_events_fn)(void *ctx, const struct ct_event *ev, size_t n);
/* Streams thread `s`'s events in order: spilled chunks older than its
 * snapshot, then the snapshot. */
CT_INTERNAL void ct_read_thread(struct ct_reader *r, const struct ct_snap *s, size_t *cursor,
                                ct_events_fn fn, void *ctx);
/* The ticks of thread `s`'s last event. */
CT_INTERNAL uint64_t ct_snap_last_ticks(struct ct_reader *r, const struct ct_snap *s);
/* Counts, applies the limits, finds the ending stack and writes every
 * requested format: the part a live write and calltrace-convert share. */
CT_INTERNAL int ct_output_snaps(struct ct_snap *snaps, size_t nsnap, struct ct_reader *r,
                                bool final, uint64_t end_ticks, bool read_back, uint64_t untraced,
                                bool live);

#endif
