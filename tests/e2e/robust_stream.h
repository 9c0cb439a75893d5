/* robust_stream.h — validates a trace too big for cJSON (millions of calls)
 * in one streaming pass over the mapped file, with the checks of
 * tu_validate(), and keeps what a test asserts on: the metadata, each
 * thread's fields (all but root_calls) and its calls per function. */
#ifndef CT_ROBUST_STREAM_H
#define CT_ROBUST_STREAM_H

#include <cjson/cJSON.h>
#include <stddef.h>

#define RS_MAX_FNS 32

struct rs_fn {
    char name[128];        /* as written in the JSON, escapes left alone */
    unsigned long count;   /* nodes of that name, at any depth */
};

struct rs_thread {
    cJSON *fields;         /* the call_trees entry without root_calls */
    unsigned long nodes;   /* nodes under root_calls */
    unsigned long roots;   /* entries of root_calls */
    char first_root[128];  /* function of root_calls[0] */
    unsigned long unwound, unfinished;
    struct rs_fn fns[RS_MAX_FNS];
    size_t nfns;           /* names beyond RS_MAX_FNS are not counted by name */
};

struct rs_trace {
    cJSON *metadata;
    struct rs_thread *threads;
    size_t nthreads;
    unsigned long nodes;
};

/* Parses and validates the trace at path. Returns NULL on success, or a
 * message (static storage) saying what is wrong and where. */
const char *rs_load(const char *path, struct rs_trace *out);
void rs_free(struct rs_trace *t);

/* Nodes named fn in thread th (0 if none). */
unsigned long rs_count(const struct rs_thread *th, const char *fn);

#endif
