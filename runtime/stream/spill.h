/* spill.h — the append-only spill file the thread buffers drain into. Internal. */
#ifndef CT_SPILL_H
#define CT_SPILL_H

#include <limits.h>
#include <stdbool.h>

#include "stream/event.h"

/* The spill file's path and descriptor (-1 when it could not be created:
 * events that would have gone there are counted as dropped). */
extern char ct_spill_path[PATH_MAX];
extern int ct_spill_fd;

/* Creates the spill file beside `output` (falling back to $TMPDIR and /tmp)
 * and writes its header. Returns 0 or -1 (with one message). */
CT_INTERNAL int ct_spill_open(const char *output);
/* The event file's name ends with this; before it, "<output>.<pid>.XXXXXX"
 * with an unpredictable part (the file is created exclusively, 0600). */
#define CT_SPILL_SUFFIX ".ctraw"
/* True when ct_spill_fd is still our event file. When the program closed the
 * number (and maybe reused it), the file is reopened by path if it is still
 * the same one, else ct_spill_fd becomes -1. Async-signal-safe. */
CT_INTERNAL bool ct_spill_check(void);
/* A descriptor of its own to read the event file back (close it), or -1. */
CT_INTERNAL int ct_spill_read_fd(void);
/* The load bias of the executable (0 unless PIE). */
CT_INTERNAL uint64_t ct_exe_bias(void);
/* Fills a file header for this process. */
CT_INTERNAL void ct_spill_header_init(struct ct_spill_header *h);
/* Appends one chunk (header + h->nbytes of payload) in a single write: O_APPEND
 * keeps concurrent chunks whole. Returns 0 or -1; after a failure the file is
 * closed (a torn chunk ends it) and later appends fail. */
CT_INTERNAL int ct_spill_append(const struct ct_chunk_header *h, const void *payload);
/* Packs `n` events into a chunk and writes it to `fd` (any file; not the
 * spill's error handling). `scratch` has room for CT_PACK_BOUND(n). Returns 0
 * or an errno. */
CT_INTERNAL int ct_chunk_write(int fd, uint32_t serial, uint32_t seq, uint32_t tid,
                               const struct ct_event *ev, uint32_t n, uint8_t *scratch);
/* In a forked child: drop the parent's file; the child's own is created
 * when it first needs one (a child that only execs leaves nothing behind). */
CT_INTERNAL void ct_spill_forget(void);
/* Closes and, if `remove`, deletes the spill file. */
CT_INTERNAL void ct_spill_close(bool remove);

/* A chunk found in the spill file. */
struct ct_chunk_ref {
    uint32_t serial, seq, nev, nbytes, tid;
    uint64_t offset; /* of the payload */
};

/* Reads chunk `c` of file `fd` and unpacks it into `out` (room for c->nev);
 * `scratch` has room for c->nbytes. Returns the records decoded. */
CT_INTERNAL size_t ct_chunk_read(int fd, const struct ct_chunk_ref *c, uint8_t *scratch,
                                 struct ct_event *out);

/* Lists the complete chunks in the spill file `fd`, sorted by (serial, seq).
 * Returns the count (0 on an empty or unreadable file) and a malloc'd array
 * in *out (free it). A torn or foreign tail ends the list. */
CT_INTERNAL size_t ct_spill_index(int fd, struct ct_chunk_ref **out);

#endif
