/* fuzz_env.c — libFuzzer harness for the CALLTRACE_* environment parser
 * (runtime/config.c).
 *
 * The input is a list of NAME=VALUE lines. NAME is a full variable name
 * (CALLTRACE_MAX_DEPTH) or the same without its CALLTRACE_ prefix
 * (MAX_DEPTH), so that short seeds reach every variable; a line without '='
 * sets NAME to the empty string; the first definition wins, like getenv().
 * ct_config_load() runs with an injected getenv over those lines, then every
 * result is checked against what config.h promises, and ct_format_path()
 * derives the path of every format (into an exact-size heap buffer, so an
 * overrun is an ASan report). ct_parse_bool() and ct_parse_uint() also see
 * every value directly.
 *
 * ct_log() writes bad-value messages to stderr: they go to /dev/null unless
 * CT_FUZZ_VERBOSE=1 (fuzz_common.h), e.g. when replaying one input. */
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/config.h"
#include "fuzz_common.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PREFIX "CALLTRACE_"
#define PREFIX_LEN (sizeof(PREFIX) - 1)
#define MAX_VARS 64

#define CHECK CT_FUZZ_CHECK

struct var {
    const uint8_t *name; /* into the input, not terminated */
    size_t name_len;
    char *value;         /* malloc'd, exactly its length + 1: over-reads are caught */
};

static struct var vars[MAX_VARS];
static size_t nvars;

static bool name_is(const struct var *v, const char *name)
{
    size_t n = strlen(name);
    if (v->name_len == n && memcmp(v->name, name, n) == 0)
        return true;
    return n > PREFIX_LEN && v->name_len == n - PREFIX_LEN &&
           memcmp(v->name, name + PREFIX_LEN, n - PREFIX_LEN) == 0;
}

static char *fuzz_getenv(const char *name)
{
    /* it reads nothing else (TMPDIR: where the event file falls back to;
     * TRACEPARENT: the W3C trace context kept for `calltrace export`) */
    CHECK(strncmp(name, PREFIX, PREFIX_LEN) == 0 || strcmp(name, "TMPDIR") == 0 ||
          strcmp(name, "TRACEPARENT") == 0);
    for (size_t i = 0; i < nvars; i++)
        if (name_is(&vars[i], name))
            return vars[i].value;
    return NULL;
}

static void parse_lines(const uint8_t *data, size_t size)
{
    nvars = 0;
    const uint8_t *p = data, *end = data + size;
    while (p < end && nvars < MAX_VARS) {
        const uint8_t *eol = memchr(p, '\n', (size_t)(end - p));
        if (!eol)
            eol = end;
        const uint8_t *eq = memchr(p, '=', (size_t)(eol - p));
        struct var *v = &vars[nvars++];
        v->name = p;
        v->name_len = (size_t)((eq ? eq : eol) - p);
        const uint8_t *val = eq ? eq + 1 : eol;
        /* A NUL ends the value early, as it would in a real environment. */
        size_t len = strnlen((const char *)val, (size_t)(eol - val));
        v->value = malloc(len + 1);
        if (!v->value)
            abort();
        memcpy(v->value, val, len);
        v->value[len] = '\0';
        p = eol + 1;
    }
}

static void check_parsers(const char *s)
{
    bool b = false;
    if (ct_parse_bool(s, &b) == 0)
        CHECK(b == true || b == false);
    static const unsigned long bounds[][2] = {
        {1, CT_LIMIT_MAX_DEPTH}, {0, ULONG_MAX}, {1, 1}, {16 * 1024, 64 * 1024 * 1024},
    };
    for (size_t i = 0; i < sizeof(bounds) / sizeof(bounds[0]); i++) {
        unsigned long v = 0;
        if (ct_parse_uint(s, bounds[i][0], bounds[i][1], &v) == 0)
            CHECK(v >= bounds[i][0] && v <= bounds[i][1]);
    }
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t ls = strlen(s), lx = strlen(suffix);
    return ls >= lx && strcmp(s + ls - lx, suffix) == 0;
}

/* The formats whose extension this harness knows; the runtime may know
 * more: their paths are still derived, and checked for termination. */
static const struct {
    enum ct_format f;
    const char *ext;
} known_fmts[] = {
    {CT_FMT_JSON, ".json"},     {CT_FMT_RAW, ".ctraw"}, {CT_FMT_CHROME, ".chrome.json"},
    {CT_FMT_FOLDED, ".folded"}, {CT_FMT_TEXT, ".txt"},  {CT_FMT_SUMMARY, ".summary.txt"},
};

static void check_path(const struct ct_config *cfg, unsigned bit, size_t cap)
{
    char *out = malloc(cap); /* exact size: an overrun is an ASan report */
    if (!out)
        abort();
    ct_format_path(cfg, (enum ct_format)bit, out, cap);
    CHECK(strnlen(out, cap) < cap);
    if (cap == PATH_MAX) {
        for (size_t i = 0; i < sizeof(known_fmts) / sizeof(known_fmts[0]); i++) {
            if ((unsigned)known_fmts[i].f != bit)
                continue;
            if (bit == CT_FMT_JSON)
                CHECK(strcmp(out, cfg->output) == 0);
            else
                CHECK(ends_with(out, known_fmts[i].ext)); /* output < PATH_MAX - 32: fits */
        }
    }
    free(out);
}

static void check_paths(const struct ct_config *cfg, size_t small_cap)
{
    unsigned bits = cfg->formats;
    for (size_t i = 0; i < sizeof(known_fmts) / sizeof(known_fmts[0]); i++)
        bits |= (unsigned)known_fmts[i].f;
    for (unsigned b = 0; b < 32; b++) {
        if (!(bits & (1u << b)))
            continue;
        check_path(cfg, 1u << b, PATH_MAX);
        check_path(cfg, 1u << b, small_cap);
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    ct_fuzz_quiet_stderr(argc, argv);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    parse_lines(data, size);

    struct ct_config *cfg = malloc(sizeof(*cfg));
    if (!cfg)
        abort();
    *cfg = ct_cfg; /* the built-in defaults: ct_cfg is never loaded here */
    ct_config_load(cfg, fuzz_getenv);

    CHECK(cfg->max_depth >= 1 && cfg->max_depth <= CT_LIMIT_MAX_DEPTH);
    CHECK(cfg->buffer_bytes >= 16 * 1024 && cfg->buffer_bytes <= 64 * 1024 * 1024);
    CHECK(cfg->buffer_policy == CT_POLICY_BLOCK || cfg->buffer_policy == CT_POLICY_DROP);
    CHECK(cfg->formats != 0);
    size_t olen = strnlen(cfg->output, sizeof(cfg->output));
    CHECK(olen > 0 && olen < sizeof(cfg->output) - 32);
    CHECK(cfg->output[olen - 1] != '/');
    CHECK(strnlen(cfg->exe, sizeof(cfg->exe)) < sizeof(cfg->exe));

    check_paths(cfg, 1 + (size ? data[size - 1] : 0) % 40);
    for (size_t i = 0; i < nvars; i++)
        check_parsers(vars[i].value);

    free(cfg);
    for (size_t i = 0; i < nvars; i++)
        free(vars[i].value);
    nvars = 0;
    return 0;
}
