/* capture_types.c — DIE helpers, scope names and the type graph of the
 * capture descriptors (capture_dwarf_priv.h): every type a parameter or a
 * return value has, built once per DIE offset: base types by encoding,
 * typedefs and cv-qualifiers resolved to a readable name, pointers (char
 * pointers as strings, function pointers), C++ references, structs, unions
 * (members, bit-fields), enums (enumerators), arrays, std::string. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/capture_dwarf_priv.h"

CT_INTERNAL void cd_err(struct cd *c)
{
    if (c->err) {
        c->nerrors++;
        dwarf_dealloc_error(c->dbg, c->err);
        c->err = NULL;
    }
}

CT_INTERNAL void *cd_zalloc(struct cd *c, size_t n)
{
    void *p = ct_arena_alloc(c->arena, n);
    if (p)
        memset(p, 0, n);
    return p;
}

CT_INTERNAL const char *cd_cat(struct cd *c, const char *a, const char *b, const char *d)
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

CT_INTERNAL Dwarf_Die cd_die(struct cd *c, Dwarf_Off off)
{
    Dwarf_Die d = NULL;
    if (dwarf_offdie_b(c->dbg, off, true, &d, &c->err) != DW_DLV_OK) {
        cd_err(c);
        return NULL;
    }
    return d;
}

CT_INTERNAL Dwarf_Half cd_tag(struct cd *c, Dwarf_Die d)
{
    Dwarf_Half tag = 0;
    if (dwarf_tag(d, &tag, &c->err) != DW_DLV_OK)
        cd_err(c);
    return tag;
}

/* The DIE offset an attribute refers to, or 0. */
CT_INTERNAL Dwarf_Off cd_ref(struct cd *c, Dwarf_Die d, Dwarf_Half name)
{
    Dwarf_Attribute a = NULL;
    Dwarf_Off off = 0;
    if (dwarf_attr(d, name, &a, &c->err) != DW_DLV_OK) {
        cd_err(c);
        return 0;
    }
    if (dwarf_global_formref(a, &off, &c->err) != DW_DLV_OK) {
        cd_err(c);
        off = 0;
    }
    dwarf_dealloc_attribute(a);
    return off;
}

CT_INTERNAL bool cd_udata(struct cd *c, Dwarf_Die d, Dwarf_Half name, Dwarf_Unsigned *v)
{
    Dwarf_Attribute a = NULL;
    if (dwarf_attr(d, name, &a, &c->err) != DW_DLV_OK) {
        cd_err(c);
        return false;
    }
    int r = dwarf_formudata(a, v, &c->err);
    if (r != DW_DLV_OK) {
        cd_err(c);
        Dwarf_Signed s = 0;
        r = dwarf_formsdata(a, &s, &c->err);
        cd_err(c);
        *v = (Dwarf_Unsigned)s;
    }
    dwarf_dealloc_attribute(a);
    return r == DW_DLV_OK;
}

CT_INTERNAL bool cd_flag(struct cd *c, Dwarf_Die d, Dwarf_Half name)
{
    Dwarf_Bool has = 0;
    if (dwarf_hasattr(d, name, &has, &c->err) != DW_DLV_OK)
        cd_err(c);
    return has;
}

/* The DIE's name in the arena, or NULL. */
CT_INTERNAL const char *cd_name(struct cd *c, Dwarf_Die d)
{
    char *n = NULL;
    if (dwarf_diename(d, &n, &c->err) != DW_DLV_OK) {
        cd_err(c);
        return NULL;
    }
    return ct_arena_strndup(c->arena, n, strlen(n));
}

/* ---- children of a DIE --------------------------------------------------- */

/* Keeps d as the current child if it lies after the previous one. */
CT_NOINST static Dwarf_Die cd_take(struct cd *c, struct cd_iter *it, Dwarf_Die d)
{
    Dwarf_Off off = 0;
    if (d && (dwarf_dieoffset(d, &off, &c->err) != DW_DLV_OK || off <= it->prev)) {
        cd_err(c);
        dwarf_dealloc_die(d);
        d = NULL;
    }
    it->prev = off;
    it->die = d;
    return d;
}

Dwarf_Die cd_first(struct cd *c, Dwarf_Die parent, struct cd_iter *it)
{
    Dwarf_Die d = NULL;
    it->die = NULL;
    it->prev = 0;
    if (dwarf_child(parent, &d, &c->err) != DW_DLV_OK) {
        cd_err(c);
        return NULL;
    }
    return cd_take(c, it, d);
}

Dwarf_Die cd_next(struct cd *c, struct cd_iter *it)
{
    Dwarf_Die next = NULL;
    int r = dwarf_siblingof_b(c->dbg, it->die, true, &next, &c->err);
    dwarf_dealloc_die(it->die);
    it->die = NULL;
    if (r != DW_DLV_OK) {
        cd_err(c);
        return NULL;
    }
    return cd_take(c, it, next);
}

void cd_iter_end(struct cd_iter *it)
{
    if (it->die)
        dwarf_dealloc_die(it->die);
    it->die = NULL;
}

/* ---- scopes and the type cache ------------------------------------------- */

CT_NOINST static size_t cd_hash(Dwarf_Off off, size_t cap)
{
    return (size_t)((off * UINT64_C(0x9e3779b97f4a7c15)) >> 20) & (cap - 1);
}

/* The value slot of off, added (NULL) when absent; NULL on allocation failure. */
CT_NOINST static void **cd_map_slot(struct cd_map *m, Dwarf_Off off)
{
    if (m->n * 2 >= m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 1024;
        struct cd_map_ent *v = calloc(cap, sizeof(*v));
        if (!v)
            return NULL;
        for (size_t i = 0; i < m->cap; i++)
            if (m->v[i].off) {
                size_t j = cd_hash(m->v[i].off, cap);
                while (v[j].off)
                    j = (j + 1) & (cap - 1);
                v[j] = m->v[i];
            }
        free(m->v);
        m->v = v;
        m->cap = cap;
    }
    size_t j = cd_hash(off, m->cap);
    while (m->v[j].off && m->v[j].off != off)
        j = (j + 1) & (m->cap - 1);
    if (!m->v[j].off) {
        m->v[j].off = off;
        m->n++;
    }
    return &m->v[j].val;
}

CT_NOINST static void *cd_map_get(const struct cd_map *m, Dwarf_Off off)
{
    for (size_t j = m->cap ? cd_hash(off, m->cap) : 0; m->cap && m->v[j].off; j = (j + 1) & (m->cap - 1))
        if (m->v[j].off == off)
            return m->v[j].val;
    return NULL;
}

void cd_scope_add(struct cd *c, Dwarf_Off off, const char *prefix)
{
    void **slot = cd_map_slot(&c->scopes, off);
    if (slot)
        *slot = (void *)(uintptr_t)prefix;
}

CT_NOINST static const char *cd_scope_of(const struct cd *c, Dwarf_Off off)
{
    const char *p = cd_map_get(&c->scopes, off);
    return p ? p : "";
}

const struct ct_type ct_void_type = {.kind = CT_T_UNKNOWN, .name = "void"};


/* The type an attribute DW_AT_type of d names (void when absent). */
CT_NOINST static const struct ct_type *cd_type_of(struct cd *c, Dwarf_Die d, unsigned depth)
{
    Dwarf_Off off = cd_ref(c, d, DW_AT_type);
    return off ? cd_type(c, off, depth + 1) : NULL;
}

CT_NOINST static const char *cd_tname(const struct ct_type *t)
{
    return t ? t->name : "void";
}

/* The named type's name as written: "struct point" in C, "ns::point" in C++. */
CT_NOINST static const char *cd_aggr_name(struct cd *c, Dwarf_Die d, Dwarf_Off off, const char *kw)
{
    const char *n = cd_name(c, d);
    if (!n)
        n = "<anonymous>";
    return c->cu_c ? cd_cat(c, kw, " ", n) : cd_cat(c, cd_scope_of(c, off), n, "");
}

CT_NOINST static void cd_members(struct cd *c, Dwarf_Die d, struct ct_type *t, unsigned depth)
{
    struct ct_member tmp[64];
    uint32_t n = 0;
    struct cd_iter it;
    for (Dwarf_Die ch = cd_first(c, d, &it); ch && n < CT_ARRAY_LEN(tmp); ch = cd_next(c, &it)) {
        Dwarf_Half tag = cd_tag(c, ch);
        bool is_static = cd_flag(c, ch, DW_AT_external) || cd_flag(c, ch, DW_AT_declaration);
        if ((tag == DW_TAG_member || tag == DW_TAG_inheritance) && !is_static) {
            struct ct_member *m = &tmp[n];
            memset(m, 0, sizeof(*m));
            m->type = cd_type_of(c, ch, depth);
            m->name = tag == DW_TAG_inheritance ? cd_tname(m->type) : cd_name(c, ch);
            if (!m->name)
                m->name = "";
            Dwarf_Unsigned v = 0;
            if (cd_udata(c, ch, DW_AT_data_member_location, &v))
                m->off = (uint32_t)v;
            if (cd_udata(c, ch, DW_AT_bit_size, &v)) {
                m->bit_size = (uint16_t)v;
                Dwarf_Unsigned bo = 0;
                if (cd_udata(c, ch, DW_AT_data_bit_offset, &bo)) {
                    m->off = (uint32_t)(bo / 8);
                    m->bit_off = (uint16_t)(bo % 8);
                } else {
                    m->bit_size = 0xffff; /* DWARF 2 bit offsets: not read */
                }
            }
            if (m->type && (m->bit_size != 0xffff) && (uint64_t)m->off + (m->bit_size ? 1 : m->type->size) <= t->size)
                n++;
        }
    }
    cd_iter_end(&it);
    t->members = cd_zalloc(c, n * sizeof(*t->members) + 1);
    if (t->members) {
        memcpy(t->members, tmp, n * sizeof(*tmp));
        t->n = n;
    }
}

CT_NOINST static void cd_enumerators(struct cd *c, Dwarf_Die d, struct ct_type *t)
{
    struct ct_enumer tmp[128];
    uint32_t n = 0;
    struct cd_iter it;
    for (Dwarf_Die ch = cd_first(c, d, &it); ch && n < CT_ARRAY_LEN(tmp); ch = cd_next(c, &it)) {
        Dwarf_Unsigned v = 0;
        if (cd_tag(c, ch) == DW_TAG_enumerator && cd_udata(c, ch, DW_AT_const_value, &v)) {
            tmp[n].name = cd_name(c, ch);
            tmp[n].value = (int64_t)v;
            if (tmp[n].name)
                n++;
        }
    }
    cd_iter_end(&it);
    t->enums = cd_zalloc(c, n * sizeof(*t->enums) + 1);
    if (t->enums) {
        memcpy(t->enums, tmp, n * sizeof(*tmp));
        t->n = n;
    }
}

/* Element count of an array type (one dimension), or 0. */
CT_NOINST static uint32_t cd_array_count(struct cd *c, Dwarf_Die d, bool *multi)
{
    uint32_t count = 0, dims = 0;
    struct cd_iter it;
    for (Dwarf_Die ch = cd_first(c, d, &it); ch; ch = cd_next(c, &it)) {
        if (cd_tag(c, ch) == DW_TAG_subrange_type) {
            Dwarf_Unsigned v = 0;
            dims++;
            if (cd_udata(c, ch, DW_AT_count, &v))
                count = (uint32_t)v;
            else if (cd_udata(c, ch, DW_AT_upper_bound, &v) && v < UINT32_MAX)
                count = (uint32_t)v + 1;
        }
    }
    cd_iter_end(&it);
    *multi = dims > 1;
    return count;
}

CT_NOINST static void cd_type_fill(struct cd *c, struct ct_type *t, Dwarf_Die d, Dwarf_Off off,
                                   unsigned depth)
{
    Dwarf_Half tag = cd_tag(c, d);
    Dwarf_Unsigned v = 0;
    t->name = "?";
    if (cd_udata(c, d, DW_AT_byte_size, &v) && v < (1u << 30))
        t->size = (uint32_t)v;
    switch (tag) {
    case DW_TAG_base_type: {
        const char *n = cd_name(c, d);
        t->name = n ? n : "?";
        Dwarf_Unsigned enc = 0;
        cd_udata(c, d, DW_AT_encoding, &enc);
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
        return;
    }
    case DW_TAG_typedef: {
        const struct ct_type *to = cd_type_of(c, d, depth);
        const char *n = cd_name(c, d);
        if (to)
            *t = *to;
        else
            t->kind = CT_T_UNKNOWN;
        t->name = n ? cd_cat(c, c->cu_c ? "" : cd_scope_of(c, off), n, "") : cd_tname(to);
        if (!c->cu_c && strcmp(t->name, "std::string") == 0 && to && to->kind == CT_T_STDSTR)
            t->kind = CT_T_STDSTR;
        return;
    }
    case DW_TAG_const_type:
    case DW_TAG_volatile_type:
    case DW_TAG_restrict_type:
    case DW_TAG_atomic_type: {
        const struct ct_type *to = cd_type_of(c, d, depth);
        const char *q = tag == DW_TAG_const_type ? "const" : tag == DW_TAG_volatile_type ? "volatile"
                        : tag == DW_TAG_restrict_type ? "restrict" : "_Atomic";
        if (to)
            *t = *to;
        else
            t->kind = CT_T_UNKNOWN;
        bool ptr = to && (to->kind == CT_T_PTR || to->kind == CT_T_CSTR || to->kind == CT_T_FNPTR);
        t->name = ptr ? cd_cat(c, to->name, " ", q) : cd_cat(c, q, " ", cd_tname(to));
        return;
    }
    case DW_TAG_pointer_type:
    case DW_TAG_reference_type:
    case DW_TAG_rvalue_reference_type: {
        t->size = 8;
        t->kind = CT_T_PTR; /* until the target is known: a cycle sees a plain pointer */
        const struct ct_type *to = cd_type_of(c, d, depth);
        t->target = to;
        if (tag != DW_TAG_pointer_type) {
            t->kind = to && to->kind != CT_T_UNKNOWN ? CT_T_REF : CT_T_PTR;
            t->name = cd_cat(c, cd_tname(to), tag == DW_TAG_reference_type ? " &" : " &&", "");
        } else if (to && to->kind == CT_T_CHAR) {
            t->kind = CT_T_CSTR;
            t->name = cd_cat(c, to->name, " *", "");
        } else if (to && to->count == UINT32_MAX) { /* a subroutine type, see below */
            t->kind = CT_T_FNPTR;
            t->name = cd_cat(c, to->name, "", "");
        } else {
            t->name = cd_cat(c, cd_tname(to), " *", "");
        }
        return;
    }
    case DW_TAG_structure_type:
    case DW_TAG_class_type:
    case DW_TAG_union_type: {
        t->kind = tag == DW_TAG_union_type ? CT_T_UNION : CT_T_STRUCT;
        t->name = cd_aggr_name(c, d, off, tag == DW_TAG_union_type ? "union" : "struct");
        if (cd_flag(c, d, DW_AT_declaration) || t->size == 0) {
            t->kind = CT_T_UNKNOWN;
            return;
        }
        if (!c->cu_c && strncmp(t->name, "std::__cxx11::basic_string<char,", 32) == 0 &&
            t->size == 32) {
            t->kind = CT_T_STDSTR;
            t->name = "std::string";
            return;
        }
        cd_members(c, d, t, depth);
        return;
    }
    case DW_TAG_enumeration_type: {
        t->kind = CT_T_ENUM;
        t->name = cd_aggr_name(c, d, off, "enum");
        const struct ct_type *u = cd_type_of(c, d, depth);
        t->is_signed = u ? u->kind == CT_T_SINT : false;
        if (!u) { /* no underlying type given: signed if an enumerator is negative */
            Dwarf_Unsigned enc = 0;
            t->is_signed = cd_udata(c, d, DW_AT_encoding, &enc) && enc == DW_ATE_signed;
        }
        if (t->size == 0 || t->size > 8 || cd_flag(c, d, DW_AT_declaration)) {
            t->kind = CT_T_UNKNOWN;
            return;
        }
        cd_enumerators(c, d, t);
        return;
    }
    case DW_TAG_array_type: {
        bool multi = false;
        const struct ct_type *el = cd_type_of(c, d, depth);
        t->count = cd_array_count(c, d, &multi);
        t->target = el;
        char buf[24];
        snprintf(buf, sizeof buf, " [%u]", t->count);
        t->name = cd_cat(c, cd_tname(el), buf, "");
        t->kind = el && !multi && t->count && el->size ? CT_T_ARRAY : CT_T_UNKNOWN;
        if (t->kind == CT_T_ARRAY)
            t->size = t->count * el->size;
        return;
    }
    case DW_TAG_subroutine_type: {
        const struct ct_type *r = cd_type_of(c, d, depth);
        t->kind = CT_T_UNKNOWN;
        t->count = UINT32_MAX; /* marks a function type for pointers to it */
        t->name = cd_cat(c, cd_tname(r), " (*)()", "");
        return;
    }
    case DW_TAG_unspecified_type: {
        const char *n = cd_name(c, d);
        t->name = n ? n : "?";
        t->kind = CT_T_UNKNOWN;
        return;
    }
    default:
        t->kind = CT_T_UNKNOWN;
        return;
    }
}

CT_INTERNAL const struct ct_type *cd_type(struct cd *c, Dwarf_Off off, unsigned depth)
{
    void **slot = cd_map_slot(&c->types, off);
    if (!slot)
        return &ct_void_type;
    if (*slot)
        return *slot;
    struct ct_type *t = cd_zalloc(c, sizeof(*t));
    if (!t)
        return &ct_void_type;
    t->name = "?";
    *slot = t; /* before recursing: a cycle ends here */
    if (depth > CD_MAX_DEPTH)
        return t;
    Dwarf_Die d = cd_die(c, off);
    if (!d)
        return t;
    cd_type_fill(c, t, d, off, depth);
    dwarf_dealloc_die(d);
    return t;
}
