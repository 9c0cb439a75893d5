/* textw.c — plain-text output helpers (see textw.h). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "calltrace.h"
#include "views/format.h"
#include "views/textw.h"

size_t ct_tw_duration(char *out, uint64_t ns)
{
    static const char *const units[] = {"us", "ms", " s"};
    uint64_t whole = ns / 1000, frac = ns % 1000; /* in us */
    size_t u = 0;
    while (u + 1 < CT_ARRAY_LEN(units) && whole >= 1000) {
        frac = whole % 1000;
        whole /= 1000;
        u++;
    }
    int n = snprintf(out, CT_TW_DURATION_MAX, "%3llu.%03u %s", (unsigned long long)whole,
                     (unsigned)frac, units[u]);
    return n > 0 ? (size_t)n : 0;
}

void ct_tw_str(struct ct_jw *w, const char *s)
{
    ct_jw_write(w, s, strlen(s));
}

void ct_tw_fill(struct ct_jw *w, char c, size_t n)
{
    char tmp[64];
    memset(tmp, c, sizeof(tmp));
    for (; n > sizeof(tmp); n -= sizeof(tmp))
        ct_jw_write(w, tmp, sizeof(tmp));
    ct_jw_write(w, tmp, n);
}

void ct_tw_u64(struct ct_jw *w, uint64_t v, unsigned width)
{
    char tmp[24];
    char *end = tmp + sizeof(tmp), *p = end;
    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    size_t len = (size_t)(end - p);
    if (width > len)
        ct_tw_fill(w, ' ', width - len);
    ct_jw_write(w, p, len);
}

void ct_tw_dur(struct ct_jw *w, uint64_t ns)
{
    char tmp[CT_TW_DURATION_MAX];
    ct_jw_write(w, tmp, ct_tw_duration(tmp, ns));
}

void ct_tw_clean(struct ct_jw *w, const char *s, size_t n, const char *bad, char repl)
{
    size_t run = 0; /* bytes that need no change, written in one go */
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != 0x7f && !(bad && strchr(bad, c))) {
            run++;
            continue;
        }
        ct_jw_write(w, s + i - run, run);
        run = 0;
        ct_jw_write(w, &repl, 1);
    }
    ct_jw_write(w, s + n - run, run);
}

void ct_tw_quoted(struct ct_jw *w, const char *s)
{
    ct_jw_write(w, "\"", 1);
    ct_tw_clean(w, s, strlen(s), "\"", '\'');
    ct_jw_write(w, "\"", 1);
}

void ct_tw_header(struct ct_jw *w, const char *view, const struct ct_out_run *run)
{
    ct_tw_str(w, "# calltrace " CALLTRACE_VERSION_STRING " ");
    ct_tw_str(w, view);
    ct_tw_str(w, " of ");
    ct_tw_clean(w, run->exe, strlen(run->exe), NULL, '?');
    ct_tw_str(w, " (pid ");
    ct_tw_u64(w, run->pid, 0);
    ct_tw_str(w, "): ");
    ct_tw_u64(w, run->total_calls, 0);
    ct_tw_str(w, run->total_calls == 1 ? " call, " : " calls, ");
    ct_tw_u64(w, run->threads, 0);
    ct_tw_str(w, run->threads == 1 ? " thread, " : " threads, ");
    ct_tw_str(w, run->final ? "complete" : "flushed while running");
    if (run->truncated)
        ct_tw_str(w, ", truncated");
    ct_jw_write(w, "\n", 1);
}
