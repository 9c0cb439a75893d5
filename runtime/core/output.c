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
#include <signal.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "calltrace.h"
#include "capture/capture.h"
#include "base/clock.h"
#include "base/config.h"
#include "record/hooks.h"
#include "views/format.h"
#include "stream/pack.h"
#include "core/signals.h"
#include "core/output.h"
#include "record/meta.h"
#include "core/output_priv.h"
#include "stream/spill.h"
#include "symbols/symbols.h"
#include "record/thread.h"
#include "trace/tree.h"

static pthread_mutex_t ct_output_lock = PTHREAD_MUTEX_INITIALIZER;
uint32_t ct_out_pid; /* of the traced process: getpid() live, the file's offline */
struct ct_symtab *ct_syms; /* kept across flushes, guarded by ct_output_lock */

/* Grows *buf to hold `need` items of `size` bytes. Returns false on ENOMEM. */
CT_NOINST static bool ct_reserve(void **buf, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return true;
    void *p = realloc(*buf, need * size);
    if (!p)
        return false;
    *buf = p;
    *cap = need;
    return true;
}

/* Streams thread `s`'s events in order: spilled chunks older than its
 * snapshot, then the snapshot. */
void ct_read_thread(struct ct_reader *r, const struct ct_snap *s, size_t *cursor, ct_events_fn fn,
                    void *ctx)
{
    size_t i = *cursor;
    while (i < r->nchunks && r->chunks[i].serial < s->serial)
        i++;
    for (; i < r->nchunks && r->chunks[i].serial == s->serial; i++) {
        const struct ct_chunk_ref *c = &r->chunks[i];
        if (c->seq >= s->seq)
            continue;
        if (!ct_reserve((void **)&r->io, &r->io_cap, c->nev, sizeof(*r->io)) ||
            !ct_reserve((void **)&r->packed, &r->packed_cap, c->nbytes, 1))
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

/* Opens a temporary file beside `path` for writing. */
CT_NOINST static int ct_open_tmp(const char *path, char *tmp, size_t cap)
{
    /* an unpredictable name, created 0600 with O_EXCL: nothing planted there
     * (a symlink, someone else's file) is followed or overwritten */
    snprintf(tmp, cap, "%s.XXXXXX", path);
    int fd = mkostemp(tmp, O_CLOEXEC);
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
    uint32_t serial;
    pid_t tid;
    uint32_t seq;
    int err;
    uint8_t *scratch;
    size_t scratch_cap;
};

/* Packs `n` events as the next chunk of c->t into c->fd. */
CT_NOINST static void ct_copy_chunk(void *ctx, const struct ct_event *ev, size_t n)
{
    struct ct_raw_copy *c = ctx;
    if (!n || c->err)
        return;
    if (!ct_reserve((void **)&c->scratch, &c->scratch_cap, CT_PACK_BOUND(n), 1)) {
        c->err = ENOMEM;
        return;
    }
    c->err = ct_chunk_write(c->fd, c->serial, c->seq++, (uint32_t)c->tid, ev,
                            (uint32_t)n, c->scratch);
}

void ct_out_iso8601(uint64_t real_ns, char *out, size_t cap)
{
    time_t sec = (time_t)(real_ns / 1000000000u);
    struct tm tm;
    gmtime_r(&sec, &tm);
    size_t n = strftime(out, cap, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, cap - n, ".%03uZ", (unsigned)(real_ns / 1000000u % 1000u));
}

const struct ct_symbol *ct_out_symbol(uint64_t fn)
{
    return ct_symtab_lookup(ct_syms, (uintptr_t)fn);
}

static const struct ct_format_ops *const ct_formats_table[] = {
    &ct_fmt_json, &ct_fmt_chrome, &ct_fmt_folded, &ct_fmt_text, &ct_fmt_summary, &ct_fmt_html,
};


CT_NOINST static void ct_feed_tree(void *ctx, const struct ct_event *ev, size_t n)
{
    ct_tree_feed(ctx, ev, n);
}

/* CALLTRACE_MIN_DURATION and CALLTRACE_MAX_CALLS on a tree about to be fed;
 * `budget` is shared by the threads of one pass. */
CT_NOINST static void ct_limit_tree(struct ct_tree *tree, struct ct_tree_budget *budget)
{
    double ticks = (double)ct_cfg.min_duration_ns / ct_clk.ns_per_tick;
    /* a damaged file's calibration can make this anything: a tick count
     * beyond 2^63 (or NaN) keeps nothing, rather than overflow the cast */
    uint64_t min = ticks >= 0x1p63 || ticks != ticks ? UINT64_MAX / 2 : (uint64_t)ticks;
    if (ct_cfg.min_duration_ns == 0)
        min = 0;
    else if (min < UINT64_MAX / 2 && (double)min < ticks)
        min++;
    ct_tree_limit(tree, min, ct_cfg.max_calls ? budget : NULL);
}

/* Writes one format: every thread's events through the tree builder into
 * the format's callbacks, into a temporary file renamed at the end (or into
 * `to_fd` when it is not -1: the summary on stderr). */
CT_NOINST static int ct_write_format(const struct ct_format_ops *f, struct ct_snap *snaps,
                                     size_t nsnap, struct ct_reader *r,
                                     const struct ct_out_run *run, int to_fd)
{
    uint64_t t0 = ct_mono_ns();
    char path[PATH_MAX], tmp[PATH_MAX + 32];
    ct_format_path(&ct_cfg, f->bit, path, sizeof(path));
    int fd = to_fd >= 0 ? to_fd : ct_open_tmp(path, tmp, sizeof(tmp));
    if (fd < 0)
        return CALLTRACE_EIO;
    void *st = f->begin(fd, run);
    if (!st) {
        if (to_fd < 0) {
            close(fd);
            unlink(tmp);
        }
        return CALLTRACE_ENOMEM;
    }
    struct ct_tree_sink sink = {st, f->open, f->close, f->mark, f->values};
    struct ct_tree_budget budget = {ct_cfg.max_calls, 0};
    size_t cursor = 0;
    for (size_t i = 0; i < nsnap; i++) {
        const struct ct_snap *s = &snaps[i];
        if (!s->calls && !s->marks)
            continue;
        char key[48], name[CT_THREAD_NAME_MAX];
        int dup = 0;
        for (size_t j = 0; j < i; j++)
            dup |= (snaps[j].calls || snaps[j].marks) && snaps[j].tid == s->tid;
        if (dup) /* the kernel reused a thread id */
            snprintf(key, sizeof(key), "%d.%u", (int)s->tid, s->serial);
        else
            snprintf(key, sizeof(key), "%d", (int)s->tid);
        memcpy(name, s->name, sizeof(name));
        struct ct_out_thread th = {
            .key = key,
            .tid = (uint32_t)s->tid,
            .serial = s->serial,
            .name = name,
            .calls = s->calls,
            .marks = s->marks,
            .drops = s->drops,
        };
        struct ct_tree tree;
        if (ct_tree_init(&tree, &sink, ct_cfg.max_depth) != 0)
            continue;
        ct_limit_tree(&tree, &budget);
        f->thread_begin(st, &th);
        ct_read_thread(r, s, &cursor, ct_feed_tree, &tree);
        bool exited = s->exited;
        ct_tree_end(&tree, exited ? 0 : run->end_ticks);
        f->thread_end(st, &th, &tree);
        if (tree.calls != s->calls)
            ct_debug("thread %s: %llu calls counted, %llu written", key,
                     (unsigned long long)s->calls, (unsigned long long)tree.calls);
        ct_tree_free(&tree);
    }
    int err = f->end(st);
    if (to_fd >= 0)
        return err ? CALLTRACE_EIO : 0;
    off_t bytes = lseek(fd, 0, SEEK_CUR);
    if (ct_commit_tmp(fd, tmp, path, err) != 0)
        return CALLTRACE_EIO;
    ct_debug("wrote %s: %llu calls, %llu threads, %lld bytes in %.1f ms", path,
             (unsigned long long)run->total_calls, (unsigned long long)run->threads,
             (long long)bytes, (double)(ct_mono_ns() - t0) / 1e6);
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
        /* the writer has stopped: the tails are the only records not in the file */
        int err = 0;
        for (size_t i = 0; i < nsnap && !err; i++) {
            struct ct_raw_copy c = {ct_spill_fd, snaps[i].serial, snaps[i].tid, snaps[i].seq, 0,
                                    NULL, 0};
            ct_copy_chunk(&c, snaps[i].ev, snaps[i].n);
            free(c.scratch);
            err = c.err;
        }
        if (err == 0 && rename(ct_spill_path, path) == 0) {
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
        struct ct_raw_copy c = {fd, snaps[i].serial, snaps[i].tid, 0, 0, NULL, 0};
        ct_read_thread(r, &snaps[i], &cursor, ct_copy_chunk, &c);
        free(c.scratch);
        err = c.err;
    }
    return ct_commit_tmp(fd, tmp, path, err) == 0 ? 0 : CALLTRACE_EIO;
}

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

/* The call stack of the thread that got the ending signal, innermost first:
 * what was still open at the end of its events — calltrace's own record,
 * right even when the real stack is smashed. Returns its depth. */
CT_NOINST static unsigned ct_ending_stack(struct ct_snap *snaps, size_t nsnap,
                                          struct ct_reader *r, uint64_t *out)
{
    for (size_t i = 0; i < nsnap; i++) {
        if (snaps[i].tid != ct_ending.tid)
            continue;
        struct ct_tree_sink sink = {NULL, ct_ignore_open, ct_ignore_close, ct_ignore_mark, NULL};
        struct ct_tree tree;
        if (ct_tree_init(&tree, &sink, ct_cfg.max_depth) != 0)
            return 0;
        size_t cursor = 0;
        ct_read_thread(r, &snaps[i], &cursor, ct_feed_tree, &tree);
        ct_tree_settle(&tree);
        unsigned n = 0;
        for (unsigned d = tree.depth; d > 0 && n < CT_ENDING_STACK_MAX; d--)
            out[n++] = tree.stack[d - 1].fn;
        ct_tree_free(&tree);
        return n;
    }
    return 0;
}

void ct_output_atfork_child(void)
{
    pthread_mutex_init(&ct_output_lock, NULL);
    ct_syms = NULL; /* another thread may have been building it: leave it be */
}

/* Counts, applies the limits, finds the ending stack and writes every
 * requested format: the part a live write and calltrace-convert share. */
int ct_output_snaps(struct ct_snap *snaps, size_t nsnap, struct ct_reader *r, bool final,
                    uint64_t end_ticks, bool read_back, uint64_t untraced, bool live)
{
    struct ct_out_run run = {.final = final, .pid = ct_out_pid, .end_ticks = end_ticks};
    for (size_t i = 0; i < nsnap; i++) {
        size_t cursor = 0;
        if (read_back)
            ct_read_thread(r, &snaps[i], &cursor, ct_count_events, &snaps[i]);
        run.threads += snaps[i].calls || snaps[i].marks;
        run.total_calls += snaps[i].calls;
        run.values |= snaps[i].values;
        run.drops.depth += snaps[i].drops.depth;
        run.drops.reentrant += snaps[i].drops.reentrant;
        run.drops.buffer += snaps[i].drops.buffer;
        run.filtered.functions += snaps[i].filtered;
    }
    run.drops.untraced_threads = untraced;
    run.truncated = run.drops.buffer > 0 || run.drops.untraced_threads > 0;
    if (read_back && (ct_cfg.min_duration_ns || ct_cfg.max_calls)) {
        /* the metadata comes first: count the calls the limits let through */
        struct ct_tree_sink none = {NULL, ct_ignore_open, ct_ignore_close, ct_ignore_mark, NULL};
        struct ct_tree_budget budget = {ct_cfg.max_calls, 0};
        run.threads = run.total_calls = 0;
        for (size_t i = 0; i < nsnap; i++) {
            struct ct_tree tree;
            size_t cursor = 0;
            if (ct_tree_init(&tree, &none, ct_cfg.max_depth) == 0) {
                ct_limit_tree(&tree, &budget);
                ct_read_thread(r, &snaps[i], &cursor, ct_feed_tree, &tree);
                ct_tree_end(&tree, snaps[i].exited ? 0 : end_ticks);
                snaps[i].calls = tree.calls;
                run.filtered.min_duration += tree.short_calls;
                ct_tree_free(&tree);
            }
            run.threads += snaps[i].calls || snaps[i].marks;
            run.total_calls += snaps[i].calls;
        }
        run.max_calls = ct_cfg.max_calls;
        run.calls_not_written = budget.not_written;
        run.truncated |= budget.not_written > 0;
    }
    uint64_t stack[CT_ENDING_STACK_MAX];
    if (final && ct_ending.signal) {
        run.ending = &ct_ending;
        run.ending_stack = stack;
        run.ending_depth = ct_ending_stack(snaps, nsnap, r, stack);
    }

    int rc = 0;
    for (size_t i = 0; i < CT_ARRAY_LEN(ct_formats_table); i++) {
        if (!(ct_cfg.formats & ct_formats_table[i]->bit))
            continue;
        int fr = ct_write_format(ct_formats_table[i], snaps, nsnap, r, &run, -1);
        rc = rc ? rc : fr;
    }
    if (final && ct_cfg.summary) /* CALLTRACE_SUMMARY=1: on stderr as well */
        ct_write_format(&ct_fmt_summary, snaps, nsnap, r, &run, 2);
    if (live && (ct_cfg.formats & CT_FMT_RAW)) {
        int rr = ct_write_raw(snaps, nsnap, r, final);
        rc = rc ? rc : rr;
    }
    return rc;
}

int ct_output_write(bool final)
{
    pthread_mutex_lock(&ct_output_lock);
    /* A file size limit must fail our write (EFBIG), not kill the program
     * with SIGXFSZ. */
    sigset_t xfsz, old_mask, pending_before;
    sigemptyset(&xfsz);
    sigaddset(&xfsz, SIGXFSZ);
    sigpending(&pending_before);
    pthread_sigmask(SIG_BLOCK, &xfsz, &old_mask);
    struct ct_thread *self = ct_self;
    uint32_t was_busy = self ? self->busy : 0;
    if (self)
        self->busy = 1; /* nothing we call is instrumented, but be sure */

    uint64_t end_ticks = final && ct_final_ticks ? ct_final_ticks : ct_clock_ticks();
    if (!(final && ct_meta_calibrated)) /* the final META's calibration is the one */
        ct_clock_calibrate();
    ct_out_pid = (uint32_t)getpid();
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
        s->serial = t->serial;
        s->tid = t->tid;
        s->exited = atomic_load_explicit(&t->exited, memory_order_acquire);
        ct_thread_get_name(t, s->name, sizeof(s->name));
        s->ev = malloc((size_t)CT_RING * t->cap * sizeof(struct ct_event));
        if (!s->ev)
            goto out;
        nsnap++;
        s->n = ct_thread_snapshot(t, s->ev, &s->seq);
        s->drops = (struct ct_drops){CT_READ(t->dropped_depth), CT_READ(t->dropped_reentrant),
                                     CT_READ(t->dropped_buffer), 0};
        s->filtered = CT_READ(t->filtered);
    }
    /* Keeping the raw stream at exit needs no reading back: skip the index
     * (its size grows with the trace) and the counting pass. */
    bool read_back = (ct_cfg.formats & ~(unsigned)CT_FMT_RAW) || !final || ct_cfg.summary;
    if (read_back && ct_spill_path[0])
        r.fd = open(ct_spill_path, O_RDONLY | O_CLOEXEC);
    if (read_back)
        r.nchunks = ct_spill_index(r.fd, &r.chunks);
    rc = ct_output_snaps(snaps, nsnap, &r, final, end_ticks, read_back,
                         atomic_load(&ct_untraced_threads), true);
out:
    for (size_t i = 0; i < nsnap; i++)
        free(snaps[i].ev);
    free(snaps);
    free(r.chunks);
    free(r.io);
    free(r.packed);
    if (r.fd >= 0)
        close(r.fd);
    if (self)
        self->busy = was_busy;
    sigset_t pending;
    sigpending(&pending);
    if (sigismember(&pending, SIGXFSZ) && !sigismember(&pending_before, SIGXFSZ)) {
        struct timespec zero = {0, 0};
        sigtimedwait(&xfsz, NULL, &zero); /* ours: consume it */
    }
    pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
    pthread_mutex_unlock(&ct_output_lock);
    return rc;
}

uint64_t ct_snap_last_ticks(struct ct_reader *r, const struct ct_snap *s)
{
    size_t cursor = 0;
    struct ct_tree_sink none = {NULL, ct_ignore_open, ct_ignore_close, ct_ignore_mark, NULL};
    struct ct_tree tree;
    uint64_t last = 0;
    if (ct_tree_init(&tree, &none, ct_cfg.max_depth) == 0) {
        ct_read_thread(r, s, &cursor, ct_feed_tree, &tree);
        last = tree.last_ticks;
        ct_tree_free(&tree);
    }
    return last;
}

void ct_output_release(void)
{
    pthread_mutex_lock(&ct_output_lock);
    ct_symtab_free(ct_syms);
    ct_syms = NULL;
    pthread_mutex_unlock(&ct_output_lock);
}
