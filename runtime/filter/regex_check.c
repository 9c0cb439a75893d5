/* regex_check.c — the regex cost guard of CALLTRACE_FILTER's /regex/ patterns.
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

#include <limits.h>
#include <stdbool.h>

#include "filter/filter.h"

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


/* The scan: the open groups (each needs a '(', so n + 1 frames are enough;
 * [0] is the whole regex), the last atom with its repetitions, and whether
 * the last token was a repetition operator. */
struct ct_re_scan {
    struct ct_re_group groups[CT_RE_MAX_LEN + 1];
    size_t depth;
    struct ct_re_cost atom;
    bool after_rep;
};

static const struct ct_re_cost ct_re_empty = {1, 0, 0, true}; /* before the first atom */

/* Adds a complete atom to group g. NULL, or why the regex is refused. */
CT_NOINST static const char *ct_re_add(struct ct_re_cost *g, const struct ct_re_cost *atom,
                                       unsigned old_size)
{
    g->prod = atom->prod > g->prod ? atom->prod : g->prod;
    g->unb = atom->unb > g->unb ? atom->unb : g->unb;
    g->size += atom->size - old_size;
    if (g->size > CT_RE_MAX_SIZE)
        return "expands to over " CT_XSTR(CT_RE_MAX_SIZE) " atoms";
    return NULL;
}

/* A token that is no repetition at re[start]: the last atom is complete.
 * Sets *next past the token. NULL, or why the regex is refused. */
CT_NOINST static const char *ct_re_token(struct ct_re_scan *st, const char *re, size_t n,
                                         size_t start, size_t *next)
{
    char c = re[start];
    struct ct_re_group *g = &st->groups[st->depth];
    g->seq_null = g->seq_null && st->atom.null;
    st->after_rep = false;
    *next = start + 1;
    if (c == '(') {
        st->groups[++st->depth] = (struct ct_re_group){ct_re_empty, false, true};
        st->atom = ct_re_empty; /* a repetition right here is regcomp's error */
        return NULL;
    }
    if (c == '|' || c == '^' || c == '$') {
        if (c == '|') {
            g->any_null = g->any_null || g->seq_null;
            g->seq_null = true;
        }
        st->atom = ct_re_empty; /* an anchor matches the empty string */
        return NULL;
    }
    if (c == ')' && st->depth > 0) { /* the group is the atom now */
        st->atom = g->c;
        st->atom.null = g->any_null || g->seq_null;
        g = &st->groups[--st->depth];
    } else { /* a literal (or an unmatched ')'), '.', "\\x", "[...]" */
        st->atom = (struct ct_re_cost){1, 0, 1, false};
        *next = c == '[' ? ct_re_skip_bracket(re, n, start)
                : c == '\\' && start + 1 < n ? start + 2
                                              : start + 1;
    }
    return ct_re_add(&g->c, &st->atom, 0);
}

/* A repetition {lo,hi} (hi UINT_MAX: unbounded) of the last atom, already
 * counted in its group. NULL, or why the regex is refused. */
CT_NOINST static const char *ct_re_repeat(struct ct_re_scan *st, unsigned lo, unsigned hi)
{
    if (st->after_rep)
        return "a repetition operator right after another";
    st->after_rep = true;
    if ((hi != UINT_MAX && hi > CT_RE_MAX_BOUND) || lo > CT_RE_MAX_BOUND)
        return "a repetition bound over " CT_XSTR(CT_RE_MAX_BOUND);
    bool unbounded = hi == UINT_MAX;
    /* "a{2,5}" is up to 5 copies of a, "a{3,}" 3 copies and a star, "a+"
     * "aa*", "a?" and "a*" one copy (a zero bound counts as 1). */
    unsigned times = unbounded ? lo : hi;
    if (!times)
        times = 1;
    struct ct_re_cost old = st->atom, *atom = &st->atom;
    atom->prod *= times; /* at most 1000 * 255: no overflow */
    atom->unb += unbounded;
    atom->size = atom->size * (times + unbounded) + 1; /* at most 20000 * 256 + 1 */
    if (atom->prod > CT_RE_MAX_PRODUCT)
        return "nested repetitions whose bounds multiply to over " CT_XSTR(CT_RE_MAX_PRODUCT);
    if (atom->unb > CT_RE_MAX_UNBOUNDED)
        return "more than " CT_XSTR(CT_RE_MAX_UNBOUNDED) " unbounded repetitions (*, +, {m,}) "
                                                          "nested";
    if (unbounded && old.null)
        return "an unbounded repetition (*, +, {m,}) of something that can match the "
               "empty string";
    if (unbounded && old.size > CT_RE_MAX_LOOP)
        return "an unbounded repetition (*, +, {m,}) of over " CT_XSTR(
            CT_RE_MAX_LOOP) " atoms once expanded";
    atom->null = atom->null || lo == 0;
    return ct_re_add(&st->groups[st->depth].c, atom, old.size);
}

const char *ct_regex_check(const char *re, size_t n, size_t *at)
{
    *at = 0;
    if (n > CT_RE_MAX_LEN)
        return "longer than " CT_XSTR(CT_RE_MAX_LEN) " characters";
    struct ct_re_scan st = {.depth = 0, .atom = ct_re_empty, .after_rep = false};
    st.groups[0] = (struct ct_re_group){ct_re_empty, false, true};
    size_t i = 0;
    while (i < n) {
        size_t start = i;
        char c = re[i];
        unsigned lo = 1, hi = 1;
        const char *why;
        *at = start;
        if (c == '*' || c == '+' || c == '?') {
            lo = c == '+';
            hi = c == '?' ? 1 : UINT_MAX;
            i++;
            why = ct_re_repeat(&st, lo, hi);
        } else if (c == '{' && (i = ct_re_interval(re, n, start, &lo, &hi)) != 0) {
            why = ct_re_repeat(&st, lo, hi); /* an interval: i is past it */
        } else {
            why = ct_re_token(&st, re, n, start, &i);
        }
        if (why)
            return why;
    }
    return NULL;
}
