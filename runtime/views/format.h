/* format.h — the interface every trace view implements. Internal.
 *
 * views.c (ct_views_write) takes one consistent cut of a trace and, for
 * each requested format, opens a temporary file, calls begin() with the run
 * description, then per thread thread_begin(), the tree callbacks
 * (open/close/mark/values, see trace/tree.h) as the thread's events stream
 * through the tree builder, thread_end(); and end(). The file is renamed
 * into place only if every write succeeded. A format keeps its own state
 * (begin's result) and reads nothing but the run, its thread and its
 * callbacks' arguments; memory must not grow with the number of calls. */
#ifndef CT_FORMAT_H
#define CT_FORMAT_H

#include <stdbool.h>

#include "base/clock.h"
#include "base/config.h"
#include "symbols/symbols.h"
#include "syscalls/sc_table.h"
#include "trace/reader.h"
#include "trace/tree.h"

struct ct_jw;
struct ct_ftab;

#define CT_ENDING_STACK_MAX 256u
#define CT_TIMESTAMP_MAX 48u   /* "2026-11-21T20:40:48.058Z" and room */
#define CT_SIGNAL_NAME_MAX 24u /* "SIGSEGV", "signal 42" */

/* The capture descriptors of the traced executable, for the captured
 * values (NULL: values are not shown). Asked for on every value: a provider
 * loads its table once, on the first call. */
typedef const struct ct_ftab *(*ct_descs_fn)(void *ctx);

/* What a format knows of this write as a whole: everything a view shows
 * comes from here (and from its thread and tree callbacks), never from the
 * runtime's globals. The caller (the live writer, or calltrace-convert)
 * fills the first part; ct_views_write() (views.h) the rest. Valid from
 * begin() to end(). */
struct ct_out_run {
    /* -- given by the caller */
    /* the options of this write: formats, output, pretty, max_depth,
     * min_duration_ns, max_calls, summary (the live ct_cfg, or the
     * converter's own configuration) */
    const struct ct_config *cfg;
    const char *exe;        /* the traced executable */
    uint32_t pid;           /* the traced process (not this one, offline) */
    struct ct_clock clock;  /* the trace's clock: its base and calibration */
    struct ct_symtab *syms; /* names of function addresses (ct_out_symbol) */
    ct_descs_fn descs;      /* NULL: no values shown */
    void *descs_ctx;
    bool capture_args;      /* values were being captured (CALLTRACE_CAPTURE_ARGS) */
    bool final;             /* at exit (complete) rather than a mid-run flush */
    uint64_t end_ticks;     /* the cut's time: where still-open calls end */
    /* the signal ending the process (NULL for a plain exit or a flush) */
    const struct ct_ending *ending;
    struct ct_drops drops;  /* untraced_threads given; the rest summed */
    /* -- computed by ct_views_write() */
    char timestamp[CT_TIMESTAMP_MAX];   /* the trace's start, ISO 8601 UTC */
    char signal_name[CT_SIGNAL_NAME_MAX]; /* of the ending, when there is one */
    uint64_t total_calls, threads;
    bool values;         /* the trace holds captured values (CALLTRACE_CAPTURE_ARGS) */
    bool truncated;      /* something recorded could not be kept, or CALLTRACE_MAX_CALLS */
    /* calls left out on purpose: by CALLTRACE_FILTER at record time
     * (functions), by CALLTRACE_MIN_DURATION when written (min_duration) */
    struct {
        uint64_t functions, min_duration;
    } filtered;
    uint64_t max_calls;         /* CALLTRACE_MAX_CALLS, 0: none */
    uint64_t calls_not_written; /* recorded calls over that cap */
    /* the call stack of the thread that got the ending signal (innermost
     * first) */
    uint64_t ending_stack[CT_ENDING_STACK_MAX];
    unsigned ending_depth;
};

/* The name of a system call node's pseudo address ("syscall:openat"; fmt_sc.c). */
CT_INTERNAL const struct ct_symbol *ct_sc_out_symbol(uint64_t fn);

/* The symbol of a function address (or of a system call node). */
CT_NOINST static inline const struct ct_symbol *ct_out_symbol(const struct ct_out_run *run,
                                                              uint64_t fn)
{
    if (CT_SC_IS_FN(fn))
        return ct_sc_out_symbol(fn);
    return ct_symtab_lookup(run->syms, (uintptr_t)fn);
}

/* ns since the trace's start for an event's ticks. */
CT_NOINST static inline uint64_t ct_out_ns(const struct ct_out_run *run, uint64_t ticks)
{
    return ct_clock_ns(&run->clock, ticks);
}

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
    /* a system call node's record (tree.h); NULL: only its name is shown */
    void (*syscall)(void *st, unsigned depth, const uint8_t *data, size_t len);
};

/* The formats (one file each). */
extern const struct ct_format_ops ct_fmt_json;
extern const struct ct_format_ops ct_fmt_chrome;
extern const struct ct_format_ops ct_fmt_folded;
extern const struct ct_format_ops ct_fmt_text;
extern const struct ct_format_ops ct_fmt_summary;
extern const struct ct_format_ops ct_fmt_html;
extern const struct ct_format_ops ct_fmt_perfetto;
extern const struct ct_format_ops ct_fmt_csv;

/* The JSON view's metadata object, under `key` (chrome's otherData too). */
CT_INTERNAL void ct_json_metadata(struct ct_jw *w, const char *key, const struct ct_out_run *run);
/* A system call node in the JSON view (fmt_sc.c): its opening keys, then
 * its record's (arguments, result, errno). */
CT_INTERNAL void ct_sc_json_open(struct ct_jw *w, const struct ct_out_run *run, uint64_t fn,
                                 uint64_t start);
CT_INTERNAL void ct_sc_json_call(struct ct_jw *w, const uint8_t *data, size_t len);

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

#endif
