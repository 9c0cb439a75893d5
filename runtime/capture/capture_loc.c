/* capture_loc.c — where a parameter is during the enter hook's call
 * (capture_dwarf_priv.h): its location list entry, decoded and checked
 * (only what capture.c evaluates exactly is kept), the CFA rule from the
 * call-frame information, the frame base, the plan of each read, and the
 * caller's call-site constants that resolve entry values. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86_64/x86_regs.h"
#include "capture/capture_dwarf_priv.h"

#define CT_CAP_MAX_PARAMS 64 /* parameters of one function described */
#define CT_SIG_FNV_OFFSET UINT64_C(0xcbf29ce484222325)
#define CT_SIG_FNV_PRIME UINT64_C(0x100000001b3)
#define CT_SIG_KIND_MUL 131u
#define CT_SIG_NO_TYPE 7u
#define CT_SIG_MASK 0xffffffu     /* 24 bits */

/* ---- locations ----------------------------------------------------------- */

/* Keeps an expression only if every operation is one capture.c evaluates. */
CT_NOINST static bool cd_op_ok(const struct ct_op *o)
{
    uint8_t a = o->atom;
    if (a >= DW_OP_lit0 && a <= DW_OP_lit31)
        return true;
    if (a >= DW_OP_reg0 && a <= DW_OP_reg31)
        return ct_dw_reg_saved(a - DW_OP_reg0) && a != DW_OP_reg7;
    if (a >= DW_OP_breg0 && a <= DW_OP_breg31)
        return a - DW_OP_breg0 < CT_DW_NGPRS;
    switch (a) {
    case DW_OP_regx: return ct_dw_reg_saved(o->a) && o->a != CT_DW_RSP;
    case DW_OP_bregx: return o->a < CT_DW_NGPRS;
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
CT_NOINST static bool cd_ops(struct ct_cap *c, Dwarf_Locdesc_c ld, Dwarf_Unsigned nops, struct ct_loc *out)
{
    if (nops == 0 || nops > CT_LOC_OPS)
        return false;
    if (nops == 2) { /* DW_OP_entry_value(DW_OP_regN), DW_OP_stack_value: a caller's constant */
        Dwarf_Small a0 = 0, a1 = 0;
        Dwarf_Unsigned x = 0, y = 0, z = 0, br = 0, u = 0;
        if (dwarf_get_location_op_value_c(ld, 0, &a0, &x, &y, &z, &br, &c->w.err) == DW_DLV_OK &&
            (a0 == DW_OP_entry_value || a0 == DW_OP_GNU_entry_value) && x == 1 && y &&
            dwarf_get_location_op_value_c(ld, 1, &a1, &u, &u, &u, &br, &c->w.err) == DW_DLV_OK &&
            a1 == DW_OP_stack_value) {
            uint8_t r = *(const uint8_t *)(uintptr_t)y;
            if (r >= DW_OP_reg0 && r <= DW_OP_reg15) {
                out->ops[0] = (struct ct_op){CT_OP_ENTRY_REG, (uint64_t)(r - DW_OP_reg0), 0};
                out->n = 1;
                return true;
            }
        }
        ct_dwalk_note(&c->w);
    }
    for (Dwarf_Unsigned i = 0; i < nops; i++) {
        Dwarf_Small atom = 0;
        Dwarf_Unsigned a = 0, b = 0, d3 = 0, br = 0;
        if (dwarf_get_location_op_value_c(ld, i, &atom, &a, &b, &d3, &br, &c->w.err) != DW_DLV_OK) {
            ct_dwalk_note(&c->w);
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
CT_INTERNAL bool ct_cap_location(struct ct_cap *c, Dwarf_Die d, uint64_t pc, struct ct_loc *loc)
{
    loc->n = 0;
    bool single = false;
    Dwarf_Attribute a = NULL;
    if (dwarf_attr(d, DW_AT_location, &a, &c->w.err) != DW_DLV_OK) {
        ct_dwalk_note(&c->w);
        return false;
    }
    Dwarf_Loc_Head_c head = NULL;
    Dwarf_Unsigned count = 0;
    if (dwarf_get_loclist_c(a, &head, &count, &c->w.err) != DW_DLV_OK) {
        ct_dwalk_note(&c->w);
        dwarf_dealloc_attribute(a);
        return false;
    }
    for (Dwarf_Unsigned i = 0; i < count; i++) {
        Dwarf_Small lle = 0, src = 0;
        Dwarf_Unsigned rlo = 0, rhi = 0, nops = 0, eoff = 0, loff = 0;
        Dwarf_Bool unavail = 0;
        Dwarf_Addr lo = 0, hi = 0;
        Dwarf_Locdesc_c ld = NULL;
        if (dwarf_get_locdesc_entry_d(head, i, &lle, &rlo, &rhi, &unavail, &lo, &hi, &nops, &ld,
                                      &src, &eoff, &loff, &c->w.err) != DW_DLV_OK) {
            ct_dwalk_note(&c->w);
            break;
        }
        /* A single expression is what a debugger uses after the prologue:
         * clang calls the enter hook before it stores the parameters there
         * (the caller checks it: cd_clang_slot). */
        if (src == 0 || (!unavail && pc >= lo && pc < hi)) {
            if (!cd_ops(c, ld, nops, loc))
                loc->n = 0;
            single = src == 0 && c->w.cu_clang;
            break;
        }
    }
    dwarf_loc_head_c_dealloc(head);
    dwarf_dealloc_attribute(a);
    return single;
}

/* A clang single-expression location, at the enter hook call: a slot of
 * the caller's frame (rbp + 16 and up: an argument passed on the stack) is
 * already there; a slot of the function's own frame holds the value only
 * once clang -O0 has copied it from the slots it spilled the registers to
 * before the hook (c->spill): read there, piece by piece. Anything else:
 * unavailable. */
CT_NOINST static void cd_clang_slot(const struct ct_cap *c, const struct ct_fdesc *f, struct ct_param *p)
{
    struct ct_op *o = &p->loc.ops[0];
    bool rbp = p->loc.n == 1 && f->cfa_reg == CT_DW_RBP &&
               ((o->atom == DW_OP_fbreg && f->fb == CT_FB_REG && f->fb_reg == CT_DW_RBP) ||
                o->atom == DW_OP_breg6);
    int64_t off = (int64_t)o->a;
    uint32_t size = p->type->size, done = 0;
    if (!rbp || off >= 2 * 8) {
        p->loc.n = rbp ? p->loc.n : 0;
        return;
    }
    struct ct_loc l = {0};
    while (done < size && l.n + 2 <= CT_LOC_OPS) {
        size_t k = 0;
        while (k < c->nspill && c->spill[k].to != off + (int64_t)done)
            k++;
        if (k == c->nspill)
            break;
        l.ops[l.n++] = (struct ct_op){DW_OP_bregx, CT_DW_RBP, (uint64_t)(int64_t)c->spill[k].from};
        l.ops[l.n++] = (struct ct_op){DW_OP_piece, c->spill[k].size, 0};
        done += c->spill[k].size;
    }
    if (done != size) {
        p->loc.n = 0;
    } else if (l.n == 2) { /* one piece: the slot itself */
        o->a = l.ops[0].b;
    } else {
        p->loc = l;
    }
}

/* The CFA rule at link-time pc: reg + off. */
CT_INTERNAL void ct_cap_cfa(struct ct_cap *c, uint64_t pc, struct ct_fdesc *f)
{
    f->cfa_reg = -1;
    if (!c->fdes)
        return;
    Dwarf_Fde fde = NULL;
    Dwarf_Addr lo = 0, hi = 0;
    if (dwarf_get_fde_at_pc(c->fdes, pc, &fde, &lo, &hi, &c->w.err) != DW_DLV_OK) {
        ct_dwalk_note(&c->w);
        return;
    }
    Dwarf_Small vtype = 0;
    Dwarf_Signed offrel = 0, reg = 0, off = 0;
    Dwarf_Ptr block = NULL;
    Dwarf_Addr row = 0, next = 0;
    Dwarf_Bool more = 0;
    if (dwarf_get_fde_info_for_cfa_reg3_b(fde, pc, &vtype, &offrel, &reg, &off, &block, &row, &more,
                                          &next, &c->w.err) != DW_DLV_OK) {
        ct_dwalk_note(&c->w);
        return;
    }
    if (vtype == DW_EXPR_OFFSET && offrel && reg >= 0 && ct_dw_reg_kept((uint64_t)reg)) {
        f->cfa_reg = (int)reg;
        f->cfa_off = off;
    }
}

CT_INTERNAL void ct_cap_frame_base(struct ct_cap *c, Dwarf_Die d, struct ct_fdesc *f)
{
    /* one operation: DW_OP_call_frame_cfa (GCC) or a register (clang) */
    Dwarf_Attribute a = NULL;
    f->fb = CT_FB_NONE;
    if (dwarf_attr(d, DW_AT_frame_base, &a, &c->w.err) != DW_DLV_OK) {
        ct_dwalk_note(&c->w);
        return;
    }
    Dwarf_Loc_Head_c head = NULL;
    Dwarf_Unsigned count = 0;
    if (dwarf_get_loclist_c(a, &head, &count, &c->w.err) == DW_DLV_OK) {
        Dwarf_Small lle = 0, src = 0;
        Dwarf_Unsigned rlo = 0, rhi = 0, nops = 0, eoff = 0, loff = 0;
        Dwarf_Bool unavail = 0;
        Dwarf_Addr lo = 0, hi = 0;
        Dwarf_Locdesc_c ld = NULL;
        if (count >= 1 &&
            dwarf_get_locdesc_entry_d(head, 0, &lle, &rlo, &rhi, &unavail, &lo, &hi, &nops, &ld,
                                      &src, &eoff, &loff, &c->w.err) == DW_DLV_OK &&
            src == 0 && nops == 1) {
            Dwarf_Small atom = 0;
            Dwarf_Unsigned x = 0, y = 0, z = 0, br = 0;
            if (dwarf_get_location_op_value_c(ld, 0, &atom, &x, &y, &z, &br, &c->w.err) == DW_DLV_OK) {
                if (atom == DW_OP_call_frame_cfa) {
                    f->fb = CT_FB_CFA;
                } else if ((atom == DW_OP_reg6 || atom == DW_OP_reg7)) {
                    f->fb = CT_FB_REG;
                    f->fb_reg = (uint8_t)(atom - DW_OP_reg0);
                }
            }
        }
        ct_dwalk_note(&c->w);
        dwarf_loc_head_c_dealloc(head);
    }
    ct_dwalk_note(&c->w);
    dwarf_dealloc_attribute(a);
}

/* ---- parameters ---------------------------------------------------------- */

/* One parameter, with its location at link-time pc hook_link (0: none). */
CT_NOINST static void cd_param(struct ct_cap *c, Dwarf_Die ch, const struct ct_fdesc *f, uint64_t hook_link,
                               struct ct_param *p)
{
    memset(p, 0, sizeof(*p));
    p->name = ct_cap_name(c, ch);
    Dwarf_Off ty = ct_dwalk_ref(&c->w, ch, DW_AT_type);
    Dwarf_Off po = ct_dwalk_ref(&c->w, ch, DW_AT_abstract_origin);
    if (po && (!p->name || !ty)) {
        Dwarf_Die pd = ct_dwalk_die(&c->w, po);
        if (pd) {
            if (!p->name)
                p->name = ct_cap_name(c, pd);
            if (!ty)
                ty = ct_dwalk_ref(&c->w, pd, DW_AT_type);
            dwarf_dealloc_die(pd);
        }
    }
    if (!p->name)
        p->name = "";
    p->type = ty ? ct_cap_type(c, ty, 0) : &ct_void_type;
    if (hook_link && f->cfa_reg >= 0 && ct_cap_location(c, ch, hook_link, &p->loc))
        cd_clang_slot(c, f, p);
    for (unsigned k = 0; k < p->loc.n; k++)
        if (p->loc.ops[k].atom == DW_OP_fbreg && f->fb == CT_FB_NONE)
            p->loc.n = 0; /* relative to a frame base we cannot compute */
}

CT_INTERNAL bool ct_cap_params(struct ct_cap *c, Dwarf_Die d, struct ct_fdesc *f, uint64_t hook_link)
{
    struct ct_param tmp[CT_CAP_MAX_PARAMS];
    uint16_t n = 0;
    struct ct_dwalk_iter it;
    for (Dwarf_Die ch = ct_dwalk_first(&c->w, d, &it); ch && n < CT_ARRAY_LEN(tmp); ch = ct_dwalk_next(&c->w, &it))
        if (ct_dwalk_tag(&c->w, ch) == DW_TAG_formal_parameter)
            cd_param(c, ch, f, hook_link, &tmp[n++]);
    ct_dwalk_end(&it);
    struct ct_param *ps = ct_cap_zalloc(c, n * sizeof(*ps) + 1);
    if (!ps)
        return false;
    memcpy(ps, tmp, n * sizeof(*tmp));
    f->params = ps;
    f->nparams = n;
    return true;
}

/* The descriptor's signature (capture.h): FNV-1a over the parameters' and
 * the return value's kinds and sizes, folded to 24 bits. Written in every
 * value record: it must not change. */
CT_INTERNAL uint32_t ct_cap_sig(const struct ct_fdesc *f)
{
    uint64_t h = CT_SIG_FNV_OFFSET ^ f->nparams;
    for (uint16_t i = 0; i < f->nparams; i++) {
        const struct ct_type *t = f->params[i].type;
        h = (h ^ (t ? t->kind * CT_SIG_KIND_MUL + t->size : CT_SIG_NO_TYPE)) * CT_SIG_FNV_PRIME;
    }
    h = (h ^ (f->ret ? f->ret->kind * CT_SIG_KIND_MUL + f->ret->size : 0)) * CT_SIG_FNV_PRIME;
    return (uint32_t)(h ^ (h >> 32)) & CT_SIG_MASK;
}

/* ---- the plan: how the hook reads each parameter ------------------------ */

CT_NOINST static bool cd_has_extra(const struct ct_type *t)
{
    return t->kind == CT_T_CSTR || t->kind == CT_T_STDSTR || t->kind == CT_T_REF;
}

/* A single-operation location the hook reads directly. */
CT_NOINST static void cd_plan_param(const struct ct_fdesc *f, const struct ct_param *p,
                                    struct ct_plan *out)
{
    const struct ct_type *t = p->type;
    uint32_t size = t->size < CT_VAL_BYTES ? t->size : CT_VAL_BYTES;
    *out = (struct ct_plan){.how = CT_HOW_EXPR, .size = (uint16_t)size, .extra = cd_has_extra(t)};
    if (t->kind == CT_T_UNKNOWN || size == 0 || p->loc.n == 0) {
        *out = (struct ct_plan){.how = CT_HOW_OUT};
        return;
    }
    if (p->loc.n != 1 || (size > 8 && out->extra))
        return;
    const struct ct_op *o = &p->loc.ops[0];
    int64_t base_off = 0, off;
    int reg = -1;
    bool mem = true;
    if (o->atom == DW_OP_fbreg && f->fb == CT_FB_CFA && f->cfa_reg >= 0) {
        reg = f->cfa_reg;
        base_off = f->cfa_off;
    } else if (o->atom == DW_OP_fbreg && f->fb == CT_FB_REG) {
        reg = f->fb_reg;
    } else if (o->atom >= DW_OP_breg0 && o->atom <= DW_OP_breg15) {
        reg = o->atom - DW_OP_breg0;
    } else if (o->atom == DW_OP_bregx && o->a <= CT_DW_R15) {
        reg = (int)o->a;
        off = (int64_t)o->b;
        goto have;
    } else if (o->atom >= DW_OP_reg0 && o->atom <= DW_OP_reg31) {
        reg = o->atom - DW_OP_reg0;
        mem = false;
    } else if (o->atom == DW_OP_regx && o->a < CT_DW_NREGS) {
        reg = (int)o->a;
        mem = false;
    } else {
        return;
    }
    off = (int64_t)o->a;
have:
    if (!ct_dw_reg_saved((uint64_t)reg) || (mem && reg >= CT_DW_NGPRS))
        return;
    if (mem) {
        if (__builtin_add_overflow(off, base_off, &off) || off < INT32_MIN || off > INT32_MAX)
            return;
        out->how = size <= 8 ? CT_HOW_MEM : CT_HOW_BLOCK;
        out->off = (int32_t)off;
    } else if (size <= 8) {
        out->how = CT_HOW_REG;
    } else {
        return; /* pieces of registers: the interpreter */
    }
    out->reg = (uint8_t)reg;
}

CT_INTERNAL bool ct_cap_plan(struct ct_cap *c, struct ct_fdesc *f)
{
    struct ct_plan *pl = ct_cap_zalloc(c, (f->nparams + 1u) * sizeof(*pl));
    if (!pl)
        return false;
    unsigned len = 0;
    bool direct = true;
    for (uint16_t i = 0; i < f->nparams; i++) {
        cd_plan_param(f, &f->params[i], &pl[i]);
        if (pl[i].how == CT_HOW_EXPR && f->params[i].loc.ops[0].atom == CT_OP_ENTRY_REG)
            f->needs_cs = true;
        if (pl[i].how == CT_HOW_EXPR || pl[i].how == CT_HOW_BLOCK || pl[i].extra)
            direct = false;
        if (pl[i].how == CT_HOW_MEM || pl[i].how == CT_HOW_REG)
            f->vregs |= (uint32_t)1 << pl[i].reg;
        len += pl[i].how == CT_HOW_OUT ? 1u : 1u + pl[i].size;
    }
    f->plan = pl;
    if (direct && len >= 1 && len <= CT_SMALL_ARGS)
        f->small_len = (uint8_t)len;
    const struct ct_type *r = f->ret;
    if (r && r->size >= 1 && r->size <= 8 && !cd_has_extra(r) && r->kind != CT_T_UNKNOWN &&
        (f->ret_class[0] == CT_RC_INT || f->ret_class[0] == CT_RC_SSE))
        f->ret_small = (uint8_t)r->size;
    return true;
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
CT_NOINST static void cd_call_site(struct ct_cap *c, Dwarf_Die d)
{
    Dwarf_Attribute a = NULL;
    Dwarf_Addr ret = 0;
    if (dwarf_attr(d, DW_AT_call_return_pc, &a, &c->w.err) != DW_DLV_OK) {
        ct_dwalk_note(&c->w);
        if (dwarf_attr(d, DW_AT_low_pc, &a, &c->w.err) != DW_DLV_OK) {
            ct_dwalk_note(&c->w);
            return;
        }
    }
    int r = dwarf_formaddr(a, &ret, &c->w.err);
    dwarf_dealloc_attribute(a);
    if (r != DW_DLV_OK || ret == 0) {
        ct_dwalk_note(&c->w);
        return;
    }
    struct ct_csite cs;
    memset(&cs, 0, sizeof cs);
    cs.ret_pc = ret + c->bias;
    /* which function it calls: without that (an indirect call), a tail call
     * further down could take these constants for its own */
    cs.callee = ct_dwalk_ref(&c->w, d, DW_AT_call_origin);
    if (!cs.callee)
        cs.callee = ct_dwalk_ref(&c->w, d, DW_AT_abstract_origin);
    if (!cs.callee)
        return;
    struct ct_dwalk_iter it;
    for (Dwarf_Die ch = ct_dwalk_first(&c->w, d, &it); ch && cs.n < CT_CS_PARAMS; ch = ct_dwalk_next(&c->w, &it)) {
        Dwarf_Half tag = ct_dwalk_tag(&c->w, ch);
        if (tag == DW_TAG_call_site_parameter || tag == DW_TAG_GNU_call_site_parameter) {
            Dwarf_Attribute la = NULL, va = NULL;
            Dwarf_Unsigned ll = 0, vl = 0;
            Dwarf_Ptr lp = NULL, vp = NULL;
            if (dwarf_attr(ch, DW_AT_location, &la, &c->w.err) == DW_DLV_OK) {
                if (dwarf_formexprloc(la, &ll, &lp, &c->w.err) == DW_DLV_OK && ll == 1 &&
                    (dwarf_attr(ch, DW_AT_call_value, &va, &c->w.err) == DW_DLV_OK ||
                     (ct_dwalk_note(&c->w), dwarf_attr(ch, DW_AT_GNU_call_site_value, &va, &c->w.err) == DW_DLV_OK))) {
                    uint8_t reg = *(const uint8_t *)lp;
                    uint64_t v = 0;
                    if (dwarf_formexprloc(va, &vl, &vp, &c->w.err) == DW_DLV_OK && reg >= DW_OP_reg0 &&
                        reg <= DW_OP_reg15 && cd_const_expr(vp, vl, &v)) {
                        cs.reg[cs.n] = (uint8_t)(reg - DW_OP_reg0);
                        cs.val[cs.n++] = v;
                    }
                    dwarf_dealloc_attribute(va);
                }
                dwarf_dealloc_attribute(la);
            }
            ct_dwalk_note(&c->w);
        }
    }
    ct_dwalk_end(&it);
    if (!cs.n)
        return;
    struct ct_csite *keep = ct_cap_zalloc(c, sizeof(*keep));
    if (!keep)
        return;
    *keep = cs;
    ct_cap_push(&c->sites, keep);
}

/* The call sites inside a function (in its blocks and inlined code too). */
CT_INTERNAL void ct_cap_call_sites(struct ct_cap *c, Dwarf_Die parent, unsigned depth)
{
    if (depth > CT_CAP_MAX_DEPTH)
        return;
    struct ct_dwalk_iter it;
    for (Dwarf_Die ch = ct_dwalk_first(&c->w, parent, &it); ch; ch = ct_dwalk_next(&c->w, &it)) {
        Dwarf_Half tag = ct_dwalk_tag(&c->w, ch);
        if (tag == DW_TAG_call_site || tag == DW_TAG_GNU_call_site)
            cd_call_site(c, ch);
        else if (tag == DW_TAG_lexical_block || tag == DW_TAG_inlined_subroutine)
            ct_cap_call_sites(c, ch, depth + 1);
    }
    ct_dwalk_end(&it);
}
