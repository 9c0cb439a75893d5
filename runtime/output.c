/* output.c — from the event stream to the JSON call tree.
 *
 * Each write is a consistent cut: every thread's unspilled buffer is copied
 * (seqlock snapshot), then the spill file is indexed and only chunks older
 * than each snapshot are read. A first pass counts calls for the metadata, a
 * second streams every thread's events through the tree builder into the
 * JSON writer. Memory: the snapshots, one chunk of I/O, the open-call stack
 * and the marks of one thread — never one node per call. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "calltrace.h"
#include "clock.h"
#include "config.h"
#include "hooks.h"
#include "jsonw.h"
#include "output.h"
#include "spill.h"
#include "symbols.h"
#include "thread.h"
#include "tree.h"

static pthread_mutex_t ct_output_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ct_symtab *ct_syms; /* kept across flushes, guarded by ct_output_lock */

struct ct_snap {
    struct ct_thread *t;
    struct ct_event *ev; /* the unspilled tail */
    uint32_t n, seq;
    uint64_t calls, marks;
};

struct ct_reader {
    int fd;
    struct ct_chunk_ref *chunks;
    size_t nchunks, next; /* chunks are sorted by (serial, seq); threads are visited in order */
    struct ct_event *io;
    size_t io_cap;
};

typedef void (*ct_events_fn)(void *ctx, const struct ct_event *ev, size_t n);

/* Streams thread `s`'s events in order: spilled chunks older than its
 * snapshot, then the snapshot. */
CT_NOINST static void ct_read_thread(struct ct_reader *r, const struct ct_snap *s, size_t *cursor,
                                     ct_events_fn fn, void *ctx)
{
    size_t i = *cursor;
    while (i < r->nchunks && r->chunks[i].serial < s->t->serial)
        i++;
    for (; i < r->nchunks && r->chunks[i].serial == s->t->serial; i++) {
        const struct ct_chunk_ref *c = &r->chunks[i];
        if (c->seq >= s->seq)
            continue;
        if (c->nev > r->io_cap) {
            free(r->io);
            r->io_cap = c->nev;
            r->io = malloc(r->io_cap * sizeof(*r->io));
            if (!r->io) {
                r->io_cap = 0;
                continue;
            }
        }
        size_t bytes = (size_t)c->nev * sizeof(struct ct_event);
        if (pread(r->fd, r->io, bytes, (off_t)c->offset) != (ssize_t)bytes)
            continue;
        fn(ctx, r->io, c->nev);
    }
    *cursor = i;
    fn(ctx, s->ev, s->n);
}

/* ---------------------------------------------------------------- pass 1 */

CT_NOINST static void ct_count_events(void *ctx, const struct ct_event *ev, size_t n)
{
    struct ct_snap *s = ctx;
    for (size_t i = 0; i < n; i++) {
        unsigned kind = CT_EV_KIND(&ev[i]);
        if (kind == CT_EV_ENTER) {
            s->calls++;
        } else if (kind == CT_EV_EXT && CT_EXT_TYPE(&ev[i]) == CT_EXT_MARK) {
            s->marks++;
            i += CT_EXT_PAYLOAD_EVENTS(CT_EXT_ARG(&ev[i]));
        }
    }
}

/* ---------------------------------------------------------------- pass 2 */

struct ct_mark_rec {
    uint64_t ticks, fn;
    unsigned depth;
    size_t len;
    char label[CT_MARK_MAX + 1];
};

struct ct_json_sink {
    struct ct_jw *w;
    struct ct_mark_rec *marks;
    size_t nmarks, cap;
};

CT_NOINST static void ct_json_open(void *ctx, unsigned depth, uint64_t fn, uint64_t start)
{
    (void)depth;
    struct ct_json_sink *js = ctx;
    struct ct_jw *w = js->w;
    const struct ct_symbol *sym = ct_symtab_lookup(ct_syms, (uintptr_t)fn);
    ct_jw_obj(w);
    ct_jw_key(w, "function");
    ct_jw_str(w, sym->name);
    ct_jw_key(w, "address");
    ct_jw_hex(w, fn);
    /* never null under root_calls: `.. | select(.function? | test(..))`, a
     * recipe users run, fails on a null */
    ct_jw_key(w, "file");
    ct_jw_str(w, sym->file ? sym->file : "??");
    ct_jw_key(w, "line");
    ct_jw_u64(w, sym->line);
    ct_jw_key(w, "start_ns");
    ct_jw_u64(w, ct_clock_to_ns(start));
    ct_jw_key(w, "children");
    ct_jw_arr(w);
}

CT_NOINST static void ct_json_close(void *ctx, unsigned depth, uint64_t fn, uint64_t start,
                                    uint64_t end, unsigned flags)
{
    (void)depth;
    (void)fn;
    struct ct_jw *w = ((struct ct_json_sink *)ctx)->w;
    uint64_t s = ct_clock_to_ns(start), e = ct_clock_to_ns(end);
    ct_jw_arr_end(w);
    ct_jw_key(w, "end_ns");
    ct_jw_u64(w, e);
    ct_jw_key(w, "duration_ns");
    ct_jw_u64(w, e - s);
    if (flags & CT_CLOSE_UNFINISHED) {
        ct_jw_key(w, "unfinished");
        ct_jw_bool(w, true);
    }
    if (flags & CT_CLOSE_UNWOUND) {
        ct_jw_key(w, "unwound");
        ct_jw_bool(w, true);
    }
    ct_jw_obj_end(w);
}

CT_NOINST static void ct_json_mark(void *ctx, unsigned depth, uint64_t fn, uint64_t ticks,
                                   const char *label, size_t len)
{
    struct ct_json_sink *js = ctx;
    if (js->nmarks == js->cap) {
        size_t cap = js->cap ? js->cap * 2 : 16;
        struct ct_mark_rec *m = realloc(js->marks, cap * sizeof(*m));
        if (!m)
            return;
        js->marks = m;
        js->cap = cap;
    }
    struct ct_mark_rec *m = &js->marks[js->nmarks++];
    m->ticks = ticks;
    m->fn = fn;
    m->depth = depth;
    m->len = len > CT_MARK_MAX ? CT_MARK_MAX : len;
    memcpy(m->label, label, m->len);
}

CT_NOINST static void ct_feed_tree(void *ctx, const struct ct_event *ev, size_t n)
{
    ct_tree_feed(ctx, ev, n);
}

CT_NOINST static void ct_write_marks(struct ct_jw *w, const struct ct_json_sink *js)
{
    ct_jw_key(w, "marks");
    ct_jw_arr(w);
    for (size_t i = 0; i < js->nmarks; i++) {
        const struct ct_mark_rec *m = &js->marks[i];
        ct_jw_obj(w);
        ct_jw_key(w, "label");
        ct_jw_strn(w, m->label, m->len);
        ct_jw_key(w, "timestamp_ns");
        ct_jw_u64(w, ct_clock_to_ns(m->ticks));
        ct_jw_key(w, "function");
        if (m->fn)
            ct_jw_str(w, ct_symtab_lookup(ct_syms, (uintptr_t)m->fn)->name);
        else
            ct_jw_null(w);
        ct_jw_key(w, "depth");
        ct_jw_u64(w, m->depth);
        ct_jw_obj_end(w);
    }
    ct_jw_arr_end(w);
}

/* One entry of call_trees. Returns the calls written. */
CT_NOINST static uint64_t ct_write_thread(struct ct_jw *w, struct ct_reader *r,
                                          const struct ct_snap *s, size_t *cursor,
                                          uint64_t end_ticks, const char *key)
{
    struct ct_json_sink js = {.w = w};
    struct ct_tree_sink sink = {&js, ct_json_open, ct_json_close, ct_json_mark};
    struct ct_tree tree;
    if (ct_tree_init(&tree, &sink, ct_cfg.max_depth) != 0)
        return 0;
    char name[CT_THREAD_NAME_MAX];
    ct_thread_get_name(s->t, name, sizeof(name));

    ct_jw_key(w, key);
    ct_jw_obj(w);
    ct_jw_key(w, "thread_id");
    ct_jw_u64(w, (uint64_t)s->t->tid);
    ct_jw_key(w, "name");
    ct_jw_str(w, name);
    ct_jw_key(w, "calls");
    ct_jw_u64(w, s->calls);
    ct_jw_key(w, "root_calls");
    ct_jw_arr(w);
    ct_read_thread(r, s, cursor, ct_feed_tree, &tree);
    bool exited = atomic_load_explicit(&s->t->exited, memory_order_acquire);
    ct_tree_end(&tree, exited ? 0 : end_ticks);
    ct_jw_arr_end(w);
    ct_write_marks(w, &js);
    ct_jw_key(w, "unfinished_calls");
    ct_jw_u64(w, tree.unfinished);
    ct_jw_key(w, "unwound_calls");
    ct_jw_u64(w, tree.unwound);
    ct_jw_key(w, "unmatched_exits");
    ct_jw_u64(w, tree.unmatched_exits);
    ct_jw_key(w, "dropped");
    ct_jw_obj(w);
    ct_jw_key(w, "depth");
    ct_jw_u64(w, CT_READ(s->t->dropped_depth));
    ct_jw_key(w, "reentrant");
    ct_jw_u64(w, CT_READ(s->t->dropped_reentrant));
    ct_jw_key(w, "buffer");
    ct_jw_u64(w, CT_READ(s->t->dropped_buffer));
    ct_jw_obj_end(w);
    ct_jw_obj_end(w);
    free(js.marks);
    uint64_t calls = tree.calls;
    ct_tree_free(&tree);
    return calls;
}

/* Opens a temporary file beside `path` for writing. */
CT_NOINST static int ct_open_tmp(const char *path, char *tmp, size_t cap)
{
    snprintf(tmp, cap, "%s.%d.tmp", path, (int)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        ct_log("cannot write the trace %s: %s", path, strerror(errno));
    return fd;
}

/* Closes `fd` and renames `tmp` to `path` unless `err`; never leaves a
 * partial file at `path`. Returns 0 or -1 (with one message). */
CT_NOINST static int ct_commit_tmp(int fd, const char *tmp, const char *path, int err)
{
    if (close(fd) != 0 && !err)
        err = errno;
    if (!err && rename(tmp, path) != 0)
        err = errno;
    if (!err)
        return 0;
    unlink(tmp);
    ct_log("cannot write the trace %s: %s", path, strerror(err));
    return -1;
}

struct ct_raw_copy {
    int fd;
    struct ct_thread *t;
    uint32_t seq;
    int err;
};

CT_NOINST static void ct_copy_chunk(void *ctx, const struct ct_event *ev, size_t n)
{
    struct ct_raw_copy *c = ctx;
    if (!n || c->err)
        return;
    struct ct_chunk_header h = {CT_CHUNK_MAGIC, c->t->serial, c->seq++, (uint32_t)n,
                                (uint32_t)c->t->tid, 0, 0};
    struct iovec iov[2] = {{&h, sizeof(h)}, {(void *)ev, n * sizeof(*ev)}};
    ssize_t want = (ssize_t)(sizeof(h) + n * sizeof(*ev));
    if (writev(c->fd, iov, 2) != want)
        c->err = errno ? errno : ENOSPC;
}

CT_NOINST static void ct_iso8601(uint64_t real_ns, char *out, size_t cap)
{
    time_t sec = (time_t)(real_ns / 1000000000u);
    struct tm tm;
    gmtime_r(&sec, &tm);
    size_t n = strftime(out, cap, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, cap - n, ".%03uZ", (unsigned)(real_ns / 1000000u % 1000u));
}

struct ct_totals {
    uint64_t calls, threads, depth, reentrant, buffer;
};

CT_NOINST static void ct_write_metadata(struct ct_jw *w, const struct ct_totals *tot, bool final,
                                        uint64_t end_ticks)
{
    char ts[48];
    ct_iso8601(ct_clk.base_real, ts, sizeof(ts));
    uint64_t untraced = atomic_load(&ct_untraced_threads);
    ct_jw_key(w, "metadata");
    ct_jw_obj(w);
    ct_jw_key(w, "version");
    ct_jw_str(w, CALLTRACE_VERSION_STRING);
    ct_jw_key(w, "format_version");
    ct_jw_u64(w, 1);
    ct_jw_key(w, "timestamp");
    ct_jw_str(w, ts);
    ct_jw_key(w, "executable");
    ct_jw_str(w, ct_cfg.exe);
    ct_jw_key(w, "pid");
    ct_jw_u64(w, (uint64_t)getpid());
    ct_jw_key(w, "total_calls");
    ct_jw_u64(w, tot->calls);
    ct_jw_key(w, "threads");
    ct_jw_u64(w, tot->threads);
    ct_jw_key(w, "complete");
    ct_jw_bool(w, final);
    ct_jw_key(w, "duration_ns");
    ct_jw_u64(w, ct_clock_to_ns(end_ticks));
    ct_jw_key(w, "clock");
    ct_jw_str(w, ct_clk.use_tsc ? "tsc" : "monotonic");
    ct_jw_key(w, "start_monotonic_ns");
    ct_jw_u64(w, ct_clk.base_mono);
    ct_jw_key(w, "max_depth");
    ct_jw_u64(w, ct_cfg.max_depth);
    ct_jw_key(w, "capture_args");
    ct_jw_bool(w, false);
    ct_jw_key(w, "dropped");
    ct_jw_obj(w);
    ct_jw_key(w, "depth");
    ct_jw_u64(w, tot->depth);
    ct_jw_key(w, "reentrant");
    ct_jw_u64(w, tot->reentrant);
    ct_jw_key(w, "buffer");
    ct_jw_u64(w, tot->buffer);
    ct_jw_key(w, "untraced_threads");
    ct_jw_u64(w, untraced);
    ct_jw_obj_end(w);
    ct_jw_key(w, "truncated");
    ct_jw_bool(w, tot->buffer > 0 || untraced > 0);
    ct_jw_obj_end(w);
}

CT_NOINST static int ct_write_json(struct ct_snap *snaps, size_t nsnap, struct ct_reader *r,
                                   bool final, uint64_t end_ticks)
{
    uint64_t t0 = ct_mono_ns();
    char path[PATH_MAX];
    ct_format_path(&ct_cfg, CT_FMT_JSON, path, sizeof(path));
    struct ct_totals tot = {0};
    for (size_t i = 0; i < nsnap; i++) {
        size_t cursor = 0;
        ct_read_thread(r, &snaps[i], &cursor, ct_count_events, &snaps[i]);
        if (snaps[i].calls || snaps[i].marks)
            tot.threads++;
        tot.calls += snaps[i].calls;
        tot.depth += CT_READ(snaps[i].t->dropped_depth);
        tot.reentrant += CT_READ(snaps[i].t->dropped_reentrant);
        tot.buffer += CT_READ(snaps[i].t->dropped_buffer);
    }

    char tmp[PATH_MAX + 32];
    int fd = ct_open_tmp(path, tmp, sizeof(tmp));
    if (fd < 0)
        return CALLTRACE_EIO;
    struct ct_jw w;
    if (ct_jw_init(&w, fd, ct_cfg.pretty, ct_cfg.max_depth * 2 + 16) != 0) {
        close(fd);
        unlink(tmp);
        return CALLTRACE_ENOMEM;
    }
    ct_jw_obj(&w);
    ct_write_metadata(&w, &tot, final, end_ticks);
    ct_jw_key(&w, "call_trees");
    ct_jw_obj(&w);
    size_t cursor = 0;
    for (size_t i = 0; i < nsnap; i++) {
        if (!snaps[i].calls && !snaps[i].marks)
            continue;
        char key[48];
        int dup = 0;
        for (size_t j = 0; j < i; j++)
            dup |= (snaps[j].calls || snaps[j].marks) && snaps[j].t->tid == snaps[i].t->tid;
        if (dup) /* the kernel reused a thread id */
            snprintf(key, sizeof(key), "%d.%u", (int)snaps[i].t->tid, snaps[i].t->serial);
        else
            snprintf(key, sizeof(key), "%d", (int)snaps[i].t->tid);
        uint64_t written = ct_write_thread(&w, r, &snaps[i], &cursor, end_ticks, key);
        if (written != snaps[i].calls)
            ct_debug("thread %s: %llu calls counted, %llu written", key,
                     (unsigned long long)snaps[i].calls, (unsigned long long)written);
    }
    ct_jw_obj_end(&w);
    ct_jw_obj_end(&w);
    int err = ct_jw_finish(&w);
    if (ct_commit_tmp(fd, tmp, path, err) != 0)
        return CALLTRACE_EIO;
    ct_debug("wrote %s: %llu calls, %llu threads, %llu bytes in %.1f ms", path,
             (unsigned long long)tot.calls, (unsigned long long)tot.threads,
             (unsigned long long)w.bytes, (double)(ct_mono_ns() - t0) / 1e6);
    return 0;
}

/* The raw format: the event file itself. At exit the unspilled tails are
 * appended and the file is renamed; on a flush a copy is written. */
CT_NOINST static int ct_write_raw(struct ct_snap *snaps, size_t nsnap, struct ct_reader *r,
                                  bool final)
{
    char path[PATH_MAX];
    ct_format_path(&ct_cfg, CT_FMT_RAW, path, sizeof(path));
    if (final && ct_spill_fd >= 0) {
        int ok = 0;
        for (size_t i = 0; i < nsnap; i++) {
            if (!snaps[i].n)
                continue;
            struct ct_chunk_header h = {CT_CHUNK_MAGIC, snaps[i].t->serial, snaps[i].seq,
                                        snaps[i].n, (uint32_t)snaps[i].t->tid, 0, 0};
            ok |= ct_spill_append(&h, snaps[i].ev);
        }
        if (ok == 0 && rename(ct_spill_path, path) == 0) {
            ct_spill_path[0] = '\0'; /* kept: not removed at close */
            ct_debug("kept the event stream as %s", path);
            return 0;
        }
        ct_log("cannot keep the event stream as %s: %s", path, strerror(errno));
        return CALLTRACE_EIO;
    }
    char tmp[PATH_MAX + 32];
    int fd = ct_open_tmp(path, tmp, sizeof(tmp));
    if (fd < 0)
        return CALLTRACE_EIO;
    struct ct_spill_header fh;
    ct_spill_header_init(&fh);
    int err = write(fd, &fh, sizeof(fh)) == (ssize_t)sizeof(fh) ? 0 : (errno ? errno : ENOSPC);
    size_t cursor = 0;
    for (size_t i = 0; i < nsnap && !err; i++) {
        struct ct_raw_copy c = {fd, snaps[i].t, 0, 0};
        ct_read_thread(r, &snaps[i], &cursor, ct_copy_chunk, &c);
        err = c.err;
    }
    return ct_commit_tmp(fd, tmp, path, err) == 0 ? 0 : CALLTRACE_EIO;
}

int ct_output_write(bool final)
{
    pthread_mutex_lock(&ct_output_lock);
    struct ct_thread *self = ct_self;
    uint32_t was_busy = self ? self->busy : 0;
    if (self)
        self->busy = 1; /* nothing we call is instrumented, but be sure */

    uint64_t end_ticks = ct_clock_ticks();
    ct_clock_calibrate();
    if (!ct_syms)
        ct_syms = ct_symtab_new();

    int rc = CALLTRACE_ENOMEM;
    uint32_t nthreads = atomic_load_explicit(&ct_thread_count, memory_order_acquire);
    struct ct_snap *snaps = calloc(nthreads ? nthreads : 1, sizeof(*snaps));
    size_t nsnap = 0;
    struct ct_reader r = {.fd = -1};
    if (!snaps || !ct_syms)
        goto out;
    for (uint32_t i = 0; i < nthreads; i++) {
        struct ct_thread *t = __atomic_load_n(&ct_threads[i], __ATOMIC_ACQUIRE);
        if (!t)
            continue;
        struct ct_snap *s = &snaps[nsnap];
        s->t = t;
        s->ev = malloc((size_t)t->cap * sizeof(struct ct_event));
        if (!s->ev)
            goto out;
        nsnap++;
        s->n = ct_thread_snapshot(t, s->ev, &s->seq);
    }
    if (ct_spill_path[0])
        r.fd = open(ct_spill_path, O_RDONLY | O_CLOEXEC);
    r.nchunks = ct_spill_index(r.fd, &r.chunks);
    rc = 0;
    if (ct_cfg.formats & CT_FMT_JSON)
        rc = ct_write_json(snaps, nsnap, &r, final, end_ticks);
    if (ct_cfg.formats & CT_FMT_RAW) {
        int rr = ct_write_raw(snaps, nsnap, &r, final);
        rc = rc ? rc : rr;
    }
out:
    for (size_t i = 0; i < nsnap; i++)
        free(snaps[i].ev);
    free(snaps);
    free(r.chunks);
    free(r.io);
    if (r.fd >= 0)
        close(r.fd);
    if (self)
        self->busy = was_busy;
    pthread_mutex_unlock(&ct_output_lock);
    return rc;
}

void ct_output_release(void)
{
    pthread_mutex_lock(&ct_output_lock);
    ct_symtab_free(ct_syms);
    ct_syms = NULL;
    pthread_mutex_unlock(&ct_output_lock);
}
