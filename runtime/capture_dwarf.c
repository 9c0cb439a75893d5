/* capture_dwarf.c — per-function capture descriptors from DWARF (capture.h).
 *
 * One pass per compilation unit: scope names of the types (namespaces and
 * classes, so that "std::string" reads as written) and the functions with
 * code. Then, per function: its parameters with their types (a small type
 * graph, shared through a cache keyed by DIE offset) and, for a live
 * process, the enter hook's call in its code, the CFA rule there
 * (.eh_frame, else .debug_frame) and each parameter's location at that
 * point (the entry of its location list that covers it). Expressions are
 * kept decoded and checked: only what the hot path can evaluate exactly is
 * kept; anything else (entry values, caller-saved registers, implicit
 * pointers ...) makes the parameter "optimized out".
 *
 * Error discipline as in dwarf.c: libdwarf never aborts (always an error
 * pointer), errors are counted and freed, and reading goes on. */
#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libdwarf/dwarf.h>
#include <libdwarf/libdwarf.h>

#include "capture.h"
#include "dwarf.h"
#include "dwarf_priv.h"

#define CD_MAX_DEPTH 24 /* nesting of DIEs and of types we follow */

struct cd_tc {
    Dwarf_Off off;
    struct ct_type *t;
};
struct cd_scope {
    Dwarf_Off off;
    const char *prefix; /* "ns::Cls::" */
};

struct cd {
    Dwarf_Debug dbg;
    Dwarf_Error err;
    struct ct_arena *arena;
    uint64_t bias;
    bool live, cu_c, cu_clang;
    Dwarf_Addr cu_base;   /* DW_AT_low_pc of the unit: base of DWARF 4 range lists */
    Dwarf_Half cu_version;
    unsigned nerrors;
    Dwarf_Fde *fdes;
    Dwarf_Cie *cies;
    Dwarf_Signed nfde, ncie;
    bool eh;
    struct cd_tc *tc; /* open addressing */
    size_t ntc, captc;
    struct cd_scope *sc;
    size_t nsc, capsc;
    Dwarf_Off *fns; /* this unit's functions */
    size_t nfns, capfns;
    const struct ct_fdesc **out;
    size_t nout, capout;
    const struct ct_csite **cs;
    size_t ncs, capcs;
    struct ct_span exec[8];
    size_t nexec;
    uint64_t hook; /* runtime address of __cyg_profile_func_enter */
};

CT_NOINST static void cd_err(struct cd *c)
{
    if (c->err) {
        c->nerrors++;
        dwarf_dealloc_error(c->dbg, c->err);
        c->err = NULL;
    }
}

CT_NOINST static void *cd_zalloc(struct cd *c, size_t n)
{
    void *p = ct_arena_alloc(c->arena, n);
    if (p)
        memset(p, 0, n);
    return p;
}

CT_NOINST static const char *cd_cat(struct cd *c, const char *a, const char *b, const char *d)
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

CT_NOINST static Dwarf_Die cd_die(struct cd *c, Dwarf_Off off)
{
    Dwarf_Die d = NULL;
    if (dwarf_offdie_b(c->dbg, off, true, &d, &c->err) != DW_DLV_OK) {
        cd_err(c);
        return NULL;
    }
    return d;
}

CT_NOINST static Dwarf_Half cd_tag(struct cd *c, Dwarf_Die d)
{
    Dwarf_Half tag = 0;
    if (dwarf_tag(d, &tag, &c->err) != DW_DLV_OK)
        cd_err(c);
    return tag;
}

/* The DIE offset an attribute refers to, or 0. */
CT_NOINST static Dwarf_Off cd_ref(struct cd *c, Dwarf_Die d, Dwarf_Half name)
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

CT_NOINST static bool cd_udata(struct cd *c, Dwarf_Die d, Dwarf_Half name, Dwarf_Unsigned *v)
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

CT_NOINST static bool cd_flag(struct cd *c, Dwarf_Die d, Dwarf_Half name)
{
    Dwarf_Bool has = 0;
    if (dwarf_hasattr(d, name, &has, &c->err) != DW_DLV_OK)
        cd_err(c);
    return has;
}

/* The DIE's name in the arena, or NULL. */
CT_NOINST static const char *cd_name(struct cd *c, Dwarf_Die d)
{
    char *n = NULL;
    if (dwarf_diename(d, &n, &c->err) != DW_DLV_OK) {
        cd_err(c);
        return NULL;
    }
    return ct_arena_strndup(c->arena, n, strlen(n));
}

/* ---- scopes and the type cache ------------------------------------------- */

CT_NOINST static size_t cd_hash(Dwarf_Off off, size_t cap)
{
    return (size_t)((off * UINT64_C(0x9e3779b97f4a7c15)) >> 20) & (cap - 1);
}

CT_NOINST static void cd_scope_add(struct cd *c, Dwarf_Off off, const char *prefix)
{
    if (c->nsc * 2 >= c->capsc) {
        size_t cap = c->capsc ? c->capsc * 2 : 1024;
        struct cd_scope *n = calloc(cap, sizeof(*n));
        if (!n)
            return;
        for (size_t i = 0; i < c->capsc; i++)
            if (c->sc[i].off) {
                size_t j = cd_hash(c->sc[i].off, cap);
                while (n[j].off)
                    j = (j + 1) & (cap - 1);
                n[j] = c->sc[i];
            }
        free(c->sc);
        c->sc = n;
        c->capsc = cap;
    }
    size_t j = cd_hash(off, c->capsc);
    while (c->sc[j].off && c->sc[j].off != off)
        j = (j + 1) & (c->capsc - 1);
    if (!c->sc[j].off)
        c->nsc++;
    c->sc[j] = (struct cd_scope){off, prefix};
}

CT_NOINST static const char *cd_scope_of(const struct cd *c, Dwarf_Off off)
{
    if (!c->capsc)
        return "";
    for (size_t j = cd_hash(off, c->capsc); c->sc[j].off; j = (j + 1) & (c->capsc - 1))
        if (c->sc[j].off == off)
            return c->sc[j].prefix;
    return "";
}

CT_NOINST static struct ct_type **cd_tc_slot(struct cd *c, Dwarf_Off off)
{
    if (c->ntc * 2 >= c->captc) {
        size_t cap = c->captc ? c->captc * 2 : 1024;
        struct cd_tc *n = calloc(cap, sizeof(*n));
        if (!n)
            return NULL;
        for (size_t i = 0; i < c->captc; i++)
            if (c->tc[i].off) {
                size_t j = cd_hash(c->tc[i].off, cap);
                while (n[j].off)
                    j = (j + 1) & (cap - 1);
                n[j] = c->tc[i];
            }
        free(c->tc);
        c->tc = n;
        c->captc = cap;
    }
    size_t j = cd_hash(off, c->captc);
    while (c->tc[j].off && c->tc[j].off != off)
        j = (j + 1) & (c->captc - 1);
    if (!c->tc[j].off) {
        c->tc[j].off = off;
        c->ntc++;
    }
    return &c->tc[j].t;
}

static const struct ct_type ct_void_type = {.kind = CT_T_UNKNOWN, .name = "void"};

CT_NOINST static const struct ct_type *cd_type(struct cd *c, Dwarf_Off off, unsigned depth);

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
    Dwarf_Die ch = NULL;
    if (dwarf_child(d, &ch, &c->err) != DW_DLV_OK) {
        cd_err(c);
        return;
    }
    Dwarf_Off prev = 0;
    while (ch && n < CT_ARRAY_LEN(tmp)) {
        Dwarf_Off o = 0;
        if (dwarf_dieoffset(ch, &o, &c->err) != DW_DLV_OK || o <= prev) {
            cd_err(c);
            break;
        }
        prev = o;
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
        Dwarf_Die next = NULL;
        int r = dwarf_siblingof_b(c->dbg, ch, true, &next, &c->err);
        dwarf_dealloc_die(ch);
        ch = r == DW_DLV_OK ? next : NULL;
        cd_err(c);
    }
    if (ch)
        dwarf_dealloc_die(ch);
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
    Dwarf_Die ch = NULL;
    if (dwarf_child(d, &ch, &c->err) != DW_DLV_OK) {
        cd_err(c);
        return;
    }
    Dwarf_Off prev = 0;
    while (ch && n < CT_ARRAY_LEN(tmp)) {
        Dwarf_Off o = 0;
        if (dwarf_dieoffset(ch, &o, &c->err) != DW_DLV_OK || o <= prev) {
            cd_err(c);
            break;
        }
        prev = o;
        Dwarf_Unsigned v = 0;
        if (cd_tag(c, ch) == DW_TAG_enumerator && cd_udata(c, ch, DW_AT_const_value, &v)) {
            tmp[n].name = cd_name(c, ch);
            tmp[n].value = (int64_t)v;
            if (tmp[n].name)
                n++;
        }
        Dwarf_Die next = NULL;
        int r = dwarf_siblingof_b(c->dbg, ch, true, &next, &c->err);
        dwarf_dealloc_die(ch);
        ch = r == DW_DLV_OK ? next : NULL;
        cd_err(c);
    }
    if (ch)
        dwarf_dealloc_die(ch);
    t->enums = cd_zalloc(c, n * sizeof(*t->enums) + 1);
    if (t->enums) {
        memcpy(t->enums, tmp, n * sizeof(*tmp));
        t->n = n;
    }
}

/* Element count of an array type (one dimension), or 0. */
CT_NOINST static uint32_t cd_array_count(struct cd *c, Dwarf_Die d, bool *multi)
{
    Dwarf_Die ch = NULL;
    uint32_t count = 0, dims = 0;
    if (dwarf_child(d, &ch, &c->err) != DW_DLV_OK) {
        cd_err(c);
        return 0;
    }
    Dwarf_Off prev = 0;
    while (ch) {
        Dwarf_Off o = 0;
        if (dwarf_dieoffset(ch, &o, &c->err) != DW_DLV_OK || o <= prev) {
            cd_err(c);
            break;
        }
        prev = o;
        if (cd_tag(c, ch) == DW_TAG_subrange_type) {
            Dwarf_Unsigned v = 0;
            dims++;
            if (cd_udata(c, ch, DW_AT_count, &v))
                count = (uint32_t)v;
            else if (cd_udata(c, ch, DW_AT_upper_bound, &v) && v < UINT32_MAX)
                count = (uint32_t)v + 1;
        }
        Dwarf_Die next = NULL;
        int r = dwarf_siblingof_b(c->dbg, ch, true, &next, &c->err);
        dwarf_dealloc_die(ch);
        ch = r == DW_DLV_OK ? next : NULL;
        cd_err(c);
    }
    if (ch)
        dwarf_dealloc_die(ch);
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

CT_NOINST static const struct ct_type *cd_type(struct cd *c, Dwarf_Off off, unsigned depth)
{
    struct ct_type **slot = cd_tc_slot(c, off);
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

/* ---- locations ----------------------------------------------------------- */

/* DWARF register numbers the hook knows at the hook's return address:
 * rbx 3, rbp 6, rsp 7, r12-r15 12-15. */
CT_NOINST static bool cd_known_reg(uint64_t r)
{
    return r == 3 || r == 6 || r == 7 || (r >= 12 && r <= 15);
}

/* Keeps an expression only if every operation is one capture.c evaluates. */
CT_NOINST static bool cd_op_ok(const struct ct_op *o)
{
    uint8_t a = o->atom;
    if (a >= DW_OP_lit0 && a <= DW_OP_lit31)
        return true;
    if (a >= DW_OP_reg0 && a <= DW_OP_reg31)
        return cd_known_reg(a - DW_OP_reg0) && a != DW_OP_reg7;
    if (a >= DW_OP_breg0 && a <= DW_OP_breg31)
        return cd_known_reg(a - DW_OP_breg0);
    switch (a) {
    case DW_OP_regx: return cd_known_reg(o->a) && o->a != 7;
    case DW_OP_bregx: return cd_known_reg(o->a);
    case DW_OP_fbreg: case DW_OP_call_frame_cfa: case DW_OP_piece: case DW_OP_stack_value:
    case DW_OP_const1u: case DW_OP_const1s: case DW_OP_const2u: case DW_OP_const2s:
    case DW_OP_const4u: case DW_OP_const4s: case DW_OP_const8u: case DW_OP_const8s:
    case DW_OP_constu: case DW_OP_consts: case DW_OP_plus_uconst: case DW_OP_plus:
    case DW_OP_minus: case DW_OP_mul: case DW_OP_and: case DW_OP_or: case DW_OP_xor:
    case DW_OP_neg: case DW_OP_not: case DW_OP_shl: case DW_OP_shr: case DW_OP_shra:
    case DW_OP_dup: case DW_OP_drop: case DW_OP_swap: case DW_OP_over: case DW_OP_deref:
    case DW_OP_nop:
        return true;
    case DW_OP_implicit_value:
        return o->a <= 8; /* b holds the bytes */
    default:
        return false; /* entry_value, implicit_pointer, addr, tls, calls ... */
    }
}

/* The expression of one location description, decoded and checked. */
CT_NOINST static bool cd_ops(struct cd *c, Dwarf_Locdesc_c ld, Dwarf_Unsigned nops, struct ct_loc *out)
{
    if (nops == 0 || nops > CT_LOC_OPS)
        return false;
    if (nops == 2) { /* DW_OP_entry_value(DW_OP_regN), DW_OP_stack_value: a caller's constant */
        Dwarf_Small a0 = 0, a1 = 0;
        Dwarf_Unsigned x = 0, y = 0, z = 0, br = 0, u = 0;
        if (dwarf_get_location_op_value_c(ld, 0, &a0, &x, &y, &z, &br, &c->err) == DW_DLV_OK &&
            (a0 == DW_OP_entry_value || a0 == DW_OP_GNU_entry_value) && x == 1 && y &&
            dwarf_get_location_op_value_c(ld, 1, &a1, &u, &u, &u, &br, &c->err) == DW_DLV_OK &&
            a1 == DW_OP_stack_value) {
            uint8_t r = *(const uint8_t *)(uintptr_t)y;
            if (r >= DW_OP_reg0 && r <= DW_OP_reg15) {
                out->ops[0] = (struct ct_op){CT_OP_ENTRY_REG, (uint64_t)(r - DW_OP_reg0), 0};
                out->n = 1;
                return true;
            }
        }
        cd_err(c);
    }
    for (Dwarf_Unsigned i = 0; i < nops; i++) {
        Dwarf_Small atom = 0;
        Dwarf_Unsigned a = 0, b = 0, d3 = 0, br = 0;
        if (dwarf_get_location_op_value_c(ld, i, &atom, &a, &b, &d3, &br, &c->err) != DW_DLV_OK) {
            cd_err(c);
            return false;
        }
        struct ct_op *o = &out->ops[i];
        o->atom = atom;
        o->a = a;
        o->b = b;
        if (atom == DW_OP_implicit_value) { /* b points at the bytes */
            if (a > 8 || !b)
                return false;
            uint64_t bytes = 0;
            memcpy(&bytes, (const void *)(uintptr_t)b, a);
            o->b = bytes;
        }
        if (!cd_op_ok(o))
            return false;
    }
    out->n = (uint8_t)nops;
    return true;
}

/* Fills loc with d's DW_AT_location as it stands at link-time pc. */
CT_NOINST static void cd_location(struct cd *c, Dwarf_Die d, uint64_t pc, struct ct_loc *loc)
{
    loc->n = 0;
    Dwarf_Attribute a = NULL;
    if (dwarf_attr(d, DW_AT_location, &a, &c->err) != DW_DLV_OK) {
        cd_err(c);
        return;
    }
    Dwarf_Loc_Head_c head = NULL;
    Dwarf_Unsigned count = 0;
    if (dwarf_get_loclist_c(a, &head, &count, &c->err) != DW_DLV_OK) {
        cd_err(c);
        dwarf_dealloc_attribute(a);
        return;
    }
    for (Dwarf_Unsigned i = 0; i < count; i++) {
        Dwarf_Small lle = 0, src = 0;
        Dwarf_Unsigned rlo = 0, rhi = 0, nops = 0, eoff = 0, loff = 0;
        Dwarf_Bool unavail = 0;
        Dwarf_Addr lo = 0, hi = 0;
        Dwarf_Locdesc_c ld = NULL;
        if (dwarf_get_locdesc_entry_d(head, i, &lle, &rlo, &rhi, &unavail, &lo, &hi, &nops, &ld,
                                      &src, &eoff, &loff, &c->err) != DW_DLV_OK) {
            cd_err(c);
            break;
        }
        /* A single expression is what a debugger uses after the prologue:
         * clang calls the enter hook before it stores the parameters there,
         * so from clang only location lists (exact ranges) are trusted. */
        if (src == 0 && c->cu_clang)
            break;
        if (src == 0 || (!unavail && pc >= lo && pc < hi)) {
            if (!cd_ops(c, ld, nops, loc))
                loc->n = 0;
            break;
        }
    }
    dwarf_loc_head_c_dealloc(head);
    dwarf_dealloc_attribute(a);
}

/* ---- functions ----------------------------------------------------------- */

/* The runtime return address of fn's call to the enter hook: the first
 * "call rel32" to it in the function's first bytes. 0 if none. */
CT_NOINST static uint64_t cd_hook_pc(const struct cd *c, uint64_t lo, uint64_t hi)
{
    bool mapped = false;
    for (size_t i = 0; i < c->nexec; i++)
        if (lo >= c->exec[i].lo && hi <= c->exec[i].hi)
            mapped = true;
    if (!mapped || hi <= lo + 5)
        return 0;
    if (hi - lo > 1024)
        hi = lo + 1024;
    const uint8_t *p = (const uint8_t *)(uintptr_t)lo;
    for (uint64_t i = 0; i + 5 <= hi - lo; i++) {
        if (p[i] != 0xe8)
            continue;
        int32_t rel;
        memcpy(&rel, p + i + 1, 4);
        uint64_t next = lo + i + 5;
        if (next + (uint64_t)(int64_t)rel == c->hook)
            return next;
    }
    return 0;
}

/* The CFA rule at link-time pc: reg + off. */
CT_NOINST static void cd_cfa(struct cd *c, uint64_t pc, struct ct_fdesc *f)
{
    f->cfa_reg = -1;
    if (!c->fdes)
        return;
    Dwarf_Fde fde = NULL;
    Dwarf_Addr lo = 0, hi = 0;
    if (dwarf_get_fde_at_pc(c->fdes, pc, &fde, &lo, &hi, &c->err) != DW_DLV_OK) {
        cd_err(c);
        return;
    }
    Dwarf_Small vtype = 0;
    Dwarf_Signed offrel = 0, reg = 0, off = 0;
    Dwarf_Ptr block = NULL;
    Dwarf_Addr row = 0, next = 0;
    Dwarf_Bool more = 0;
    if (dwarf_get_fde_info_for_cfa_reg3_b(fde, pc, &vtype, &offrel, &reg, &off, &block, &row, &more,
                                          &next, &c->err) != DW_DLV_OK) {
        cd_err(c);
        return;
    }
    if (vtype == DW_EXPR_OFFSET && offrel && reg >= 0 && cd_known_reg((uint64_t)reg)) {
        f->cfa_reg = (int)reg;
        f->cfa_off = off;
    }
}

CT_NOINST static void cd_frame_base(struct cd *c, Dwarf_Die d, struct ct_fdesc *f)
{
    /* one operation: DW_OP_call_frame_cfa (GCC) or a register (clang) */
    Dwarf_Attribute a = NULL;
    f->fb = CT_FB_NONE;
    if (dwarf_attr(d, DW_AT_frame_base, &a, &c->err) != DW_DLV_OK) {
        cd_err(c);
        return;
    }
    Dwarf_Loc_Head_c head = NULL;
    Dwarf_Unsigned count = 0;
    if (dwarf_get_loclist_c(a, &head, &count, &c->err) == DW_DLV_OK) {
        Dwarf_Small lle = 0, src = 0;
        Dwarf_Unsigned rlo = 0, rhi = 0, nops = 0, eoff = 0, loff = 0;
        Dwarf_Bool unavail = 0;
        Dwarf_Addr lo = 0, hi = 0;
        Dwarf_Locdesc_c ld = NULL;
        if (count >= 1 &&
            dwarf_get_locdesc_entry_d(head, 0, &lle, &rlo, &rhi, &unavail, &lo, &hi, &nops, &ld,
                                      &src, &eoff, &loff, &c->err) == DW_DLV_OK &&
            src == 0 && nops == 1) {
            Dwarf_Small atom = 0;
            Dwarf_Unsigned x = 0, y = 0, z = 0, br = 0;
            if (dwarf_get_location_op_value_c(ld, 0, &atom, &x, &y, &z, &br, &c->err) == DW_DLV_OK) {
                if (atom == DW_OP_call_frame_cfa) {
                    f->fb = CT_FB_CFA;
                } else if ((atom == DW_OP_reg6 || atom == DW_OP_reg7)) {
                    f->fb = CT_FB_REG;
                    f->fb_reg = (uint8_t)(atom - DW_OP_reg0);
                }
            }
        }
        cd_err(c);
        dwarf_loc_head_c_dealloc(head);
    }
    cd_err(c);
    dwarf_dealloc_attribute(a);
}

/* The first address range of a function split in pieces (DW_AT_ranges):
 * GCC lists the part with the entry first. */
CT_NOINST static bool cd_first_range(struct cd *c, Dwarf_Die d, Dwarf_Addr *lo, Dwarf_Addr *hi)
{
    Dwarf_Attribute a = NULL;
    if (dwarf_attr(d, DW_AT_ranges, &a, &c->err) != DW_DLV_OK) {
        cd_err(c);
        return false;
    }
    bool ok = false;
    Dwarf_Half form = 0;
    Dwarf_Unsigned val = 0;
    Dwarf_Off goff = 0;
    if (dwarf_whatform(a, &form, &c->err) != DW_DLV_OK) {
        cd_err(c);
    } else if (c->cu_version >= 5) {
        int r = form == DW_FORM_sec_offset ? dwarf_global_formref(a, &goff, &c->err)
                                           : dwarf_formudata(a, &val, &c->err);
        if (form == DW_FORM_sec_offset)
            val = goff;
        Dwarf_Rnglists_Head head = NULL;
        Dwarf_Unsigned count = 0, global_off = 0;
        if (r == DW_DLV_OK &&
            dwarf_rnglists_get_rle_head(a, form, val, &head, &count, &global_off, &c->err) == DW_DLV_OK) {
            for (Dwarf_Unsigned i = 0; i < count && !ok; i++) {
                unsigned len = 0, code = 0;
                Dwarf_Unsigned r1 = 0, r2 = 0, l = 0, h = 0;
                Dwarf_Bool unavail = 0;
                if (dwarf_get_rnglists_entry_fields_a(head, i, &len, &code, &r1, &r2, &unavail, &l, &h,
                                                      &c->err) != DW_DLV_OK)
                    break;
                if (!unavail && h > l && code != DW_RLE_base_address && code != DW_RLE_base_addressx &&
                    code != DW_RLE_end_of_list) {
                    *lo = l;
                    *hi = h;
                    ok = true;
                }
            }
            dwarf_dealloc_rnglists_head(head);
        }
        cd_err(c);
    } else {
        Dwarf_Ranges *rs = NULL;
        Dwarf_Signed n = 0;
        Dwarf_Unsigned bytes = 0;
        if (dwarf_global_formref(a, &goff, &c->err) == DW_DLV_OK &&
            dwarf_get_ranges_a(c->dbg, goff, d, &rs, &n, &bytes, &c->err) == DW_DLV_OK) {
            Dwarf_Addr base = c->cu_base;
            for (Dwarf_Signed i = 0; i < n && !ok; i++) {
                if (rs[i].dwr_type == DW_RANGES_END)
                    break;
                if (rs[i].dwr_type == DW_RANGES_ADDRESS_SELECTION) {
                    base = rs[i].dwr_addr2;
                } else if (rs[i].dwr_addr2 > rs[i].dwr_addr1) {
                    *lo = base + rs[i].dwr_addr1;
                    *hi = base + rs[i].dwr_addr2;
                    ok = true;
                }
            }
            dwarf_ranges_dealloc(c->dbg, rs, n);
        }
        cd_err(c);
    }
    dwarf_dealloc_attribute(a);
    return ok;
}

/* SysV classification of a returned value: where each eightbyte comes back. */
CT_NOINST static bool cd_classify(const struct ct_type *t, uint32_t base, uint8_t cls[2], unsigned depth)
{
    if (!t || depth > 8)
        return false;
    switch (t->kind) {
    case CT_T_SINT: case CT_T_UINT: case CT_T_BOOL: case CT_T_CHAR: case CT_T_ENUM:
    case CT_T_PTR: case CT_T_CSTR: case CT_T_FNPTR: case CT_T_REF:
        cls[base / 8] = CT_RC_INT;
        return base % 8 + t->size <= 8 || t->kind == CT_T_REF;
    case CT_T_FLOAT:
        if (t->size > 8)
            return false; /* long double: x87, not captured */
        if (cls[base / 8] != CT_RC_INT)
            cls[base / 8] = CT_RC_SSE;
        return true;
    case CT_T_STRUCT:
        for (uint32_t i = 0; i < t->n; i++)
            if (t->members[i].bit_size ||
                !cd_classify(t->members[i].type, base + t->members[i].off, cls, depth + 1))
                return false;
        return true;
    case CT_T_ARRAY:
        for (uint32_t i = 0; i < t->count; i++)
            if (!cd_classify(t->target, base + i * t->target->size, cls, depth + 1))
                return false;
        return true;
    default:
        return false;
    }
}

CT_NOINST static void cd_ret_class(struct ct_fdesc *f)
{
    const struct ct_type *t = f->ret;
    f->ret_class[0] = f->ret_class[1] = CT_RC_NONE;
    if (!t || t->size == 0)
        return;
    if (t->kind == CT_T_STDSTR || ((t->kind == CT_T_STRUCT || t->kind == CT_T_UNION) && t->size > 16)) {
        f->ret_class[0] = CT_RC_MEM; /* returned through memory: rax holds the address */
        return;
    }
    if (t->kind == CT_T_UNION || t->kind == CT_T_UNKNOWN)
        return;
    uint8_t cls[2] = {CT_RC_NONE, CT_RC_NONE};
    if (!cd_classify(t, 0, cls, 0))
        return;
    if (t->size > 8 && cls[1] == CT_RC_NONE)
        return;
    f->ret_class[0] = cls[0];
    f->ret_class[1] = t->size > 8 ? cls[1] : CT_RC_NONE;
}

CT_NOINST static uint32_t cd_sig(const struct ct_fdesc *f)
{
    uint64_t h = 0xcbf29ce484222325u ^ f->nparams;
    for (uint16_t i = 0; i < f->nparams; i++) {
        const struct ct_type *t = f->params[i].type;
        h = (h ^ (t ? t->kind * 131u + t->size : 7)) * 0x100000001b3u;
    }
    h = (h ^ (f->ret ? f->ret->kind * 131u + f->ret->size : 0)) * 0x100000001b3u;
    return (uint32_t)(h ^ (h >> 32)) & 0xffffffu;
}

/* A constant DWARF expression (one operation): its value. */
CT_NOINST static bool cd_const_expr(const uint8_t *p, Dwarf_Unsigned len, uint64_t *v)
{
    if (len == 0)
        return false;
    uint8_t op = p[0];
    const uint8_t *q = p + 1, *end = p + len;
    if (op >= DW_OP_lit0 && op <= DW_OP_lit31 && len == 1) {
        *v = op - DW_OP_lit0;
        return true;
    }
    size_t n = op == DW_OP_const1u || op == DW_OP_const1s ? 1 : op == DW_OP_const2u || op == DW_OP_const2s ? 2
               : op == DW_OP_const4u || op == DW_OP_const4s ? 4 : op == DW_OP_const8u || op == DW_OP_const8s ? 8 : 0;
    if (n) {
        if ((Dwarf_Unsigned)(end - q) != n)
            return false;
        uint64_t x = 0;
        memcpy(&x, q, n);
        bool sgn = op == DW_OP_const1s || op == DW_OP_const2s || op == DW_OP_const4s || op == DW_OP_const8s;
        if (sgn && n < 8 && (x >> (n * 8 - 1)) & 1)
            x |= ~UINT64_C(0) << (n * 8);
        *v = x;
        return true;
    }
    if (op == DW_OP_constu || op == DW_OP_consts) {
        uint64_t x = 0;
        unsigned shift = 0;
        uint8_t b = 0x80;
        while (q < end && (b & 0x80) && shift < 64) {
            b = *q++;
            x |= (uint64_t)(b & 0x7f) << shift;
            shift += 7;
        }
        if (q != end || (b & 0x80))
            return false;
        if (op == DW_OP_consts && shift < 64 && (b & 0x40))
            x |= ~UINT64_C(0) << shift;
        *v = x;
        return true;
    }
    return false;
}

/* One call site's constant register arguments. */
CT_NOINST static void cd_call_site(struct cd *c, Dwarf_Die d)
{
    Dwarf_Attribute a = NULL;
    Dwarf_Addr ret = 0;
    if (dwarf_attr(d, DW_AT_call_return_pc, &a, &c->err) != DW_DLV_OK) {
        cd_err(c);
        if (dwarf_attr(d, DW_AT_low_pc, &a, &c->err) != DW_DLV_OK) {
            cd_err(c);
            return;
        }
    }
    int r = dwarf_formaddr(a, &ret, &c->err);
    dwarf_dealloc_attribute(a);
    if (r != DW_DLV_OK || ret == 0) {
        cd_err(c);
        return;
    }
    struct ct_csite cs;
    memset(&cs, 0, sizeof cs);
    cs.ret_pc = ret + c->bias;
    /* which function it calls: without that (an indirect call), a tail call
     * further down could take these constants for its own */
    cs.callee = cd_ref(c, d, DW_AT_call_origin);
    if (!cs.callee)
        cs.callee = cd_ref(c, d, DW_AT_abstract_origin);
    if (!cs.callee)
        return;
    Dwarf_Die ch = NULL;
    if (dwarf_child(d, &ch, &c->err) != DW_DLV_OK)
        cd_err(c);
    Dwarf_Off prev = 0;
    while (ch && cs.n < CT_CS_PARAMS) {
        Dwarf_Off o = 0;
        if (dwarf_dieoffset(ch, &o, &c->err) != DW_DLV_OK || o <= prev) {
            cd_err(c);
            break;
        }
        prev = o;
        Dwarf_Half tag = cd_tag(c, ch);
        if (tag == DW_TAG_call_site_parameter || tag == DW_TAG_GNU_call_site_parameter) {
            Dwarf_Attribute la = NULL, va = NULL;
            Dwarf_Unsigned ll = 0, vl = 0;
            Dwarf_Ptr lp = NULL, vp = NULL;
            if (dwarf_attr(ch, DW_AT_location, &la, &c->err) == DW_DLV_OK) {
                if (dwarf_formexprloc(la, &ll, &lp, &c->err) == DW_DLV_OK && ll == 1 &&
                    (dwarf_attr(ch, DW_AT_call_value, &va, &c->err) == DW_DLV_OK ||
                     (cd_err(c), dwarf_attr(ch, DW_AT_GNU_call_site_value, &va, &c->err) == DW_DLV_OK))) {
                    uint8_t reg = *(const uint8_t *)lp;
                    uint64_t v = 0;
                    if (dwarf_formexprloc(va, &vl, &vp, &c->err) == DW_DLV_OK && reg >= DW_OP_reg0 &&
                        reg <= DW_OP_reg15 && cd_const_expr(vp, vl, &v)) {
                        cs.reg[cs.n] = (uint8_t)(reg - DW_OP_reg0);
                        cs.val[cs.n++] = v;
                    }
                    dwarf_dealloc_attribute(va);
                }
                dwarf_dealloc_attribute(la);
            }
            cd_err(c);
        }
        Dwarf_Die next = NULL;
        int rr = dwarf_siblingof_b(c->dbg, ch, true, &next, &c->err);
        dwarf_dealloc_die(ch);
        ch = rr == DW_DLV_OK ? next : NULL;
        cd_err(c);
    }
    if (ch)
        dwarf_dealloc_die(ch);
    if (!cs.n)
        return;
    struct ct_csite *keep = cd_zalloc(c, sizeof(*keep));
    if (!keep)
        return;
    *keep = cs;
    if (c->ncs == c->capcs) {
        size_t cap = c->capcs ? c->capcs * 2 : 256;
        const struct ct_csite **v = realloc(c->cs, cap * sizeof(*v));
        if (!v)
            return;
        c->cs = v;
        c->capcs = cap;
    }
    c->cs[c->ncs++] = keep;
}

/* The call sites inside a function (in its blocks and inlined code too). */
CT_NOINST static void cd_call_sites(struct cd *c, Dwarf_Die parent, unsigned depth)
{
    if (depth > CD_MAX_DEPTH)
        return;
    Dwarf_Die ch = NULL;
    if (dwarf_child(parent, &ch, &c->err) != DW_DLV_OK) {
        cd_err(c);
        return;
    }
    Dwarf_Off prev = 0;
    while (ch) {
        Dwarf_Off o = 0;
        if (dwarf_dieoffset(ch, &o, &c->err) != DW_DLV_OK || o <= prev) {
            cd_err(c);
            break;
        }
        prev = o;
        Dwarf_Half tag = cd_tag(c, ch);
        if (tag == DW_TAG_call_site || tag == DW_TAG_GNU_call_site)
            cd_call_site(c, ch);
        else if (tag == DW_TAG_lexical_block || tag == DW_TAG_inlined_subroutine)
            cd_call_sites(c, ch, depth + 1);
        Dwarf_Die next = NULL;
        int r = dwarf_siblingof_b(c->dbg, ch, true, &next, &c->err);
        dwarf_dealloc_die(ch);
        ch = r == DW_DLV_OK ? next : NULL;
        cd_err(c);
    }
    if (ch)
        dwarf_dealloc_die(ch);
}

/* The DIE to take names and types from: d, or what it is an instance or the
 * definition of. */
CT_NOINST static Dwarf_Off cd_origin(struct cd *c, Dwarf_Die d)
{
    Dwarf_Off o = cd_ref(c, d, DW_AT_abstract_origin);
    return o ? o : cd_ref(c, d, DW_AT_specification);
}

CT_NOINST static void cd_function(struct cd *c, Dwarf_Off off)
{
    Dwarf_Die d = cd_die(c, off);
    if (!d)
        return;
    Dwarf_Addr lo = 0, hi = 0;
    Dwarf_Half form = 0;
    enum Dwarf_Form_Class cls = DW_FORM_CLASS_UNKNOWN;
    if (dwarf_lowpc(d, &lo, &c->err) == DW_DLV_OK && lo != 0 &&
        dwarf_highpc_b(d, &hi, &form, &cls, &c->err) == DW_DLV_OK) {
        if (cls == DW_FORM_CLASS_CONSTANT)
            hi += lo;
    } else if (cd_err(c), !cd_first_range(c, d, &lo, &hi) || lo == 0) {
        dwarf_dealloc_die(d);
        return;
    }
    struct ct_fdesc *f = cd_zalloc(c, sizeof(*f));
    if (!f) {
        dwarf_dealloc_die(d);
        return;
    }
    f->fn = lo + c->bias;
    f->cfa_reg = -1;
    f->die = off;
    f->origin = cd_origin(c, d);
    uint64_t hook_link = 0;
    if (c->live) {
        f->hook_pc = cd_hook_pc(c, lo + c->bias, hi + c->bias);
        if (f->hook_pc) {
            /* the state during the hook call: the call instruction's, as a
             * debugger sees a caller (at the return address, a statement
             * that follows the call may already count as done) */
            hook_link = f->hook_pc - c->bias - 1;
            cd_cfa(c, hook_link, f);
        }
    }
    cd_frame_base(c, d, f);
    /* the return type: here, or on the declaration / abstract instance */
    Dwarf_Off rt = cd_ref(c, d, DW_AT_type);
    Dwarf_Off org = cd_origin(c, d);
    for (unsigned k = 0; !rt && org && k < 4; k++) {
        Dwarf_Die od = cd_die(c, org);
        if (!od)
            break;
        rt = cd_ref(c, od, DW_AT_type);
        org = cd_origin(c, od);
        dwarf_dealloc_die(od);
    }
    f->ret = rt ? cd_type(c, rt, 0) : NULL;
    cd_ret_class(f);

    struct ct_param tmp[64];
    uint16_t n = 0;
    Dwarf_Die ch = NULL;
    if (dwarf_child(d, &ch, &c->err) != DW_DLV_OK)
        cd_err(c);
    Dwarf_Off prev = 0;
    while (ch && n < CT_ARRAY_LEN(tmp)) {
        Dwarf_Off o = 0;
        if (dwarf_dieoffset(ch, &o, &c->err) != DW_DLV_OK || o <= prev) {
            cd_err(c);
            break;
        }
        prev = o;
        Dwarf_Half tag = cd_tag(c, ch);
        if (tag == DW_TAG_formal_parameter) {
            struct ct_param *p = &tmp[n];
            memset(p, 0, sizeof(*p));
            p->name = cd_name(c, ch);
            Dwarf_Off ty = cd_ref(c, ch, DW_AT_type);
            Dwarf_Off po = cd_ref(c, ch, DW_AT_abstract_origin);
            if (po && (!p->name || !ty)) {
                Dwarf_Die pd = cd_die(c, po);
                if (pd) {
                    if (!p->name)
                        p->name = cd_name(c, pd);
                    if (!ty)
                        ty = cd_ref(c, pd, DW_AT_type);
                    dwarf_dealloc_die(pd);
                }
            }
            if (!p->name)
                p->name = "";
            p->type = ty ? cd_type(c, ty, 0) : &ct_void_type;
            if (hook_link && f->cfa_reg >= 0)
                cd_location(c, ch, hook_link, &p->loc);
            n++;
        } else if (tag == DW_TAG_unspecified_parameters) {
            f->variadic = true;
        }
        Dwarf_Die next = NULL;
        int r = dwarf_siblingof_b(c->dbg, ch, true, &next, &c->err);
        dwarf_dealloc_die(ch);
        ch = r == DW_DLV_OK ? next : NULL;
        cd_err(c);
    }
    if (ch)
        dwarf_dealloc_die(ch);
    if (c->live)
        cd_call_sites(c, d, 0);
    dwarf_dealloc_die(d);
    struct ct_param *ps = cd_zalloc(c, n * sizeof(*ps) + 1);
    if (!ps)
        return;
    memcpy(ps, tmp, n * sizeof(*tmp));
    f->params = ps;
    f->nparams = n;
    f->sig = cd_sig(f);
    if (c->nout == c->capout) {
        size_t cap = c->capout ? c->capout * 2 : 256;
        const struct ct_fdesc **v = realloc(c->out, cap * sizeof(*v));
        if (!v)
            return;
        c->out = v;
        c->capout = cap;
    }
    c->out[c->nout++] = f;
}

/* Pass over one unit: scope prefixes of named types, and its functions. */
CT_NOINST static void cd_walk(struct cd *c, Dwarf_Die parent, const char *prefix, unsigned depth)
{
    if (depth > CD_MAX_DEPTH)
        return;
    Dwarf_Die d = NULL;
    if (dwarf_child(parent, &d, &c->err) != DW_DLV_OK) {
        cd_err(c);
        return;
    }
    Dwarf_Off prev = 0;
    while (d) {
        Dwarf_Off off = 0;
        if (dwarf_dieoffset(d, &off, &c->err) != DW_DLV_OK || off <= prev) {
            cd_err(c);
            break;
        }
        prev = off;
        Dwarf_Half tag = cd_tag(c, d);
        switch (tag) {
        case DW_TAG_namespace:
        case DW_TAG_structure_type:
        case DW_TAG_class_type:
        case DW_TAG_union_type: {
            if (*prefix)
                cd_scope_add(c, off, prefix);
            const char *n = cd_name(c, d);
            const char *inner = n ? cd_cat(c, prefix, n, "::")
                                  : tag == DW_TAG_namespace ? cd_cat(c, prefix, "(anonymous namespace)::", "")
                                                            : prefix;
            cd_walk(c, d, inner, depth + 1);
            break;
        }
        case DW_TAG_typedef:
        case DW_TAG_enumeration_type:
            if (*prefix)
                cd_scope_add(c, off, prefix);
            break;
        case DW_TAG_subprogram:
            if ((cd_flag(c, d, DW_AT_low_pc) || cd_flag(c, d, DW_AT_ranges)) && c->nfns < 1u << 24) {
                if (c->nfns == c->capfns) {
                    size_t cap = c->capfns ? c->capfns * 2 : 256;
                    Dwarf_Off *v = realloc(c->fns, cap * sizeof(*v));
                    if (v) {
                        c->fns = v;
                        c->capfns = cap;
                    }
                }
                if (c->nfns < c->capfns)
                    c->fns[c->nfns++] = off;
            }
            break;
        default:
            break;
        }
        Dwarf_Die next = NULL;
        int r = dwarf_siblingof_b(c->dbg, d, true, &next, &c->err);
        dwarf_dealloc_die(d);
        d = r == DW_DLV_OK ? next : NULL;
        cd_err(c);
    }
    if (d)
        dwarf_dealloc_die(d);
}

CT_NOINST static void cd_units(struct cd *c)
{
    for (;;) {
        Dwarf_Unsigned cu_len = 0, type_off = 0, next = 0;
        Dwarf_Half version = 0, addr_size = 0, len_size = 0, ext_size = 0, cu_type = 0;
        Dwarf_Off abbrev = 0;
        Dwarf_Sig8 sig;
        if (dwarf_next_cu_header_d(c->dbg, true, &cu_len, &version, &abbrev, &addr_size, &len_size,
                                   &ext_size, &sig, &type_off, &next, &cu_type, &c->err) != DW_DLV_OK) {
            cd_err(c);
            return;
        }
        Dwarf_Die cu = NULL;
        if (dwarf_siblingof_b(c->dbg, NULL, true, &cu, &c->err) != DW_DLV_OK) {
            cd_err(c);
            continue;
        }
        c->cu_version = version;
        c->cu_base = 0;
        if (dwarf_lowpc(cu, &c->cu_base, &c->err) != DW_DLV_OK)
            c->cu_base = 0;
        cd_err(c);
        Dwarf_Unsigned lang = 0;
        c->cu_c = dwarf_srclang(cu, &lang, &c->err) == DW_DLV_OK &&
                  (lang == DW_LANG_C89 || lang == DW_LANG_C || lang == DW_LANG_C99 ||
                   lang == DW_LANG_C11);
        cd_err(c);
        c->cu_clang = false;
        char *producer = NULL;
        Dwarf_Attribute pa = NULL;
        if (dwarf_attr(cu, DW_AT_producer, &pa, &c->err) == DW_DLV_OK) {
            if (dwarf_formstring(pa, &producer, &c->err) == DW_DLV_OK && producer)
                c->cu_clang = strstr(producer, "clang") != NULL;
            dwarf_dealloc_attribute(pa);
        }
        cd_err(c);
        c->nfns = 0;
        cd_walk(c, cu, "", 0);
        for (size_t i = 0; i < c->nfns; i++)
            cd_function(c, c->fns[i]);
        dwarf_dealloc_die(cu);
    }
}

/* ---- the table ----------------------------------------------------------- */

const struct ct_fdesc *ct_ftab_find(const struct ct_ftab *tab, uint64_t fn)
{
    if (!tab->nslots)
        return NULL;
    size_t mask = tab->nslots - 1;
    for (size_t i = (size_t)((fn * UINT64_C(0x9e3779b97f4a7c15)) >> 40) & mask;; i = (i + 1) & mask) {
        const struct ct_fdesc *f = tab->slots[i];
        if (!f || f->fn == fn)
            return f;
    }
}

const struct ct_csite *ct_ftab_callsite(const struct ct_ftab *tab, uint64_t ret_pc)
{
    if (!tab->ncs_slots)
        return NULL;
    size_t mask = tab->ncs_slots - 1;
    for (size_t i = (size_t)((ret_pc * UINT64_C(0x9e3779b97f4a7c15)) >> 40) & mask;; i = (i + 1) & mask) {
        const struct ct_csite *s = tab->cs[i];
        if (!s || s->ret_pc == ret_pc)
            return s;
    }
}

CT_NOINST static int cd_exec_cb(struct dl_phdr_info *info, size_t size, void *arg)
{
    (void)size;
    struct cd *c = arg;
    for (size_t i = 0; i < info->dlpi_phnum && c->nexec < CT_ARRAY_LEN(c->exec); i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X))
            c->exec[c->nexec++] = (struct ct_span){info->dlpi_addr + ph->p_vaddr,
                                                   info->dlpi_addr + ph->p_vaddr + ph->p_memsz};
    }
    return 1; /* the first object is the executable */
}

void __cyg_profile_func_enter(void *fn, void *site);

long ct_ftab_load(struct ct_ftab *tab, const char *path, uint64_t bias, bool live)
{
    memset(tab, 0, sizeof(*tab));
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct ct_dw pre;
    memset(&pre, 0, sizeof pre);
    Elf *elf = ct_dw_elf_precheck(&pre, fd);
    if (!elf) {
        close(fd);
        return -1;
    }
    struct cd c;
    memset(&c, 0, sizeof c);
    c.arena = calloc(1, sizeof(struct ct_arena));
    c.bias = bias;
    c.live = live;
    c.hook = (uint64_t)(uintptr_t)&__cyg_profile_func_enter;
    if (live)
        dl_iterate_phdr(cd_exec_cb, &c);
    long result = -1;
    if (c.arena && dwarf_init_b(fd, DW_DLC_READ, DW_GROUPNUMBER_ANY, NULL, NULL, &c.dbg, &c.err) == DW_DLV_OK) {
        if (live) {
            if (dwarf_get_fde_list_eh(c.dbg, &c.cies, &c.ncie, &c.fdes, &c.nfde, &c.err) == DW_DLV_OK) {
                c.eh = true;
            } else {
                cd_err(&c);
                if (dwarf_get_fde_list(c.dbg, &c.cies, &c.ncie, &c.fdes, &c.nfde, &c.err) != DW_DLV_OK) {
                    cd_err(&c);
                    c.fdes = NULL;
                }
            }
        }
        cd_units(&c);
        if (c.fdes)
            dwarf_fde_cie_list_dealloc(c.dbg, c.cies, c.ncie, c.fdes, c.nfde);
        if (dwarf_finish(c.dbg, &c.err) != DW_DLV_OK)
            cd_err(&c);
        size_t ns = 16;
        while (ns < c.nout * 2 + 16)
            ns *= 2;
        tab->slots = calloc(ns, sizeof(*tab->slots));
        if (tab->slots) {
            tab->nslots = ns;
            for (size_t i = 0; i < c.nout; i++) {
                size_t j = (size_t)((c.out[i]->fn * UINT64_C(0x9e3779b97f4a7c15)) >> 40) & (ns - 1);
                while (tab->slots[j] && tab->slots[j]->fn != c.out[i]->fn)
                    j = (j + 1) & (ns - 1);
                if (!tab->slots[j]) {
                    tab->slots[j] = c.out[i];
                    tab->n++;
                }
            }
            size_t nc = 16;
            while (nc < c.ncs * 2 + 16)
                nc *= 2;
            tab->cs = calloc(nc, sizeof(*tab->cs));
            if (tab->cs) {
                tab->ncs_slots = nc;
                for (size_t i = 0; i < c.ncs; i++) {
                    size_t j = (size_t)((c.cs[i]->ret_pc * UINT64_C(0x9e3779b97f4a7c15)) >> 40) & (nc - 1);
                    while (tab->cs[j] && tab->cs[j]->ret_pc != c.cs[i]->ret_pc)
                        j = (j + 1) & (nc - 1);
                    if (!tab->cs[j])
                        tab->cs[j] = c.cs[i];
                }
            }
            tab->arena = c.arena;
            c.arena = NULL;
            result = (long)tab->n;
        }
        if (c.nerrors)
            ct_debug("capture: %s: %u DWARF errors; %ld functions described", path, c.nerrors,
                     result);
    } else {
        cd_err(&c);
    }
    if (c.arena) {
        ct_arena_free(c.arena);
        free(c.arena);
    }
    free(c.tc);
    free(c.sc);
    free(c.fns);
    free(c.out);
    free(c.cs);
    elf_end(elf);
    close(fd);
    return result;
}
