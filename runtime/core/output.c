/* output.c — the live trace: a consistent cut of every thread, then every
 * requested view (views/views.h) and the raw event stream.
 *
 * Each write is a consistent cut: every thread's unspilled buffer is copied
 * (seqlock snapshot), then the spill file is indexed and only chunks older
 * than each snapshot are read (trace/reader.h). What is live stays here:
 * the lock, record's threads, the spill file, the symbol table kept across
 * flushes and the capture descriptors; the views get them as the run
 * description. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "calltrace.h"
#include "base/busy.h"
#include "base/clock.h"
#include "base/config.h"
#include "base/vec.h"
#include "capture/capture.h"
#include "core/output.h"
#include "record/meta.h"
#include "record/thread.h"
#include "stream/pack.h"
#include "stream/spill.h"
#include "symbols/symbols.h"
#include "trace/reader.h"
#include "views/views.h"

_Static_assert(CT_THREAD_NAME_MAX == CT_SNAP_NAME_MAX, "a thread's name fits its snapshot");

static pthread_mutex_t ct_output_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ct_symtab *ct_syms; /* kept across flushes, guarded by ct_output_lock */
/* The capture descriptors of this executable when capture did not load
 * them (values recorded before a fork, say): loaded on the first value. */
static struct ct_ftab ct_out_descs;
static bool ct_out_descs_tried;

/* The run's descriptor provider: capture's table, or this executable's. */
CT_NOINST static const struct ct_ftab *ct_output_descs(void *ctx)
{
    (void)ctx;
    if (ct_capture_tab.fns.nslots)
        return &ct_capture_tab;
    if (!ct_out_descs_tried) {
        ct_out_descs_tried = true;
        char exe[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
        if (n <= 0)
            return NULL;
        exe[n] = '\0';
        if (ct_ftab_load(&ct_out_descs, exe, ct_exe_bias(), NULL) < 0)
            ct_log("cannot read the debug information of %s: argument values are not shown",
                   exe);
    }
    return ct_out_descs.fns.nslots ? &ct_out_descs : NULL;
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
    if (!CT_VEC_RESERVE(c->scratch, c->scratch_cap, CT_PACK_BOUND(n))) {
        c->err = ENOMEM;
        return;
    }
    c->err = ct_chunk_write(c->fd, c->serial, c->seq++, (uint32_t)c->tid, ev,
                            (uint32_t)n, c->scratch);
}

/* At exit: the unspilled tails appended to the spill file (the writer has
 * stopped: they are the only records not in it), then the file renamed. */
CT_NOINST static int ct_keep_raw(struct ct_snap *snaps, size_t nsnap, const char *path)
{
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

/* The raw format: the event file itself. At exit the unspilled tails are
 * appended and the file is renamed; on a flush a copy is written. */
CT_NOINST static int ct_write_raw(struct ct_snap *snaps, size_t nsnap, struct ct_reader *r,
                                  bool final)
{
    char path[PATH_MAX];
    ct_format_path(&ct_cfg, CT_FMT_RAW, path, sizeof(path));
    if (final && ct_spill_fd >= 0)
        return ct_keep_raw(snaps, nsnap, path);
    char tmp[CT_VIEWS_TMP_MAX];
    int fd = ct_views_tmp_open(path, tmp, sizeof(tmp));
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
    return ct_views_tmp_commit(fd, tmp, path, err) == 0 ? 0 : CALLTRACE_EIO;
}

void ct_output_atfork_child(void)
{
    pthread_mutex_init(&ct_output_lock, NULL);
    ct_syms = NULL; /* another thread may have been building it: leave it be */
}

/* One snapshot per registered thread (its name, losses and unspilled
 * tail) into a malloc'd *snaps, *nsnap of them (free their ev too). Returns
 * 0, or -1 when memory runs out. */
CT_NOINST static int ct_snapshot_threads(struct ct_snap **snaps, size_t *nsnap)
{
    uint32_t nthreads = atomic_load_explicit(&ct_thread_count, memory_order_acquire);
    *nsnap = 0;
    *snaps = calloc(nthreads ? nthreads : 1, sizeof(**snaps));
    if (!*snaps)
        return -1;
    for (uint32_t i = 0; i < nthreads; i++) {
        struct ct_thread *t = __atomic_load_n(&ct_threads[i], __ATOMIC_ACQUIRE);
        if (!t)
            continue;
        struct ct_snap *s = &(*snaps)[*nsnap];
        s->serial = t->serial;
        s->tid = t->tid;
        s->exited = atomic_load_explicit(&t->exited, memory_order_acquire);
        ct_thread_get_name(t, s->name, sizeof(s->name));
        s->ev = malloc((size_t)CT_RING * t->cap * sizeof(struct ct_event));
        if (!s->ev)
            return -1;
        (*nsnap)++;
        s->n = ct_thread_snapshot(t, s->ev, &s->seq);
        s->drops = (struct ct_drops){CT_READ(t->dropped_depth), CT_READ(t->dropped_reentrant),
                                     CT_READ(t->dropped_buffer), 0};
        s->filtered = CT_READ(t->filtered);
    }
    return 0;
}

/* Everything recorded so far, through the views and the raw format. */
CT_NOINST static int ct_output_cut(bool final, uint64_t end_ticks)
{
    struct ct_snap *snaps;
    size_t nsnap;
    struct ct_reader r = {.fd = -1};
    int rc = CALLTRACE_ENOMEM;
    if (ct_snapshot_threads(&snaps, &nsnap) == 0) {
        /* Keeping the raw stream at exit needs no reading back: skip the
         * index (its size grows with the trace) and the counting pass. */
        bool read_back = (ct_cfg.formats & ~(unsigned)CT_FMT_RAW) || !final || ct_cfg.summary;
        if (read_back) /* through our descriptor: the path may name another file now */
            r.fd = ct_spill_read_fd();
        if (read_back)
            r.nchunks = ct_spill_index(r.fd, &r.chunks);
        struct ct_out_run run = {
            .cfg = &ct_cfg,
            .exe = ct_cfg.exe,
            .pid = (uint32_t)getpid(),
            .clock = ct_clk,
            .syms = ct_syms,
            .descs = ct_output_descs,
            .capture_args = ct_capture_tab.fns.nslots != 0,
            .final = final,
            .end_ticks = end_ticks,
            .ending = final && ct_ending.signal ? &ct_ending : NULL,
            .drops.untraced_threads = atomic_load(&ct_untraced_threads),
        };
        rc = ct_views_write(&run, snaps, nsnap, &r, read_back);
        if (ct_cfg.formats & CT_FMT_RAW) {
            int rr = ct_write_raw(snaps, nsnap, &r, final);
            rc = rc ? rc : rr;
        }
    }
    for (size_t i = 0; i < nsnap; i++)
        free(snaps[i].ev);
    free(snaps);
    ct_reader_free(&r);
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
    bool was_busy = self && self->busy;
    if (self && !was_busy)
        ct_busy_set(&self->busy); /* nothing we call is instrumented, but be sure */

    uint64_t end_ticks = final && ct_final_ticks ? ct_final_ticks : ct_clock_ticks();
    if (!(final && ct_meta_calibrated)) /* the final META's calibration is the one */
        ct_clock_calibrate();
    if (!ct_syms)
        ct_syms = ct_symtab_new();
    int rc = ct_syms ? ct_output_cut(final, end_ticks) : CALLTRACE_ENOMEM;

    if (self && !was_busy)
        ct_busy_leave(&self->busy);
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

void ct_output_release(void)
{
    pthread_mutex_lock(&ct_output_lock);
    ct_symtab_free(ct_syms);
    ct_syms = NULL;
    pthread_mutex_unlock(&ct_output_lock);
}
