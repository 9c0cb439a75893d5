/* convert_cli.c — the command line of calltrace-convert and of
 * `calltrace convert` (convert.h): an event file (.ctraw) into any view.
 *
 *   calltrace-convert [--format LIST] [--output PATH] [--exe PATH] [--compact] FILE.ctraw
 *
 * The event file is what calltrace keeps with CALLTRACE_FORMAT=raw, and what
 * is left beside the output when the final trace could not be written (a
 * crash that damaged the process, a kill). Functions are named from the
 * executable the file records (or --exe), at the load address it records. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calltrace.h"
#include "base/config.h"
#include "tools/convert.h"

#define CT_CONVERT_EXIT_USAGE 2

static const char *conv_prog = "calltrace-convert";

static void usage(FILE *to)
{
    fprintf(to, "usage: %s [--format json,chrome,folded,text,summary,html,perfetto]\n"
            "          [--output PATH] [--exe PATH] [--compact] FILE.ctraw\n",
            strcmp(conv_prog, "calltrace") == 0 ? "calltrace convert" : conv_prog);
    fputs("Writes the trace recorded in FILE.ctraw in each format, beside PATH (default: FILE\n"
          "with .json instead of .ctraw), like CALLTRACE_FORMAT and CALLTRACE_OUTPUT do.\n",
          to);
}

static const char *arg_env(const char *name, const char *value)
{
    return value ? value : getenv(name);
}

/* config's getenv hook: the command line first, then the environment */
static const char *opt_format, *opt_output, *opt_pretty;
static char *conv_getenv(const char *name)
{
    if (strcmp(name, "CALLTRACE_FORMAT") == 0)
        return (char *)arg_env(name, opt_format);
    if (strcmp(name, "CALLTRACE_OUTPUT") == 0)
        return (char *)arg_env(name, opt_output);
    if (strcmp(name, "CALLTRACE_PRETTY_JSON") == 0)
        return (char *)arg_env(name, opt_pretty);
    if (strcmp(name, "CALLTRACE_START") == 0 || strcmp(name, "CALLTRACE_CAPTURE_ARGS") == 0)
        return NULL;
    return getenv(name);
}

int ct_convert_cli(int argc, char **argv, const char *prog)
{
    conv_prog = prog;
    const char *raw = NULL, *exe = NULL;
    char out[PATH_MAX];
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--compact") == 0) {
            opt_pretty = "0";
        } else if (i + 1 < argc && strcmp(a, "--format") == 0) {
            opt_format = argv[++i];
        } else if (i + 1 < argc && strcmp(a, "--output") == 0) {
            opt_output = argv[++i];
        } else if (i + 1 < argc && strcmp(a, "--exe") == 0) {
            exe = argv[++i];
        } else if (i + 1 < argc && strcmp(a, "-f") == 0) {
            opt_format = argv[++i];
        } else if (i + 1 < argc && strcmp(a, "-o") == 0) {
            opt_output = argv[++i];
        } else if (a[0] != '-' && !raw) {
            raw = a;
        } else {
            usage(stderr);
            return CT_CONVERT_EXIT_USAGE;
        }
    }
    if (!raw) {
        usage(stderr);
        return CT_CONVERT_EXIT_USAGE;
    }
    size_t rlen = strlen(raw);
    if (rlen > 5 && strcmp(raw + rlen - 5, ".json") == 0) {
        fprintf(stderr, "%s: %s is a JSON trace; convert reads an event file (.ctraw): run the "
                "program with CALLTRACE_FORMAT=json,raw (or calltrace run --format json,raw) "
                "to keep one, or with CALLTRACE_FORMAT=<views> to write the views directly\n",
                prog, raw);
        return 1;
    }
    if (!opt_output) {
        size_t len = strlen(raw);
        if (len > 6 && strcmp(raw + len - 6, ".ctraw") == 0)
            len -= 6;
        snprintf(out, sizeof(out), "%.*s.json", (int)len, raw);
        opt_output = out;
    }
    static struct ct_config cfg = CT_CONFIG_DEFAULTS;
    ct_config_load(&cfg, conv_getenv);
    ct_log_debug = cfg.debug; /* CALLTRACE_DEBUG: this program's own log */
    cfg.host[0] = cfg.traceparent[0] = '\0'; /* the run's, not this command's: not known */
    cfg.formats &= ~(unsigned)CT_FMT_RAW; /* the input is the raw stream */
    if (!cfg.formats)
        cfg.formats = CT_FMT_JSON;
    int rc = ct_convert(&cfg, raw, exe);
    if (rc)
        fprintf(stderr, "%s: %s\n", prog, calltrace_strerror(rc));
    return rc ? 1 : 0;
}
