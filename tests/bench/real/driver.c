/* driver.c — the real-program benchmark's runner (run.sh builds and starts it).
 *
 * For each program, given as NAME=PREFIX ARGS... (PREFIX_plain, _floor,
 * _calltrace and _nohooks are its four builds), it runs, interleaved for R
 * rounds with the order rotating every round:
 *
 *   plain       PREFIX_plain
 *   floor       PREFIX_floor: hooks that read the TSC and store 16 bytes
 *   calltrace   PREFIX_calltrace recording, CALLTRACE_FORMAT=raw (the event
 *               file is kept: its size gives bytes per event)
 *   ct json     PREFIX_calltrace at default settings: the pretty JSON at exit
 *   ct compact  the same with CALLTRACE_PRETTY_JSON=0
 *   uftrace     uftrace record --no-libcall of PREFIX_nohooks (its .dat
 *               files give its bytes per event)
 *
 * Every run's CPU is the user + system time of its whole process tree from
 * wait4() (uftrace's recorder and our writer thread both count), with its
 * wall time and peak RSS. The report gives medians, ratios taken round by
 * round (median, min, max), bytes per event on disk, and for the JSON runs
 * bytes per call and two output rates: calls per CPU second of the write
 * itself (the runtime's debug line) and calls per extra CPU second of the
 * whole exit against the raw run.
 *
 *   driver [--rounds R] [--tmp DIR] [--no-uftrace] NAME=PREFIX ARGS... [-- NAME=...]
 * Each program is one argument: "NAME=PREFIX ARG ARG" (split on spaces). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_ROUNDS 21
#define MAX_PROGS 8
#define MAX_ARGS 16

enum variant { V_PLAIN, V_FLOOR, V_CT, V_JSON, V_COMPACT, V_UFTRACE, NV };
static const char *const vname[NV] = {"plain", "floor", "calltrace", "ct json", "ct compact",
                                      "uftrace"};
static const char *const vsuffix[NV] = {"plain", "floor", "calltrace", "calltrace", "calltrace",
                                        "nohooks"};

struct result {
    bool ok;
    double cpu, wall, rss_mb, bytes;
    double calls, write_cpu_ms; /* from `calltrace: wrote ...` (JSON runs) */
};

struct prog {
    const char *name;
    char *argv[MAX_ARGS]; /* argv[0]: the prefix */
    int argc;
    struct result r[NV][MAX_ROUNDS];
};

static struct prog progs[MAX_PROGS];
static int nprogs, rounds = 3;
static bool use_uftrace = true;
static char tmp[4096] = "/var/tmp";

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    if (ftw->level > 0)
        remove(path);
    return 0;
}

static double dat_bytes;
static int sum_dat(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    const char *base = path + ftw->base;
    size_t n = strlen(base);
    if (flag == FTW_F && n > 4 && !strcmp(base + n - 4, ".dat"))
        dat_bytes += (double)st->st_size;
    return 0;
}

static double file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (double)st.st_size : NAN;
}

/* Parses `calltrace: wrote PATH: N calls, T threads, B bytes in MS ms (C ms CPU)`. */
static void parse_wrote(const char *errpath, struct result *res)
{
    FILE *f = fopen(errpath, "r");
    char line[8192];
    while (f && fgets(line, sizeof(line), f)) {
        if (strncmp(line, "calltrace: wrote ", 17) != 0)
            continue;
        char *c = strstr(line, " calls, ");
        if (!c)
            continue;
        char *p = c;
        while (p > line && p[-1] >= '0' && p[-1] <= '9')
            p--;
        res->calls = strtod(p, NULL);
        char *cpu = strstr(line, " ms (");
        if (cpu)
            res->write_cpu_ms = strtod(cpu + 5, NULL);
    }
    if (f)
        fclose(f);
}

static void run_one(struct prog *p, enum variant v, struct result *res)
{
    char bin[4096], out[4200], udir[4200], errpath[4200], outvar[4300];
    snprintf(bin, sizeof(bin), "%s_%s", p->argv[0], vsuffix[v]);
    snprintf(udir, sizeof(udir), "%s/uftrace.data", tmp);
    snprintf(errpath, sizeof(errpath), "%s/stderr.txt", tmp);
    snprintf(out, sizeof(out), "%s/trace.%s", tmp, v == V_CT ? "ctraw" : "json");
    snprintf(outvar, sizeof(outvar), "CALLTRACE_OUTPUT=%s", out);
    char *argv[MAX_ARGS + 8];
    int n = 0;
    if (v == V_UFTRACE) {
        argv[n++] = (char *)"uftrace";
        argv[n++] = (char *)"record";
        argv[n++] = (char *)"--no-pager";
        argv[n++] = (char *)"--no-libcall";
        argv[n++] = (char *)"-d";
        argv[n++] = udir;
    }
    argv[n++] = bin;
    for (int i = 1; i < p->argc; i++)
        argv[n++] = p->argv[i];
    argv[n] = NULL;
    memset(res, 0, sizeof(*res));
    res->bytes = res->calls = res->write_cpu_ms = NAN;
    fflush(NULL);
    double t0 = now_s();
    pid_t pid = fork();
    if (pid == 0) {
        putenv(outvar);
        if (v == V_CT)
            putenv((char *)"CALLTRACE_FORMAT=raw");
        if (v == V_JSON || v == V_COMPACT)
            putenv((char *)"CALLTRACE_DEBUG=1");
        if (v == V_COMPACT)
            putenv((char *)"CALLTRACE_PRETTY_JSON=0");
        int null = open("/dev/null", O_WRONLY), err = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(null, 1);
        dup2(err, 2);
        execvp(argv[0], argv);
        _exit(127);
    }
    int st;
    struct rusage ru;
    while (wait4(pid, &st, 0, &ru) < 0 && errno == EINTR)
        ;
    res->wall = now_s() - t0;
    res->cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
               (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
    res->rss_mb = (double)ru.ru_maxrss / 1024.0;
    res->ok = WIFEXITED(st) && WEXITSTATUS(st) == 0;
    if (!res->ok)
        fprintf(stderr, "driver: %s %s failed (status %d); see %s\n", p->name, vname[v], st,
                errpath);
    if (v == V_UFTRACE) {
        dat_bytes = 0;
        nftw(udir, sum_dat, 16, FTW_PHYS);
        res->bytes = dat_bytes;
    } else if (v != V_PLAIN && v != V_FLOOR) {
        res->bytes = file_size(out);
    }
    if (v == V_JSON || v == V_COMPACT)
        parse_wrote(errpath, res);
    nftw(tmp, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

struct stats {
    double med, min, max;
};

static struct stats stats_of(const double *v, int n)
{
    double t[MAX_ROUNDS];
    int k = 0;
    for (int i = 0; i < n; i++)
        if (!isnan(v[i]))
            t[k++] = v[i];
    if (!k)
        return (struct stats){NAN, NAN, NAN};
    qsort(t, (size_t)k, sizeof(double), cmp_d);
    double med = k % 2 ? t[k / 2] : (t[k / 2 - 1] + t[k / 2]) / 2;
    return (struct stats){med, t[0], t[k - 1]};
}

/* A per-round quantity of a program, f(round), summarised. */
typedef double (*per_round)(const struct prog *p, int r);
static struct stats over_rounds(const struct prog *p, per_round f)
{
    double v[MAX_ROUNDS];
    for (int r = 0; r < rounds; r++)
        v[r] = f(p, r);
    return stats_of(v, rounds);
}

static double ok_cpu(const struct prog *p, enum variant v, int r)
{
    return p->r[v][r].ok ? p->r[v][r].cpu : NAN;
}
static double calls_of(const struct prog *p, int r)
{
    return p->r[V_JSON][r].calls;
}
static double f_ct_floor(const struct prog *p, int r) { return ok_cpu(p, V_CT, r) / ok_cpu(p, V_FLOOR, r); }
static double f_uf_ct(const struct prog *p, int r) { return ok_cpu(p, V_UFTRACE, r) / ok_cpu(p, V_CT, r); }
static double f_ct_plain(const struct prog *p, int r) { return ok_cpu(p, V_CT, r) / ok_cpu(p, V_PLAIN, r); }
static double f_floor_plain(const struct prog *p, int r) { return ok_cpu(p, V_FLOOR, r) / ok_cpu(p, V_PLAIN, r); }
static double f_uf_floor(const struct prog *p, int r) { return ok_cpu(p, V_UFTRACE, r) / ok_cpu(p, V_FLOOR, r); }
static double f_ct_bpe(const struct prog *p, int r) { return p->r[V_CT][r].bytes / (2 * calls_of(p, r)); }
static double f_uf_bpe(const struct prog *p, int r) { return p->r[V_UFTRACE][r].bytes / (2 * calls_of(p, r)); }
static double f_json_bpc(const struct prog *p, int r) { return p->r[V_JSON][r].bytes / calls_of(p, r); }
static double f_comp_bpc(const struct prog *p, int r) { return p->r[V_COMPACT][r].bytes / calls_of(p, r); }
static double f_json_wrate(const struct prog *p, int r) { return calls_of(p, r) / p->r[V_JSON][r].write_cpu_ms / 1e3; }
static double f_comp_wrate(const struct prog *p, int r) { return calls_of(p, r) / p->r[V_COMPACT][r].write_cpu_ms / 1e3; }
static double f_json_xrate(const struct prog *p, int r) { return calls_of(p, r) / (ok_cpu(p, V_JSON, r) - ok_cpu(p, V_CT, r)) / 1e6; }
static double f_comp_xrate(const struct prog *p, int r) { return calls_of(p, r) / (ok_cpu(p, V_COMPACT, r) - ok_cpu(p, V_CT, r)) / 1e6; }

static void line(const char *what, struct stats s, const char *unit, const char *goal)
{
    printf("  %-34s %8.2f%s  (min %.2f, max %.2f)%s\n", what, s.med, unit, s.min, s.max, goal);
}

static void report(const struct prog *p)
{
    printf("\n== %s:", p->name);
    for (int i = 0; i < p->argc; i++)
        printf(" %s", p->argv[i]);
    struct stats calls = over_rounds(p, calls_of);
    printf("\n   %.2f M calls (%.2f M events) per run\n", calls.med / 1e6, 2 * calls.med / 1e6);
    printf("  %-12s %10s %10s %10s %12s\n", "variant", "CPU s", "wall s", "RSS MB", "file MB");
    for (int v = 0; v < NV; v++) {
        if (v == V_UFTRACE && !use_uftrace)
            continue;
        double c[MAX_ROUNDS], w[MAX_ROUNDS], m[MAX_ROUNDS], b[MAX_ROUNDS];
        for (int r = 0; r < rounds; r++) {
            c[r] = ok_cpu(p, (enum variant)v, r);
            w[r] = p->r[v][r].wall;
            m[r] = p->r[v][r].rss_mb;
            b[r] = p->r[v][r].bytes / 1e6;
        }
        printf("  %-12s %10.3f %10.3f %10.1f %12.1f\n", vname[v], stats_of(c, rounds).med,
               stats_of(w, rounds).med, stats_of(m, rounds).med, stats_of(b, rounds).med);
    }
    line("calltrace / floor CPU", over_rounds(p, f_ct_floor), "x", "   goal <= 1.5");
    if (use_uftrace) {
        line("uftrace / calltrace CPU", over_rounds(p, f_uf_ct), "x", "   goal >= 4");
        line("uftrace / floor CPU", over_rounds(p, f_uf_floor), "x", "");
    }
    line("floor / plain CPU", over_rounds(p, f_floor_plain), "x", "");
    line("calltrace / plain CPU", over_rounds(p, f_ct_plain), "x", "");
    line("calltrace bytes/event on disk", over_rounds(p, f_ct_bpe), "", "   goal <= 4");
    if (use_uftrace)
        line("uftrace bytes/event on disk", over_rounds(p, f_uf_bpe), "", "");
    line("pretty JSON bytes/call", over_rounds(p, f_json_bpc), "", "   goal <= 250");
    line("compact JSON bytes/call", over_rounds(p, f_comp_bpc), "", "");
    line("pretty JSON write, M calls/CPU s", over_rounds(p, f_json_wrate), "", "   goal >= 3");
    line("compact JSON write, M calls/CPU s", over_rounds(p, f_comp_wrate), "", "");
    line("pretty: whole exit, M calls/CPU s", over_rounds(p, f_json_xrate), "", "");
    line("compact: whole exit, M calls/CPU s", over_rounds(p, f_comp_xrate), "", "");
}

static void add_prog(char *spec)
{
    if (nprogs == MAX_PROGS) {
        fprintf(stderr, "driver: too many programs\n");
        exit(2);
    }
    struct prog *p = &progs[nprogs++];
    char *eq = strchr(spec, '=');
    if (!eq) {
        fprintf(stderr, "driver: want NAME=PREFIX ARGS..., got %s\n", spec);
        exit(2);
    }
    *eq = '\0';
    p->name = spec;
    for (char *save = NULL, *t = strtok_r(eq + 1, " ", &save); t && p->argc < MAX_ARGS - 1;
         t = strtok_r(NULL, " ", &save))
        p->argv[p->argc++] = t;
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--rounds") && i + 1 < argc) {
            rounds = atoi(argv[++i]);
            if (rounds < 1 || rounds > MAX_ROUNDS)
                return 2;
        } else if (!strcmp(argv[i], "--tmp") && i + 1 < argc) {
            snprintf(tmp, sizeof(tmp), "%s", argv[++i]);
        } else if (!strcmp(argv[i], "--no-uftrace")) {
            use_uftrace = false;
        } else {
            add_prog(argv[i]);
        }
    }
    double load[3];
    getloadavg(load, 3);
    printf("real-program benchmark: %d rounds, %ld CPUs online, load average %.2f at start\n",
           rounds, sysconf(_SC_NPROCESSORS_ONLN), load[0]);
    printf("CPU = user + system of the whole process tree (wait4); medians over the rounds\n");
    for (int r = 0; r < rounds; r++) {
        for (int i = 0; i < nprogs; i++) {
            for (int k = 0; k < NV; k++) {
                enum variant v = (enum variant)((k + r + i) % NV);
                if (v == V_UFTRACE && !use_uftrace)
                    continue;
                run_one(&progs[i], v, &progs[i].r[v][r]);
                fprintf(stderr, "round %d %s %-10s cpu %.2fs wall %.2fs\n", r + 1, progs[i].name,
                        vname[v], progs[i].r[v][r].cpu, progs[i].r[v][r].wall);
            }
        }
    }
    for (int i = 0; i < nprogs; i++)
        report(&progs[i]);
    getloadavg(load, 3);
    printf("\nload average %.2f at the end\n", load[0]);
    return 0;
}
