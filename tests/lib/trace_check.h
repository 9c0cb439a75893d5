/* trace_check.h — the one validator of calltrace's JSON traces.
 *
 * Every test that reads a trace checks it here: the e2e checkers (through
 * check_common.h's load_valid()), ct_tracecheck (examples, integration
 * consumers, the converter's tests) and the checkers of traces too big for
 * cJSON (threads/check_many_threads.c). One streaming pass over the file,
 * nothing built for call nodes: any size (a gigabyte), any depth (no
 * recursion), and every time compared exactly as the integer written
 * (nanoseconds beyond 2^53 included).
 *
 * A valid trace is one JSON object with
 *   metadata    an object: strings version, executable and timestamp (ISO 8601
 *               UTC: YYYY-MM-DDTHH:MM:SS[.fraction]Z); integers pid > 0,
 *               total_calls >= 0 (== the nodes of every tree), threads >= 0
 *               (== the call_trees entries); an object dropped;
 *   call_trees  an object keyed by the decimal thread_id of each entry:
 *               {thread_id: integer > 0, name: string, calls: integer (== the
 *               nodes of its tree), root_calls: [node], anything else};
 *   node        {function: non-empty string, address: "0x" and hex digits,
 *               file: string, line: integer, start_ns, end_ns, duration_ns:
 *               integers >= 0 with duration_ns == end_ns - start_ns,
 *               children: [node]}; children in time order, each within its
 *               parent and after its previous sibling, their durations adding
 *               up to at most the parent's; optional "arguments" (an array of
 *               captured values with a "name") and "return_value" (one without,
 *               never on a call marked "unwound" or "unfinished"): a captured
 *               value has a string "type" and exactly one of "value" and
 *               "optimized_out": true, maybe "unreadable"/"truncated": true
 *               beside a value, and no other key.
 * Anything else in the file must be well-formed JSON and is not looked at.
 *
 * Messages say where: call_trees["4242"].root_calls[0].children[3]: a node's
 * address is not 0x and hex digits (byte 1234). */
#ifndef CT_TRACE_CHECK_H
#define CT_TRACE_CHECK_H

#include <cjson/cJSON.h>
#include <stddef.h>

/* Calls per function name (the name as written in the JSON, escapes kept). */
struct tc_names {
    struct tc_name *slot;
    size_t cap, used;
};

/* One call_trees entry, as the check saw it. */
struct tc_thread {
    cJSON *fields;            /* the entry without root_calls (cJSON) */
    unsigned long nodes;      /* nodes under root_calls, at any depth */
    unsigned long roots;      /* entries of root_calls */
    char first_root[128];     /* function of root_calls[0] (decoded), "" if none */
    unsigned long unwound;    /* nodes with "unwound": true */
    unsigned long unfinished; /* nodes with "unfinished": true */
    struct tc_names fns;      /* nodes per function, at any depth */
    struct tc_names root_fns; /* root calls per function */
};

/* What a valid trace holds; filled by tc_check_*() when asked for. */
struct tc_trace {
    cJSON *metadata;          /* the metadata object (cJSON) */
    struct tc_thread *threads; /* in file order */
    size_t nthreads;
    unsigned long nodes;      /* every node of every thread */
};

/* Checks the trace in the file at `path` (mapped, not read into memory).
 * Returns NULL when it is valid, or a message (static storage, overwritten by
 * the next call) saying what is wrong and where; the path is not in it. With
 * `out`, a valid trace's summary is kept there (tc_free() it, also after a
 * failure); `out` may be NULL. */
const char *tc_check_file(const char *path, struct tc_trace *out);

/* The same on `len` bytes of JSON text in memory. */
const char *tc_check_text(const char *text, size_t len, struct tc_trace *out);

void tc_free(struct tc_trace *t);

/* Nodes named `fn` (decoded, as C code writes it) in one thread, at any depth. */
unsigned long tc_count(const struct tc_thread *th, const char *fn);
/* Root calls named `fn` in one thread. */
unsigned long tc_count_roots(const struct tc_thread *th, const char *fn);
/* Nodes named `fn` in every thread. */
unsigned long tc_count_all(const struct tc_trace *t, const char *fn);

#endif
