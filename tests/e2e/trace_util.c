/* trace_util.c — see trace_util.h. */
#define _GNU_SOURCE
#include "trace_util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void slurp_fd(int fd, char *buf, size_t cap)
{
    size_t n = 0;
    lseek(fd, 0, SEEK_SET);
    for (;;) {
        ssize_t r = read(fd, buf + n, cap - 1 - n);
        if (r <= 0)
            break;
        n += (size_t)r;
        if (n == cap - 1)
            break;
    }
    buf[n] = '\0';
}

int tu_run(struct tu_run *r, char *const argv[], const char *const env[])
{
    memset(r, 0, sizeof(*r));
    FILE *out = tmpfile(), *err = tmpfile();
    if (!out || !err)
        return -1;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        for (size_t i = 0; env && env[i]; i++) {
            const char *eq = strchr(env[i], '=');
            if (!eq) {
                unsetenv(env[i]);
                continue;
            }
            char name[256];
            snprintf(name, sizeof(name), "%.*s", (int)(eq - env[i]), env[i]);
            setenv(name, eq + 1, 1);
        }
        dup2(fileno(out), 1);
        dup2(fileno(err), 2);
        execv(argv[0], argv);
        _exit(127);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    slurp_fd(fileno(out), r->out, sizeof(r->out));
    slurp_fd(fileno(err), r->err, sizeof(r->err));
    fclose(out);
    fclose(err);
    return 0;
}

cJSON *tu_load(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s: %s\n", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    fstat(fileno(f), &st);
    char *buf = malloc((size_t)st.st_size + 1);
    size_t n = fread(buf, 1, (size_t)st.st_size, f);
    fclose(f);
    buf[n] = '\0';
    const char *end = NULL;
    cJSON *j = cJSON_ParseWithLengthOpts(buf, n + 1, &end, 1); /* the NUL must be inside */
    if (!j)
        fprintf(stderr, "%s is not valid JSON near byte %ld\n", path,
                end ? (long)(end - buf) : -1L);
    free(buf);
    return j;
}

const char *tu_str(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

double tu_num(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

int tu_true(const cJSON *o, const char *k)
{
    return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, k));
}

/* A captured argument (with "name") or return value (without): "type" and
 * either "value" or "optimized_out": true; "unreadable" and "truncated" only
 * beside a value and only true; nothing else. */
static const char *validate_captured(const cJSON *o, int is_arg)
{
    if (!cJSON_IsObject(o))
        return is_arg ? "an argument is not an object" : "a return_value is not an object";
    if (is_arg && !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(o, "name")))
        return "an argument has no string name";
    if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(o, "type")))
        return "a captured value has no string type";
    const cJSON *val = cJSON_GetObjectItemCaseSensitive(o, "value");
    const cJSON *out = cJSON_GetObjectItemCaseSensitive(o, "optimized_out");
    if (out && !cJSON_IsTrue(out))
        return "a captured value's optimized_out is not true";
    if (!val == !out)
        return "a captured value needs exactly one of value and optimized_out";
    static const char *const flags[] = {"unreadable", "truncated"};
    for (size_t i = 0; i < 2; i++) {
        const cJSON *f = cJSON_GetObjectItemCaseSensitive(o, flags[i]);
        if (f && (!cJSON_IsTrue(f) || !val))
            return "a captured value's unreadable/truncated is not true beside a value";
    }
    const cJSON *k;
    cJSON_ArrayForEach(k, o) {
        static const char *const known[] = {"name", "type", "value", "optimized_out",
                                            "unreadable", "truncated"};
        size_t i = is_arg ? 0 : 1;
        while (i < sizeof(known) / sizeof(*known) && strcmp(k->string, known[i]) != 0)
            i++;
        if (i == sizeof(known) / sizeof(*known))
            return "a captured value has an unknown key";
    }
    return NULL;
}

static const char *validate_node(const cJSON *n, size_t *count)
{
    static char msg[512];
    if (!cJSON_IsObject(n))
        return "a node is not an object";
    const char *fn = tu_str(n, "function");
    if (!fn || !*fn)
        return "a node has no function name";
    const char *addr = tu_str(n, "address");
    if (!addr || strncmp(addr, "0x", 2) != 0)
        return "a node has no 0x address";
    if (!tu_str(n, "file"))
        return "a node's file is not a string";
    if (!cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(n, "line")))
        return "a node's line is not a number";
    double s = tu_num(n, "start_ns"), e = tu_num(n, "end_ns"), d = tu_num(n, "duration_ns");
    if (s < 0 || e < s || d != e - s) {
        snprintf(msg, sizeof(msg), "%s: start %.0f end %.0f duration %.0f inconsistent", fn, s, e, d);
        return msg;
    }
    const cJSON *args = cJSON_GetObjectItemCaseSensitive(n, "arguments");
    if (args) {
        if (!cJSON_IsArray(args))
            return "a node's arguments is not an array";
        const cJSON *a;
        cJSON_ArrayForEach(a, args) {
            const char *why = validate_captured(a, 1);
            if (why) {
                snprintf(msg, sizeof(msg), "%s: %s", fn, why);
                return msg;
            }
        }
    }
    const cJSON *ret = cJSON_GetObjectItemCaseSensitive(n, "return_value");
    if (ret) {
        const char *why = validate_captured(ret, 0);
        if (!why && (tu_true(n, "unwound") || tu_true(n, "unfinished")))
            why = "a call that did not return has a return_value";
        if (why) {
            snprintf(msg, sizeof(msg), "%s: %s", fn, why);
            return msg;
        }
    }
    const cJSON *kids = cJSON_GetObjectItemCaseSensitive(n, "children");
    if (!cJSON_IsArray(kids))
        return "a node has no children array";
    double sum = 0, prev_end = s;
    const cJSON *k;
    cJSON_ArrayForEach(k, kids) {
        const char *why = validate_node(k, count);
        if (why)
            return why;
        double ks = tu_num(k, "start_ns"), ke = tu_num(k, "end_ns");
        if (ks < prev_end || ke > e) {
            snprintf(msg, sizeof(msg), "%s: child %s [%.0f,%.0f] outside parent [%.0f,%.0f] or "
                     "overlapping its sibling", fn, tu_str(k, "function"), ks, ke, s, e);
            return msg;
        }
        prev_end = ke;
        sum += tu_num(k, "duration_ns");
    }
    if (sum > d) {
        snprintf(msg, sizeof(msg), "%s: children last %.0f ns, longer than the parent's %.0f", fn,
                 sum, d);
        return msg;
    }
    (*count)++;
    return NULL;
}

const char *tu_validate(const cJSON *t)
{
    static char msg[256];
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(t, "metadata");
    if (!cJSON_IsObject(m))
        return "no metadata object";
    static const char *const strs[] = {"version", "timestamp", "executable"};
    for (size_t i = 0; i < sizeof(strs) / sizeof(*strs); i++)
        if (!tu_str(m, strs[i]))
            return "metadata lacks a string field (version/timestamp/executable)";
    const char *ts = tu_str(m, "timestamp");
    int y, mo, d, h, mi, s;
    if (sscanf(ts, "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &s) != 6 ||
        ts[strlen(ts) - 1] != 'Z')
        return "metadata.timestamp is not ISO 8601 UTC";
    if (tu_num(m, "pid") <= 0 || tu_num(m, "total_calls") < 0 || tu_num(m, "threads") < 0)
        return "metadata lacks pid/total_calls/threads";
    if (!cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(m, "dropped")))
        return "metadata lacks dropped counts";
    const cJSON *trees = cJSON_GetObjectItemCaseSensitive(t, "call_trees");
    if (!cJSON_IsObject(trees))
        return "no call_trees object";
    size_t nodes = 0, threads = 0;
    const cJSON *th;
    cJSON_ArrayForEach(th, trees) {
        threads++;
        if (tu_num(th, "thread_id") <= 0 || !tu_str(th, "name"))
            return "a thread lacks thread_id or name";
        const cJSON *roots = cJSON_GetObjectItemCaseSensitive(th, "root_calls");
        if (!cJSON_IsArray(roots))
            return "a thread lacks root_calls";
        size_t before = nodes;
        const cJSON *n;
        cJSON_ArrayForEach(n, roots) {
            const char *why = validate_node(n, &nodes);
            if (why)
                return why;
        }
        if (tu_num(th, "calls") != (double)(nodes - before))
            return "a thread's calls differs from its node count";
    }
    if (tu_num(m, "total_calls") != (double)nodes) {
        snprintf(msg, sizeof(msg), "total_calls %.0f but %zu nodes", tu_num(m, "total_calls"), nodes);
        return msg;
    }
    if (tu_num(m, "threads") != (double)threads)
        return "metadata.threads differs from the call_trees entries";
    return NULL;
}

cJSON *tu_thread_named(const cJSON *t, const char *name)
{
    cJSON *th;
    cJSON_ArrayForEach(th, cJSON_GetObjectItemCaseSensitive(t, "call_trees")) {
        const char *n = tu_str(th, "name");
        if (n && strcmp(n, name) == 0)
            return th;
    }
    return NULL;
}

cJSON *tu_main_thread(const cJSON *t)
{
    double pid = tu_num(cJSON_GetObjectItemCaseSensitive(t, "metadata"), "pid");
    cJSON *th;
    cJSON_ArrayForEach(th, cJSON_GetObjectItemCaseSensitive(t, "call_trees"))
        if (tu_num(th, "thread_id") == pid)
            return th;
    return NULL;
}

size_t tu_count(const cJSON *nodes, const char *fn)
{
    size_t c = 0;
    const cJSON *n;
    cJSON_ArrayForEach(n, nodes) {
        const char *f = tu_str(n, "function");
        if (!fn || (f && strcmp(f, fn) == 0))
            c++;
        c += tu_count(cJSON_GetObjectItemCaseSensitive(n, "children"), fn);
    }
    return c;
}

size_t tu_count_all(const cJSON *nodes)
{
    return tu_count(nodes, NULL);
}

cJSON *tu_find(const cJSON *nodes, const char *fn)
{
    cJSON *n;
    cJSON_ArrayForEach(n, nodes) {
        const char *f = tu_str(n, "function");
        if (f && strcmp(f, fn) == 0)
            return n;
        cJSON *hit = tu_find(cJSON_GetObjectItemCaseSensitive(n, "children"), fn);
        if (hit)
            return hit;
    }
    return NULL;
}

long tu_printed(const struct tu_run *r, const char *key)
{
    size_t k = strlen(key);
    for (const char *p = r->out; (p = strstr(p, key)) != NULL; p++)
        if ((p == r->out || p[-1] == '\n' || p[-1] == ' ') && p[k] == '=')
            return strtol(p + k + 1, NULL, 10);
    return -1;
}
