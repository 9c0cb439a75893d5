/* capture_types.c — arena helpers, scope names and the type graph of the
 * capture descriptors (capture_dwarf_priv.h): every type a parameter or a
 * return value has, built once per DIE offset: base types by encoding,
 * typedefs and cv-qualifiers resolved to a readable name, pointers (char
 * pointers as strings, function pointers), C++ references, structs, unions
 * (members, bit-fields), enums (enumerators), arrays, std::string. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/hash.h"
#include "capture/capture_dwarf_priv.h"

#define CT_CAP_MAP_MIN_BITS 10 /* 1024 slots at first */
#define CT_CAP_MAX_MEMBERS 64  /* members of a struct shown */
#define CT_CAP_MAX_ENUMS 128   /* enumerators of an enum named */
#define CT_CAP_MAX_TYPE_SIZE (1u << 30)
#define CT_BITS_UNREAD 0xffff  /* bit_size of a DWARF 2 bit-field: its offset is not read */
#define CT_FN_TYPE_COUNT UINT32_MAX /* count of a subroutine type: pointers to it are FNPTR */
/* libstdc++'s std::string (the C++11 ABI): its name's start, its size. */
#define CT_STDSTRING_BASIC "std::__cxx11::basic_string<char,"
#define CT_STDSTRING_SIZE 32u

CT_INTERNAL void *ct_cap_zalloc(struct ct_cap *c, size_t n)
{
    void *p = ct_arena_alloc(c->arena, n);
    if (p)
        memset(p, 0, n);
    return p;
}

CT_INTERNAL const char *ct_cap_cat(struct ct_cap *c, const char *a, const char *b, const char *d)
{
    size_t la = strlen(a), lb = strlen(b), ld = strlen(d);
    char *s = ct_arena_alloc(c->arena, la + lb + ld + 1);
    if (!s)
        return "?";
    memcpy(s, a, la);
    memcpy(s + la, b, lb);
    memcpy(s + la + lb, d, ld + 1);
    return s;
}

/* The DIE's name in the arena, or NULL. */
CT_INTERNAL const char *ct_cap_name(struct ct_cap *c, Dwarf_Die d)
{
    const char *n = ct_dwalk_string(&c->w, d, DW_AT_name);
    return n ? ct_arena_strndup(c->arena, n, strlen(n)) : NULL;
}

/* ---- scopes and the type cache ------------------------------------------- */

/* The value slot of off, added (NULL) when absent; NULL on allocation failure. */
CT_NOINST static void **cd_map_slot(struct ct_cap_map *m, Dwarf_Off off)
{
    if (m->n * 2 >= m->cap) { /* keep the load under 1/2 */
        unsigned bits = m->bits ? m->bits + 1 : CT_CAP_MAP_MIN_BITS;
        size_t cap = (size_t)1 << bits;
        struct ct_cap_map_ent *v = calloc(cap, sizeof(*v));
        if (!v)
            return NULL;
        for (size_t i = 0; i < m->cap; i++)
            if (m->v[i].off) {
                size_t j = ct_hash_slot(m->v[i].off, bits);
                while (v[j].off)
                    j = (j + 1) & (cap - 1);
                v[j] = m->v[i];
            }
        free(m->v);
        m->v = v;
        m->cap = cap;
        m->bits = bits;
    }
    size_t j = ct_hash_slot(off, m->bits);
    while (m->v[j].off && m->v[j].off != off)
        j = (j + 1) & (m->cap - 1);
    if (!m->v[j].off) {
        m->v[j].off = off;
        m->n++;
    }
    return &m->v[j].val;
}

CT_NOINST static void *cd_map_get(const struct ct_cap_map *m, Dwarf_Off off)
{
    for (size_t j = m->cap ? ct_hash_slot(off, m->bits) : 0; m->cap && m->v[j].off; j = (j + 1) & (m->cap - 1))
        if (m->v[j].off == off)
            return m->v[j].val;
    return NULL;
}

void ct_cap_scope_add(struct ct_cap *c, Dwarf_Off off, const char *prefix)
{
    void **slot = cd_map_slot(&c->scopes, off);
    if (slot)
        *slot = (void *)(uintptr_t)prefix;
}

CT_NOINST static const char *cd_scope_of(const struct ct_cap *c, Dwarf_Off off)
{
    const char *p = cd_map_get(&c->scopes, off);
    return p ? p : "";
}

const struct ct_type ct_void_type = {.kind = CT_T_UNKNOWN, .name = "void"};


/* The type an attribute DW_AT_type of d names (void when absent). */
CT_NOINST static const struct ct_type *cd_type_of(struct ct_cap *c, Dwarf_Die d, unsigned depth)
{
    Dwarf_Off off = ct_dwalk_ref(&c->w, d, DW_AT_type);
    return off ? ct_cap_type(c, off, depth + 1) : NULL;
}

CT_NOINST static const char *cd_tname(const struct ct_type *t)
{
    return t ? t->name : "void";
}

/* The named type's name as written: "struct point" in C, "ns::point" in C++. */
CT_NOINST static const char *cd_aggr_name(struct ct_cap *c, Dwarf_Die d, Dwarf_Off off, const char *kw)
{
    const char *n = ct_cap_name(c, d);
    if (!n)
        n = "<anonymous>";
    return c->w.cu_is_c ? ct_cap_cat(c, kw, " ", n) : ct_cap_cat(c, cd_scope_of(c, off), n, "");
}

CT_NOINST static void cd_members(struct ct_cap *c, Dwarf_Die d, struct ct_type *t, unsigned depth)
{
    struct ct_member tmp[CT_CAP_MAX_MEMBERS];
    uint32_t n = 0;
    struct ct_dwalk_iter it;
    for (Dwarf_Die ch = ct_dwalk_first(&c->w, d, &it); ch && n < CT_ARRAY_LEN(tmp); ch = ct_dwalk_next(&c->w, &it)) {
        Dwarf_Half tag = ct_dwalk_tag(&c->w, ch);
        bool is_static = ct_dwalk_has(&c->w, ch, DW_AT_external) || ct_dwalk_has(&c->w, ch, DW_AT_declaration);
        if ((tag == DW_TAG_member || tag == DW_TAG_inheritance) && !is_static) {
            struct ct_member *m = &tmp[n];
            memset(m, 0, sizeof(*m));
            m->type = cd_type_of(c, ch, depth);
            m->name = tag == DW_TAG_inheritance ? cd_tname(m->type) : ct_cap_name(c, ch);
            if (!m->name)
                m->name = "";
            Dwarf_Unsigned v = 0;
            if (ct_dwalk_const(&c->w, ch, DW_AT_data_member_location, &v))
                m->off = (uint32_t)v;
            if (ct_dwalk_const(&c->w, ch, DW_AT_bit_size, &v)) {
                m->bit_size = (uint16_t)v;
                Dwarf_Unsigned bo = 0;
                if (ct_dwalk_const(&c->w, ch, DW_AT_data_bit_offset, &bo)) {
                    m->off = (uint32_t)(bo / 8);
                    m->bit_off = (uint16_t)(bo % 8);
                } else {
                    m->bit_size = CT_BITS_UNREAD;
                }
            }
            if (m->type && m->bit_size != CT_BITS_UNREAD && (uint64_t)m->off + (m->bit_size ? 1 : m->type->size) <= t->size)
                n++;
        }
    }
    ct_dwalk_end(&it);
    t->members = ct_cap_zalloc(c, n * sizeof(*t->members) + 1);
    if (t->members) {
        memcpy(t->members, tmp, n * sizeof(*tmp));
        t->n = n;
    }
}

CT_NOINST static void cd_enumerators(struct ct_cap *c, Dwarf_Die d, struct ct_type *t)
{
    struct ct_enumer tmp[CT_CAP_MAX_ENUMS];
    uint32_t n = 0;
    struct ct_dwalk_iter it;
    for (Dwarf_Die ch = ct_dwalk_first(&c->w, d, &it); ch && n < CT_ARRAY_LEN(tmp); ch = ct_dwalk_next(&c->w, &it)) {
        Dwarf_Unsigned v = 0;
        if (ct_dwalk_tag(&c->w, ch) == DW_TAG_enumerator && ct_dwalk_const(&c->w, ch, DW_AT_const_value, &v)) {
            tmp[n].name = ct_cap_name(c, ch);
            tmp[n].value = (int64_t)v;
            if (tmp[n].name)
                n++;
        }
    }
    ct_dwalk_end(&it);
    t->enums = ct_cap_zalloc(c, n * sizeof(*t->enums) + 1);
    if (t->enums) {
        memcpy(t->enums, tmp, n * sizeof(*tmp));
        t->n = n;
    }
}

/* Element count of an array type (one dimension), or 0. */
CT_NOINST static uint32_t cd_array_count(struct ct_cap *c, Dwarf_Die d, bool *multi)
{
    uint32_t count = 0, dims = 0;
    struct ct_dwalk_iter it;
    for (Dwarf_Die ch = ct_dwalk_first(&c->w, d, &it); ch; ch = ct_dwalk_next(&c->w, &it)) {
        if (ct_dwalk_tag(&c->w, ch) == DW_TAG_subrange_type) {
            Dwarf_Unsigned v = 0;
            dims++;
            if (ct_dwalk_const(&c->w, ch, DW_AT_count, &v))
                count = (uint32_t)v;
            else if (ct_dwalk_const(&c->w, ch, DW_AT_upper_bound, &v) && v < UINT32_MAX)
                count = (uint32_t)v + 1;
        }
    }
    ct_dwalk_end(&it);
    *multi = dims > 1;
    return count;
}
/* ---- the types, one builder per kind of DIE ------------------------------ */

CT_NOINST static void cd_base_type(struct ct_cap *c, struct ct_type *t, Dwarf_Die d)
{
    const char *n = ct_cap_name(c, d);
    t->name = n ? n : "?";
    Dwarf_Unsigned enc = 0;
    ct_dwalk_const(&c->w, d, DW_AT_encoding, &enc);
    switch (enc) {
    case DW_ATE_signed: t->kind = CT_T_SINT; break;
    case DW_ATE_unsigned: case DW_ATE_UTF: t->kind = CT_T_UINT; break;
    case DW_ATE_boolean: t->kind = CT_T_BOOL; break;
    case DW_ATE_float: t->kind = CT_T_FLOAT; break;
    case DW_ATE_signed_char:
    case DW_ATE_unsigned_char:
        t->kind = n && strcmp(n, "char") == 0 ? CT_T_CHAR
                  : enc == DW_ATE_signed_char ? CT_T_SINT : CT_T_UINT;
        break;
    default: t->kind = CT_T_UNKNOWN; break;
    }
    if ((t->kind == CT_T_SINT || t->kind == CT_T_UINT || t->kind == CT_T_BOOL ||
         t->kind == CT_T_CHAR) && (t->size == 0 || t->size > 8))
        t->kind = CT_T_UNKNOWN; /* __int128 and the like: not shown */
    if (t->kind == CT_T_FLOAT && t->size != 4 && t->size != 8 && t->size != 16)
        t->kind = CT_T_UNKNOWN;
}

CT_NOINST static void cd_typedef(struct ct_cap *c, struct ct_type *t, Dwarf_Die d, Dwarf_Off off,
                                 unsigned depth)
{
    const struct ct_type *to = cd_type_of(c, d, depth);
    const char *n = ct_cap_name(c, d);
    if (to)
        *t = *to;
    else
        t->kind = CT_T_UNKNOWN;
    t->name = n ? ct_cap_cat(c, c->w.cu_is_c ? "" : cd_scope_of(c, off), n, "") : cd_tname(to);
    if (!c->w.cu_is_c && strcmp(t->name, "std::string") == 0 && to && to->kind == CT_T_STDSTR)
        t->kind = CT_T_STDSTR;
}

/* const, volatile, restrict, _Atomic: the type itself, renamed. */
CT_NOINST static void cd_qualified(struct ct_cap *c, struct ct_type *t, Dwarf_Die d, Dwarf_Half tag,
                                   unsigned depth)
{
    const struct ct_type *to = cd_type_of(c, d, depth);
    const char *q = tag == DW_TAG_const_type ? "const" : tag == DW_TAG_volatile_type ? "volatile"
                    : tag == DW_TAG_restrict_type ? "restrict" : "_Atomic";
    if (to)
        *t = *to;
    else
        t->kind = CT_T_UNKNOWN;
    bool ptr = to && (to->kind == CT_T_PTR || to->kind == CT_T_CSTR || to->kind == CT_T_FNPTR);
    t->name = ptr ? ct_cap_cat(c, to->name, " ", q) : ct_cap_cat(c, q, " ", cd_tname(to));
}

/* Pointers and C++ references. */
CT_NOINST static void cd_pointer(struct ct_cap *c, struct ct_type *t, Dwarf_Die d, Dwarf_Half tag,
                                 unsigned depth)
{
    t->size = 8;
    t->kind = CT_T_PTR; /* until the target is known: a cycle sees a plain pointer */
    const struct ct_type *to = cd_type_of(c, d, depth);
    t->target = to;
    if (tag != DW_TAG_pointer_type) {
        t->kind = to && to->kind != CT_T_UNKNOWN ? CT_T_REF : CT_T_PTR;
        t->name = ct_cap_cat(c, cd_tname(to), tag == DW_TAG_reference_type ? " &" : " &&", "");
    } else if (to && to->kind == CT_T_CHAR) {
        t->kind = CT_T_CSTR;
        t->name = ct_cap_cat(c, to->name, " *", "");
    } else if (to && to->count == CT_FN_TYPE_COUNT) { /* a subroutine type, see below */
        t->kind = CT_T_FNPTR;
        t->name = ct_cap_cat(c, to->name, "", "");
    } else {
        t->name = ct_cap_cat(c, cd_tname(to), " *", "");
    }
}

/* Structures, classes, unions; libstdc++'s std::string. */
CT_NOINST static void cd_aggregate(struct ct_cap *c, struct ct_type *t, Dwarf_Die d, Dwarf_Half tag,
                                   Dwarf_Off off, unsigned depth)
{
    t->kind = tag == DW_TAG_union_type ? CT_T_UNION : CT_T_STRUCT;
    t->name = cd_aggr_name(c, d, off, tag == DW_TAG_union_type ? "union" : "struct");
    if (ct_dwalk_has(&c->w, d, DW_AT_declaration) || t->size == 0) {
        t->kind = CT_T_UNKNOWN;
        return;
    }
    if (!c->w.cu_is_c && strncmp(t->name, CT_STDSTRING_BASIC, strlen(CT_STDSTRING_BASIC)) == 0 &&
        t->size == CT_STDSTRING_SIZE) {
        t->kind = CT_T_STDSTR;
        t->name = "std::string";
        return;
    }
    cd_members(c, d, t, depth);
}

CT_NOINST static void cd_enum(struct ct_cap *c, struct ct_type *t, Dwarf_Die d, Dwarf_Off off,
                              unsigned depth)
{
    t->kind = CT_T_ENUM;
    t->name = cd_aggr_name(c, d, off, "enum");
    const struct ct_type *u = cd_type_of(c, d, depth);
    t->is_signed = u ? u->kind == CT_T_SINT : false;
    if (!u) { /* no underlying type given: signed if an enumerator is negative */
        Dwarf_Unsigned enc = 0;
        t->is_signed = ct_dwalk_const(&c->w, d, DW_AT_encoding, &enc) && enc == DW_ATE_signed;
    }
    if (t->size == 0 || t->size > 8 || ct_dwalk_has(&c->w, d, DW_AT_declaration)) {
        t->kind = CT_T_UNKNOWN;
        return;
    }
    cd_enumerators(c, d, t);
}

CT_NOINST static void cd_array(struct ct_cap *c, struct ct_type *t, Dwarf_Die d, unsigned depth)
{
    bool multi = false;
    const struct ct_type *el = cd_type_of(c, d, depth);
    t->count = cd_array_count(c, d, &multi);
    t->target = el;
    char buf[24];
    snprintf(buf, sizeof buf, " [%u]", t->count);
    t->name = ct_cap_cat(c, cd_tname(el), buf, "");
    t->kind = el && !multi && t->count && el->size ? CT_T_ARRAY : CT_T_UNKNOWN;
    if (t->kind == CT_T_ARRAY)
        t->size = t->count * el->size;
}

CT_NOINST static void cd_type_fill(struct ct_cap *c, struct ct_type *t, Dwarf_Die d, Dwarf_Off off,
                                   unsigned depth)
{
    Dwarf_Half tag = ct_dwalk_tag(&c->w, d);
    Dwarf_Unsigned v = 0;
    t->name = "?";
    t->kind = CT_T_UNKNOWN;
    if (ct_dwalk_const(&c->w, d, DW_AT_byte_size, &v) && v < CT_CAP_MAX_TYPE_SIZE)
        t->size = (uint32_t)v;
    switch (tag) {
    case DW_TAG_base_type: cd_base_type(c, t, d); break;
    case DW_TAG_typedef: cd_typedef(c, t, d, off, depth); break;
    case DW_TAG_const_type:
    case DW_TAG_volatile_type:
    case DW_TAG_restrict_type:
    case DW_TAG_atomic_type: cd_qualified(c, t, d, tag, depth); break;
    case DW_TAG_pointer_type:
    case DW_TAG_reference_type:
    case DW_TAG_rvalue_reference_type: cd_pointer(c, t, d, tag, depth); break;
    case DW_TAG_structure_type:
    case DW_TAG_class_type:
    case DW_TAG_union_type: cd_aggregate(c, t, d, tag, off, depth); break;
    case DW_TAG_enumeration_type: cd_enum(c, t, d, off, depth); break;
    case DW_TAG_array_type: cd_array(c, t, d, depth); break;
    case DW_TAG_subroutine_type: {
        const struct ct_type *r = cd_type_of(c, d, depth);
        t->count = CT_FN_TYPE_COUNT; /* marks a function type for pointers to it */
        t->name = ct_cap_cat(c, cd_tname(r), " (*)()", "");
        break;
    }
    case DW_TAG_unspecified_type: {
        const char *n = ct_cap_name(c, d);
        t->name = n ? n : "?";
        break;
    }
    default:
        break;
    }
}

CT_INTERNAL const struct ct_type *ct_cap_type(struct ct_cap *c, Dwarf_Off off, unsigned depth)
{
    void **slot = cd_map_slot(&c->types, off);
    if (!slot)
        return &ct_void_type;
    if (*slot)
        return *slot;
    struct ct_type *t = ct_cap_zalloc(c, sizeof(*t));
    if (!t)
        return &ct_void_type;
    t->name = "?";
    *slot = t; /* before recursing: a cycle ends here */
    if (depth > CT_CAP_MAX_DEPTH)
        return t;
    Dwarf_Die d = ct_dwalk_die(&c->w, off);
    if (!d)
        return t;
    cd_type_fill(c, t, d, off, depth);
    dwarf_dealloc_die(d);
    return t;
}
