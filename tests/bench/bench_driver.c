/* bench_driver.c — runs the calltrace benchmarks and prints one report.
 *
 * For every workload (a) fib, (b) leaf loop, (c) deep recursion, (d) threads,
 * it runs every variant of the same workload source, interleaved, for R
 * rounds (the variant order rotates every round):
 *
 *   plain        no -finstrument-functions
 *   empty        instrumented, hooks that do nothing (linked in)
 *   floor        instrumented, hooks that read the TSC and store 16 bytes into
 *                a per-thread ring (the least a recording hook can do)
 *   calltrace    instrumented with calltrace_instrument(), recording
 *   ct-stopped   the calltrace binary run with CALLTRACE_START=0
 *   glibc-hooks  instrumented, no hooks linked: glibc's empty ones (the
 *                binary uftrace records)
 *   uftrace      `uftrace record` of the glibc-hooks binary (if installed)
 *   ct-json      the calltrace binary writing its JSON trace (a smaller run
 *                that measures the trace writing)
 *
 * Each workload times only its own section and prints
 * `calls=<N> ns=<T> end=<CLOCK_MONOTONIC>`; wait4() gives the peak RSS. Runs
 * other than calltrace (raw mode), ct-json and uftrace leave through _exit()
 * after their section (--fast-exit): nothing after it is timed anyway. The
 * report gives ns per call (median, min), the ratios of the targets computed
 * round by round (median, min, max), bytes per event on disk, peak RSS and the
 * JSON write speed.
 *
 * Then (e) args3 and (f) argstr measure argument capture
 * (CALLTRACE_CAPTURE_ARGS): plain, empty hooks, calltrace with capture off,
 * on, and on for arguments only, and uftrace recording a -pg build with and
 * without -A/-R; ns per call, the cost of capture per call (on - off, round by
 * round) and the <= 150 ns/call target of (e). A small capture-on JSON run
 * must show every call of f3/fstr with all its argument values, so the timed
 * runs cannot silently measure capture off.
 *
 * Usage: bench_driver --bindir DIR [--rounds R] [--quick] [--workload a,...,f]
 *                     [--no-uftrace] [--uftrace PATH] [--tmpdir DIR] [--keep]
 *                     [--check] [--verbose]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_ROUNDS 101
#define RUN_TIMEOUT_S 900
#define DEEP_MAX_DEPTH "10000" /* CALLTRACE_MAX_DEPTH and uftrace --max-stack for (c) */

/* ---------------------------------------------------------------- targets */

#define T_REC_FLOOR 1.5     /* calltrace / floor, workloads (a) and (b) */
#define T_REC_UFTRACE 0.25  /* calltrace / uftrace: at least 4x faster */
#define T_STOP_EMPTY 1.2    /* stopped / empty hooks */
#define T_BYTES_EVENT 8.0   /* bytes per event on disk, workload (a) */
#define T_JSON_CALLS_S 2e6  /* JSON written at >= 2M calls/s (compact) */
#define T_RSS_GROWTH 1.10   /* peak RSS at ~11x the calls: "not growing" (page noise) */

/* ---------------------------------------------------------------- model */

enum variant { V_PLAIN, V_EMPTY, V_FLOOR, V_CT, V_STOPPED, V_GLIBC, V_UFTRACE, V_JSON, NV };

static const char *const vname[NV] = {
    [V_PLAIN] = "plain",       [V_EMPTY] = "empty hooks", [V_FLOOR] = "floor",
    [V_CT] = "calltrace",      [V_STOPPED] = "ct stopped", [V_GLIBC] = "glibc hooks",
    [V_UFTRACE] = "uftrace",   [V_JSON] = "ct json",
};
static const char *const vbin[NV] = {
    [V_PLAIN] = "plain",     [V_EMPTY] = "empty",      [V_FLOOR] = "floor",
    [V_CT] = "calltrace",    [V_STOPPED] = "calltrace", [V_GLIBC] = "nohooks",
    [V_UFTRACE] = "nohooks", [V_JSON] = "calltrace",
};

struct workload {
    char letter;
    const char *name; /* bench_<name>_<variant> */
    const char *what;
    const char *args[2][2];      /* [quick][arg]: the timed runs */
    const char *json_args[2][2]; /* [quick][arg]: the JSON runs */
    bool deep;
};

/* Sizes: ~20M calls per timed run (~1M with --quick), ~1M calls per JSON run
 * (~100K with --quick). */
static const struct workload workloads[] = {
    {'a', "fib", "recursive fib(n), 2*F(n+1)-1 calls; argument n",
     {{"34"}, {"28"}}, {{"28"}, {"23"}}, false},
    {'b', "leaf", "a loop calling 4 tiny leaf functions; argument: iterations",
     {{"5000000"}, {"250000"}}, {{"250000"}, {"25000"}}, false},
    {'c', "deep", "recursion to depth 5000 and back, repeated; arguments: repetitions, depth",
     {{"4000", "5000"}, {"200", "5000"}}, {{"200", "5000"}, {"20", "5000"}}, true},
    {'d', "threads", "4 threads each running (b)'s loop; arguments: iterations per thread, threads",
     {{"1250000", "4"}, {"62500", "4"}}, {{"62500", "4"}, {"6250", "4"}}, false},
};
#define NW (sizeof(workloads) / sizeof(workloads[0]))

/* RSS scaling of (a): fib(n+5) makes ~11x the calls of fib(n): 11.4M and 126M
 * (4 GB of raw events at 16 bytes/event), or 0.24M and 2.7M with --quick. */
static const char *const rss_raw_args[2][2] = {{"33", "38"}, {"25", "30"}};
/* Without raw mode the trace is written as JSON, so the sizes stay small. */
static const char *const rss_json_args[2][2] = {{"23", "28"}, {"20", "25"}};

struct run {
    bool ok;
    double ns;                  /* the section */
    unsigned long long calls;   /* as counted by the workload */
    unsigned long long end;     /* CLOCK_MONOTONIC at the section's end */
    double exit_ms;             /* section end -> process reaped */
    double rss_mb;
    double file_bytes;          /* raw file, JSON file or uftrace .dat files; <0: none */
    /* from `calltrace: wrote <path>: N calls, T threads, B bytes[ in MS ms]` */
    bool wrote;
    unsigned long long w_calls, w_threads, w_bytes;
    double w_ms;                /* <0: the runtime did not say */
};

/* ---------------------------------------------------------------- options */

static const char *opt_bindir;
static int opt_rounds = -1;
static bool opt_quick, opt_keep, opt_check, opt_verbose, opt_no_uftrace;
static char opt_workloads[16] = "abcdef";
static char uftrace_path[PATH_MAX];
static char tmpdir[PATH_MAX];
static bool raw_ok;
static int failures, misses;

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("bench_driver: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(2);
}

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: bench_driver --bindir DIR [options]\n"
            "  --bindir DIR      where the bench_<workload>_<variant> executables are\n"
            "  --rounds R        interleaved rounds (default 5; 2 with --quick)\n"
            "  --quick           small sizes: a smoke run of well under a minute\n"
            "  --workload LIST   which workloads, e.g. a,b (default a,b,c,d,e,f)\n"
            "  --no-uftrace      skip uftrace even if it is installed\n"
            "  --uftrace PATH    the uftrace to use (default: uftrace on PATH)\n"
            "  --tmpdir DIR      where traces go (default $TMPDIR or /tmp); a fresh\n"
            "                    directory is made inside it and removed at the end\n"
            "  --keep            keep that directory\n"
            "  --check           exit 1 when a target is missed (default: report only)\n"
            "  --verbose         print every run\n");
}

static void parse_args(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--bindir") && v) {
            opt_bindir = v;
            i++;
        } else if (!strcmp(a, "--rounds") && v) {
            char *end;
            long r = strtol(v, &end, 10);
            if (*end || r < 1 || r > MAX_ROUNDS)
                die("--rounds wants 1..%d", MAX_ROUNDS);
            opt_rounds = (int)r;
            i++;
        } else if (!strcmp(a, "--quick")) {
            opt_quick = true;
        } else if (!strcmp(a, "--workload") && v) {
            size_t n = 0;
            for (const char *p = v; *p; p++) {
                if (*p == ',' || *p == ' ')
                    continue;
                if (*p < 'a' || *p > 'f' || n + 1 >= sizeof(opt_workloads))
                    die("--workload wants letters a-f, e.g. a,b");
                opt_workloads[n++] = *p;
            }
            opt_workloads[n] = '\0';
            i++;
        } else if (!strcmp(a, "--no-uftrace")) {
            opt_no_uftrace = true;
        } else if (!strcmp(a, "--uftrace") && v) {
            snprintf(uftrace_path, sizeof(uftrace_path), "%s", v);
            i++;
        } else if (!strcmp(a, "--tmpdir") && v) {
            snprintf(tmpdir, sizeof(tmpdir), "%s", v);
            i++;
        } else if (!strcmp(a, "--keep")) {
            opt_keep = true;
        } else if (!strcmp(a, "--check")) {
            opt_check = true;
        } else if (!strcmp(a, "--verbose")) {
            opt_verbose = true;
        } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            exit(0);
        } else {
            usage(stderr);
            exit(2);
        }
    }
    if (!opt_bindir)
        die("--bindir is required (the directory of the bench_* executables)");
    if (opt_rounds < 0)
        opt_rounds = opt_quick ? 2 : 5;
}

/* ---------------------------------------------------------------- files */

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    if (ftw->level > 0)
        remove(path);
    return 0;
}

/* Empties the scratch directory. */
static void clean_tmp(void)
{
    nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void tmp_path(char *out, size_t cap, const char *name)
{
    if ((size_t)snprintf(out, cap, "%s/%s", tmpdir, name) >= cap)
        die("path too long: %s/%s", tmpdir, name);
}

static double file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (double)st.st_size : -1.0;
}

/* Reads up to cap-1 bytes of a file into buf; returns the length. */
static size_t read_file(const char *path, char *buf, size_t cap)
{
    size_t n = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        ssize_t r;
        while (n + 1 < cap && (r = read(fd, buf + n, cap - 1 - n)) > 0)
            n += (size_t)r;
        close(fd);
    }
    buf[n] = '\0';
    return n;
}

static double uftrace_dat_bytes;
static int sum_dat(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    const char *base = path + ftw->base;
    size_t digits = strspn(base, "0123456789");
    if (flag == FTW_F && digits > 0 && !strcmp(base + digits, ".dat"))
        uftrace_dat_bytes += (double)st->st_size;
    return 0;
}

/* The size of uftrace's per-thread event files (<tid>.dat) under dir. */
static double uftrace_bytes(const char *dir)
{
    uftrace_dat_bytes = 0;
    if (nftw(dir, sum_dat, 16, FTW_PHYS) != 0)
        return -1.0;
    return uftrace_dat_bytes;
}

/* ---------------------------------------------------------------- running */

static char out_buf[1 << 16], err_buf[1 << 16];
static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    interrupted = sig;
}

/* Runs argv with the extra environment `env` ("K=V" strings, NULL-ended),
 * stdout and stderr to files; fills the timing, RSS and the runtime's
 * "wrote" line. */
static void run_cmd(char *const argv[], const char *const env[], struct run *res)
{
    char out_path[PATH_MAX], err_path[PATH_MAX];
    tmp_path(out_path, sizeof(out_path), "stdout.txt");
    tmp_path(err_path, sizeof(err_path), "stderr.txt");
    memset(res, 0, sizeof(*res));
    res->file_bytes = -1;
    res->w_ms = -1;

    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        die("fork: %s", strerror(errno));
    if (pid == 0) {
        for (const char *const *e = env; e && *e; e++) {
            const char *eq = strchr(*e, '=');
            char name[128];
            snprintf(name, sizeof(name), "%.*s", (int)(eq - *e), *e);
            setenv(name, eq + 1, 1);
        }
        int o = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int e = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (o < 0 || e < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0)
            _exit(126);
        close(o);
        close(e);
        alarm(RUN_TIMEOUT_S); /* survives exec: a hung run is killed */
        execv(argv[0], argv);
        fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    int status;
    struct rusage ru;
    while (wait4(pid, &status, 0, &ru) < 0)
        if (errno != EINTR)
            die("wait4: %s", strerror(errno));
    double reaped = now_ns();
    if (interrupted) { /* Ctrl-C reached the child too: remove the (large) traces and stop */
        clean_tmp();
        if (!opt_keep)
            rmdir(tmpdir);
        fprintf(stderr, "\nbench_driver: interrupted\n");
        exit(130);
    }
    res->rss_mb = (double)ru.ru_maxrss / 1024.0;

    read_file(out_path, out_buf, sizeof(out_buf));
    read_file(err_path, err_buf, sizeof(err_buf));
    const char *line = strstr(out_buf, "calls=");
    unsigned long long ns = 0;
    bool parsed = line && sscanf(line, "calls=%llu ns=%llu end=%llu", &res->calls, &ns,
                                 &res->end) == 3;
    res->ok = parsed && WIFEXITED(status) && WEXITSTATUS(status) == 0;
    res->ns = (double)ns;
    res->exit_ms = parsed ? (reaped - (double)res->end) / 1e6 : -1;

    const char *w = strstr(err_buf, "calltrace: wrote ");
    if (w) {
        const char *colon = strstr(w + 17, ": ");
        /* the path may itself hold ": "; take the last one on the line */
        const char *eol = strchr(w, '\n');
        for (const char *c = colon; c && (!eol || c < eol); c = strstr(c + 1, ": "))
            colon = c;
        if (colon && sscanf(colon, ": %llu calls, %llu threads, %llu bytes", &res->w_calls,
                            &res->w_threads, &res->w_bytes) == 3) {
            res->wrote = true;
            const char *in = strstr(colon, " bytes in ");
            double ms;
            if (in && (!eol || in < eol) && sscanf(in, " bytes in %lf ms", &ms) == 1)
                res->w_ms = ms;
        }
    }

    if (!res->ok) {
        failures++;
        fprintf(stderr, "bench_driver: run failed:");
        for (char *const *a = argv; *a; a++)
            fprintf(stderr, " %s", *a);
        if (WIFSIGNALED(status))
            fprintf(stderr, " (killed by signal %d%s)", WTERMSIG(status),
                    WTERMSIG(status) == SIGALRM ? ": timeout" : "");
        else
            fprintf(stderr, " (exit %d)", WEXITSTATUS(status));
        fprintf(stderr, "\n--- stdout\n%.2000s--- stderr\n%.4000s---\n", out_buf, err_buf);
    }
}

static void bin_path(char *out, size_t cap, const struct workload *w, enum variant v)
{
    if ((size_t)snprintf(out, cap, "%s/bench_%s_%s", opt_bindir, w->name, vbin[v]) >= cap)
        die("path too long: %s", opt_bindir);
}

/* One run of a variant. `args` are the workload's arguments (NULL-ended, at
 * most 2). json: the calltrace binary writes its JSON trace. */
static void run_variant(const struct workload *w, enum variant v, const char *const *args,
                        struct run *res)
{
    char bin[PATH_MAX], out[PATH_MAX], udir[PATH_MAX];
    bin_path(bin, sizeof(bin), w, v);
    char *argv[16];
    int n = 0;
    const char *env[8];
    int ne = 0;
    char env_out[PATH_MAX + 32];
    bool fast_exit = true;

    clean_tmp();
    if (v == V_UFTRACE) {
        tmp_path(udir, sizeof(udir), "uftrace.data");
        argv[n++] = uftrace_path;
        argv[n++] = (char *)"record";
        argv[n++] = (char *)"--no-pager";
        argv[n++] = (char *)"--no-libcall"; /* record the functions only, as calltrace */
        argv[n++] = (char *)"-d";
        argv[n++] = udir;
        if (w->deep)
            argv[n++] = (char *)"--max-stack=" DEEP_MAX_DEPTH;
        fast_exit = false; /* let uftrace finish its data normally */
    }
    argv[n++] = bin;
    for (int i = 0; i < 2 && args[i]; i++)
        argv[n++] = (char *)args[i];

    if (v == V_CT || v == V_STOPPED || v == V_JSON) {
        const char *file = v == V_CT && raw_ok ? "trace.ctraw" : "trace.json";
        tmp_path(out, sizeof(out), file);
        snprintf(env_out, sizeof(env_out), "CALLTRACE_OUTPUT=%s", out);
        env[ne++] = env_out;
        if (w->deep)
            env[ne++] = "CALLTRACE_MAX_DEPTH=" DEEP_MAX_DEPTH;
        if (v == V_STOPPED)
            env[ne++] = "CALLTRACE_START=0";
        if (v == V_CT && raw_ok) {
            env[ne++] = "CALLTRACE_FORMAT=raw"; /* the event file is kept; no JSON */
            fast_exit = false;
        }
        if (v == V_JSON) {
            env[ne++] = "CALLTRACE_DEBUG=1";
            env[ne++] = "CALLTRACE_PRETTY_JSON=0";
            fast_exit = false;
        }
    }
    env[ne] = NULL;
    if (fast_exit)
        argv[n++] = (char *)"--fast-exit";
    argv[n] = NULL;

    run_cmd(argv, env, res);
    if (v == V_UFTRACE)
        res->file_bytes = uftrace_bytes(udir);
    else if ((v == V_CT && raw_ok) || v == V_JSON)
        res->file_bytes = file_size(out);
    if (opt_verbose)
        printf("    [%s] %-12s %s%s%s: calls=%llu ns=%.0f rss=%.1fMB exit=%.1fms file=%.0f%s\n",
               w->name, vname[v], args[0], args[1] ? " " : "", args[1] ? args[1] : "",
               res->calls, res->ns, res->rss_mb, res->exit_ms, res->file_bytes,
               res->ok ? "" : " FAILED");
    clean_tmp();
}

/* Does CALLTRACE_FORMAT=raw keep the binary event file at CALLTRACE_OUTPUT? */
static bool probe_raw(void)
{
    char bin[PATH_MAX], out[PATH_MAX], env_out[PATH_MAX + 32];
    bin_path(bin, sizeof(bin), &workloads[0], V_CT);
    tmp_path(out, sizeof(out), "probe.ctraw");
    snprintf(env_out, sizeof(env_out), "CALLTRACE_OUTPUT=%s", out);
    const char *env[] = {env_out, "CALLTRACE_FORMAT=raw", NULL};
    char *argv[] = {bin, (char *)"10", NULL};
    struct run r;
    clean_tmp();
    run_cmd(argv, env, &r);
    char head[64];
    size_t n = read_file(out, head, sizeof(head));
    size_t sp = strspn(head, " \t\r\n");
    bool ok = r.ok && n > 0 && sp < n && head[sp] != '{' && head[sp] != '[';
    clean_tmp();
    return ok;
}

static bool find_uftrace(void)
{
    if (opt_no_uftrace)
        return false;
    if (uftrace_path[0])
        return access(uftrace_path, X_OK) == 0;
    const char *path = getenv("PATH");
    if (!path)
        return false;
    char *dirs = strdup(path), *save = NULL;
    bool found = false;
    for (char *d = strtok_r(dirs, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
        snprintf(uftrace_path, sizeof(uftrace_path), "%s/uftrace", *d ? d : ".");
        found = access(uftrace_path, X_OK) == 0;
    }
    free(dirs);
    if (!found)
        uftrace_path[0] = '\0';
    return found;
}

/* What a timestamp costs here: the floor and calltrace read the TSC twice per
 * call, uftrace calls clock_gettime(). Under some hypervisors rdtsc traps and
 * dominates every recording variant. */
static void clock_costs(double *rdtsc_ns, double *mono_ns)
{
    enum { N = 1000000 };
    unsigned long long sink = 0;
    double best_r = INFINITY, best_m = INFINITY;
    for (int rep = 0; rep < 3; rep++) {
        double t0 = now_ns();
        for (int i = 0; i < N; i++)
            sink += __builtin_ia32_rdtsc();
        double t1 = now_ns();
        for (int i = 0; i < N; i++) {
            struct timespec ts;
            clock_gettime(CLOCK_MONOTONIC, &ts);
            sink += (unsigned long long)ts.tv_nsec;
        }
        double t2 = now_ns();
        best_r = fmin(best_r, (t1 - t0) / N);
        best_m = fmin(best_m, (t2 - t1) / N);
    }
    __asm__ volatile("" : : "r"(sink));
    *rdtsc_ns = best_r;
    *mono_ns = best_m;
}

/* ---------------------------------------------------------------- statistics */

struct stats {
    int n;
    double med, min, max;
};

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static struct stats stats_of(const double *v, int n)
{
    struct stats s = {0, NAN, NAN, NAN};
    double tmp[MAX_ROUNDS];
    for (int i = 0; i < n; i++)
        if (!isnan(v[i]))
            tmp[s.n++] = v[i];
    if (!s.n)
        return s;
    qsort(tmp, (size_t)s.n, sizeof(double), cmp_double);
    s.min = tmp[0];
    s.max = tmp[s.n - 1];
    s.med = s.n % 2 ? tmp[s.n / 2] : (tmp[s.n / 2 - 1] + tmp[s.n / 2]) / 2;
    return s;
}

/* 12345678 -> "12,345,678" */
static const char *commas(unsigned long long v, char *buf, size_t cap)
{
    char raw[32];
    int len = snprintf(raw, sizeof(raw), "%llu", v);
    size_t o = 0;
    for (int i = 0; i < len && o + 2 < cap; i++) {
        if (i && (len - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = raw[i];
    }
    buf[o] = '\0';
    return buf;
}

static const char *verdict(double value, double target, bool at_most)
{
    if (isnan(value))
        return "n/a";
    bool ok = at_most ? value <= target : value >= target;
    if (!ok)
        misses++;
    return ok ? "ok" : "MISSED";
}

/* ---------------------------------------------------------------- report */

struct summary_line {
    char text[200];
};
static struct summary_line summary[64];
static int nsummary;

static void add_summary(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void add_summary(const char *fmt, ...)
{
    if (nsummary >= (int)(sizeof(summary) / sizeof(summary[0])))
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(summary[nsummary++].text, sizeof(summary[0].text), fmt, ap);
    va_end(ap);
}

static void print_ratio(const struct workload *w, const char *label, const double *r, int n,
                        double target, const char *target_text, bool applies)
{
    struct stats s = stats_of(r, n);
    if (!s.n) {
        printf("   %-18s n/a\n", label);
        return;
    }
    const char *v = applies ? verdict(s.med, target, true) : "-";
    printf("   %-18s %6.2fx  (min %.2fx, max %.2fx over %d rounds)  target %s: %s\n", label,
           s.med, s.min, s.max, s.n, target_text, applies ? v : "not a target here");
    if (applies)
        add_summary("(%c) %-18s %6.2fx  (min %.2fx)   target %-8s %s", w->letter, label, s.med,
                    s.min, target_text, v);
}

static void args_text(const char *const *args, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s%s%s", args[0], args[1] ? " " : "", args[1] ? args[1] : "");
}

static void bench_workload(const struct workload *w, bool have_uftrace)
{
    const int R = opt_rounds, q = opt_quick ? 1 : 0;
    const char *const *args = w->args[q];
    const char *const *jargs = w->json_args[q];
    static struct run runs[NV][MAX_ROUNDS];
    bool use[NV];
    for (int v = 0; v < NV; v++)
        use[v] = v != V_UFTRACE || have_uftrace;

    char at[64], jt[64], c1[32];
    args_text(args, at, sizeof(at));
    args_text(jargs, jt, sizeof(jt));
    printf("\n== (%c) %s: %s\n", w->letter, w->name, w->what);
    printf("   timed runs: bench_%s_<variant> %s; JSON runs: %s; %d interleaved rounds\n",
           w->name, at, jt, R);
    if (w->deep)
        printf("   calltrace runs use CALLTRACE_MAX_DEPTH=%s (default 100) so the whole depth is "
               "recorded;\n   uftrace runs use --max-stack=%s\n",
               DEEP_MAX_DEPTH, DEEP_MAX_DEPTH);
    if (!strcmp(w->name, "threads")) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        printf("   ns/call = wall time of the section / calls of all threads; this machine has "
               "%ld core%s\n",
               cores, cores == 1 ? "" : "s");
    }
    fflush(stdout);

    /* warm-up: page every binary in once, small and untimed */
    if (opt_verbose)
        printf("   warm-up runs (not counted):\n");
    for (int v = 0; v < NV; v++) {
        if (!use[v] || v == V_UFTRACE || v == V_JSON)
            continue;
        struct run tmp;
        run_variant(w, (enum variant)v, w->args[1], &tmp);
    }

    for (int r = 0; r < R; r++) {
        for (int k = 0; k < NV; k++) {
            int v = (k + r) % NV; /* rotate the order every round */
            if (!use[v])
                continue;
            run_variant(w, (enum variant)v, v == V_JSON ? jargs : args, &runs[v][r]);
        }
        if (!opt_verbose && isatty(STDOUT_FILENO)) {
            printf("   round %d/%d done\r", r + 1, R);
            fflush(stdout);
        }
    }
    if (!opt_verbose && isatty(STDOUT_FILENO))
        printf("%30s\r", "");

    /* ns per call */
    double nspc[NV][MAX_ROUNDS], rss[NV][MAX_ROUNDS];
    unsigned long long calls = 0;
    for (int v = 0; v < NV; v++)
        for (int r = 0; r < R; r++) {
            const struct run *x = &runs[v][r];
            bool good = use[v] && x->ok && x->calls > 0;
            nspc[v][r] = good ? x->ns / (double)x->calls : NAN;
            rss[v][r] = good ? x->rss_mb : NAN;
            if (good && v == V_PLAIN)
                calls = x->calls;
        }
    printf("   calls per timed run: %s\n", commas(calls, c1, sizeof(c1)));
    printf("   %-14s %12s %10s %14s\n", "variant", "ns/call med", "min", "peak RSS MB");
    for (int v = 0; v < NV; v++) {
        if (v == V_JSON)
            continue;
        if (!use[v]) {
            printf("   %-14s %12s %10s %14s   (uftrace not found)\n", vname[v], "n/a", "n/a", "n/a");
            continue;
        }
        struct stats s = stats_of(nspc[v], R), m = stats_of(rss[v], R);
        printf("   %-14s %12.2f %10.2f %14.1f%s\n", vname[v], s.med, s.min, m.med,
               v == V_CT ? (raw_ok ? "   (raw event file, full exit)" : "   (exit skipped)")
               : v == V_UFTRACE ? "   (uftrace + program)"
               : "");
    }

    /* ratios, round by round */
    double rf[MAX_ROUNDS], ru[MAX_ROUNDS], rs[MAX_ROUNDS];
    for (int r = 0; r < R; r++) {
        rf[r] = nspc[V_CT][r] / nspc[V_FLOOR][r];
        ru[r] = use[V_UFTRACE] ? nspc[V_CT][r] / nspc[V_UFTRACE][r] : NAN;
        rs[r] = nspc[V_STOPPED][r] / nspc[V_EMPTY][r];
    }
    bool ab = w->letter == 'a' || w->letter == 'b';
    printf("   ratios (per round, then median):\n");
    print_ratio(w, "calltrace/floor", rf, R, T_REC_FLOOR, "<= 1.5x", ab);
    {
        double d[MAX_ROUNDS];
        for (int r = 0; r < R; r++)
            d[r] = nspc[V_CT][r] - nspc[V_FLOOR][r];
        struct stats s = stats_of(d, R);
        printf("   %-18s %+6.2f ns/call above the floor (median)\n", "", s.med);
    }
    if (use[V_UFTRACE]) {
        print_ratio(w, "calltrace/uftrace", ru, R, T_REC_UFTRACE, "<= 0.25x", true);
        struct stats s = stats_of(ru, R);
        if (s.n)
            printf("   %-18s calltrace records %.1fx faster than uftrace (median)\n", "", 1 / s.med);
        double fu[MAX_ROUNDS];
        for (int r = 0; r < R; r++)
            fu[r] = nspc[V_FLOOR][r] / nspc[V_UFTRACE][r];
        struct stats f = stats_of(fu, R);
        if (f.n)
            printf("   %-18s %6.2fx  (for reference: the floor against uftrace, the best a recorder\n"
                   "   %-18s          that timestamps every event can reach here)\n",
                   "floor/uftrace", f.med, "");
    } else {
        printf("   %-18s n/a (uftrace not found)\n", "calltrace/uftrace");
    }
    print_ratio(w, "stopped/empty", rs, R, T_STOP_EMPTY, "<= 1.2x", true);
    {
        double rp[MAX_ROUNDS];
        for (int r = 0; r < R; r++)
            rp[r] = nspc[V_CT][r] / nspc[V_PLAIN][r];
        struct stats s = stats_of(rp, R);
        printf("   %-18s %6.2fx  (for reference)\n", "calltrace/plain", s.med);
    }

    /* bytes per event on disk */
    double bpe[MAX_ROUNDS], ubpe[MAX_ROUNDS];
    for (int r = 0; r < R; r++) {
        const struct run *c = &runs[V_CT][r], *u = &runs[V_UFTRACE][r];
        bpe[r] = raw_ok && c->ok && c->file_bytes > 0 ? c->file_bytes / (2.0 * (double)c->calls)
                                                      : NAN;
        ubpe[r] = use[V_UFTRACE] && u->ok && u->file_bytes > 0
                      ? u->file_bytes / (2.0 * (double)u->calls)
                      : NAN;
    }
    struct stats b = stats_of(bpe, R), ub = stats_of(ubpe, R);
    printf("   on disk (file size / (2 x calls)):\n");
    if (b.n) {
        const char *v = w->letter == 'a' ? verdict(b.med, T_BYTES_EVENT, true) : "-";
        printf("   %-18s %6.2f bytes/event (raw event file)  target <= 8 on (a): %s\n",
               "calltrace", b.med, w->letter == 'a' ? v : "not a target here");
        if (w->letter == 'a')
            add_summary("(a) %-18s %6.2f bytes    target <= 8     %s", "bytes/event", b.med, v);
    } else {
        printf("   %-18s    n/a (this runtime does not keep a raw event file: CALLTRACE_FORMAT=raw "
               "unsupported)\n",
               "calltrace");
        if (w->letter == 'a')
            add_summary("(a) %-18s    n/a (no CALLTRACE_FORMAT=raw yet)", "bytes/event");
    }
    if (use[V_UFTRACE])
        printf("   %-18s %6.2f bytes/event (<tid>.dat files)\n", "uftrace", ub.med);

    /* JSON */
    double jms[MAX_ROUNDS], jexit[MAX_ROUNDS], jrss[MAX_ROUNDS], jbpc[MAX_ROUNDS];
    unsigned long long jcalls = 0, jwritten = 0, jthreads = 0;
    bool reported_ms = false;
    for (int r = 0; r < R; r++) {
        const struct run *j = &runs[V_JSON][r];
        bool good = j->ok && j->wrote && j->w_calls > 0;
        jms[r] = good && j->w_ms >= 0 ? j->w_ms : NAN;
        jexit[r] = good ? j->exit_ms : NAN;
        jrss[r] = good ? j->rss_mb : NAN;
        jbpc[r] = good ? (double)j->w_bytes / (double)j->w_calls : NAN;
        if (good) {
            jcalls = j->calls;
            jwritten = j->w_calls;
            jthreads = j->w_threads;
            reported_ms |= j->w_ms >= 0;
        }
    }
    struct stats sm = stats_of(jms, R), se = stats_of(jexit, R), sr = stats_of(jrss, R),
                 sb = stats_of(jbpc, R);
    char c2[32];
    printf("   JSON trace (CALLTRACE_PRETTY_JSON=0), %s calls recorded in %llu thread%s",
           commas(jwritten, c2, sizeof(c2)), jthreads, jthreads == 1 ? "" : "s");
    if (jwritten)
        printf(" (the workload counted %s, plus main)", commas(jcalls, c1, sizeof(c1)));
    printf(":\n");
    if (!sb.n) {
        printf("   %-18s n/a (no \"calltrace: wrote\" line on stderr with CALLTRACE_DEBUG=1)\n",
               "write speed");
        return;
    }
    if (jwritten != jcalls + 1) /* the workload's calls and main */
        printf("   %-18s the trace holds %llu calls, expected %llu: check the drop counters\n",
               "WARNING", jwritten, jcalls + 1);
    double mcalls = (double)jwritten / 1e6;
    if (sm.n) {
        double cps = (double)jwritten / (sm.med / 1e3);
        const char *v = verdict(cps, T_JSON_CALLS_S, false);
        printf("   %-18s %8.1f ms median (min %.1f)  = %.2fM calls/s, %.1f ms per million calls"
               "  target >= 2M calls/s: %s\n",
               "write (runtime)", sm.med, sm.min, cps / 1e6, sm.med / mcalls, v);
        add_summary("(%c) %-18s %6.2fM calls/s (%.0f ms/M)  target >= 2M   %s", w->letter,
                    "JSON write", cps / 1e6, sm.med / mcalls, v);
    } else {
        printf("   %-18s n/a (the runtime's \"wrote\" line has no \" in <MS> ms\" yet)\n",
               "write (runtime)");
    }
    if (se.n) {
        double cps = (double)jwritten / (se.med / 1e3);
        printf("   %-18s %8.1f ms median (min %.1f)  = %.2fM calls/s, %.1f ms per million calls%s\n",
               "section end->exit", se.med, se.min, cps / 1e6, se.med / mcalls,
               reported_ms ? "" : "  (estimate: includes process teardown)");
        if (!reported_ms)
            add_summary("(%c) %-18s %6.2fM calls/s (%.0f ms/M)  target >= 2M   %s (estimate)",
                        w->letter, "JSON write", cps / 1e6, se.med / mcalls,
                        verdict(cps, T_JSON_CALLS_S, false));
    }
    printf("   %-18s %8.1f bytes per call;  peak RSS %.1f MB\n", "JSON size", sb.med, sr.med);
}

/* Peak RSS of calltrace recording (a) at two sizes ~11x apart. */
static void bench_rss_scaling(void)
{
    const int q = opt_quick ? 1 : 0;
    const char *const *sizes = raw_ok ? rss_raw_args[q] : rss_json_args[q];
    const struct workload *w = &workloads[0];
    struct run r[2];
    char c1[32];
    printf("\n== (a) peak RSS against call count: calltrace recording fib(n), whole process "
           "life, %s\n",
           raw_ok ? "CALLTRACE_FORMAT=raw" : "writing JSON (raw mode unsupported: sizes kept small)");
    for (int i = 0; i < 2; i++) {
        const char *args[2] = {sizes[i], NULL};
        run_variant(w, raw_ok ? V_CT : V_JSON, args, &r[i]);
        if (!r[i].ok) {
            printf("   fib(%s): run failed\n", sizes[i]);
            return;
        }
        printf("   fib(%s) %14s calls: peak RSS %7.1f MB", sizes[i],
               commas(r[i].calls, c1, sizeof(c1)), r[i].rss_mb);
        if (raw_ok && r[i].file_bytes > 0)
            printf(", %.2f bytes/event on disk", r[i].file_bytes / (2.0 * (double)r[i].calls));
        printf(", section %.1f ns/call\n", r[i].ns / (double)r[i].calls);
    }
    double g = r[1].rss_mb / r[0].rss_mb;
    double extra = (double)(r[1].calls - r[0].calls) / 1e6;
    const char *v = verdict(g, T_RSS_GROWTH, true);
    printf("   RSS ratio %.2fx (%+.2f MB, %.1f KB per extra million calls) for %.1fx the calls\n"
           "   target: not growing (<= %.2fx, allowing for page noise): %s\n",
           g, r[1].rss_mb - r[0].rss_mb, (r[1].rss_mb - r[0].rss_mb) * 1024 / extra,
           (double)r[1].calls / (double)r[0].calls, T_RSS_GROWTH, v);
    add_summary("(a) %-18s %6.2fx at %.0fx calls   target ~1x     %s", "peak RSS growth", g,
                (double)r[1].calls / (double)r[0].calls, v);
}

/* ---------------------------------------------------------------- argument capture */

/* Workloads (e) and (f): what CALLTRACE_CAPTURE_ARGS costs per call. */
#define T_ARGS3_NS 150.0 /* ns per call of f3(int, int, int) with capture on */

enum avariant { A_PLAIN, A_EMPTY, A_CT_OFF, A_CT_ON, A_CT_ARGS, A_UF, A_UF_ARGS, NAV };

static const char *const aname[NAV] = {
    [A_PLAIN] = "plain",        [A_EMPTY] = "empty hooks",   [A_CT_OFF] = "ct capture off",
    [A_CT_ON] = "ct capture on", [A_CT_ARGS] = "ct args only", [A_UF] = "uftrace",
    [A_UF_ARGS] = "uftrace -A -R",
};
static const char *const abin[NAV] = {
    [A_PLAIN] = "plain",     [A_EMPTY] = "empty", [A_CT_OFF] = "calltrace",
    [A_CT_ON] = "calltrace", [A_CT_ARGS] = "calltrace", [A_UF] = "pg", [A_UF_ARGS] = "pg",
};

struct args_workload {
    char letter;
    const char *name; /* bench_<name>_<variant> */
    const char *fn;   /* the function whose values are captured */
    const char *what;
    const char *iters[2]; /* [quick] */
    int nargs;            /* its parameters: each must carry a value in the JSON */
    const char *uf_args;  /* uftrace -A and -R: the same values, by hand */
    const char *uf_ret;
    bool goal;            /* the <= 150 ns/call target applies */
};

/* ~4M calls per timed run (500K with --quick). */
static const struct args_workload args_workloads[] = {
    {'e', "args3", "f3", "a loop calling int f3(int a, int b, int c); argument: iterations",
     {"4000000", "500000"}, 3, "f3@arg1/i32,arg2/i32,arg3/i32", "f3@retval/i32", true},
    {'f', "argstr", "fstr",
     "a loop calling int fstr(const char *s, struct rec { int id; double w; char tag[8]; } r) "
     "(5-23 chars; r by value, on the stack); argument: iterations",
     {"4000000", "500000"}, 2,
     "fstr@arg1/s,arg2/i32%stack+1,arg3/f64%stack+2,arg4/x64%stack+3", "fstr@retval/i32", false},
};
#define NAW (sizeof(args_workloads) / sizeof(args_workloads[0]))

static void abin_path(char *out, size_t cap, const struct args_workload *w, enum avariant v)
{
    if ((size_t)snprintf(out, cap, "%s/bench_%s_%s", opt_bindir, w->name, abin[v]) >= cap)
        die("path too long: %s", opt_bindir);
}

/* One run of a variant of (e) or (f). The calltrace runs are those of (a)-(d)
 * (raw event file when supported), with capture off, on, or on for arguments
 * only; uftrace records the -pg binary, with or without -A/-R. json_out: a
 * calltrace run with capture on writing compact JSON there (kept). */
static void run_args_variant(const struct args_workload *w, enum avariant v, const char *iters,
                             const char *json_out, struct run *res)
{
    char bin[PATH_MAX], out[PATH_MAX], udir[PATH_MAX], aopt[256], ropt[128];
    char env_out[PATH_MAX + 32];
    char *argv[16];
    const char *env[8];
    int n = 0, ne = 0;
    bool fast_exit = true, ct = v == A_CT_OFF || v == A_CT_ON || v == A_CT_ARGS;
    abin_path(bin, sizeof(bin), w, v);

    clean_tmp();
    if (v == A_UF || v == A_UF_ARGS) {
        tmp_path(udir, sizeof(udir), "uftrace.data");
        argv[n++] = uftrace_path;
        argv[n++] = (char *)"record";
        argv[n++] = (char *)"--no-pager";
        argv[n++] = (char *)"--no-libcall";
        argv[n++] = (char *)"-d";
        argv[n++] = udir;
        if (v == A_UF_ARGS) {
            snprintf(aopt, sizeof(aopt), "--argument=%s", w->uf_args);
            snprintf(ropt, sizeof(ropt), "--retval=%s", w->uf_ret);
            argv[n++] = aopt;
            argv[n++] = ropt;
        }
        fast_exit = false;
    }
    argv[n++] = bin;
    argv[n++] = (char *)iters;
    if (ct) {
        if (json_out) {
            snprintf(out, sizeof(out), "%s", json_out);
        } else {
            tmp_path(out, sizeof(out), raw_ok ? "trace.ctraw" : "trace.json");
        }
        snprintf(env_out, sizeof(env_out), "CALLTRACE_OUTPUT=%s", out);
        env[ne++] = env_out;
        if (v != A_CT_OFF)
            env[ne++] = "CALLTRACE_CAPTURE_ARGS=1";
        if (v == A_CT_ARGS)
            env[ne++] = "CALLTRACE_CAPTURE_RETVAL=0";
        if (json_out) {
            env[ne++] = "CALLTRACE_FORMAT=json";
            env[ne++] = "CALLTRACE_PRETTY_JSON=0";
            fast_exit = false;
        } else if (raw_ok) {
            env[ne++] = "CALLTRACE_FORMAT=raw";
            fast_exit = false;
        }
    }
    env[ne] = NULL;
    if (fast_exit)
        argv[n++] = (char *)"--fast-exit";
    argv[n] = NULL;

    run_cmd(argv, env, res);
    if (v == A_UF || v == A_UF_ARGS)
        res->file_bytes = uftrace_bytes(udir);
    else if (ct && !json_out && raw_ok)
        res->file_bytes = file_size(out);
    if (opt_verbose)
        printf("    [%s] %-14s %s: calls=%llu ns=%.0f rss=%.1fMB file=%.0f%s\n", w->name,
               aname[v], iters, res->calls, res->ns, res->rss_mb, res->file_bytes,
               res->ok ? "" : " FAILED");
    if (!json_out)
        clean_tmp();
}

/* Within a JSON string starting at p (after the opening quote): the closing
 * quote, or NULL. */
static const char *json_str_end(const char *p)
{
    for (; *p; p++) {
        if (*p == '\\' && p[1])
            p++;
        else if (*p == '"')
            return p;
    }
    return NULL;
}

/* p points at '[' or '{': the matching close, or NULL. */
static const char *json_match(const char *p)
{
    int depth = 0;
    for (; *p; p++) {
        if (*p == '"') {
            p = json_str_end(p + 1);
            if (!p)
                return NULL;
        } else if (*p == '[' || *p == '{') {
            depth++;
        } else if (*p == ']' || *p == '}') {
            if (--depth == 0)
                return p;
        }
    }
    return NULL;
}

/* Counts the elements of the "arguments" array at p ('[') that carry a
 * value (an object with "value" and no "optimized_out"); *total gets all. */
static int json_args_with_values(const char *p, const char *end, int *total)
{
    int good = 0;
    *total = 0;
    for (const char *q = p + 1; q < end; q++) {
        if (*q == '"') {
            q = json_str_end(q + 1);
            if (!q)
                break;
        } else if (*q == '{') {
            const char *close = json_match(q);
            if (!close || close > end)
                break;
            size_t len = (size_t)(close - q);
            bool has_value = memmem(q, len, "\"value\":", 8) != NULL;
            bool opt_out = memmem(q, len, "\"optimized_out\"", 15) != NULL;
            (*total)++;
            good += has_value && !opt_out;
            q = close;
        }
    }
    return good;
}

/* The trace must hold what the timed capture-on runs are assumed to record:
 * every call of w->fn with its w->nargs arguments, each with a value, and a
 * return value. Runs a small capture-on JSON run and looks at its text. */
static bool args_json_sanity(const struct args_workload *w, char *sample, size_t sample_cap)
{
    static char json[1 << 20];
    char path[PATH_MAX], key[64];
    const char *iters = "16";
    struct run r;
    clean_tmp();
    tmp_path(path, sizeof(path), "sanity.json");
    run_args_variant(w, A_CT_ON, iters, path, &r);
    size_t len = read_file(path, json, sizeof(json));
    clean_tmp();
    snprintf(sample, sample_cap, "no trace");
    if (!r.ok || !len)
        return false;
    snprintf(key, sizeof(key), "\"function\":\"%s\"", w->fn);
    int nodes = 0, full = 0;
    for (const char *p = strstr(json, key); p; p = strstr(p + 1, key)) {
        nodes++;
        const char *next = strstr(p + 1, "\"function\":\"");
        const char *a = strstr(p, "\"arguments\":[");
        if (!a || (next && a > next))
            continue;
        const char *arr = a + strlen("\"arguments\":");
        const char *end = json_match(arr);
        if (!end)
            continue;
        int total, good = json_args_with_values(arr, end, &total);
        const char *rv = strstr(end, "\"return_value\":{");
        bool has_rv = rv && (!next || rv < next);
        if (total == w->nargs && good == w->nargs && has_rv) {
            if (full++ == 0)
                snprintf(sample, sample_cap, "%.*s", (int)(end - arr + 1), arr);
        }
    }
    unsigned long expect = strtoul(iters, NULL, 10);
    bool ok = nodes == (int)expect && full == nodes;
    if (!ok) {
        char why[160];
        snprintf(why, sizeof(why), "%d of %d %s calls (expected %lu) carry %d arguments with values "
                 "and a return value", full, nodes, w->fn, expect, w->nargs);
        snprintf(sample, sample_cap, "%s", why);
    }
    return ok;
}

static void bench_args_workload(const struct args_workload *w, bool have_uftrace)
{
    const int R = opt_rounds, q = opt_quick ? 1 : 0;
    const char *iters = w->iters[q];
    static struct run runs[NAV][MAX_ROUNDS];
    bool use[NAV];
    for (int v = 0; v < NAV; v++)
        use[v] = (v != A_UF && v != A_UF_ARGS) || have_uftrace;

    printf("\n== (%c) %s: %s\n", w->letter, w->name, w->what);
    printf("   timed runs: bench_%s_<variant> %s; %d interleaved rounds; calltrace %s\n", w->name,
           iters, R,
           raw_ok ? "with CALLTRACE_FORMAT=raw (event file kept)" : "runs skip the trace writing");
    printf("   capture on = CALLTRACE_CAPTURE_ARGS=1 (arguments and return values); args only = "
           "also CALLTRACE_CAPTURE_RETVAL=0\n");
    if (have_uftrace)
        printf("   uftrace records the -pg binary (it reads no arguments from -finstrument-functions "
               "ones);\n   -A -R: --argument=%s --retval=%s\n",
               w->uf_args, w->uf_ret);
    fflush(stdout);

    /* the JSON check first: a benchmark of capture must not measure capture off */
    char sample[512];
    bool sane = args_json_sanity(w, sample, sizeof(sample));

    for (int v = 0; v < NAV; v++) {
        if (!use[v] || v == A_UF || v == A_UF_ARGS)
            continue;
        struct run tmp;
        run_args_variant(w, (enum avariant)v, w->iters[1], NULL, &tmp);
    }
    for (int r = 0; r < R; r++) {
        for (int k = 0; k < NAV; k++) {
            int v = (k + r) % NAV;
            if (use[v])
                run_args_variant(w, (enum avariant)v, iters, NULL, &runs[v][r]);
        }
        if (!opt_verbose && isatty(STDOUT_FILENO)) {
            printf("   round %d/%d done\r", r + 1, R);
            fflush(stdout);
        }
    }
    if (!opt_verbose && isatty(STDOUT_FILENO))
        printf("%30s\r", "");

    double nspc[NAV][MAX_ROUNDS], rss[NAV][MAX_ROUNDS], bpc[NAV][MAX_ROUNDS];
    unsigned long long calls = 0;
    for (int v = 0; v < NAV; v++)
        for (int r = 0; r < R; r++) {
            const struct run *x = &runs[v][r];
            bool good = use[v] && x->ok && x->calls > 0;
            nspc[v][r] = good ? x->ns / (double)x->calls : NAN;
            rss[v][r] = good ? x->rss_mb : NAN;
            bpc[v][r] = good && x->file_bytes > 0 ? x->file_bytes / (double)x->calls : NAN;
            if (good && v == A_PLAIN)
                calls = x->calls;
        }
    char c1[32];
    printf("   calls per timed run: %s\n", commas(calls, c1, sizeof(c1)));
    printf("   %-16s %12s %10s %14s %16s\n", "variant", "ns/call med", "min", "peak RSS MB",
           "bytes/call disk");
    for (int v = 0; v < NAV; v++) {
        if (!use[v]) {
            printf("   %-16s %12s %10s %14s %16s   (uftrace not found)\n", aname[v], "n/a", "n/a",
                   "n/a", "n/a");
            continue;
        }
        struct stats s = stats_of(nspc[v], R), m = stats_of(rss[v], R), b = stats_of(bpc[v], R);
        char bt[32] = "-";
        if (b.n)
            snprintf(bt, sizeof(bt), "%.1f", b.med);
        printf("   %-16s %12.2f %10.2f %14.1f %16s\n", aname[v], s.med, s.min, m.med, bt);
    }

    /* the cost of capture, round by round */
    printf("   cost of capture (per round, then median):\n");
    static const struct {
        enum avariant on, off;
        const char *label;
    } diffs[] = {
        {A_CT_ON, A_CT_OFF, "calltrace on-off"},
        {A_CT_ARGS, A_CT_OFF, "ct args only-off"},
        {A_UF_ARGS, A_UF, "uftrace -A-R - no"},
    };
    double d_on = NAN;
    for (size_t i = 0; i < sizeof(diffs) / sizeof(diffs[0]); i++) {
        if (!use[diffs[i].on])
            continue;
        double d[MAX_ROUNDS], ratio[MAX_ROUNDS];
        for (int r = 0; r < R; r++) {
            d[r] = nspc[diffs[i].on][r] - nspc[diffs[i].off][r];
            ratio[r] = nspc[diffs[i].on][r] / nspc[diffs[i].off][r];
        }
        struct stats s = stats_of(d, R), x = stats_of(ratio, R);
        if (!s.n) {
            printf("   %-18s n/a\n", diffs[i].label);
            continue;
        }
        if (i == 0)
            d_on = s.med;
        printf("   %-18s %+8.2f ns/call (min %+.2f, max %+.2f); %.2fx the time\n", diffs[i].label,
               s.med, s.min, s.max, x.med);
    }
    if (use[A_UF_ARGS]) {
        double rr[MAX_ROUNDS];
        for (int r = 0; r < R; r++)
            rr[r] = nspc[A_CT_ON][r] / nspc[A_UF_ARGS][r];
        struct stats s = stats_of(rr, R);
        if (s.n)
            printf("   %-18s %8.2fx  (ct capture on / uftrace -A -R, for reference)\n",
                   "calltrace/uftrace", s.med);
    }

    struct stats on = stats_of(nspc[A_CT_ON], R), off = stats_of(nspc[A_CT_OFF], R);
    if (w->goal) {
        const char *v = verdict(on.med, T_ARGS3_NS, true);
        printf("   %-18s %8.2f ns/call = %.2fx the goal  target <= %.0f ns/call: %s\n",
               "capture on", on.med, on.med / T_ARGS3_NS, T_ARGS3_NS, v);
        add_summary("(%c) %-18s %6.2f ns/call (off %.1f, %+.1f)  target <= 150 ns  %s", w->letter,
                    "capture on", on.med, off.med, d_on, v);
    } else {
        printf("   %-18s %8.2f ns/call  (no target; for comparison with (e))\n", "capture on",
               on.med);
        add_summary("(%c) %-18s %6.2f ns/call (off %.1f, %+.1f)  no target", w->letter,
                    "capture on", on.med, off.med, d_on);
    }
    if (sane) {
        printf("   %-18s every %s call of a %s-call JSON run carries %d argument values and a "
               "return value: ok\n   %-18s first: %.300s\n",
               "JSON check", w->fn, "16", w->nargs, "", sample);
        add_summary("(%c) %-18s %d values on every %s call   ok", w->letter, "JSON arguments",
                    w->nargs, w->fn);
    } else {
        failures++;
        printf("   %-18s FAILED: %s\n   %-18s (the capture-on numbers above may not measure "
               "capture)\n",
               "JSON check", sample, "");
        add_summary("(%c) %-18s FAILED: %.120s", w->letter, "JSON arguments", sample);
    }
}

int main(int argc, char **argv)
{
    parse_args(argc, argv);

    /* A clean environment for the runs: no CALLTRACE_* from the caller. */
    for (int again = 1; again;) {
        again = 0;
        for (char **e = environ; e && *e; e++)
            if (!strncmp(*e, "CALLTRACE_", 10)) {
                char name[128];
                snprintf(name, sizeof(name), "%.*s", (int)strcspn(*e, "="), *e);
                unsetenv(name);
                again = 1;
                break;
            }
    }

    for (size_t i = 0; i < NW; i++)
        for (int v = 0; v < NV; v++) {
            char bin[PATH_MAX];
            bin_path(bin, sizeof(bin), &workloads[i], (enum variant)v);
            if (strchr(opt_workloads, workloads[i].letter) && access(bin, X_OK) != 0)
                die("%s: %s (build the bench targets first; --bindir is their directory)", bin,
                    strerror(errno));
        }
    for (size_t i = 0; i < NAW; i++)
        for (int v = 0; v < NAV; v++) {
            char bin[PATH_MAX];
            abin_path(bin, sizeof(bin), &args_workloads[i], (enum avariant)v);
            if (strchr(opt_workloads, args_workloads[i].letter) && access(bin, X_OK) != 0)
                die("%s: %s (build the bench targets first; --bindir is their directory)", bin,
                    strerror(errno));
        }

    char base[PATH_MAX];
    const char *t = tmpdir[0] ? tmpdir : getenv("TMPDIR");
    if ((size_t)snprintf(base, sizeof(base), "%s/calltrace-bench.XXXXXX", t && *t ? t : "/tmp") >=
        sizeof(base))
        die("--tmpdir path too long");
    if (!mkdtemp(base))
        die("mkdtemp %s: %s", base, strerror(errno));
    snprintf(tmpdir, sizeof(tmpdir), "%s", base);

    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    bool have_uftrace = find_uftrace();
    raw_ok = probe_raw();

    time_t now = time(NULL);
    char when[64];
    strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", localtime(&now));
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    printf("calltrace benchmarks  %s  %s mode, %d rounds, %ld online core%s\n", when,
           opt_quick ? "quick" : "full", opt_rounds, cores, cores == 1 ? "" : "s");
    printf("binaries: %s\nscratch:  %s\n", opt_bindir, tmpdir);
    printf("uftrace:  %s\n", have_uftrace ? uftrace_path : "not found (its column is n/a)");
    printf("raw mode: %s\n",
           raw_ok ? "CALLTRACE_FORMAT=raw keeps the event file: bytes/event measured"
                  : "CALLTRACE_FORMAT=raw not supported by this runtime: bytes/event n/a; "
                    "timed calltrace runs skip the trace writing (_exit)");
    double rdtsc_ns, mono_ns;
    clock_costs(&rdtsc_ns, &mono_ns);
    printf("clock:    rdtsc %.1f ns, clock_gettime(CLOCK_MONOTONIC) %.1f ns on this machine "
           "(a recorded call reads the clock twice)\n",
           rdtsc_ns, mono_ns);
    printf("ns/call = the workload's own CLOCK_MONOTONIC section / its calls; ratios are taken "
           "per round, then the median\n");

    for (size_t i = 0; i < NW; i++)
        if (strchr(opt_workloads, workloads[i].letter))
            bench_workload(&workloads[i], have_uftrace);
    if (strchr(opt_workloads, 'a'))
        bench_rss_scaling();
    for (size_t i = 0; i < NAW; i++)
        if (strchr(opt_workloads, args_workloads[i].letter))
            bench_args_workload(&args_workloads[i], have_uftrace);

    printf("\n== summary (medians; targets of the issue)\n");
    for (int i = 0; i < nsummary; i++)
        printf("   %s\n", summary[i].text);
    if (failures)
        printf("   %d run(s) FAILED (details on stderr)\n", failures);

    if (!opt_keep) {
        clean_tmp();
        rmdir(tmpdir);
    }
    if (failures)
        return 1;
    return opt_check && misses ? 1 : 0;
}
