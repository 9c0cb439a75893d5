/* cmd_export.c — `calltrace export --otlp FILE | --endpoint [URL] TRACE`:
 * the calls of a trace as OpenTelemetry spans, written as OTLP/JSON (the
 * collector's file format: one request a line) or sent over OTLP/HTTP.
 *
 * Only calls that matter: at least --min-duration long (default 100us), and
 * at most --max-spans of them (default 1000), the longest first. Two passes:
 * the first finds the shortest call the cap keeps, the second writes spans
 * as calls close. A call's ancestors are at least as long, and rank before it
 * (longer, or as long and less deep), so every kept span's parent is kept. */
#include <stdlib.h>
#include <string.h>

#include "base/config.h"
#include "tools/cmd.h"

#define EXPORT_DEFAULT_MIN_NS 100000u
#define EXPORT_DEFAULT_MAX_SPANS 1000u

static void export_usage(FILE *to)
{
    fputs("usage: calltrace export (--otlp FILE | --endpoint [URL]) [OPTIONS] TRACE\n"
          "Exports the calls of TRACE (.json or .ctraw) as OpenTelemetry spans, parent and\n"
          "child as in the call tree. A run with a W3C TRACEPARENT in its environment joins\n"
          "that trace, its root calls under that parent span.\n"
          "  --otlp FILE          OTLP/JSON, one ExportTraceServiceRequest a line (- : stdout)\n"
          "  --endpoint [URL]     POST OTLP/HTTP JSON to URL, by default\n"
          "                       OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, or\n"
          "                       OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces, or\n"
          "                       http://localhost:4318/v1/traces; headers from\n"
          "                       OTEL_EXPORTER_OTLP_HEADERS and ..._TRACES_HEADERS\n"
          "  --min-duration D     calls at least D long (default 100us; 0: all)\n"
          "  --max-spans N        at most N spans, the longest calls (default 1000)\n"
          "  --service NAME       service.name (default OTEL_SERVICE_NAME, or the program's name)\n",
          to);
}

/* A call's rank: longer first, then less deep, then earlier, then thread. */
struct export_key {
    uint64_t dur, start, thread;
    unsigned depth;
};

static int export_key_cmp(const struct export_key *a, const struct export_key *b)
{
    if (a->dur != b->dur)
        return a->dur > b->dur ? 1 : -1;
    if (a->depth != b->depth)
        return a->depth < b->depth ? 1 : -1;
    if (a->start != b->start)
        return a->start < b->start ? 1 : -1;
    if (a->thread != b->thread)
        return a->thread < b->thread ? 1 : -1;
    return 0;
}

struct export_ctx {
    uint64_t min_ns, max_spans;
    struct export_key *heap; /* pass 1: the best max_spans keys, the worst on top */
    size_t nheap;
    bool pass2, have_floor;
    struct export_key floor; /* pass 2: keep calls ranking at least this */
    struct ct_otlp otlp;
    uint64_t thread, calls; /* the thread's index, its calls entered */
    const struct ct_thread *th;
    struct ct_thread cur;
    uint64_t *ids; /* span id per open depth */
    size_t cap;
    bool oom;
};

static void heap_down(struct export_key *h, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < n && export_key_cmp(&h[l], &h[m]) < 0)
            m = l;
        if (r < n && export_key_cmp(&h[r], &h[m]) < 0)
            m = r;
        if (m == i)
            return;
        struct export_key t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

static void heap_push(struct export_ctx *x, const struct export_key *k)
{
    struct export_key *h = x->heap;
    if (x->nheap == x->max_spans) {
        if (export_key_cmp(k, &h[0]) <= 0)
            return;
        h[0] = *k;
        heap_down(h, x->nheap, 0);
        return;
    }
    size_t i = x->nheap++;
    h[i] = *k;
    while (i && export_key_cmp(&h[i], &h[(i - 1) / 2]) < 0) {
        struct export_key t = h[i];
        h[i] = h[(i - 1) / 2];
        h[(i - 1) / 2] = t;
        i = (i - 1) / 2;
    }
}

static void export_thread(void *ctx, const struct ct_thread *th)
{
    struct export_ctx *x = ctx;
    x->thread++;
    x->calls = 0;
    x->cur = *th;
    x->th = &x->cur;
}

static void export_open(void *ctx, const struct ct_call *c)
{
    struct export_ctx *x = ctx;
    if (c->depth >= x->cap) {
        size_t cap = x->cap ? x->cap * 2 : 64;
        uint64_t *ids = realloc(x->ids, cap * sizeof(*ids));
        if (!ids) {
            x->oom = true;
            return;
        }
        x->ids = ids;
        x->cap = cap;
    }
    x->ids[c->depth] = ct_otlp_span_id(&x->otlp, x->thread, x->calls++);
}

static void export_close(void *ctx, const struct ct_call *c)
{
    struct export_ctx *x = ctx;
    if (c->duration_ns < x->min_ns || c->depth >= x->cap)
        return;
    struct export_key k = {.dur = c->duration_ns, .start = c->start_ns, .thread = x->thread,
                           .depth = c->depth};
    if (!x->pass2) {
        heap_push(x, &k);
        return;
    }
    if (x->have_floor && export_key_cmp(&k, &x->floor) < 0)
        return;
    ct_otlp_span(&x->otlp, c, x->th, x->ids[c->depth], c->depth ? x->ids[c->depth - 1] : 0);
}

struct export_opts {
    const char *otlp, *endpoint, *service, *trace;
    bool http;
};

static int export_args(struct export_ctx *x, struct export_opts *o, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        bool bad = false;
        const char *v;
        if ((v = ct_cmd_opt(argc, argv, &i, "--otlp", NULL, &bad))) {
            o->otlp = v;
        } else if (strncmp(argv[i], "--endpoint=", 11) == 0) {
            o->http = true;
            o->endpoint = argv[i] + 11;
        } else if (strcmp(argv[i], "--endpoint") == 0) {
            o->http = true;
            if (i + 2 < argc && strncmp(argv[i + 1], "http", 4) == 0)
                o->endpoint = argv[++i];
        } else if ((v = ct_cmd_opt(argc, argv, &i, "--min-duration", NULL, &bad))) {
            if (ct_parse_duration(v, &x->min_ns) != 0)
                return ct_cmd_err("--min-duration '%s' is not a duration (500ns, 10us, 2ms)", v), -1;
        } else if ((v = ct_cmd_opt(argc, argv, &i, "--max-spans", NULL, &bad))) {
            if (ct_cmd_parse_u64(v, &x->max_spans) || !x->max_spans || x->max_spans > 100000000)
                return ct_cmd_err("--max-spans '%s' is not a number from 1", v), -1;
        } else if ((v = ct_cmd_opt(argc, argv, &i, "--service", NULL, &bad))) {
            o->service = v;
        } else if (!bad && argv[i][0] != '-' && !o->trace) {
            o->trace = argv[i];
        } else {
            return -1;
        }
    }
    return o->trace && (o->otlp != NULL) != o->http ? 0 : -1;
}

/* The URL to POST to, as OpenTelemetry's exporters read the environment. */
static const char *export_url(const char *given, char *buf, size_t cap)
{
    const char *v = given && *given ? given : getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
    if (v && *v)
        return v;
    v = getenv("OTEL_EXPORTER_OTLP_ENDPOINT");
    if (!v || !*v)
        return "http://localhost:4318/v1/traces";
    size_t n = strlen(v);
    snprintf(buf, cap, "%.*s/v1/traces", (int)(n && v[n - 1] == '/' ? n - 1 : n), v);
    return buf;
}

static int export_send(const struct export_opts *o, const char *body, size_t len)
{
    if (!o->http) {
        FILE *f = strcmp(o->otlp, "-") == 0 ? stdout : fopen(o->otlp, "w");
        if (!f)
            return ct_cmd_err("cannot write %s: %m", o->otlp), -1;
        size_t w = fwrite(body, 1, len, f);
        int rc = (f == stdout ? fflush(f) : fclose(f)) != 0 || w != len ? -1 : 0;
        if (rc)
            ct_cmd_err("cannot write %s: %m", o->otlp);
        return rc;
    }
    char url[4096], hdr[8192];
    const char *u = export_url(o->endpoint, url, sizeof(url));
    const char *h = getenv("OTEL_EXPORTER_OTLP_HEADERS"), *th = getenv("OTEL_EXPORTER_OTLP_TRACES_HEADERS");
    snprintf(hdr, sizeof(hdr), "%s%s%s", h ? h : "", h && th ? "," : "", th ? th : "");
    const char *proto = getenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL");
    if (!proto)
        proto = getenv("OTEL_EXPORTER_OTLP_PROTOCOL");
    if (proto && strcmp(proto, "http/json") != 0)
        ct_cmd_err("OTEL_EXPORTER_OTLP_PROTOCOL=%s: calltrace sends http/json", proto);
    return ct_http_post(u, hdr, "application/json", body, len);
}

int ct_cmd_export(int argc, char **argv)
{
    struct export_ctx x = {.min_ns = EXPORT_DEFAULT_MIN_NS, .max_spans = EXPORT_DEFAULT_MAX_SPANS};
    struct export_opts o = {0};
    if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        export_usage(stdout);
        return CT_CMD_OK;
    }
    if (export_args(&x, &o, argc, argv) != 0) {
        export_usage(stderr);
        return CT_CMD_USAGE;
    }
    struct ct_cmd_trace t;
    const char *path = ct_cmd_open_trace(&t, o.trace);
    x.heap = path ? malloc(x.max_spans * sizeof(*x.heap)) : NULL;
    struct ct_jv *meta = NULL;
    struct ct_trace_cb cb = {.ctx = &x, .thread_begin = export_thread, .open = export_open,
                             .close = export_close};
    int rc = x.heap && ct_trace_read(path, &cb, &meta) == 0 ? 0 : -1;
    char *body = NULL;
    size_t len = 0;
    if (rc == 0 && (x.otlp.out = open_memstream(&body, &len))) {
        ct_otlp_init(&x.otlp, meta);
        x.have_floor = x.nheap == x.max_spans;
        if (x.have_floor)
            x.floor = x.heap[0];
        x.pass2 = true;
        x.thread = 0;
        const char *exe = ct_jv_str(meta, "executable");
        const char *svc = o.service ? o.service : getenv("OTEL_SERVICE_NAME");
        if (!svc || !*svc)
            svc = exe ? (strrchr(exe, '/') ? strrchr(exe, '/') + 1 : exe) : "unknown_service";
        ct_otlp_begin(&x.otlp, meta, svc);
        rc = ct_trace_read(path, &cb, NULL);
        ct_otlp_end(&x.otlp);
        fclose(x.otlp.out);
    }
    if (path)
        ct_cmd_close_trace(&t);
    if (x.oom || (path && !x.heap))
        ct_cmd_err("out of memory"), rc = -1;
    if (rc == 0)
        rc = export_send(&o, body, len);
    if (rc == 0 && o.http)
        fprintf(stderr, "calltrace: %llu spans sent\n", (unsigned long long)x.otlp.spans);
    free(body);
    free(x.heap);
    free(x.ids);
    ct_jv_free(meta);
    return rc ? CT_CMD_ERR : CT_CMD_OK;
}
