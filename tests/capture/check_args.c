/* args: CALLTRACE_CAPTURE_ARGS against a truth table.
 *
 *   check_args <prog> c   O0|Og|O2     (tests/capture/progs/args_c.c)
 *   check_args <prog> cxx O0|Og|O2     (tests/capture/progs/args_cxx.cpp)
 *   a level written any-O0 (any-Og, any-O2) allows "optimized_out" everywhere:
 *   for compilers whose DWARF cannot say where a parameter is at the enter hook
 *   (clang -O0 stores the parameters into their DWARF slots after the hook).
 *
 * Every call the program makes with known values is listed below with what its
 * node must say. The hard rule at every level: a value that is present is exactly
 * the one the program passed or returned. At O0 and Og every listed argument and
 * return value must also be present (not "optimized_out"), but for the entries
 * flagged OG (Og only) or ANY (every level) with the reason next to them. At O2
 * "optimized_out" is allowed anywhere; the test prints how much was available:
 *   args available: X/Y, return values available: A/B
 * and CT_ARGS_MIN, when set, is the fewest arguments that must be available.
 *
 * The values are compared on the raw text of the trace, not on cJSON's doubles:
 * a small reader below keeps every value's text, so 64-bit integers are compared
 * digit by digit and floating-point numbers by their bits after strtof/strtod/
 * strtold of that text. Strings are compared byte for byte after decoding the
 * JSON escapes (so "\u0000" is one NUL byte, not an empty string). Aggregates are
 * compared on a canonical rendering of their JSON (no whitespace, numbers as
 * written, strings re-escaped one way), which is why the doubles inside structs
 * are chosen so that every round-trip format prints them the same (2.5, -0.125). */
#include "check_common.h"

#include <math.h>

/* ================================================================ raw JSON reader */

enum jk { J_NULL, J_TRUE, J_FALSE, J_NUM, J_STR, J_ARR, J_OBJ };

struct jv {
    enum jk k;
    const char *raw; /* the value's text in the file */
    size_t rawlen;
    char *s;         /* J_STR: the decoded bytes (NUL-terminated, may hold NULs) */
    size_t slen;
    size_t n;        /* J_ARR/J_OBJ: members */
    char **keys;     /* J_OBJ: decoded keys */
    struct jv **kids;
};

static void jv_free(struct jv *v)
{
    if (!v)
        return;
    for (size_t i = 0; i < v->n; i++) {
        jv_free(v->kids[i]);
        if (v->keys)
            free(v->keys[i]);
    }
    free(v->kids);
    free(v->keys);
    free(v->s);
    free(v);
}

static void jp_ws(const char **p)
{
    while (**p == ' ' || **p == '\n' || **p == '\r' || **p == '\t')
        (*p)++;
}

static int hex4(const char *p, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (unsigned)(c - 'A' + 10);
        else
            return -1;
    }
    *out = v;
    return 0;
}

static size_t put_utf8(char *o, unsigned cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xc0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xe0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        o[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    o[0] = (char)(0xf0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    o[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* *p at the opening quote; decodes into a fresh buffer. */
static char *jp_string(const char **p, size_t *len)
{
    const char *q = *p + 1;
    size_t cap = 16, n = 0;
    char *o = malloc(cap);
    for (;;) {
        if (n + 8 > cap)
            o = realloc(o, cap *= 2);
        unsigned char c = (unsigned char)*q;
        if (c == '\0' || c < 0x20)
            goto bad;
        if (c == '"')
            break;
        if (c != '\\') {
            o[n++] = (char)c;
            q++;
            continue;
        }
        q++;
        switch (*q) {
        case '"': o[n++] = '"'; break;
        case '\\': o[n++] = '\\'; break;
        case '/': o[n++] = '/'; break;
        case 'b': o[n++] = '\b'; break;
        case 'f': o[n++] = '\f'; break;
        case 'n': o[n++] = '\n'; break;
        case 'r': o[n++] = '\r'; break;
        case 't': o[n++] = '\t'; break;
        case 'u': {
            unsigned cp, lo;
            if (hex4(q + 1, &cp))
                goto bad;
            q += 4;
            if (cp >= 0xd800 && cp < 0xdc00 && q[1] == '\\' && q[2] == 'u' && !hex4(q + 3, &lo) &&
                lo >= 0xdc00 && lo < 0xe000) {
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                q += 6;
            }
            n += put_utf8(o + n, cp);
            break;
        }
        default:
            goto bad;
        }
        q++;
    }
    o[n] = '\0';
    *len = n;
    *p = q + 1;
    return o;
bad:
    free(o);
    return NULL;
}

static struct jv *jp_value(const char **p, int depth);

static int jp_add(struct jv *v, char *key, struct jv *kid)
{
    v->kids = realloc(v->kids, (v->n + 1) * sizeof(*v->kids));
    if (v->k == J_OBJ)
        v->keys = realloc(v->keys, (v->n + 1) * sizeof(*v->keys)), v->keys[v->n] = key;
    v->kids[v->n++] = kid;
    return 0;
}

static struct jv *jp_value(const char **p, int depth)
{
    if (depth > 2000)
        return NULL;
    jp_ws(p);
    struct jv *v = calloc(1, sizeof(*v));
    v->raw = *p;
    const char *q = *p;
    if (*q == '{' || *q == '[') {
        int obj = *q == '{';
        v->k = obj ? J_OBJ : J_ARR;
        *p = q + 1;
        jp_ws(p);
        if (**p == (obj ? '}' : ']')) {
            (*p)++;
        } else {
            for (;;) {
                char *key = NULL;
                jp_ws(p);
                if (obj) {
                    size_t kl;
                    if (**p != '"' || !(key = jp_string(p, &kl)))
                        goto bad;
                    jp_ws(p);
                    if (**p != ':') {
                        free(key);
                        goto bad;
                    }
                    (*p)++;
                }
                struct jv *kid = jp_value(p, depth + 1);
                if (!kid) {
                    free(key);
                    goto bad;
                }
                jp_add(v, key, kid);
                jp_ws(p);
                if (**p == ',') {
                    (*p)++;
                    continue;
                }
                if (**p != (obj ? '}' : ']'))
                    goto bad;
                (*p)++;
                break;
            }
        }
    } else if (*q == '"') {
        v->k = J_STR;
        if (!(v->s = jp_string(p, &v->slen)))
            goto bad;
    } else if (strncmp(q, "true", 4) == 0) {
        v->k = J_TRUE;
        *p = q + 4;
    } else if (strncmp(q, "false", 5) == 0) {
        v->k = J_FALSE;
        *p = q + 5;
    } else if (strncmp(q, "null", 4) == 0) {
        v->k = J_NULL;
        *p = q + 4;
    } else if (*q == '-' || (*q >= '0' && *q <= '9')) {
        v->k = J_NUM;
        const char *e = q + (*q == '-');
        if (!(*e >= '0' && *e <= '9'))
            goto bad;
        while (strchr("0123456789.eE+-", *e) && *e)
            e++;
        *p = e;
    } else {
        goto bad;
    }
    v->rawlen = (size_t)(*p - v->raw);
    return v;
bad:
    jv_free(v);
    return NULL;
}

static struct jv *jv_parse(const char *text)
{
    const char *p = text;
    struct jv *v = jp_value(&p, 0);
    jp_ws(&p);
    if (v && *p) {
        jv_free(v);
        return NULL;
    }
    return v;
}

static struct jv *jv_get(const struct jv *o, const char *key)
{
    if (!o || o->k != J_OBJ)
        return NULL;
    for (size_t i = 0; i < o->n; i++)
        if (strcmp(o->keys[i], key) == 0)
            return o->kids[i];
    return NULL;
}

static const char *jv_str(const struct jv *o, const char *key)
{
    const struct jv *v = jv_get(o, key);
    return v && v->k == J_STR ? v->s : NULL;
}

/* ---- canonical text: no whitespace, numbers as written, strings escaped one way */
struct sb {
    char *p;
    size_t n, cap;
};

static void sb_put(struct sb *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        b->cap = (b->n + n + 1) * 2;
        b->p = realloc(b->p, b->cap);
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

static void sb_str(struct sb *b, const char *s, size_t n)
{
    sb_put(b, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char e[8];
        if (c == '"' || c == '\\') {
            e[0] = '\\';
            e[1] = (char)c;
            sb_put(b, e, 2);
        } else if (c < 0x20) {
            snprintf(e, sizeof(e), "\\u%04x", c);
            sb_put(b, e, 6);
        } else {
            sb_put(b, (const char *)&c, 1);
        }
    }
    sb_put(b, "\"", 1);
}

static void jv_canon(struct sb *b, const struct jv *v)
{
    switch (v->k) {
    case J_NULL: sb_put(b, "null", 4); break;
    case J_TRUE: sb_put(b, "true", 4); break;
    case J_FALSE: sb_put(b, "false", 5); break;
    case J_NUM: sb_put(b, v->raw, v->rawlen); break;
    case J_STR: sb_str(b, v->s, v->slen); break;
    case J_ARR:
    case J_OBJ:
        sb_put(b, v->k == J_OBJ ? "{" : "[", 1);
        for (size_t i = 0; i < v->n; i++) {
            if (i)
                sb_put(b, ",", 1);
            if (v->k == J_OBJ) {
                sb_str(b, v->keys[i], strlen(v->keys[i]));
                sb_put(b, ":", 1);
            }
            jv_canon(b, v->kids[i]);
        }
        sb_put(b, v->k == J_OBJ ? "}" : "]", 1);
        break;
    }
}

/* A fresh canonical rendering of v (free it). */
static char *canon(const struct jv *v)
{
    struct sb b = {0};
    sb_put(&b, "", 0);
    jv_canon(&b, v);
    return b.p;
}

/* ================================================================ the truth table */

enum xk {
    X_INT,     /* .s: the exact decimal text */
    X_DBL,     /* .d: a JSON number whose strtod() has the same bits */
    X_FLT,     /* .f: a JSON number whose strtof() has the same bits */
    X_LDBL,    /* .ld: a JSON number whose strtold() is the same value and sign */
    X_NAN,     /* the string "nan" or "-nan" */
    X_CANON,   /* .s: the canonical JSON text (bools, enums, null, aggregates, "inf") */
    X_STR,     /* .s/.len: a JSON string of exactly these bytes */
    X_PATTERN, /* .len: a string of .len bytes 'a' + i % 26, with "truncated": true */
    X_CHAR,    /* .ch: a one-character string: that byte as code point U+00XX */
    X_PTR,     /* .s: the string printed on stdout as "<.s>=0x..." */
    X_UNREAD,  /* .s: hex text, or a stdout key when it has no 0x; "unreadable": true */
    X_FNPTR,   /* .s: stdout key of the address, .sym: {"address":..,"symbol":.sym} */
};

struct xv {
    enum xk k;
    const char *s;
    size_t len;
    double d;
    float f;
    long double ld;
    int ch;
    const char *sym;
};

#define XI(t) {.k = X_INT, .s = (t)}
#define XD(v) {.k = X_DBL, .d = (v)}
#define XF(v) {.k = X_FLT, .f = (v)}
#define XLD(v) {.k = X_LDBL, .ld = (v)}
#define XNAN {.k = X_NAN}
#define XC(t) {.k = X_CANON, .s = (t)}
#define XS(t) {.k = X_STR, .s = (t), .len = sizeof(t) - 1}
#define XPAT(n) {.k = X_PATTERN, .len = (n)}
#define XCH(c) {.k = X_CHAR, .ch = (c)}
#define XP(key) {.k = X_PTR, .s = (key)}
#define XUNR(t) {.k = X_UNREAD, .s = (t)}
#define XFN(key, sym_) {.k = X_FNPTR, .s = (key), .sym = (sym_)}

/* May be "optimized_out": OG at -Og (and O2), ANY at every level. */
enum { OG = 1, ANY = 2 };
/* What the node says about returning. */
enum { R_VAL = 0, R_VOID, R_UNWOUND };

struct xarg {
    const char *name;
    const char *type; /* compared exactly when not NULL */
    struct xv v;
    unsigned may_lack;
};

struct xcall {
    const char *fn; /* exact node name; without '(' also matches "fn(...)" (C++) */
    int nth;        /* which call of fn, in the trace's order */
    struct xarg a[20];
    int ret;        /* R_VAL, R_VOID, R_UNWOUND */
    const char *rtype;
    struct xv r;
    unsigned r_may_lack;
};

#define A(n, t, v) {(n), (t), v, 0}
#define AF(n, t, v, f) {(n), (t), v, (f)}
#define NOARGS {{NULL, NULL, XI(NULL), 0}}
#define VOID .ret = R_VOID
#define RET(t, v) .ret = R_VAL, .rtype = (t), .r = v

static const struct xcall c_calls[] = {
    {"main", 0, {A("argc", "int", XI("1")), A("argv", NULL, XP("argv"))}, RET("int", XI("0"))},
    /* integers */
    {"take_i8", 0, {A("a", "int8_t", XI("-128")), A("b", "int8_t", XI("127")),
                    A("c", "int8_t", XI("-1"))}, VOID},
    {"take_u8", 0, {A("a", "uint8_t", XI("255")), A("b", "uint8_t", XI("0"))}, VOID},
    {"take_chars_signed", 0, {A("a", NULL, XI("-128")), A("b", NULL, XI("255"))}, VOID},
    {"take_i16", 0, {A("a", "int16_t", XI("-32768")), A("b", "int16_t", XI("32767")),
                     A("c", "uint16_t", XI("65535"))}, VOID},
    {"take_short", 0, {A("a", NULL, XI("-1")), A("b", NULL, XI("65535"))}, VOID},
    {"take_i32", 0, {A("a", "int32_t", XI("-2147483648")), A("b", "int32_t", XI("2147483647")),
                     A("c", "int", XI("0")), A("d", "int", XI("-1"))}, VOID},
    {"take_u32", 0, {A("a", "uint32_t", XI("4294967295")), A("b", NULL, XI("0"))}, VOID},
    {"take_i64", 0, {A("a", "int64_t", XI("-9223372036854775808")),
                     A("b", "int64_t", XI("9223372036854775807")), A("c", NULL, XI("-1"))}, VOID},
    {"take_u64", 0, {A("a", "uint64_t", XI("18446744073709551615")), A("b", NULL, XI("0")),
                     A("c", "size_t", XI("12345"))}, VOID},
    {"take_bool", 0, {A("a", "_Bool", XC("true")), A("b", "_Bool", XC("false"))}, VOID},
    {"take_char", 0, {A("a", "char", XCH('A')), A("b", "char", XCH(0)), A("c", "char", XCH(0xff)),
                      A("d", "char", XCH('\n'))}, VOID},
    /* floating point */
    {"take_float", 0, {A("a", "float", XF(1.5f)), A("b", "float", XF(0.1f))}, VOID},
    {"take_double", 0, {A("a", "double", XD(0.1)), A("b", "double", XD(-0.0)),
                        A("c", "double", XD(1e308))}, VOID},
    {"take_special", 0, {A("a", "double", XNAN), A("b", "double", XC("\"inf\"")),
                         A("c", "double", XC("\"-inf\""))}, VOID},
    {"take_ldouble", 0, {A("a", NULL, XLD(0.1L)), A("b", NULL, XLD(-2.5L))}, VOID},
    /* enums: an enumerator, a flag combination, no match */
    {"take_enum", 0, {A("a", "enum color", XC("\"BLUE\"")), A("b", "enum flags", XC("\"F_A|F_C\"")),
                      A("c", "enum color", XI("40"))}, VOID},
    /* pointers and strings */
    {"take_ptr", 0, {A("p", NULL, XP("g_int")), A("q", NULL, XC("\"0x0\""))}, VOID},
    {"take_strs", 0, {A("a", "const char *", XS("hello")), A("b", "const char *", XS("")),
                      A("c", "char *", XS("mutable buffer"))}, VOID},
    {"take_long_str", 0, {A("s", "const char *", XPAT(256))}, VOID},
    {"take_esc_str", 0, {A("s", "const char *", XS("q\"b\\s\nt\tu\xc3\xa9\xe2\x82\xac!"))}, VOID},
    {"take_null_str", 0, {A("s", "const char *", XC("null"))}, VOID},
    {"take_bad_str", 0, {A("s", "const char *", XUNR("0x10"))}, VOID},
    {"take_unmapped_str", 0, {A("s", "const char *", XUNR("unmapped"))}, VOID},
    {"take_fnptr", 0, {A("fn", NULL, XFN("callback", "callback")), A("v", "int", XI("5"))},
     RET("int", XI("15"))},
    {"callback", 0, {A("v", "int", XI("5"))}, RET("int", XI("15"))},
    /* aggregates by value */
    {"take_point", 0, {A("p", "struct point", XC("{\"x\":1,\"y\":-2}"))}, VOID},
    {"take_point_t", 0, {A("p", "point_t", XC("{\"x\":-7,\"y\":8}"))}, VOID},
    {"take_pair_long", 0,
     {A("p", "struct pair_long", XC("{\"a\":-1,\"b\":9223372036854775807}"))}, VOID},
    {"take_mixed", 0, {A("m", "struct mixed", XC("{\"i\":-5,\"d\":0.25}"))}, VOID},
    {"take_with_array", 0, {A("w", "struct with_array", XC("{\"n\":3,\"v\":[10,-20,30]}"))}, VOID},
    {"take_outer", 0, {A("o", "struct outer", XC("{\"p\":{\"x\":1,\"y\":2},\"tag\":7}"))}, VOID},
    {"take_big", 0, {A("b", "struct big", XC("{\"a\":-1,\"b\":2,\"c\":-3,\"d\":4,\"e\":-5,\"f\":6,"
                                              "\"g\":-7,\"h\":8}"))}, VOID},
    /* OG: GCC 12 -Og gives v no location over the call of the enter hook; from the
     * hook's return address on it is "DW_OP_reg3; DW_OP_GNU_uninit" (GCC's var-
     * tracking calls a union kept in a register uninitialized there), and gdb
     * also shows it <optimized out> inside the hook. */
    {"take_union", 0, {AF("v", "union u", XC("{\"i\":1069547520,\"f\":1.5}"), OG)}, VOID},
    {"take_vec2", 0, {A("v", "struct vec2", XC("{\"x\":2.5,\"y\":-0.125}")), A("k", "int", XI("9"))},
     VOID},
    /* many arguments: the rest go on the stack */
    {"ten_ints", 0, {A("a0", "int", XI("101")), A("a1", "int", XI("-102")), A("a2", "int", XI("103")),
                     A("a3", "int", XI("-104")), A("a4", "int", XI("105")), A("a5", "int", XI("-106")),
                     A("a6", "int", XI("107")), A("a7", "int", XI("-108")), A("a8", "int", XI("109")),
                     A("a9", "int", XI("-110"))}, VOID},
    {"ten_doubles", 0, {A("d0", "double", XD(0.5)), A("d1", "double", XD(-1.5)),
                        A("d2", "double", XD(2.5)), A("d3", "double", XD(-3.5)),
                        A("d4", "double", XD(4.5)), A("d5", "double", XD(-5.5)),
                        A("d6", "double", XD(6.5)), A("d7", "double", XD(-7.5)),
                        A("d8", "double", XD(8.5)), A("d9", "double", XD(-9.5))}, VOID},
    {"mixed_many", 0, {A("i0", "int", XI("1")), A("d0", "double", XD(1.5)), A("i1", NULL, XI("-2")),
                       A("f0", "float", XF(2.5f)), A("i2", "int", XI("3")), A("d1", "double", XD(3.5)),
                       A("i3", "int", XI("4")), A("d2", "double", XD(4.5)), A("i4", "int", XI("5")),
                       A("d3", "double", XD(5.5)), A("i5", "int", XI("6")), A("d4", "double", XD(6.5)),
                       A("i6", "int", XI("7")), A("d5", "double", XD(7.5)), A("i7", "int", XI("8")),
                       A("d6", "double", XD(8.5)), A("d7", "double", XD(9.5)),
                       A("d8", "double", XD(10.5)),
                       A("p", "struct point", XC("{\"x\":11,\"y\":12}"))}, VOID},
    /* variadic: only the named parameter */
    {"sum_ints", 0, {A("n", "int", XI("3"))}, RET("int", XI("60"))},
    /* return values */
    {"ret_int", 0, {A("x", "int", XI("1"))}, RET("int", XI("-42"))},
    {"ret_long", 0, NOARGS, RET(NULL, XI("-9223372036854775808"))},
    {"ret_ull", 0, NOARGS, RET(NULL, XI("18446744073709551615"))},
    {"ret_bool", 0, {A("x", "int", XI("3"))}, RET("_Bool", XC("true"))},
    {"ret_char", 0, NOARGS, RET("char", XCH('Z'))},
    {"ret_enum", 0, NOARGS, RET("enum color", XC("\"GREEN\""))},
    {"ret_ptr", 0, NOARGS, RET(NULL, XP("g_int"))},
    {"ret_str", 0, NOARGS, RET("const char *", XS("result string"))},
    {"ret_float", 0, NOARGS, RET("float", XF(-1.25f))},
    {"ret_double", 0, NOARGS, RET("double", XD(0.1))},
    {"ret_point", 0, NOARGS, RET("struct point", XC("{\"x\":3,\"y\":-4}"))},
    {"ret_pair_long", 0, NOARGS,
     RET("struct pair_long", XC("{\"a\":-9223372036854775808,\"b\":7}"))},
    {"ret_vec2", 0, NOARGS, RET("struct vec2", XC("{\"x\":0.5,\"y\":-8.25}"))},
    /* ANY: beyond the contract's list (long double in st(0); a struct returned
     * through memory): optional, but exact when given */
    {"ret_ldouble", 0, NOARGS, RET(NULL, XLD(-0.375L)), .r_may_lack = ANY},
    {"ret_big", 0, NOARGS,
     RET("struct big", XC("{\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"e\":5,\"f\":6,\"g\":7,\"h\":8}")),
     .r_may_lack = ANY},
    {"ret_void", 0, {A("x", "int", XI("4"))}, VOID},
    /* the argument as passed, though the function changes it before returning */
    {"bump", 0, {A("x", "int", XI("10"))}, RET("int", XI("15"))},
    {"counter", 0, {A("i", "int", XI("0"))}, RET("int", XI("0"))},
    {"counter", 1, {A("i", "int", XI("1"))}, RET("int", XI("1"))},
    {"counter", 2, {A("i", "int", XI("2"))}, RET("int", XI("4"))},
    {"counter", 3, {A("i", "int", XI("3"))}, RET("int", XI("9"))},
    {"counter", 4, {A("i", "int", XI("4"))}, RET("int", XI("16"))},
    /* left by longjmp: unwound, no return value */
    {"jumper", 0, {A("x", "int", XI("77"))}, .ret = R_UNWOUND},
    {"jumper", 1, {A("x", "int", XI("78"))}, RET("int", XI("78"))},
};

static const struct xcall cxx_calls[] = {
    {"main", 0, NOARGS, RET("int", XI("0"))},
    {"calc::Acc::Acc(int)", 0, {A("this", NULL, XP("acc")), A("base", "int", XI("100"))}, VOID},
    {"calc::Acc::add(int) const", 0, {A("this", NULL, XP("acc")), A("x", "int", XI("23"))},
     RET("int", XI("123"))},
    {"calc::Acc::get() const", 0, {A("this", NULL, XP("acc"))}, RET("int", XI("100"))},
    {"calc::Acc::scale(int&, int const&)", 0,
     {A("this", NULL, XP("acc")), A("r", NULL, XI("7")), A("by", NULL, XI("9"))}, VOID},
    {"take_refs(int&, int const&)", 0, {A("r", NULL, XI("-3")), A("cr", NULL, XI("2147483647"))},
     VOID},
    {"take_rvalue(int&&)", 0, {A("x", NULL, XI("41"))}, RET("int", XI("42"))},
    {"str_len_ref", 0, {A("s", "const std::string &", XS("hello world"))}, RET(NULL, XI("11"))},
    {"str_len_val", 0, {A("s", "std::string", XS("a string longer than fifteen chars"))},
     RET(NULL, XI("34"))},
    /* ANY: a std::string comes back through memory (the caller's slot); optional,
     * exact when given */
    {"make_name[abi:cxx11](int)", 0, {A("n", "int", XI("7"))}, RET(NULL, XS("name-7")),
     .r_may_lack = ANY},
    {"take_flag(bool)", 0, {A("b", "bool", XC("true"))}, RET("bool", XC("false"))},
    {"over(int)", 0, {A("v", "int", XI("5"))}, RET("int", XI("6"))},
    {"over(double)", 0, {A("v", "double", XD(2.5))}, RET("int", XI("4"))},
    {"over(char const*)", 0, {A("s", "const char *", XS("xyz"))}, RET("int", XI("3"))},
};

/* ================================================================ checking */

static const struct xcall *g_calls;
static size_t g_ncalls;
static const char *g_lang, *g_level; /* "c"/"cxx", "O0"/"Og"/"O2" */
static const char *g_src;             /* the program's source file name */

static int lacks_allowed(unsigned may_lack)
{
    if (strcmp(g_level, "O2") == 0 || strncmp(g_level, "any-", 4) == 0 || (may_lack & ANY))
        return 1;
    return strcmp(g_level, "Og") == 0 && (may_lack & OG);
}

static int fn_matches(const char *node_fn, const char *want)
{
    if (strcmp(node_fn, want) == 0)
        return 1;
    size_t n = strlen(want);
    return !strchr(want, '(') && strncmp(node_fn, want, n) == 0 && node_fn[n] == '(';
}

/* The nth node (document order) named fn under the array `nodes`. */
static const struct jv *find_nth(const struct jv *nodes, const char *fn, int *nth)
{
    if (!nodes || nodes->k != J_ARR)
        return NULL;
    for (size_t i = 0; i < nodes->n; i++) {
        const struct jv *n = nodes->kids[i];
        const char *f = jv_str(n, "function");
        if (f && fn_matches(f, fn) && (*nth)-- == 0)
            return n;
        const struct jv *hit = find_nth(jv_get(n, "children"), fn, nth);
        if (hit)
            return hit;
    }
    return NULL;
}

static const struct jv *find_call(const struct jv *trace, const char *fn, int nth)
{
    const struct jv *trees = jv_get(trace, "call_trees");
    for (size_t i = 0; trees && i < trees->n; i++) {
        const struct jv *hit = find_nth(jv_get(trees->kids[i], "root_calls"), fn, &nth);
        if (hit)
            return hit;
    }
    return NULL;
}

/* "key=0x..." printed by the program, as the string after '=' (static). */
static const char *printed_hex(const struct tu_run *r, const char *key)
{
    static char buf[8][64];
    static int slot;
    char *out = buf[slot++ % 8];
    size_t k = strlen(key);
    for (const char *p = r->out; (p = strstr(p, key)) != NULL; p++)
        if ((p == r->out || p[-1] == '\n' || p[-1] == ' ') && p[k] == '=' && p[k + 1] == '0' &&
            p[k + 2] == 'x') {
            size_t n = strspn(p + k + 1, "0123456789abcdefx");
            snprintf(out, 64, "%.*s", (int)n, p + k + 1);
            return out;
        }
    return NULL;
}

struct tally {
    unsigned args, args_ok, rets, rets_ok;
    unsigned failures;
    char log[16384];
    size_t loglen;
};

__attribute__((format(printf, 2, 3))) static void fail_note(struct tally *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char line[1024];
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    t->failures++;
    if (t->loglen < sizeof(t->log) - 2)
        t->loglen += (size_t)snprintf(t->log + t->loglen, sizeof(t->log) - t->loglen, "  %s\n", line);
}

/* Compares a present value with the expectation; NULL or what is wrong (static). */
static const char *value_wrong(const struct jv *holder, const struct jv *v, const struct xv *x,
                               const struct tu_run *r)
{
    static char why[1200];
    char *got = canon(v);
    const char *res = NULL;
    int unread = jv_get(holder, "unreadable") != NULL, trunc = jv_get(holder, "truncated") != NULL;
    if (unread && x->k != X_UNREAD) {
        res = "marked unreadable";
        goto out;
    }
    if (trunc && x->k != X_PATTERN) {
        res = "marked truncated";
        goto out;
    }
    switch (x->k) {
    case X_INT:
        if (v->k != J_NUM || v->rawlen != strlen(x->s) || memcmp(v->raw, x->s, v->rawlen) != 0)
            snprintf(why, sizeof(why), "expected %s", x->s), res = why;
        break;
    case X_DBL: {
        double d = v->k == J_NUM ? strtod(v->raw, NULL) : NAN;
        if (v->k != J_NUM || memcmp(&d, &x->d, sizeof(d)) != 0)
            snprintf(why, sizeof(why), "expected %.17g", x->d), res = why;
        break;
    }
    case X_FLT: {
        float f = v->k == J_NUM ? strtof(v->raw, NULL) : NAN;
        if (v->k != J_NUM || memcmp(&f, &x->f, sizeof(f)) != 0)
            snprintf(why, sizeof(why), "expected %.9g (a float)", (double)x->f), res = why;
        break;
    }
    case X_LDBL: {
        long double ld = v->k == J_NUM ? strtold(v->raw, NULL) : NAN;
        if (v->k != J_NUM || ld != x->ld || signbit(ld) != signbit(x->ld))
            snprintf(why, sizeof(why), "expected %.21Lg", x->ld), res = why;
        break;
    }
    case X_NAN:
        if (v->k != J_STR || (strcmp(v->s, "nan") != 0 && strcmp(v->s, "-nan") != 0))
            res = "expected \"nan\"";
        break;
    case X_CANON:
        if (strcmp(got, x->s) != 0)
            snprintf(why, sizeof(why), "expected %s", x->s), res = why;
        break;
    case X_STR:
    case X_PATTERN: {
        char pat[512];
        const char *want = x->s;
        if (x->k == X_PATTERN) {
            for (size_t i = 0; i < x->len; i++)
                pat[i] = (char)('a' + i % 26);
            want = pat;
        }
        if (v->k != J_STR || v->slen != x->len || memcmp(v->s, want, x->len) != 0) {
            struct sb b = {0};
            sb_str(&b, want, x->len);
            snprintf(why, sizeof(why), "expected %.1000s", b.p);
            free(b.p);
            res = why;
        } else if (x->k == X_PATTERN && !trunc) {
            res = "no \"truncated\": true";
        }
        break;
    }
    case X_CHAR: {
        char want[4];
        size_t n = put_utf8(want, (unsigned)x->ch);
        if (v->k != J_STR || v->slen != n || memcmp(v->s, want, n) != 0)
            snprintf(why, sizeof(why), "expected the character U+%04X", (unsigned)x->ch), res = why;
        break;
    }
    case X_PTR: {
        const char *want = printed_hex(r, x->s);
        if (!want)
            snprintf(why, sizeof(why), "the program printed no %s=", x->s), res = why;
        else if (v->k != J_STR || strcmp(v->s, want) != 0)
            snprintf(why, sizeof(why), "expected \"%s\"", want), res = why;
        break;
    }
    case X_UNREAD: {
        const char *want = strncmp(x->s, "0x", 2) == 0 ? x->s : printed_hex(r, x->s);
        if (!want)
            snprintf(why, sizeof(why), "the program printed no %s=", x->s), res = why;
        else if (v->k != J_STR || strcmp(v->s, want) != 0)
            snprintf(why, sizeof(why), "expected \"%s\" with \"unreadable\": true", want), res = why;
        else if (!unread)
            res = "no \"unreadable\": true";
        break;
    }
    case X_FNPTR: {
        const char *addr = printed_hex(r, x->s);
        char want[256];
        snprintf(want, sizeof(want), "{\"address\":\"%s\",\"symbol\":\"%s\"}", addr ? addr : "?",
                 x->sym);
        if (!addr)
            snprintf(why, sizeof(why), "the program printed no %s=", x->s), res = why;
        else if (strcmp(got, want) != 0)
            snprintf(why, sizeof(why), "expected %s", want), res = why;
        break;
    }
    }
    /* "unreadable"/"truncated" are true when present */
    if (!res && ((unread && jv_get(holder, "unreadable")->k != J_TRUE) ||
                 (trunc && jv_get(holder, "truncated")->k != J_TRUE)))
        res = "unreadable/truncated is not true";
out:
    if (res) {
        static char full[2600];
        snprintf(full, sizeof(full), "%s, got %.1200s%s%s", res, got, unread ? " (unreadable)" : "",
                 trunc ? " (truncated)" : "");
        res = full;
    }
    free(got);
    return res;
}

static size_t n_args(const struct xcall *c)
{
    size_t n = 0;
    while (n < sizeof(c->a) / sizeof(*c->a) && c->a[n].name)
        n++;
    return n;
}

/* In the compact trace, an available integer must read exactly
 * "name":"<name>","type":"<type>","value":<digits> (the shape's key order). */
static void check_exact_text(struct tally *t, const char *text, const char *fn, const struct jv *obj,
                             const struct xv *x)
{
    if (!text || x->k != X_INT)
        return;
    char needle[512];
    snprintf(needle, sizeof(needle), "\"name\":\"%s\",\"type\":\"%s\",\"value\":%s",
             jv_str(obj, "name"), jv_str(obj, "type"), x->s);
    size_t n = strlen(needle);
    for (const char *p = text; (p = strstr(p, needle)) != NULL; p++)
        if (p[n] == ',' || p[n] == '}')
            return;
    fail_note(t, "%s: the compact trace has no %s", fn, needle);
}

static void check_call(struct tally *t, const struct jv *trace, const struct xcall *c,
                       const struct tu_run *r, const char *compact)
{
    size_t na = n_args(c);
    char fn[300];
    snprintf(fn, sizeof(fn), "%s#%d", c->fn, c->nth);
    t->args += (unsigned)na;
    t->rets += c->ret == R_VAL;
    const struct jv *node = find_call(trace, c->fn, c->nth);
    if (!node) {
        fail_note(t, "%s: no such call in the trace", fn);
        return;
    }
    const struct jv *args = jv_get(node, "arguments");
    if (!args || args->k != J_ARR) {
        fail_note(t, "%s: no \"arguments\" array", fn);
    } else if (args->n != na) {
        char *got = canon(args);
        fail_note(t, "%s: %zu arguments expected, got %.700s", fn, na, got);
        free(got);
    } else {
        for (size_t i = 0; i < na; i++) {
            const struct xarg *x = &c->a[i];
            const struct jv *o = args->kids[i];
            const char *name = jv_str(o, "name"), *type = jv_str(o, "type");
            if (!name || strcmp(name, x->name) != 0) {
                fail_note(t, "%s: argument %zu is named %s, expected %s", fn, i,
                          name ? name : "(none)", x->name);
                continue;
            }
            if (x->type && (!type || strcmp(type, x->type) != 0))
                fail_note(t, "%s(%s): type \"%s\", expected \"%s\"", fn, x->name,
                          type ? type : "(none)", x->type);
            const struct jv *v = jv_get(o, "value");
            if (!v) {
                if (!lacks_allowed(x->may_lack))
                    fail_note(t, "%s(%s): optimized_out at %s", fn, x->name, g_level);
                continue;
            }
            t->args_ok++;
            const char *why = value_wrong(o, v, &x->v, r);
            if (why)
                fail_note(t, "%s(%s) at %s: WRONG VALUE: %s", fn, x->name, g_level, why);
            else
                check_exact_text(t, compact, fn, o, &x->v);
        }
    }
    const struct jv *rv = jv_get(node, "return_value");
    if (c->ret == R_VOID) {
        if (rv)
            fail_note(t, "%s: a void function has a return_value", fn);
        return;
    }
    if (c->ret == R_UNWOUND) {
        const struct jv *u = jv_get(node, "unwound");
        if (!u || u->k != J_TRUE)
            fail_note(t, "%s: not marked unwound", fn);
        if (rv)
            fail_note(t, "%s: an unwound call has a return_value", fn);
        return;
    }
    if (!rv) {
        fail_note(t, "%s: no return_value", fn);
        return;
    }
    const char *type = jv_str(rv, "type");
    if (c->rtype && (!type || strcmp(type, c->rtype) != 0))
        fail_note(t, "%s: return type \"%s\", expected \"%s\"", fn, type ? type : "(none)", c->rtype);
    const struct jv *v = jv_get(rv, "value");
    if (!v) {
        if (!lacks_allowed(c->r_may_lack))
            fail_note(t, "%s: return value optimized_out at %s", fn, g_level);
        return;
    }
    t->rets_ok++;
    const char *why = value_wrong(rv, v, &c->r, r);
    if (why)
        fail_note(t, "%s: return value at %s: WRONG VALUE: %s", fn, g_level, why);
}

typedef void (*node_fn)(const struct jv *node, void *ctx);

static void walk_nodes(const struct jv *nodes, node_fn f, void *ctx)
{
    for (size_t i = 0; nodes && nodes->k == J_ARR && i < nodes->n; i++) {
        f(nodes->kids[i], ctx);
        walk_nodes(jv_get(nodes->kids[i], "children"), f, ctx);
    }
}

static void walk_trace(const struct jv *trace, node_fn f, void *ctx)
{
    const struct jv *trees = jv_get(trace, "call_trees");
    for (size_t i = 0; trees && i < trees->n; i++)
        walk_nodes(jv_get(trees->kids[i], "root_calls"), f, ctx);
}

struct presence {
    unsigned nodes, with_args, with_ret, src_nodes, src_without_args;
    char first_without[256];
};

static void count_presence(const struct jv *n, void *ctx)
{
    struct presence *p = ctx;
    p->nodes++;
    p->with_args += jv_get(n, "arguments") != NULL;
    p->with_ret += jv_get(n, "return_value") != NULL;
    const char *file = jv_str(n, "file");
    size_t fl = file ? strlen(file) : 0, sl = strlen(g_src);
    if (fl >= sl && strcmp(file + fl - sl, g_src) == 0) {
        p->src_nodes++;
        if (!jv_get(n, "arguments") && !p->src_without_args++)
            snprintf(p->first_without, sizeof(p->first_without), "%s", jv_str(n, "function"));
    }
}

/* Checks a trace (trace_check.h), then reads it with the raw reader for the values. */
static struct jv *load_both(const char *path, char **text)
{
    cJSON_Delete(load_valid_at(path));
    *text = slurp(path);
    struct jv *t = jv_parse(*text);
    if (!t)
        fail_msg("%s: the raw reader cannot parse it", path);
    return t;
}

/* Runs the whole table on one trace; prints every failure. */
static void check_table(const struct jv *trace, const struct tu_run *r, const char *compact,
                        struct tally *t)
{
    memset(t, 0, sizeof(*t));
    const struct jv *cap = jv_get(jv_get(trace, "metadata"), "capture_args");
    if (!cap || cap->k != J_TRUE)
        fail_note(t, "metadata.capture_args is not true");
    struct presence p = {0};
    walk_trace(trace, count_presence, &p);
    if (p.src_nodes == 0)
        fail_note(t, "no node from %s", g_src);
    if (p.src_without_args)
        fail_note(t, "%u nodes of %s have no \"arguments\" (the first: %s)", p.src_without_args,
                  g_src, p.first_without);
    for (size_t i = 0; i < g_ncalls; i++)
        check_call(t, trace, &g_calls[i], r, compact);
}

static void report(const struct tally *t, const char *what)
{
    printf("[%s %s %s] args available: %u/%u, return values available: %u/%u, failures: %u\n",
           g_lang, g_level, what, t->args_ok, t->args, t->rets_ok, t->rets, t->failures);
    if (t->failures)
        printf("%s", t->log);
    fflush(stdout);
}

static const char *const k_unset_retval = "CALLTRACE_CAPTURE_RETVAL";

static void capture_off_adds_nothing(void **state)
{
    (void)state;
    struct tu_run r;
    const char *env[] = {k_unset_retval, NULL};
    run_prog(&r, NULL, env);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "done"));
    char *text;
    struct jv *t = load_both(g_trace, &text);
    const struct jv *cap = jv_get(jv_get(t, "metadata"), "capture_args");
    assert_non_null(cap);
    assert_int_equal(cap->k, J_FALSE);
    struct presence p = {0};
    walk_trace(t, count_presence, &p);
    assert_true(p.src_nodes > 10);
    assert_int_equal(p.with_args, 0);
    assert_int_equal(p.with_ret, 0);
    jv_free(t);
    free(text);
}

static struct tally g_pretty;
static int g_pretty_done;

static void capture_on_values_exact(void **state)
{
    (void)state;
    struct tu_run r;
    const char *env[] = {"CALLTRACE_CAPTURE_ARGS=1", k_unset_retval, NULL};
    run_prog(&r, NULL, env);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "done"));
    char *text;
    struct jv *t = load_both(g_trace, &text);
    check_table(t, &r, NULL, &g_pretty);
    g_pretty_done = 1;
    report(&g_pretty, "pretty");
    printf("args available: %u/%u, return values available: %u/%u\n", g_pretty.args_ok,
           g_pretty.args, g_pretty.rets_ok, g_pretty.rets);
    /* README's figures, asserted: CT_ARGS_AT_LEAST="a/b r/s" (set by CMake
     * for the GCC builds) — the corpus has b arguments and s return values,
     * at least a and r of them available */
    const char *floor = getenv("CT_ARGS_AT_LEAST");
    unsigned a, b, rv, rs;
    if (floor) {
        assert_int_equal(sscanf(floor, "%u/%u %u/%u", &a, &b, &rv, &rs), 4);
        assert_int_equal(g_pretty.args, b);
        assert_int_equal(g_pretty.rets, rs);
        if (g_pretty.args_ok < a || g_pretty.rets_ok < rv)
            fail_msg("available: %u/%u args, %u/%u return values; README says at least %s",
                     g_pretty.args_ok, g_pretty.args, g_pretty.rets_ok, g_pretty.rets, floor);
    }
    jv_free(t);
    free(text);
    if (g_pretty.failures)
        fail_msg("%u failures (listed above)", g_pretty.failures);
    /* CT_ARGS_MIN: the fewest arguments that must be available (a level
     * that allows any to be missing still has a floor) */
    const char *min = getenv("CT_ARGS_MIN");
    if (min && g_pretty.args_ok < strtoul(min, NULL, 10))
        fail_msg("%u arguments available, fewer than %s", g_pretty.args_ok, min);
}

static void compact_trace_has_exact_text(void **state)
{
    (void)state;
    struct tu_run r;
    const char *env[] = {"CALLTRACE_CAPTURE_ARGS=1", "CALLTRACE_PRETTY_JSON=0", k_unset_retval, NULL};
    run_prog(&r, NULL, env);
    assert_int_equal(r.status, 0);
    char *text;
    struct jv *t = load_both(g_trace, &text);
    assert_null(strchr(text, '\n'));
    struct tally c;
    check_table(t, &r, text, &c);
    if (g_pretty_done && (c.args_ok != g_pretty.args_ok || c.rets_ok != g_pretty.rets_ok))
        fail_note(&c, "availability differs between the pretty and the compact run");
    report(&c, "compact");
    jv_free(t);
    free(text);
    if (c.failures)
        fail_msg("%u failures (listed above)", c.failures);
}

static void retval_off_keeps_arguments(void **state)
{
    (void)state;
    struct tu_run r;
    const char *env[] = {"CALLTRACE_CAPTURE_ARGS=1", "CALLTRACE_CAPTURE_RETVAL=0", NULL};
    run_prog(&r, NULL, env);
    assert_int_equal(r.status, 0);
    char *text;
    struct jv *t = load_both(g_trace, &text);
    struct presence p = {0};
    walk_trace(t, count_presence, &p);
    assert_true(p.src_nodes > 10);
    if (p.src_without_args)
        fail_msg("%u nodes of %s have no arguments (the first: %s)", p.src_without_args, g_src,
                 p.first_without);
    assert_int_equal(p.with_ret, 0);
    jv_free(t);
    free(text);
}

/* The call tree as text: one line per node, its depth, name and close flags. */
static void shape_nodes(struct sb *b, const struct jv *nodes, int depth)
{
    for (size_t i = 0; nodes && nodes->k == J_ARR && i < nodes->n; i++) {
        const struct jv *n = nodes->kids[i];
        char line[160];
        const struct jv *u = jv_get(n, "unwound"), *f = jv_get(n, "unfinished");
        snprintf(line, sizeof(line), "%d %.120s%s%s\n", depth, jv_str(n, "function"),
                 u && u->k == J_TRUE ? " [unwound]" : "", f && f->k == J_TRUE ? " [unfinished]" : "");
        sb_put(b, line, strlen(line));
        shape_nodes(b, jv_get(n, "children"), depth + 1);
    }
}

static char *tree_shape(const char *const env[])
{
    struct tu_run r;
    run_prog(&r, NULL, env);
    assert_int_equal(r.status, 0);
    char *text;
    struct jv *t = load_both(g_trace, &text);
    struct sb b = {0};
    sb_put(&b, "", 0);
    const struct jv *trees = jv_get(t, "call_trees");
    for (size_t i = 0; trees && i < trees->n; i++)
        shape_nodes(&b, jv_get(trees->kids[i], "root_calls"), 0);
    jv_free(t);
    free(text);
    return b.p;
}

/* Capturing changes nothing in the tree: the same calls, nesting and flags. */
static void capture_keeps_the_tree(void **state)
{
    (void)state;
    const char *off[] = {k_unset_retval, NULL};
    const char *on[] = {"CALLTRACE_CAPTURE_ARGS=1", k_unset_retval, NULL};
    char *a = tree_shape(off), *b = tree_shape(on);
    if (strcmp(a, b) != 0) {
        const char *p = a, *q = b;
        int line = 1;
        while (*p && *p == *q) {
            line += *p == '\n';
            p++, q++;
        }
        while (p > a && p[-1] != '\n')
            p--, q--;
        fail_msg("the tree differs with capture on, from node %d:\n  off: %.300s\n  on:  %.300s",
                 line, p, q);
    }
    free(a);
    free(b);
}

/* check_args --trace TRACE STDOUT_FILE c|cxx O0|Og|O2: the table against a
 * given trace (to try the checker itself on a hand-written one). */
static int offline(char **argv)
{
    static struct tu_run r;
    char *out = slurp(argv[3]);
    snprintf(r.out, sizeof(r.out), "%s", out);
    free(out);
    char *text = slurp(argv[2]);
    struct jv *t = jv_parse(text);
    if (!t) {
        fprintf(stderr, "%s: cannot parse\n", argv[2]);
        return 2;
    }
    const char *why = tc_check_file(argv[2], NULL);
    if (why)
        printf("trace_check: %s\n", why);
    struct tally c;
    check_table(t, &r, strchr(text, '\n') ? NULL : text, &c);
    report(&c, "offline");
    jv_free(t);
    free(text);
    return c.failures || why ? 1 : 0;
}

int main(int argc, char **argv)
{
    int off = argc == 6 && strcmp(argv[1], "--trace") == 0;
    if (!off && argc != 4) {
        fprintf(stderr, "usage: %s PROGRAM c|cxx [any-]O0|Og|O2\n"
                        "       %s --trace TRACE STDOUT_FILE c|cxx O0|Og|O2\n", argv[0], argv[0]);
        return 2;
    }
    g_lang = argv[argc - 2];
    g_level = argv[argc - 1];
    const char *lv = strncmp(g_level, "any-", 4) == 0 ? g_level + 4 : g_level;
    if (strcmp(lv, "O0") != 0 && strcmp(lv, "Og") != 0 && strcmp(lv, "O2") != 0) {
        fprintf(stderr, "unknown level %s\n", g_level);
        return 2;
    }
    if (strcmp(g_lang, "c") == 0) {
        g_calls = c_calls;
        g_ncalls = sizeof(c_calls) / sizeof(*c_calls);
        g_src = "args_c.c";
    } else if (strcmp(g_lang, "cxx") == 0) {
        g_calls = cxx_calls;
        g_ncalls = sizeof(cxx_calls) / sizeof(*cxx_calls);
        g_src = "args_cxx.cpp";
    } else {
        fprintf(stderr, "unknown language %s\n", g_lang);
        return 2;
    }
    if (off)
        return offline(argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(capture_off_adds_nothing),
        cmocka_unit_test(capture_on_values_exact),
        cmocka_unit_test(compact_trace_has_exact_text),
        cmocka_unit_test(retval_off_keeps_arguments),
        cmocka_unit_test(capture_keeps_the_tree),
    };
    return check_main(2, argv, tests, sizeof(tests) / sizeof(*tests), "args");
}
