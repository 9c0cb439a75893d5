/* fmt_values.c — recorded values as JSON (layout in capture/capture.h).
 *
 * Values are typed JSON: integers as exact numbers, bool as true/false, a
 * plain char as a one-character string, floating point as numbers ("nan",
 * "inf", "-inf" as strings), enums by enumerator name ("A|B" for a flag
 * combination, the number when nothing matches), pointers as "0x..." strings,
 * strings as strings (null for NULL), function pointers as {address,
 * symbol}, structs and unions as objects, arrays as arrays. A value that was
 * not available is {"optimized_out": true} on its argument; one behind an
 * unreadable pointer says "unreadable": true. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/capture.h"
#include "views/jsonw.h"
#include "views/values.h"

#define CT_VALUE_NEST_MAX 8u   /* members of members ...: deeper ones are null */
/* JSON values one recorded value may become: unions of unions would
 * otherwise multiply (k members nested 8 deep: k^8 values from 8 bytes).
 * Past it, null, and the value is marked truncated. */
#define CT_VALUE_NODES_MAX 1024u

/* The budget of the value being written (one output at a time per thread). */
static __thread uint32_t ct_vleft;
static __thread bool ct_vcut;
#define CT_BITFIELD_MAX 57u    /* a bit-field read from one 8-byte word at any bit offset */
#define CT_LDOUBLE_BYTES 10u   /* x87 extended precision */
#define CT_ENUM_TEXT_MAX 512u  /* "A|B|C" */

/* The descriptors of the traced executable, or NULL. */
CT_NOINST static const struct ct_ftab *ct_descs(const struct ct_out_run *run)
{
    return run->descs ? run->descs(run->descs_ctx) : NULL;
}

struct ct_rd {
    const uint8_t *p, *end;
    bool bad;
};

CT_NOINST static const uint8_t *ct_rd_take(struct ct_rd *r, size_t n)
{
    if (r->bad || (size_t)(r->end - r->p) < n) {
        r->bad = true;
        return NULL;
    }
    const uint8_t *p = r->p;
    r->p += n;
    return p;
}

CT_NOINST static uint64_t ct_bits(const uint8_t *b, uint32_t size)
{
    uint64_t v = 0;
    memcpy(&v, b, size < 8 ? size : 8);
    return v;
}

CT_NOINST static int64_t ct_sext(uint64_t v, uint32_t bits)
{
    if (bits >= 64)
        return (int64_t)v;
    uint64_t m = UINT64_C(1) << (bits - 1);
    v &= (UINT64_C(1) << bits) - 1;
    return (int64_t)((v ^ m) - m);
}

CT_NOINST static void ct_num_text(struct ct_jw *w, const char *fmt, long double v, bool is_double)
{
    if (isnan(v)) {
        ct_jw_str(w, signbit(v) ? "-nan" : "nan");
        return;
    }
    if (isinf(v)) {
        ct_jw_str(w, v > 0 ? "inf" : "-inf");
        return;
    }
    char tmp[64];
    int n = is_double ? snprintf(tmp, sizeof tmp, fmt, (double)v) : snprintf(tmp, sizeof tmp, fmt, v);
    ct_jw_json(w, tmp, (size_t)n);
}

CT_NOINST static void ct_enum_json(struct ct_jw *w, const struct ct_type *t, uint64_t raw)
{
    int64_t v = t->is_signed ? ct_sext(raw, t->size * 8) : (int64_t)raw;
    for (uint32_t i = 0; i < t->n; i++)
        if (t->enums[i].value == v) {
            ct_jw_str(w, t->enums[i].name);
            return;
        }
    /* a combination of single-bit enumerators */
    uint64_t left = (uint64_t)v;
    char buf[CT_ENUM_TEXT_MAX];
    size_t len = 0;
    for (uint32_t i = 0; i < t->n && left && v > 0; i++) {
        uint64_t e = (uint64_t)t->enums[i].value;
        if (e && (e & (e - 1)) == 0 && (left & e)) {
            size_t nl = strlen(t->enums[i].name);
            if (len + nl + 2 >= sizeof buf)
                break;
            if (len)
                buf[len++] = '|';
            memcpy(buf + len, t->enums[i].name, nl);
            len += nl;
            left &= ~e;
        }
    }
    if (v > 0 && left == 0 && len) {
        ct_jw_strn(w, buf, len);
        return;
    }
    if (t->is_signed)
        ct_jw_i64(w, v);
    else
        ct_jw_u64(w, raw);
}

CT_NOINST static void ct_bytes_json(struct ct_jw *w, const struct ct_out_run *run,
                                    const struct ct_type *t, const uint8_t *b, uint32_t n,
                                    unsigned depth);

/* One character; other than printable ASCII as \u00XX. */
CT_NOINST static void ct_char_json(struct ct_jw *w, unsigned c)
{
    char tmp[12];
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
        tmp[0] = '"';
        tmp[1] = (char)c;
        tmp[2] = '"';
        ct_jw_json(w, tmp, 3);
    } else if (c == '"' || c == '\\') {
        snprintf(tmp, sizeof tmp, "\"\\%c\"", (char)c);
        ct_jw_json(w, tmp, 4);
    } else {
        snprintf(tmp, sizeof tmp, "\"\\u%04x\"", c);
        ct_jw_json(w, tmp, 8);
    }
}

/* float, double and long double by size. */
CT_NOINST static void ct_float_json(struct ct_jw *w, const uint8_t *b, uint32_t size)
{
    if (size == sizeof(float)) {
        float f;
        memcpy(&f, b, sizeof f);
        ct_num_text(w, "%.9g", f, true);
    } else if (size == sizeof(double)) {
        double d;
        memcpy(&d, b, sizeof d);
        ct_num_text(w, "%.17g", d, true);
    } else {
        long double ld = 0;
        memcpy(&ld, b, CT_LDOUBLE_BYTES);
        ct_num_text(w, "%.21Lg", ld, false);
    }
}

/* {address, symbol}: named only when it is a function the executable
 * describes; any other bits (a union member, a library's function) are not
 * looked up. */
CT_NOINST static void ct_fnptr_json(struct ct_jw *w, const struct ct_out_run *run, uint64_t raw)
{
    ct_jw_obj(w);
    ct_jw_key(w, "address");
    ct_jw_hex(w, raw);
    ct_jw_key(w, "symbol");
    const struct ct_ftab *tab = ct_descs(run);
    const struct ct_symbol *s =
        raw && tab && ct_ftab_find(tab, raw) ? ct_out_symbol(run, raw) : NULL;
    ct_jw_str(w, s && s->name ? s->name : "??");
    ct_jw_obj_end(w);
}

/* A bit-field member: read from the 8 bytes at its offset. */
CT_NOINST static void ct_bitfield_json(struct ct_jw *w, const struct ct_member *m, const uint8_t *b,
                                       uint32_t n)
{
    uint64_t word = 0;
    uint32_t avail = n - m->off < sizeof(word) ? n - m->off : (uint32_t)sizeof(word);
    memcpy(&word, b + m->off, avail);
    uint64_t v = (word >> m->bit_off) & ((UINT64_C(1) << m->bit_size) - 1);
    if (m->type && (m->type->kind == CT_T_SINT || (m->type->kind == CT_T_ENUM && m->type->is_signed)))
        ct_jw_i64(w, ct_sext(v, m->bit_size));
    else
        ct_jw_u64(w, v);
}

CT_NOINST static void ct_members_json(struct ct_jw *w, const struct ct_out_run *run,
                                      const struct ct_type *t, const uint8_t *b, uint32_t n,
                                      unsigned depth)
{
    ct_jw_obj(w);
    for (uint32_t i = 0; i < t->n; i++) {
        const struct ct_member *m = &t->members[i];
        ct_jw_key(w, m->name[0] ? m->name : "<anonymous>");
        if (m->bit_size && m->bit_size <= CT_BITFIELD_MAX && m->off + 8 <= n + 8)
            ct_bitfield_json(w, m, b, n);
        else if (m->off <= n)
            ct_bytes_json(w, run, m->type, b + m->off, n - m->off, depth + 1);
        else
            ct_jw_null(w);
    }
    ct_jw_obj_end(w);
}

CT_NOINST static void ct_array_json(struct ct_jw *w, const struct ct_out_run *run,
                                    const struct ct_type *t, const uint8_t *b, uint32_t n,
                                    unsigned depth)
{
    ct_jw_arr(w);
    for (uint32_t i = 0; i < t->count && t->target && (uint64_t)(i + 1) * t->target->size <= n; i++)
        ct_bytes_json(w, run, t->target, b + (size_t)i * t->target->size,
                      n - i * t->target->size, depth + 1);
    ct_jw_arr_end(w);
}

/* One value from its bytes (n of them), nested members included. */
CT_NOINST static void ct_bytes_json(struct ct_jw *w, const struct ct_out_run *run,
                                    const struct ct_type *t, const uint8_t *b, uint32_t n,
                                    unsigned depth)
{
    if (!t || t->size > n || depth > CT_VALUE_NEST_MAX || !ct_vleft) {
        ct_vcut |= ct_vleft == 0;
        ct_jw_null(w);
        return;
    }
    ct_vleft--;
    uint64_t raw = ct_bits(b, t->size);
    switch (t->kind) {
    case CT_T_SINT:
        ct_jw_i64(w, ct_sext(raw, t->size * 8));
        return;
    case CT_T_UINT:
        ct_jw_u64(w, t->size < 8 ? raw & ((UINT64_C(1) << (t->size * 8)) - 1) : raw);
        return;
    case CT_T_BOOL:
        if ((raw & 0xff) <= 1)
            ct_jw_bool(w, raw & 1);
        else
            ct_jw_u64(w, raw & 0xff);
        return;
    case CT_T_CHAR:
        ct_char_json(w, b[0]);
        return;
    case CT_T_FLOAT:
        ct_float_json(w, b, t->size);
        return;
    case CT_T_ENUM:
        ct_enum_json(w, t, raw);
        return;
    case CT_T_FNPTR:
        ct_fnptr_json(w, run, raw);
        return;
    case CT_T_PTR:
    case CT_T_CSTR:
    case CT_T_REF:
        ct_jw_hex(w, raw);
        return;
    case CT_T_STDSTR:
        ct_jw_obj(w);
        ct_jw_key(w, "data");
        ct_jw_hex(w, raw);
        ct_jw_key(w, "size");
        ct_jw_u64(w, ct_bits(b + 8, 8));
        ct_jw_obj_end(w);
        return;
    case CT_T_STRUCT:
    case CT_T_UNION:
        ct_members_json(w, run, t, b, n, depth);
        return;
    case CT_T_ARRAY:
        ct_array_json(w, run, t, b, n, depth);
        return;
    default:
        ct_jw_null(w);
        return;
    }
}

/* A string section: the "value" and, on the enclosing object, its flags. */
CT_NOINST static void ct_str_json(struct ct_jw *w, struct ct_rd *r, uint64_t ptr)
{
    const uint8_t *h = ct_rd_take(r, 3);
    if (!h) {
        ct_jw_key(w, "value");
        ct_jw_null(w);
        return;
    }
    uint16_t len;
    memcpy(&len, h + 1, 2);
    const uint8_t *s = ct_rd_take(r, len);
    ct_jw_key(w, "value");
    if (h[0] == CT_VAL_NULL) {
        ct_jw_null(w);
    } else if (h[0] == CT_VAL_UNREADABLE || !s) {
        ct_jw_hex(w, ptr);
        ct_jw_key(w, "unreadable");
        ct_jw_bool(w, true);
    } else {
        ct_jw_strn(w, (const char *)s, len);
        if (h[0] == CT_VAL_TRUNCATED) {
            ct_jw_key(w, "truncated");
            ct_jw_bool(w, true);
        }
    }
}

CT_NOINST static void ct_value_body(struct ct_jw *w, const struct ct_out_run *run,
                                    const struct ct_type *t, struct ct_rd *r);

/* The "value" key (and flags) of one recorded value of type t. */
CT_NOINST static void ct_value_json(struct ct_jw *w, const struct ct_out_run *run,
                                    const struct ct_type *t, struct ct_rd *r)
{
    ct_vleft = CT_VALUE_NODES_MAX;
    ct_vcut = false;
    ct_value_body(w, run, t, r);
    if (ct_vcut) {
        ct_jw_key(w, "truncated");
        ct_jw_bool(w, true);
    }
}

CT_NOINST static void ct_value_body(struct ct_jw *w, const struct ct_out_run *run,
                                    const struct ct_type *t, struct ct_rd *r)
{
    const uint8_t *st = ct_rd_take(r, 1);
    if (!st || *st != CT_VAL_OK) {
        ct_jw_key(w, "optimized_out");
        ct_jw_bool(w, true);
        return;
    }
    uint32_t n = t->size < CT_VAL_BYTES ? t->size : CT_VAL_BYTES;
    const uint8_t *b = ct_rd_take(r, n);
    if (!b) {
        ct_jw_key(w, "optimized_out");
        ct_jw_bool(w, true);
        return;
    }
    uint64_t ptr = ct_bits(b, 8);
    switch (t->kind) {
    case CT_T_CSTR:
    case CT_T_STDSTR:
        ct_str_json(w, r, ptr);
        return;
    case CT_T_REF: {
        const uint8_t *rs = ct_rd_take(r, 1);
        const struct ct_type *to = t->target;
        if (!rs || *rs != CT_VAL_OK) {
            ct_jw_key(w, "value");
            ct_jw_hex(w, ptr);
            ct_jw_key(w, "unreadable");
            ct_jw_bool(w, true);
            return;
        }
        uint32_t tn = to->size < CT_VAL_BYTES ? to->size : CT_VAL_BYTES;
        const uint8_t *tb = ct_rd_take(r, tn);
        if (tb && (to->kind == CT_T_STDSTR || to->kind == CT_T_CSTR)) {
            ct_str_json(w, r, ct_bits(tb, 8));
            return;
        }
        ct_jw_key(w, "value");
        if (tb)
            ct_bytes_json(w, run, to, tb, tn, 0);
        else
            ct_jw_null(w);
        return;
    }
    default:
        ct_jw_key(w, "value");
        ct_bytes_json(w, run, t, b, n, 0);
        return;
    }
}

void ct_values_json(struct ct_jw *w, const struct ct_out_run *run, uint64_t fn, unsigned what,
                    uint32_t sig, const uint8_t *data, size_t len)
{
    const struct ct_ftab *tab = ct_descs(run);
    const struct ct_fdesc *d = tab ? ct_ftab_find(tab, fn) : NULL;
    if (!d || d->sig != sig)
        return; /* other debug information than recorded: nothing trustworthy to say */
    struct ct_rd r = {data, data + len, false};
    if (what == CT_EXT_ARGS) {
        ct_jw_key(w, "arguments");
        ct_jw_arr(w);
        for (uint16_t i = 0; i < d->nparams; i++) {
            ct_jw_obj(w);
            ct_jw_key(w, "name");
            ct_jw_str(w, d->params[i].name);
            ct_jw_key(w, "type");
            ct_jw_str(w, d->params[i].type->name);
            ct_value_json(w, run, d->params[i].type, &r);
            ct_jw_obj_end(w);
        }
        ct_jw_arr_end(w);
        return;
    }
    if (!d->ret)
        return;
    ct_jw_key(w, "return_value");
    ct_jw_obj(w);
    ct_jw_key(w, "type");
    ct_jw_str(w, d->ret->name);
    ct_value_json(w, run, d->ret, &r);
    ct_jw_obj_end(w);
}
