/* dwarf_names.c — the naming half of the DWARF reader (dwarf.c walks the
 * units and collects the functions): name, declaration file and line of a
 * function, found along its DW_AT_specification / DW_AT_abstract_origin
 * chain; qualification by the enclosing scopes, or by the scope of the
 * declaration of an out-of-class definition; the hand-off to the demangler;
 * and the file tables of the compilation units. Reads through the walker
 * (dwarf_walk.h), with its error discipline. */
#include <stdlib.h>
#include <string.h>

#include "base/vec.h"
#include "symbols/dwarf.h"
#include "symbols/dwarf_priv.h"

#define MAX_HOPS 8        /* specification/abstract_origin chain length */
#define LINE_HDR_MIN 14   /* unit length (4, or 12 for DWARF64) and version (2) at least */
#define DWARF64_ESCAPE 0xffffffffu

/* ---- file names ---------------------------------------------------------- */

/* Finds or adds the file-table entry of the CU whose DIE is at die_off. */
CT_INTERNAL size_t ct_dw_cu_entry(struct ct_dw *d, Dwarf_Off die_off)
{
    for (size_t i = d->nfiles; i-- > 0;)
        if (d->files[i].die_off == die_off)
            return i;
    if (!CT_VEC_RESERVE(d->files, d->capfiles, d->nfiles + 1))
        return SIZE_MAX;
    struct ct_dw_cu_files *f = &d->files[d->nfiles];
    memset(f, 0, sizeof *f);
    f->die_off = die_off;
    return d->nfiles++;
}

/* The version of the line table of cu_die (DW_AT_stmt_list), read from the
 * table's header; 0 when unknown. It is usually the CU's version, but not
 * always: GCC 11+ with an assembler that cannot write DWARF 5 line tables
 * pairs a version 5 CU with a version 3 line table. */
CT_NOINST static Dwarf_Half line_version(struct ct_dw *d, Dwarf_Die cu_die)
{
    struct ct_dwalk *w = &d->w;
    Dwarf_Attribute at = NULL;
    if (!w->line_data || dwarf_attr(cu_die, DW_AT_stmt_list, &at, &w->err) != DW_DLV_OK) {
        ct_dwalk_note(w);
        return 0;
    }
    Dwarf_Half form = 0;
    Dwarf_Unsigned off = 0;
    bool ok = dwarf_whatform(at, &form, &w->err) == DW_DLV_OK && ct_dwalk_attr_offset(w, at, form, &off);
    ct_dwalk_note(w);
    dwarf_dealloc_attribute(at);
    if (!ok || off >= w->line_size || w->line_size - off < LINE_HDR_MIN)
        return 0;
    uint32_t len32;
    uint16_t version;
    memcpy(&len32, w->line_data + off, 4);
    memcpy(&version, w->line_data + off + (len32 == DWARF64_ESCAPE ? 12 : 4), 2);
    return version;
}

CT_NOINST static void cu_load(struct ct_dw *d, struct ct_dw_cu_files *f, Dwarf_Die cu_die)
{
    f->loaded = true;
    f->version = line_version(d, cu_die);
    Dwarf_Half offset_size = 0;
    if (!f->version && dwarf_get_version_of_die(cu_die, &f->version, &offset_size) != DW_DLV_OK)
        return;
    char **src = NULL;
    Dwarf_Signed n = 0;
    int res = dwarf_srcfiles(cu_die, &src, &n, &d->w.err);
    if (res != DW_DLV_OK) {
        ct_dwalk_note(&d->w);
        return;
    }
    f->src = src;
    f->nsrc = n;
    f->abs = ct_arena_alloc(d->ctx->arena, (size_t)n * sizeof *f->abs + 1);
    if (f->abs)
        memset(f->abs, 0, (size_t)n * sizeof *f->abs);
    const char *dir = ct_dwalk_string(&d->w, cu_die, DW_AT_comp_dir);
    if (dir && dir[0])
        f->comp_dir = ct_arena_strndup(d->ctx->arena, dir, strlen(dir));
}

/* dir + "/" + name (name alone when absolute), with "//" and "/./" removed.
 * ".." is kept: resolving it lexically is wrong across symbolic links. */
CT_NOINST static const char *make_path(struct ct_dw *d, const char *dir, const char *name)
{
    size_t ld = (name[0] != '/' && dir) ? strlen(dir) : 0, ln = strlen(name);
    char *buf = malloc(ld + ln + 2);
    if (!buf)
        return NULL;
    size_t n = 0;
    if (ld) {
        memcpy(buf, dir, ld);
        n = ld;
        buf[n++] = '/';
    }
    memcpy(buf + n, name, ln + 1);
    size_t w = 0;
    for (size_t r = 0; buf[r];) {
        if (buf[r] == '/' && w > 0 && buf[w - 1] == '/') {
            r++;
            continue;
        }
        if (buf[r] == '.' && (w == 0 || buf[w - 1] == '/') && (buf[r + 1] == '/' || !buf[r + 1]) &&
            w > 0) {
            r += buf[r + 1] ? 2 : 1;
            continue;
        }
        buf[w++] = buf[r++];
    }
    if (w > 1 && buf[w - 1] == '/')
        w--;
    const char *s = ct_arena_strndup(d->ctx->arena, buf, w);
    free(buf);
    return s;
}

CT_NOINST static const char *file_path(struct ct_dw *d, size_t cu, Dwarf_Unsigned idx)
{
    struct ct_dw_cu_files *f = &d->files[cu];
    /* DW_AT_decl_file indexes the line table's file list, and the numbering
     * changed with DWARF 5: DWARF 2-4 count files from 1 (0 means "no
     * file"), DWARF 5 counts from 0 (entry 0 is the primary source file,
     * which GCC repeats as entry 1). dwarf_srcfiles() returns the list as
     * stored, so the array index is idx - 1 up to version 4 and idx from 5
     * on. The version that counts is the line table's (see line_version()).
     * GCC 12 emits version 5 by default, version 4 with -gdwarf-4; the unit
     * test checks both. */
    Dwarf_Unsigned i;
    if (f->version >= 5)
        i = idx;
    else if (idx == 0)
        return NULL;
    else
        i = idx - 1;
    if (!f->src || !f->abs || i >= (Dwarf_Unsigned)f->nsrc || !f->src[i])
        return NULL;
    if (!f->abs[i])
        f->abs[i] = make_path(d, f->comp_dir, f->src[i]);
    return f->abs[i];
}

/* The file-table entry of the CU holding die (at offset off), loaded. */
CT_NOINST static size_t cu_of(struct ct_dw *d, Dwarf_Die die, Dwarf_Off off)
{
    struct ct_dwalk *w = &d->w;
    if (off >= w->cu_lo && off < w->cu_hi) {
        struct ct_dw_cu_files *f = &d->files[d->cu_index];
        if (!f->loaded)
            cu_load(d, f, w->cu_die);
        return d->cu_index;
    }
    /* A reference into another unit (DW_FORM_ref_addr: LTO, dwz). */
    Dwarf_Off cu_off = 0;
    if (dwarf_CU_dieoffset_given_die(die, &cu_off, &w->err) != DW_DLV_OK) {
        ct_dwalk_note(w);
        return SIZE_MAX;
    }
    size_t i = ct_dw_cu_entry(d, cu_off);
    if (i != SIZE_MAX && !d->files[i].loaded) {
        Dwarf_Die cu_die = ct_dwalk_die(w, cu_off);
        if (cu_die) {
            cu_load(d, &d->files[i], cu_die);
            dwarf_dealloc_die(cu_die);
        } else {
            d->files[i].loaded = true;
        }
    }
    return i;
}

/* ---- names --------------------------------------------------------------- */

struct dieinfo {
    const char *name, *linkage;
    Dwarf_Unsigned file, line;
    bool has_file, has_line, has_ref;
    Dwarf_Off ref;
};

CT_NOINST static void read_info(struct ct_dw *d, Dwarf_Die die, struct dieinfo *o)
{
    memset(o, 0, sizeof *o);
    Dwarf_Attribute *list = NULL;
    Dwarf_Signed n = 0;
    struct ct_dwalk *w = &d->w;
    if (dwarf_attrlist(die, &list, &n, &w->err) != DW_DLV_OK) {
        ct_dwalk_note(w);
        return;
    }
    for (Dwarf_Signed i = 0; i < n; i++) {
        Dwarf_Half an = 0;
        Dwarf_Off off = 0;
        if (dwarf_whatattr(list[i], &an, &w->err) != DW_DLV_OK) {
            ct_dwalk_note(w);
            an = 0;
        }
        switch (an) {
        case DW_AT_name:
            o->name = ct_dwalk_attr_string(w, list[i]);
            break;
        case DW_AT_linkage_name:
        case DW_AT_MIPS_linkage_name:
            o->linkage = ct_dwalk_attr_string(w, list[i]);
            break;
        case DW_AT_decl_file:
            o->has_file = ct_dwalk_attr_const(w, list[i], &o->file);
            break;
        case DW_AT_decl_line:
            o->has_line = ct_dwalk_attr_const(w, list[i], &o->line);
            break;
        case DW_AT_specification:
        case DW_AT_abstract_origin:
            if (dwarf_global_formref(list[i], &off, &w->err) == DW_DLV_OK) {
                o->ref = off;
                o->has_ref = true;
            }
            ct_dwalk_note(w);
            break;
        default:
            break;
        }
        dwarf_dealloc_attribute(list[i]);
    }
    dwarf_dealloc(w->dbg, list, DW_DLA_LIST);
}

/* scope + "::" + name into the arena (name alone for an empty scope). */
CT_NOINST static const char *qualify(struct ct_dw *d, const char *scope, size_t ls, const char *name)
{
    size_t ln = strlen(name);
    if (!ls)
        return ct_arena_strndup(d->ctx->arena, name, ln);
    char *s = ct_arena_alloc(d->ctx->arena, ls + 2 + ln + 1);
    if (!s)
        return NULL;
    memcpy(s, scope, ls);
    memcpy(s + ls, "::", 2);
    memcpy(s + ls + 2, name, ln + 1);
    return s;
}

/* What a function's DIE and the DIEs it refers to say about it. */
struct fninfo {
    const char *name, *linkage;
    Dwarf_Unsigned file, line;
    bool has_file, has_line, followed;
    size_t file_cu;     /* the unit whose file table file indexes */
    Dwarf_Off last;     /* offset of the chain's last DIE */
};

/* Takes what di adds to f (cur, at cur_off, is the DIE di was read from). */
CT_NOINST static void fninfo_add(struct ct_dw *d, struct fninfo *f, const struct dieinfo *di, Dwarf_Die cur,
                                 Dwarf_Off cur_off)
{
    if (!f->name)
        f->name = di->name;
    if (!f->linkage)
        f->linkage = di->linkage;
    if (!f->has_line && di->has_line) {
        f->line = di->line;
        f->has_line = true;
    }
    if (!f->has_file && di->has_file) {
        f->file = di->file;
        f->has_file = true;
        f->file_cu = cu_of(d, cur, cur_off);
    }
}

/* Follows die's DW_AT_specification / DW_AT_abstract_origin chain. */
CT_NOINST static void follow_chain(struct ct_dw *d, Dwarf_Die die, Dwarf_Off off, struct fninfo *f)
{
    Dwarf_Die cur = die, owned = NULL;
    f->last = off;
    for (unsigned hop = 0;; hop++) {
        struct dieinfo di;
        read_info(d, cur, &di);
        fninfo_add(d, f, &di, cur, f->last);
        if (!di.has_ref || hop + 1 >= MAX_HOPS)
            break;
        /* Without a demangler the chain's end gives the scope: keep going. */
        if (f->name && f->linkage && f->has_file && f->has_line && ct_can_demangle(d->ctx))
            break;
        Dwarf_Die next = ct_dwalk_die(&d->w, di.ref);
        if (!next)
            break;
        if (owned)
            dwarf_dealloc_die(owned);
        cur = owned = next;
        f->last = di.ref;
        f->followed = true;
    }
    if (owned)
        dwarf_dealloc_die(owned);
}

/* sym's name from f: demangled, else qualified by the enclosing scopes. */
CT_NOINST static void name_symbol(struct ct_dw *d, const struct fninfo *f, struct ct_symbol *sym)
{
    const char *dem = f->linkage ? ct_demangle(d->ctx, f->linkage) : NULL;
    struct ct_symlist *um = d->unmangled;
    if (dem) {
        sym->name = dem;
    } else if (f->name) {
        sym->name = qualify(d, d->scope, d->scope_len, f->name);
        if (sym->name && !f->linkage && d->w.cu_is_cxx && strcmp(f->name, "main") != 0 &&
            ct_can_demangle(d->ctx) && CT_VEC_RESERVE(um->v, um->cap, um->n + 1))
            um->v[um->n++] = sym;
        /* A definition outside its class: qualify it from its declaration
         * once every declaration has been seen. */
        if (f->followed && sym->name && CT_VEC_RESERVE(d->pend, d->cappend, d->npend + 1))
            d->pend[d->npend++] = (struct ct_dw_pending){sym, f->last, qualify(d, "", 0, f->name)};
    } else if (f->linkage) {
        sym->name = ct_arena_strndup(d->ctx->arena, f->linkage, strlen(f->linkage));
    }
    if (!sym->name)
        sym->name = ct_hexname(d->ctx->arena, sym->entry);
}

CT_INTERNAL void ct_dw_name_function(struct ct_dw *d, Dwarf_Die die, Dwarf_Off off, struct ct_symbol *sym)
{
    struct fninfo f;
    memset(&f, 0, sizeof f);
    f.file_cu = SIZE_MAX;
    follow_chain(d, die, off, &f);
    if ((!f.has_file || !f.has_line) && d->scope_die) {
        /* A lambda's operator() says nowhere where it is; its closure type,
         * which holds it, does: the lambda expression. */
        struct dieinfo di;
        read_info(d, d->scope_die, &di);
        di.name = di.linkage = NULL;
        fninfo_add(d, &f, &di, d->scope_die, d->w.cu_lo);
    }
    sym->file = (f.has_file && f.file_cu != SIZE_MAX) ? file_path(d, f.file_cu, f.file) : NULL;
    sym->line = f.has_line ? (unsigned)f.line : 0;
    name_symbol(d, &f, sym);
}

CT_INTERNAL void ct_dw_record_decl(struct ct_dw *d, Dwarf_Off off)
{
    if (!d->last_scope || strcmp(d->last_scope, d->scope) != 0)
        d->last_scope = ct_arena_strndup(d->ctx->arena, d->scope, d->scope_len);
    if (d->last_scope && CT_VEC_RESERVE(d->decls, d->capdecls, d->ndecls + 1))
        d->decls[d->ndecls++] = (struct ct_dw_decl){off, d->last_scope};
}

/* ---- scopes ------------------------------------------------------------- */

CT_INTERNAL void ct_dw_push_scope(struct ct_dw *d, Dwarf_Die die, Dwarf_Half tag)
{
    const char *name = ct_dwalk_string(&d->w, die, DW_AT_name);
    if (!name && tag == DW_TAG_namespace)
        name = "(anonymous namespace)";
    if (!name)
        return; /* unnamed aggregate: adds nothing to the qualified name */
    size_t ln = strlen(name);
    if (!CT_VEC_RESERVE(d->scope, d->scope_cap, d->scope_len + 2 + ln + 1))
        return;
    if (d->scope_len) {
        memcpy(d->scope + d->scope_len, "::", 2);
        d->scope_len += 2;
    }
    memcpy(d->scope + d->scope_len, name, ln + 1);
    d->scope_len += ln;
}

CT_NOINST static int cmp_decl(const void *a, const void *b)
{
    Dwarf_Off x = ((const struct ct_dw_decl *)a)->off, y = ((const struct ct_dw_decl *)b)->off;
    return (x > y) - (x < y);
}

/* Qualifies out-of-class definitions from the scope of their declaration. */
CT_INTERNAL void ct_dw_resolve_pending(struct ct_dw *d)
{
    if (!d->npend || !d->ndecls)
        return;
    qsort(d->decls, d->ndecls, sizeof *d->decls, cmp_decl);
    for (size_t i = 0; i < d->npend; i++) {
        struct ct_dw_decl key = {d->pend[i].target, NULL};
        const struct ct_dw_decl *hit = bsearch(&key, d->decls, d->ndecls, sizeof *d->decls, cmp_decl);
        if (hit && d->pend[i].name) {
            const char *q = qualify(d, hit->scope, strlen(hit->scope), d->pend[i].name);
            if (q)
                d->pend[i].sym->name = q;
        }
    }
}

CT_INTERNAL void ct_dw_names_free(struct ct_dw *d)
{
    for (size_t i = 0; i < d->nfiles; i++) {
        struct ct_dw_cu_files *f = &d->files[i];
        for (Dwarf_Signed j = 0; j < f->nsrc; j++)
            dwarf_dealloc(d->w.dbg, f->src[j], DW_DLA_STRING);
        if (f->src)
            dwarf_dealloc(d->w.dbg, f->src, DW_DLA_LIST);
    }
    free(d->files);
    free(d->decls);
    free(d->pend);
    free(d->scope);
}
