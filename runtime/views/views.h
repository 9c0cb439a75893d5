/* views.h — one write of every requested view. Internal.
 *
 * The live writer (core/output.c) and calltrace-convert (tools/) each make
 * a consistent cut of a trace (snapshots and a reader, trace/reader.h),
 * describe the run (struct ct_out_run, format.h) and call ct_views_write().
 * It counts, applies CALLTRACE_MIN_DURATION and CALLTRACE_MAX_CALLS, finds
 * the ending signal's stack, and streams every thread through the tree
 * builder into each format, each into a temporary file renamed into place
 * only when every write succeeded. */
#ifndef CT_VIEWS_H
#define CT_VIEWS_H

#include <limits.h>
#include <stdbool.h>

#include "base/ct.h"
#include "trace/reader.h"
#include "views/format.h"

/* Writes the formats of run->cfg->formats (all but raw), and with
 * run->cfg->summary at exit the summary on stderr too. `read_back`: count
 * the threads' events (a live flush that writes only the raw stream skips
 * it). Fills the computed part of *run. Returns 0 or a negative
 * CALLTRACE_E* code (the first failure; one message each). */
CT_INTERNAL int ct_views_write(struct ct_out_run *run, struct ct_snap *snaps, size_t nsnap,
                               struct ct_reader *r, bool read_back);

/* Room for a temporary file's name: the path and ".XXXXXX". */
#define CT_VIEWS_TMP_MAX (PATH_MAX + 32)
/* A temporary file beside `path` (in tmp, `cap` bytes), opened for writing:
 * a fresh name created 0600 with O_EXCL. Returns the fd, or -1 with one
 * message. */
CT_INTERNAL int ct_views_tmp_open(const char *path, char *tmp, size_t cap);
/* Closes `fd` and renames `tmp` to `path` unless `err` (an errno); never
 * leaves a partial file at `path`. Returns 0 or -1 with one message. */
CT_INTERNAL int ct_views_tmp_commit(int fd, const char *tmp, const char *path, int err);

#endif
