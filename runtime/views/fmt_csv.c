/* fmt_csv.c — one row per call and system call, for spreadsheets and pandas.
 *
 * Columns: thread (tid), thread_name, depth, kind (call | syscall), name,
 * file, line, start_ns, end_ns, duration_ns, arguments (a system call's,
 * strace-style), result, errno, flags (unfinished, unwound). A row is
 * written when its call closes: children come before their caller (sort by
 * start_ns for the call order). Fields are quoted as RFC 4180 says.
 * Memory: the decoded system call whose node is open (a leaf: one). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "syscalls/sc_decode.h"
#include "views/format.h"
#include "views/textw.h"

struct ct_csv {
    struct ct_jw w;
    const struct ct_out_run *run;
    const struct ct_out_thread *th;
    bool have_sc;
    char args[1024];
    char result[64];
    char err[24];
};

/* A field, quoted when it holds a comma, a quote or a line break. */
CT_NOINST static void ct_csv_field(struct ct_jw *w, const char *s, bool last)
{
    if (strpbrk(s, ",\"\r\n")) {
        ct_jw_write(w, "\"", 1);
        for (const char *p = s; *p; p++) {
            if (*p == '"')
                ct_jw_write(w, "\"\"", 2);
            else
                ct_jw_write(w, p, 1);
        }
        ct_jw_write(w, "\"", 1);
    } else {
        ct_jw_write(w, s, strlen(s));
    }
    ct_jw_write(w, last ? "\n" : ",", 1);
}

CT_NOINST static void ct_csv_num(struct ct_jw *w, uint64_t v)
{
    char buf[24];
    snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);
    ct_csv_field(w, buf, false);
}

CT_NOINST static void *ct_csv_begin(int fd, const struct ct_out_run *run)
{
    struct ct_csv *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    if (ct_jw_init(&c->w, fd, false, 0) != 0) {
        free(c);
        return NULL;
    }
    c->run = run;
    ct_tw_str(&c->w, "thread,thread_name,depth,kind,name,file,line,start_ns,end_ns,duration_ns,"
                     "arguments,result,errno,flags\n");
    return c;
}

CT_NOINST static void ct_csv_thread(void *st, const struct ct_out_thread *th)
{
    ((struct ct_csv *)st)->th = th;
}

CT_NOINST static void ct_csv_syscall(void *st, unsigned depth, const uint8_t *data, size_t len)
{
    (void)depth;
    struct ct_csv *c = st;
    struct ct_sc_call call;
    if (!ct_sc_decode(data, len, &call))
        return;
    size_t n = 0;
    c->args[0] = '\0';
    for (unsigned i = 0; i < call.nargs && n + 8 < sizeof(c->args); i++) {
        if (i)
            c->args[n++] = ',', c->args[n++] = ' ';
        n += ct_sc_val_text(&call.args[i], c->args + n, sizeof(c->args) - n);
    }
    c->result[0] = c->err[0] = '\0';
    if (!call.noret) {
        if (call.failed)
            snprintf(c->result, sizeof(c->result), "-1");
        else
            ct_sc_val_text(&call.ret, c->result, sizeof(c->result));
    }
    if (call.failed)
        snprintf(c->err, sizeof(c->err), "%s", call.errname);
    c->have_sc = true;
}

CT_NOINST static void ct_csv_close(void *st, unsigned depth, uint64_t fn, uint64_t start,
                                   uint64_t end, unsigned flags)
{
    struct ct_csv *c = st;
    struct ct_jw *w = &c->w;
    bool sc = CT_SC_IS_FN(fn);
    const struct ct_symbol *sym = ct_out_symbol(c->run, fn);
    uint64_t s = ct_out_ns(c->run, start), e = ct_out_ns(c->run, end);
    ct_csv_num(w, c->th ? c->th->tid : 0);
    ct_csv_field(w, c->th && c->th->name ? c->th->name : "", false);
    ct_csv_num(w, depth);
    ct_csv_field(w, sc ? "syscall" : "call", false);
    ct_csv_field(w, sc ? sym->name + strlen("syscall:") : sym->name, false);
    ct_csv_field(w, !sc && sym->file ? sym->file : "", false);
    if (sc || !sym->line)
        ct_csv_field(w, "", false);
    else
        ct_csv_num(w, sym->line);
    ct_csv_num(w, s);
    ct_csv_num(w, e);
    ct_csv_num(w, e - s);
    bool have = sc && c->have_sc;
    ct_csv_field(w, have ? c->args : "", false);
    ct_csv_field(w, have ? c->result : "", false);
    ct_csv_field(w, have ? c->err : "", false);
    ct_csv_field(w, (flags & CT_CLOSE_UNFINISHED) ? "unfinished" : (flags & CT_CLOSE_UNWOUND) ? "unwound" : "", true);
    if (sc)
        c->have_sc = false;
}

CT_NOINST static int ct_csv_end(void *st)
{
    struct ct_csv *c = st;
    int rc = ct_jw_finish(&c->w);
    free(c);
    return rc;
}

const struct ct_format_ops ct_fmt_csv = {
    .bit = CT_FMT_CSV,
    .begin = ct_csv_begin,
    .thread_begin = ct_csv_thread,
    .open = ct_fmt_skip_open,
    .close = ct_csv_close,
    .mark = ct_fmt_skip_mark,
    .values = NULL,
    .thread_end = ct_fmt_skip_thread_end,
    .end = ct_csv_end,
    .syscall = ct_csv_syscall,
};
