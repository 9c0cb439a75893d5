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
#include "base/clock.h"
#include "filter/filter.h"
#include "record/hooks.h"
#include "symbols/symbols.h"

struct ct_fset ct_fset;

/* ---- regex cost guard ------------------------------------------------------
 *
 * glibc's regcomp() copies the subtree under a repetition operator once per
 * repetition ("a{3}" becomes "aaa", "a+" becomes "aa*"), and again for every
 * operator stacked on it or wrapped around it: "x++++++++++++++++++++++" takes
 * seconds and gigabytes, "x{1,32767}{1,32767}" much more. Under a star, the
 * time also grows with the square of the copied subtree's size. Filters are
 * compiled at init, inside the traced program, so ct_regex_check() rejects such
 * a regex before regcomp() sees it. It is a scanner, not a parser: it follows
 * POSIX ERE just far enough to know what a repetition applies to, and leaves
 * every real syntax error to regcomp(). It refuses
 *   - a regex longer than CT_RE_MAX_LEN characters;
 *   - a repetition operator (*, +, ?, {m,n}) right after another one ("a**",
 *     "a+?", "a{2}{3}": undefined in POSIX ERE, exponential in glibc);
 *   - a bound over CT_RE_MAX_BOUND in {m}, {m,}, {,n} or {m,n};
 *   - nested repetitions whose bounds multiply to over CT_RE_MAX_PRODUCT
 *     ("(a{1,100}){1,100}"); *, + and ? count as 1 here, {m,} as m;
 *   - more than CT_RE_MAX_UNBOUNDED unbounded repetitions (*, +, {m,}) nested
 *     in one another ("((a+)+)+");
 *   - an unbounded repetition of something that can match the empty string
 *     ("(a|)+", "(b?)*", "(c*|)*": regcomp's epsilon closures explode when
 *     such a loop is copied: "((c*|){3,}){7}" takes seconds; "b*" says it);
 *   - an unbounded repetition of a subtree that expands to over CT_RE_MAX_LOOP
 *     atoms ("(.{0,200}.{0,200})*"), or a whole regex that expands to over
 *     CT_RE_MAX_SIZE atoms: roughly what regcomp() builds (see ct_re_cost).
 * A character inside a bracket expression ("[*+]", "[]*]", "[^]{]") or after a
 * backslash ("\\+") is a literal, not an operator. */

#define CT_RE_MAX_LEN 256
#define CT_RE_MAX_BOUND 255
#define CT_RE_MAX_PRODUCT 1000
#define CT_RE_MAX_UNBOUNDED 2
#define CT_RE_MAX_LOOP 1000
#define CT_RE_MAX_SIZE 20000
#define CT_XSTR(x) CT_STR(x)
#define CT_STR(x) #x

/* The cost of a piece of regex (an atom with its repetitions, or the
 * contents of a group so far):
 *   prod  the product of the repetition bounds nested in it;
 *   unb   how many unbounded repetitions are nested in it;
 *   size  its size once regcomp() has expanded the repetitions: a literal,
 *         '.', "\\x" or "[...]" is 1, a sequence or alternation the sum of its
 *         parts, a repetition multiplies (see ct_regex_check);
 *   null  an atom: it can match the empty string.
 * The numbers stay small: each is checked against its limit as it grows. */
struct ct_re_cost {
    unsigned prod, unb, size;
    bool null;
};

/* An open group: the largest prod and unb of its parts so far, the sum of
 * their sizes; whether an alternative already closed by '|' can match the
 * empty string, and whether the current one can, up to its last atom. */
struct ct_re_group {
    struct ct_re_cost c;
    bool any_null, seq_null;
};

/* Past a bracket expression: `i` is the index of its '['. Returns the index
 * just after its closing ']', or n when it has none (regcomp reports that). */
CT_NOINST static size_t ct_re_skip_bracket(const char *re, size_t n, size_t i)
{
    i++;
    if (i < n && re[i] == '^')
        i++;
    if (i < n && re[i] == ']') /* "[]...]", "[^]...]": that ']' is a member */
        i++;
    while (i < n && re[i] != ']') {
        /* "[:alpha:]", "[=a=]", "[.-.]" run to their own ":]", "=]", ".]" */
        if (re[i] == '[' && i + 1 < n && (re[i + 1] == ':' || re[i + 1] == '=' || re[i + 1] == '.')) {
            char kind = re[i + 1];
            size_t j = i + 2;
            while (j + 1 < n && !(re[j] == kind && re[j + 1] == ']'))
                j++;
            if (j + 1 >= n)
                return n;
            i = j + 2;
            continue;
        }
        i++; /* a backslash is a literal in a bracket expression */
    }
    return i < n ? i + 1 : n;
}

/* An interval "{m}", "{m,}", "{,n}", "{m,n}" at re[i] == '{'. Sets *lo, *hi
 * (*hi = UINT_MAX: no upper bound; numbers saturate at 99999) and returns the
 * index after its '}', or 0 when it is no interval (regcomp rejects those). */
CT_NOINST static size_t ct_re_interval(const char *re, size_t n, size_t i, unsigned *lo,
                                       unsigned *hi)
{
    unsigned v[2] = {0, 0};
    bool digits[2] = {false, false}, comma = false;
    for (i++; i < n; i++) {
        char c = re[i];
        if (c >= '0' && c <= '9') {
            v[comma] = v[comma] >= 9999 ? 99999 : v[comma] * 10 + (unsigned)(c - '0');
            digits[comma] = true;
        } else if (c == ',' && !comma) {
            comma = true;
        } else if (c == '}') {
            if (!digits[0] && !comma)
                return 0; /* "{}" */
            *lo = v[0];
            *hi = !comma ? v[0] : digits[1] ? v[1] : UINT_MAX;
            return i + 1;
        } else {
            return 0;
        }
    }
    return 0;
}

/* NULL when `re` (`n` bytes, an ERE) is cheap enough to compile, else why not,
 * with *at the offset of the offending character. */
CT_NOINST static const char *ct_regex_check(const char *re, size_t n, size_t *at)
{
    *at = 0;
    if (n > CT_RE_MAX_LEN)
        return "longer than " CT_XSTR(CT_RE_MAX_LEN) " characters";
    /* The open groups. Each needs a '(', so n + 1 frames are enough; [0] is
     * the whole regex. */
    struct ct_re_group groups[CT_RE_MAX_LEN + 1];
    const struct ct_re_cost empty = {1, 0, 0, true}; /* before the first atom */
    size_t depth = 0;
    groups[0] = (struct ct_re_group){empty, false, true};
    struct ct_re_cost atom = empty; /* the last atom, with its repetitions */
    bool after_rep = false;         /* the last token was a repetition operator */
    size_t i = 0;
    while (i < n) {
        size_t start = i;
        char c = re[i];
        unsigned lo = 1, hi = 1;
        *at = start;
        if (c == '*' || c == '+' || c == '?') {
            lo = c == '+';
            hi = c == '?' ? 1 : UINT_MAX;
            i++;
        } else if (c == '{' && (i = ct_re_interval(re, n, start, &lo, &hi)) != 0) {
            /* an interval: i is past it */
        } else {
            /* Not a repetition: the last atom is complete. */
            struct ct_re_group *g = &groups[depth];
            g->seq_null = g->seq_null && atom.null;
            after_rep = false;
            i = start + 1;
            if (c == '(') {
                groups[++depth] = (struct ct_re_group){empty, false, true};
                atom = empty; /* a repetition right here is regcomp's error */
                continue;
            }
            if (c == '|' || c == '^' || c == '$') {
                if (c == '|') {
                    g->any_null = g->any_null || g->seq_null;
                    g->seq_null = true;
                }
                atom = empty; /* an anchor matches the empty string */
                continue;
            }
            if (c == ')' && depth > 0) { /* the group is the atom now */
                atom = g->c;
                atom.null = g->any_null || g->seq_null;
                g = &groups[--depth];
            } else { /* a literal (or an unmatched ')'), '.', "\\x", "[...]" */
                atom = (struct ct_re_cost){1, 0, 1, false};
                i = c == '[' ? ct_re_skip_bracket(re, n, start)
                    : c == '\\' && start + 1 < n ? start + 2
                                                  : start + 1;
            }
            g->c.prod = atom.prod > g->c.prod ? atom.prod : g->c.prod;
            g->c.unb = atom.unb > g->c.unb ? atom.unb : g->c.unb;
            g->c.size += atom.size;
            if (g->c.size > CT_RE_MAX_SIZE)
                return "expands to over " CT_XSTR(CT_RE_MAX_SIZE) " atoms";
            continue;
        }

        /* A repetition of `atom`, already counted in groups[depth]. */
        if (after_rep)
            return "a repetition operator right after another";
        after_rep = true;
        if ((hi != UINT_MAX && hi > CT_RE_MAX_BOUND) || lo > CT_RE_MAX_BOUND)
            return "a repetition bound over " CT_XSTR(CT_RE_MAX_BOUND);
        bool unbounded = hi == UINT_MAX;
        /* "a{2,5}" is up to 5 copies of a, "a{3,}" 3 copies and a star, "a+"
         * "aa*", "a?" and "a*" one copy (a zero bound counts as 1). */
        unsigned times = unbounded ? lo : hi;
        if (!times)
            times = 1;
        struct ct_re_cost old = atom;
        atom.prod *= times; /* at most 1000 * 255: no overflow */
        atom.unb += unbounded;
        atom.size = atom.size * (times + unbounded) + 1; /* at most 20000 * 256 + 1 */
        if (atom.prod > CT_RE_MAX_PRODUCT)
            return "nested repetitions whose bounds multiply to over " CT_XSTR(CT_RE_MAX_PRODUCT);
        if (atom.unb > CT_RE_MAX_UNBOUNDED)
            return "more than " CT_XSTR(CT_RE_MAX_UNBOUNDED) " unbounded repetitions (*, +, {m,}) "
                                                              "nested";
        if (unbounded && old.null)
            return "an unbounded repetition (*, +, {m,}) of something that can match the "
                   "empty string";
        if (unbounded && old.size > CT_RE_MAX_LOOP)
            return "an unbounded repetition (*, +, {m,}) of over " CT_XSTR(
                CT_RE_MAX_LOOP) " atoms once expanded";
        atom.null = atom.null || lo == 0;
        struct ct_re_cost *g = &groups[depth].c;
        g->prod = atom.prod > g->prod ? atom.prod : g->prod;
        g->unb = atom.unb > g->unb ? atom.unb : g->unb;
        g->size += atom.size - old.size;
        if (g->size > CT_RE_MAX_SIZE)
            return "expands to over " CT_XSTR(CT_RE_MAX_SIZE) " atoms";
    }
    return NULL;
}

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
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 8;
        struct ct_pattern *v = realloc(p->v, cap * sizeof(*v));
        if (!v) {
            if (pat.regex)
                regfree(&pat.re);
            free(pat.text);
            return -1;
        }
        p->v = v;
        p->cap = cap;
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
    if (m->n == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 64;
        struct ct_fentry *v = realloc(m->v, cap * sizeof(*v));
        if (!v)
            return;
        m->v = v;
        m->cap = cap;
    }
    m->v[m->n++] = (struct ct_fentry){sym->entry, flags};
}

void ct_filters_init(void)
{
    const char *list = secure_getenv("CALLTRACE_FILTER");
    const char *file = secure_getenv("CALLTRACE_FILTER_FILE");
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
