/* reader.c — a thread's events back from the event file and its snapshot
 * (see reader.h). Memory: one chunk of I/O, whatever the trace's size. */
#include <stdlib.h>
#include <unistd.h>

#include "base/vec.h"
#include "trace/reader.h"

void ct_read_thread(struct ct_reader *r, const struct ct_snap *s, size_t *cursor, ct_events_fn fn,
                    void *ctx)
{
    /* the first chunk of s (chunks are sorted by serial): a binary search,
     * so that visiting every thread costs n log n, whatever the order */
    size_t i = *cursor <= r->nchunks ? *cursor : r->nchunks, hi = r->nchunks;
    if (i > 0 && r->chunks[i - 1].serial >= s->serial)
        i = 0; /* the cursor is past s's chunks: search them all */
    while (i < hi) {
        size_t mid = i + (hi - i) / 2;
        if (r->chunks[mid].serial < s->serial)
            i = mid + 1;
        else
            hi = mid;
    }
    for (; i < r->nchunks && r->chunks[i].serial == s->serial; i++) {
        const struct ct_chunk_ref *c = &r->chunks[i];
        if (c->seq >= s->seq)
            continue;
        if (!CT_VEC_RESERVE(r->io, r->io_cap, c->nev) ||
            !CT_VEC_RESERVE(r->packed, r->packed_cap, c->nbytes))
            continue;
        size_t n = ct_chunk_read(r->fd, c, r->packed, r->io);
        if (n != c->nev)
            ct_debug("chunk %u of thread %u: %zu of %u records readable", c->seq, c->serial, n,
                     c->nev);
        fn(ctx, r->io, n);
    }
    *cursor = i;
    fn(ctx, s->ev, s->n);
}

CT_NOINST static void ct_feed_tree(void *ctx, const struct ct_event *ev, size_t n)
{
    ct_tree_feed(ctx, ev, n);
}

void ct_read_into_tree(struct ct_reader *r, const struct ct_snap *s, size_t *cursor,
                       struct ct_tree *tree)
{
    ct_read_thread(r, s, cursor, ct_feed_tree, tree);
}

void ct_reader_free(struct ct_reader *r)
{
    free(r->chunks);
    free(r->io);
    free(r->packed);
    if (r->fd >= 0)
        close(r->fd);
    *r = (struct ct_reader){.fd = -1};
}

/* Counts calls and marks of a thread (for the metadata, written first). */
CT_NOINST static void ct_count_events(void *ctx, const struct ct_event *ev, size_t n)
{
    struct ct_snap *s = ctx;
    for (size_t i = 0; i < n; i++) {
        unsigned kind = CT_EV_KIND(&ev[i]);
        if (kind == CT_EV_ENTER) {
            s->calls++;
        } else if (kind == CT_EV_EXT) {
            if (CT_EXT_TYPE(&ev[i]) == CT_EXT_MARK)
                s->marks++;
            else if (CT_EXT_TYPE(&ev[i]) == CT_EXT_ARGS)
                s->values = true;
            i += CT_EXT_FOLLOWERS(&ev[i]);
        }
    }
}

void ct_snap_count(struct ct_reader *r, struct ct_snap *s)
{
    size_t cursor = 0;
    ct_read_thread(r, s, &cursor, ct_count_events, s);
}

uint64_t ct_snap_last_ticks(struct ct_reader *r, const struct ct_snap *s, unsigned max_depth)
{
    size_t cursor = 0;
    struct ct_tree tree;
    uint64_t last = 0;
    if (ct_tree_init(&tree, &ct_tree_ignore, max_depth) == 0) {
        ct_read_into_tree(r, s, &cursor, &tree);
        last = tree.last_ticks;
        ct_tree_free(&tree);
    }
    return last;
}

unsigned ct_snap_open_calls(struct ct_reader *r, const struct ct_snap *s, unsigned max_depth,
                            uint64_t *out, unsigned cap)
{
    struct ct_tree tree;
    if (ct_tree_init(&tree, &ct_tree_ignore, max_depth) != 0)
        return 0;
    size_t cursor = 0;
    ct_read_into_tree(r, s, &cursor, &tree);
    ct_tree_settle(&tree);
    unsigned n = 0;
    for (unsigned d = tree.depth; d > 0 && n < cap; d--)
        out[n++] = tree.stack[d - 1].fn;
    ct_tree_free(&tree);
    return n;
}
