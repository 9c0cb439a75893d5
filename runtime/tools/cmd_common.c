/* cmd_common.c — what the calltrace command's subcommands share (cmd.h):
 * errors, durations, options, the pager, values as text, and an event file
 * given where a trace is expected. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "calltrace.h"
#include "base/config.h"
#include "tools/cmd.h"
#include "tools/convert.h"
#include "views/textw.h"

void ct_cmd_err(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("calltrace: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

const char *ct_cmd_dur(char *buf, size_t cap, uint64_t ns, bool raw_ns)
{
    if (raw_ns) {
        snprintf(buf, cap, "%llu", (unsigned long long)ns);
        return buf;
    }
    char tmp[CT_TW_DURATION_MAX];
    size_t n = ct_tw_duration(tmp, ns);
    snprintf(buf, cap, "%.*s", (int)n, tmp);
    return buf;
}

const char *ct_cmd_opt(int argc, char **argv, int *i, const char *name, const char *alt, bool *bad)
{
    const char *a = argv[*i];
    size_t k = strlen(name);
    if (strncmp(a, name, k) == 0 && a[k] == '=')
        return a + k + 1;
    if (strcmp(a, name) != 0 && !(alt && strcmp(a, alt) == 0))
        return NULL;
    if (*i + 1 >= argc) {
        ct_cmd_err("%s needs a value", a);
        *bad = true;
        return NULL;
    }
    return argv[++*i];
}

int ct_cmd_parse_u64(const char *s, uint64_t *out)
{
    char *end;
    if (!s || !*s || *s == '-')
        return -1;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end)
        return -1;
    *out = v;
    return 0;
}

FILE *ct_cmd_out(bool page)
{
    const char *pager = getenv("PAGER");
    if (!page || !isatty(STDOUT_FILENO) || (pager && !*pager))
        return stdout;
    if (!getenv("LESS"))
        setenv("LESS", "FRX", 1); /* one screen: no pager; no screen clearing */
    FILE *p = popen(pager ? pager : "less", "w");
    return p ? p : stdout;
}

int ct_cmd_out_close(FILE *f)
{
    if (f != stdout)
        return pclose(f) == -1 ? -1 : 0;
    if (fflush(stdout) != 0 || ferror(stdout)) {
        if (errno != EPIPE)
            ct_cmd_err("cannot write the output: %s", strerror(errno));
        return -1;
    }
    return 0;
}

/* ---- values ---- */
const struct ct_jv *ct_jv_get(const struct ct_jv *v, const char *path)
{
    while (v && *path) {
        const char *dot = strchr(path, '.');
        size_t k = dot ? (size_t)(dot - path) : strlen(path);
        const struct ct_jv *next = NULL;
        if (v->type == CT_JV_OBJ)
            for (size_t i = 0; i < v->n && !next; i++)
                if (strlen(v->keys[i]) == k && strncmp(v->keys[i], path, k) == 0)
                    next = v->items[i];
        v = next;
        path += k + (dot != NULL);
    }
    return v;
}

const char *ct_jv_str(const struct ct_jv *v, const char *path)
{
    v = ct_jv_get(v, path);
    return v && (v->type == CT_JV_STR || v->type == CT_JV_NUM) ? v->s : NULL;
}

uint64_t ct_jv_u64(const struct ct_jv *v, const char *path)
{
    v = ct_jv_get(v, path);
    return v && v->type == CT_JV_NUM ? strtoull(v->s, NULL, 10) : 0;
}

bool ct_jv_true(const struct ct_jv *v, const char *path)
{
    v = ct_jv_get(v, path);
    return v && v->type == CT_JV_BOOL && v->b;
}

void ct_jv_print_str(FILE *to, const char *s)
{
    fputc('"', to);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(to, "\\%c", c);
        else if (c < 0x20)
            fprintf(to, "\\u%04x", c);
        else
            fputc(c, to);
    }
    fputc('"', to);
}

void ct_jv_print(FILE *to, const struct ct_jv *v)
{
    if (!v || v->type == CT_JV_NULL) {
        fputs("null", to);
    } else if (v->type == CT_JV_BOOL) {
        fputs(v->b ? "true" : "false", to);
    } else if (v->type == CT_JV_NUM) {
        fputs(v->s, to);
    } else if (v->type == CT_JV_STR) {
        ct_jv_print_str(to, v->s);
    } else {
        bool obj = v->type == CT_JV_OBJ;
        fputc(obj ? '{' : '[', to);
        for (size_t i = 0; i < v->n; i++) {
            if (i)
                fputc(',', to);
            if (obj) {
                ct_jv_print_str(to, v->keys[i]);
                fputc(':', to);
            }
            ct_jv_print(to, v->items[i]);
        }
        fputc(obj ? '}' : ']', to);
    }
}

void ct_jv_value_text(FILE *to, const struct ct_jv *arg)
{
    if (ct_jv_true(arg, "optimized_out"))
        fputs("<optimized out>", to);
    else if (ct_jv_true(arg, "unreadable"))
        fputs("<unreadable>", to);
    else if (ct_jv_get(arg, "value"))
        ct_jv_print(to, ct_jv_get(arg, "value"));
    else
        fputs("?", to);
}

/* ---- an event file where a trace is expected ---- */
static char *conv_getenv(const char *name)
{
    (void)name;
    return NULL; /* the defaults: this command's environment is not the run's */
}

const char *ct_cmd_open_trace(struct ct_cmd_trace *t, const char *given)
{
    size_t len = strlen(given);
    t->temporary = false;
    if (len < 6 || strcmp(given + len - 6, ".ctraw") != 0) {
        snprintf(t->path, sizeof(t->path), "%s", given);
        return t->path;
    }
    const char *tmpdir = getenv("TMPDIR");
    snprintf(t->path, sizeof(t->path), "%s/calltrace-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
    int fd = mkstemp(t->path);
    if (fd < 0) {
        ct_cmd_err("cannot make a temporary file in %s: %s", tmpdir ? tmpdir : "/tmp",
                   strerror(errno));
        return NULL;
    }
    close(fd);
    t->temporary = true;
    static struct ct_config cfg = CT_CONFIG_DEFAULTS;
    ct_config_load(&cfg, conv_getenv);
    snprintf(cfg.output, sizeof(cfg.output), "%s", t->path);
    cfg.formats = CT_FMT_JSON;
    cfg.pretty = false;
    cfg.host[0] = '\0'; /* the run's, not this command's: not known */
    int rc = ct_convert(&cfg, given, NULL);
    if (rc) {
        ct_cmd_err("cannot read the event file %s: %s", given, calltrace_strerror(rc));
        ct_cmd_close_trace(t);
        return NULL;
    }
    return t->path;
}

void ct_cmd_close_trace(struct ct_cmd_trace *t)
{
    if (t->temporary)
        unlink(t->path);
    t->temporary = false;
}
