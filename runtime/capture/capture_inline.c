/* capture_inline.c — descriptors for the enter hook calls of inlined
 * instances (capture_dwarf_priv.h).
 *
 * GCC instruments an inlined call too: the enter hook is called from the
 * caller's code with the address of the function's out-of-line copy. At
 * that call a debugger shows the inlined instance's parameters
 * (DW_TAG_inlined_subroutine), located in the caller's frame. For each
 * such hook call this makes a descriptor: the instance's parameters with
 * their locations at the call, the caller's CFA rule and frame base, and
 * the out-of-line copy's address, return type and signature (the values
 * are written and read back exactly as that function's). The hooks find it
 * by the hook call's return address (struct ct_isite) when the function's
 * own descriptor was made for another call site. */
#include <stdlib.h>
#include <string.h>

#include "arch/x86_64/x86_decode.h"
#include "capture/capture_dwarf_priv.h"

#define CT_INL_RANGES 8 /* ranges of one inlined instance searched */

/* The code ranges of d (link-time), up to max. */
CT_NOINST static size_t ci_ranges(struct ct_cap *c, Dwarf_Die d, struct ct_span *out, size_t max)
{
    Dwarf_Addr lo = 0, hi = 0;
    if (ct_dwalk_pc(&c->w, d, &lo, &hi) == CT_DWALK_PC_BOTH && lo) {
        out[0] = (struct ct_span){lo, hi};
        return 1;
    }
    return ct_dwalk_ranges(&c->w, d, out, max);
}

/* One hook call of the instance d (link-time address `call`, the call
 * instruction): its descriptor, resolved later (ct_cap_inline_resolve). */
CT_NOINST static void ci_site(struct ct_cap *c, Dwarf_Die d, Dwarf_Off off, const struct ct_fdesc *outer,
                              uint64_t call)
{
    struct ct_fdesc *f = ct_cap_zalloc(c, sizeof(*f));
    struct ct_isite *s = ct_cap_zalloc(c, sizeof(*s));
    if (!f || !s)
        return;
    f->cfa_reg = -1;
    f->die = off;
    f->origin = ct_dwalk_ref(&c->w, d, DW_AT_abstract_origin);
    f->hook_pc = call + c->bias + CT_X86_REL32_LEN;
    f->fb = outer->fb;
    f->fb_reg = outer->fb_reg;
    ct_cap_cfa(c, call, f);
    if (!f->origin || f->cfa_reg < 0 || !ct_cap_params(c, d, f, call))
        return;
    s->hook_pc = f->hook_pc;
    s->d = f;
    ct_cap_push(&c->isites, s);
}

/* The enter hook calls in the instance d's ranges, each described for d.
 * Nested instances come first (post-order), so that a call in a nested
 * instance's range is that instance's: the first of equal keys wins. */
CT_NOINST static void ci_instance(struct ct_cap *c, Dwarf_Die d, Dwarf_Off off, const struct ct_fdesc *outer,
                                  unsigned depth)
{
    ct_cap_inlines(c, d, outer, depth + 1);
    struct ct_span r[CT_INL_RANGES];
    size_t n = ci_ranges(c, d, r, CT_INL_RANGES);
    for (size_t k = 0; k < n; k++) {
        uint64_t lo = r[k].lo + c->bias, hi = r[k].hi + c->bias;
        if (hi <= lo + CT_X86_REL32_LEN || !ct_cap_mapped(c, lo, hi))
            continue;
        const uint8_t *p = (const uint8_t *)(uintptr_t)lo;
        for (uint64_t i = 0; ct_x86_find_rel32(p, lo, hi - lo, c->hook, false, &i); i++)
            ci_site(c, d, off, outer, lo + i - c->bias);
    }
}

CT_INTERNAL void ct_cap_inlines(struct ct_cap *c, Dwarf_Die parent, const struct ct_fdesc *outer, unsigned depth)
{
    if (depth > CT_CAP_MAX_DEPTH)
        return;
    struct ct_dwalk_iter it;
    for (Dwarf_Die ch = ct_dwalk_first(&c->w, parent, &it); ch; ch = ct_dwalk_next(&c->w, &it)) {
        Dwarf_Half tag = ct_dwalk_tag(&c->w, ch);
        if (tag == DW_TAG_inlined_subroutine)
            ci_instance(c, ch, it.off, outer, depth);
        else if (tag == DW_TAG_lexical_block)
            ct_cap_inlines(c, ch, outer, depth + 1);
    }
    ct_dwalk_end(&it);
}

/* ---- resolution: the out-of-line copy each instance calls the hook for -- */

CT_NOINST static int ci_by_origin(const void *a, const void *b)
{
    const struct ct_fdesc *x = *(const struct ct_fdesc *const *)a, *y = *(const struct ct_fdesc *const *)b;
    return x->origin < y->origin ? -1 : x->origin > y->origin;
}

/* Puts the instance's parameters in the function's order (GCC may list
 * them otherwise), by name; one the instance lacks is optimized out there.
 * False when they do not match the function's (or out of memory). */
CT_NOINST static bool ci_match_params(struct ct_cap *c, struct ct_fdesc *f, const struct ct_fdesc *t)
{
    if (f->nparams > t->nparams)
        return false;
    struct ct_param *ps = ct_cap_zalloc(c, t->nparams * sizeof(*ps) + 1);
    if (!ps)
        return false;
    for (uint16_t i = 0; i < t->nparams; i++) {
        ps[i] = (struct ct_param){t->params[i].name, t->params[i].type, {0}};
        for (uint16_t k = 0; k < f->nparams; k++)
            if (strcmp(f->params[k].name, t->params[i].name) == 0) {
                if (f->params[k].type != t->params[i].type)
                    return false;
                ps[i].loc = f->params[k].loc;
                break;
            }
    }
    f->params = ps;
    f->nparams = t->nparams;
    return true;
}

CT_INTERNAL void ct_cap_inline_resolve(struct ct_cap *c)
{
    size_t n = c->fdescs.n, kept = 0;
    const struct ct_fdesc **by = n ? malloc(n * sizeof(*by)) : NULL;
    size_t m = 0;
    for (size_t i = 0; by && i < n; i++)
        if (((const struct ct_fdesc *)c->fdescs.v[i])->origin)
            by[m++] = c->fdescs.v[i];
    if (by)
        qsort(by, m, sizeof(*by), ci_by_origin);
    for (size_t i = 0; i < c->isites.n; i++) {
        struct ct_isite *s = (struct ct_isite *)(uintptr_t)c->isites.v[i];
        struct ct_fdesc *f = (struct ct_fdesc *)(uintptr_t)s->d;
        struct ct_fdesc key = {.origin = f->origin};
        const struct ct_fdesc *kp = &key, **hit = by ? bsearch(&kp, by, m, sizeof(*by), ci_by_origin) : NULL;
        if (!hit)
            continue;
        const struct ct_fdesc *t = *hit;
        f->fn = t->fn;
        f->ret = t->ret;
        memcpy(f->ret_class, t->ret_class, sizeof(f->ret_class));
        if (!ci_match_params(c, f, t) || (f->sig = ct_cap_sig(f)) != t->sig || !ct_cap_plan(c, f))
            continue;
        f->ret_at_exit = true; /* no frame of its own: never a return trampoline */
        c->isites.v[kept++] = s;
    }
    c->isites.n = kept;
    free(by);
}
