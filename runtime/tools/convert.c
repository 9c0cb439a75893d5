/* convert.c — calltrace-convert's core (convert.h): the event file read
 * back (trace/file.h), its names from the executable it records (or the
 * one given), its values from that executable's DWARF, and every view
 * written from them (views/views.h) — nothing of the live runtime. */
#include <stdio.h>
#include <stdlib.h>

#include "calltrace.h"
#include "capture/capture.h"
#include "symbols/symbols.h"
#include "tools/convert.h"
#include "trace/file.h"
#include "views/views.h"

/* The capture descriptors of the traced executable, loaded on the first
 * value (a trace without values never reads its DWARF for them). */
struct ct_conv_descs {
    const char *exe;
    uint64_t bias;
    bool tried;
    struct ct_ftab tab;
};

CT_NOINST static const struct ct_ftab *ct_conv_descs(void *ctx)
{
    struct ct_conv_descs *d = ctx;
    if (!d->tried) {
        d->tried = true;
        if (ct_ftab_load(&d->tab, d->exe, d->bias, NULL) < 0)
            ct_log("cannot read the debug information of %s: argument values are not shown",
                   d->exe);
    }
    return d->tab.fns.nslots ? &d->tab : NULL;
}

int ct_convert(const struct ct_config *cfg, const char *raw, const char *exe)
{
    struct ct_trace_file *f = malloc(sizeof(*f));
    if (!f)
        return CALLTRACE_ENOMEM;
    int rc = ct_trace_file_open(f, raw, cfg->max_depth);
    if (rc) {
        ct_trace_file_close(f);
        free(f);
        return rc;
    }
    const char *names = exe ? exe : f->head.exe;
    struct ct_conv_descs descs = {.exe = names, .bias = f->head.exe_bias};
    struct ct_symtab *syms = ct_symtab_new();
    if (syms && ct_symtab_add_file(syms, names, f->head.exe_bias) != 0)
        ct_log("cannot read %s: functions are named by address (give the executable with --exe)",
               names);
    rc = CALLTRACE_ENOMEM;
    if (syms) {
        struct ct_out_run run = {
            .cfg = cfg,
            .exe = f->head.exe,
            .pid = f->head.pid,
            .clock = f->clock,
            .syms = syms,
            .descs = ct_conv_descs,
            .descs_ctx = &descs,
            .final = f->final,
            .end_ticks = f->end_ticks,
            .ending = f->final && f->ending.signal ? &f->ending : NULL,
            .drops.untraced_threads = f->untraced_threads,
        };
        rc = ct_views_write(&run, f->snaps, f->nsnap, &f->reader, true);
    }
    ct_symtab_free(syms);
    ct_ftab_free(&descs.tab);
    ct_trace_file_close(f);
    free(f);
    return rc;
}
