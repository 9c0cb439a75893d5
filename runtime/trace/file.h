/* file.h — an event file (.ctraw) read back whole, offline. Internal.
 *
 * The file's header gives the clock base, the process and the executable;
 * its last META chunk the calibration, the threads' names and losses and
 * how the process ended; its chunks one snapshot per thread (everything is
 * in chunks: nothing was left in memory). calltrace-convert writes the
 * views from it (tools/convert.c). */
#ifndef CT_TRACE_FILE_H
#define CT_TRACE_FILE_H

#include <stdbool.h>

#include "base/clock.h"
#include "base/ct.h"
#include "trace/reader.h"

struct ct_trace_file {
    struct ct_spill_header head; /* exe NUL-terminated */
    struct ct_clock clock;       /* the traced process's, calibrated (1 ns/tick without META) */
    bool calibrated;             /* the file holds a calibration */
    bool final;                  /* written at the end (exit or crash) */
    struct ct_ending ending;     /* signal 0: a plain exit, or none recorded */
    uint64_t untraced_threads;
    uint64_t end_ticks;          /* the end of the trace: META's, or its last event */
    struct ct_reader reader;
    struct ct_snap *snaps;       /* one per thread, in serial order */
    size_t nsnap;
};

/* Opens and indexes the event file at `path` (max_depth: the deepest
 * nesting to expect). Returns 0, or a negative CALLTRACE_E* code with one
 * message; ct_trace_file_close() either way. */
CT_INTERNAL int ct_trace_file_open(struct ct_trace_file *f, const char *path, unsigned max_depth);
CT_INTERNAL void ct_trace_file_close(struct ct_trace_file *f);

#endif
