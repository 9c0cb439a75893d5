/* tree.h — turns one thread's event stream into call-tree open/close
 * callbacks. Internal.
 *
 * Streaming: memory is one frame per open call (bounded by the recording
 * depth limit), never one per call. Exits are matched to their enters by
 * function address; an exit that skips frames (longjmp, an exception caught
 * further up) closes the skipped ones as "unwound"; an exit with no matching
 * enter (its enter happened before recording started) is counted and
 * ignored. A region boundary (recording restarted) and the end of the stream
 * close whatever is open as "unfinished".
 *
 * Limits (ct_tree_limit): with a minimum duration, a call's open() is
 * delayed until it closes having lasted at least that long, or until any
 * later event of the thread shows it has been running that long; a call that
 * closes shorter is dropped with its subtree (every descendant is shorter
 * still), and marks made inside it go to the nearest kept ancestor. The
 * opened frames are always a prefix of the stack. With a budget (shared by
 * the threads of one write), a call is opened only while the budget lasts;
 * once it is spent nothing more opens, and what is open closes normally, so
 * the output stays well nested. */
#ifndef CT_TREE_H
#define CT_TREE_H

#include <stdbool.h>

#include "base/ct.h"
#include "stream/event.h"

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
    /* Captured values of the call at `depth` (CALLTRACE_CAPTURE_ARGS), as
     * recorded (capture.h decodes them): its arguments (what = CT_EXT_ARGS)
     * right after open(), before any child; its return value (CT_EXT_RETVAL)
     * right before close(). NULL: the format shows no values. */
    void (*values)(void *ctx, unsigned depth, uint64_t fn, unsigned what, uint32_t sig,
                   const uint8_t *data, size_t len);
    /* A system call (CALLTRACE_SYSCALLS) is a call of CT_SC_FN(nr)
     * (syscalls/sc_table.h) with no children; between its open() and
     * close() this gets its record (syscalls/sc_decode.h decodes it). NULL:
     * the format shows only the node. */
    void (*syscall)(void *ctx, unsigned depth, const uint8_t *data, size_t len);
};

/* A sink that ignores everything: for what the builder itself counts
 * (calls, the last time, the calls still open). */
extern const struct ct_tree_sink ct_tree_ignore;

struct ct_tree_frame {
    uint64_t fn;
    uint64_t start;
    uint32_t nvals, sig; /* its arguments' bytes in ct_tree.vals */
    bool has_vals;       /* arguments were recorded (maybe none) */
};

/* CALLTRACE_MAX_CALLS: one per write (per format), shared by its threads in
 * output order. */
struct ct_tree_budget {
    uint64_t left;        /* calls that may still be opened */
    uint64_t not_written; /* calls that qualified but came after the cap */
};

/* A mark made inside a frame not opened yet, held until that frame opens or
 * is dropped. */
struct ct_tree_pending {
    uint64_t ticks;
    unsigned depth; /* frames enclosing it, as of now */
    unsigned len;
    char label[CT_MARK_MAX];
};

struct ct_tree {
    const struct ct_tree_sink *sink;
    struct ct_tree_frame *stack;
    unsigned depth, cap;
    unsigned stack_cap; /* frames allocated (stack, vals): grown up to cap */
    uint64_t last_ticks;
    /* counters; calls, unfinished and unwound count calls passed to open() */
    uint64_t calls, unmatched_exits, unfinished, unwound, overflow, lost;
    /* limits (see above): frames [0, opened) were passed to open() */
    bool limited;
    unsigned opened;
    uint64_t min_ticks;
    struct ct_tree_budget *budget;
    uint64_t short_calls; /* dropped: shorter than min_ticks */
    uint64_t over_budget; /* not opened: the budget was spent */
    struct ct_tree_pending *pending; /* a queue: [pending_head, npending) */
    size_t pending_head, npending, pending_cap;
    uint64_t mark_ticks; /* of the mark whose label is being read */
    /* a mark's label or captured values: the payload still to come */
    unsigned pl_type;
    uint32_t pl_sig;
    size_t pl_len, pl_have;
    uint8_t *pl_buf;          /* CT_VALUES_MAX bytes and one record more */
    uint8_t *vals;            /* arguments per frame: stack_cap x CT_VALUES_MAX */
    bool open_pending;        /* the top frame opens once its arguments are known */
    bool exit_pending;        /* the top frame closes once its return value is known */
    uint64_t exit_ticks;
    unsigned exit_flags;
};

/* cap: the deepest nesting to expect (CALLTRACE_MAX_DEPTH). Returns 0 or -1. */
CT_INTERNAL int ct_tree_init(struct ct_tree *t, const struct ct_tree_sink *sink, unsigned cap);
/* Before the first feed: drop calls shorter than min_ticks (0: keep all)
 * and open calls only while `budget` lasts (NULL: no cap). */
CT_INTERNAL void ct_tree_limit(struct ct_tree *t, uint64_t min_ticks, struct ct_tree_budget *budget);
CT_INTERNAL void ct_tree_feed(struct ct_tree *t, const struct ct_event *ev, size_t n);
/* Completes an enter or exit still waiting for its value record: call
 * before looking at t->stack after a feed. */
CT_INTERNAL void ct_tree_settle(struct ct_tree *t);
/* Closes every open call as unfinished at max(end_ticks, last event). */
CT_INTERNAL void ct_tree_end(struct ct_tree *t, uint64_t end_ticks);
CT_INTERNAL void ct_tree_free(struct ct_tree *t);

#endif
