/* file.c — an event file read back, offline (see file.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "calltrace.h"
#include "trace/file.h"

_Static_assert(sizeof(((struct ct_meta_thread *)0)->name) == CT_SNAP_NAME_MAX,
               "a META thread name fits a snapshot's");

CT_NOINST static int ct_meta_thread_cmp(const void *a, const void *b)
{
    const struct ct_meta_thread *x = a, *y = b;
    return (x->serial > y->serial) - (x->serial < y->serial);
}

/* The META chunk that counts (the last one): into *meta, and its threads
 * into a malloc'd *mt (meta->nthreads of them; NULL without META). */
CT_NOINST static void ct_file_meta(struct ct_trace_file *f, struct ct_meta *meta,
                                   struct ct_meta_thread **mt)
{
    const struct ct_reader *r = &f->reader;
    memset(meta, 0, sizeof(*meta));
    *mt = NULL;
    /* METAs sort last, in the order written: the last readable one counts */
    for (size_t i = r->nchunks; i-- > 0 && r->chunks[i].serial == CT_META_SERIAL;) {
        const struct ct_chunk_ref *c = &r->chunks[i];
        if (c->nbytes < sizeof(*meta))
            continue;
        uint8_t *buf = malloc(c->nbytes);
        if (!buf || pread(r->fd, buf, c->nbytes, (off_t)c->offset) != (ssize_t)c->nbytes) {
            free(buf);
            continue;
        }
        memcpy(meta, buf, sizeof(*meta));
        size_t room = (c->nbytes - sizeof(*meta)) / sizeof(**mt);
        if (meta->nthreads > room)
            meta->nthreads = (uint32_t)room;
        *mt = malloc((size_t)meta->nthreads * sizeof(**mt) + 1);
        if (*mt)
            memcpy(*mt, buf + sizeof(*meta), (size_t)meta->nthreads * sizeof(**mt));
        else
            meta->nthreads = 0;
        free(buf);
        if (meta->nthreads > 1) /* by serial, for ct_file_thread()'s binary search */
            qsort(*mt, meta->nthreads, sizeof(**mt), ct_meta_thread_cmp);
        return;
    }
}

/* The META entry of thread `serial` (mt sorted by serial), or NULL. A
 * thread listed twice (no writer does that) gets one of its entries. */
CT_NOINST static struct ct_meta_thread *ct_file_thread(struct ct_meta_thread *mt, uint32_t n,
                                                       uint32_t serial)
{
    size_t lo = 0, hi = n;
    while (lo < hi) { /* the first entry past serial */
        size_t mid = lo + (hi - lo) / 2;
        if (mt[mid].serial <= serial)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo > 0 && mt[lo - 1].serial == serial ? &mt[lo - 1] : NULL;
}

/* One snapshot per thread found in the file, named and counted by META. */
CT_NOINST static int ct_file_snaps(struct ct_trace_file *f, const struct ct_meta *meta,
                                   struct ct_meta_thread *mt)
{
    const struct ct_reader *r = &f->reader;
    f->snaps = calloc(r->nchunks + 1, sizeof(*f->snaps));
    if (!f->snaps)
        return CALLTRACE_ENOMEM;
    for (size_t i = 0; i < r->nchunks; i++) {
        const struct ct_chunk_ref *c = &r->chunks[i];
        if (c->serial == CT_META_SERIAL || (f->nsnap && f->snaps[f->nsnap - 1].serial == c->serial))
            continue;
        struct ct_snap *s = &f->snaps[f->nsnap++];
        s->serial = c->serial;
        s->tid = (pid_t)c->tid;
        s->seq = UINT32_MAX;
        s->exited = true;
        snprintf(s->name, sizeof(s->name), "thread-%u", c->serial);
        struct ct_meta_thread *m = mt ? ct_file_thread(mt, meta->nthreads, c->serial) : NULL;
        if (m) {
            m->name[sizeof(m->name) - 1] = '\0';
            snprintf(s->name, sizeof(s->name), "%s", m->name);
            s->exited = m->exited != 0 || !meta->final;
            s->drops = (struct ct_drops){m->dropped_depth, m->dropped_reentrant,
                                         m->dropped_buffer, 0};
        }
    }
    return 0;
}

/* The header: the file's kind, the clock base, the process. */
CT_NOINST static int ct_file_head(struct ct_trace_file *f, const char *path)
{
    struct ct_spill_header *h = &f->head;
    if (pread(f->reader.fd, h, sizeof(*h), 0) != (ssize_t)sizeof(*h) ||
        memcmp(h->magic, CT_SPILL_MAGIC, sizeof(h->magic)) != 0 || h->version != CT_SPILL_VERSION) {
        ct_log("%s is not a calltrace event file of version %u", path, CT_SPILL_VERSION);
        return CALLTRACE_EINVAL;
    }
    h->exe[sizeof(h->exe) - 1] = '\0';
    f->clock = (struct ct_clock){.use_tsc = h->use_tsc != 0, .base_ticks = h->base_ticks,
                                 .base_mono = h->base_mono, .base_real = h->base_real,
                                 .ns_per_tick = 1.0};
    return 0;
}

int ct_trace_file_open(struct ct_trace_file *f, const char *path, unsigned max_depth)
{
    memset(f, 0, sizeof(*f));
    f->reader.fd = open(path, O_RDONLY | O_CLOEXEC);
    if (f->reader.fd < 0) {
        ct_log("cannot open %s: %s", path, strerror(errno));
        return CALLTRACE_EIO;
    }
    int rc = ct_file_head(f, path);
    if (rc)
        return rc;
    f->reader.nchunks = ct_spill_index(f->reader.fd, &f->reader.chunks);
    struct ct_meta meta;
    struct ct_meta_thread *mt;
    ct_file_meta(f, &meta, &mt);
    f->calibrated = meta.ns_per_tick > 0;
    f->clock.ns_per_tick = f->calibrated ? meta.ns_per_tick : 1.0;
    if (f->clock.use_tsc && !f->calibrated)
        ct_log("%s has no clock calibration (the process died within 5 ms of starting): times "
               "are in TSC ticks, not ns", path);
    if (meta.signal)
        f->ending = (struct ct_ending){meta.signal, meta.code, meta.address, (pid_t)meta.tid,
                                       meta.crash != 0};
    f->final = meta.final != 0;
    f->untraced_threads = meta.untraced_threads;
    rc = ct_file_snaps(f, &meta, mt);
    free(mt);
    if (rc)
        return rc;
    uint64_t last = 0;
    for (size_t i = 0; i < f->nsnap; i++) { /* the end of the trace: its last event */
        uint64_t t = ct_snap_last_ticks(&f->reader, &f->snaps[i], max_depth);
        if (t > last)
            last = t;
    }
    f->end_ticks = meta.end_ticks > last ? meta.end_ticks : last;
    return 0;
}

void ct_trace_file_close(struct ct_trace_file *f)
{
    free(f->snaps);
    f->snaps = NULL;
    f->nsnap = 0;
    ct_reader_free(&f->reader);
}
