/* tree.c — streaming call-tree builder over one thread's events. */
#include <stdlib.h>
#include <string.h>

#include "tree.h"

int ct_tree_init(struct ct_tree *t, const struct ct_tree_sink *sink, unsigned cap)
{
    memset(t, 0, sizeof(*t));
    t->sink = sink;
    t->cap = cap + 1;
    t->stack = malloc(sizeof(*t->stack) * t->cap);
    return t->stack ? 0 : -1;
}

void ct_tree_free(struct ct_tree *t)
{
    free(t->stack);
    t->stack = NULL;
}

CT_NOINST static void ct_tree_pop(struct ct_tree *t, uint64_t end, unsigned flags)
{
    struct ct_tree_frame *f = &t->stack[--t->depth];
    if (flags & CT_CLOSE_UNFINISHED)
        t->unfinished++;
    if (flags & CT_CLOSE_UNWOUND)
        t->unwound++;
    t->sink->close(t->sink->ctx, t->depth, f->fn, f->start, end < f->start ? f->start : end,
                   flags);
}

CT_NOINST static void ct_tree_close_all(struct ct_tree *t, uint64_t end)
{
    while (t->depth > 0)
        ct_tree_pop(t, end, CT_CLOSE_UNFINISHED);
}

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
    ct_tree_pop(t, ts, 0);
}

CT_NOINST static void ct_tree_mark_done(struct ct_tree *t)
{
    const struct ct_tree_frame *top = t->depth ? &t->stack[t->depth - 1] : NULL;
    t->sink->mark(t->sink->ctx, t->depth, top ? top->fn : 0, t->mark_ticks, t->mark_buf,
                  t->mark_len);
    t->mark_len = t->mark_have = 0;
}

void ct_tree_feed(struct ct_tree *t, const struct ct_event *ev, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const struct ct_event *e = &ev[i];
        if (t->mark_have < t->mark_len) { /* label bytes of a pending mark */
            size_t k = t->mark_len - t->mark_have;
            if (k > sizeof(*e))
                k = sizeof(*e);
            memcpy(t->mark_buf + t->mark_have, e, k);
            t->mark_have += k;
            if (t->mark_have == t->mark_len)
                ct_tree_mark_done(t);
            continue;
        }
        uint64_t ts = CT_EV_TICKS(e), before = t->last_ticks;
        if (ts > t->last_ticks)
            t->last_ticks = ts;
        switch (CT_EV_KIND(e)) {
        case CT_EV_ENTER:
            if (t->depth == t->cap) {
                t->overflow++;
                break;
            }
            t->sink->open(t->sink->ctx, t->depth, e->addr, ts);
            t->stack[t->depth++] = (struct ct_tree_frame){e->addr, ts};
            t->calls++;
            break;
        case CT_EV_EXIT:
            ct_tree_exit(t, e->addr, ts);
            break;
        case CT_EV_EXT:
            switch (CT_EXT_TYPE(e)) {
            case CT_EXT_REGION:
                ct_tree_close_all(t, before);
                break;
            case CT_EXT_LOST: /* records were discarded here: nothing open can be trusted */
                ct_tree_close_all(t, before);
                t->lost += CT_EXT_ARG(e);
                break;
            case CT_EXT_MARK:
                t->mark_ticks = ts;
                t->mark_len = CT_EXT_ARG(e) > CT_MARK_MAX ? CT_MARK_MAX : CT_EXT_ARG(e);
                t->mark_have = 0;
                if (t->mark_len == 0)
                    ct_tree_mark_done(t);
                break;
            default:
                break; /* unknown extension: skip it */
            }
            break;
        default:
            break;
        }
    }
}

void ct_tree_end(struct ct_tree *t, uint64_t end_ticks)
{
    ct_tree_close_all(t, end_ticks > t->last_ticks ? end_ticks : t->last_ticks);
}
