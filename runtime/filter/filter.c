/* filter.c — CALLTRACE_FILTER(_FILE) and CALLTRACE_HOOK(), resolved at init
 * into the address set the filtered hook sets probe (see filter.h). */
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calltrace.h"
#include "base/vec.h"
#include "base/clock.h"
#include "filter/filter.h"
#include "record/hooks.h"
#include "symbols/symbols.h"

struct ct_fset ct_fset;

/* ---- patterns ------------------------------------------------------------- */

CT_NOINST static bool ct_ends_with(const char *s, size_t len, const char *suffix)
{
    size_t k = strlen(suffix);
    return len >= k && memcmp(s + len - k, suffix, k) == 0;
}

int ct_patterns_add(struct ct_patterns *p, const char *spec, size_t len, const char *origin)
{
    while (len && isspace((unsigned char)*spec))
        spec++, len--;
    while (len && isspace((unsigned char)spec[len - 1]))
        len--;
    if (!len)
        return 0;
    struct ct_pattern pat = {0};
    const char *s = spec;
    size_t n = len;
    if (*s == '!') {
        pat.neg = true;
        s++, n--;
    }
    if (n && *s == '/') { /* a regex: /re/, then maybe ** or a further slash and ** */
        pat.regex = true;
        if (ct_ends_with(s, n, "//**") && n >= 5)
            n -= 4, pat.subtree = true;
        else if (ct_ends_with(s, n, "/**") && n >= 4)
            n -= 3, pat.subtree = true;
        else if (n >= 2 && s[n - 1] == '/')
            n -= 1;
        else {
            ct_log("%s: '%.*s' has no closing '/' (write /regex/); ignored", origin,
                   (int)(len > 200 ? 200 : len), spec);
            return -1;
        }
        s++, n--;
    } else if (ct_ends_with(s, n, "/**")) {
        n -= 3;
        pat.subtree = true;
    }
    if (!n) {
        ct_log("%s: '%.*s' names no function; ignored", origin, (int)(len > 200 ? 200 : len), spec);
        return -1;
    }
    pat.text = strndup(s, n);
    if (!pat.text)
        return -1;
    if (pat.regex) {
        size_t at;
        const char *costly = ct_regex_check(pat.text, strlen(pat.text), &at);
        if (costly) {
            ct_log("%s: regex /%.200s/ too costly to compile: %s (at offset %zu); ignored",
                   origin, pat.text, costly, at);
            free(pat.text);
            return -1;
        }
        int rc = regcomp(&pat.re, pat.text, REG_EXTENDED | REG_NOSUB);
        if (rc != 0) {
            char why[128];
            regerror(rc, &pat.re, why, sizeof(why));
            ct_log("%s: invalid regex /%.200s/ (%s); ignored", origin, pat.text, why);
            free(pat.text);
            return -1;
        }
    }
    if (!CT_VEC_RESERVE(p->v, p->cap, p->n + 1)) {
        if (pat.regex)
            regfree(&pat.re);
        free(pat.text);
        return -1;
    }
    p->v[p->n++] = pat;
    p->has_pos |= !pat.neg;
    return 0;
}

void ct_patterns_add_list(struct ct_patterns *p, const char *list, const char *origin)
{
    const char *s = list;
    while (*s) {
        const char *start = s, *q = s;
        while (isspace((unsigned char)*q))
            q++;
        if (*q == '!')
            q++;
        if (*q == '/') { /* a regex runs to a '/' closing it before a comma or the end */
            const char *end = NULL;
            for (const char *r = q + 1; *r; r++) {
                if (*r == '\\' && r[1]) {
                    r++;
                    continue;
                }
                if (*r != '/')
                    continue;
                size_t tail = strcspn(r + 1, ",");
                const char *t = r + 1;
                while (tail && isspace((unsigned char)t[tail - 1]))
                    tail--;
                if (tail == 0 || (tail == 2 && memcmp(t, "**", 2) == 0) ||
                    (tail == 3 && memcmp(t, "/**", 3) == 0)) {
                    end = r + 1 + strcspn(r + 1, ",");
                    break;
                }
            }
            s = end ? end : q + strlen(q);
        } else { /* a glob runs to a comma outside (), <> */
            int paren = 0, angle = 0;
            for (s = q; *s && !(*s == ',' && paren == 0 && angle == 0); s++) {
                paren += *s == '(' ? 1 : *s == ')' && paren > 0 ? -1 : 0;
                angle += *s == '<' ? 1 : *s == '>' && angle > 0 ? -1 : 0;
            }
        }
        ct_patterns_add(p, start, (size_t)(s - start), origin);
        if (*s == ',')
            s++;
    }
}

int ct_patterns_add_file(struct ct_patterns *p, const char *path)
{
    FILE *f = fopen(path, "re");
    if (!f) {
        ct_log("CALLTRACE_FILTER_FILE: cannot read %.200s: %s; no patterns from it", path,
               strerror(errno));
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    unsigned no = 0;
    while ((len = getline(&line, &cap, f)) >= 0) {
        no++;
        const char *s = line;
        while (isspace((unsigned char)*s))
            s++;
        if (*s == '#' || !*s)
            continue;
        char origin[256];
        snprintf(origin, sizeof(origin), "%.200s:%u", path, no);
        ct_patterns_add(p, s, strlen(s), origin);
    }
    free(line);
    fclose(f);
    return 0;
}

size_t ct_name_base_len(const char *name)
{
    size_t len = strlen(name), i = len;
    /* trailing qualifiers: " const", " volatile", " &", " &&", " noexcept" */
    while (i > 0 && (islower((unsigned char)name[i - 1]) || name[i - 1] == ' ' ||
                     name[i - 1] == '&'))
        i--;
    if (i == 0 || name[i - 1] != ')')
        return len;
    int depth = 0;
    while (i > 0) {
        char c = name[--i];
        if (c == ')')
            depth++;
        else if (c == '(' && --depth == 0)
            return i > 0 ? i : len;
    }
    return len;
}

size_t ct_name_return_len(const char *base, size_t len)
{
    if (memmem(base, len, "operator", 8))
        return 0;
    size_t skip = 0;
    int depth = 0;
    for (size_t i = 0; i < len; i++) {
        char c = base[i];
        depth += c == '<' || c == '(' ? 1 : (c == '>' || c == ')') && depth > 0 ? -1 : 0;
        if (c == ' ' && depth == 0)
            skip = i + 1;
    }
    return skip < len ? skip : 0;
}

/* One name against one pattern, in each of its forms (full, without the
 * parameters, without the return type too). */
CT_NOINST static bool ct_pattern_hit(const struct ct_pattern *pat, const char *const *forms,
                                     size_t nforms)
{
    for (size_t i = 0; i < nforms; i++)
        if (pat->regex ? regexec(&pat->re, forms[i], 0, NULL, 0) == 0
                       : fnmatch(pat->text, forms[i], 0) == 0)
            return true;
    return false;
}

unsigned ct_patterns_match(struct ct_patterns *p, const char *name)
{
    char stack_buf[512];
    char *base = NULL;
    const char *forms[3] = {name};
    size_t nforms = 1, blen = ct_name_base_len(name);
    if (name[blen] != '\0') {
        base = blen < sizeof(stack_buf) ? stack_buf : malloc(blen + 1);
        if (base) {
            memcpy(base, name, blen);
            base[blen] = '\0';
            forms[nforms++] = base;
            size_t ret = ct_name_return_len(base, blen);
            if (ret)
                forms[nforms++] = base + ret;
        }
    }
    unsigned flags = 0;
    for (size_t i = 0; i < p->n; i++) {
        struct ct_pattern *pat = &p->v[i];
        if (!ct_pattern_hit(pat, forms, nforms))
            continue;
        pat->matched++;
        if (!pat->neg)
            flags |= CT_F_POS;
        else
            flags |= pat->subtree ? CT_F_EXCL | CT_F_SKIP : CT_F_EXCL;
    }
    if (base != stack_buf)
        free(base);
    return flags;
}

void ct_patterns_free(struct ct_patterns *p)
{
    for (size_t i = 0; i < p->n; i++) {
        if (p->v[i].regex)
            regfree(&p->v[i].re);
        free(p->v[i].text);
    }
    free(p->v);
    memset(p, 0, sizeof(*p));
}

/* ---- the address set ------------------------------------------------------ */

CT_NOINST static struct ct_fslot *ct_fset_slot(struct ct_fset *s, uintptr_t fn)
{
    size_t mask = ((size_t)1 << s->bits) - 1;
    size_t i = ct_fset_hash(fn, s->bits);
    while (s->slots[i].fn && s->slots[i].fn != fn)
        i = (i + 1) & mask;
    if (!s->slots[i].fn) {
        s->slots[i].fn = fn;
        s->n++;
    }
    return &s->slots[i];
}

CT_NOINST static int ct_hook_cmp(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t)(*(const struct calltrace_hook *const *)a)->function;
    uintptr_t y = (uintptr_t)(*(const struct calltrace_hook *const *)b)->function;
    return (x > y) - (x < y);
}

int ct_fset_build(struct ct_fset *s, const struct ct_fentry *v, size_t n,
                  const struct calltrace_hook **hooks, size_t nhooks)
{
    memset(s, 0, sizeof(*s));
    s->bits = 4;
    while (((size_t)1 << s->bits) < 2 * (n + nhooks))
        s->bits++;
    s->slots = calloc((size_t)1 << s->bits, sizeof(*s->slots));
    if (!s->slots)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (v[i].fn)
            ct_fset_slot(s, v[i].fn)->flags |= (uint16_t)v[i].flags;
    if (nhooks) {
        s->hooks = malloc(nhooks * sizeof(*s->hooks));
        if (!s->hooks) {
            ct_fset_free(s);
            return -1;
        }
        memcpy(s->hooks, hooks, nhooks * sizeof(*hooks));
        qsort(s->hooks, nhooks, sizeof(*s->hooks), ct_hook_cmp);
        s->nhooks = nhooks;
        for (size_t i = 0; i < nhooks;) {
            uintptr_t fn = (uintptr_t)s->hooks[i]->function;
            size_t j = i;
            while (j < nhooks && (uintptr_t)s->hooks[j]->function == fn && j - i < UINT16_MAX)
                j++;
            if (fn) {
                struct ct_fslot *e = ct_fset_slot(s, fn);
                e->flags |= CT_F_HOOK;
                e->hook = (uint32_t)i;
                e->nhooks = (uint16_t)(j - i);
            }
            i = j;
        }
    }
    return 0;
}

void ct_fset_free(struct ct_fset *s)
{
    free(s->slots);
    free(s->hooks);
    memset(s, 0, sizeof(*s));
}

/* ---- init ----------------------------------------------------------------- */

/* The linker defines these around the section when some object of the
 * program has a CALLTRACE_HOOK(); otherwise they stay NULL (weak). */
extern const struct calltrace_hook __start_calltrace_hooks[]
    __attribute__((weak, visibility("default")));
extern const struct calltrace_hook __stop_calltrace_hooks[]
    __attribute__((weak, visibility("default")));

struct ct_match_ctx {
    struct ct_patterns *pats;
    struct ct_fentry *v;
    size_t n, cap;
    size_t functions;
};

CT_NOINST static void ct_match_symbol(void *arg, const struct ct_symbol *sym)
{
    struct ct_match_ctx *m = arg;
    m->functions++;
    unsigned flags = ct_patterns_match(m->pats, sym->name);
    if (!flags)
        return;
    if (!CT_VEC_RESERVE(m->v, m->cap, m->n + 1))
        return;
    m->v[m->n++] = (struct ct_fentry){sym->entry, flags};
}

void ct_filters_init(const char *list, const char *file)
{
    struct ct_patterns pats = {0};
    if (list && *list)
        ct_patterns_add_list(&pats, list, "CALLTRACE_FILTER");
    if (file && *file)
        ct_patterns_add_file(&pats, file);

    const struct calltrace_hook *hb = __start_calltrace_hooks, *he = __stop_calltrace_hooks;
    size_t nhooks = hb && he > hb ? (size_t)(he - hb) : 0;
    if (!pats.n && !nhooks) {
        ct_patterns_free(&pats);
        return;
    }

    uint64_t t0 = ct_mono_ns();
    struct ct_match_ctx m = {.pats = &pats};
    if (pats.n) {
        struct ct_symtab *tab = ct_symtab_new();
        if (tab)
            ct_symtab_each(tab, ct_match_symbol, &m);
        ct_symtab_free(tab);
        for (size_t i = 0; i < pats.n; i++)
            if (!pats.v[i].matched)
                ct_debug("filter: %s%s%s%s%s matches no function", pats.v[i].neg ? "!" : "",
                         pats.v[i].regex ? "/" : "", pats.v[i].text, pats.v[i].regex ? "/" : "",
                         pats.v[i].subtree ? "/**" : "");
        bool pos_hit = false;
        for (size_t i = 0; i < m.n; i++)
            pos_hit |= (m.v[i].flags & CT_F_POS) != 0;
        if (pats.has_pos && !pos_hit)
            ct_log("CALLTRACE_FILTER: no function matches the patterns to record (those without "
                   "'!'): nothing will be recorded");
    }
    const struct calltrace_hook **hooks = nhooks ? malloc(nhooks * sizeof(*hooks)) : NULL;
    for (size_t i = 0; hooks && i < nhooks; i++)
        hooks[i] = &hb[i];
    struct ct_fset set;
    int rc = ct_fset_build(&set, m.v, m.n, hooks, hooks ? nhooks : 0);
    free(hooks);
    free(m.v);
    if (rc != 0) {
        ct_log("out of memory building the filter set: recording without filters or hooks");
        ct_patterns_free(&pats);
        return;
    }
    set.has_pos = pats.has_pos;
    ct_fset = set;
    ct_hook_rec = ct_hook_rec == CT_HOOK_REC_TSC ? CT_HOOK_REC_TSC_FILTERED
                                                 : CT_HOOK_REC_MONO_FILTERED;
    if (set.nhooks)
        ct_hook_stopped = CT_HOOK_USER;
    ct_debug("filter: %zu patterns over %zu functions: %zu selected, %zu user hooks, in %.1f ms",
             pats.n, m.functions, m.n, set.nhooks, (double)(ct_mono_ns() - t0) / 1e6);
    ct_patterns_free(&pats);
}
