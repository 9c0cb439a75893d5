/* config.c — reads the CALLTRACE_* environment once, at start.
 *
 * The contract is the seeds' (CALLTRACE_OUTPUT, CALLTRACE_CAPTURE_ARGS,
 * CALLTRACE_MAX_DEPTH, CALLTRACE_DEBUG, CALLTRACE_PRETTY_JSON) plus ours
 * (CALLTRACE_START, CALLTRACE_BUFFER_SIZE, CALLTRACE_FORMAT, CALLTRACE_SUMMARY).
 * Every bad value is reported in one line and replaced by its default: a
 * tracer must never stop the program. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <fcntl.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "base/config.h"

/* The longest environment read from /proc/self/environ (the kernel's own
 * limit for argv and envp together is far above any real program's). */
#define CT_PROC_ENV_MAX (1u << 20)

struct ct_config ct_cfg = CT_CONFIG_DEFAULTS;

static const struct {
    const char *name, *ext;
    enum ct_format bit;
} ct_formats[] = {
    {"json", ".json", CT_FMT_JSON},
    {"raw", ".ctraw", CT_FMT_RAW},
    {"chrome", ".chrome.json", CT_FMT_CHROME},
    {"folded", ".folded", CT_FMT_FOLDED},
    {"text", ".txt", CT_FMT_TEXT},
    {"summary", ".summary.txt", CT_FMT_SUMMARY},
    {"html", ".html", CT_FMT_HTML},
    {"perfetto", ".pftrace", CT_FMT_PERFETTO},
    {"csv", ".csv", CT_FMT_CSV},
};

void ct_format_path(const struct ct_config *cfg, enum ct_format f, char *out, size_t cap)
{
    const char *ext = ".json";
    for (size_t i = 0; i < CT_ARRAY_LEN(ct_formats); i++)
        if (ct_formats[i].bit == f)
            ext = ct_formats[i].ext;
    size_t len = strlen(cfg->output), el = strlen(ext);
    if (f == CT_FMT_JSON || (len >= el && strcmp(cfg->output + len - el, ext) == 0)) {
        snprintf(out, cap, "%s", cfg->output);
        return;
    }
    if (len >= 5 && strcmp(cfg->output + len - 5, ".json") == 0)
        len -= 5;
    snprintf(out, cap, "%.*s%s", (int)len, cfg->output, ext);
}

CT_NOINST static void ct_cfg_formats(char *(*get)(const char *), unsigned *dst)
{
    const char *v = get("CALLTRACE_FORMAT");
    if (!v)
        return;
    unsigned bits = 0;
    const char *unknown = NULL; /* the first unknown name: one line per variable */
    size_t unknown_len = 0, unknowns = 0;
    for (const char *p = v; *p;) {
        size_t n = strcspn(p, ",");
        size_t i = 0;
        for (; i < CT_ARRAY_LEN(ct_formats); i++)
            if (strlen(ct_formats[i].name) == n && strncasecmp(p, ct_formats[i].name, n) == 0)
                break;
        if (i < CT_ARRAY_LEN(ct_formats)) {
            bits |= ct_formats[i].bit;
        } else if (n > 0 && unknowns++ == 0) {
            unknown = p;
            unknown_len = n;
        }
        p += n;
        if (*p == ',')
            p++;
    }
    if (!bits) {
        ct_log("CALLTRACE_FORMAT='%.64s' names no known format (known: json, chrome, folded, "
               "text, summary, html, perfetto, csv, raw); using json",
               v);
        bits = CT_FMT_JSON;
    } else if (unknowns) {
        ct_log("CALLTRACE_FORMAT: unknown format '%.*s'%s (known: json, chrome, folded, text, "
               "summary, html, perfetto, csv, raw); ignored",
               (int)(unknown_len > 32 ? 32 : unknown_len), unknown,
               unknowns > 1 ? " and others" : "");
    }
    *dst = bits;
}

int ct_parse_bool(const char *s, bool *out)
{
    static const char *const yes[] = {"1", "true", "yes", "on"};
    static const char *const no[] = {"0", "false", "no", "off"};
    for (size_t i = 0; i < CT_ARRAY_LEN(yes); i++) {
        if (strcasecmp(s, yes[i]) == 0) {
            *out = true;
            return 0;
        }
        if (strcasecmp(s, no[i]) == 0) {
            *out = false;
            return 0;
        }
    }
    return -1;
}

int ct_parse_uint(const char *s, unsigned long lo, unsigned long hi, unsigned long *out)
{
    if (!isdigit((unsigned char)s[0]))
        return -1;
    errno = 0;
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || *end != '\0' || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

int ct_parse_duration(const char *s, uint64_t *ns)
{
    static const struct {
        const char *suffix;
        uint64_t mul;
    } units[] = {{"", 1}, {"ns", 1}, {"us", 1000}, {"ms", 1000000}, {"s", 1000000000}};
    if (!isdigit((unsigned char)s[0]))
        return -1;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    for (size_t i = 0; i < CT_ARRAY_LEN(units) && !errno; i++)
        if (strcasecmp(end, units[i].suffix) == 0 && v <= UINT64_MAX / units[i].mul) {
            *ns = v * units[i].mul;
            return 0;
        }
    return -1;
}

CT_NOINST static void ct_cfg_bool(char *(*get)(const char *), const char *name, bool *dst)
{
    const char *v = get(name);
    if (!v)
        return;
    if (ct_parse_bool(v, dst) != 0)
        ct_log("%s='%.64s' is not a boolean (0/1/true/false/yes/no/on/off); using %d", name, v,
               (int)*dst);
}

/* Size with an optional K/M suffix (KiB, MiB). */
CT_NOINST static void ct_cfg_size(char *(*get)(const char *), const char *name, size_t *dst,
                                  size_t lo, size_t hi)
{
    const char *v = get(name);
    if (!v)
        return;
    char num[32];
    size_t len = strlen(v), mul = 1;
    if (len > 0 && len < sizeof(num)) {
        memcpy(num, v, len + 1);
        char c = (char)toupper((unsigned char)num[len - 1]);
        if (c == 'K' || c == 'M') {
            mul = c == 'K' ? 1024 : 1024 * 1024;
            num[len - 1] = '\0';
        }
        unsigned long n;
        if (ct_parse_uint(num, 1, hi, &n) == 0 && n * mul >= lo && n * mul <= hi) {
            *dst = n * mul;
            return;
        }
    }
    ct_log("%s='%.64s' is not a size between %zuK and %zuM; using %zuK", name, v, lo / 1024,
           hi / (1024 * 1024), *dst / 1024);
}

CT_NOINST static void ct_default_output(struct ct_config *cfg)
{
    ssize_t n = readlink("/proc/self/exe", cfg->exe, sizeof(cfg->exe) - 1);
    if (n <= 0) {
        snprintf(cfg->exe, sizeof(cfg->exe), "calltrace");
        n = (ssize_t)strlen(cfg->exe);
    }
    cfg->exe[n] = '\0';
    if ((size_t)n + sizeof(".json") > sizeof(cfg->output))
        snprintf(cfg->output, sizeof(cfg->output), "calltrace.json");
    else
        snprintf(cfg->output, sizeof(cfg->output), "%s.json", cfg->exe);
}

CT_NOINST static void ct_cfg_clock(char *(*get)(const char *), enum ct_clock_mode *mode)
{
    const char *v = get("CALLTRACE_CLOCK");
    if (!v)
        return;
    if (strcasecmp(v, "monotonic") == 0)
        *mode = CT_CLOCK_MONOTONIC;
    else if (strcasecmp(v, "tsc") == 0)
        *mode = CT_CLOCK_TSC;
    else
        ct_log("CALLTRACE_CLOCK='%.64s' is neither monotonic nor tsc; using the TSC when it is "
               "invariant",
               v);
}

/* The environment as the kernel gave it, for a first hook that runs before
 * glibc has set `environ` (instrumented code in .preinit_array). Mapped once
 * and kept: config keeps pointers into it. Empty when unreadable. */
static const char *ct_proc_env;
static size_t ct_proc_env_len;

CT_NOINST static void ct_proc_env_load(void)
{
    int fd = open("/proc/self/environ", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    char *buf = mmap(NULL, CT_PROC_ENV_MAX + 1, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (buf != MAP_FAILED) {
        size_t n = 0;
        ssize_t r;
        while (n < CT_PROC_ENV_MAX && (r = read(fd, buf + n, CT_PROC_ENV_MAX - n)) > 0)
            n += (size_t)r;
        buf[n] = '\0';
        ct_proc_env = buf;
        ct_proc_env_len = n;
    }
    close(fd);
}

/* secure_getenv over ct_proc_env: NULL in a setuid or otherwise secure
 * process, as secure_getenv itself. */
CT_NOINST static char *ct_proc_getenv(const char *name)
{
    if (getauxval(AT_SECURE))
        return NULL;
    if (!ct_proc_env)
        ct_proc_env_load();
    size_t k = strlen(name);
    for (size_t i = 0; i < ct_proc_env_len; i += strlen(ct_proc_env + i) + 1)
        if (strncmp(ct_proc_env + i, name, k) == 0 && ct_proc_env[i + k] == '=')
            return (char *)(ct_proc_env + i + k + 1);
    return NULL;
}

/* CALLTRACE_OUTPUT, made absolute against the directory the program starts
 * in: a later chdir() must not split the trace from its event file. */
CT_NOINST static void ct_cfg_output(struct ct_config *cfg, const char *v, size_t len)
{
    char cwd[PATH_MAX];
    if (v[0] != '/' && getcwd(cwd, sizeof(cwd)) && strlen(cwd) + 1 + len < sizeof(cfg->output) - 32)
        snprintf(cfg->output, sizeof(cfg->output), "%s/%s", strcmp(cwd, "/") ? cwd : "", v);
    else
        memcpy(cfg->output, v, len + 1);
}

/* TRACEPARENT (W3C trace context: version 00, a 32-hex trace id, a 16-hex
 * parent id, 2-hex flags) and the host's name, kept for the metadata. A
 * malformed TRACEPARENT is not kept (said once). */
CT_NOINST static void ct_cfg_context(char *(*get)(const char *), struct ct_config *cfg)
{
    struct utsname u;
    cfg->host[0] = '\0';
    if (uname(&u) == 0)
        snprintf(cfg->host, sizeof(cfg->host), "%s", u.nodename);
    cfg->traceparent[0] = '\0';
    const char *v = get("TRACEPARENT");
    if (!v)
        return;
    size_t n = strlen(v);
    bool ok = n == CT_TRACEPARENT_MAX - 1 && v[2] == '-' && v[35] == '-' && v[52] == '-';
    for (size_t i = 0; ok && i < n; i++)
        ok = i == 2 || i == 35 || i == 52 || (v[i] >= '0' && v[i] <= '9') ||
             (v[i] >= 'a' && v[i] <= 'f');
    if (ok)
        memcpy(cfg->traceparent, v, n + 1);
    else
        ct_log("TRACEPARENT='%.64s' is not a W3C traceparent (00-<32 hex>-<16 hex>-<2 hex>); "
               "not recorded", v);
}

void ct_config_load(struct ct_config *cfg, char *(*get)(const char *))
{
    extern char **environ;
    if (!get) /* environ is not set yet before glibc's own initialisation */
        get = environ ? secure_getenv : ct_proc_getenv;
    ct_default_output(cfg);

    ct_cfg_bool(get, "CALLTRACE_DEBUG", &cfg->debug);
    ct_cfg_bool(get, "CALLTRACE_PRETTY_JSON", &cfg->pretty);
    ct_cfg_bool(get, "CALLTRACE_CAPTURE_ARGS", &cfg->capture_args);
    cfg->capture_retval = cfg->capture_args;
    ct_cfg_bool(get, "CALLTRACE_CAPTURE_RETVAL", &cfg->capture_retval);
    ct_cfg_bool(get, "CALLTRACE_START", &cfg->start);
    ct_cfg_bool(get, "CALLTRACE_SUMMARY", &cfg->summary);

    const char *v = get("CALLTRACE_OUTPUT");
    if (v) {
        size_t len = strlen(v);
        if (len == 0 || len >= sizeof(cfg->output) - 32 || v[len - 1] == '/')
            ct_log("CALLTRACE_OUTPUT='%.64s' is not a usable file path; using %s", v,
                   cfg->output);
        else
            ct_cfg_output(cfg, v, len);
    }

    v = get("CALLTRACE_MAX_DEPTH");
    if (v) {
        unsigned long d;
        if (ct_parse_uint(v, 1, CT_LIMIT_MAX_DEPTH, &d) == 0)
            cfg->max_depth = (unsigned)d;
        else
            ct_log("CALLTRACE_MAX_DEPTH='%.64s' is not a number between 1 and %u; using %u", v,
                   CT_LIMIT_MAX_DEPTH, cfg->max_depth);
    }
    ct_cfg_formats(get, &cfg->formats);
    v = get("CALLTRACE_BUFFER_POLICY");
    if (v) {
        if (strcasecmp(v, "block") == 0)
            cfg->buffer_policy = CT_POLICY_BLOCK;
        else if (strcasecmp(v, "drop") == 0)
            cfg->buffer_policy = CT_POLICY_DROP;
        else
            ct_log("CALLTRACE_BUFFER_POLICY='%.64s' is neither block nor drop; using %s", v,
                   cfg->buffer_policy == CT_POLICY_DROP ? "drop" : "block");
    }
    ct_cfg_size(get, "CALLTRACE_BUFFER_SIZE", &cfg->buffer_bytes, CT_LIMIT_MIN_BUFFER_BYTES,
                CT_LIMIT_MAX_BUFFER_BYTES);
    v = get("CALLTRACE_MIN_DURATION");
    if (v && ct_parse_duration(v, &cfg->min_duration_ns) != 0)
        ct_log("CALLTRACE_MIN_DURATION='%.64s' is not a duration (e.g. 500ns, 10us, 2ms, 1s); "
               "writing calls of any duration", v);
    ct_cfg_clock(get, &cfg->clock);
    cfg->filter = get("CALLTRACE_FILTER");
    cfg->filter_file = get("CALLTRACE_FILTER_FILE");
    cfg->tmpdir = get("TMPDIR");
    ct_cfg_context(get, cfg);
    cfg->syscalls = get("CALLTRACE_SYSCALLS");
    v = get("CALLTRACE_MAX_CALLS");
    unsigned long max_calls;
    if (v && ct_parse_uint(v, 0, ULONG_MAX, &max_calls) == 0)
        cfg->max_calls = max_calls;
    else if (v)
        ct_log("CALLTRACE_MAX_CALLS='%.64s' is not a number of calls; writing them all", v);
}
