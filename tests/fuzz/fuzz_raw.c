/* fuzz_raw.c — libFuzzer harnesses for the binary event stream reader.
 *
 * Built twice (tests/fuzz/CMakeLists.txt):
 *
 * fuzz_raw     The input is a whole event file (.ctraw, the spill file: see
 *              runtime/event.h). It goes to a memfd, and the reader runs on it
 *              the way output.c does: ct_spill_index(), then per thread (one
 *              serial; META chunks are not events) ct_chunk_read() of every
 *              chunk into buffers of exactly the sizes the chunk header
 *              claims, ct_tree_feed() of the decoded records, ct_tree_end().
 *              Twice: without limits, then with the limits of
 *              CALLTRACE_MIN_DURATION / CALLTRACE_MAX_CALLS (ct_tree_limit;
 *              one budget shared by the threads, as in one write), their
 *              values taken from the header's pid field (low 16 bits: the
 *              minimum ticks, high 16: the budget, 0 = none), which the
 *              reader does not otherwise use. The sink checks that the
 *              open/close/mark callbacks nest.
 *
 * fuzz_unpack  (-DCT_FUZZ_UNPACK) The input is one packed chunk payload:
 *              2 bytes little-endian record count, then the bytes for
 *              ct_unpack(). Whatever decodes is packed again with ct_pack()
 *              (into exactly CT_PACK_BOUND bytes) and must unpack to the same
 *              records: the decoder accepts nothing the encoder cannot
 *              reproduce. The records also go through the tree builder.
 *
 * Any failed check aborts (a crash for libFuzzer). */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "base/config.h"
#include "fuzz_common.h"
#include "stream/pack.h"
#include "stream/spill.h"
#include "trace/tree.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK CT_FUZZ_CHECK

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        abort();
    return p;
}

/* ---- a sink that only checks nesting ------------------------------------- */

struct sink_state {
    unsigned depth, cap; /* depth: calls opened and not closed */
    uint64_t opens, closes, marks, label_sum;
};

static void s_open(void *ctx, unsigned depth, uint64_t fn, uint64_t start)
{
    struct sink_state *st = ctx;
    (void)fn;
    (void)start;
    CHECK(depth == st->depth && depth < st->cap);
    st->depth++;
    st->opens++;
}

static void s_close(void *ctx, unsigned depth, uint64_t fn, uint64_t start, uint64_t end,
                    unsigned flags)
{
    struct sink_state *st = ctx;
    (void)fn;
    CHECK(st->depth > 0 && depth == st->depth - 1);
    CHECK(end >= start);
    CHECK((flags & ~(unsigned)(CT_CLOSE_UNFINISHED | CT_CLOSE_UNWOUND)) == 0);
    st->depth--;
    st->closes++;
}

static void s_mark(void *ctx, unsigned depth, uint64_t fn, uint64_t ticks, const char *label,
                   size_t len)
{
    struct sink_state *st = ctx;
    (void)fn;
    (void)ticks;
    CHECK(depth <= st->depth); /* inside an opened call, or a root */
    CHECK(len <= CT_MARK_MAX);
    for (size_t i = 0; i < len; i++) /* every byte must be readable */
        st->label_sum += (unsigned char)label[i];
    st->marks++;
}

struct feeder {
    struct sink_state st;
    struct ct_tree_sink sink;
    struct ct_tree tree;
};

static int feeder_init(struct feeder *f)
{
    memset(f, 0, sizeof(*f));
    f->st.cap = CT_DEFAULT_MAX_DEPTH + 1; /* ct_tree_init() keeps one frame spare */
    f->sink = (struct ct_tree_sink){&f->st, s_open, s_close, s_mark, NULL, NULL};
    return ct_tree_init(&f->tree, &f->sink, CT_DEFAULT_MAX_DEPTH);
}

static void feeder_end(struct feeder *f)
{
    ct_tree_end(&f->tree, 0);
    CHECK(f->st.depth == 0 && f->tree.depth == 0);
    CHECK(f->st.opens == f->st.closes);
    CHECK(f->tree.calls == f->st.opens);
    ct_tree_free(&f->tree);
}

#ifndef CT_FUZZ_UNPACK

/* ---- fuzz_raw: the event file -------------------------------------------- */

static int fd = -1;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    ct_fuzz_quiet_stderr(argc, argv);
    fd = memfd_create("ct-fuzz-raw", MFD_CLOEXEC);
    if (fd < 0) {
        char path[] = "/tmp/ct-fuzz-raw-XXXXXX";
        fd = mkstemp(path);
        if (fd >= 0)
            unlink(path);
    }
    if (fd < 0) {
        perror("fuzz_raw: no temporary file");
        exit(1);
    }
    return 0;
}

static void load_file(const uint8_t *data, size_t size)
{
    ct_fuzz_set_file(fd, data, size);
}

static bool is_events(const struct ct_chunk_ref *c)
{
#ifdef CT_META_SERIAL
    return c->serial != CT_META_SERIAL;
#else
    (void)c;
    return true;
#endif
}

/* Every thread's chunks through the tree builder, as output.c reads them. */
static void read_threads(const struct ct_chunk_ref *chunks, size_t n, uint64_t min_ticks,
                         struct ct_tree_budget *budget)
{
    for (size_t i = 0; i < n;) {
        uint32_t serial = chunks[i].serial;
        struct feeder f;
        if (feeder_init(&f) != 0)
            abort();
        if (min_ticks || budget)
            ct_tree_limit(&f.tree, min_ticks, budget);
        for (; i < n && chunks[i].serial == serial; i++) {
            const struct ct_chunk_ref *c = &chunks[i];
            if (!is_events(c))
                continue;
            /* Exact sizes: a read past either is an ASan report. */
            uint8_t *packed = xmalloc(c->nbytes);
            struct ct_event *ev = xmalloc((size_t)c->nev * sizeof(*ev));
            size_t got = ct_chunk_read(fd, c, packed, ev);
            CHECK(got <= c->nev);
            ct_tree_feed(&f.tree, ev, got);
            free(ev);
            free(packed);
        }
        feeder_end(&f);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    load_file(data, size);
    struct ct_chunk_ref *chunks = NULL;
    size_t n = ct_spill_index(fd, &chunks);
    CHECK(n == 0 || chunks);

    /* What the index promises: whole chunks inside the file, sorted by
     * (serial, seq), each once; an event chunk holds at least 2 bytes a
     * record (so a reader's allocation stays within 8x the file). */
    for (size_t i = 0; i < n; i++) {
        const struct ct_chunk_ref *c = &chunks[i];
        CHECK(c->offset >= sizeof(struct ct_spill_header) + sizeof(struct ct_chunk_header));
        CHECK(c->offset <= size && c->nbytes <= size - c->offset);
        if (is_events(c))
            CHECK((uint64_t)c->nev * 2 <= c->nbytes);
        if (i > 0) {
            const struct ct_chunk_ref *p = &chunks[i - 1];
            CHECK(p->serial < c->serial || (p->serial == c->serial && p->seq < c->seq));
        }
    }

    read_threads(chunks, n, 0, NULL);

    uint32_t pid = 0;
    if (size >= 16)
        memcpy(&pid, data + 12, sizeof(pid));
    uint64_t min_ticks = pid & 0xffffu, cap = pid >> 16;
    struct ct_tree_budget budget = {cap, 0};
    read_threads(chunks, n, min_ticks, cap ? &budget : NULL);
    CHECK(budget.left <= cap); /* never below zero */

    free(chunks);
    return 0;
}

#else

/* ---- fuzz_unpack: one chunk payload -------------------------------------- */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    ct_fuzz_quiet_stderr(argc, argv);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    size_t n = (size_t)data[0] | (size_t)data[1] << 8;
    const uint8_t *in = data + 2;
    size_t len = size - 2;

    struct ct_event *ev = xmalloc(n * sizeof(*ev));
    size_t got = ct_unpack(in, len, n, ev);
    CHECK(got <= n);

    /* Round trip. */
    uint8_t *packed = xmalloc(CT_PACK_BOUND(got));
    size_t plen = ct_pack(ev, got, packed);
    CHECK(plen <= CT_PACK_BOUND(got));
    struct ct_event *back = xmalloc(got * sizeof(*back));
    size_t got2 = ct_unpack(packed, plen, got, back);
    CHECK(got2 == got);
    CHECK(got == 0 || memcmp(back, ev, got * sizeof(*ev)) == 0);

    struct feeder f;
    if (feeder_init(&f) != 0)
        abort();
    ct_tree_feed(&f.tree, ev, got);
    feeder_end(&f);

    free(back);
    free(packed);
    free(ev);
    return 0;
}

#endif
