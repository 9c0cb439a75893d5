/* stacks.h — distinct call stacks and self time, for the aggregating views
 * (folded, summary). Internal.
 *
 * ct_stacks interns a stack as (parent stack, function) -> a small id, so
 * memory grows with the number of distinct stacks, never with the number of
 * calls; the same table interns plain functions with parent 0. ct_calls
 * follows the open calls over the tree callbacks (one thread at a time,
 * stacks shared by all) and gives each closing call its stack, duration and
 * self time (its duration minus its children's), from the times in ns the
 * caller gives (as the JSON view computes them). */
#ifndef CT_STACKS_H
#define CT_STACKS_H

#include <stdbool.h>

#include "base/ct.h"

struct ct_stack_node {
    uint64_t fn;
    uint32_t parent; /* 0: a root */
    uint32_t depth;  /* 0 for a root */
};

struct ct_stacks {
    struct ct_stack_node *nodes; /* ids start at 1; nodes[0] is unused */
    uint32_t n;
    size_t cap;
    uint32_t *slots; /* open addressing: ids, 0 = empty */
    uint32_t nslots; /* 2^bits */
    unsigned bits;
};

/* The id of (parent, fn), added if new; 0 when out of memory. */
CT_INTERNAL uint32_t ct_stacks_intern(struct ct_stacks *s, uint32_t parent, uint64_t fn);
/* Fills out[] with the functions of stack `id`, root first, and returns the
 * depth; when it is deeper than `cap`, only the innermost `cap` frames. */
CT_INTERNAL size_t ct_stacks_path(const struct ct_stacks *s, uint32_t id, uint64_t *out,
                                  size_t cap);
CT_INTERNAL void ct_stacks_free(struct ct_stacks *s);

struct ct_open_call {
    uint32_t stack;
    uint64_t start_ns, child_ns;
};

struct ct_calls {
    struct ct_stacks stacks;   /* of every call seen */
    struct ct_open_call *open; /* by depth */
    uint64_t *path;            /* ct_calls_path()'s frames */
    uint32_t root;             /* the parent of depth-0 calls (0: none) */
    unsigned cap;
    bool nomem;                /* a stack could not be interned */
};

/* What ct_calls_close() reports of a call. */
struct ct_call_done {
    uint32_t stack;
    uint64_t start_ns, dur_ns, self_ns;
};

/* cap: the deepest nesting to expect (CALLTRACE_MAX_DEPTH). Returns 0 or -1;
 * ct_calls_free() either way. */
CT_INTERNAL int ct_calls_init(struct ct_calls *c, unsigned cap);
/* A call opens (the tree's open callback, its time in ns). */
CT_INTERNAL void ct_calls_open(struct ct_calls *c, unsigned depth, uint64_t fn, uint64_t start_ns);
/* A call closes (the tree's close callback, its times in ns); false if the
 * call is not tracked (too deep). */
CT_INTERNAL bool ct_calls_close(struct ct_calls *c, unsigned depth, uint64_t start_ns,
                                uint64_t end_ns, struct ct_call_done *done);
/* The functions of `stack`, root first, in c->path; returns how many. */
CT_INTERNAL size_t ct_calls_path(struct ct_calls *c, uint32_t stack);
CT_INTERNAL void ct_calls_free(struct ct_calls *c);

#endif
