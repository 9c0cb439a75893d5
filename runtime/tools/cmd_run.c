/* cmd_run.c — `calltrace run [OPTIONS] -- PROGRAM [ARGS...]`: runs a
 * program linked with calltrace with the CALLTRACE_* variables its options
 * say, passes its exit status on, and says in one line where its trace went.
 * A program without calltrace's hooks in its symbols is not run: the line
 * says how to link it. */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/config.h"
#include "tools/cmd.h"

static void run_usage(FILE *to)
{
    fputs("usage: calltrace run [OPTIONS] [--] PROGRAM [ARGS...]\n"
          "Runs PROGRAM (built with -finstrument-functions and linked with calltrace) with\n"
          "the CALLTRACE_* variables below set, exits with its status, and says on stderr\n"
          "where its trace went.\n"
          "  -o, --output FILE        the trace's path (CALLTRACE_OUTPUT)\n"
          "  -f, --filter-file FILE   patterns, one a line (CALLTRACE_FILTER_FILE)\n"
          "  -F, --filter LIST        patterns, e.g. 'parse_*,!debug_*' (CALLTRACE_FILTER)\n"
          "  -d, --depth N            calls deeper than N are not recorded (CALLTRACE_MAX_DEPTH)\n"
          "      --format LIST        views: json,chrome,folded,text,summary,html,perfetto,raw\n"
          "      --args               argument and return values (CALLTRACE_CAPTURE_ARGS=1)\n"
          "      --syscalls           system calls too (CALLTRACE_SYSCALLS=1)\n"
          "      --no-start           recording waits for calltrace_start() (CALLTRACE_START=0)\n",
          to);
}

/* Whether `path` defines calltrace's hooks: 1 yes, 0 no, -1 unreadable. */
static int run_linked(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    elf_version(EV_CURRENT);
    Elf *e = elf_begin(fd, ELF_C_READ, NULL);
    int found = e && elf_kind(e) == ELF_K_ELF ? 0 : -1;
    Elf_Scn *scn = NULL;
    while (found == 0 && e && (scn = elf_nextscn(e, scn))) {
        GElf_Shdr sh;
        if (!gelf_getshdr(scn, &sh) || (sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM))
            continue;
        Elf_Data *d = elf_getdata(scn, NULL);
        size_t n = d && sh.sh_entsize ? sh.sh_size / sh.sh_entsize : 0;
        for (size_t i = 0; i < n && found == 0; i++) {
            GElf_Sym s;
            const char *name;
            if (gelf_getsym(d, (int)i, &s) && s.st_shndx != SHN_UNDEF &&
                (name = elf_strptr(e, sh.sh_link, s.st_name)) &&
                strcmp(name, "__cyg_profile_func_enter") == 0)
                found = 1;
        }
    }
    if (e)
        elf_end(e);
    close(fd);
    return found;
}

/* PROGRAM as execvp would find it. */
static int run_find(const char *prog, char *out, size_t cap)
{
    if (strchr(prog, '/'))
        return snprintf(out, cap, "%s", prog) < (int)cap && access(prog, X_OK) == 0 ? 0 : -1;
    const char *path = getenv("PATH");
    for (const char *p = path ? path : "/usr/bin:/bin"; *p;) {
        size_t n = strcspn(p, ":");
        snprintf(out, cap, "%.*s%s%s", (int)n, p, n ? "/" : "", prog);
        if (access(out, X_OK) == 0)
            return 0;
        p += n + (p[n] == ':');
    }
    return -1;
}

struct run_opts {
    const char *output, *filter_file, *filter, *depth, *format;
    bool args, syscalls, no_start;
};

static int run_option(struct run_opts *o, int argc, char **argv, int *i)
{
    bool bad = false;
    const char *v;
    if ((v = ct_cmd_opt(argc, argv, i, "--output", "-o", &bad)))
        o->output = v;
    else if ((v = ct_cmd_opt(argc, argv, i, "--filter-file", "-f", &bad)))
        o->filter_file = v;
    else if ((v = ct_cmd_opt(argc, argv, i, "--filter", "-F", &bad)))
        o->filter = v;
    else if ((v = ct_cmd_opt(argc, argv, i, "--depth", "-d", &bad)))
        o->depth = v;
    else if ((v = ct_cmd_opt(argc, argv, i, "--format", NULL, &bad)))
        o->format = v;
    else if (strcmp(argv[*i], "--args") == 0)
        o->args = true;
    else if (strcmp(argv[*i], "--syscalls") == 0)
        o->syscalls = true;
    else if (strcmp(argv[*i], "--no-start") == 0)
        o->no_start = true;
    else
        return bad ? -1 : 1;
    return 0;
}

static void run_setenv(const struct run_opts *o)
{
    if (o->output)
        setenv("CALLTRACE_OUTPUT", o->output, 1);
    if (o->filter_file)
        setenv("CALLTRACE_FILTER_FILE", o->filter_file, 1);
    if (o->filter)
        setenv("CALLTRACE_FILTER", o->filter, 1);
    if (o->depth)
        setenv("CALLTRACE_MAX_DEPTH", o->depth, 1);
    if (o->format)
        setenv("CALLTRACE_FORMAT", o->format, 1);
    if (o->args)
        setenv("CALLTRACE_CAPTURE_ARGS", "1", 1);
    if (o->syscalls)
        setenv("CALLTRACE_SYSCALLS", "1", 1);
    if (o->no_start)
        setenv("CALLTRACE_START", "0", 1);
}

/* The one line: where each view written by this run is. */
static void run_report(const char *prog, const char *exe, time_t since)
{
    static struct ct_config cfg = CT_CONFIG_DEFAULTS;
    ct_config_load(&cfg, getenv); /* what the program read, as the program */
    if (!getenv("CALLTRACE_OUTPUT")) {
        char real[PATH_MAX];
        const char *e = realpath(exe, real) ? real : exe;
        size_t n = strlen(e);
        if (n + 6 <= sizeof(cfg.output)) {
            memcpy(cfg.output, e, n);
            memcpy(cfg.output + n, ".json", 6);
        }
    }
    char line[8192] = "", path[PATH_MAX + 64];
    size_t n = 0;
    for (unsigned bit = 1; bit && bit <= cfg.formats; bit <<= 1) {
        struct stat st;
        if (!(cfg.formats & bit))
            continue;
        ct_format_path(&cfg, (enum ct_format)bit, path, sizeof(path));
        if (stat(path, &st) == 0 && st.st_mtime >= since && n < sizeof(line))
            n += (size_t)snprintf(line + n, sizeof(line) - n, "%s%s", n ? ", " : "", path);
    }
    if (n)
        ct_cmd_err("trace of %s written to %s", prog, line);
    else
        ct_cmd_err("%s left no trace at %s (its messages above say why)", prog, cfg.output);
}

static int run_child(char **argv, const char *exe)
{
    struct sigaction ign = {.sa_handler = SIG_IGN}, old_int, old_quit;
    sigaction(SIGINT, &ign, &old_int); /* the terminal's ^C is the program's */
    sigaction(SIGQUIT, &ign, &old_quit);
    pid_t pid = fork();
    if (pid == 0) {
        sigaction(SIGINT, &old_int, NULL);
        sigaction(SIGQUIT, &old_quit, NULL);
        execv(exe, argv);
        ct_cmd_err("cannot run %s: %s", exe, strerror(errno));
        _exit(127);
    }
    int status = 0;
    while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGQUIT, &old_quit, NULL);
    if (pid < 0) {
        ct_cmd_err("cannot start %s: %s", exe, strerror(errno));
        return 127;
    }
    if (WIFSIGNALED(status)) {
        ct_cmd_err("%s was killed by signal %d (%s)", argv[0], WTERMSIG(status),
                   strsignal(WTERMSIG(status)));
        return 128 + WTERMSIG(status);
    }
    return WEXITSTATUS(status);
}

int ct_cmd_run(int argc, char **argv)
{
    struct run_opts o = {0};
    int i = 1;
    for (; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            run_usage(stdout);
            return CT_CMD_OK;
        }
        if (strcmp(argv[i], "--") == 0) {
            i++;
            break;
        }
        int rc = run_option(&o, argc, argv, &i);
        if (rc < 0 || (rc == 1 && argv[i][0] == '-')) {
            run_usage(stderr);
            return CT_CMD_USAGE;
        }
        if (rc == 1)
            break;
    }
    if (i >= argc) {
        run_usage(stderr);
        return CT_CMD_USAGE;
    }
    char exe[PATH_MAX];
    if (run_find(argv[i], exe, sizeof(exe)) != 0) {
        ct_cmd_err("%s: no such program", argv[i]);
        return 127;
    }
    int linked = run_linked(exe);
    if (linked <= 0) {
        ct_cmd_err("%s %s; build it with -finstrument-functions -g and link it with calltrace: "
                   "cc $(pkg-config --cflags calltrace) app.c $(pkg-config --libs calltrace), "
                   "or calltrace_instrument(target) after find_package(CallTrace) in CMake",
                   exe, linked < 0 ? "is not an ELF program" : "is not linked with calltrace "
                   "(it defines no __cyg_profile_func_enter)");
        return CT_CMD_ERR;
    }
    run_setenv(&o);
    time_t since = time(NULL);
    int status = run_child(argv + i, exe);
    run_report(argv[i], exe, since);
    return status;
}
