/* sum_sc.c — the summary's system call tables (sum_sc.h). Memory: one
 * row per system call number, one per (function, system call) pair. */
#include <stdlib.h>
#include <string.h>

#include "syscalls/sc_table.h"
#include "views/sum_sc.h"
#include "views/textw.h"

struct ct_sum_sc_row {
    uint64_t calls, errors, total_ns, max_ns;
};

struct ct_sum_sc_pair {
    uint64_t fn;
    unsigned nr; /* CT_SC_NR_MAX + 1: empty */
    uint64_t calls, total_ns;
};

struct ct_sum_sc {
    struct ct_sum_sc_row rows[CT_SC_NR_MAX + 1]; /* the last: numbers past the table */
    struct ct_sum_sc_pair *pairs; /* open addressing, cap a power of two */
    size_t npairs, cap;
    uint64_t total_ns, calls;
};

#define CT_SUM_SC_EMPTY (CT_SC_NR_MAX + 1)

struct ct_sum_sc *ct_sum_sc_new(void)
{
    return calloc(1, sizeof(struct ct_sum_sc));
}

CT_NOINST static size_t ct_sum_sc_slot(const struct ct_sum_sc *x, uint64_t fn, unsigned nr)
{
    uint64_t h = (fn ^ ((uint64_t)nr * UINT64_C(0x9e3779b97f4a7c15))) * UINT64_C(0xff51afd7ed558ccd);
    size_t i = (size_t)(h >> 32) & (x->cap - 1);
    while (x->pairs[i].nr != CT_SUM_SC_EMPTY && (x->pairs[i].fn != fn || x->pairs[i].nr != nr))
        i = (i + 1) & (x->cap - 1);
    return i;
}

CT_NOINST static bool ct_sum_sc_grow(struct ct_sum_sc *x)
{
    size_t cap = x->cap ? x->cap * 2 : 64;
    struct ct_sum_sc_pair *old = x->pairs, *p = malloc(cap * sizeof(*p));
    if (!p)
        return false;
    for (size_t i = 0; i < cap; i++)
        p[i].nr = CT_SUM_SC_EMPTY;
    size_t oldcap = x->cap;
    x->pairs = p;
    x->cap = cap;
    for (size_t i = 0; i < oldcap; i++)
        if (old[i].nr != CT_SUM_SC_EMPTY)
            x->pairs[ct_sum_sc_slot(x, old[i].fn, old[i].nr)] = old[i];
    free(old);
    return true;
}

bool ct_sum_sc_add(struct ct_sum_sc *x, unsigned nr, uint64_t caller, uint64_t dur_ns, bool failed)
{
    struct ct_sum_sc_row *r = &x->rows[nr < CT_SC_NR_MAX ? nr : CT_SC_NR_MAX];
    r->calls++;
    r->errors += failed;
    r->total_ns += dur_ns;
    r->max_ns = dur_ns > r->max_ns ? dur_ns : r->max_ns;
    x->total_ns += dur_ns;
    x->calls++;
    if ((x->npairs + 1) * 2 > x->cap && !ct_sum_sc_grow(x))
        return false;
    struct ct_sum_sc_pair *p = &x->pairs[ct_sum_sc_slot(x, caller, nr)];
    if (p->nr == CT_SUM_SC_EMPTY) {
        *p = (struct ct_sum_sc_pair){caller, nr, 0, 0};
        x->npairs++;
    }
    p->calls++;
    p->total_ns += dur_ns;
    return true;
}

static const struct ct_sum_sc *ct_sum_sc_sorting;

CT_NOINST static int ct_sum_sc_by_total(const void *a, const void *b)
{
    const struct ct_sum_sc_row *r = ct_sum_sc_sorting->rows;
    uint64_t x = r[*(const unsigned *)a].total_ns, y = r[*(const unsigned *)b].total_ns;
    return x < y ? 1 : x > y ? -1 : 0;
}

CT_NOINST static int ct_sum_sc_by_fn(const void *a, const void *b)
{
    const struct ct_sum_sc_pair *p = a, *q = b;
    if (p->fn != q->fn)
        return p->fn < q->fn ? -1 : 1;
    return p->total_ns < q->total_ns ? 1 : p->total_ns > q->total_ns ? -1 : 0;
}

CT_NOINST static void ct_sum_sc_name(struct ct_jw *w, unsigned nr)
{
    char buf[24];
    ct_tw_str(w, ct_sc_name(nr, buf, sizeof(buf)));
}

/* strace -c's table: by total time. */
CT_NOINST static void ct_sum_sc_table(struct ct_sum_sc *x, struct ct_jw *w)
{
    unsigned order[CT_SC_NR_MAX + 1], n = 0;
    for (unsigned nr = 0; nr <= CT_SC_NR_MAX; nr++)
        if (x->rows[nr].calls)
            order[n++] = nr;
    ct_sum_sc_sorting = x;
    qsort(order, n, sizeof(order[0]), ct_sum_sc_by_total);
    ct_tw_str(w, "\nSystem calls, by total time (like strace -c):\n"
                 "  % time     calls    errors       total     average         max  syscall\n");
    for (unsigned i = 0; i < n; i++) {
        const struct ct_sum_sc_row *r = &x->rows[order[i]];
        uint64_t pct10 = x->total_ns ? (r->total_ns * 1000 + x->total_ns / 2) / x->total_ns : 0;
        ct_tw_u64(w, pct10 / 10, 6);
        ct_jw_write(w, ".", 1);
        ct_tw_u64(w, pct10 % 10, 1);
        ct_tw_u64(w, r->calls, 10);
        ct_tw_u64(w, r->errors, 10);
        const uint64_t cols[] = {r->total_ns, (r->total_ns + r->calls / 2) / r->calls, r->max_ns};
        for (size_t c = 0; c < CT_ARRAY_LEN(cols); c++) {
            ct_jw_write(w, "  ", 2);
            ct_tw_dur(w, cols[c]);
        }
        ct_jw_write(w, "  ", 2);
        if (order[i] < CT_SC_NR_MAX)
            ct_sum_sc_name(w, order[i]);
        else
            ct_tw_str(w, "(other)");
        ct_jw_write(w, "\n", 1);
    }
    ct_tw_str(w, "  100.0");
    ct_tw_u64(w, x->calls, 10);
    ct_tw_str(w, "                                              total\n");
}

void ct_sum_sc_write(struct ct_sum_sc *x, struct ct_jw *w, const struct ct_out_run *run)
{
    if (!x || !x->calls)
        return;
    ct_sum_sc_table(x, w);
    size_t n = 0;
    for (size_t i = 0; i < x->cap; i++)
        if (x->pairs[i].nr != CT_SUM_SC_EMPTY)
            x->pairs[n++] = x->pairs[i];
    qsort(x->pairs, n, sizeof(x->pairs[0]), ct_sum_sc_by_fn);
    ct_tw_str(w, "\nSystem calls per function:\n     calls       total  syscall            function\n");
    for (size_t i = 0; i < n; i++) {
        const struct ct_sum_sc_pair *p = &x->pairs[i];
        ct_tw_u64(w, p->calls, 10);
        ct_jw_write(w, "  ", 2);
        ct_tw_dur(w, p->total_ns);
        ct_jw_write(w, "  ", 2);
        char buf[24];
        const char *name = ct_sc_name(p->nr, buf, sizeof(buf));
        ct_tw_str(w, name);
        ct_tw_fill(w, ' ', strlen(name) < 19 ? 19 - strlen(name) : 1);
        const char *fn = p->fn ? ct_out_symbol(run, p->fn)->name : "(thread root)";
        ct_tw_clean(w, fn, strlen(fn), NULL, ' ');
        ct_jw_write(w, "\n", 1);
    }
    x->npairs = 0; /* the table is sorted in place: written once */
    for (size_t i = 0; i < x->cap; i++)
        x->pairs[i].nr = CT_SUM_SC_EMPTY;
}

void ct_sum_sc_free(struct ct_sum_sc *x)
{
    if (x)
        free(x->pairs);
    free(x);
}
