/* views.c — one write of every requested view (see views.h).
 *
 * A first pass counts calls for the metadata (written first), a second
 * per format streams every thread's events through the tree builder into
 * the format's callbacks. Memory: one chunk of I/O, the open-call stack and
 * the marks of one thread, and what each format keeps — never one node per
 * call. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "calltrace.h"
#include "base/tmpfiles.h"
#include "views/views.h"

#define CT_NS_PER_S 1000000000u
#define CT_NS_PER_MS 1000000u
#define CT_MS_PER_S 1000u
#define CT_THREAD_KEY_MAX 48u /* "<tid>" or "<tid>.<serial>" */

static const struct ct_format_ops *const ct_formats_table[] = {
    &ct_fmt_json, &ct_fmt_chrome, &ct_fmt_folded, &ct_fmt_text, &ct_fmt_summary, &ct_fmt_html,
    &ct_fmt_perfetto, &ct_fmt_csv,
};

int ct_views_tmp_open(const char *path, char *tmp, size_t cap)
{
    /* an unpredictable name, created 0600 with O_EXCL: nothing planted there
     * (a symlink, someone else's file) is followed or overwritten */
    snprintf(tmp, cap, "%s.XXXXXX", path);
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0)
        ct_log("cannot write the trace %s: %s", path, strerror(errno));
    else
        ct_tmpfile_add(tmp); /* removed if this write never finishes */
    return fd;
}

int ct_views_tmp_commit(int fd, const char *tmp, const char *path, int err)
{
    if (close(fd) != 0 && !err)
        err = errno;
    if (!err && rename(tmp, path) != 0)
        err = errno;
    ct_tmpfile_done(tmp);
    if (!err)
        return 0;
    unlink(tmp);
    ct_log("cannot write the trace %s: %s", path, strerror(err));
    return -1;
}

/* "2026-11-21T20:40:48.058Z" for a CLOCK_REALTIME time in ns. */
CT_NOINST static void ct_iso8601(uint64_t real_ns, char *out, size_t cap)
{
    time_t sec = (time_t)(real_ns / CT_NS_PER_S);
    struct tm tm;
    gmtime_r(&sec, &tm);
    size_t n = strftime(out, cap, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, cap - n, ".%03uZ", (unsigned)(real_ns / CT_NS_PER_MS % CT_MS_PER_S));
}

/* "SIGSEGV" for 11, "signal 42" for what calltrace does not catch. */
CT_NOINST static void ct_signal_name(int sig, char *out, size_t cap)
{
    static const struct {
        int sig;
        const char *name;
    } names[] = {
        {SIGSEGV, "SIGSEGV"}, {SIGBUS, "SIGBUS"},   {SIGFPE, "SIGFPE"},
        {SIGILL, "SIGILL"},   {SIGABRT, "SIGABRT"}, {SIGTRAP, "SIGTRAP"},
        {SIGTERM, "SIGTERM"}, {SIGINT, "SIGINT"},   {SIGHUP, "SIGHUP"},
    };
    for (size_t i = 0; i < CT_ARRAY_LEN(names); i++)
        if (names[i].sig == sig) {
            snprintf(out, cap, "%s", names[i].name);
            return;
        }
    snprintf(out, cap, "signal %d", sig);
}

/* CALLTRACE_MIN_DURATION and CALLTRACE_MAX_CALLS on a tree about to be fed;
 * `budget` is shared by the threads of one pass. */
CT_NOINST static void ct_limit_tree(const struct ct_out_run *run, struct ct_tree *tree,
                                    struct ct_tree_budget *budget)
{
    const struct ct_config *cfg = run->cfg;
    double ticks = (double)cfg->min_duration_ns / run->clock.ns_per_tick;
    /* a damaged file's calibration can make this anything: a tick count
     * beyond 2^63 (or NaN) keeps nothing, rather than overflow the cast */
    uint64_t min = ticks >= 0x1p63 || ticks != ticks ? UINT64_MAX / 2 : (uint64_t)ticks;
    if (cfg->min_duration_ns == 0)
        min = 0;
    else if (min < UINT64_MAX / 2 && (double)min < ticks)
        min++;
    ct_tree_limit(tree, min, cfg->max_calls ? budget : NULL);
}

struct ct_tid_at {
    pid_t tid;
    size_t i;
};

CT_NOINST static int ct_tid_at_cmp(const void *a, const void *b)
{
    const struct ct_tid_at *x = a, *y = b;
    if (x->tid != y->tid)
        return x->tid < y->tid ? -1 : 1;
    return (x->i > y->i) - (x->i < y->i);
}

/* Marks the threads whose tid an earlier written thread had (the kernel
 * reused it): sorted by tid, n log n however many threads. */
CT_NOINST static void ct_mark_reused_tids(struct ct_snap *snaps, size_t nsnap)
{
    struct ct_tid_at *v = malloc((nsnap + 1) * sizeof(*v));
    size_t n = 0;
    for (size_t i = 0; i < nsnap; i++) {
        snaps[i].tid_reused = false;
        if (!(snaps[i].calls || snaps[i].marks))
            continue;
        if (v)
            v[n++] = (struct ct_tid_at){snaps[i].tid, i};
        else /* no memory for the sort: the slow way */
            for (size_t j = 0; j < i && !snaps[i].tid_reused; j++)
                snaps[i].tid_reused = (snaps[j].calls || snaps[j].marks) && snaps[j].tid == snaps[i].tid;
    }
    if (!v)
        return;
    qsort(v, n, sizeof(*v), ct_tid_at_cmp);
    for (size_t k = 1; k < n; k++)
        if (v[k].tid == v[k - 1].tid)
            snaps[v[k].i].tid_reused = true;
    free(v);
}

/* The calls the limits let through, per thread (the metadata comes first). */
CT_NOINST static void ct_count_limited(struct ct_out_run *run, struct ct_snap *snaps,
                                       size_t nsnap, struct ct_reader *r)
{
    struct ct_tree_budget budget = {run->cfg->max_calls, 0};
    run->threads = run->total_calls = 0;
    for (size_t i = 0; i < nsnap; i++) {
        struct ct_tree tree;
        size_t cursor = 0;
        if (ct_tree_init(&tree, &ct_tree_ignore, run->cfg->max_depth) == 0) {
            ct_limit_tree(run, &tree, &budget);
            ct_read_into_tree(r, &snaps[i], &cursor, &tree);
            ct_tree_end(&tree, snaps[i].exited ? 0 : run->end_ticks);
            snaps[i].calls = tree.calls;
            run->filtered.min_duration += tree.short_calls;
            ct_tree_free(&tree);
        }
        run->threads += snaps[i].calls || snaps[i].marks;
        run->total_calls += snaps[i].calls;
    }
    run->max_calls = run->cfg->max_calls;
    run->calls_not_written = budget.not_written;
    run->truncated |= budget.not_written > 0;
}

/* Counts, applies the limits and finds the ending stack: the computed part
 * of the run. */
CT_NOINST static void ct_count(struct ct_out_run *run, struct ct_snap *snaps, size_t nsnap,
                               struct ct_reader *r, bool read_back)
{
    for (size_t i = 0; i < nsnap; i++) {
        if (read_back)
            ct_snap_count(r, &snaps[i]);
        run->threads += snaps[i].calls || snaps[i].marks;
        run->total_calls += snaps[i].calls;
        run->values |= snaps[i].values;
        run->drops.depth += snaps[i].drops.depth;
        run->drops.reentrant += snaps[i].drops.reentrant;
        run->drops.buffer += snaps[i].drops.buffer;
        run->filtered.functions += snaps[i].filtered;
    }
    run->truncated = run->drops.buffer > 0 || run->drops.untraced_threads > 0;
    if (read_back && (run->cfg->min_duration_ns || run->cfg->max_calls))
        ct_count_limited(run, snaps, nsnap, r);
    ct_mark_reused_tids(snaps, nsnap);
    if (!run->ending)
        return;
    ct_signal_name(run->ending->signal, run->signal_name, sizeof(run->signal_name));
    for (size_t i = 0; i < nsnap; i++) {
        if (snaps[i].tid != run->ending->tid)
            continue;
        run->ending_depth = ct_snap_open_calls(r, &snaps[i], run->cfg->max_depth,
                                               run->ending_stack, CT_ENDING_STACK_MAX);
        break;
    }
}

/* Thread i's call_trees key: its tid, with its serial when the kernel
 * reused the tid for another thread of the trace. */
CT_NOINST static void ct_thread_key(const struct ct_snap *snaps, size_t i, char *key, size_t cap)
{
    const struct ct_snap *s = &snaps[i];
    if (s->tid_reused)
        snprintf(key, cap, "%d.%u", (int)s->tid, s->serial);
    else
        snprintf(key, cap, "%d", (int)s->tid);
}

/* One thread of one format: its events through the tree builder. */
CT_NOINST static void ct_write_thread(const struct ct_format_ops *f, void *st,
                                      const struct ct_out_run *run, struct ct_snap *snaps,
                                      size_t i, struct ct_reader *r, size_t *cursor,
                                      struct ct_tree_budget *budget)
{
    const struct ct_snap *s = &snaps[i];
    char key[CT_THREAD_KEY_MAX], name[CT_SNAP_NAME_MAX];
    ct_thread_key(snaps, i, key, sizeof(key));
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
    struct ct_tree_sink sink = {st, f->open, f->close, f->mark, f->values, f->syscall};
    struct ct_tree tree;
    if (ct_tree_init(&tree, &sink, run->cfg->max_depth) != 0)
        return;
    ct_limit_tree(run, &tree, budget);
    f->thread_begin(st, &th);
    ct_read_into_tree(r, s, cursor, &tree);
    ct_tree_end(&tree, s->exited ? 0 : run->end_ticks);
    f->thread_end(st, &th, &tree);
    if (tree.calls != s->calls)
        ct_debug("thread %s: %llu calls counted, %llu written", key,
                 (unsigned long long)s->calls, (unsigned long long)tree.calls);
    ct_tree_free(&tree);
}

/* CPU time of the calling thread, user and system (0 if unknown). */
CT_NOINST static uint64_t ct_thread_cpu_ns(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
        return 0;
    return (uint64_t)ts.tv_sec * CT_NS_PER_S + (uint64_t)ts.tv_nsec;
}

/* Writes one format: every thread into the format's callbacks, into a
 * temporary file renamed at the end (or into `to_fd` when it is not -1:
 * the summary on stderr). */
CT_NOINST static int ct_write_format(const struct ct_format_ops *f, struct ct_snap *snaps,
                                     size_t nsnap, struct ct_reader *r,
                                     const struct ct_out_run *run, int to_fd)
{
    uint64_t t0 = ct_mono_ns(), cpu0 = ct_thread_cpu_ns();
    char path[PATH_MAX], tmp[CT_VIEWS_TMP_MAX];
    ct_format_path(run->cfg, f->bit, path, sizeof(path));
    int fd = to_fd >= 0 ? to_fd : ct_views_tmp_open(path, tmp, sizeof(tmp));
    if (fd < 0)
        return CALLTRACE_EIO;
    void *st = f->begin(fd, run);
    if (!st) {
        if (to_fd < 0) {
            close(fd);
            unlink(tmp);
            ct_tmpfile_done(tmp);
        }
        return CALLTRACE_ENOMEM;
    }
    struct ct_tree_budget budget = {run->cfg->max_calls, 0};
    size_t cursor = 0;
    for (size_t i = 0; i < nsnap; i++)
        if (snaps[i].calls || snaps[i].marks)
            ct_write_thread(f, st, run, snaps, i, r, &cursor, &budget);
    int err = f->end(st);
    if (to_fd >= 0)
        return err ? CALLTRACE_EIO : 0;
    off_t bytes = lseek(fd, 0, SEEK_CUR);
    if (ct_views_tmp_commit(fd, tmp, path, err) != 0)
        return CALLTRACE_EIO;
    ct_debug("wrote %s: %llu calls, %llu threads, %lld bytes in %.1f ms (%.1f ms CPU)", path,
             (unsigned long long)run->total_calls, (unsigned long long)run->threads,
             (long long)bytes, (double)(ct_mono_ns() - t0) / 1e6,
             (double)(ct_thread_cpu_ns() - cpu0) / 1e6);
    return 0;
}

int ct_views_write(struct ct_out_run *run, struct ct_snap *snaps, size_t nsnap,
                   struct ct_reader *r, bool read_back)
{
    ct_iso8601(run->clock.base_real, run->timestamp, sizeof(run->timestamp));
    ct_count(run, snaps, nsnap, r, read_back);
    int rc = 0;
    for (size_t i = 0; i < CT_ARRAY_LEN(ct_formats_table); i++) {
        if (!(run->cfg->formats & ct_formats_table[i]->bit))
            continue;
        int fr = ct_write_format(ct_formats_table[i], snaps, nsnap, r, run, -1);
        rc = rc ? rc : fr;
    }
    if (run->final && run->cfg->summary) /* CALLTRACE_SUMMARY=1: on stderr as well */
        ct_write_format(&ct_fmt_summary, snaps, nsnap, r, run, STDERR_FILENO);
    return rc;
}
