/* capture_read.c — turning what a function holds into recorded bytes
 * (capture_priv.h): parameter locations evaluated against the registers
 * and the stack (the DWARF expression interpreter for what has no direct
 * plan), strings and referents read through the fault-safe probes, return
 * values from the return registers or from where the exit hook's plan
 * says. Runs inside the hooks, with the thread busy: no allocation, no
 * locks, no stdio. */
#include <libdwarf/dwarf.h>

#include "capture/capture_priv.h"

/* capture_entry.S */
CT_INTERNAL int ct_probe_copy(void *dst, const void *src, size_t n);
CT_INTERNAL long ct_probe_str(char *dst, const char *src, size_t max);

const uint64_t ct_size_mask[9] = {
    0, 0xff, 0xffff, 0xffffff, 0xffffffff, 0xffffffffffu, 0xffffffffffffu, 0xffffffffffffffu,
    UINT64_MAX,
};

struct ct_eval {
    const uint64_t *reg; /* [16], struct ct_cregs */
    uint64_t cfa, fb;
    uint64_t stack_lo, stack_hi; /* the live part of this thread's stack: read directly */
    const struct ct_csite *cs; /* the caller's constants for this call, or NULL */
};

CT_NOINST static bool ct_readable(uint64_t p)
{
    return ct_probe_armed && p >= 4096 && p < (UINT64_C(1) << 47);
}

int ct_read_mem(void *dst, uint64_t src, size_t n)
{
    if (n == 0)
        return CT_VAL_OK;
    if (!ct_readable(src) || !ct_readable(src + n - 1))
        return CT_VAL_UNREADABLE;
    return ct_probe_copy(dst, (const void *)(uintptr_t)src, n) == 0 ? CT_VAL_OK : CT_VAL_UNREADABLE;
}

/* Evaluates a location into out[0, size): CT_VAL_OK, _OUT or _UNREADABLE. */
CT_NOINST static int ct_loc_read(const struct ct_loc *loc, const struct ct_eval *x, uint8_t *out,
                                 uint32_t size)
{
    uint64_t st[16];
    unsigned sp = 0;
    uint32_t done = 0;
    enum { K_MEM, K_REG, K_VALUE, K_IMPLICIT } kind = K_MEM;
    uint64_t value = 0;
    unsigned ilen = 0;
    if (loc->n == 0)
        return CT_VAL_OUT;
    if (loc->n == 1 && loc->ops[0].atom == DW_OP_fbreg) { /* the common case at -O0 */
        uint64_t a = x->fb + loc->ops[0].a;
        if (a >= x->stack_lo && a < x->stack_hi && size <= x->stack_hi - a) {
            memcpy(out, (const void *)(uintptr_t)a, size);
            return CT_VAL_OK;
        }
        return ct_read_mem(out, a, size);
    }
    if (loc->n == 1 && loc->ops[0].atom >= DW_OP_reg0 && loc->ops[0].atom <= DW_OP_reg15 && size <= 8) {
        memcpy(out, &x->reg[loc->ops[0].atom - DW_OP_reg0], size); /* in a callee-saved register */
        return CT_VAL_OK;
    }
    if (loc->ops[0].atom == CT_OP_ENTRY_REG) { /* the value the caller passed, if a constant */
        for (unsigned k = 0; x->cs && k < x->cs->n; k++)
            if (x->cs->reg[k] == loc->ops[0].a && size <= 8) {
                memcpy(out, &x->cs->val[k], size);
                return CT_VAL_OK;
            }
        return CT_VAL_OUT;
    }
    for (unsigned i = 0; i < loc->n; i++) {
        const struct ct_op *o = &loc->ops[i];
        uint8_t a = o->atom;
        uint64_t t1, t2;
#define PUSH(v) do { if (sp == 16) return CT_VAL_OUT; st[sp++] = (v); } while (0)
#define POP(v) do { if (sp == 0) return CT_VAL_OUT; (v) = st[--sp]; } while (0)
        if (a >= DW_OP_lit0 && a <= DW_OP_lit31) {
            PUSH((uint64_t)(a - DW_OP_lit0));
        } else if (a >= DW_OP_breg0 && a <= DW_OP_breg31) {
            PUSH(x->reg[a - DW_OP_breg0] + o->a);
        } else if (a >= DW_OP_reg0 && a <= DW_OP_reg31) {
            kind = K_REG;
            value = x->reg[a - DW_OP_reg0];
        } else {
            switch (a) {
            case DW_OP_regx: kind = K_REG; value = x->reg[o->a & 15]; break;
            case DW_OP_bregx: PUSH(x->reg[o->a & 15] + o->b); break;
            case DW_OP_fbreg: PUSH(x->fb + o->a); break;
            case DW_OP_call_frame_cfa: PUSH(x->cfa); break;
            case DW_OP_const1u: case DW_OP_const1s: case DW_OP_const2u: case DW_OP_const2s:
            case DW_OP_const4u: case DW_OP_const4s: case DW_OP_const8u: case DW_OP_const8s:
            case DW_OP_constu: case DW_OP_consts:
                PUSH(o->a);
                break;
            case DW_OP_plus_uconst: POP(t1); PUSH(t1 + o->a); break;
            case DW_OP_plus: POP(t2); POP(t1); PUSH(t1 + t2); break;
            case DW_OP_minus: POP(t2); POP(t1); PUSH(t1 - t2); break;
            case DW_OP_mul: POP(t2); POP(t1); PUSH(t1 * t2); break;
            case DW_OP_and: POP(t2); POP(t1); PUSH(t1 & t2); break;
            case DW_OP_or: POP(t2); POP(t1); PUSH(t1 | t2); break;
            case DW_OP_xor: POP(t2); POP(t1); PUSH(t1 ^ t2); break;
            case DW_OP_shl: POP(t2); POP(t1); PUSH(t2 < 64 ? t1 << t2 : 0); break;
            case DW_OP_shr: POP(t2); POP(t1); PUSH(t2 < 64 ? t1 >> t2 : 0); break;
            case DW_OP_shra: POP(t2); POP(t1); PUSH((uint64_t)((int64_t)t1 >> (t2 < 63 ? t2 : 63))); break;
            case DW_OP_neg: POP(t1); PUSH(-t1); break;
            case DW_OP_not: POP(t1); PUSH(~t1); break;
            case DW_OP_dup: POP(t1); PUSH(t1); PUSH(t1); break;
            case DW_OP_drop: POP(t1); break;
            case DW_OP_swap: POP(t2); POP(t1); PUSH(t2); PUSH(t1); break;
            case DW_OP_over: POP(t2); POP(t1); PUSH(t1); PUSH(t2); PUSH(t1); break;
            case DW_OP_deref:
                POP(t1);
                if (ct_read_mem(&t2, t1, 8) != CT_VAL_OK)
                    return CT_VAL_UNREADABLE;
                PUSH(t2);
                break;
            case DW_OP_stack_value: POP(value); kind = K_VALUE; break;
            case DW_OP_implicit_value: kind = K_IMPLICIT; value = o->b; ilen = (unsigned)o->a; break;
            case DW_OP_nop: break;
            case DW_OP_piece: {
                uint32_t n = (uint32_t)o->a;
                if (n > size - done || (kind == K_MEM && sp == 0))
                    return CT_VAL_OUT; /* an empty piece: that part is optimized out */
                if (kind == K_MEM) {
                    int r = ct_read_mem(out + done, st[sp - 1], n);
                    if (r != CT_VAL_OK)
                        return r;
                } else {
                    if (n > 8 || (kind == K_IMPLICIT && n > ilen))
                        return CT_VAL_OUT;
                    memcpy(out + done, &value, n);
                }
                done += n;
                sp = 0;
                kind = K_MEM;
                if (i + 1 == loc->n)
                    return done == size ? CT_VAL_OK : CT_VAL_OUT;
                break;
            }
            default:
                return CT_VAL_OUT;
            }
        }
#undef PUSH
#undef POP
    }
    if (done)
        return CT_VAL_OUT; /* pieces not covering the value */
    if (kind == K_MEM) {
        if (!sp)
            return CT_VAL_OUT;
        uint64_t a = st[sp - 1];
        if (a >= x->stack_lo && a < x->stack_hi && size <= x->stack_hi - a) {
            memcpy(out, (const void *)(uintptr_t)a, size); /* the frame's own stack */
            return CT_VAL_OK;
        }
        return ct_read_mem(out, a, size);
    }
    if (size > 8 || (kind == K_IMPLICIT && size > ilen))
        return CT_VAL_OUT;
    memcpy(out, &value, size);
    return CT_VAL_OK;
}

/* A string at p: u8 status, u16 length, bytes. */
CT_NOINST static size_t ct_put_str(uint8_t *out, uint64_t p, uint64_t known_len)
{
    uint16_t len = 0;
    uint8_t st = CT_VAL_OK;
    if (p == 0) {
        st = CT_VAL_NULL;
    } else if (!ct_readable(p)) {
        st = CT_VAL_UNREADABLE;
    } else if (known_len != UINT64_MAX) { /* std::string: its length is known */
        uint64_t n = known_len < CT_STR_BYTES ? known_len : CT_STR_BYTES;
        if (ct_read_mem(out + 3, p, n) != CT_VAL_OK)
            st = CT_VAL_UNREADABLE;
        else
            len = (uint16_t)n;
        if (st == CT_VAL_OK && known_len > CT_STR_BYTES)
            st = CT_VAL_TRUNCATED;
    } else {
        long n = ct_probe_str((char *)out + 3, (const char *)(uintptr_t)p, CT_STR_BYTES);
        if (n < 0) {
            st = CT_VAL_UNREADABLE;
        } else {
            len = (uint16_t)n;
            if ((unsigned long)n == CT_STR_BYTES) { /* exactly full: is there more? */
                char more = 0;
                if (ct_probe_copy(&more, (const char *)(uintptr_t)p + n, 1) != 0 || more)
                    st = CT_VAL_TRUNCATED;
            }
        }
    }
    out[0] = st;
    memcpy(out + 1, &len, 2);
    return 3 + len;
}

/* What follows a value's bytes, by type (capture.h). */
CT_NOINST static size_t ct_put_extra(uint8_t *out, const struct ct_type *t, const uint8_t *val)
{
    uint64_t p = 0;
    switch (t->kind) {
    case CT_T_CSTR:
        memcpy(&p, val, 8);
        return ct_put_str(out, p, UINT64_MAX);
    case CT_T_STDSTR: {
        uint64_t len = 0;
        memcpy(&p, val, 8);
        memcpy(&len, val + 8, 8);
        return ct_put_str(out, p, len);
    }
    case CT_T_REF: {
        memcpy(&p, val, 8);
        const struct ct_type *to = t->target;
        uint32_t n = to->size < CT_VAL_BYTES ? to->size : CT_VAL_BYTES;
        int st = ct_readable(p) ? ct_read_mem(out + 1, p, n) : CT_VAL_UNREADABLE;
        out[0] = (uint8_t)st;
        if (st != CT_VAL_OK)
            return 1;
        size_t k = 1 + n;
        if (to->kind == CT_T_STDSTR || to->kind == CT_T_CSTR)
            k += ct_put_extra(out + k, to, out + 1);
        return k;
    }
    default:
        return 0;
    }
}

/* Appends one value whose bytes come from a location. */
CT_NOINST static size_t ct_put_param(uint8_t *out, const struct ct_param *p, const struct ct_eval *x)
{
    const struct ct_type *t = p->type;
    uint32_t n = t->size < CT_VAL_BYTES ? t->size : CT_VAL_BYTES;
    if (t->kind == CT_T_UNKNOWN || n == 0) {
        out[0] = CT_VAL_OUT;
        return 1;
    }
    int st = ct_loc_read(&p->loc, x, out + 1, n);
    out[0] = (uint8_t)st;
    if (st != CT_VAL_OK)
        return 1;
    bool extra = t->kind == CT_T_CSTR || t->kind == CT_T_STDSTR || t->kind == CT_T_REF;
    return 1 + n + (extra ? ct_put_extra(out + 1 + n, t, out + 1) : 0);
}

/* The values of d's parameters into buf: each by its plan, a stack slot or
 * a register read directly, anything else through ct_loc_read. cfa: the
 * frame's, by d's rule. Returns the length. */
size_t ct_put_args(const struct ct_thread *t, const struct ct_fdesc *d, const uint64_t *reg,
                   uint64_t sp, uint64_t cfa, uint64_t site, uint8_t *buf)
{
    /* the live part of this thread's stack, read without a probe: from the
     * hook's stack pointer to the top */
    uint64_t hi = sp >= t->stack_lo && sp < t->stack_hi ? t->stack_hi : sp;
    struct ct_eval x;
    x.reg = NULL;
    size_t len = 0;
    for (uint16_t i = 0; i < d->nparams; i++) {
        const struct ct_plan *p = &d->plan[i];
        size_t need = p->how == CT_HOW_EXPR || p->how == CT_HOW_BLOCK || p->extra
                          ? CT_ONE_VALUE_MAX + 8
                          : 9;
        if (p->how == CT_HOW_OUT || len + need + (d->nparams - i - 1u) > CT_VALUES_MAX) {
            buf[len++] = CT_VAL_OUT;
            continue;
        }
        uint64_t v = 0;
        if (p->how == CT_HOW_BLOCK) { /* a struct on the stack: its bytes */
            uint64_t a = reg[p->reg] + (uint64_t)(int64_t)p->off;
            int st = CT_VAL_OK;
            if (a >= sp && a - sp <= hi - sp && p->size <= hi - a)
                memcpy(buf + len + 1, (const void *)(uintptr_t)a, p->size);
            else
                st = ct_read_mem(buf + len + 1, a, p->size);
            buf[len] = (uint8_t)st;
            len += st == CT_VAL_OK ? 1u + p->size : 1u;
            continue;
        }
        if (p->how == CT_HOW_REG) {
            v = reg[p->reg];
        } else if (p->how == CT_HOW_MEM) {
            uint64_t a = reg[p->reg] + (uint64_t)(int64_t)p->off;
            if (a >= sp && hi - sp >= 8 && a - sp <= hi - sp - 8) {
                v = ct_load(a, p->size); /* the frame's own stack */
            } else {
                int st = ct_read_mem(&v, a, p->size);
                if (st != CT_VAL_OK) {
                    buf[len++] = (uint8_t)st;
                    continue;
                }
            }
        } else {
            if (!x.reg) {
                x.reg = reg;
                x.cfa = cfa;
                x.fb = d->fb == CT_FB_CFA ? cfa : d->fb == CT_FB_REG ? reg[d->fb_reg] : 0;
                x.stack_lo = sp;
                x.stack_hi = hi;
                x.cs = d->needs_cs ? ct_ftab_callsite(&ct_capture_tab, site) : NULL;
                if (x.cs && x.cs->callee != d->die && x.cs->callee != d->origin)
                    x.cs = NULL; /* that call went elsewhere: we were reached by a tail call */
            }
            len += ct_put_param(buf + len, &d->params[i], &x);
            continue;
        }
        if (p->size < 8)
            v &= (UINT64_C(1) << (p->size * 8)) - 1;
        buf[len] = CT_VAL_OK;
        memcpy(buf + len + 1, &v, 8);
        len += 1 + p->size;
        if (p->extra)
            len += ct_put_extra(buf + len, d->params[i].type, buf + len - p->size);
    }
    return len;
}

/* A return value's record (general case) into buf: fn, status, value,
 * what follows it; or with rr NULL, fn and CT_VAL_UNWOUND. The length. */
size_t ct_put_ret(uint8_t *buf, uint64_t fn, const struct ct_fdesc *d, const struct ct_retregs *rr)
{
    memcpy(buf, &fn, 8);
    size_t len = 8;
    if (!rr) {
        buf[len++] = CT_VAL_UNWOUND;
        return len;
    }
    const struct ct_type *rt = d->ret;
    uint32_t n = rt->size < CT_VAL_BYTES ? rt->size : CT_VAL_BYTES;
    uint8_t *val = buf + len + 1;
    int st = CT_VAL_OK;
    if (d->ret_class[0] == CT_RC_MEM) {
        st = ct_read_mem(val, rr->rax, n);
    } else if (d->ret_class[0] == CT_RC_NONE || rt->kind == CT_T_UNKNOWN) {
        st = CT_VAL_OUT;
    } else {
        const uint8_t *ints[2] = {(const uint8_t *)&rr->rax, (const uint8_t *)&rr->rdx};
        const uint8_t *sses[2] = {rr->xmm0, rr->xmm1};
        unsigned ni = 0, ns = 0;
        for (unsigned k = 0; k < 2 && k * 8 < n; k++) {
            const uint8_t *src = d->ret_class[k] == CT_RC_INT ? ints[ni++] : sses[ns++];
            memcpy(val + k * 8, src, n - k * 8 < 8 ? n - k * 8 : 8);
        }
    }
    buf[len++] = (uint8_t)st;
    if (st == CT_VAL_OK)
        len += n + ct_put_extra(val + n, rt, val);
    return len;
}

/* A return value by its plan, from the registers at the exit hook. */
uint8_t ct_rplan_read(const struct ct_rplan *p, const uint64_t *reg, const struct ct_thread *t,
                      uint64_t sp, unsigned size, uint64_t *v)
{
    uint64_t x = (uint64_t)p->off;
    if (p->a != 0xff)
        x += reg[p->a];
    if (p->b != 0xff)
        x += reg[p->b] * p->scale;
    if (p->kind == CT_RP_VAL) {
        *v = x & ct_size_mask[size];
        return CT_VAL_OK;
    }
    if (p->a == 0xff) { /* a read-only constant (capture_dwarf.c checked) */
        *v = 0;
        return (uint8_t)ct_read_mem(v, x, size);
    }
    /* the function's own frame (the plan is rsp- or frame-pointer-based) */
    if (x < sp)
        return CT_VAL_OUT; /* below the stack pointer: the hooks' frames overwrote it */
    if (sp >= t->stack_lo && sp < t->stack_hi && size <= t->stack_hi - sp &&
        x - sp <= t->stack_hi - sp - size) {
        *v = ct_load(x, size);
        return CT_VAL_OK;
    }
    *v = 0; /* a signal or coroutine stack: through the probe */
    return (uint8_t)ct_read_mem(v, x, size);
}
