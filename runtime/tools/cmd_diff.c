/* cmd_diff.c — `calltrace diff A B`: two traces of the same program
 * compared per function: calls, total and self time in each, their
 * absolute and relative change, the largest change first. */
#include <stdlib.h>
#include <string.h>

#include "tools/cmd.h"

static void diff_usage(FILE *to)
{
    fputs("usage: calltrace diff [OPTIONS] A B\n"
          "Compares the traces A and B (.json or .ctraw) per function: calls, total and self\n"
          "time in A and in B, the change (B - A) and the relative change, the functions\n"
          "with the largest absolute change first; 'new' or 'gone' when only one has it.\n"
          "  --sort COL    the change that orders the lines: total (default), self, calls\n"
          "  --top N       the first N lines only\n"
          "  --ns          durations in nanoseconds\n"
          "  --no-pager    never through $PAGER (it is used on a terminal)\n",
          to);
}

struct diff_row {
    const char *name;
    const struct ct_fstat *a, *b;
    int64_t key; /* the sorting change */
};

static int64_t diff_change(const struct ct_fstat *a, const struct ct_fstat *b, int col)
{
    uint64_t x = 0, y = 0;
    if (a)
        x = col == 0 ? a->calls : col == 1 ? a->total_ns : a->self_ns;
    if (b)
        y = col == 0 ? b->calls : col == 1 ? b->total_ns : b->self_ns;
    return (int64_t)(y - x);
}

static int diff_cmp(const void *p, const void *q)
{
    const struct diff_row *x = p, *y = q;
    uint64_t ax = (uint64_t)(x->key < 0 ? -x->key : x->key);
    uint64_t ay = (uint64_t)(y->key < 0 ? -y->key : y->key);
    if (ax != ay)
        return ax > ay ? -1 : 1;
    return strcmp(x->name, y->name);
}

/* "+1.234 ms" / "-12 " / "0": a signed change. */
static const char *diff_signed(char *buf, size_t cap, int64_t d, bool is_ns, bool raw)
{
    char tmp[32];
    uint64_t m = (uint64_t)(d < 0 ? -d : d);
    if (!is_ns || raw)
        snprintf(tmp, sizeof(tmp), "%llu", (unsigned long long)m);
    else
        ct_cmd_dur(tmp, sizeof(tmp), m, false);
    const char *t = tmp;
    while (*t == ' ')
        t++;
    snprintf(buf, cap, "%s%s", d > 0 ? "+" : d < 0 ? "-" : "", t);
    return buf;
}

static const char *diff_rel(char *buf, size_t cap, uint64_t x, uint64_t y, bool in_a, bool in_b)
{
    if (!in_a)
        return "new";
    if (!in_b)
        return "gone";
    if (x == 0)
        return y ? "new" : "0.0%";
    double r = ((double)y - (double)x) * 100.0 / (double)x;
    snprintf(buf, cap, "%+.1f%%", r);
    return buf;
}

static void diff_line(FILE *out, const struct diff_row *r, bool raw)
{
    const struct ct_fstat *a = r->a, *b = r->b;
    char c[48], t[3][48], s[3][48], rel[2][24];
    uint64_t ta = a ? a->total_ns : 0, tb = b ? b->total_ns : 0;
    uint64_t sa = a ? a->self_ns : 0, sb = b ? b->self_ns : 0;
    fprintf(out, "%9llu %9llu %9s %11s %11s %11s %8s %11s %11s %11s %8s  %s\n",
            (unsigned long long)(a ? a->calls : 0), (unsigned long long)(b ? b->calls : 0),
            diff_signed(c, sizeof(c), diff_change(a, b, 0), false, raw),
            ct_cmd_dur(t[0], sizeof(t[0]), ta, raw), ct_cmd_dur(t[1], sizeof(t[1]), tb, raw),
            diff_signed(t[2], sizeof(t[2]), diff_change(a, b, 1), true, raw),
            diff_rel(rel[0], sizeof(rel[0]), ta, tb, a, b),
            ct_cmd_dur(s[0], sizeof(s[0]), sa, raw), ct_cmd_dur(s[1], sizeof(s[1]), sb, raw),
            diff_signed(s[2], sizeof(s[2]), diff_change(a, b, 2), true, raw),
            diff_rel(rel[1], sizeof(rel[1]), sa, sb, a, b), r->name);
}

static int diff_print(FILE *out, const struct ct_stats *sa, const struct ct_stats *sb, int col,
                      uint64_t top, bool raw)
{
    struct diff_row *rows = calloc(sa->n + sb->n + 1, sizeof(*rows));
    if (!rows)
        return -1;
    size_t n = 0;
    for (int side = 0; side < 2; side++) {
        const struct ct_stats *s = side ? sb : sa;
        for (size_t i = 0; i < s->cap; i++) {
            const struct ct_fstat *f = &s->v[i];
            if (!f->name || (side && ct_stats_find(sa, f->name)))
                continue;
            struct diff_row *r = &rows[n++];
            r->name = f->name;
            r->a = side ? NULL : f;
            r->b = side ? f : ct_stats_find(sb, f->name);
            r->key = diff_change(r->a, r->b, col);
        }
    }
    qsort(rows, n, sizeof(*rows), diff_cmp);
    fprintf(out, "%9s %9s %9s %11s %11s %11s %8s %11s %11s %11s %8s  %s\n", "calls(A)", "calls(B)",
            "change", "total(A)", "total(B)", "change", "rel", "self(A)", "self(B)", "change", "rel",
            "function");
    for (size_t i = 0; i < n && (!top || i < top); i++)
        diff_line(out, &rows[i], raw);
    free(rows);
    return 0;
}

static int diff_load(const char *file, struct ct_stats *s, struct ct_jv **meta)
{
    struct ct_cmd_trace t;
    const char *path = ct_cmd_open_trace(&t, file);
    if (!path)
        return -1;
    int rc = ct_stats_of_trace(path, s, meta);
    ct_cmd_close_trace(&t);
    return rc;
}

int ct_cmd_diff(int argc, char **argv)
{
    const char *files[2] = {NULL, NULL};
    int col = 1, nfiles = 0;
    uint64_t top = 0;
    bool raw = false, page = true, bad = false;
    for (int i = 1; i < argc; i++) {
        const char *v;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            diff_usage(stdout);
            return CT_CMD_OK;
        } else if ((v = ct_cmd_opt(argc, argv, &i, "--sort", "-s", &bad))) {
            col = strcmp(v, "calls") == 0 ? 0 : strcmp(v, "total") == 0 ? 1
                : strcmp(v, "self") == 0 ? 2 : -1;
            bad = col < 0;
        } else if ((v = ct_cmd_opt(argc, argv, &i, "--top", "-n", &bad))) {
            bad = ct_cmd_parse_u64(v, &top) != 0 || !top;
        } else if (strcmp(argv[i], "--ns") == 0) {
            raw = true;
        } else if (strcmp(argv[i], "--no-pager") == 0) {
            page = false;
        } else if (argv[i][0] != '-' && nfiles < 2) {
            files[nfiles++] = argv[i];
        } else {
            bad = true;
        }
        if (bad)
            break;
    }
    if (bad || nfiles != 2) {
        diff_usage(stderr);
        return CT_CMD_USAGE;
    }
    struct ct_stats sa = {0}, sb = {0};
    struct ct_jv *ma = NULL, *mb = NULL;
    int rc = diff_load(files[0], &sa, &ma);
    if (rc == 0)
        rc = diff_load(files[1], &sb, &mb);
    if (rc == 0) {
        const char *ea = ct_jv_str(ma, "executable"), *eb = ct_jv_str(mb, "executable");
        FILE *out = ct_cmd_out(page);
        fprintf(out, "# A: %s (%s, %llu calls)\n# B: %s (%s, %llu calls)\n", files[0],
                ea ? ea : "?", (unsigned long long)ct_jv_u64(ma, "total_calls"), files[1],
                eb ? eb : "?", (unsigned long long)ct_jv_u64(mb, "total_calls"));
        if (diff_print(out, &sa, &sb, col, top, raw) != 0)
            ct_cmd_err("out of memory"), rc = -1;
        if (ct_cmd_out_close(out) != 0)
            rc = -1;
    }
    ct_stats_free(&sa);
    ct_stats_free(&sb);
    ct_jv_free(ma);
    ct_jv_free(mb);
    return rc ? CT_CMD_ERR : CT_CMD_OK;
}
