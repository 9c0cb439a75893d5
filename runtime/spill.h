/* spill.h — the append-only spill file the thread buffers drain into. Internal. */
#ifndef CT_SPILL_H
#define CT_SPILL_H

#include <limits.h>
#include <stdbool.h>

#include "event.h"

/* The spill file's path and descriptor (-1 when it could not be created:
 * events that would have gone there are counted as dropped). */
extern char ct_spill_path[PATH_MAX];
extern int ct_spill_fd;

/* Creates the spill file beside `output` (falling back to $TMPDIR and /tmp)
 * and writes its header. Returns 0 or -1 (with one message). */
CT_INTERNAL int ct_spill_open(const char *output);
/* Fills a file header for this process. */
CT_INTERNAL void ct_spill_header_init(struct ct_spill_header *h);
/* Appends one chunk in a single write (O_APPEND keeps concurrent chunks whole).
 * Returns 0 or -1. */
CT_INTERNAL int ct_spill_append(const struct ct_chunk_header *h, const struct ct_event *ev);
/* Closes and, if `remove`, deletes the spill file. */
CT_INTERNAL void ct_spill_close(bool remove);

/* A chunk found in the spill file. */
struct ct_chunk_ref {
    uint32_t serial, seq, nev;
    uint64_t offset; /* of the first record */
};

/* Lists the complete chunks in the spill file `fd`, sorted by (serial, seq).
 * Returns the count (0 on an empty or unreadable file) and a malloc'd array
 * in *out (free it). A torn or foreign tail ends the list. */
CT_INTERNAL size_t ct_spill_index(int fd, struct ct_chunk_ref **out);

#endif
