/* capture_dwarf.c — per-function capture descriptors from DWARF (capture.h).
 *
 * One pass per compilation unit (the walker, symbols/dwarf_walk.h): scope
 * names of the types (namespaces and classes, so that "std::string" reads
 * as written) and the functions with code. Then, per function: its
 * parameters with their types (a small type graph, shared through a cache
 * keyed by DIE offset: capture_types.c) and, for a live process, the enter
 * hook's call in its code (capture_code.c), the CFA rule there (.eh_frame,
 * else .debug_frame) and each parameter's location at that point
 * (capture_loc.c). This file walks the units, describes each function and
 * builds the lookup tables (capture_tab.c).
 *
 * Error discipline as the walker's: libdwarf never aborts, errors are
 * counted and freed, and reading goes on. */
#include <elf.h>
#include <link.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86_64/x86_decode.h"
#include "arch/x86_64/x86_regs.h"
#include "capture/capture_dwarf_priv.h"

#define CT_CAP_MAX_FNS (1u << 24) /* functions of one unit described */
#define CT_CAP_ORIGIN_HOPS 4      /* declarations followed for a return type */
#define CT_CLASSIFY_DEPTH 8       /* nesting of aggregates classified */
#define CT_SYSV_REG_RETURN 16     /* larger aggregates are returned through memory */

/* ---- return values ------------------------------------------------------- */

/* SysV classification of a returned value: where each eightbyte comes back. */
CT_NOINST static bool cd_classify(const struct ct_type *t, uint32_t base, uint8_t cls[2], unsigned depth)
{
    if (!t || depth > CT_CLASSIFY_DEPTH)
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
    if (t->kind == CT_T_STDSTR ||
        ((t->kind == CT_T_STRUCT || t->kind == CT_T_UNION) && t->size > CT_SYSV_REG_RETURN)) {
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

/* The DIE to take names and types from: d, or what it is an instance or the
 * definition of. */
CT_NOINST static Dwarf_Off cd_origin(struct ct_cap *c, Dwarf_Die d)
{
    Dwarf_Off o = ct_dwalk_ref(&c->w, d, DW_AT_abstract_origin);
    return o ? o : ct_dwalk_ref(&c->w, d, DW_AT_specification);
}

/* ---- functions ----------------------------------------------------------- */

/* The code of the function at d, in link-time addresses: its one range
 * (*whole), or the first of several (GCC lists the part with the entry
 * first). False without code. */
CT_NOINST static bool cd_code(struct ct_cap *c, Dwarf_Die d, Dwarf_Addr *lo, Dwarf_Addr *hi, bool *whole)
{
    *whole = ct_dwalk_pc(&c->w, d, lo, hi) == CT_DWALK_PC_BOTH && *lo != 0;
    if (*whole)
        return true;
    struct ct_span first;
    if (ct_dwalk_ranges(&c->w, d, &first, 1) != 1 || first.lo == 0)
        return false;
    *lo = first.lo;
    *hi = first.hi;
    return true;
}

/* The return type: on d, or on its declaration / abstract instance. */
CT_NOINST static const struct ct_type *cd_ret_type(struct ct_cap *c, Dwarf_Die d)
{
    Dwarf_Off rt = ct_dwalk_ref(&c->w, d, DW_AT_type);
    Dwarf_Off org = cd_origin(c, d);
    for (unsigned k = 0; !rt && org && k < CT_CAP_ORIGIN_HOPS; k++) {
        Dwarf_Die od = ct_dwalk_die(&c->w, org);
        if (!od)
            break;
        rt = ct_dwalk_ref(&c->w, od, DW_AT_type);
        org = cd_origin(c, od);
        dwarf_dealloc_die(od);
    }
    return rt ? ct_cap_type(c, rt, 0) : NULL;
}

/* Describes the function (with code) at f->die, whose code is [lo, hi) in
 * link-time addresses; whole: its only range. */
CT_NOINST static void cd_describe(struct ct_cap *c, Dwarf_Die d, struct ct_fdesc *f, uint64_t lo, uint64_t hi,
                                  bool whole)
{
    uint64_t hook_link = 0;
    if (c->live) {
        f->hook_pc = ct_cap_hook_pc(c, lo + c->bias, hi + c->bias);
        if (f->hook_pc) {
            /* the state at the call instruction itself, as a debugger
             * stopped on it reads it (hooks_entry.S saves the registers as
             * they are there; a location's range may end inside the call) */
            hook_link = f->hook_pc - c->bias - CT_X86_REL32_LEN;
            ct_cap_cfa(c, hook_link, f);
            if (c->w.cu_clang && ct_cap_mapped(c, lo + c->bias, hi + c->bias))
                c->nspill = ct_spill_decode((const uint8_t *)(uintptr_t)(lo + c->bias), lo + c->bias,
                                            hi + c->bias, f->hook_pc, c->spill, CT_SPILLS);
        }
    }
    ct_cap_frame_base(c, d, f);
    f->ret = cd_ret_type(c, d);
    cd_ret_class(f);
    bool ok = ct_cap_params(c, d, f, hook_link);
    c->nspill = 0;
    if (c->live)
        ct_cap_call_sites(c, d, 0);
    if (!ok)
        return;
    f->sig = ct_cap_sig(f);
    if (c->live && !ct_cap_plan(c, f))
        return;
    if (c->live && whole && f->hook_pc)
        ct_cap_exit_sites(c, f, lo + c->bias, hi + c->bias);
    if (c->live)
        ct_cap_inlines(c, d, f, 0);
    ct_cap_push(&c->fdescs, f);
}

CT_NOINST static void cd_function(struct ct_cap *c, Dwarf_Off off)
{
    Dwarf_Die d = ct_dwalk_die(&c->w, off);
    if (!d)
        return;
    Dwarf_Addr lo = 0, hi = 0;
    bool whole = false; /* one contiguous range, not the first of several */
    struct ct_fdesc *f = cd_code(c, d, &lo, &hi, &whole) ? ct_cap_zalloc(c, sizeof(*f)) : NULL;
    if (f) {
        f->fn = lo + c->bias;
        f->cfa_reg = -1;
        f->die = off;
        f->origin = cd_origin(c, d);
        cd_describe(c, d, f, lo, hi, whole);
    }
    dwarf_dealloc_die(d);
}

/* ---- units --------------------------------------------------------------- */

/* Pass over one unit: scope prefixes of named types, and its functions. */
CT_NOINST static void cd_walk(struct ct_cap *c, Dwarf_Die parent, const char *prefix, unsigned depth)
{
    if (depth > CT_CAP_MAX_DEPTH)
        return;
    struct ct_dwalk_iter it;
    for (Dwarf_Die d = ct_dwalk_first(&c->w, parent, &it); d; d = ct_dwalk_next(&c->w, &it)) {
        Dwarf_Half tag = ct_dwalk_tag(&c->w, d);
        switch (tag) {
        case DW_TAG_namespace:
        case DW_TAG_structure_type:
        case DW_TAG_class_type:
        case DW_TAG_union_type: {
            if (*prefix)
                ct_cap_scope_add(c, it.off, prefix);
            const char *n = ct_cap_name(c, d);
            const char *inner = n ? ct_cap_cat(c, prefix, n, "::")
                                  : tag == DW_TAG_namespace ? ct_cap_cat(c, prefix, "(anonymous namespace)::", "")
                                                            : prefix;
            cd_walk(c, d, inner, depth + 1);
            break;
        }
        case DW_TAG_typedef:
        case DW_TAG_enumeration_type:
            if (*prefix)
                ct_cap_scope_add(c, it.off, prefix);
            break;
        case DW_TAG_subprogram:
            if ((ct_dwalk_has(&c->w, d, DW_AT_low_pc) || ct_dwalk_has(&c->w, d, DW_AT_ranges)) &&
                c->nfns < CT_CAP_MAX_FNS && CT_VEC_RESERVE(c->fns, c->capfns, c->nfns + 1))
                c->fns[c->nfns++] = it.off;
            break;
        default:
            break;
        }
    }
    ct_dwalk_end(&it);
}

CT_NOINST static void cd_unit(struct ct_dwalk *w, void *arg)
{
    struct ct_cap *c = arg;
    c->nfns = 0;
    cd_walk(c, w->cu_die, "", 0);
    for (size_t i = 0; i < c->nfns; i++)
        cd_function(c, c->fns[i]);
}

/* ---- the load ------------------------------------------------------------ */

CT_NOINST static int cd_exec_cb(struct dl_phdr_info *info, size_t size, void *arg)
{
    (void)size;
    struct ct_cap *c = arg;
    for (size_t i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        struct ct_span sp = {info->dlpi_addr + ph->p_vaddr, info->dlpi_addr + ph->p_vaddr + ph->p_memsz};
        if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X) && c->nexec < CT_ARRAY_LEN(c->exec))
            c->exec[c->nexec++] = sp;
        if (ph->p_type == PT_LOAD && !(ph->p_flags & PF_W) && c->nro < CT_ARRAY_LEN(c->ro))
            c->ro[c->nro++] = sp;
    }
    return 1; /* the first object is the executable */
}

/* The call-frame information (.eh_frame, else .debug_frame), for the CFA
 * rules of a live table. */
CT_NOINST static void cd_fdes(struct ct_cap *c)
{
    if (dwarf_get_fde_list_eh(c->w.dbg, &c->cies, &c->ncie, &c->fdes, &c->nfde, &c->w.err) == DW_DLV_OK)
        return;
    ct_dwalk_note(&c->w);
    if (dwarf_get_fde_list(c->w.dbg, &c->cies, &c->ncie, &c->fdes, &c->nfde, &c->w.err) != DW_DLV_OK) {
        ct_dwalk_note(&c->w);
        c->fdes = NULL;
    }
}

/* The tables from what the walk described; the arena goes to tab. */
CT_NOINST static long cd_tables(struct ct_cap *c, struct ct_ftab *tab)
{
    if (!ct_keyed_build(&tab->fns, &c->fdescs))
        return -1;
    ct_keyed_build(&tab->sites, &c->sites); /* without: no entry values */
    ct_cap_inline_resolve(c);
    ct_keyed_build(&tab->inl, &c->isites); /* without: no values for inlined calls */
    if (!ct_keyed_build(&tab->exits, &c->xsites)) /* without: trampolines */
        for (size_t i = 0; i < c->fdescs.n; i++)
            ((struct ct_fdesc *)(uintptr_t)c->fdescs.v[i])->ret_at_exit = false;
    tab->arena = c->arena;
    c->arena = NULL;
    return (long)tab->fns.n;
}

CT_INTERNAL long ct_ftab_load(struct ct_ftab *tab, const char *path, uint64_t bias, const struct ct_hook_pcs *live)
{
    memset(tab, 0, sizeof(*tab));
    struct ct_cap c;
    memset(&c, 0, sizeof c);
    if (ct_dwalk_open(&c.w, path) != 0)
        return -1;
    c.arena = calloc(1, sizeof(struct ct_arena));
    c.bias = bias;
    c.live = live != NULL;
    if (live) {
        c.hook = live->enter;
        c.exit_hook = live->exit;
        dl_iterate_phdr(cd_exec_cb, &c);
    }
    long result = -1;
    if (c.arena) {
        if (live)
            cd_fdes(&c);
        ct_dwalk_units(&c.w, cd_unit, &c);
        if (c.fdes)
            dwarf_fde_cie_list_dealloc(c.w.dbg, c.cies, c.ncie, c.fdes, c.nfde);
        result = cd_tables(&c, tab);
        if (c.w.nerrors)
            ct_debug("capture: %s: %u DWARF errors; %ld functions described", path, c.w.nerrors, result);
    }
    ct_dwalk_close(&c.w);
    if (c.arena) {
        ct_arena_free(c.arena);
        free(c.arena);
    }
    free(c.types.v);
    free(c.scopes.v);
    free(c.fns);
    free(c.fdescs.v);
    free(c.sites.v);
    free(c.xsites.v);
    free(c.isites.v);
    return result;
}
