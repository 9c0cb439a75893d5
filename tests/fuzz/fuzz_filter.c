/* fuzz_filter.c — libFuzzer harness for the filter-pattern parser and matcher
 * (runtime/filter.c: CALLTRACE_FILTER, CALLTRACE_FILTER_FILE).
 *
 * The first byte of the input chooses how the rest is read:
 *   bit 0   0: the rest is a CALLTRACE_FILTER value, a comma list
 *              (ct_patterns_add_list on a NUL-terminated copy);
 *           1: the rest is a CALLTRACE_FILTER_FILE, one pattern a line
 *              (written to a memfd, read by ct_patterns_add_file);
 *   bit 1   also every line (up to a NUL) goes to ct_patterns_add() with
 *           its exact length and no terminating NUL (a read past it is an
 *           ASan report).
 * Each pattern is then checked (text non-empty, has_pos agrees with the
 * negations) and matched against a set of symbolizer-style names plus every
 * line of the input taken as a name; ct_name_base_len() is checked on each
 * name. The flags of the matches build the address set (ct_fset_build), and
 * every entry is found again with ct_fset_find().
 *
 * Bad patterns are reported with ct_log() on stderr: /dev/null unless
 * CT_FUZZ_VERBOSE=1 (fuzz_common.h). glibc's regcomp and
 * regexec are part of what is exercised: a pattern that makes them slow is
 * a -timeout report. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "calltrace.h"
#include "filter/filter.h"
#include "fuzz_common.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The runtime archive is linked in: it must not start tracing this process. */
extern const int ct_runtime_disabled;
const int ct_runtime_disabled = 1;

#define MAX_INPUT_NAMES 16
#define MAX_NAME 512

static int fd = -1;
static char path[64];

#define CHECK CT_FUZZ_CHECK

/* Names as the symbolizer gives them: C, qualified C++ with parameters and
 * qualifiers, operators, templates, lambdas, anonymous namespaces, hex. */
static const char *const names[] = {
    "main",
    "parse_line",
    "fib",
    "geo::scale(geo::Circle&, double)",
    "geo::Circle::area() const",
    "operator()(int)",
    "std::vector<int, std::allocator<int> >::push_back(int const&)",
    "ns::Cls::operator<<(std::ostream&) &&",
    "(anonymous namespace)::hidden(int)",
    "main::{lambda(int)#1}::operator()(int) const",
    "f(void (*)(int), char const*) volatile noexcept",
    "0x401136",
    "",
    ")",
    "(",
    "a()b()",
};

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        abort();
    return p;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    ct_fuzz_quiet_stderr(argc, argv);
    fd = memfd_create("ct-fuzz-filter", MFD_CLOEXEC);
    if (fd < 0) {
        perror("fuzz_filter: memfd_create");
        exit(1);
    }
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    return 0;
}

static void write_file(const uint8_t *data, size_t size)
{
    ct_fuzz_set_file(fd, data, size);
}

static void check_base_len(const char *name)
{
    size_t len = strlen(name), base = ct_name_base_len(name);
    CHECK(base <= len);
    if (base < len) /* cut at the '(' that opens the parameter list */
        CHECK(name[base] == '(' && base > 0);
}

struct match_state {
    struct ct_fentry v[sizeof(names) / sizeof(names[0]) + MAX_INPUT_NAMES];
    size_t n;
};

static void match(struct ct_patterns *p, struct match_state *m, const char *name)
{
    check_base_len(name);
    unsigned flags = ct_patterns_match(p, name);
    CHECK((flags & ~(unsigned)(CT_F_POS | CT_F_EXCL | CT_F_SKIP)) == 0);
    if (flags & CT_F_SKIP)
        CHECK(flags & CT_F_EXCL);
    if (flags) {
        m->v[m->n] = (struct ct_fentry){(uintptr_t)0x400000 + 16 * (m->n + 1), flags};
        m->n++;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned mode = data[0];
    const uint8_t *text = data + 1;
    size_t len = size - 1;

    struct ct_patterns p = {0};
    if (mode & 1) {
        write_file(text, len);
        CHECK(ct_patterns_add_file(&p, path) == 0);
    } else {
        char *list = xmalloc(len + 1);
        memcpy(list, text, len);
        list[len] = '\0';
        ct_patterns_add_list(&p, list, "CALLTRACE_FILTER");
        free(list);
    }

    /* The lines: as patterns of exactly their length (bit 1), and as names. */
    char *input_names[MAX_INPUT_NAMES];
    size_t ninput = 0;
    for (const uint8_t *s = text, *end = text + len; s < end;) {
        const uint8_t *eol = memchr(s, '\n', (size_t)(end - s));
        if (!eol)
            eol = end;
        size_t n = (size_t)(eol - s);
        if (mode & 2) {
            /* No terminating NUL: the length is the contract. (Up to the
             * first NUL of the line: the callers' specs are C strings.) */
            size_t k = strnlen((const char *)s, n);
            char *exact = xmalloc(k);
            memcpy(exact, s, k);
            ct_patterns_add(&p, exact, k, "fuzz");
            free(exact);
        }
        if (ninput < MAX_INPUT_NAMES) {
            size_t k = strnlen((const char *)s, n < MAX_NAME ? n : MAX_NAME);
            char *name = xmalloc(k + 1);
            memcpy(name, s, k);
            name[k] = '\0';
            input_names[ninput++] = name;
        }
        s = eol + 1;
    }

    bool pos = false;
    for (size_t i = 0; i < p.n; i++) {
        CHECK(p.v[i].text && p.v[i].text[0]);
        pos |= !p.v[i].neg;
    }
    CHECK(pos == p.has_pos);

    struct match_state *m = xmalloc(sizeof(*m));
    m->n = 0;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        match(&p, m, names[i]);
    for (size_t i = 0; i < ninput; i++)
        match(&p, m, input_names[i]);

    struct ct_fset set;
    if (ct_fset_build(&set, m->v, m->n, NULL, 0) == 0) {
        for (size_t i = 0; i < m->n; i++) {
            const struct ct_fslot *e = ct_fset_find(&set, m->v[i].fn);
            CHECK(e && e->fn == m->v[i].fn && e->flags == m->v[i].flags);
        }
        CHECK(ct_fset_find(&set, 0x1234567) == NULL);
        ct_fset_free(&set);
    }

    free(m);
    for (size_t i = 0; i < ninput; i++)
        free(input_names[i]);
    ct_patterns_free(&p);
    return 0;
}
