/* filter.h — record-time filters and user hooks, resolved to addresses
 * before recording begins. Internal.
 *
 * CALLTRACE_FILTER / CALLTRACE_FILTER_FILE patterns are matched against
 * every function's name once, at init; CALLTRACE_HOOK() entries are
 * collected from their ELF section. The result is an immutable open-
 * addressing hash set, function address -> flags (+ its user hooks), that
 * the filtered hook sets (hooks.c) probe on every event: no string work on
 * the hot path.
 *
 * Pattern semantics (like uftrace's -F/-N):
 *   pat        record only inside matching functions: the function and
 *              everything it calls (when there is at least one such pattern)
 *   !pat       do not record the matching function itself; its callees are
 *              recorded and attach to the nearest recorded ancestor
 *   !pat/ **   (no space) do not record the function nor anything it calls
 *   /regex/    a POSIX extended regex instead of a glob, in any of the forms
 *              above (!/re/, !/re/ ** (no space)); at most 256 characters.
 *              A regex that glibc's regcomp() would take seconds or
 *              gigabytes to compile is refused (stacked repetitions "a++",
 *              bounds over 255, nested bounds multiplying to over 1000, ...:
 *              see ct_regex_check() in filter.c)
 * A glob is an fnmatch(3) pattern. Both globs and regexes are tried against
 * the symbolizer's full name ("geo::scale(geo::Circle&, double)"), the name
 * without its parameter list ("geo::scale") and, for a template function,
 * without its return type too ("int biggest<int>(int, int)" -> "biggest<int>"). */
#ifndef CT_FILTER_H
#define CT_FILTER_H

#include <regex.h>
#include <stdbool.h>

#include "base/ct.h"
#include "base/hash.h"

struct calltrace_hook;

enum ct_filter_flags {
    CT_F_POS = 1u,  /* matches a positive pattern: record inside it */
    CT_F_EXCL = 2u, /* matches !pat: the call itself is not recorded */
    CT_F_SKIP = 4u, /* matches !pat/ **: nor anything it calls */
    CT_F_HOOK = 8u, /* has user hooks */
};

/* ---- patterns (init only) ------------------------------------------------ */

struct ct_pattern {
    char *text;      /* the glob, or the regex's source */
    bool regex, neg, subtree;
    regex_t re;
    uint64_t matched; /* functions it matched */
};

struct ct_patterns {
    struct ct_pattern *v;
    size_t n, cap;
    bool has_pos; /* at least one positive pattern */
};

/* Adds one pattern (`len` bytes of `spec`, surrounding blanks ignored). A bad
 * one (an invalid or too costly regex, an unterminated /regex) gets one "calltrace:" line
 * naming `origin` and is ignored. Returns 0, or -1 when it was ignored. An
 * empty pattern is ignored silently (returns 0). */
CT_INTERNAL int ct_patterns_add(struct ct_patterns *p, const char *spec, size_t len,
                                const char *origin);
/* A comma list (CALLTRACE_FILTER). Commas inside (), <> and a /regex/ do
 * not split: "geo::scale(geo::Circle&, double)" is one pattern. */
CT_INTERNAL void ct_patterns_add_list(struct ct_patterns *p, const char *list,
                                      const char *origin);
/* One pattern per line, blank lines and lines starting with # skipped
 * (CALLTRACE_FILTER_FILE). An unreadable file gets one "calltrace:" line.
 * Returns 0 or -1. */
CT_INTERNAL int ct_patterns_add_file(struct ct_patterns *p, const char *path);
/* The CT_F_* flags of a function name (0: no pattern matches). */
CT_INTERNAL unsigned ct_patterns_match(struct ct_patterns *p, const char *name);
CT_INTERNAL void ct_patterns_free(struct ct_patterns *p);
/* The length of `name` without its trailing parameter list and qualifiers:
 * "ns::f(int) const" -> "ns::f", "operator()(int)" -> "operator()"; the
 * whole length when there is none. */
CT_INTERNAL size_t ct_name_base_len(const char *name);
/* In such a base, the length of a template function's return type and its
 * space ("int biggest<int>" -> 4), 0 when there is none (nor for operators). */
CT_INTERNAL size_t ct_name_return_len(const char *base, size_t len);

/* ---- the address set ----------------------------------------------------- */

struct ct_fslot {
    uintptr_t fn;    /* function entry; 0: an empty slot */
    uint16_t flags;  /* CT_F_* */
    uint16_t nhooks; /* its user hooks: hooks[hook, hook + nhooks) */
    uint32_t hook;
};

struct ct_fset {
    struct ct_fslot *slots; /* 1 << bits of them, at most half used */
    unsigned bits;
    size_t n;
    bool has_pos;           /* positive patterns exist: record only inside them */
    const struct calltrace_hook **hooks; /* sorted by function */
    size_t nhooks;
};

/* The set the filtered hook sets use; built once by ct_filters_init(). */
extern struct ct_fset ct_fset __attribute__((visibility("hidden")));

struct ct_fentry {
    uintptr_t fn;
    unsigned flags;
};

/* Builds `s` from `n` entries (a function may repeat: its flags are OR-ed)
 * and `nhooks` user hooks (sorted here by function; each gets CT_F_HOOK).
 * Returns 0 or -1 (ENOMEM). */
CT_INTERNAL int ct_fset_build(struct ct_fset *s, const struct ct_fentry *v, size_t n,
                              const struct calltrace_hook **hooks, size_t nhooks);
CT_INTERNAL void ct_fset_free(struct ct_fset *s);

CT_NOINST static inline size_t ct_fset_hash(uintptr_t fn, unsigned bits)
{
    return ct_hash_slot((uint64_t)fn, bits);
}

/* The slot of `fn`, or NULL. A few loads; lock-free, the set never changes. */
CT_NOINST static inline const struct ct_fslot *ct_fset_find(const struct ct_fset *s, uintptr_t fn)
{
    size_t mask = ((size_t)1 << s->bits) - 1;
    for (size_t i = ct_fset_hash(fn, s->bits);; i = (i + 1) & mask) {
        const struct ct_fslot *e = &s->slots[i];
        if (e->fn == fn)
            return e;
        if (!e->fn)
            return NULL;
    }
}

/* At init, before the gate opens: parses the CALLTRACE_FILTER list and the
 * CALLTRACE_FILTER_FILE path (either NULL), collects the CALLTRACE_HOOK()
 * entries, builds the address set and, when there is anything in it,
 * switches ct_hook_rec and ct_hook_stopped. */
CT_INTERNAL void ct_filters_init(const char *list, const char *file);
/* The filtered and user-hook sets (filter_hooks.c), for core's table. */
CT_INTERNAL void ct_flt_enter(void *fn, void *site, uint64_t gate, uint64_t sp);
CT_INTERNAL void ct_flt_exit(void *fn, void *site, uint64_t gate, uint64_t sp);

/* NULL when `re` (`n` bytes, a POSIX ERE) is cheap enough for regcomp(), else
 * why not, with *at the offset of the offending character (regex_check.c). */
CT_INTERNAL const char *ct_regex_check(const char *re, size_t n, size_t *at);

#endif
