/* dwarf.c — reads the functions of one ELF object from its DWARF (libdwarf,
 * old "20210528" API as shipped by Debian 12).
 *
 * One pass over every compilation unit of .debug_info collects each
 * DW_TAG_subprogram that has code (DW_AT_low_pc/DW_AT_high_pc, or
 * DW_AT_ranges), wherever it is nested: namespaces, classes, structures,
 * lexical blocks, other functions. For each, the name, declaration file and
 * line are found by following DW_AT_specification / DW_AT_abstract_origin
 * (an out-of-line member definition or an out-of-line copy of an inline
 * function carries only some of them itself).
 *
 * Error discipline: libdwarf is always given a Dwarf_Error pointer and no
 * error handler, so it never aborts; every DW_DLV_ERROR is counted, its error
 * freed, and reading goes on where it can. The caller gets whatever was read
 * and at most one ct_debug() line per object. Before libdwarf sees a file,
 * elf_precheck() (libelf) rejects what is known to crash this libdwarf
 * version, and keeps .debug_line at hand for the line-table versions. */
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libdwarf/dwarf.h>
#include <libdwarf/libdwarf.h>

#include "dwarf.h"

#define MAX_DEPTH 64      /* DIE nesting we follow (corrupt input can loop) */
#define MAX_HOPS 8        /* specification/abstract_origin chain length */
#define MAX_SPANS 16      /* pieces of one function we record */

/* The file table of one compilation unit, loaded the first time a function
 * of that unit needs a file name. */
struct cu_files {
    Dwarf_Off die_off;      /* global offset of the CU DIE: the key */
    Dwarf_Half version;     /* line table version: decides decl_file numbering */
    bool loaded;
    char **src;             /* dwarf_srcfiles(), freed before dwarf_finish */
    Dwarf_Signed nsrc;
    const char *comp_dir;   /* arena copy, or NULL */
    const char **abs;       /* [nsrc]: absolute path in the arena, lazily */
};

/* A member-function declaration seen inside a named scope, so that a
 * definition elsewhere pointing at it (DW_AT_specification) can be qualified
 * when no linkage name gives the qualified name. */
struct decl {
    Dwarf_Off off;
    const char *scope;      /* "ns::Cls", in the arena */
};

struct pending {
    struct ct_symbol *sym;
    Dwarf_Off target;       /* last DIE of its specification chain */
    const char *name;       /* unqualified name, in the arena */
};

struct dw {
    const struct ct_loadctx *ctx;
    Dwarf_Debug dbg;
    Dwarf_Error err;
    struct ct_ranges *out;
    struct ct_symlist *unmangled;
    long added;
    unsigned nerrors;
    char first_error[160];

    /* The compilation unit being walked. */
    Dwarf_Die cu_die;
    Dwarf_Off cu_lo, cu_hi;  /* its extent in .debug_info */
    Dwarf_Addr cu_base;      /* its DW_AT_low_pc: base of DWARF 4 range lists */
    Dwarf_Half cu_version;
    bool cu_is_c;            /* C has no functions inside aggregates */
    bool cu_is_cxx;
    bool cu_failed;          /* traversal error: give up on this unit */
    size_t cu_index;         /* its entry in files[] */

    struct cu_files *files;
    size_t nfiles, capfiles;
    struct decl *decls;
    size_t ndecls, capdecls;
    struct pending *pend;
    size_t npend, cappend;

    const unsigned char *line_data; /* .debug_line, from libelf */
    size_t line_size;

    Dwarf_Die scope_die;     /* innermost enclosing class/struct/union */
    char *scope;             /* qualified name of the enclosing scopes */
    size_t scope_len, scope_cap;
    const char *last_scope;  /* arena copy of the last scope recorded */
};

/* Records and frees the pending libdwarf error. */
CT_NOINST static void note_error(struct dw *d)
{
    if (!d->err)
        return;
    if (d->nerrors++ == 0)
        snprintf(d->first_error, sizeof d->first_error, "%s", dwarf_errmsg(d->err));
    dwarf_dealloc_error(d->dbg, d->err);
    d->err = NULL;
}

/* Grows the array whose pointer is at vp (elements of size sz) to hold at
 * least n + 1. The pointer is read and written with memcpy: vp points to a
 * "struct x *", not a "void *". */
CT_NOINST static bool grow(void *vp, size_t *cap, size_t n, size_t sz)
{
    if (n < *cap)
        return true;
    size_t ncap = *cap ? *cap * 2 : 64;
    void *v;
    memcpy(&v, vp, sizeof v);
    void *p = realloc(v, ncap * sz);
    if (!p)
        return false;
    memcpy(vp, &p, sizeof p);
    *cap = ncap;
    return true;
}

CT_NOINST static const char *attr_string(struct dw *d, Dwarf_Attribute at)
{
    char *s = NULL;
    int res = dwarf_formstring(at, &s, &d->err);
    if (res == DW_DLV_ERROR)
        note_error(d);
    /* Points into the string section: valid until dwarf_finish(). */
    return res == DW_DLV_OK ? s : NULL;
}

CT_NOINST static const char *die_string(struct dw *d, Dwarf_Die die, Dwarf_Half attrnum)
{
    Dwarf_Attribute at = NULL;
    int res = dwarf_attr(die, attrnum, &at, &d->err);
    if (res != DW_DLV_OK) {
        note_error(d);
        return NULL;
    }
    const char *s = attr_string(d, at);
    dwarf_dealloc_attribute(at);
    return s;
}

/* An offset-valued attribute (DW_FORM_sec_offset, or data4/data8 in DWARF 3). */
CT_NOINST static bool attr_offset(struct dw *d, Dwarf_Attribute at, Dwarf_Half form, Dwarf_Unsigned *out)
{
    Dwarf_Off off = 0;
    int res;
    if (form == DW_FORM_sec_offset) {
        res = dwarf_global_formref(at, &off, &d->err);
        if (res == DW_DLV_OK) {
            *out = off;
            return true;
        }
        note_error(d);
    }
    res = dwarf_formudata(at, out, &d->err);
    note_error(d);
    return res == DW_DLV_OK;
}

/* ---- file names ---------------------------------------------------------- */

/* Finds or adds the file-table entry of the CU whose DIE is at die_off. */
CT_NOINST static size_t cu_entry(struct dw *d, Dwarf_Off die_off)
{
    for (size_t i = d->nfiles; i-- > 0;)
        if (d->files[i].die_off == die_off)
            return i;
    if (!grow(&d->files, &d->capfiles, d->nfiles, sizeof *d->files))
        return SIZE_MAX;
    struct cu_files *f = &d->files[d->nfiles];
    memset(f, 0, sizeof *f);
    f->die_off = die_off;
    return d->nfiles++;
}

/* The version of the line table of cu_die (DW_AT_stmt_list), read from the
 * table's header; 0 when unknown. It is usually the CU's version, but not
 * always: GCC 11+ with an assembler that cannot write DWARF 5 line tables
 * pairs a version 5 CU with a version 3 line table. */
CT_NOINST static Dwarf_Half line_version(struct dw *d, Dwarf_Die cu_die)
{
    Dwarf_Attribute at = NULL;
    if (!d->line_data || dwarf_attr(cu_die, DW_AT_stmt_list, &at, &d->err) != DW_DLV_OK) {
        note_error(d);
        return 0;
    }
    Dwarf_Half form = 0;
    Dwarf_Unsigned off = 0;
    bool ok = dwarf_whatform(at, &form, &d->err) == DW_DLV_OK && attr_offset(d, at, form, &off);
    note_error(d);
    dwarf_dealloc_attribute(at);
    if (!ok || off >= d->line_size || d->line_size - off < 14)
        return 0;
    uint32_t len32;
    uint16_t version;
    memcpy(&len32, d->line_data + off, 4);
    memcpy(&version, d->line_data + off + (len32 == 0xffffffffu ? 12 : 4), 2);
    return version;
}

CT_NOINST static void cu_load(struct dw *d, struct cu_files *f, Dwarf_Die cu_die)
{
    f->loaded = true;
    f->version = line_version(d, cu_die);
    Dwarf_Half offset_size = 0;
    if (!f->version && dwarf_get_version_of_die(cu_die, &f->version, &offset_size) != DW_DLV_OK)
        return;
    char **src = NULL;
    Dwarf_Signed n = 0;
    int res = dwarf_srcfiles(cu_die, &src, &n, &d->err);
    if (res != DW_DLV_OK) {
        note_error(d);
        return;
    }
    f->src = src;
    f->nsrc = n;
    f->abs = ct_arena_alloc(d->ctx->arena, (size_t)n * sizeof *f->abs + 1);
    if (f->abs)
        memset(f->abs, 0, (size_t)n * sizeof *f->abs);
    const char *dir = die_string(d, cu_die, DW_AT_comp_dir);
    if (dir && dir[0])
        f->comp_dir = ct_arena_strndup(d->ctx->arena, dir, strlen(dir));
}

/* dir + "/" + name (name alone when absolute), with "//" and "/./" removed.
 * ".." is kept: resolving it lexically is wrong across symbolic links. */
CT_NOINST static const char *make_path(struct dw *d, const char *dir, const char *name)
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

CT_NOINST static const char *file_path(struct dw *d, size_t cu, Dwarf_Unsigned idx)
{
    struct cu_files *f = &d->files[cu];
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
CT_NOINST static size_t cu_of(struct dw *d, Dwarf_Die die, Dwarf_Off off)
{
    if (off >= d->cu_lo && off < d->cu_hi) {
        struct cu_files *f = &d->files[d->cu_index];
        if (!f->loaded)
            cu_load(d, f, d->cu_die);
        return d->cu_index;
    }
    /* A reference into another unit (DW_FORM_ref_addr: LTO, dwz). */
    Dwarf_Off cu_off = 0;
    if (dwarf_CU_dieoffset_given_die(die, &cu_off, &d->err) != DW_DLV_OK) {
        note_error(d);
        return SIZE_MAX;
    }
    size_t i = cu_entry(d, cu_off);
    if (i != SIZE_MAX && !d->files[i].loaded) {
        Dwarf_Die cu_die = NULL;
        int res = dwarf_offdie_b(d->dbg, cu_off, true, &cu_die, &d->err);
        if (res == DW_DLV_OK) {
            cu_load(d, &d->files[i], cu_die);
            dwarf_dealloc_die(cu_die);
        } else {
            note_error(d);
            d->files[i].loaded = true;
        }
    }
    return i;
}

/* ---- address ranges ------------------------------------------------------ */

struct spans {
    struct ct_span v[MAX_SPANS];
    size_t n;
};

CT_NOINST static void add_span(struct spans *s, Dwarf_Addr lo, Dwarf_Addr hi)
{
    if (s->n < MAX_SPANS && hi > lo)
        s->v[s->n++] = (struct ct_span){(uintptr_t)lo, (uintptr_t)hi};
}

/* DWARF 5: DW_AT_ranges points into .debug_rnglists. libdwarf "cooks" each
 * entry into absolute addresses (applying base addresses and .debug_addr). */
CT_NOINST static void rnglists(struct dw *d, Dwarf_Attribute at, Dwarf_Half form, struct spans *s)
{
    Dwarf_Unsigned val = 0;
    if (form == DW_FORM_rnglistx) {
        if (dwarf_formudata(at, &val, &d->err) != DW_DLV_OK) {
            note_error(d);
            return;
        }
    } else if (!attr_offset(d, at, form, &val)) {
        return;
    }
    Dwarf_Rnglists_Head head = NULL;
    Dwarf_Unsigned count = 0, global_off = 0;
    if (dwarf_rnglists_get_rle_head(at, form, val, &head, &count, &global_off, &d->err) != DW_DLV_OK) {
        note_error(d);
        return;
    }
    for (Dwarf_Unsigned i = 0; i < count; i++) {
        unsigned len = 0, code = 0;
        Dwarf_Unsigned raw1 = 0, raw2 = 0, lo = 0, hi = 0;
        Dwarf_Bool unavailable = 0;
        if (dwarf_get_rnglists_entry_fields_a(head, i, &len, &code, &raw1, &raw2, &unavailable, &lo, &hi,
                                              &d->err) != DW_DLV_OK) {
            note_error(d);
            break;
        }
        switch (code) {
        case DW_RLE_offset_pair:
        case DW_RLE_startx_endx:
        case DW_RLE_startx_length:
        case DW_RLE_start_end:
        case DW_RLE_start_length:
            if (!unavailable)
                add_span(s, lo, hi);
            break;
        default:
            break;
        }
    }
    dwarf_dealloc_rnglists_head(head);
}

/* DWARF 2-4: DW_AT_ranges is an offset into .debug_ranges, whose entries are
 * relative to the CU base address unless a base-selection entry says
 * otherwise. libdwarf hands them out raw. */
CT_NOINST static void ranges4(struct dw *d, Dwarf_Die die, Dwarf_Attribute at, Dwarf_Half form, struct spans *s)
{
    Dwarf_Unsigned off = 0;
    if (!attr_offset(d, at, form, &off))
        return;
    Dwarf_Ranges *r = NULL;
    Dwarf_Signed n = 0;
    Dwarf_Unsigned bytes = 0;
    if (dwarf_get_ranges_a(d->dbg, (Dwarf_Off)off, die, &r, &n, &bytes, &d->err) != DW_DLV_OK) {
        note_error(d);
        return;
    }
    Dwarf_Addr base = d->cu_base;
    for (Dwarf_Signed i = 0; i < n; i++) {
        if (r[i].dwr_type == DW_RANGES_END)
            break;
        if (r[i].dwr_type == DW_RANGES_ADDRESS_SELECTION)
            base = r[i].dwr_addr2;
        else
            add_span(s, base + r[i].dwr_addr1, base + r[i].dwr_addr2);
    }
    dwarf_ranges_dealloc(d->dbg, r, n);
}

/* The code of a subprogram, in link-time addresses; none for a declaration
 * or an abstract inline instance. The first span holds the entry. */
CT_NOINST static void code_spans(struct dw *d, Dwarf_Die die, struct spans *s)
{
    s->n = 0;
    Dwarf_Addr lo = 0;
    int res = dwarf_lowpc(die, &lo, &d->err);
    if (res == DW_DLV_OK) {
        Dwarf_Addr hi = 0;
        Dwarf_Half form = 0;
        enum Dwarf_Form_Class cls = DW_FORM_CLASS_UNKNOWN;
        res = dwarf_highpc_b(die, &hi, &form, &cls, &d->err);
        if (res == DW_DLV_OK) {
            /* DWARF 4+: a constant-class DW_AT_high_pc is the size. */
            if (cls == DW_FORM_CLASS_CONSTANT)
                hi += lo;
        } else {
            note_error(d);
            hi = lo + 1;
        }
        add_span(s, lo, hi > lo ? hi : lo + 1);
        return;
    }
    note_error(d);
    Dwarf_Attribute at = NULL;
    if (dwarf_attr(die, DW_AT_ranges, &at, &d->err) != DW_DLV_OK) {
        note_error(d);
        return;
    }
    Dwarf_Half form = 0;
    if (dwarf_whatform(at, &form, &d->err) != DW_DLV_OK)
        note_error(d);
    else if (d->cu_version >= 5 || form == DW_FORM_rnglistx)
        rnglists(d, at, form, s);
    else
        ranges4(d, die, at, form, s);
    dwarf_dealloc_attribute(at);
}

/* ---- names --------------------------------------------------------------- */

/* An unsigned constant. DWARF 5's DW_FORM_implicit_const (the value stored
 * in the abbreviation; GCC uses it for decl_file and decl_line shared by many
 * DIEs) is refused by this libdwarf's dwarf_formudata() and must be read
 * with dwarf_formsdata(). */
CT_NOINST static bool attr_udata(struct dw *d, Dwarf_Attribute at, Dwarf_Unsigned *out)
{
    Dwarf_Half form = 0;
    if (dwarf_whatform(at, &form, &d->err) != DW_DLV_OK) {
        note_error(d);
        return false;
    }
    if (form == DW_FORM_implicit_const) {
        Dwarf_Signed v = 0;
        int res = dwarf_formsdata(at, &v, &d->err);
        note_error(d);
        if (res != DW_DLV_OK || v < 0)
            return false;
        *out = (Dwarf_Unsigned)v;
        return true;
    }
    int res = dwarf_formudata(at, out, &d->err);
    note_error(d);
    return res == DW_DLV_OK;
}

struct dieinfo {
    const char *name, *linkage;
    Dwarf_Unsigned file, line;
    bool has_file, has_line, has_ref;
    Dwarf_Off ref;
};

CT_NOINST static void read_info(struct dw *d, Dwarf_Die die, struct dieinfo *o)
{
    memset(o, 0, sizeof *o);
    Dwarf_Attribute *list = NULL;
    Dwarf_Signed n = 0;
    if (dwarf_attrlist(die, &list, &n, &d->err) != DW_DLV_OK) {
        note_error(d);
        return;
    }
    for (Dwarf_Signed i = 0; i < n; i++) {
        Dwarf_Half an = 0;
        Dwarf_Off off = 0;
        if (dwarf_whatattr(list[i], &an, &d->err) != DW_DLV_OK) {
            note_error(d);
            an = 0;
        }
        switch (an) {
        case DW_AT_name:
            o->name = attr_string(d, list[i]);
            break;
        case DW_AT_linkage_name:
        case DW_AT_MIPS_linkage_name:
            o->linkage = attr_string(d, list[i]);
            break;
        case DW_AT_decl_file:
            o->has_file = attr_udata(d, list[i], &o->file);
            break;
        case DW_AT_decl_line:
            o->has_line = attr_udata(d, list[i], &o->line);
            break;
        case DW_AT_specification:
        case DW_AT_abstract_origin:
            if (dwarf_global_formref(list[i], &off, &d->err) == DW_DLV_OK) {
                o->ref = off;
                o->has_ref = true;
            }
            note_error(d);
            break;
        default:
            break;
        }
        dwarf_dealloc_attribute(list[i]);
    }
    dwarf_dealloc(d->dbg, list, DW_DLA_LIST);
}

/* scope + "::" + name into the arena (name alone for an empty scope). */
CT_NOINST static const char *qualify(struct dw *d, const char *scope, size_t ls, const char *name)
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

/* Fills sym's name, file and line from die and the DIEs it refers to. */
CT_NOINST static void name_function(struct dw *d, Dwarf_Die die, Dwarf_Off off, struct ct_symbol *sym)
{
    const char *name = NULL, *linkage = NULL;
    Dwarf_Unsigned file = 0, line = 0;
    bool has_file = false, has_line = false, followed = false;
    size_t file_cu = SIZE_MAX;
    Dwarf_Die cur = die, owned = NULL;
    Dwarf_Off cur_off = off;

    for (unsigned hop = 0;; hop++) {
        struct dieinfo di;
        read_info(d, cur, &di);
        if (!name)
            name = di.name;
        if (!linkage)
            linkage = di.linkage;
        if (!has_line && di.has_line) {
            line = di.line;
            has_line = true;
        }
        if (!has_file && di.has_file) {
            file = di.file;
            has_file = true;
            file_cu = cu_of(d, cur, cur_off);
        }
        if (!di.has_ref || hop + 1 >= MAX_HOPS)
            break;
        /* Without a demangler the chain's end gives the scope: keep going. */
        if (name && linkage && has_file && has_line && ct_can_demangle(d->ctx))
            break;
        Dwarf_Die next = NULL;
        if (dwarf_offdie_b(d->dbg, di.ref, true, &next, &d->err) != DW_DLV_OK) {
            note_error(d);
            break;
        }
        if (owned)
            dwarf_dealloc_die(owned);
        cur = owned = next;
        cur_off = di.ref;
        followed = true;
    }
    if (owned)
        dwarf_dealloc_die(owned);
    if ((!has_file || !has_line) && d->scope_die) {
        /* A lambda's operator() says nowhere where it is; its closure type,
         * which holds it, does: the lambda expression. */
        struct dieinfo di;
        read_info(d, d->scope_die, &di);
        if (!has_file && di.has_file) {
            file = di.file;
            has_file = true;
            file_cu = cu_of(d, d->scope_die, d->cu_lo);
        }
        if (!has_line && di.has_line) {
            line = di.line;
            has_line = true;
        }
    }

    sym->file = (has_file && file_cu != SIZE_MAX) ? file_path(d, file_cu, file) : NULL;
    sym->line = has_line ? (unsigned)line : 0;

    const char *dem = linkage ? ct_demangle(d->ctx, linkage) : NULL;
    if (dem) {
        sym->name = dem;
    } else if (name) {
        sym->name = qualify(d, d->scope, d->scope_len, name);
        if (sym->name && !linkage && d->cu_is_cxx && strcmp(name, "main") != 0 && ct_can_demangle(d->ctx) &&
            grow(&d->unmangled->v, &d->unmangled->cap, d->unmangled->n, sizeof *d->unmangled->v))
            d->unmangled->v[d->unmangled->n++] = sym;
        /* A definition outside its class: qualify it from its declaration
         * once every declaration has been seen. */
        if (followed && sym->name &&
            grow(&d->pend, &d->cappend, d->npend, sizeof *d->pend))
            d->pend[d->npend++] = (struct pending){sym, cur_off, qualify(d, "", 0, name)};
    } else if (linkage) {
        sym->name = ct_arena_strndup(d->ctx->arena, linkage, strlen(linkage));
    }
    if (!sym->name)
        sym->name = ct_hexname(d->ctx->arena, sym->entry);
}

CT_NOINST static void record_decl(struct dw *d, Dwarf_Die die)
{
    Dwarf_Off off = 0;
    if (dwarf_dieoffset(die, &off, &d->err) != DW_DLV_OK) {
        note_error(d);
        return;
    }
    if (!d->last_scope || strcmp(d->last_scope, d->scope) != 0)
        d->last_scope = ct_arena_strndup(d->ctx->arena, d->scope, d->scope_len);
    if (d->last_scope && grow(&d->decls, &d->capdecls, d->ndecls, sizeof *d->decls))
        d->decls[d->ndecls++] = (struct decl){off, d->last_scope};
}

/* Returns true when die is a function with code (its children may hold
 * nested functions). */
CT_NOINST static bool subprogram(struct dw *d, Dwarf_Die die)
{
    struct spans s;
    code_spans(d, die, &s);
    if (s.n == 0) {
        if (d->scope_len)
            record_decl(d, die);
        return false;
    }
    const struct ct_loadctx *ctx = d->ctx;
    if (!ct_in_exec(ctx, s.v[0].lo))
        return false; /* discarded COMDAT copy, or garbage */
    Dwarf_Off off = 0;
    if (dwarf_dieoffset(die, &off, &d->err) != DW_DLV_OK) {
        note_error(d);
        return false;
    }
    struct ct_symbol *sym = ct_arena_alloc(ctx->arena, sizeof *sym);
    if (!sym)
        return false;
    memset(sym, 0, sizeof *sym);
    sym->entry = s.v[0].lo + ctx->bias;
    name_function(d, die, off, sym);
    for (size_t i = 0; i < s.n; i++) {
        if (!ct_in_exec(ctx, s.v[i].lo))
            continue;
        if (ct_ranges_push(d->out, s.v[i].lo + ctx->bias, s.v[i].hi + ctx->bias, sym, (uint32_t)d->out->n))
            d->added++;
    }
    return true;
}

/* ---- traversal ----------------------------------------------------------- */

CT_NOINST static void walk(struct dw *d, Dwarf_Die parent, unsigned depth);

CT_NOINST static void push_scope(struct dw *d, Dwarf_Die die, Dwarf_Half tag)
{
    const char *name = die_string(d, die, DW_AT_name);
    if (!name && tag == DW_TAG_namespace)
        name = "(anonymous namespace)";
    if (!name)
        return; /* unnamed aggregate: adds nothing to the qualified name */
    size_t ln = strlen(name), need = d->scope_len + 2 + ln + 1;
    if (need > d->scope_cap) {
        size_t cap = need * 2;
        char *p = realloc(d->scope, cap);
        if (!p)
            return;
        d->scope = p;
        d->scope_cap = cap;
    }
    if (d->scope_len) {
        memcpy(d->scope + d->scope_len, "::", 2);
        d->scope_len += 2;
    }
    memcpy(d->scope + d->scope_len, name, ln + 1);
    d->scope_len += ln;
}

CT_NOINST static void visit(struct dw *d, Dwarf_Die die, unsigned depth)
{
    Dwarf_Half tag = 0;
    if (dwarf_tag(die, &tag, &d->err) != DW_DLV_OK) {
        note_error(d);
        return;
    }
    switch (tag) {
    case DW_TAG_subprogram:
        if (subprogram(d, die))
            walk(d, die, depth + 1);
        break;
    case DW_TAG_class_type:
    case DW_TAG_structure_type:
    case DW_TAG_union_type:
    case DW_TAG_interface_type:
        if (d->cu_is_c)
            break;
        /* fall through */
    case DW_TAG_namespace:
    case DW_TAG_module: {
        size_t saved = d->scope_len;
        Dwarf_Die saved_die = d->scope_die;
        if (tag != DW_TAG_namespace && tag != DW_TAG_module)
            d->scope_die = die;
        push_scope(d, die, tag);
        walk(d, die, depth + 1);
        d->scope_len = saved;
        d->scope_die = saved_die;
        if (d->scope)
            d->scope[saved] = '\0';
        break;
    }
    case DW_TAG_lexical_block:
        walk(d, die, depth + 1);
        break;
    default:
        break;
    }
}

CT_NOINST static void walk(struct dw *d, Dwarf_Die parent, unsigned depth)
{
    if (depth > MAX_DEPTH || d->cu_failed)
        return;
    Dwarf_Die die = NULL;
    int res = dwarf_child(parent, &die, &d->err);
    if (res != DW_DLV_OK) {
        if (res == DW_DLV_ERROR) {
            note_error(d);
            d->cu_failed = true;
        }
        return;
    }
    while (die && !d->cu_failed) {
        visit(d, die, depth);
        Dwarf_Die next = NULL;
        res = dwarf_siblingof_b(d->dbg, die, true, &next, &d->err);
        dwarf_dealloc_die(die);
        die = res == DW_DLV_OK ? next : NULL;
        if (res == DW_DLV_ERROR) {
            note_error(d);
            d->cu_failed = true;
        }
    }
    if (die)
        dwarf_dealloc_die(die);
}

CT_NOINST static void visit_cu(struct dw *d, Dwarf_Die cu, Dwarf_Half version)
{
    Dwarf_Half tag = 0;
    if (dwarf_tag(cu, &tag, &d->err) != DW_DLV_OK) {
        note_error(d);
        return;
    }
    if (tag != DW_TAG_compile_unit && tag != DW_TAG_partial_unit)
        return;
    Dwarf_Off off = 0;
    if (dwarf_dieoffset(cu, &off, &d->err) != DW_DLV_OK) {
        note_error(d);
        return;
    }
    d->cu_index = cu_entry(d, off);
    if (d->cu_index == SIZE_MAX)
        return;
    d->cu_die = cu;
    d->cu_version = version;
    d->cu_failed = false;
    d->cu_base = 0;
    if (dwarf_lowpc(cu, &d->cu_base, &d->err) != DW_DLV_OK) {
        note_error(d);
        d->cu_base = 0;
    }
    Dwarf_Unsigned lang = 0;
    d->cu_is_c = d->cu_is_cxx = false;
    if (dwarf_srclang(cu, &lang, &d->err) == DW_DLV_OK)
    {
        d->cu_is_c = lang == DW_LANG_C89 || lang == DW_LANG_C || lang == DW_LANG_C99 || lang == DW_LANG_C11;
        d->cu_is_cxx = lang == DW_LANG_C_plus_plus || lang == DW_LANG_C_plus_plus_03 ||
                       lang == DW_LANG_C_plus_plus_11 || lang == DW_LANG_C_plus_plus_14;
    }
    note_error(d);
    d->scope_len = 0;
    d->scope_die = NULL;
    if (d->scope)
        d->scope[0] = '\0';
    walk(d, cu, 0);
    d->cu_die = NULL;
}

CT_NOINST static int cmp_decl(const void *a, const void *b)
{
    Dwarf_Off x = ((const struct decl *)a)->off, y = ((const struct decl *)b)->off;
    return (x > y) - (x < y);
}

/* Qualifies out-of-class definitions from the scope of their declaration. */
CT_NOINST static void resolve_pending(struct dw *d)
{
    if (!d->npend || !d->ndecls)
        return;
    qsort(d->decls, d->ndecls, sizeof *d->decls, cmp_decl);
    for (size_t i = 0; i < d->npend; i++) {
        struct decl key = {d->pend[i].target, NULL};
        const struct decl *hit = bsearch(&key, d->decls, d->ndecls, sizeof *d->decls, cmp_decl);
        if (hit && d->pend[i].name) {
            const char *q = qualify(d, hit->scope, strlen(hit->scope), d->pend[i].name);
            if (q)
                d->pend[i].sym->name = q;
        }
    }
}

CT_NOINST static void read_units(struct dw *d)
{
    Dwarf_Off hdr = 0;
    for (;;) {
        Dwarf_Unsigned cu_len = 0, type_off = 0, next = 0;
        Dwarf_Half version = 0, addr_size = 0, len_size = 0, ext_size = 0, cu_type = 0;
        Dwarf_Off abbrev = 0;
        Dwarf_Sig8 sig;
        int res = dwarf_next_cu_header_d(d->dbg, true, &cu_len, &version, &abbrev, &addr_size, &len_size,
                                         &ext_size, &sig, &type_off, &next, &cu_type, &d->err);
        if (res != DW_DLV_OK) {
            note_error(d);
            return;
        }
        d->cu_lo = hdr;
        d->cu_hi = next;
        hdr = next;
        Dwarf_Die cu = NULL;
        res = dwarf_siblingof_b(d->dbg, NULL, true, &cu, &d->err);
        if (res == DW_DLV_OK) {
            visit_cu(d, cu, version);
            dwarf_dealloc_die(cu);
        } else {
            note_error(d);
        }
    }
}

/* ---- libdwarf 20210528 guard --------------------------------------------- */

/* libdwarf 20210528 reads every .debug_rnglists and .debug_loclists header on
 * the first dwarf_next_cu_header_d(), and on a malformed header its error
 * path frees the list it is building and then keeps using it (use after free,
 * double free: found by fuzzing this reader; fixed in later libdwarf). So we
 * check those headers ourselves first, at least as strictly as libdwarf does,
 * and do not hand a file that fails to libdwarf at all. */
CT_NOINST static bool list_headers_ok(const unsigned char *p, size_t size)
{
    size_t off = 0;
    while (off < size) {
        if (size - off < 4)
            return false;
        uint32_t len32;
        memcpy(&len32, p + off, 4);
        uint64_t len;
        size_t hdr;
        if (len32 == 0xffffffffu) {
            if (size - off < 12)
                return false;
            memcpy(&len, p + off + 4, 8);
            hdr = 12;
        } else if (len32 == 0 || len32 >= 0xfffffff0u) {
            return false; /* reserved, or IRIX's 64-bit convention */
        } else {
            len = len32;
            hdr = 4;
        }
        /* version (2), address_size (1), segment_selector_size (1),
         * offset_entry_count (4) */
        if (len < 8 || len > size - off - hdr)
            return false;
        uint16_t version;
        memcpy(&version, p + off + hdr, 2);
        unsigned addr_size = p[off + hdr + 2];
        if (version != 5 || (addr_size != 2 && addr_size != 4 && addr_size != 8))
            return false;
        off += hdr + (size_t)len;
    }
    return true;
}

/* Opens the ELF file for the checks above, and keeps .debug_line at hand
 * (see line_version()). Returns NULL when libdwarf must not see the file. */
CT_NOINST static Elf *elf_precheck(struct dw *d, int fd)
{
    if (elf_version(EV_CURRENT) == EV_NONE)
        return NULL;
    Elf *e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
    if (!e)
        return NULL;
    bool ok = elf_kind(e) == ELF_K_ELF;
    size_t shstrndx = 0;
    if (ok && elf_getshdrstrndx(e, &shstrndx) != 0)
        ok = false;
    Elf_Scn *scn = NULL;
    while (ok && (scn = elf_nextscn(e, scn)) != NULL) {
        GElf_Shdr sh;
        if (!gelf_getshdr(scn, &sh))
            continue;
        const char *name = elf_strptr(e, shstrndx, sh.sh_name);
        if (!name || sh.sh_type == SHT_NOBITS)
            continue;
        bool z = strncmp(name, ".zdebug_", 8) == 0;
        const char *base = z ? name + 8 : strncmp(name, ".debug_", 7) == 0 ? name + 7 : NULL;
        if (!base)
            continue;
        bool lists = strcmp(base, "rnglists") == 0 || strcmp(base, "loclists") == 0;
        bool line = strcmp(base, "line") == 0;
        if (!lists && !line)
            continue;
        /* Look at what libdwarf will look at: the uncompressed bytes. */
        if ((z && elf_compress_gnu(scn, 0, 0) < 0) ||
            (!z && (sh.sh_flags & SHF_COMPRESSED) && elf_compress(scn, 0, 0) < 0)) {
            ok = !lists;
            continue;
        }
        Elf_Data *data = elf_getdata(scn, NULL);
        if (!data || !data->d_buf || !data->d_size)
            continue;
        if (lists) {
            ok = list_headers_ok(data->d_buf, data->d_size);
        } else {
            d->line_data = data->d_buf;
            d->line_size = data->d_size;
        }
    }
    if (!ok) {
        elf_end(e);
        return NULL;
    }
    return e;
}

CT_INTERNAL long ct_dwarf_load(const struct ct_loadctx *ctx, const char *path, struct ct_ranges *out,
                               struct ct_symlist *unmangled)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct dw d;
    memset(&d, 0, sizeof d);
    Elf *elf = elf_precheck(&d, fd);
    if (!elf) {
        ct_debug("symbols: %s: not ELF, or malformed range/location lists: DWARF not read", path);
        close(fd);
        return -1;
    }
    d.ctx = ctx;
    d.out = out;
    d.unmangled = unmangled;
    /* No error handler and a non-NULL Dwarf_Error*: libdwarf reports every
     * failure by DW_DLV_ERROR instead of calling abort(). */
    int res = dwarf_init_b(fd, DW_DLC_READ, DW_GROUPNUMBER_ANY, NULL, NULL, &d.dbg, &d.err);
    if (res != DW_DLV_OK) {
        if (res == DW_DLV_ERROR) {
            ct_debug("symbols: %s: no usable DWARF: %s", path, dwarf_errmsg(d.err));
            dwarf_dealloc(NULL, d.err, DW_DLA_ERROR);
        }
        elf_end(elf);
        close(fd);
        return -1;
    }
    read_units(&d);
    resolve_pending(&d);
    if (d.nerrors)
        ct_debug("symbols: %s: %u DWARF errors (first: %s); %ld ranges read", path, d.nerrors,
                 d.first_error, d.added);

    for (size_t i = 0; i < d.nfiles; i++) {
        struct cu_files *f = &d.files[i];
        for (Dwarf_Signed j = 0; j < f->nsrc; j++)
            dwarf_dealloc(d.dbg, f->src[j], DW_DLA_STRING);
        if (f->src)
            dwarf_dealloc(d.dbg, f->src, DW_DLA_LIST);
    }
    free(d.files);
    free(d.decls);
    free(d.pend);
    free(d.scope);
    if (dwarf_finish(d.dbg, &d.err) != DW_DLV_OK && d.err)
        dwarf_dealloc(NULL, d.err, DW_DLA_ERROR);
    elf_end(elf);
    close(fd);
    return d.added;
}
