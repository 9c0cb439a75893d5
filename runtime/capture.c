/* capture.c — recording argument and return values (capture.h).
 *
 * Enter (ct_args_enter_c, called by capture_entry.S with the instrumented
 * function's callee-saved registers): the enter record goes through the
 * hooks' own path (hooks.c keeps the thread busy for us), then the
 * function's descriptor is looked up and, if the hook was called from the
 * call site the descriptor was built for, each parameter's location is
 * evaluated and its bytes appended in one extension record. Then the
 * return address is hijacked: the slot below the CFA must hold exactly the
 * call site the hook was given (otherwise nothing is touched), the real
 * address goes on a per-thread shadow stack, and ct_ret_tramp takes its
 * place.
 *
 * Return (ct_ret_c, from ct_ret_tramp): the shadow entry is the one whose
 * CFA is the stack pointer the trampoline was entered with; entries above it
 * on the same stack belong to frames a longjmp abandoned and are dropped.
 * The return registers are recorded by the function's SysV classification
 * and the real address goes back to the trampoline.
 *
 * Exceptions and forced unwinds (pthread_exit) reach the trampoline's
 * personality routine (ct_tramp_personality) for each hijacked frame they
 * pass: it puts the real return address back before the unwinder reads it
 * and flags the entry, so the frame's exit hook, run by its cleanup, records
 * the call as unwound. Pointers the program passes are read through
 * ct_probe_copy/ct_probe_str, which a fault cannot crash (signals.c). */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>
#include <unwind.h>

#include <libdwarf/dwarf.h>

#include "capture.h"
#include "clock.h"
#include "config.h"
#include "hooks.h"
#include "spill.h"
#include "thread.h"

struct ct_ftab ct_capture_tab;
bool ct_capture_retval;
bool ct_probe_armed;

struct ct_cregs {
    uint64_t rbx, rbp, r12, r13, r14, r15;
};
struct ct_retregs {
    uint64_t rax, rdx;
    uint8_t xmm0[16], xmm1[16];
    uint64_t cfa;
};

/* capture_entry.S */
extern char ct_ret_tramp[];
extern char ct_probe_lo[], ct_probe_hi[], ct_probe_fault[];
CT_INTERNAL int ct_probe_copy(void *dst, const void *src, size_t n);
CT_INTERNAL long ct_probe_str(char *dst, const char *src, size_t max);
CT_INTERNAL void ct_args_enter_c(void *fn, void *site, uint64_t gate, uint64_t sp,
                                 const struct ct_cregs *r);
CT_INTERNAL uint64_t ct_ret_c(struct ct_retregs *rr);
__attribute__((visibility("hidden"))) _Unwind_Reason_Code
ct_tramp_personality(int version, _Unwind_Action actions, _Unwind_Exception_Class cls,
                     struct _Unwind_Exception *ex, struct _Unwind_Context *ctx);

/* ---- the shadow stack ---------------------------------------------------- */

enum { CT_SH_UNWINDING = 1u };
struct ct_shent {
    uint64_t cfa, ra, fn;
    const struct ct_fdesc *d;
};
struct ct_shadow {
    uint32_t n, cap;
    volatile uint32_t busy;
    uint8_t *flags; /* per entry: CT_SH_UNWINDING */
    uint8_t *buf;   /* CT_VALUES_MAX + 16: the values being recorded (under t->busy) */
    struct ct_shent e[];
};
#define CT_SHADOW_CAP 2048u
static __thread struct ct_shadow *ct_sh __attribute__((tls_model("initial-exec")));
static pthread_key_t ct_sh_key;
static bool ct_sh_key_ok;

CT_NOINST static size_t ct_shadow_bytes(void)
{
    return sizeof(struct ct_shadow) + CT_SHADOW_CAP * (sizeof(struct ct_shent) + 1) + CT_VALUES_MAX + 16;
}

CT_NOINST static void ct_record_ret(const struct ct_shent *e, const struct ct_retregs *rr,
                                    bool unwound);

/* The thread is ending (its key destructor; created before the thread
 * registry's, so this runs while the thread is still registered). Frames
 * still on the shadow stack never returned: pthread_exit or a cancellation
 * unwound them and glibc's stop function ended the unwind before their
 * trampoline frames were reached. The last exit recorded is the outermost
 * one's: it says unwound. */
CT_NOINST static void ct_shadow_free(void *p)
{
    struct ct_shadow *sh = p;
    if (!sh)
        return;
    while (sh->n > 0) {
        struct ct_shent e = sh->e[--sh->n];
        ct_record_ret(&e, NULL, true);
    }
    ct_sh = NULL;
    munmap(sh, ct_shadow_bytes());
}

CT_NOINST static struct ct_shadow *ct_shadow(void)
{
    struct ct_shadow *sh = ct_sh;
    if (CT_LIKELY(sh != NULL))
        return sh;
    void *p = mmap(NULL, ct_shadow_bytes(), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    sh = p;
    sh->cap = CT_SHADOW_CAP;
    sh->flags = (uint8_t *)&sh->e[CT_SHADOW_CAP];
    sh->buf = sh->flags + CT_SHADOW_CAP;
    ct_sh = sh;
    if (ct_sh_key_ok)
        pthread_setspecific(ct_sh_key, sh);
    return sh;
}

/* ---- reading values ------------------------------------------------------ */

struct ct_eval {
    uint64_t reg[16];
    uint64_t cfa, fb;
    uint64_t stack_lo, stack_hi; /* the live part of this thread's stack: read directly */
    const struct ct_csite *cs; /* the caller's constants for this call, or NULL */
};

CT_NOINST static bool ct_readable(uint64_t p)
{
    return ct_probe_armed && p >= 4096 && p < (UINT64_C(1) << 47);
}

CT_NOINST static int ct_read_mem(void *dst, uint64_t src, size_t n)
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

/* Room one value may need at most. */
#define CT_ONE_VALUE_MAX (1 + CT_VAL_BYTES + 1 + CT_VAL_BYTES + 3 + CT_STR_BYTES)

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

/* Appends the extension record and its payload; t->busy is held. */
CT_NOINST static void ct_put_values(struct ct_thread *t, unsigned type, uint32_t sig,
                                    uint8_t *data, size_t len)
{
    uint32_t k = 1 + (uint32_t)CT_EXT_PAYLOAD_EVENTS(len);
    uint32_t c = atomic_load_explicit(&t->count, memory_order_relaxed);
    uint64_t ticks = c ? CT_EV_TICKS(&t->buf[c - 1]) : ct_clock_ticks();
    struct ct_event *e = ct_thread_reserve(t, k);
    __atomic_store_n(&e->word, CT_EV_WORD(ticks, CT_EV_EXT), __ATOMIC_RELAXED);
    __atomic_store_n(&e->addr, CT_EXT_ADDR(type, ((uint64_t)sig << 32) | len), __ATOMIC_RELAXED);
    uint64_t *dst = (uint64_t *)(e + 1);
    memset(data + len, 0, (k - 1) * sizeof(struct ct_event) - len); /* the last record's tail */
    for (size_t i = 0; i < (size_t)(k - 1) * 2; i++) {
        uint64_t w;
        memcpy(&w, data + i * 8, 8);
        __atomic_store_n(&dst[i], w, __ATOMIC_RELAXED);
    }
    ct_thread_commit(t, k);
}

/* ---- enter --------------------------------------------------------------- */

/* The call site a hook is given is the physical frame's return address:
 * once hijacked, ct_ret_tramp. The real one is on the shadow stack (the
 * innermost hijacked frame is the one the hook's caller runs in). */
CT_NOINST static void *ct_real_site(void *site)
{
    struct ct_shadow *sh = ct_sh;
    if (site == (void *)ct_ret_tramp && sh && sh->n)
        return (void *)(uintptr_t)sh->e[sh->n - 1].ra;
    return site;
}

void ct_args_enter_c(void *fn, void *site, uint64_t gate, uint64_t sp, const struct ct_cregs *r)
{
    int saved = errno;
    site = ct_real_site(site);
    struct ct_thread *t = ct_hook_enter_hold(fn, site, gate, sp);
    if (!t) {
        errno = saved;
        return;
    }
    const struct ct_fdesc *d = ct_ftab_find(&ct_capture_tab, (uint64_t)(uintptr_t)fn);
    uint64_t hpc = ((const uint64_t *)(uintptr_t)sp)[-1];
    bool here = d && d->hook_pc == hpc && d->cfa_reg >= 0;
    struct ct_eval x;
    if (here) {
        memset(x.reg, 0, sizeof(x.reg));
        x.reg[3] = r->rbx;
        x.reg[6] = r->rbp;
        x.reg[7] = sp;
        x.reg[12] = r->r12;
        x.reg[13] = r->r13;
        x.reg[14] = r->r14;
        x.reg[15] = r->r15;
        x.cfa = x.reg[d->cfa_reg] + (uint64_t)d->cfa_off;
        x.fb = d->fb == CT_FB_CFA ? x.cfa : d->fb == CT_FB_REG ? x.reg[d->fb_reg] : 0;
        x.cs = ct_ftab_callsite(&ct_capture_tab, (uint64_t)(uintptr_t)site);
        /* from the hook's stack pointer to the top of the thread's stack */
        x.stack_lo = sp;
        x.stack_hi = sp >= t->stack_lo && sp < t->stack_hi ? t->stack_hi : sp;
        if (x.cs && x.cs->callee != d->die && x.cs->callee != d->origin)
            x.cs = NULL; /* that call went elsewhere: we were reached by a tail call */
    }
    struct ct_shadow *shb = d ? ct_shadow() : NULL;
    if (d && shb) {
        uint8_t *buf = shb->buf;
        size_t len = 0;
        for (uint16_t i = 0; i < d->nparams; i++) {
            if (!here || !d->params[i].loc.n ||
                len + CT_ONE_VALUE_MAX + (d->nparams - i) > CT_VALUES_MAX)
                buf[len++] = CT_VAL_OUT;
            else
                len += ct_put_param(buf + len, &d->params[i], &x);
        }
        ct_put_values(t, CT_EXT_ARGS, d->sig, buf, len);
    }
    /* hijack the return address */
    if (here && ct_capture_retval) {
        uint64_t *slot = (uint64_t *)(uintptr_t)(x.cfa - 8);
        struct ct_shadow *sh = ct_shadow();
        if (sh && !sh->busy && *slot == (uint64_t)(uintptr_t)site) {
            sh->busy = 1;
            atomic_signal_fence(memory_order_seq_cst);
            while (sh->n > 0 && sh->e[sh->n - 1].cfa <= x.cfa &&
                   ct_same_stack(t, sh->e[sh->n - 1].cfa, x.cfa))
                sh->n--; /* frames a longjmp abandoned */
            if (sh->n < sh->cap) {
                sh->e[sh->n] = (struct ct_shent){x.cfa, *slot, (uint64_t)(uintptr_t)fn, d};
                sh->flags[sh->n] = 0;
                sh->n++;
                atomic_signal_fence(memory_order_seq_cst);
                *slot = (uint64_t)(uintptr_t)ct_ret_tramp;
            }
            atomic_signal_fence(memory_order_seq_cst);
            sh->busy = 0;
        }
    }
    atomic_signal_fence(memory_order_seq_cst);
    t->busy = 0;
    errno = saved;
}

/* ---- return -------------------------------------------------------------- */

/* Records a return value (or, with unwound, that the call was unwound). */
CT_NOINST static void ct_record_ret(const struct ct_shent *e, const struct ct_retregs *rr,
                                    bool unwound)
{
    struct ct_thread *t = ct_self;
    uint64_t g = atomic_load_explicit(&ct_gate, memory_order_relaxed);
    const struct ct_fdesc *d = e->d;
    if (!t || CT_GATE_HOOK(g) != CT_HOOK_REC_ARGS || t->gate_seen != g || t->busy)
        return;
    if (!unwound && !d->ret)
        return; /* void: nothing to add to the exit */
    struct ct_shadow *sh = ct_shadow();
    if (!sh)
        return;
    t->busy = 1;
    atomic_signal_fence(memory_order_seq_cst);
    uint8_t *buf = sh->buf;
    memcpy(buf, &e->fn, 8);
    size_t len = 8;
    if (unwound) {
        buf[len++] = CT_VAL_UNWOUND;
    } else {
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
    }
    ct_put_values(t, CT_EXT_RETVAL, d->sig, buf, len);
    atomic_signal_fence(memory_order_seq_cst);
    t->busy = 0;
}

uint64_t ct_ret_c(struct ct_retregs *rr)
{
    int saved = errno;
    struct ct_shadow *sh = ct_sh;
    uint64_t cfa = rr->cfa;
    uint32_t k = sh ? sh->n : 0;
    while (k > 0 && sh->e[k - 1].cfa != cfa)
        k--;
    if (k == 0) { /* cannot happen: the trampoline is only ever planted with an entry */
        ct_log("return trampoline without its shadow entry (cfa %#llx): aborting",
               (unsigned long long)cfa);
        abort();
    }
    sh->busy = 1;
    atomic_signal_fence(memory_order_seq_cst);
    struct ct_shent e = sh->e[k - 1];
    /* above it: frames below this one on the same stack are gone (longjmp);
     * frames on other stacks (coroutines) stay */
    struct ct_thread *t = ct_self;
    uint32_t w = k - 1;
    for (uint32_t i = k; i < sh->n; i++)
        if (!(sh->e[i].cfa < cfa && t && ct_same_stack(t, sh->e[i].cfa, cfa))) {
            sh->flags[w] = sh->flags[i];
            sh->e[w++] = sh->e[i];
        }
    sh->n = w;
    atomic_signal_fence(memory_order_seq_cst);
    sh->busy = 0;
    ct_record_ret(&e, rr, false);
    errno = saved;
    return e.ra;
}

/* The argument-capturing set's exit hook: the exit, and for a frame an
 * exception is unwinding, the mark that says so. */
void ct_args_exit(void *fn, void *site, uint64_t gate, uint64_t sp)
{
    ct_hook_event(fn, ct_real_site(site), gate, CT_EV_EXIT, sp);
    struct ct_shadow *sh = ct_sh;
    if (sh && sh->n && !sh->busy && sh->e[sh->n - 1].fn == (uint64_t)(uintptr_t)fn &&
        (sh->flags[sh->n - 1] & CT_SH_UNWINDING)) {
        int saved = errno;
        sh->busy = 1;
        atomic_signal_fence(memory_order_seq_cst);
        struct ct_shent e = sh->e[--sh->n];
        atomic_signal_fence(memory_order_seq_cst);
        sh->busy = 0;
        ct_record_ret(&e, NULL, true);
        errno = saved;
    }
}

_Unwind_Reason_Code ct_tramp_personality(int version, _Unwind_Action actions,
                                         _Unwind_Exception_Class cls,
                                         struct _Unwind_Exception *ex,
                                         struct _Unwind_Context *ctx)
{
    (void)version, (void)cls, (void)ex;
    uint64_t cfa = (uint64_t)_Unwind_GetCFA(ctx);
    struct ct_shadow *sh = ct_sh;
    uint32_t k = sh ? sh->n : 0;
    while (k > 0 && sh->e[k - 1].cfa != cfa)
        k--;
    if (k == 0)
        return _URC_CONTINUE_UNWIND;
    uint64_t *slot = (uint64_t *)(uintptr_t)(cfa - 8);
    if (*slot == (uint64_t)(uintptr_t)ct_ret_tramp)
        *slot = sh->e[k - 1].ra;
    if (actions & _UA_SEARCH_PHASE) {
        /* an exception: the frame's cleanup (its exit hook) runs later, in
         * the second phase, and records it unwound (ct_args_exit) */
        sh->flags[k - 1] |= CT_SH_UNWINDING;
        return _URC_CONTINUE_UNWIND;
    }
    /* a forced unwind (pthread_exit, cancellation) has no search phase: the
     * frame's cleanup already ran its exit hook, just before this */
    struct ct_shent e = sh->e[k - 1];
    sh->busy = 1;
    atomic_signal_fence(memory_order_seq_cst);
    sh->n = k - 1;
    atomic_signal_fence(memory_order_seq_cst);
    sh->busy = 0;
    ct_record_ret(&e, NULL, true);
    return _URC_CONTINUE_UNWIND;
}

/* ---- probes and init ----------------------------------------------------- */

bool ct_probe_recover(void *ucontext)
{
    ucontext_t *uc = ucontext;
    greg_t *ip = &uc->uc_mcontext.gregs[REG_RIP];
    if ((uintptr_t)*ip >= (uintptr_t)ct_probe_lo && (uintptr_t)*ip < (uintptr_t)ct_probe_hi) {
        *ip = (greg_t)(uintptr_t)ct_probe_fault;
        return true;
    }
    return false;
}

void ct_capture_early(void)
{
    ct_sh_key_ok = pthread_key_create(&ct_sh_key, ct_shadow_free) == 0;
}

int ct_capture_init(void)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0)
        return -1;
    exe[n] = '\0';
    long k = ct_ftab_load(&ct_capture_tab, exe, ct_exe_bias(), true);
    if (k < 0) {
        ct_log("CALLTRACE_CAPTURE_ARGS: no usable DWARF in %s: recording without values", exe);
        return -1;
    }
    ct_capture_retval = ct_cfg.capture_retval;
    ct_debug("capture: %ld functions described", k);
    return 0;
}
