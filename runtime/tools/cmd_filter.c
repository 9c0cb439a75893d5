/* cmd_filter.c — function-name patterns after the fact (cmd.h), written as
 * CALLTRACE_FILTER writes them: a comma list of globs (fnmatch) or /regex/
 * (POSIX extended), `!pat` to leave a function out (what it calls stays),
 * `!pat` followed by a slash and two stars to leave it out with everything
 * under it. A comma inside (), <> or a /regex/ does not split the list. Each pattern is tried on the
 * full name and on the name without its parameters. */
#include <fnmatch.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "tools/cmd.h"

struct ct_pat {
    enum ct_pat_verdict kind;
    bool is_re;
    char *glob;
    regex_t re;
};

/* The length of the next item of `s` (up to a comma at nesting 0). */
static size_t pat_item_len(const char *s)
{
    int nest = 0;
    bool in_re = false;
    size_t i = 0;
    if (s[0] == '!')
        i++;
    if (s[i] == '/')
        in_re = true, i++;
    for (; s[i]; i++) {
        char c = s[i];
        if (in_re) {
            if (c == '\\' && s[i + 1])
                i++;
            else if (c == '/')
                in_re = false;
        } else if (c == '(' || c == '<') {
            nest++;
        } else if ((c == ')' || c == '>') && nest > 0) {
            nest--;
        } else if (c == ',' && nest == 0) {
            break;
        }
    }
    return i;
}

static int pat_add_one(struct ct_pats *p, char *item)
{
    struct ct_pat pat = {.kind = CT_PAT_INCLUDE};
    size_t n = strlen(item);
    if (item[0] == '!') {
        pat.kind = CT_PAT_EXCLUDE;
        item++, n--;
        if (n > 3 && strcmp(item + n - 3, "/**") == 0) {
            pat.kind = CT_PAT_EXCLUDE_TREE;
            item[n -= 3] = '\0';
        }
    }
    if (n == 0)
        return 0;
    if (n >= 2 && item[0] == '/' && item[n - 1] == '/') {
        item[n - 1] = '\0';
        pat.is_re = true;
        int rc = regcomp(&pat.re, item + 1, REG_EXTENDED | REG_NOSUB);
        if (rc) {
            char why[128];
            regerror(rc, &pat.re, why, sizeof(why));
            ct_cmd_err("the pattern /%s/ is not a regular expression: %s", item + 1, why);
            return -1;
        }
    } else if (!(pat.glob = strdup(item))) {
        return -1;
    }
    struct ct_pat *v = realloc(p->v, (p->n + 1) * sizeof(*v));
    if (!v) {
        free(pat.glob);
        return -1;
    }
    p->v = v;
    p->v[p->n++] = pat;
    if (pat.kind == CT_PAT_INCLUDE)
        p->any_include = true;
    return 0;
}

int ct_pats_add(struct ct_pats *p, const char *list)
{
    while (*list) {
        size_t n = pat_item_len(list);
        char *item = strndup(list, n);
        while (item && n && (item[n - 1] == ' ' || item[n - 1] == '\n'))
            item[--n] = '\0';
        const char *start = item;
        while (start && *start == ' ')
            start++;
        int rc = item ? pat_add_one(p, (char *)start) : -1;
        free(item);
        if (rc)
            return -1;
        list += n + (list[n] == ',');
    }
    return 0;
}

void ct_pats_free(struct ct_pats *p)
{
    for (size_t i = 0; i < p->n; i++) {
        if (p->v[i].is_re)
            regfree(&p->v[i].re);
        free(p->v[i].glob);
    }
    free(p->v);
    memset(p, 0, sizeof(*p));
}

static bool pat_hit(const struct ct_pat *pat, const char *name)
{
    return pat->is_re ? regexec(&pat->re, name, 0, NULL, 0) == 0
                      : fnmatch(pat->glob, name, 0) == 0;
}

enum ct_pat_verdict ct_pats_match(const struct ct_pats *p, const char *fn)
{
    char bare[512];
    const char *paren = strchr(fn, '(');
    size_t k = paren ? (size_t)(paren - fn) : strlen(fn);
    snprintf(bare, sizeof(bare), "%.*s", (int)(k < sizeof(bare) ? k : sizeof(bare) - 1), fn);
    enum ct_pat_verdict v = CT_PAT_NONE;
    for (size_t i = 0; i < p->n; i++) {
        const struct ct_pat *pat = &p->v[i];
        if (!pat_hit(pat, fn) && !(paren && pat_hit(pat, bare)))
            continue;
        if (pat->kind == CT_PAT_EXCLUDE_TREE)
            return CT_PAT_EXCLUDE_TREE;
        if (pat->kind == CT_PAT_EXCLUDE || v == CT_PAT_NONE)
            v = pat->kind;
    }
    return v;
}
