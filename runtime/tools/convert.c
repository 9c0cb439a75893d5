/* convert.c — calltrace-convert's core (output.h): an event file written
 * by a traced process becomes the same trace files the process would have
 * written. The file's header gives the clock base and the executable; its
 * last META chunk the calibration, thread names, losses and how the process
 * ended; its chunks one snapshot per thread, with nothing left in memory. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "calltrace.h"
#include "capture/capture.h"
#include "base/clock.h"
#include "base/config.h"
#include "core/output.h"
#include "core/output_priv.h"
#include "core/signals.h"
#include "symbols/symbols.h"

int ct_output_convert(const char *raw, const char *exe)
{
    int fd = open(raw, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        ct_log("cannot open %s: %s", raw, strerror(errno));
        return CALLTRACE_EIO;
    }
    struct ct_spill_header fh;
    if (pread(fd, &fh, sizeof(fh), 0) != (ssize_t)sizeof(fh) ||
        memcmp(fh.magic, CT_SPILL_MAGIC, sizeof(fh.magic)) != 0 || fh.version != CT_SPILL_VERSION) {
        ct_log("%s is not a calltrace event file of version %u", raw, CT_SPILL_VERSION);
        close(fd);
        return CALLTRACE_EINVAL;
    }
    fh.exe[sizeof(fh.exe) - 1] = '\0';
    ct_clk.use_tsc = fh.use_tsc;
    ct_clk.base_ticks = fh.base_ticks;
    ct_clk.base_mono = fh.base_mono;
    ct_clk.base_real = fh.base_real;
    ct_out_pid = fh.pid;
    snprintf(ct_cfg.exe, sizeof(ct_cfg.exe), "%s", fh.exe);

    struct ct_reader r = {.fd = fd};
    r.nchunks = ct_spill_index(fd, &r.chunks);
    /* the last META chunk: calibration, names, losses, the ending */
    struct ct_meta meta;
    memset(&meta, 0, sizeof(meta));
    struct ct_meta_thread *mt = NULL;
    for (size_t i = 0; i < r.nchunks; i++) {
        const struct ct_chunk_ref *c = &r.chunks[i];
        if (c->serial != CT_META_SERIAL || c->nbytes < sizeof(meta))
            continue;
        uint8_t *buf = malloc(c->nbytes);
        if (!buf || pread(fd, buf, c->nbytes, (off_t)c->offset) != (ssize_t)c->nbytes) {
            free(buf);
            continue;
        }
        memcpy(&meta, buf, sizeof(meta));
        if (meta.nthreads > (c->nbytes - sizeof(meta)) / sizeof(*mt))
            meta.nthreads = (uint32_t)((c->nbytes - sizeof(meta)) / sizeof(*mt));
        free(mt);
        mt = malloc((size_t)meta.nthreads * sizeof(*mt) + 1);
        if (mt)
            memcpy(mt, buf + sizeof(meta), (size_t)meta.nthreads * sizeof(*mt));
        else
            meta.nthreads = 0;
        free(buf);
    }
    ct_clk.ns_per_tick = meta.ns_per_tick > 0 ? meta.ns_per_tick : 1.0;
    if (fh.use_tsc && !(meta.ns_per_tick > 0))
        ct_log("%s has no clock calibration (the process died within 5 ms of starting): times "
               "are in TSC ticks, not ns", raw);
    if (meta.signal) {
        ct_ending = (struct ct_ending){meta.signal, meta.code, meta.address, (pid_t)meta.tid,
                                       meta.crash != 0};
    }

    /* one snapshot per thread found in the file; everything is in chunks */
    size_t nsnap = 0;
    struct ct_snap *snaps = calloc(r.nchunks + 1, sizeof(*snaps));
    uint64_t last_ticks = 0;
    for (size_t i = 0; snaps && i < r.nchunks; i++) {
        const struct ct_chunk_ref *c = &r.chunks[i];
        if (c->serial == CT_META_SERIAL || (nsnap && snaps[nsnap - 1].serial == c->serial))
            continue;
        struct ct_snap *s = &snaps[nsnap++];
        s->serial = c->serial;
        s->tid = (pid_t)c->tid;
        s->seq = UINT32_MAX;
        s->exited = true;
        snprintf(s->name, sizeof(s->name), "thread-%u", c->serial);
        for (uint32_t k = 0; mt && k < meta.nthreads; k++) {
            if (mt[k].serial != c->serial)
                continue;
            mt[k].name[sizeof(mt[k].name) - 1] = '\0';
            snprintf(s->name, sizeof(s->name), "%s", mt[k].name);
            s->exited = mt[k].exited != 0 || !meta.final;
            s->drops = (struct ct_drops){mt[k].dropped_depth, mt[k].dropped_reentrant,
                                         mt[k].dropped_buffer, 0};
        }
    }
    ct_syms = ct_symtab_new();
    ct_capture_out_set(exe ? exe : fh.exe, fh.exe_bias); /* argument values, if any */
    if (ct_syms && ct_symtab_add_file(ct_syms, exe ? exe : fh.exe, fh.exe_bias) != 0)
        ct_log("cannot read %s: functions are named by address (give the executable with --exe)",
               exe ? exe : fh.exe);
    int rc = CALLTRACE_ENOMEM;
    if (snaps && ct_syms) {
        for (size_t i = 0; i < nsnap; i++) { /* the end of the trace: its last event */
            uint64_t t = ct_snap_last_ticks(&r, &snaps[i]);
            if (t > last_ticks)
                last_ticks = t;
        }
        uint64_t end = meta.end_ticks > last_ticks ? meta.end_ticks : last_ticks;
        rc = ct_output_snaps(snaps, nsnap, &r, meta.final != 0, end, true, meta.untraced_threads,
                             false);
    }
    free(snaps);
    free(mt);
    free(r.chunks);
    free(r.io);
    free(r.packed);
    close(fd);
    ct_symtab_free(ct_syms);
    ct_syms = NULL;
    return rc;
}
