/* tree.h — turns one thread's event stream into call-tree open/close
 * callbacks. Internal.
 *
 * Streaming: memory is one frame per open call (bounded by the recording
 * depth limit), never one per call. Exits are matched to their enters by
 * function address; an exit that skips frames (longjmp, an exception caught
 * further up) closes the skipped ones as "unwound"; an exit with no matching
 * enter (its enter happened before recording started) is counted and
 * ignored. A region boundary (recording restarted) and the end of the stream
 * close whatever is open as "unfinished". */
#ifndef CT_TREE_H
#define CT_TREE_H

#include "event.h"

enum ct_close_flags {
    CT_CLOSE_UNFINISHED = 1u, /* no exit seen: recording stopped or still running */
    CT_CLOSE_UNWOUND = 2u,    /* left without its own exit (longjmp, exception) */
};

struct ct_tree_sink {
    void *ctx;
    /* A call starts at depth `depth` (0 = a root). */
    void (*open)(void *ctx, unsigned depth, uint64_t fn, uint64_t start_ticks);
    void (*close)(void *ctx, unsigned depth, uint64_t fn, uint64_t start_ticks,
                  uint64_t end_ticks, unsigned flags);
    /* A mark; `fn` is the innermost open call, 0 at the root. */
    void (*mark)(void *ctx, unsigned depth, uint64_t fn, uint64_t ticks, const char *label,
                 size_t len);
};

struct ct_tree_frame {
    uint64_t fn;
    uint64_t start;
};

struct ct_tree {
    const struct ct_tree_sink *sink;
    struct ct_tree_frame *stack;
    unsigned depth, cap;
    uint64_t last_ticks;
    /* counters */
    uint64_t calls, unmatched_exits, unfinished, unwound, overflow, lost;
    /* a mark whose label records are still to come */
    uint64_t mark_ticks;
    size_t mark_len, mark_have;
    char mark_buf[CT_MARK_MAX + 16];
};

/* cap: the deepest nesting to expect (CALLTRACE_MAX_DEPTH). Returns 0 or -1. */
CT_INTERNAL int ct_tree_init(struct ct_tree *t, const struct ct_tree_sink *sink, unsigned cap);
CT_INTERNAL void ct_tree_feed(struct ct_tree *t, const struct ct_event *ev, size_t n);
/* Closes every open call as unfinished at max(end_ticks, last event). */
CT_INTERNAL void ct_tree_end(struct ct_tree *t, uint64_t end_ticks);
CT_INTERNAL void ct_tree_free(struct ct_tree *t);

#endif
