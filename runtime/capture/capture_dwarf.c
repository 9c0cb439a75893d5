/* capture_dwarf.c — per-function capture descriptors from DWARF (capture.h).
 *
 * One pass per compilation unit: scope names of the types (namespaces and
 * classes, so that "std::string" reads as written) and the functions with
 * code. Then, per function: its parameters with their types (a small type
 * graph, shared through a cache keyed by DIE offset) and, for a live
 * process, the enter hook's call in its code, the CFA rule there
 * (.eh_frame, else .debug_frame) and each parameter's location at that
 * point (capture_loc.c). Types are built by capture_types.c. This file
 * walks the units, describes each function and builds the lookup tables.
 *
 * Error discipline as in dwarf.c: libdwarf never aborts (always an error
 * pointer), errors are counted and freed, and reading goes on. */
#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture/capture_dwarf_priv.h"
#include "symbols/dwarf_priv.h"

/* ---- functions ----------------------------------------------------------- */

/* The runtime return address of fn's call to the enter hook: the first
 * "call rel32" to it in the function's first bytes. 0 if none. */
CT_NOINST static bool cd_mapped(const struct cd *c, uint64_t lo, uint64_t hi)
{
    for (size_t i = 0; i < c->nexec; i++)
        if (lo >= c->exec[i].lo && hi <= c->exec[i].hi)
            return true;
    return false;
}

/* True when [a, a + n) lies in a segment of the executable no one can write. */
CT_NOINST static bool cd_readonly(const struct cd *c, uint64_t a, uint64_t n)
{
    for (size_t i = 0; i < c->nro; i++)
        if (a >= c->ro[i].lo && a <= c->ro[i].hi && n <= c->ro[i].hi - a)
            return true;
    return false;
}

CT_NOINST static uint64_t cd_hook_pc(const struct cd *c, uint64_t lo, uint64_t hi)
{
    if (!cd_mapped(c, lo, hi) || hi <= lo + 5)
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

/* The exit hook calls in f's code [lo, hi) (runtime addresses, one
 * contiguous range), each with where its return value is (capture_ret.c);
 * or jumps to the hook (a void function's sibling call: the hook returns
 * for it).
 * f->ret_at_exit when there is at least one and every one is understood:
 * the function returns straight after each, and the exit hook reads its
 * value. C++ too: an exception landing pad that calls the exit hook goes on
 * to _Unwind_Resume (a call: not understood), in this range or, split off
 * to a cold part, in a function that is not one contiguous range; either
 * way the function keeps the trampoline, whose personality marks the frames
 * an exception unwinds. */
CT_NOINST static void cd_exit_sites(struct cd *c, struct ct_fdesc *f, uint64_t lo, uint64_t hi)
{
    if (!cd_mapped(c, lo, hi) || hi <= lo + 5 || hi - lo > (1u << 20) ||
        (f->ret && !f->ret_small))
        return;
    const uint8_t *p = (const uint8_t *)(uintptr_t)lo;
    size_t first = c->xsites.n;
    unsigned found = 0;
    for (uint64_t i = 0; i + 5 <= hi - lo; i++) {
        int32_t rel;
        if (p[i] != 0xe8 && p[i] != 0xe9)
            continue;
        memcpy(&rel, p + i + 1, 4);
        uint64_t next = lo + i + 5;
        if (next + (uint64_t)(int64_t)rel != c->exit_hook)
            continue;
        if (p[i] == 0xe9) { /* the hook tail-called: it returns for the function */
            if (f->ret) {
                c->xsites.n = first;
                return;
            }
            found++;
            continue;
        }
        struct ct_rplan plan;
        if (!ct_ret_decode(p, lo, hi, next, f->ret ? f->ret_small : 0,
                           f->ret_class[0] == CT_RC_SSE, f->cfa_reg == 6, &plan) ||
            (f->ret && plan.kind == CT_RP_MEM && plan.a == 0xff &&
             !cd_readonly(c, (uint64_t)plan.off, f->ret_small))) {
            c->xsites.n = first; /* the trampoline takes them all */
            return;
        }
        if (f->ret) {
            struct ct_xsite *x = cd_zalloc(c, sizeof(*x));
            if (!x) {
                c->xsites.n = first;
                return;
            }
            *x = (struct ct_xsite){next, f, plan};
            cd_vec_push(&c->xsites, x);
        }
        found++;
    }
    f->ret_at_exit = found > 0;
    if (!found)
        c->xsites.n = first;
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
    bool whole = false; /* one contiguous range, not the first of several */
    if (dwarf_lowpc(d, &lo, &c->err) == DW_DLV_OK && lo != 0 &&
        dwarf_highpc_b(d, &hi, &form, &cls, &c->err) == DW_DLV_OK) {
        if (cls == DW_FORM_CLASS_CONSTANT)
            hi += lo;
        whole = true;
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
    struct cd_iter it;
    for (Dwarf_Die ch = cd_first(c, d, &it); ch && n < CT_ARRAY_LEN(tmp); ch = cd_next(c, &it)) {
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
            for (unsigned k = 0; k < p->loc.n; k++)
                if (p->loc.ops[k].atom == DW_OP_fbreg && f->fb == CT_FB_NONE)
                    p->loc.n = 0; /* relative to a frame base we cannot compute */
            n++;
        }
    }
    cd_iter_end(&it);
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
    if (c->live && !cd_plan(c, f))
        return;
    if (c->live && whole && f->hook_pc)
        cd_exit_sites(c, f, lo + c->bias, hi + c->bias);
    cd_vec_push(&c->fdescs, f);
}

/* Pass over one unit: scope prefixes of named types, and its functions. */
CT_NOINST static void cd_walk(struct cd *c, Dwarf_Die parent, const char *prefix, unsigned depth)
{
    if (depth > CD_MAX_DEPTH)
        return;
    struct cd_iter it;
    for (Dwarf_Die d = cd_first(c, parent, &it); d; d = cd_next(c, &it)) {
        Dwarf_Off off = it.prev; /* d's offset */
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
    }
    cd_iter_end(&it);
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

/* ---- the tables ---------------------------------------------------------- */

_Static_assert(offsetof(struct ct_fdesc, fn) == 0, "descriptors are keyed by their first field");
_Static_assert(offsetof(struct ct_csite, ret_pc) == 0, "call sites are keyed by their first field");

CT_NOINST static uint64_t ct_key_of(const void *rec)
{
    uint64_t k;
    memcpy(&k, rec, sizeof k);
    return k;
}

CT_NOINST static size_t ct_keyed_home(uint64_t key, size_t nslots)
{
    return (size_t)((key * UINT64_C(0x9e3779b97f4a7c15)) >> 40) & (nslots - 1);
}

CT_NOINST static const void *ct_keyed_find(const struct ct_keyed *k, uint64_t key)
{
    if (!k->nslots)
        return NULL;
    for (size_t i = ct_keyed_home(key, k->nslots);; i = (i + 1) & (k->nslots - 1))
        if (!k->slots[i] || ct_key_of(k->slots[i]) == key)
            return k->slots[i];
}

/* Builds k from the records of vec (the first of equal keys wins). */
CT_NOINST static bool ct_keyed_build(struct ct_keyed *k, const struct cd_vec *vec)
{
    size_t ns = 16;
    while (ns < vec->n * 2 + 16)
        ns *= 2;
    if (!(k->slots = calloc(ns, sizeof(*k->slots))))
        return false;
    k->nslots = ns;
    for (size_t i = 0; i < vec->n; i++) {
        uint64_t key = ct_key_of(vec->v[i]);
        size_t j = ct_keyed_home(key, ns);
        while (k->slots[j] && ct_key_of(k->slots[j]) != key)
            j = (j + 1) & (ns - 1);
        if (!k->slots[j]) {
            k->slots[j] = vec->v[i];
            k->n++;
        }
    }
    return true;
}

const struct ct_fdesc *ct_ftab_find(const struct ct_ftab *tab, uint64_t fn)
{
    return ct_keyed_find(&tab->fns, fn);
}

const struct ct_csite *ct_ftab_callsite(const struct ct_ftab *tab, uint64_t ret_pc)
{
    return ct_keyed_find(&tab->sites, ret_pc);
}

const struct ct_xsite *ct_ftab_exit(const struct ct_ftab *tab, uint64_t ret_pc)
{
    return ct_keyed_find(&tab->exits, ret_pc);
}

void ct_ftab_free(struct ct_ftab *tab)
{
    free(tab->fns.slots);
    free(tab->sites.slots);
    free(tab->exits.slots);
    if (tab->arena) {
        ct_arena_free(tab->arena);
        free(tab->arena);
    }
    memset(tab, 0, sizeof(*tab));
}

void cd_vec_push(struct cd_vec *vec, const void *p)
{
    if (vec->n == vec->cap) {
        size_t cap = vec->cap ? vec->cap * 2 : 256;
        const void **v = realloc(vec->v, cap * sizeof(*v));
        if (!v)
            return;
        vec->v = v;
        vec->cap = cap;
    }
    vec->v[vec->n++] = p;
}

CT_NOINST static int cd_exec_cb(struct dl_phdr_info *info, size_t size, void *arg)
{
    (void)size;
    struct cd *c = arg;
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

void __cyg_profile_func_enter(void *fn, void *site);
void __cyg_profile_func_exit(void *fn, void *site);

long ct_ftab_load(struct ct_ftab *tab, const char *path, uint64_t bias, bool live)
{
    memset(tab, 0, sizeof(*tab));
    int fd;
    struct ct_dw pre;
    Elf *elf = ct_dw_open(path, &pre, &fd);
    if (!elf)
        return -1;
    struct cd c;
    memset(&c, 0, sizeof c);
    c.arena = calloc(1, sizeof(struct ct_arena));
    c.bias = bias;
    c.live = live;
    c.hook = (uint64_t)(uintptr_t)&__cyg_profile_func_enter;
    c.exit_hook = (uint64_t)(uintptr_t)&__cyg_profile_func_exit;
    if (live)
        dl_iterate_phdr(cd_exec_cb, &c);
    long result = -1;
    if (c.arena && dwarf_init_b(fd, DW_DLC_READ, DW_GROUPNUMBER_ANY, NULL, NULL, &c.dbg, &c.err) == DW_DLV_OK) {
        if (live) {
            if (dwarf_get_fde_list_eh(c.dbg, &c.cies, &c.ncie, &c.fdes, &c.nfde, &c.err) != DW_DLV_OK) {
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
        if (ct_keyed_build(&tab->fns, &c.fdescs)) {
            ct_keyed_build(&tab->sites, &c.sites); /* without: no entry values */
            if (!ct_keyed_build(&tab->exits, &c.xsites)) /* without: trampolines */
                for (size_t i = 0; i < c.fdescs.n; i++)
                    ((struct ct_fdesc *)(uintptr_t)c.fdescs.v[i])->ret_at_exit = false;
            tab->arena = c.arena;
            c.arena = NULL;
            result = (long)tab->fns.n;
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
    free(c.types.v);
    free(c.scopes.v);
    free(c.fns);
    free(c.fdescs.v);
    free(c.sites.v);
    free(c.xsites.v);
    elf_end(elf);
    close(fd);
    return result;
}
