/* dwarf.c — reads the functions of one ELF object from its DWARF (libdwarf,
 * old "20210528" API as shipped by Debian 12).
 *
 * One pass over every compilation unit of .debug_info collects each
 * DW_TAG_subprogram that has code (DW_AT_low_pc/DW_AT_high_pc, or
 * DW_AT_ranges), wherever it is nested: namespaces, classes, structures,
 * lexical blocks, other functions (also those without code: the methods of
 * a local class of an inline-only function sit below its abstract
 * instance). For each, the name, declaration file and
 * line are found by following DW_AT_specification / DW_AT_abstract_origin
 * (an out-of-line member definition or an out-of-line copy of an inline
 * function carries only some of them itself).
 *
 * The file, the units, the children of a DIE and the code ranges come from
 * the walker (dwarf_walk.h), with its error discipline: libdwarf never
 * aborts, every error is counted and freed, reading goes on where it can.
 * The caller gets whatever was read and at most one ct_debug() line per
 * object. */
#include <stdlib.h>
#include <string.h>

#include "symbols/dwarf.h"
#include "symbols/dwarf_priv.h"

#define MAX_DEPTH 64      /* DIE nesting we follow (corrupt input can loop) */
#define MAX_SPANS 16      /* pieces of one function we record */

/* The code of a subprogram, in link-time addresses; none for a declaration
 * or an abstract inline instance. The first span holds the entry. */
CT_NOINST static size_t code_spans(struct ct_dw *d, Dwarf_Die die, struct ct_span *s)
{
    Dwarf_Addr lo = 0, hi = 0;
    if (ct_dwalk_pc(&d->w, die, &lo, &hi) == CT_DWALK_PC_NONE)
        return ct_dwalk_ranges(&d->w, die, s, MAX_SPANS);
    s[0] = (struct ct_span){(uintptr_t)lo, (uintptr_t)(hi > lo ? hi : lo + 1)};
    return 1;
}

/* Returns true when die is a function with code (its children may hold
 * nested functions). */
CT_NOINST static bool subprogram(struct ct_dw *d, Dwarf_Die die, Dwarf_Off off)
{
    struct ct_span s[MAX_SPANS];
    size_t n = code_spans(d, die, s);
    if (n == 0) {
        if (d->scope_len)
            ct_dw_record_decl(d, off);
        return false;
    }
    const struct ct_loadctx *ctx = d->ctx;
    if (!ct_in_exec(ctx, s[0].lo))
        return false; /* discarded COMDAT copy, or garbage */
    struct ct_symbol *sym = ct_arena_alloc(ctx->arena, sizeof *sym);
    if (!sym)
        return false;
    memset(sym, 0, sizeof *sym);
    sym->entry = s[0].lo + ctx->bias;
    sym->dwarf = true;
    ct_dw_name_function(d, die, off, sym);
    for (size_t i = 0; i < n; i++) {
        if (!ct_in_exec(ctx, s[i].lo))
            continue;
        if (ct_ranges_push(d->out, s[i].lo + ctx->bias, s[i].hi + ctx->bias, sym, (uint32_t)d->out->n))
            d->added++;
    }
    return true;
}

/* ---- traversal ----------------------------------------------------------- */

CT_NOINST static void walk(struct ct_dw *d, Dwarf_Die parent, unsigned depth);

/* A scope (namespace, class...) around what it holds. */
CT_NOINST static void visit_scope(struct ct_dw *d, Dwarf_Die die, Dwarf_Half tag, unsigned depth)
{
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
}

CT_NOINST static void visit(struct ct_dw *d, Dwarf_Die die, Dwarf_Off off, unsigned depth)
{
    Dwarf_Half tag = 0;
    if (dwarf_tag(die, &tag, &d->w.err) != DW_DLV_OK) {
        ct_dwalk_note(&d->w);
        return;
    }
    switch (tag) {
    case DW_TAG_subprogram:
        /* A function's local classes are its children, and so are the
         * out-of-line methods of those: also below a function without code
         * of its own (an abstract, inline-only instance). A declaration
         * holds only parameters. */
        if (subprogram(d, die, off) || !ct_dwalk_has(&d->w, die, DW_AT_declaration))
            walk(d, die, depth + 1);
        break;
    case DW_TAG_class_type:
    case DW_TAG_structure_type:
    case DW_TAG_union_type:
    case DW_TAG_interface_type:
        if (!d->w.cu_is_c) /* C has no functions inside aggregates */
            visit_scope(d, die, tag, depth);
        break;
    case DW_TAG_namespace:
    case DW_TAG_module:
        visit_scope(d, die, tag, depth);
        break;
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
    struct ct_dwalk_iter it;
    for (Dwarf_Die die = ct_dwalk_first(&d->w, parent, &it); die;
         die = d->cu_failed ? NULL : ct_dwalk_next(&d->w, &it))
        visit(d, die, it.off, depth);
    ct_dwalk_end(&it);
    if (it.failed) /* a corrupt unit: give up on it */
        d->cu_failed = true;
}

CT_NOINST static void visit_cu(struct ct_dwalk *w, void *arg)
{
    struct ct_dw *d = arg;
    if (w->cu_tag != DW_TAG_compile_unit && w->cu_tag != DW_TAG_partial_unit)
        return;
    d->cu_index = ct_dw_cu_entry(d, w->cu_off);
    if (d->cu_index == SIZE_MAX)
        return;
    d->cu_failed = false;
    d->scope_len = 0;
    d->scope_die = NULL;
    if (d->scope)
        d->scope[0] = '\0';
    walk(d, w->cu_die, 0);
}

CT_INTERNAL long ct_dwarf_load(const struct ct_loadctx *ctx, const char *path, struct ct_ranges *out,
                               struct ct_symlist *unmangled)
{
    struct ct_dw d;
    memset(&d, 0, sizeof d);
    if (ct_dwalk_open(&d.w, path) != 0)
        return -1;
    d.ctx = ctx;
    d.out = out;
    d.unmangled = unmangled;
    ct_dwalk_units(&d.w, visit_cu, &d);
    ct_dw_resolve_pending(&d);
    if (d.w.nerrors)
        ct_debug("symbols: %s: %u DWARF errors (first: %s); %ld ranges read", path, d.w.nerrors,
                 d.w.first_error, d.added);
    ct_dw_names_free(&d);
    ct_dwalk_close(&d.w);
    return d.added;
}
