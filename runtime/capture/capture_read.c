/* capture_read.c — turning what a function holds into recorded bytes
 * (capture_priv.h): parameter locations evaluated against the registers
 * and the stack (the DWARF expression interpreter for what has no direct
 * plan), strings and referents read through the fault-safe probes, return
 * values from the return registers or from where the exit hook's plan
 * says. Runs inside the hooks, with the thread busy: no allocation, no
 * locks, no stdio. */
#include <errno.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <ucontext.h>
#include <unistd.h>

#include <libdwarf/dwarf.h>

#include "arch/x86_64/x86_regs.h"
#include "capture/capture_priv.h"

/* probe.S */
CT_INTERNAL int ct_probe_copy(void *dst, const void *src, size_t n);
CT_INTERNAL long ct_probe_str(char *dst, const char *src, size_t max);
extern char ct_probe_lo[], ct_probe_hi[], ct_probe_fault[];

bool ct_probe_armed;
uintptr_t ct_probe_handler;

CT_INTERNAL bool ct_probe_recover(void *ucontext)
{
    ucontext_t *uc = ucontext;
    greg_t *ip = &uc->uc_mcontext.gregs[REG_RIP];
    if ((uintptr_t)*ip >= (uintptr_t)ct_probe_lo && (uintptr_t)*ip < (uintptr_t)ct_probe_hi) {
        *ip = (greg_t)(uintptr_t)ct_probe_fault;
        return true;
    }
    return false;
}

const uint64_t ct_size_mask[9] = {
    0, 0xff, 0xffff, 0xffffff, 0xffffffff, 0xffffffffffu, 0xffffffffffffu, 0xffffffffffffffu,
    UINT64_MAX,
};

struct ct_eval {
    const uint64_t *reg; /* [32], struct ct_cregs */
    uint64_t valid;      /* which of them were saved */
    uint64_t cfa, fb;
    uint64_t stack_lo, stack_hi; /* the live part of this thread's stack: read directly */
    const struct ct_csite *cs; /* the caller's constants for this call, or NULL */
};

#define CT_ADDR_LOWEST 4096u                 /* the zero page is never mapped */
#define CT_ADDR_END (UINT64_C(1) << 47)      /* the end of user space (4-level paging) */

CT_NOINST static bool ct_readable(uint64_t p)
{
    return p >= CT_ADDR_LOWEST && p < CT_ADDR_END;
}

/* The probes may fault only while SIGSEGV and SIGBUS still come to our
 * handler: the program may have replaced it any time after init (its own
 * handler would then get our fault, or the process would die). Asked of
 * the kernel before each read of the program's memory (capture on only);
 * errno is kept. */
CT_NOINST static bool ct_probe_ours(void)
{
    if (!ct_probe_armed)
        return false;
    struct { /* the kernel's struct sigaction */
        uintptr_t handler;
        unsigned long flags;
        uintptr_t restorer;
        uint64_t mask;
    } k;
    int saved = errno;
    bool ours = syscall(SYS_rt_sigaction, SIGSEGV, NULL, &k, sizeof(k.mask)) == 0 &&
                k.handler == ct_probe_handler &&
                syscall(SYS_rt_sigaction, SIGBUS, NULL, &k, sizeof(k.mask)) == 0 &&
                k.handler == ct_probe_handler;
    errno = saved;
    return ours;
}

/* Without our handler: the kernel copies (process_vm_readv on ourselves),
 * and an unmapped page ends the copy instead of faulting. Bytes copied. */
CT_NOINST static size_t ct_vm_read(void *dst, uint64_t src, size_t n)
{
    int saved = errno;
    struct iovec l = {dst, n}, r = {(void *)(uintptr_t)src, n};
    long k = syscall(SYS_process_vm_readv, syscall(SYS_getpid), &l, 1ul, &r, 1ul, 0ul);
    errno = saved;
    return k > 0 ? (size_t)k : 0;
}

/* ct_probe_str's contract through ct_vm_read, a page at a time. */
CT_NOINST static long ct_vm_str(char *dst, uint64_t src, size_t max)
{
    size_t have = 0;
    while (have < max) {
        uint64_t at = src + have;
        size_t want = 4096 - (size_t)(at & 4095u);
        if (want > max - have)
            want = max - have;
        if (ct_vm_read(dst + have, at, want) != want)
            return -1;
        const char *nul = memchr(dst + have, 0, want);
        if (nul)
            return (long)(nul - dst);
        have += want;
    }
    return (long)max;
}

int ct_read_mem(void *dst, uint64_t src, size_t n)
{
    if (n == 0)
        return CT_VAL_OK;
    if (!ct_readable(src) || !ct_readable(src + n - 1))
        return CT_VAL_UNREADABLE;
    if (!ct_probe_ours())
        return ct_vm_read(dst, src, n) == n ? CT_VAL_OK : CT_VAL_UNREADABLE;
    return ct_probe_copy(dst, (const void *)(uintptr_t)src, n) == 0 ? CT_VAL_OK : CT_VAL_UNREADABLE;
}

/* size bytes at a: from the live part of the stack directly, else through
 * the probe. */
CT_NOINST static int ct_read_at(const struct ct_eval *x, uint64_t a, uint8_t *out, uint32_t size)
{
    if (a >= x->stack_lo && a < x->stack_hi && size <= x->stack_hi - a) {
        memcpy(out, (const void *)(uintptr_t)a, size); /* the frame's own stack */
        return CT_VAL_OK;
    }
    return ct_read_mem(out, a, size);
}

/* The locations that need no interpreter: a frame-base slot (the common
 * case at -O0), a callee-saved register, a caller's constant. True with
 * *st set when loc is one of them. */
CT_NOINST static bool ct_loc_quick(const struct ct_loc *loc, const struct ct_eval *x, uint8_t *out,
                                   uint32_t size, int *st)
{
    const struct ct_op *o = &loc->ops[0];
    if (loc->n == 0) {
        *st = CT_VAL_OUT;
    } else if (loc->n == 1 && o->atom == DW_OP_fbreg) {
        *st = ct_read_at(x, x->fb + o->a, out, size);
    } else if (loc->n == 1 && o->atom >= DW_OP_reg0 && o->atom <= DW_OP_reg31 && size <= 8) {
        unsigned r = o->atom - DW_OP_reg0; /* in a register the hook saved */
        memcpy(out, &x->reg[r], size);
        *st = (x->valid >> r) & 1 ? CT_VAL_OK : CT_VAL_OUT;
    } else if (o->atom == CT_OP_ENTRY_REG) { /* the value the caller passed, if a constant */
        *st = CT_VAL_OUT;
        for (unsigned k = 0; x->cs && k < x->cs->n; k++)
            if (x->cs->reg[k] == o->a && size <= 8) {
                memcpy(out, &x->cs->val[k], size);
                *st = CT_VAL_OK;
                break;
            }
    } else {
        return false;
    }
    return true;
}

/* The DWARF expression interpreter: its stack, and what the expression
 * names so far (a memory address on the stack, a register, a value). */
#define CT_EXPR_STACK 16
enum { K_MEM, K_REG, K_VALUE, K_IMPLICIT };
struct ct_expr {
    uint64_t st[CT_EXPR_STACK];
    unsigned sp;
    unsigned kind;   /* K_* */
    uint64_t value;  /* K_REG, K_VALUE, K_IMPLICIT */
    unsigned ilen;   /* K_IMPLICIT: its bytes */
    uint32_t done;   /* bytes of pieces written */
};
/* An operation's outcome when the evaluation goes on. */
#define CT_EXPR_GO (-1)

CT_NOINST static inline bool ct_push(struct ct_expr *e, uint64_t v)
{
    if (e->sp == CT_EXPR_STACK)
        return false;
    e->st[e->sp++] = v;
    return true;
}

CT_NOINST static inline bool ct_pop(struct ct_expr *e, uint64_t *v)
{
    if (e->sp == 0)
        return false;
    *v = e->st[--e->sp];
    return true;
}

/* The stack and arithmetic operations. False on a stack too short or too
 * deep, or an operation capture_loc.c does not keep. */
CT_NOINST static bool ct_op_arith(struct ct_expr *e, uint8_t a, uint64_t operand)
{
    uint64_t t1 = 0, t2 = 0;
    switch (a) {
    case DW_OP_plus_uconst: return ct_pop(e, &t1) && ct_push(e, t1 + operand);
    case DW_OP_neg: return ct_pop(e, &t1) && ct_push(e, -t1);
    case DW_OP_not: return ct_pop(e, &t1) && ct_push(e, ~t1);
    case DW_OP_dup: return ct_pop(e, &t1) && ct_push(e, t1) && ct_push(e, t1);
    case DW_OP_drop: return ct_pop(e, &t1);
    default: break;
    }
    if (!ct_pop(e, &t2) || !ct_pop(e, &t1))
        return false;
    switch (a) {
    case DW_OP_plus: return ct_push(e, t1 + t2);
    case DW_OP_minus: return ct_push(e, t1 - t2);
    case DW_OP_mul: return ct_push(e, t1 * t2);
    case DW_OP_and: return ct_push(e, t1 & t2);
    case DW_OP_or: return ct_push(e, t1 | t2);
    case DW_OP_xor: return ct_push(e, t1 ^ t2);
    case DW_OP_shl: return ct_push(e, t2 < 64 ? t1 << t2 : 0);
    case DW_OP_shr: return ct_push(e, t2 < 64 ? t1 >> t2 : 0);
    case DW_OP_shra: return ct_push(e, (uint64_t)((int64_t)t1 >> (t2 < 63 ? t2 : 63)));
    case DW_OP_swap: return ct_push(e, t2) && ct_push(e, t1);
    case DW_OP_over: return ct_push(e, t1) && ct_push(e, t2) && ct_push(e, t1);
    default: return false;
    }
}

/* DW_OP_piece: what the expression names so far, n bytes of the value.
 * last: the expression's last operation. */
CT_NOINST static int ct_op_piece(struct ct_expr *e, uint32_t n, uint8_t *out, uint32_t size, bool last)
{
    if (n > size - e->done || (e->kind == K_MEM && e->sp == 0))
        return CT_VAL_OUT; /* an empty piece: that part is optimized out */
    if (e->kind == K_MEM) {
        int r = ct_read_mem(out + e->done, e->st[e->sp - 1], n);
        if (r != CT_VAL_OK)
            return r;
    } else {
        if (n > 8 || (e->kind == K_IMPLICIT && n > e->ilen))
            return CT_VAL_OUT;
        memcpy(out + e->done, &e->value, n);
    }
    e->done += n;
    e->sp = 0;
    e->kind = K_MEM;
    if (last)
        return e->done == size ? CT_VAL_OK : CT_VAL_OUT;
    return CT_EXPR_GO;
}

/* One operation: CT_EXPR_GO, or the evaluation's status. */
CT_NOINST static int ct_op_step(struct ct_expr *e, const struct ct_op *o, const struct ct_eval *x, uint8_t *out,
                                uint32_t size, bool last)
{
    uint8_t a = o->atom;
    uint64_t t;
    bool ok = true;
    int r = a >= DW_OP_breg0 && a <= DW_OP_breg31 ? a - DW_OP_breg0
            : a >= DW_OP_reg0 && a <= DW_OP_reg31 ? a - DW_OP_reg0
            : a == DW_OP_regx || a == DW_OP_bregx ? (int)(o->a & (CT_DW_NREGS - 1)) : -1;
    if (r >= 0 && !((x->valid >> r) & 1))
        return CT_VAL_OUT; /* a register the hook entry could not save */
    if (a >= DW_OP_lit0 && a <= DW_OP_lit31) {
        ok = ct_push(e, (uint64_t)(a - DW_OP_lit0));
    } else if (a >= DW_OP_breg0 && a <= DW_OP_breg31) {
        ok = ct_push(e, x->reg[a - DW_OP_breg0] + o->a);
    } else if (a >= DW_OP_reg0 && a <= DW_OP_reg31) {
        e->kind = K_REG;
        e->value = x->reg[a - DW_OP_reg0];
    } else {
        switch (a) {
        case DW_OP_regx: e->kind = K_REG; e->value = x->reg[r]; break;
        case DW_OP_bregx: ok = ct_push(e, x->reg[r] + o->b); break;
        case DW_OP_fbreg: ok = ct_push(e, x->fb + o->a); break;
        case DW_OP_call_frame_cfa: ok = ct_push(e, x->cfa); break;
        case DW_OP_const1u: case DW_OP_const1s: case DW_OP_const2u: case DW_OP_const2s:
        case DW_OP_const4u: case DW_OP_const4s: case DW_OP_const8u: case DW_OP_const8s:
        case DW_OP_constu: case DW_OP_consts:
            ok = ct_push(e, o->a);
            break;
        case DW_OP_deref:
            if (!ct_pop(e, &t))
                return CT_VAL_OUT;
            if (ct_read_mem(&t, t, 8) != CT_VAL_OK)
                return CT_VAL_UNREADABLE;
            ok = ct_push(e, t);
            break;
        case DW_OP_stack_value: ok = ct_pop(e, &e->value); e->kind = K_VALUE; break;
        case DW_OP_implicit_value: e->kind = K_IMPLICIT; e->value = o->b; e->ilen = (unsigned)o->a; break;
        case DW_OP_nop: break;
        case DW_OP_piece: return ct_op_piece(e, (uint32_t)o->a, out, size, last);
        default: ok = ct_op_arith(e, a, o->a); break;
        }
    }
    return ok ? CT_EXPR_GO : CT_VAL_OUT;
}

/* Evaluates a location into out[0, size): CT_VAL_OK, _OUT or _UNREADABLE. */
CT_NOINST static int ct_loc_read(const struct ct_loc *loc, const struct ct_eval *x, uint8_t *out,
                                 uint32_t size)
{
    int st;
    if (ct_loc_quick(loc, x, out, size, &st))
        return st;
    struct ct_expr e;
    e.sp = 0;
    e.kind = K_MEM;
    e.value = 0;
    e.ilen = 0;
    e.done = 0;
    for (unsigned i = 0; i < loc->n; i++)
        if ((st = ct_op_step(&e, &loc->ops[i], x, out, size, i + 1 == loc->n)) != CT_EXPR_GO)
            return st;
    if (e.done)
        return CT_VAL_OUT; /* pieces not covering the value */
    if (e.kind == K_MEM)
        return e.sp ? ct_read_at(x, e.st[e.sp - 1], out, size) : CT_VAL_OUT;
    if (size > 8 || (e.kind == K_IMPLICIT && size > e.ilen))
        return CT_VAL_OUT;
    memcpy(out, &e.value, size);
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
        long n = ct_probe_ours() ? ct_probe_str((char *)out + 3, (const char *)(uintptr_t)p, CT_STR_BYTES)
                                 : ct_vm_str((char *)out + 3, p, CT_STR_BYTES);
        if (n < 0) {
            st = CT_VAL_UNREADABLE;
        } else {
            len = (uint16_t)n;
            if ((unsigned long)n == CT_STR_BYTES) { /* exactly full: is there more? */
                char more = 0;
                if (ct_read_mem(&more, p + (uint64_t)n, 1) != CT_VAL_OK || more)
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
size_t ct_put_args(const struct ct_thread *t, const struct ct_fdesc *d, const struct ct_cregs *r,
                   uint64_t sp, uint64_t cfa, uint64_t site, uint8_t *buf)
{
    const uint64_t *reg = r->reg;
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
        if (p->how == CT_HOW_OUT || len + need + (d->nparams - i - 1u) > CT_VALUES_MAX ||
            (p->how != CT_HOW_EXPR && !((r->valid >> p->reg) & 1))) {
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
                x.valid = r->valid;
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
    if (p->a != CT_RP_NONE)
        x += reg[p->a];
    if (p->b != CT_RP_NONE)
        x += reg[p->b] * p->scale;
    if (p->kind == CT_RP_VAL) {
        *v = x & ct_size_mask[size];
        return CT_VAL_OK;
    }
    if (p->a == CT_RP_NONE) { /* a read-only constant (capture_code.c checked) */
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
