/* config.h — the CALLTRACE_* environment, read once at start. Internal. */
#ifndef CT_CONFIG_H
#define CT_CONFIG_H

#include <limits.h>
#include <stdbool.h>

#include "base/ct.h"

/* Deep enough for the recursion of interpreters, parsers and compilers; the
 * open-call stack is mapped per thread and only its touched pages count. */
#define CT_DEFAULT_MAX_DEPTH 65536u
#define CT_LIMIT_MAX_DEPTH 100000u
#define CT_DEFAULT_BUFFER_KIB 1024u
#define CT_LIMIT_MIN_BUFFER_BYTES (16u * 1024u)        /* CALLTRACE_BUFFER_SIZE bounds */
#define CT_LIMIT_MAX_BUFFER_BYTES (64u * 1024u * 1024u)

/* Output formats (CALLTRACE_FORMAT, a comma list). */
enum ct_format {
    CT_FMT_JSON = 1u << 0, /* the call tree, at CALLTRACE_OUTPUT */
    CT_FMT_RAW = 1u << 1,  /* the binary event stream, kept as <output>.ctraw */
    CT_FMT_CHROME = 1u << 2,  /* Chrome Trace Event JSON, <output>.chrome.json */
    CT_FMT_FOLDED = 1u << 3,  /* folded stacks (self ns) for flame graphs, <output>.folded */
    CT_FMT_TEXT = 1u << 4,    /* the indented call tree, <output>.txt */
    CT_FMT_SUMMARY = 1u << 5, /* per function and thread totals, outliers, <output>.summary.txt */
    CT_FMT_HTML = 1u << 6,    /* a self-contained interactive flame chart, <output>.html */
    CT_FMT_PERFETTO = 1u << 7, /* Perfetto's protobuf trace, <output>.pftrace */
    CT_FMT_CSV = 1u << 8,      /* one row per call and system call, <output>.csv */
};

/* CALLTRACE_CLOCK: the event clock. */
enum ct_clock_mode {
    CT_CLOCK_AUTO = 0,      /* the TSC when invariant, else CLOCK_MONOTONIC */
    CT_CLOCK_TSC = 1,       /* the same (the TSC is never used when not invariant) */
    CT_CLOCK_MONOTONIC = 2, /* CLOCK_MONOTONIC always */
};

enum ct_buffer_policy {
    CT_POLICY_BLOCK = 0, /* a thread whose ring is full waits for the writer */
    CT_POLICY_DROP = 1,  /* it discards its buffer and counts the records */
};

#define CT_TRACEPARENT_MAX 56u /* "00-" 32 hex "-" 16 hex "-" 2 hex, NUL */
#define CT_HOST_MAX 65u        /* a node name (utsname), NUL */

struct ct_config {
    char output[PATH_MAX];  /* the JSON trace's final path */
    char exe[PATH_MAX];     /* the traced executable */
    unsigned max_depth;     /* calls deeper than this are counted, not recorded */
    size_t buffer_bytes;    /* per-thread budget: CT_RING buffers */
    enum ct_buffer_policy buffer_policy;
    unsigned formats;       /* enum ct_format bits, never 0 */
    bool debug;
    bool pretty;
    bool capture_args;      /* CALLTRACE_CAPTURE_ARGS: argument values (capture.h) */
    bool capture_retval;    /* CALLTRACE_CAPTURE_RETVAL: return values (default: as capture_args) */
    bool start;             /* record from the start (CALLTRACE_START) */
    bool summary;           /* the summary on stderr at exit (CALLTRACE_SUMMARY) */
    uint64_t min_duration_ns; /* CALLTRACE_MIN_DURATION: shorter calls are not written (0: all) */
    uint64_t max_calls;     /* CALLTRACE_MAX_CALLS: calls written at most (0: no cap) */
    enum ct_clock_mode clock; /* CALLTRACE_CLOCK */
    /* CALLTRACE_FILTER, CALLTRACE_FILTER_FILE and TMPDIR as the environment
     * holds them (NULL: unset); read during init, never kept after it */
    const char *filter;
    const char *filter_file;
    const char *tmpdir;
    /* recorded in the trace's metadata for `calltrace export`: the W3C
     * TRACEPARENT the program ran with ("": none or not one) and the host */
    char traceparent[CT_TRACEPARENT_MAX];
    char host[CT_HOST_MAX];
    /* CALLTRACE_SYSCALLS as the environment holds it (NULL: unset), read
     * during init (syscalls/sc_select.h) */
    const char *syscalls;
};

/* The defaults: what a configuration holds before ct_config_load() (for a
 * configuration of its own, e.g. calltrace-convert's). */
#define CT_CONFIG_DEFAULTS                                                                         \
    {                                                                                              \
        .max_depth = CT_DEFAULT_MAX_DEPTH, .buffer_bytes = CT_DEFAULT_BUFFER_KIB * 1024,           \
        .pretty = true, .start = true, .formats = CT_FMT_JSON,                                     \
    }

/* Written once by ct_config_load() during init, read-only afterwards. */
extern struct ct_config ct_cfg;

/* Fills `cfg` from the environment (secure_getenv: a setuid program ignores
 * it). A bad value gets one "calltrace:" line on stderr and the default.
 * `getenv_fn` is injectable for tests; NULL means secure_getenv. */
CT_INTERNAL void ct_config_load(struct ct_config *cfg, char *(*getenv_fn)(const char *));

/* The path of one format: CALLTRACE_OUTPUT itself for json, and for the
 * others CALLTRACE_OUTPUT with its extension (".json" or the format's own,
 * when present) replaced by the format's. */
CT_INTERNAL void ct_format_path(const struct ct_config *cfg, enum ct_format f, char *out, size_t cap);

/* Parses a boolean setting: 1/0, true/false, yes/no, on/off (any case).
 * Returns 0 and sets *out, or -1 if `s` is none of those. */
CT_INTERNAL int ct_parse_bool(const char *s, bool *out);
/* Parses a decimal unsigned in [lo, hi]. Returns 0 and sets *out, or -1. */
CT_INTERNAL int ct_parse_uint(const char *s, unsigned long lo, unsigned long hi, unsigned long *out);
/* Parses a duration: a decimal number with an optional ns, us, ms or s
 * suffix (ns without one). Returns 0 and sets *ns, or -1. */
CT_INTERNAL int ct_parse_duration(const char *s, uint64_t *ns);

#endif
