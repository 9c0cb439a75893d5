/* tree.c — streaming call-tree builder over one thread's events.
 *
 * Without limits every enter opens at once and every pop closes. With
 * limits (CALLTRACE_MIN_DURATION, CALLTRACE_MAX_CALLS) the frames passed to
 * open() are a prefix [0, opened) of the stack: ct_tree_catch_up() extends
 * it as events show frames have run long enough, and a frame popped without
 * having been opened is dropped. Marks made above the prefix wait in a
 * queue; their depths never decrease from front to back (a frame a mark was
 * made in can only be left after the mark), so the queue drains from the
 * front as the prefix grows or frames are dropped. */
#include <stdlib.h>
#include <string.h>

#include "base/vec.h"
#include "syscalls/sc_rec.h"
#include "syscalls/sc_table.h"
#include "trace/tree.h"

/* A payload: the largest value record, and one record of room. */
#define CT_TREE_PAYLOAD_CAP (CT_VALUES_MAX + sizeof(struct ct_event))

CT_NOINST static void ct_ignore_open(void *ctx, unsigned depth, uint64_t fn, uint64_t start)
{
    (void)ctx, (void)depth, (void)fn, (void)start;
}
CT_NOINST static void ct_ignore_close(void *ctx, unsigned depth, uint64_t fn, uint64_t start,
                                      uint64_t end, unsigned flags)
{
    (void)ctx, (void)depth, (void)fn, (void)start, (void)end, (void)flags;
}
CT_NOINST static void ct_ignore_mark(void *ctx, unsigned depth, uint64_t fn, uint64_t ticks,
                                     const char *label, size_t len)
{
    (void)ctx, (void)depth, (void)fn, (void)ticks, (void)label, (void)len;
}

const struct ct_tree_sink ct_tree_ignore = {NULL, ct_ignore_open, ct_ignore_close, ct_ignore_mark,
                                            NULL, NULL};

int ct_tree_init(struct ct_tree *t, const struct ct_tree_sink *sink, unsigned cap)
{
    memset(t, 0, sizeof(*t));
    t->sink = sink;
    t->cap = cap + 1;
    /* grown as calls nest (ct_tree_grow): a thread of one call must not cost
     * a stack of CALLTRACE_MAX_DEPTH frames (65537 by default) */
    t->stack_cap = t->cap < 64 ? t->cap : 64;
    t->stack = malloc(sizeof(*t->stack) * t->stack_cap);
    return t->stack ? 0 : -1;
}

void ct_tree_limit(struct ct_tree *t, uint64_t min_ticks, struct ct_tree_budget *budget)
{
    t->min_ticks = min_ticks;
    t->budget = budget;
    t->limited = min_ticks > 0 || budget != NULL;
}

void ct_tree_free(struct ct_tree *t)
{
    free(t->stack);
    t->stack = NULL;
    free(t->pl_buf);
    free(t->vals);
    t->pl_buf = t->vals = NULL;
    free(t->pending);
    t->pending = NULL;
    t->pending_head = t->npending = t->pending_cap = 0;
}

CT_NOINST static void ct_tree_emit_mark(struct ct_tree *t, unsigned depth, uint64_t ticks,
                                        const char *label, size_t len)
{
    t->sink->mark(t->sink->ctx, depth, depth ? t->stack[depth - 1].fn : 0, ticks, label, len);
}

/* Emits the queued marks whose innermost enclosing frame is open now. */
CT_NOINST static void ct_tree_drain(struct ct_tree *t)
{
    while (t->pending_head < t->npending && t->pending[t->pending_head].depth <= t->opened) {
        const struct ct_tree_pending *p = &t->pending[t->pending_head++];
        ct_tree_emit_mark(t, p->depth, p->ticks, p->label, p->len);
    }
    if (t->pending_head == t->npending)
        t->pending_head = t->npending = 0;
}

/* Opens the frame above the prefix. */
CT_NOINST static void ct_tree_open_next(struct ct_tree *t)
{
    const struct ct_tree_frame *f = &t->stack[t->opened];
    if (t->budget)
        t->budget->left--;
    t->sink->open(t->sink->ctx, t->opened, f->fn, f->start);
    if (f->has_vals && t->sink->values)
        t->sink->values(t->sink->ctx, t->opened, f->fn, CT_EXT_ARGS, f->sig,
                        t->vals + (size_t)t->opened * CT_VALUES_MAX, f->nvals);
    t->opened++;
    t->calls++;
    if (t->npending)
        ct_tree_drain(t);
}

/* Opens every frame that has run at least min_ticks by `now`, outermost
 * first (an outer frame started earlier: it qualifies whenever an inner one
 * does), while the budget lasts. */
CT_NOINST static void ct_tree_catch_up(struct ct_tree *t, uint64_t now)
{
    while (t->opened < t->depth) {
        uint64_t start = t->stack[t->opened].start;
        if ((now > start ? now - start : 0) < t->min_ticks)
            return;
        if (t->budget && t->budget->left == 0)
            return;
        ct_tree_open_next(t);
    }
}

CT_NOINST static void ct_tree_pop(struct ct_tree *t, uint64_t end, unsigned flags)
{
    struct ct_tree_frame *f = &t->stack[--t->depth];
    if (end < f->start)
        end = f->start;
    if (t->depth < t->opened) {
        t->opened = t->depth;
        if (flags & CT_CLOSE_UNFINISHED)
            t->unfinished++;
        if (flags & CT_CLOSE_UNWOUND)
            t->unwound++;
        t->sink->close(t->sink->ctx, t->depth, f->fn, f->start, end, flags);
        return;
    }
    /* never opened: too short, or over the budget */
    if (end - f->start < t->min_ticks) {
        t->short_calls++;
    } else {
        t->over_budget++;
        if (t->budget)
            t->budget->not_written++;
    }
    /* marks made inside it now belong to the frame that called it */
    for (size_t i = t->pending_head; i < t->npending; i++)
        if (t->pending[i].depth > t->depth)
            t->pending[i].depth = t->depth;
    if (t->npending)
        ct_tree_drain(t);
}

CT_NOINST static void ct_tree_close_all(struct ct_tree *t, uint64_t end)
{
    if (t->limited)
        ct_tree_catch_up(t, end);
    while (t->depth > 0)
        ct_tree_pop(t, end, CT_CLOSE_UNFINISHED);
}

/* Pops the frames an exit of fn skips; the frame itself closes once its
 * return value, if any, is known (ct_tree_settle). */
CT_NOINST static void ct_tree_exit(struct ct_tree *t, uint64_t fn, uint64_t ts)
{
    unsigned i = t->depth;
    while (i > 0 && t->stack[i - 1].fn != fn)
        i--;
    if (i == 0) {
        t->unmatched_exits++;
        return;
    }
    while (t->depth > i)
        ct_tree_pop(t, ts, CT_CLOSE_UNWOUND);
    t->exit_pending = true;
    t->exit_ticks = ts;
}

/* Completes what waited for a value record: the open of a call just entered,
 * the close of a call just exited. */
void ct_tree_settle(struct ct_tree *t)
{
    if (t->open_pending) {
        t->open_pending = false;
        if (!t->limited && t->opened < t->depth)
            ct_tree_open_next(t);
    }
    if (t->exit_pending) {
        t->exit_pending = false;
        ct_tree_pop(t, t->exit_ticks, t->exit_flags);
        t->exit_flags = 0;
    }
}

CT_NOINST static void ct_tree_mark_done(struct ct_tree *t, size_t len);
CT_NOINST static void ct_tree_enter(struct ct_tree *t, uint64_t fn, uint64_t ts);

/* A system call's record is complete: a leaf from its start to the
 * record's time (its end). */
CT_NOINST static void ct_tree_syscall_done(struct ct_tree *t, size_t len)
{
    struct ct_sc_rec r;
    if (len < sizeof(r))
        return;
    memcpy(&r, t->pl_buf, sizeof(r));
    uint64_t fn = CT_SC_FN(r.nr), end = t->mark_ticks, start = r.start < end ? r.start : end;
    unsigned depth = t->depth;
    ct_tree_enter(t, fn, start);
    if (t->depth == depth)
        return; /* deeper than the limit: counted */
    ct_tree_settle(t);
    if (t->limited)
        ct_tree_catch_up(t, end);
    if (t->depth <= t->opened && t->sink->syscall)
        t->sink->syscall(t->sink->ctx, t->depth - 1, t->pl_buf, len);
    ct_tree_pop(t, end, (r.flags & CT_SC_NORET) ? CT_CLOSE_UNFINISHED : 0);
}

/* The payload of a mark or value record is complete. */
CT_NOINST static void ct_tree_values_done(struct ct_tree *t)
{
    size_t len = t->pl_len;
    t->pl_len = t->pl_have = 0;
    if (t->pl_type == CT_EXT_MARK) {
        ct_tree_mark_done(t, len);
        return;
    }
    if (t->pl_type == CT_EXT_SYSCALL) {
        ct_tree_syscall_done(t, len);
        return;
    }
    if (t->pl_type == CT_EXT_ARGS && t->open_pending && t->depth > 0) {
        struct ct_tree_frame *f = &t->stack[t->depth - 1];
        if (!t->vals)
            t->vals = malloc((size_t)t->stack_cap * CT_VALUES_MAX);
        if (t->vals) {
            memcpy(t->vals + (size_t)(t->depth - 1) * CT_VALUES_MAX, t->pl_buf, len);
            f->nvals = (uint32_t)len;
            f->sig = t->pl_sig;
            f->has_vals = true;
        }
    } else if (t->pl_type == CT_EXT_RETVAL && t->exit_pending && t->depth > 0 && len >= 8) {
        struct ct_tree_frame *f = &t->stack[t->depth - 1];
        uint64_t fn;
        memcpy(&fn, t->pl_buf, 8);
        if (fn == f->fn && len > 8 && t->pl_buf[8] == CT_RETVAL_UNWOUND)
            t->exit_flags = CT_CLOSE_UNWOUND; /* an exception went through it */
        else if (fn == f->fn && t->depth <= t->opened && t->sink->values)
            t->sink->values(t->sink->ctx, t->depth - 1, f->fn, CT_EXT_RETVAL, t->pl_sig,
                            t->pl_buf + 8, len - 8);
    }
    ct_tree_settle(t);
}

CT_NOINST static void ct_tree_mark_done(struct ct_tree *t, size_t len)
{
    const char *label = (const char *)t->pl_buf;
    if (len > CT_MARK_MAX)
        len = CT_MARK_MAX;
    if (t->depth <= t->opened && t->pending_head == t->npending) {
        ct_tree_emit_mark(t, t->depth, t->mark_ticks, label, len);
        return;
    }
    /* inside a frame that may yet be dropped: hold it */
    if (!CT_VEC_RESERVE(t->pending, t->pending_cap, t->npending + 1))
        return; /* out of memory: the mark is lost */
    struct ct_tree_pending *p = &t->pending[t->npending++];
    p->ticks = t->mark_ticks;
    p->depth = t->depth;
    p->len = (unsigned)len;
    memcpy(p->label, label, len);
}

/* A mark's label or captured values begin: their bytes come in the next
 * records. Returns how many of those to skip (all, when they cannot be
 * taken). */
CT_NOINST static size_t ct_tree_payload(struct ct_tree *t, const struct ct_event *e)
{
    size_t len = (size_t)CT_EXT_PAYLOAD_LEN(e);
    if (!t->pl_buf && !(t->pl_buf = malloc(CT_TREE_PAYLOAD_CAP))) {
        ct_tree_settle(t);
        return CT_EXT_FOLLOWERS(e); /* no memory: skip the label or values */
    }
    t->pl_type = CT_EXT_TYPE(e);
    t->pl_sig = (uint32_t)(CT_EXT_ARG(e) >> 32);
    if (len > CT_VALUES_MAX) { /* not something capture writes */
        ct_tree_settle(t);
        return CT_EXT_FOLLOWERS(e);
    }
    t->pl_len = len;
    t->pl_have = 0;
    if (len == 0)
        ct_tree_values_done(t);
    return 0;
}

/* One record of a payload in progress. */
CT_NOINST static void ct_tree_payload_bytes(struct ct_tree *t, const struct ct_event *e)
{
    size_t k = t->pl_len - t->pl_have;
    if (k > sizeof(*e))
        k = sizeof(*e);
    memcpy(t->pl_buf + t->pl_have, e, k);
    t->pl_have += k;
    if (t->pl_have == t->pl_len)
        ct_tree_values_done(t);
}

/* An extension record at ts (`before`: the time of the record before it).
 * Returns how many of the records after it to skip. */
CT_NOINST static size_t ct_tree_ext(struct ct_tree *t, const struct ct_event *e, uint64_t ts,
                                    uint64_t before)
{
    switch (CT_EXT_TYPE(e)) {
    case CT_EXT_REGION:
        ct_tree_close_all(t, before);
        return 0;
    case CT_EXT_LOST: /* records were discarded here: nothing open can be trusted */
        ct_tree_close_all(t, before);
        t->lost += CT_EXT_ARG(e);
        return 0;
    case CT_EXT_UNWIND: /* calls abandoned by a longjmp */
        if (t->limited)
            ct_tree_catch_up(t, ts);
        for (uint64_t k = CT_EXT_ARG(e); k > 0 && t->depth > 0; k--)
            ct_tree_pop(t, ts, CT_CLOSE_UNWOUND);
        return 0;
    case CT_EXT_MARK:
        if (t->limited)
            ct_tree_catch_up(t, ts);
        t->mark_ticks = ts;
        return ct_tree_payload(t, e); /* its label follows like values do */
    case CT_EXT_ARGS:
    case CT_EXT_RETVAL:
        return ct_tree_payload(t, e);
    case CT_EXT_SYSCALL:
        if (t->limited)
            ct_tree_catch_up(t, ts);
        t->mark_ticks = ts; /* its end */
        return ct_tree_payload(t, e);
    default:
        return 0; /* unknown extension: skip it */
    }
}

/* Room for one more frame: the stack (and the values, when held) twice as
 * big, up to cap. False when there is none. */
CT_NOINST static bool ct_tree_grow(struct ct_tree *t)
{
    if (t->depth < t->stack_cap)
        return true;
    if (t->stack_cap >= t->cap)
        return false;
    unsigned n = t->stack_cap > t->cap / 2 ? t->cap : t->stack_cap * 2;
    struct ct_tree_frame *st = realloc(t->stack, sizeof(*st) * n);
    if (!st)
        return false;
    t->stack = st;
    if (t->vals) {
        uint8_t *v = realloc(t->vals, (size_t)n * CT_VALUES_MAX);
        if (!v)
            return false; /* the stack is bigger, its capacity not yet */
        t->vals = v;
    }
    t->stack_cap = n;
    return true;
}

CT_NOINST static void ct_tree_enter(struct ct_tree *t, uint64_t fn, uint64_t ts)
{
    if (t->depth == t->cap || !ct_tree_grow(t)) {
        t->overflow++;
        return;
    }
    t->stack[t->depth++] = (struct ct_tree_frame){fn, ts, 0, 0, false};
    if (!t->limited)
        t->open_pending = true; /* after its arguments, if they follow */
    else
        ct_tree_catch_up(t, ts);
}

void ct_tree_feed(struct ct_tree *t, const struct ct_event *ev, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const struct ct_event *e = &ev[i];
        if (t->pl_have < t->pl_len) { /* bytes of a mark's label or of captured values */
            ct_tree_payload_bytes(t, e);
            continue;
        }
        bool value_record = CT_EV_KIND(e) == CT_EV_EXT &&
                            (CT_EXT_TYPE(e) == CT_EXT_ARGS || CT_EXT_TYPE(e) == CT_EXT_RETVAL);
        if (!value_record && (t->open_pending || t->exit_pending))
            ct_tree_settle(t);
        uint64_t ts = CT_EV_TICKS(e), before = t->last_ticks;
        if (ts > t->last_ticks)
            t->last_ticks = ts;
        switch (CT_EV_KIND(e)) {
        case CT_EV_ENTER:
            ct_tree_enter(t, e->addr, ts);
            break;
        case CT_EV_EXIT:
            if (t->limited)
                ct_tree_catch_up(t, ts);
            ct_tree_exit(t, e->addr, ts);
            break;
        case CT_EV_EXT:
            i += ct_tree_ext(t, e, ts, before);
            break;
        default:
            break;
        }
    }
}

void ct_tree_end(struct ct_tree *t, uint64_t end_ticks)
{
    t->pl_len = t->pl_have = 0;
    ct_tree_settle(t);
    ct_tree_close_all(t, end_ticks > t->last_ticks ? end_ticks : t->last_ticks);
}
