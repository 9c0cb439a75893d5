/* jsonw.c — streaming JSON writer. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "views/jsonw.h"

#define CT_JW_BUF (1u << 18)

int ct_write_all(int fd, const char *buf, size_t len)
{
    size_t off = 0;
    while (off < len) {
        ssize_t n = write(fd, buf + off, len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n < 0 ? errno : ENOSPC;
        off += (size_t)n;
    }
    return 0;
}

CT_NOINST static void ct_jw_flush(struct ct_jw *w)
{
    if (!w->err)
        w->err = ct_write_all(w->fd, w->buf, w->len);
    w->bytes += w->len;
    w->len = 0;
}

/* The deepest indentation, in levels of two spaces. */
#define CT_JW_MAX_INDENT 12u

/* w->level[d]: an item was written at level d, and how level d lays out its
 * items: on lines of their own (neither bit), or on the line with no space:
 * inside a line object (where an array of lines may start again), or
 * compact (and pretty below wrap_depth). */
enum {
    CT_JW_ITEMS = 1u,
    CT_JW_INLINE = 2u,
    CT_JW_TIGHT = 4u,
};
#define CT_JW_ON_LINE (CT_JW_INLINE | CT_JW_TIGHT)

/* How ct_jw_open lays out the new level. */
enum ct_jw_mode { CT_JW_INHERIT, CT_JW_LINE, CT_JW_LINES };

CT_NOINST static inline char *ct_jw_room(struct ct_jw *w, size_t n)
{
    if (w->cap - w->len < n)
        ct_jw_flush(w);
    return w->buf + w->len;
}

CT_NOINST static inline void ct_jw_raw(struct ct_jw *w, const char *s, size_t n)
{
    while (n > 0) {
        ct_jw_room(w, 1);
        size_t k = w->cap - w->len < n ? w->cap - w->len : n;
        memcpy(w->buf + w->len, s, k);
        w->len += k;
        s += k;
        n -= k;
    }
}

CT_NOINST static inline void ct_jw_ch(struct ct_jw *w, char c)
{
    *ct_jw_room(w, 1) = c;
    w->len++;
}

/* A line break and the indentation of w->lines levels. */
CT_NOINST static void ct_jw_newline(struct ct_jw *w)
{
    /* indentation stops growing at CT_JW_MAX_INDENT levels: a deep trace
     * would otherwise spend most of its bytes on spaces, and one line of it
     * must fit the buffer */
    unsigned levels = w->lines < CT_JW_MAX_INDENT ? w->lines : CT_JW_MAX_INDENT;
    size_t n = 1 + 2 * (size_t)levels;
    char *p = ct_jw_room(w, n);
    p[0] = '\n';
    memset(p + 1, ' ', n - 1);
    w->len += n;
}

/* Separator and indentation before a value or key. */
CT_NOINST static void ct_jw_before(struct ct_jw *w)
{
    if (w->after_key) {
        w->after_key = false;
        return;
    }
    if (w->depth == 0)
        return;
    unsigned lvl = w->level[w->depth];
    w->level[w->depth] = (unsigned char)(lvl | CT_JW_ITEMS);
    if (lvl & CT_JW_ITEMS)
        ct_jw_ch(w, ',');
    if (!(lvl & CT_JW_ON_LINE))
        ct_jw_newline(w);
}

int ct_jw_init(struct ct_jw *w, int fd, bool pretty, unsigned max_depth)
{
    memset(w, 0, sizeof(*w));
    w->fd = fd;
    w->pretty = pretty;
    w->cap = CT_JW_BUF;
    w->max_depth = max_depth + 1;
    w->buf = malloc(w->cap);
    w->level = calloc(w->max_depth + 1, 1);
    if (!w->buf || !w->level) {
        free(w->buf);
        free(w->level);
        w->buf = NULL;
        w->level = NULL;
        return -1;
    }
    w->level[0] = pretty ? 0 : CT_JW_TIGHT;
    return 0;
}

int ct_jw_finish(struct ct_jw *w)
{
    if (w->buf) {
        if (w->pretty)
            ct_jw_ch(w, '\n');
        ct_jw_flush(w);
    }
    free(w->buf);
    free(w->level);
    w->buf = NULL;
    w->level = NULL;
    return w->err;
}

CT_NOINST static void ct_jw_open(struct ct_jw *w, char c, enum ct_jw_mode mode)
{
    ct_jw_before(w);
    ct_jw_ch(w, c);
    if (w->depth + 1 >= w->max_depth) { /* caller bug: more nesting than promised */
        w->err = w->err ? w->err : EOVERFLOW;
        return;
    }
    unsigned parent = w->level[w->depth] & CT_JW_ON_LINE, lay = 0;
    if (!w->pretty || (w->wrap_depth && w->depth + 1 > w->wrap_depth))
        lay = CT_JW_TIGHT;
    else if (mode == CT_JW_LINE || (mode == CT_JW_INHERIT && parent))
        lay = CT_JW_INLINE;
    w->depth++;
    w->level[w->depth] = (unsigned char)lay;
    if (!lay)
        w->lines++;
}

CT_NOINST static void ct_jw_close(struct ct_jw *w, char c)
{
    unsigned lvl = w->level[w->depth];
    if (w->depth > 0)
        w->depth--;
    if (!(lvl & CT_JW_ON_LINE) && w->lines > 0) {
        w->lines--;
        if (lvl & CT_JW_ITEMS)
            ct_jw_newline(w);
    }
    ct_jw_ch(w, c);
}

void ct_jw_obj(struct ct_jw *w) { ct_jw_open(w, '{', CT_JW_INHERIT); }
void ct_jw_obj_line(struct ct_jw *w) { ct_jw_open(w, '{', CT_JW_LINE); }
void ct_jw_obj_end(struct ct_jw *w) { ct_jw_close(w, '}'); }
void ct_jw_arr(struct ct_jw *w) { ct_jw_open(w, '[', CT_JW_INHERIT); }
void ct_jw_arr_lines(struct ct_jw *w) { ct_jw_open(w, '[', CT_JW_LINES); }
void ct_jw_arr_end(struct ct_jw *w) { ct_jw_close(w, ']'); }

/* Length of a valid UTF-8 sequence starting at s (at most n bytes), or 0. */
CT_NOINST static size_t ct_utf8_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t len;
    unsigned min;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
        min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        min = 0x10000;
    } else {
        return 0;
    }
    if (len > n)
        return 0;
    unsigned cp = c & (0xffu >> (len + 1));
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3fu);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

CT_NOINST static void ct_jw_escaped(struct ct_jw *w, const char *str, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *s = (const unsigned char *)str;
    ct_jw_ch(w, '"');
    size_t run = 0; /* bytes that need no escaping, copied in one go */
    for (size_t i = 0; i < n;) {
        unsigned c = s[i];
        if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
            run++;
            i++;
            continue;
        }
        size_t ulen = c >= 0x80 ? ct_utf8_len(s + i, n - i) : 0;
        if (ulen) {
            run += ulen;
            i += ulen;
            continue;
        }
        ct_jw_raw(w, (const char *)s + i - run, run);
        run = 0;
        char esc[8];
        size_t k = 2;
        esc[0] = '\\';
        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\n': esc[1] = 'n'; break;
        case '\t': esc[1] = 't'; break;
        case '\r': esc[1] = 'r'; break;
        default:
            if (c < 0x20) {
                memcpy(esc + 1, "u00", 3);
                esc[4] = hex[c >> 4];
                esc[5] = hex[c & 15];
                k = 6;
            } else {
                memcpy(esc + 1, "ufffd", 5); /* invalid UTF-8 byte */
                k = 6;
            }
        }
        ct_jw_raw(w, esc, k);
        i++;
    }
    ct_jw_raw(w, (const char *)s + n - run, run);
    ct_jw_ch(w, '"');
}

/* Keys are the runtime's own literals: plain ASCII, copied as they are. */
void ct_jw_key(struct ct_jw *w, const char *key)
{
    ct_jw_before(w);
    size_t n = strlen(key);
    char *p = ct_jw_room(w, n + 2);
    if (w->cap - w->len >= n + 2) {
        p[0] = '"';
        memcpy(p + 1, key, n);
        p[n + 1] = '"';
        w->len += n + 2;
    } else { /* longer than the whole buffer: never for our keys */
        ct_jw_escaped(w, key, n);
    }
    bool wide = !(w->level[w->depth] & CT_JW_ON_LINE);
    ct_jw_raw(w, wide ? ": " : ":", wide ? 2 : 1);
    w->after_key = true;
}

void ct_jw_key_raw(struct ct_jw *w, const char *text, size_t n)
{
    ct_jw_before(w);
    ct_jw_raw(w, text, n);
    w->after_key = true;
}

void ct_jw_json(struct ct_jw *w, const char *json, size_t n)
{
    ct_jw_before(w);
    ct_jw_raw(w, json, n);
}

size_t ct_json_escape(const char *s, size_t n, char *out, size_t cap)
{
    /* through a scratch writer with no descriptor: it never flushes while
     * the text fits, and a caller that gets cap back knows it did not */
    struct ct_jw w = {.fd = -1, .buf = out, .cap = cap};
    ct_jw_escaped(&w, s, n);
    return w.err || w.bytes ? cap : w.len;
}

void ct_jw_strn(struct ct_jw *w, const char *s, size_t n)
{
    ct_jw_before(w);
    ct_jw_escaped(w, s, n);
}

void ct_jw_str(struct ct_jw *w, const char *s)
{
    if (!s) {
        ct_jw_null(w);
        return;
    }
    ct_jw_strn(w, s, strlen(s));
}

/* The decimal digits of v, ending at end; returns where they start. */
CT_NOINST static inline char *ct_jw_digits(char *end, uint64_t v)
{
    static const char pairs[201] = "00010203040506070809101112131415161718192021222324"
                                   "25262728293031323334353637383940414243444546474849"
                                   "50515253545556575859606162636465666768697071727374"
                                   "75767778798081828384858687888990919293949596979899";
    char *p = end;
    while (v >= 100) {
        unsigned d = (unsigned)(v % 100) * 2;
        v /= 100;
        *--p = pairs[d + 1];
        *--p = pairs[d];
    }
    if (v >= 10) {
        *--p = pairs[v * 2 + 1];
        *--p = pairs[v * 2];
    } else {
        *--p = (char)('0' + v);
    }
    return p;
}

void ct_jw_u64(struct ct_jw *w, uint64_t v)
{
    ct_jw_before(w);
    char tmp[24];
    char *p = ct_jw_digits(tmp + sizeof(tmp), v);
    ct_jw_raw(w, p, (size_t)(tmp + sizeof(tmp) - p));
}

void ct_jw_i64(struct ct_jw *w, int64_t v)
{
    if (v >= 0) {
        ct_jw_u64(w, (uint64_t)v);
        return;
    }
    ct_jw_before(w);
    char tmp[24];
    char *p = ct_jw_digits(tmp + sizeof(tmp), (uint64_t)0 - (uint64_t)v);
    *--p = '-';
    ct_jw_raw(w, p, (size_t)(tmp + sizeof(tmp) - p));
}

void ct_jw_double(struct ct_jw *w, double v)
{
    if (!isfinite(v)) { /* JSON has no NaN/Inf: write them as strings */
        ct_jw_str(w, isnan(v) ? "nan" : v > 0 ? "inf" : "-inf");
        return;
    }
    ct_jw_before(w);
    char tmp[40];
    int n = snprintf(tmp, sizeof(tmp), "%.17g", v);
    ct_jw_raw(w, tmp, (size_t)n);
}

void ct_jw_hex(struct ct_jw *w, uint64_t v)
{
    ct_jw_before(w);
    static const char hex[] = "0123456789abcdef";
    char tmp[24];
    char *p = tmp + sizeof(tmp);
    *--p = '"';
    do {
        *--p = hex[v & 15];
        v >>= 4;
    } while (v);
    *--p = 'x';
    *--p = '0';
    *--p = '"';
    ct_jw_raw(w, p, (size_t)(tmp + sizeof(tmp) - p));
}

void ct_jw_bool(struct ct_jw *w, bool v)
{
    ct_jw_before(w);
    ct_jw_raw(w, v ? "true" : "false", v ? 4 : 5);
}

void ct_jw_null(struct ct_jw *w)
{
    ct_jw_before(w);
    ct_jw_raw(w, "null", 4);
}

void ct_jw_milli(struct ct_jw *w, uint64_t v)
{
    ct_jw_before(w);
    char tmp[32];
    char *end = tmp + sizeof(tmp), *p = end;
    unsigned frac = (unsigned)(v % 1000);
    if (frac) {
        int digits = 3;
        while (frac % 10 == 0) {
            frac /= 10;
            digits--;
        }
        for (int i = 0; i < digits; i++) {
            *--p = (char)('0' + frac % 10);
            frac /= 10;
        }
        *--p = '.';
    }
    v /= 1000;
    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    ct_jw_raw(w, p, (size_t)(end - p));
}

void ct_jw_write(struct ct_jw *w, const char *s, size_t n)
{
    ct_jw_raw(w, s, n);
}
