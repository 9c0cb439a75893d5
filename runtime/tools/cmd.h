/* cmd.h — the calltrace command: what its subcommands share. Internal to
 * tools/ (never linked into programs).
 *
 * Every subcommand reads what a run left: the JSON trace (the default
 * output, self-contained: names, files, lines and values are in it, so it
 * still reads after the executable is rebuilt) or an event file (.ctraw),
 * which is first turned into JSON in a temporary file (ct_cmd_open_trace).
 * The JSON is read in one streaming pass (cmd_json.c): memory grows with the
 * nesting depth, not with the number of calls.
 *
 * Exit status: 0 done, 1 an error (one "calltrace: " line on stderr), 2 a
 * usage error (the usage on stderr). */
#ifndef CT_CMD_H
#define CT_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/ct.h"

#define CT_CMD_OK 0
#define CT_CMD_ERR 1
#define CT_CMD_USAGE 2

/* ---- a small JSON value (metadata, captured values, marks) ---- */
enum ct_jv_type { CT_JV_NULL, CT_JV_BOOL, CT_JV_NUM, CT_JV_STR, CT_JV_ARR, CT_JV_OBJ };

struct ct_jv {
    enum ct_jv_type type;
    bool b;
    char *s;             /* a string, or a number's text */
    size_t n;            /* items of an array or an object */
    char **keys;         /* an object's keys */
    struct ct_jv **items;
    char *pending;       /* while an object is read: the key of the value being read */
};

CT_INTERNAL void ct_jv_free(struct ct_jv *v);
/* The member `key` of an object (NULL: none, or not an object). A path
 * "a.b.c" walks objects. */
CT_INTERNAL const struct ct_jv *ct_jv_get(const struct ct_jv *v, const char *path);
CT_INTERNAL const char *ct_jv_str(const struct ct_jv *v, const char *path); /* NULL: none */
CT_INTERNAL uint64_t ct_jv_u64(const struct ct_jv *v, const char *path);  /* 0: none */
CT_INTERNAL bool ct_jv_true(const struct ct_jv *v, const char *path);
/* Writes `s` as a JSON string, quoted. */
CT_INTERNAL void ct_jv_print_str(FILE *to, const char *s);
/* Writes `v` as compact JSON text. */
CT_INTERNAL void ct_jv_print(FILE *to, const struct ct_jv *v);
/* A captured value as text: a string quoted, a number as written, a
 * struct as compact JSON, "<optimized out>", "<unreadable>". */
CT_INTERNAL void ct_jv_value_text(FILE *to, const struct ct_jv *arg);

/* ---- the trace, streamed ---- */
struct ct_call {
    const char *function, *file;
    uint64_t address;
    unsigned line, depth;          /* depth 0: a root call */
    uint64_t start_ns, end_ns, duration_ns; /* end and duration: at close only */
    bool unfinished, unwound;
    const struct ct_jv *args, *ret; /* NULL: not recorded */
};

struct ct_thread {
    const char *key, *name; /* its call_trees key, its name */
    uint64_t tid, calls;
    const struct ct_jv *rest; /* at thread_end: the other fields (marks, counts) */
};

struct ct_trace_cb {
    void *ctx;
    void (*meta)(void *ctx, const struct ct_jv *meta); /* before any thread */
    void (*thread_begin)(void *ctx, const struct ct_thread *th);
    void (*open)(void *ctx, const struct ct_call *c);
    void (*close)(void *ctx, const struct ct_call *c);
    void (*thread_end)(void *ctx, const struct ct_thread *th);
};

/* Streams the JSON trace at `path` into `cb` (any callback may be NULL).
 * The metadata goes to *meta (NULL: freed) for the caller to free.
 * Returns 0, or -1 with one "calltrace:" line naming the byte where it is
 * not a trace. */
CT_INTERNAL int ct_trace_read(const char *path, const struct ct_trace_cb *cb, struct ct_jv **meta);

/* A trace given on the command line: a JSON trace as it is, an event file
 * (.ctraw) converted into a temporary JSON (removed by ct_cmd_close_trace).
 * Returns the path to read, or NULL with one message. */
struct ct_cmd_trace {
    char path[4096];
    bool temporary;
};
CT_INTERNAL const char *ct_cmd_open_trace(struct ct_cmd_trace *t, const char *given);
CT_INTERNAL void ct_cmd_close_trace(struct ct_cmd_trace *t);

/* ---- what the subcommands share ---- */
CT_INTERNAL void ct_cmd_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A duration: "  1.234 us" (10 columns), or the ns themselves with --ns. */
CT_INTERNAL const char *ct_cmd_dur(char *buf, size_t cap, uint64_t ns, bool raw_ns);
/* Parses "--opt VALUE" / "--opt=VALUE" at argv[*i]: returns the value (and
 * advances *i), or NULL when argv[*i] is not that option. A missing value
 * sets *bad. */
CT_INTERNAL const char *ct_cmd_opt(int argc, char **argv, int *i, const char *name, const char *alt,
                                   bool *bad);
CT_INTERNAL int ct_cmd_parse_u64(const char *s, uint64_t *out);
/* The command's output: a pager when stdout is a terminal and `page`. */
CT_INTERNAL FILE *ct_cmd_out(bool page);
CT_INTERNAL int ct_cmd_out_close(FILE *f);

/* Function-name patterns, as CALLTRACE_FILTER writes them (cmd_filter.c). */
struct ct_pat;
struct ct_pats {
    struct ct_pat *v;
    size_t n;
    bool any_include;
};
/* Adds a comma list of patterns. Returns 0 or -1 with one message. */
CT_INTERNAL int ct_pats_add(struct ct_pats *p, const char *list);
CT_INTERNAL void ct_pats_free(struct ct_pats *p);
enum ct_pat_verdict { CT_PAT_NONE, CT_PAT_INCLUDE, CT_PAT_EXCLUDE, CT_PAT_EXCLUDE_TREE };
/* What the patterns say of `fn`: an exclusion wins over an inclusion. */
CT_INTERNAL enum ct_pat_verdict ct_pats_match(const struct ct_pats *p, const char *fn);

/* Per-function statistics (cmd_stats.c), for report and diff. */
struct ct_fstat {
    char *name;
    uint64_t calls, total_ns, self_ns, sum_ns, min_ns, max_ns;
    unsigned open; /* activations open now: recursion counted once */
};
struct ct_stats {
    struct ct_fstat *v; /* open addressing by name */
    size_t n, cap;
};
CT_INTERNAL struct ct_fstat *ct_stats_get(struct ct_stats *s, const char *name);
CT_INTERNAL const struct ct_fstat *ct_stats_find(const struct ct_stats *s, const char *name);
/* The entries, in a new array of s->n pointers (NULL: no memory). */
CT_INTERNAL struct ct_fstat **ct_stats_list(const struct ct_stats *s);
CT_INTERNAL void ct_stats_free(struct ct_stats *s);
/* A whole trace's statistics, threads merged. Returns 0 or -1. */
CT_INTERNAL int ct_stats_of_trace(const char *path, struct ct_stats *s, struct ct_jv **meta);
/* One call closing: `self_ns` is its duration less its children's. */
CT_INTERNAL void ct_stats_close(struct ct_fstat *f, uint64_t dur, uint64_t self_ns);

/* The subcommands, one file each. */
CT_INTERNAL int ct_cmd_info(int argc, char **argv);
CT_INTERNAL int ct_cmd_tree(int argc, char **argv);
CT_INTERNAL int ct_cmd_report(int argc, char **argv);
CT_INTERNAL int ct_cmd_diff(int argc, char **argv);
CT_INTERNAL int ct_cmd_convert(int argc, char **argv);
CT_INTERNAL int ct_cmd_run(int argc, char **argv);
CT_INTERNAL int ct_cmd_export(int argc, char **argv);

/* OTLP (cmd_otlp.c): spans as OTLP/JSON, one ExportTraceServiceRequest. */
struct ct_otlp {
    FILE *out;
    uint8_t trace_id[16];
    uint8_t parent_id[8]; /* the TRACEPARENT's parent span, all 0: none */
    bool has_parent;
    uint64_t base_unix_ns; /* the trace's start, Unix time */
    uint64_t seed;         /* span ids: derived from it, the thread and the call */
    uint64_t spans;
};
/* Reads the run's identity from the metadata: trace id (its TRACEPARENT's,
 * or one derived from the run), start time. */
CT_INTERNAL void ct_otlp_init(struct ct_otlp *o, const struct ct_jv *meta);
/* The request's head: the resource (service.name, process.*, host.name)
 * and the scope, up to the spans' '['. */
CT_INTERNAL void ct_otlp_begin(struct ct_otlp *o, const struct ct_jv *meta, const char *service);
CT_INTERNAL uint64_t ct_otlp_span_id(const struct ct_otlp *o, uint64_t thread, uint64_t call);
/* One span: `parent` 0 for a root call (then the TRACEPARENT's parent). */
CT_INTERNAL void ct_otlp_span(struct ct_otlp *o, const struct ct_call *c, const struct ct_thread *th,
                              uint64_t id, uint64_t parent);
CT_INTERNAL void ct_otlp_end(struct ct_otlp *o);

/* OTLP/HTTP: POSTs `body` to `url` (http://host[:port]/path) with the
 * extra headers "k=v,k2=v2" (OTEL_EXPORTER_OTLP_HEADERS' form, values
 * percent-decoded). Returns 0 on a 2xx answer, else -1 with one message. */
CT_INTERNAL int ct_http_post(const char *url, const char *headers, const char *ctype,
                             const char *body, size_t len);

#endif
