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
        /* the developer's shell never leaks in: every CALLTRACE_* is cleared,
         * then the test's own settings are applied */
        for (size_t k = 0; environ && environ[k];) {
            if (strncmp(environ[k], "CALLTRACE_", 10) == 0) {
                char name[256];
                const char *eq = strchr(environ[k], '=');
                size_t len = eq ? (size_t)(eq - environ[k]) : strlen(environ[k]);
                snprintf(name, sizeof(name), "%.*s", (int)len, environ[k]);
                if (len < sizeof(name) && unsetenv(name) == 0)
                    continue; /* the entries moved down */
            }
            k++;
        }
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

void tu_shape(const cJSON *nodes, char *out, size_t cap)
{
    const cJSON *n;
    size_t len = strlen(out);
    int first = 1;
    cJSON_ArrayForEach(n, nodes) {
        if (len < cap)
            len += (size_t)snprintf(out + len, cap - len, "%s%s", first ? "" : " ",
                                    tu_str(n, "function"));
        first = 0;
        const cJSON *kids = cJSON_GetObjectItemCaseSensitive(n, "children");
        if (cJSON_GetArraySize(kids) > 0 && len < cap) {
            len += (size_t)snprintf(out + len, cap - len, "{");
            tu_shape(kids, out, cap);
            len = strlen(out);
            if (len < cap)
                len += (size_t)snprintf(out + len, cap - len, "}");
        }
    }
}
