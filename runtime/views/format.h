/* format.h — the interface every trace view implements. Internal.
 *
 * output.c makes one consistent cut of the event stream and, for each
 * requested format, opens a temporary file, calls begin(), then per thread
 * thread_begin(), the tree callbacks (open/close/mark, see tree.h) as the
 * thread's events stream through the tree builder, thread_end(); and end().
 * The file is renamed into place only if every write succeeded. A format
 * keeps its own state (begin's result); memory must not grow with the number
 * of calls. */
#ifndef CT_FORMAT_H
#define CT_FORMAT_H

#include <stdbool.h>

#include "base/config.h"
#include "core/signals.h"
#include "symbols/symbols.h"
#include "trace/tree.h"

struct ct_jw;

struct ct_drops {
    uint64_t depth, reentrant, buffer, untraced_threads;
};

/* What a format knows of this write as a whole. */
struct ct_out_run {
    bool final;          /* at exit (complete) rather than a mid-run flush */
    uint32_t pid;        /* the traced process (not this one, offline) */
    uint64_t end_ticks;  /* the cut's time: where still-open calls end */
    uint64_t total_calls, threads;
    bool values;         /* the trace holds captured values (CALLTRACE_CAPTURE_ARGS) */
    struct ct_drops drops;
    bool truncated;      /* something recorded could not be kept, or CALLTRACE_MAX_CALLS */
    /* calls left out on purpose: by CALLTRACE_FILTER at record time
     * (functions), by CALLTRACE_MIN_DURATION when written (min_duration) */
    struct {
        uint64_t functions, min_duration;
    } filtered;
    uint64_t max_calls;         /* CALLTRACE_MAX_CALLS, 0: none */
    uint64_t calls_not_written; /* recorded calls over that cap */
    /* the signal ending the process, with the call stack of the thread that
     * got it (innermost first); NULL for a plain exit or a flush */
    const struct ct_ending *ending;
    const uint64_t *ending_stack;
    unsigned ending_depth;
};
#define CT_ENDING_STACK_MAX 256u

/* One thread that has calls or marks. */
struct ct_out_thread {
    const char *key;     /* its call_trees key: the tid, made unique */
    uint32_t tid, serial;
    const char *name;
    uint64_t calls, marks;
    struct ct_drops drops;
};

struct ct_format_ops {
    enum ct_format bit;
    /* Returns the format's state, or NULL (ENOMEM). */
    void *(*begin)(int fd, const struct ct_out_run *run);
    void (*thread_begin)(void *st, const struct ct_out_thread *th);
    /* tree callbacks: their ctx is the state */
    void (*open)(void *st, unsigned depth, uint64_t fn, uint64_t start_ticks);
    void (*close)(void *st, unsigned depth, uint64_t fn, uint64_t start_ticks, uint64_t end_ticks,
                  unsigned flags);
    void (*mark)(void *st, unsigned depth, uint64_t fn, uint64_t ticks, const char *label,
                 size_t len);
    /* captured values (tree.h); NULL: not shown */
    void (*values)(void *st, unsigned depth, uint64_t fn, unsigned what, uint32_t sig,
                   const uint8_t *data, size_t len);
    void (*thread_end)(void *st, const struct ct_out_thread *th, const struct ct_tree *tree);
    /* Writes the rest, frees the state. Returns 0 or the errno of a failed write. */
    int (*end)(void *st);
};

/* The formats (one file each). */
extern const struct ct_format_ops ct_fmt_json;
extern const struct ct_format_ops ct_fmt_chrome;
extern const struct ct_format_ops ct_fmt_folded;
extern const struct ct_format_ops ct_fmt_text;
extern const struct ct_format_ops ct_fmt_summary;
extern const struct ct_format_ops ct_fmt_html;

/* The JSON view's metadata object, under `key` (chrome's otherData too). */
CT_INTERNAL void ct_json_metadata(struct ct_jw *w, const char *key, const struct ct_out_run *run);
/* A closed call's flags as JSON keys: "unfinished": true, "unwound": true. */
CT_INTERNAL void ct_json_close_flags(struct ct_jw *w, unsigned flags);

/* Callbacks for what a format has no use for. */
CT_NOINST static inline void ct_fmt_skip_thread(void *st, const struct ct_out_thread *th)
{
    (void)st;
    (void)th;
}
CT_NOINST static inline void ct_fmt_skip_open(void *st, unsigned depth, uint64_t fn, uint64_t ticks)
{
    (void)st;
    (void)depth;
    (void)fn;
    (void)ticks;
}
CT_NOINST static inline void ct_fmt_skip_mark(void *st, unsigned depth, uint64_t fn,
                                              uint64_t ticks, const char *label, size_t len)
{
    (void)st;
    (void)depth;
    (void)fn;
    (void)ticks;
    (void)label;
    (void)len;
}
CT_NOINST static inline void ct_fmt_skip_thread_end(void *st, const struct ct_out_thread *th,
                                                    const struct ct_tree *tree)
{
    (void)st;
    (void)th;
    (void)tree;
}

/* For formats, valid during a write: the symbol of a function address. */
CT_INTERNAL const struct ct_symbol *ct_out_symbol(uint64_t fn);
/* The traced process's id, valid during a write. */
extern uint32_t ct_out_pid;
/* "2026-11-21T20:40:48.058Z" for a CLOCK_REALTIME time in ns. */
CT_INTERNAL void ct_out_iso8601(uint64_t real_ns, char *out, size_t cap);

#endif
