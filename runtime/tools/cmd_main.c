/* calltrace — the command that reads what a traced run left (cmd.h).
 *
 *   calltrace info|tree|report|diff|convert|run|export [OPTIONS] ...
 *
 * Each subcommand is one file (cmd_<name>.c) and has its own --help. */
#include <string.h>

#include "calltrace.h"
#include "tools/cmd.h"

static const struct {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *what;
} ct_cmds[] = {
    {"info", ct_cmd_info, "what a trace holds: program, pid, times, calls, threads, losses, ending"},
    {"tree", ct_cmd_tree, "the call tree as text, filtered after the fact"},
    {"report", ct_cmd_report, "per-function calls, total, self, avg, min, max; callers, callees"},
    {"diff", ct_cmd_diff, "two traces compared per function"},
    {"convert", ct_cmd_convert, "an event file (.ctraw) to any view (as calltrace-convert)"},
    {"run", ct_cmd_run, "run a program linked with calltrace and say where its trace went"},
    {"export", ct_cmd_export, "calls as OpenTelemetry spans: an OTLP/JSON file or OTLP/HTTP"},
};

static void ct_cmd_usage(FILE *to)
{
    fputs("usage: calltrace COMMAND [OPTIONS] [ARGS]\n"
          "Reads what a run of a program linked with calltrace left: its JSON trace\n"
          "(FILE.json, the default output) or an event file (FILE.ctraw).\n\ncommands:\n",
          to);
    for (size_t i = 0; i < sizeof(ct_cmds) / sizeof(ct_cmds[0]); i++)
        fprintf(to, "  %-8s %s\n", ct_cmds[i].name, ct_cmds[i].what);
    fputs("\n'calltrace COMMAND --help' describes one. Exit status: 0 done, 1 an error,\n"
          "2 a usage error (run: the program's own status).\n",
          to);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        ct_cmd_usage(stderr);
        return CT_CMD_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        ct_cmd_usage(stdout);
        return CT_CMD_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("calltrace %s\n", CALLTRACE_VERSION_STRING);
        return CT_CMD_OK;
    }
    for (size_t i = 0; i < sizeof(ct_cmds) / sizeof(ct_cmds[0]); i++)
        if (strcmp(argv[1], ct_cmds[i].name) == 0)
            return ct_cmds[i].fn(argc - 1, argv + 1);
    ct_cmd_err("'%s' is not a command (calltrace --help lists them)", argv[1]);
    return CT_CMD_USAGE;
}
