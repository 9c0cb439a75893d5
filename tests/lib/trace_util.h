/* trace_util.h — helpers for end-to-end tests: run a traced program, load its
 * trace with cJSON, walk the tree. Whether a trace is valid is for
 * trace_check.h to say (check_common.h's load_valid() does both). */
#ifndef CT_TRACE_UTIL_H
#define CT_TRACE_UTIL_H

#include <cjson/cJSON.h>
#include <stddef.h>

struct tu_run {
    int status;       /* exit code, or 128 + signal */
    char out[65536];  /* the program's stdout */
    char err[65536];  /* its stderr */
};

/* Runs `argv[0]` with `env` ("NAME=VALUE" entries; "NAME" alone unsets; NULL
 * terminated) added to the environment; stdout and stderr are captured.
 * Returns 0 or -1 if it could not be run. */
int tu_run(struct tu_run *r, char *const argv[], const char *const env[]);

/* Reads and parses a JSON file; NULL (with a message) if missing or invalid. */
cJSON *tu_load(const char *path);

/* The call_trees entry whose name is `name`, or NULL. */
cJSON *tu_thread_named(const cJSON *trace, const char *name);
/* The call_trees entry of the thread that ran main(), or NULL. */
cJSON *tu_main_thread(const cJSON *trace);
/* Nodes named `fn` under `nodes` (an array of nodes), recursively. */
size_t tu_count(const cJSON *nodes, const char *fn);
/* All nodes under `nodes`. */
size_t tu_count_all(const cJSON *nodes);
/* The first node named `fn` under `nodes` (depth first), or NULL. */
cJSON *tu_find(const cJSON *nodes, const char *fn);
/* Convenience accessors. */
const char *tu_str(const cJSON *obj, const char *key);
double tu_num(const cJSON *obj, const char *key);
int tu_true(const cJSON *obj, const char *key);

/* The value of "key=<int>" printed by the program on its stdout, or -1. */
long tu_printed(const struct tu_run *r, const char *key);

/* The functions of `nodes` in order, joined by spaces, each followed by its
 * children in braces: "a{b c{d}} e"; appended to out (cut at cap). */
void tu_shape(const cJSON *nodes, char *out, size_t cap);

#endif
