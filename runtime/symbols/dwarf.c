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
 * ct_dw_open() (libelf) rejects what is known to crash this libdwarf
 * version, and keeps .debug_line at hand for the line-table versions. */
#include <fcntl.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libdwarf/dwarf.h>
#include <libdwarf/libdwarf.h>

#include "symbols/dwarf.h"
#include "symbols/dwarf_priv.h"

#define MAX_DEPTH 64      /* DIE nesting we follow (corrupt input can loop) */
#define MAX_SPANS 16      /* pieces of one function we record */

/* ---- helpers shared with dwarf_names.c ----------------------------------- */

CT_INTERNAL void ct_dw_note_error(struct ct_dw *d)
{
    if (!d->err)
        return;
    if (d->nerrors++ == 0)
        snprintf(d->first_error, sizeof d->first_error, "%s", dwarf_errmsg(d->err));
    dwarf_dealloc_error(d->dbg, d->err);
    d->err = NULL;
}

CT_INTERNAL bool ct_dw_attr_offset(struct ct_dw *d, Dwarf_Attribute at, Dwarf_Half form, Dwarf_Unsigned *out)
{
    Dwarf_Off off = 0;
    int res;
    if (form == DW_FORM_sec_offset) {
        res = dwarf_global_formref(at, &off, &d->err);
        if (res == DW_DLV_OK) {
            *out = off;
            return true;
        }
        ct_dw_note_error(d);
    }
    res = dwarf_formudata(at, out, &d->err);
    ct_dw_note_error(d);
    return res == DW_DLV_OK;
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
CT_NOINST static void rnglists(struct ct_dw *d, Dwarf_Attribute at, Dwarf_Half form, struct spans *s)
{
    Dwarf_Unsigned val = 0;
    if (form == DW_FORM_rnglistx) {
        if (dwarf_formudata(at, &val, &d->err) != DW_DLV_OK) {
            ct_dw_note_error(d);
            return;
        }
    } else if (!ct_dw_attr_offset(d, at, form, &val)) {
        return;
    }
    Dwarf_Rnglists_Head head = NULL;
    Dwarf_Unsigned count = 0, global_off = 0;
    if (dwarf_rnglists_get_rle_head(at, form, val, &head, &count, &global_off, &d->err) != DW_DLV_OK) {
        ct_dw_note_error(d);
        return;
    }
    for (Dwarf_Unsigned i = 0; i < count; i++) {
        unsigned len = 0, code = 0;
        Dwarf_Unsigned raw1 = 0, raw2 = 0, lo = 0, hi = 0;
        Dwarf_Bool unavailable = 0;
        if (dwarf_get_rnglists_entry_fields_a(head, i, &len, &code, &raw1, &raw2, &unavailable, &lo, &hi,
                                              &d->err) != DW_DLV_OK) {
            ct_dw_note_error(d);
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
CT_NOINST static void ranges4(struct ct_dw *d, Dwarf_Die die, Dwarf_Attribute at, Dwarf_Half form, struct spans *s)
{
    Dwarf_Unsigned off = 0;
    if (!ct_dw_attr_offset(d, at, form, &off))
        return;
    Dwarf_Ranges *r = NULL;
    Dwarf_Signed n = 0;
    Dwarf_Unsigned bytes = 0;
    if (dwarf_get_ranges_a(d->dbg, (Dwarf_Off)off, die, &r, &n, &bytes, &d->err) != DW_DLV_OK) {
        ct_dw_note_error(d);
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
CT_NOINST static void code_spans(struct ct_dw *d, Dwarf_Die die, struct spans *s)
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
            ct_dw_note_error(d);
            hi = lo + 1;
        }
        add_span(s, lo, hi > lo ? hi : lo + 1);
        return;
    }
    ct_dw_note_error(d);
    Dwarf_Attribute at = NULL;
    if (dwarf_attr(die, DW_AT_ranges, &at, &d->err) != DW_DLV_OK) {
        ct_dw_note_error(d);
        return;
    }
    Dwarf_Half form = 0;
    if (dwarf_whatform(at, &form, &d->err) != DW_DLV_OK)
        ct_dw_note_error(d);
    else if (d->cu_version >= 5 || form == DW_FORM_rnglistx)
        rnglists(d, at, form, s);
    else
        ranges4(d, die, at, form, s);
    dwarf_dealloc_attribute(at);
}

/* Returns true when die is a function with code (its children may hold
 * nested functions). */
CT_NOINST static bool subprogram(struct ct_dw *d, Dwarf_Die die)
{
    struct spans s;
    code_spans(d, die, &s);
    if (s.n == 0) {
        if (d->scope_len)
            ct_dw_record_decl(d, die);
        return false;
    }
    const struct ct_loadctx *ctx = d->ctx;
    if (!ct_in_exec(ctx, s.v[0].lo))
        return false; /* discarded COMDAT copy, or garbage */
    Dwarf_Off off = 0;
    if (dwarf_dieoffset(die, &off, &d->err) != DW_DLV_OK) {
        ct_dw_note_error(d);
        return false;
    }
    struct ct_symbol *sym = ct_arena_alloc(ctx->arena, sizeof *sym);
    if (!sym)
        return false;
    memset(sym, 0, sizeof *sym);
    sym->entry = s.v[0].lo + ctx->bias;
    ct_dw_name_function(d, die, off, sym);
    for (size_t i = 0; i < s.n; i++) {
        if (!ct_in_exec(ctx, s.v[i].lo))
            continue;
        if (ct_ranges_push(d->out, s.v[i].lo + ctx->bias, s.v[i].hi + ctx->bias, sym, (uint32_t)d->out->n))
            d->added++;
    }
    return true;
}

/* ---- traversal ----------------------------------------------------------- */

CT_NOINST static void walk(struct ct_dw *d, Dwarf_Die parent, unsigned depth);

CT_NOINST static void visit(struct ct_dw *d, Dwarf_Die die, unsigned depth)
{
    Dwarf_Half tag = 0;
    if (dwarf_tag(die, &tag, &d->err) != DW_DLV_OK) {
        ct_dw_note_error(d);
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
        ct_dw_push_scope(d, die, tag);
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

CT_NOINST static void walk(struct ct_dw *d, Dwarf_Die parent, unsigned depth)
{
    if (depth > MAX_DEPTH || d->cu_failed)
        return;
    Dwarf_Die die = NULL;
    int res = dwarf_child(parent, &die, &d->err);
    if (res != DW_DLV_OK) {
        if (res == DW_DLV_ERROR) {
            ct_dw_note_error(d);
            d->cu_failed = true;
        }
        return;
    }
    Dwarf_Off prev = 0;
    while (die && !d->cu_failed) {
        /* Siblings lie at increasing offsets. A corrupt DW_AT_sibling that
         * points back would make this loop endless (found by
         * tests/fuzz/fuzz_dwarf): give up on the unit instead. */
        Dwarf_Off off = 0;
        if (dwarf_dieoffset(die, &off, &d->err) != DW_DLV_OK || off <= prev) {
            ct_dw_note_error(d);
            d->cu_failed = true;
            break;
        }
        prev = off;
        visit(d, die, depth);
        Dwarf_Die next = NULL;
        res = dwarf_siblingof_b(d->dbg, die, true, &next, &d->err);
        dwarf_dealloc_die(die);
        die = res == DW_DLV_OK ? next : NULL;
        if (res == DW_DLV_ERROR) {
            ct_dw_note_error(d);
            d->cu_failed = true;
        }
    }
    if (die)
        dwarf_dealloc_die(die);
}

CT_NOINST static void visit_cu(struct ct_dw *d, Dwarf_Die cu, Dwarf_Half version)
{
    Dwarf_Half tag = 0;
    if (dwarf_tag(cu, &tag, &d->err) != DW_DLV_OK) {
        ct_dw_note_error(d);
        return;
    }
    if (tag != DW_TAG_compile_unit && tag != DW_TAG_partial_unit)
        return;
    Dwarf_Off off = 0;
    if (dwarf_dieoffset(cu, &off, &d->err) != DW_DLV_OK) {
        ct_dw_note_error(d);
        return;
    }
    d->cu_index = ct_dw_cu_entry(d, off);
    if (d->cu_index == SIZE_MAX)
        return;
    d->cu_die = cu;
    d->cu_version = version;
    d->cu_failed = false;
    d->cu_base = 0;
    if (dwarf_lowpc(cu, &d->cu_base, &d->err) != DW_DLV_OK) {
        ct_dw_note_error(d);
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
    ct_dw_note_error(d);
    d->scope_len = 0;
    d->scope_die = NULL;
    if (d->scope)
        d->scope[0] = '\0';
    walk(d, cu, 0);
    d->cu_die = NULL;
}

CT_NOINST static void read_units(struct ct_dw *d)
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
            ct_dw_note_error(d);
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
            ct_dw_note_error(d);
        }
    }
}

CT_INTERNAL long ct_dwarf_load(const struct ct_loadctx *ctx, const char *path, struct ct_ranges *out,
                               struct ct_symlist *unmangled)
{
    int fd;
    struct ct_dw d;
    Elf *elf = ct_dw_open(path, &d, &fd);
    if (!elf)
        return -1;
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
    ct_dw_resolve_pending(&d);
    if (d.nerrors)
        ct_debug("symbols: %s: %u DWARF errors (first: %s); %ld ranges read", path, d.nerrors,
                 d.first_error, d.added);

    for (size_t i = 0; i < d.nfiles; i++) {
        struct ct_dw_cu_files *f = &d.files[i];
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
