/* cmd_otlp.c — calls as OpenTelemetry spans in OTLP/JSON (cmd.h): one
 * ExportTraceServiceRequest, {"resourceSpans": [{"resource", "scopeSpans":
 * [{"scope", "spans": [...]}]}]}, ids in hex and 64-bit numbers as strings
 * as the OTLP/JSON encoding says.
 *
 * Ids are derived from the run (executable, pid, start) and the call's
 * place (thread, order of entry): exporting the same trace twice gives the
 * same spans. A run made with a W3C TRACEPARENT in its environment (the
 * trace's metadata keeps it) lends its trace id, and its root calls become
 * children of its parent span. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "calltrace.h"
#include "tools/cmd.h"

static uint64_t otlp_mix(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

static uint64_t otlp_hash_str(uint64_t h, const char *s)
{
    for (; s && *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return otlp_mix(h);
}

static int otlp_hex(const char *s, uint8_t *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        if (sscanf(s + 2 * i, "%2x", &v) != 1 || !strchr("0123456789abcdef", s[2 * i]) ||
            !strchr("0123456789abcdef", s[2 * i + 1]))
            return -1;
        out[i] = (uint8_t)v;
    }
    return 0;
}

static bool otlp_zero(const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (b[i])
            return false;
    return true;
}

/* "00-<32 hex>-<16 hex>-<2 hex>" (W3C trace context). */
static bool otlp_traceparent(struct ct_otlp *o, const char *tp)
{
    if (!tp || strlen(tp) < 55 || tp[2] != '-' || tp[35] != '-' || tp[52] != '-' ||
        strncmp(tp, "ff", 2) == 0)
        return false;
    if (otlp_hex(tp + 3, o->trace_id, 16) || otlp_hex(tp + 36, o->parent_id, 8) ||
        otlp_zero(o->trace_id, 16) || otlp_zero(o->parent_id, 8))
        return false;
    o->has_parent = true;
    return true;
}

/* "2026-11-21T20:40:48.058Z" as Unix ns. */
static uint64_t otlp_unix_ns(const char *ts)
{
    struct tm tm = {0};
    const char *rest = ts ? strptime(ts, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
    if (!rest)
        return 0;
    uint64_t ns = (uint64_t)timegm(&tm) * 1000000000ull;
    if (*rest == '.') {
        uint64_t scale = 100000000ull;
        for (rest++; *rest >= '0' && *rest <= '9'; rest++, scale /= 10)
            ns += (uint64_t)(*rest - '0') * scale;
    }
    return ns;
}

void ct_otlp_init(struct ct_otlp *o, const struct ct_jv *meta)
{
    const char *ts = ct_jv_str(meta, "timestamp");
    o->base_unix_ns = otlp_unix_ns(ts);
    uint64_t h = otlp_hash_str(1469598103934665603ull, ct_jv_str(meta, "executable"));
    h = otlp_hash_str(h ^ ct_jv_u64(meta, "pid"), ts);
    h = otlp_mix(h ^ ct_jv_u64(meta, "start_monotonic_ns"));
    o->seed = h;
    const char *tp = ct_jv_str(meta, "traceparent");
    if (tp && !otlp_traceparent(o, tp))
        ct_cmd_err("the trace's traceparent '%.64s' is not a W3C traceparent: a new trace id", tp);
    if (!o->has_parent) {
        uint64_t a = otlp_mix(h + 1), b = otlp_mix(h + 2);
        for (int i = 0; i < 8; i++) {
            o->trace_id[i] = (uint8_t)(a >> (8 * i));
            o->trace_id[8 + i] = (uint8_t)(b >> (8 * i));
        }
    }
}

uint64_t ct_otlp_span_id(const struct ct_otlp *o, uint64_t thread, uint64_t call)
{
    uint64_t id = otlp_mix(o->seed ^ otlp_mix(thread * 0x9e3779b97f4a7c15ull + call + 1));
    return id ? id : 1; /* an all-zero span id is invalid */
}

static void otlp_hexout(FILE *out, const uint8_t *b, size_t n)
{
    fputc('"', out);
    for (size_t i = 0; i < n; i++)
        fprintf(out, "%02x", b[i]);
    fputc('"', out);
}

static void otlp_id(FILE *out, uint64_t id)
{
    fprintf(out, "\"%016llx\"", (unsigned long long)id);
}

static void otlp_attr_str(FILE *out, bool *first, const char *key, const char *v)
{
    fprintf(out, "%s{\"key\":", *first ? "" : ",");
    ct_jv_print_str(out, key);
    fputs(",\"value\":{\"stringValue\":", out);
    ct_jv_print_str(out, v ? v : "");
    fputs("}}", out);
    *first = false;
}

static void otlp_attr_int(FILE *out, bool *first, const char *key, uint64_t v)
{
    fprintf(out, "%s{\"key\":\"%s\",\"value\":{\"intValue\":\"%llu\"}}", *first ? "" : ",", key,
            (unsigned long long)v);
    *first = false;
}

static void otlp_attr_bool(FILE *out, bool *first, const char *key)
{
    fprintf(out, "%s{\"key\":\"%s\",\"value\":{\"boolValue\":true}}", *first ? "" : ",", key);
    *first = false;
}

void ct_otlp_begin(struct ct_otlp *o, const struct ct_jv *meta, const char *service)
{
    FILE *out = o->out;
    const char *exe = ct_jv_str(meta, "executable");
    const char *host = ct_jv_str(meta, "host");
    char here[256] = "";
    if (!host && gethostname(here, sizeof(here) - 1) == 0)
        host = here; /* a trace written before the host was recorded */
    bool first = true;
    fputs("{\"resourceSpans\":[{\"resource\":{\"attributes\":[", out);
    otlp_attr_str(out, &first, "service.name", service);
    otlp_attr_int(out, &first, "process.pid", ct_jv_u64(meta, "pid"));
    otlp_attr_str(out, &first, "process.executable.path", exe);
    if (exe)
        otlp_attr_str(out, &first, "process.executable.name",
                      strrchr(exe, '/') ? strrchr(exe, '/') + 1 : exe);
    if (host)
        otlp_attr_str(out, &first, "host.name", host);
    otlp_attr_str(out, &first, "telemetry.sdk.name", "calltrace");
    otlp_attr_str(out, &first, "telemetry.sdk.language", "c");
    otlp_attr_str(out, &first, "telemetry.sdk.version", CALLTRACE_VERSION_STRING);
    fputs("]},\"scopeSpans\":[{\"scope\":{\"name\":\"calltrace\",\"version\":\"" CALLTRACE_VERSION_STRING
          "\"},\"spans\":[",
          out);
}

static void otlp_values(FILE *out, bool *first, const struct ct_call *c)
{
    char *text = NULL;
    size_t len = 0;
    for (size_t i = 0; c->args && c->args->type == CT_JV_ARR && i < c->args->n; i++) {
        const struct ct_jv *a = c->args->items[i];
        FILE *m = open_memstream(&text, &len);
        if (!m)
            return;
        ct_jv_value_text(m, a);
        fclose(m);
        char key[160];
        snprintf(key, sizeof(key), "calltrace.arg.%s", ct_jv_str(a, "name") ? ct_jv_str(a, "name") : "?");
        otlp_attr_str(out, first, key, text);
        free(text);
        text = NULL;
    }
    FILE *m = c->ret ? open_memstream(&text, &len) : NULL;
    if (m) {
        ct_jv_value_text(m, c->ret);
        fclose(m);
        otlp_attr_str(out, first, "calltrace.return_value", text);
        free(text);
    }
}

void ct_otlp_span(struct ct_otlp *o, const struct ct_call *c, const struct ct_thread *th,
                  uint64_t id, uint64_t parent)
{
    FILE *out = o->out;
    fprintf(out, "%s{\"traceId\":", o->spans++ ? "," : "");
    otlp_hexout(out, o->trace_id, 16);
    fputs(",\"spanId\":", out);
    otlp_id(out, id);
    if (parent) {
        fputs(",\"parentSpanId\":", out);
        otlp_id(out, parent);
    } else if (o->has_parent) {
        fputs(",\"parentSpanId\":", out);
        otlp_hexout(out, o->parent_id, 8);
    }
    fputs(",\"name\":", out);
    ct_jv_print_str(out, c->function);
    fprintf(out, ",\"kind\":1,\"startTimeUnixNano\":\"%llu\",\"endTimeUnixNano\":\"%llu\"",
            (unsigned long long)(o->base_unix_ns + c->start_ns),
            (unsigned long long)(o->base_unix_ns + c->start_ns + c->duration_ns));
    fputs(",\"attributes\":[", out);
    bool first = true;
    otlp_attr_str(out, &first, "code.function", c->function);
    otlp_attr_str(out, &first, "code.filepath", c->file);
    otlp_attr_int(out, &first, "code.lineno", c->line);
    otlp_attr_int(out, &first, "thread.id", th->tid);
    otlp_attr_str(out, &first, "thread.name", th->name);
    otlp_values(out, &first, c);
    if (c->unfinished)
        otlp_attr_bool(out, &first, "calltrace.unfinished");
    if (c->unwound)
        otlp_attr_bool(out, &first, "calltrace.unwound");
    fputs("]}", out);
}

void ct_otlp_end(struct ct_otlp *o)
{
    fputs("]}]}]}\n", o->out);
}
