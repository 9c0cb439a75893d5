/* capture_ret.c — where a function's return value is while its exit hook
 * runs (capture.h, struct ct_rplan).
 *
 * The exit hook is called after the return value is computed but before it
 * is in rax or xmm0: the compiler keeps it in a callee-saved register or a
 * stack slot across the call, or computes it right after. Reading the few
 * instructions from the hook call's return address to the `ret` tells which:
 * they are simulated symbolically, every register as "its value at the hook
 * call, plus an offset" (or a load from such an address, or unknown), until
 * `ret`. Only instructions whose effect is modelled exactly are accepted:
 * register moves and loads, lea, add/sub of a constant, constants, pops,
 * leave, nops and unconditional jumps. A store, a call, a conditional branch
 * or anything else makes the site unrecognized, and the function's return
 * value is then taken by the return trampoline as before. What is accepted
 * is exact: the bytes recorded are the ones the caller receives. */
#include <string.h>

#include "capture/capture.h"

/* x86 register numbers as instructions encode them, in DWARF numbering
 * (the order of struct ct_cregs). */
static const uint8_t ct_enc2dw[16] = {0, 2, 1, 3, 7, 6, 4, 5, 8, 9, 10, 11, 12, 13, 14, 15};
enum { X_RAX = 0, X_RSP = 4, X_RBP = 5, X_NONE = 0xff };

/* A register's symbolic value: VAL = orig(a) + orig(b) * s + off (a or b
 * X_NONE: absent), MEM = the w bytes at orig(a) + off, CLOB = unknown. w: the
 * low bytes that hold the value exactly (a 32-bit operation zeroes the rest). */
enum { S_CLOB, S_VAL, S_MEM };
struct ct_sym {
    uint8_t k, a, b, s, w;
    int64_t off;
};

/* One decoded memory operand. */
struct ct_modrm {
    uint8_t mod, reg, rm; /* reg and rm with their REX bits */
    bool mem, rip;
    uint8_t base, index, scale; /* X_NONE when absent */
    int64_t disp;
};

struct ct_dec {
    const uint8_t *p, *end;
    uint64_t pc; /* runtime address of p */
};

/* A little-endian signed immediate or displacement of n (1 or 4) bytes. */
CT_NOINST static bool ct_dec_imm(struct ct_dec *d, unsigned n, int64_t *v)
{
    if ((size_t)(d->end - d->p) < n)
        return false;
    if (n == 1) {
        *v = (int8_t)d->p[0];
    } else {
        int32_t x;
        memcpy(&x, d->p, 4);
        *v = x;
    }
    d->p += n;
    return true;
}

CT_NOINST static bool ct_dec_modrm(struct ct_dec *d, uint8_t rex, struct ct_modrm *m)
{
    if (d->p >= d->end)
        return false;
    uint8_t b = *d->p++;
    m->mod = b >> 6;
    m->reg = (uint8_t)(((b >> 3) & 7) | ((rex & 4) << 1));
    m->rm = (uint8_t)((b & 7) | ((rex & 1) << 3));
    m->mem = m->mod != 3;
    m->rip = false;
    m->base = m->index = X_NONE;
    m->scale = 1;
    m->disp = 0;
    if (!m->mem)
        return true;
    unsigned rm3 = b & 7;
    if (rm3 == 4) { /* SIB */
        if (d->p >= d->end)
            return false;
        uint8_t sib = *d->p++;
        unsigned idx = ((sib >> 3) & 7) | ((rex & 2) << 2), base3 = sib & 7;
        m->scale = (uint8_t)(1u << (sib >> 6));
        if (idx != X_RSP)
            m->index = (uint8_t)idx;
        if (base3 == 5 && m->mod == 0)
            return ct_dec_imm(d, 4, &m->disp);
        m->base = (uint8_t)(base3 | ((rex & 1) << 3));
    } else if (rm3 == 5 && m->mod == 0) { /* rip + disp32 */
        m->rip = true;
        return ct_dec_imm(d, 4, &m->disp);
    } else {
        m->base = m->rm;
    }
    return m->mod == 0 || ct_dec_imm(d, m->mod == 1 ? 1 : 4, &m->disp);
}

/* Goes on decoding at a jump's target: false when it leaves the function
 * [lo, hi) (code holds its bytes) or after too many jumps. */
CT_NOINST static bool ct_dec_goto(struct ct_dec *d, const uint8_t *code, uint64_t lo, uint64_t hi,
                                  uint64_t to, unsigned *jumps)
{
    if (to < lo || to >= hi || ++*jumps > 4)
        return false;
    d->p = code + (to - lo);
    d->pc = to;
    return true;
}

/* The address a memory operand names, as a VAL; false when it depends on
 * something unknown. next: the runtime address of the next instruction. */
CT_NOINST static bool ct_addr_of(const struct ct_sym *g, const struct ct_modrm *m, uint64_t next,
                                 struct ct_sym *out)
{
    *out = (struct ct_sym){S_VAL, X_NONE, X_NONE, 1, 8, m->disp};
    if (m->rip) {
        out->off = (int64_t)(next + (uint64_t)m->disp);
        return true;
    }
    if (m->base != X_NONE) {
        const struct ct_sym *b = &g[m->base];
        if (b->k != S_VAL || b->b != X_NONE || b->w != 8)
            return false;
        out->a = b->a;
        out->off += b->off;
    }
    if (m->index != X_NONE) {
        const struct ct_sym *x = &g[m->index];
        if (x->k != S_VAL || x->b != X_NONE || x->off != 0 || x->w != 8 || x->a == X_NONE)
            return false;
        if (out->a == X_NONE) {
            if (m->scale != 1)
                return false;
            out->a = x->a;
        } else {
            out->b = x->a;
            out->s = m->scale;
        }
    }
    return true;
}

/* A value of width w (4 or 8: a 32-bit result zeroes the upper half). */
CT_NOINST static struct ct_sym ct_width(struct ct_sym v, unsigned w)
{
    if (v.w > w)
        v.w = (uint8_t)w;
    return v;
}

bool ct_ret_decode(const uint8_t *code, uint64_t lo, uint64_t hi, uint64_t pc, unsigned size,
                   bool sse, bool rbp_frame, struct ct_rplan *out)
{
    struct ct_sym g[16], x0 = {S_CLOB, 0, 0, 0, 0, 0};
    for (unsigned r = 0; r < 16; r++) {
        bool kept = r == 3 || r == X_RSP || r == X_RBP || r >= 12; /* callee-saved, and rsp */
        g[r] = kept ? (struct ct_sym){S_VAL, (uint8_t)r, X_NONE, 1, 8, 0}
                    : (struct ct_sym){S_CLOB, 0, 0, 0, 0, 0};
    }
    if (pc < lo || pc >= hi)
        return false;
    struct ct_dec d = {code + (pc - lo), code + (hi - lo), pc};
    unsigned jumps = 0;
    bool canary = false; /* the last instruction compared the stack protector's canary */
    for (unsigned n = 0; n < 48; n++) {
        if (d.p >= d.end)
            return false;
        const uint8_t *start = d.p;
        uint8_t rex = 0, pfx = 0;
        bool fs = false, after_canary = canary;
        canary = false;
        while (d.p < d.end && (*d.p == 0x66 || *d.p == 0xf2 || *d.p == 0xf3 || *d.p == 0x2e ||
                               *d.p == 0x64)) {
            if (*d.p == 0x64)
                fs = true;
            else if (*d.p != 0x2e)
                pfx = *d.p;
            d.p++;
        }
        if (d.p < d.end && (*d.p & 0xf0) == 0x40)
            rex = *d.p++;
        if (d.p >= d.end)
            return false;
        uint8_t op = *d.p++;
        bool w64 = rex & 8;
        unsigned opw = w64 ? 8 : pfx == 0x66 ? 2 : 4;
        struct ct_modrm m;
        struct ct_sym a;
#define NEXT() (d.pc + (uint64_t)(d.p - start))
        int64_t rel = 0;
        bool jcc = false; /* the stack protector's check: taken when the canary is intact */
        if (after_canary && (op == 0x74 || op == 0x75) && pfx == 0 && !rex) {
            if (!ct_dec_imm(&d, 1, &rel))
                return false;
            jcc = true;
        } else if (after_canary && op == 0x0f && d.p < d.end && (*d.p == 0x84 || *d.p == 0x85) &&
                   pfx == 0 && !rex) {
            op = (uint8_t)(*d.p++ - 0x10); /* 0x74 / 0x75 */
            if (!ct_dec_imm(&d, 4, &rel))
                return false;
            jcc = true;
        }
        if (fs) {
            /* only sub/xor %fs:0x28, r64: comparing the canary copy with the
             * thread's (-fstack-protector): the register is spent, and the
             * next instruction may branch to __stack_chk_fail */
            if ((op != 0x2b && op != 0x33) || !w64 || pfx || !ct_dec_modrm(&d, rex, &m) || !m.mem ||
                m.rip || m.base != X_NONE || m.index != X_NONE || m.disp != 0x28)
                return false;
            g[m.reg].k = S_CLOB;
            canary = true;
        } else if (jcc) {
            if (op == 0x74) { /* je: the canary is intact at the target */
                if (!ct_dec_goto(&d, code, lo, hi, NEXT() + (uint64_t)rel, &jumps))
                    return false;
                continue;
            } /* jne: the canary is intact on the way on */
        } else if (op == 0xc3) { /* ret: where the value is now */
            const struct ct_sym *v = sse ? &x0 : &g[X_RAX];
            if (size == 0) /* no value: the exit hook call is a return, that is all */
                return true;
            if (v->k == S_CLOB || v->w < size)
                return false;
            /* a load: from the function's own frame only (nothing else runs
             * between the hook and the load that could change it), or from
             * a fixed address, which the caller accepts only if read-only.
             * Through any other pointer, another thread might store to it
             * meanwhile. */
            if (v->k == S_MEM &&
                (v->b != X_NONE || (v->a == X_RSP && v->off < 0) ||
                 (v->a == X_RBP && !rbp_frame) || (v->a != X_RSP && v->a != X_RBP && v->a != X_NONE)))
                return false; /* below the stack pointer (the hook's own frame overwrote it), or not the frame */
            *out = (struct ct_rplan){v->k == S_MEM ? CT_RP_MEM : CT_RP_VAL,
                                     v->a == X_NONE ? X_NONE : ct_enc2dw[v->a],
                                     v->b == X_NONE ? X_NONE : ct_enc2dw[v->b], v->s, v->off};
            return true;
        } else if (op == 0x90 && pfx != 0xf3) { /* nop */
        } else if (op >= 0x58 && op <= 0x5f && pfx == 0) { /* pop */
            unsigned r = (op - 0x58u) | ((rex & 1u) << 3);
            if (g[X_RSP].k != S_VAL || r == X_RSP)
                return false;
            g[r].k = S_CLOB;
            g[X_RSP].off += 8;
        } else if (op == 0xc9) { /* leave: rsp = rbp + 8, rbp popped */
            if (g[X_RBP].k != S_VAL || g[X_RBP].b != X_NONE || g[X_RBP].w != 8)
                return false;
            g[X_RSP] = g[X_RBP];
            g[X_RSP].off += 8;
            g[X_RBP].k = S_CLOB;
        } else if ((op == 0xeb || op == 0xe9) && pfx == 0) { /* jmp */
            if (!ct_dec_imm(&d, op == 0xeb ? 1 : 4, &rel) ||
                !ct_dec_goto(&d, code, lo, hi, NEXT() + (uint64_t)rel, &jumps))
                return false;
            continue;
        } else if (op == 0x0f) {
            if (d.p >= d.end)
                return false;
            uint8_t op2 = *d.p++;
            if (op2 == 0x1f) { /* multi-byte nop */
                if (!ct_dec_modrm(&d, rex, &m))
                    return false;
            } else if (op2 == 0x1e && pfx == 0xf3 && d.p < d.end && *d.p == 0xfa) { /* endbr64 */
                d.p++;
            } else if ((op2 == 0xb6 || op2 == 0xb7 || op2 == 0xbe || op2 == 0xbf) && pfx == 0) {
                /* movzx / movsx: the value is the source's bytes */
                if (!ct_dec_modrm(&d, rex, &m))
                    return false;
                unsigned sw = op2 & 1 ? 2 : 1;
                if (m.mem) {
                    if (!ct_addr_of(g, &m, NEXT(), &a))
                        return false;
                    a.k = S_MEM;
                    a.w = (uint8_t)sw;
                    g[m.reg] = a;
                } else if (sw == 1 && m.rm >= 4 && m.rm < 8 && !rex) {
                    return false; /* ah, ch, dh, bh */
                } else {
                    g[m.reg] = ct_width(g[m.rm], sw);
                }
            } else if ((op2 == 0x10 && (pfx == 0xf3 || pfx == 0xf2)) ||
                       (op2 == 0x7e && pfx == 0xf3)) { /* movss / movsd / movq to xmm */
                if (!ct_dec_modrm(&d, rex, &m))
                    return false;
                unsigned sw = pfx == 0xf3 && op2 == 0x10 ? 4 : 8;
                if (m.reg == 0) {
                    if (!m.mem || !ct_addr_of(g, &m, NEXT(), &a))
                        return false; /* from another xmm register: unknown */
                    a.k = S_MEM;
                    a.w = (uint8_t)sw;
                    x0 = a;
                }
            } else if (op2 == 0x6e && pfx == 0x66) { /* movd / movq r/m to xmm */
                if (!ct_dec_modrm(&d, rex, &m))
                    return false;
                if (m.reg == 0) {
                    if (m.mem) {
                        if (!ct_addr_of(g, &m, NEXT(), &a))
                            return false;
                        a.k = S_MEM;
                        a.w = (uint8_t)(w64 ? 8 : 4);
                        x0 = a;
                    } else {
                        x0 = ct_width(g[m.rm], w64 ? 8 : 4);
                    }
                }
            } else {
                return false;
            }
        } else if ((op == 0x89 || op == 0x8b) && pfx != 0xf2 && pfx != 0xf3) { /* mov */
            if (!ct_dec_modrm(&d, rex, &m))
                return false;
            if (op == 0x89 && m.mem)
                return false; /* a store */
            unsigned dst = op == 0x89 ? m.rm : m.reg;
            if (m.mem) {
                if (!ct_addr_of(g, &m, NEXT(), &a))
                    return false;
                a.k = S_MEM;
                a.w = (uint8_t)opw;
            } else {
                a = ct_width(g[op == 0x89 ? m.reg : m.rm], opw);
            }
            if (opw == 2 && g[dst].k != S_CLOB)
                return false; /* a 16-bit write keeps the rest of the register */
            if (dst == X_RSP && (a.k != S_VAL || a.b != X_NONE || a.w != 8))
                return false;
            g[dst] = a;
        } else if (op == 0x8d && pfx == 0) { /* lea */
            if (!ct_dec_modrm(&d, rex, &m) || !m.mem)
                return false;
            if (!ct_addr_of(g, &m, NEXT(), &a))
                return false;
            a = ct_width(a, opw);
            if (m.reg == X_RSP && (a.b != X_NONE || a.w != 8))
                return false;
            g[m.reg] = a;
        } else if ((op == 0x83 || op == 0x81) && pfx == 0) { /* add / sub $imm */
            if (!ct_dec_modrm(&d, rex, &m) || m.mem || ((m.reg & 7) != 0 && (m.reg & 7) != 5))
                return false;
            int64_t imm;
            if (!ct_dec_imm(&d, op == 0x83 ? 1 : 4, &imm))
                return false;
            struct ct_sym *r = &g[m.rm];
            if (r->k != S_VAL) {
                if (m.rm == X_RSP)
                    return false;
                r->k = S_CLOB;
            } else {
                r->off += (m.reg & 7) == 5 ? -imm : imm;
                *r = ct_width(*r, opw);
                if (m.rm == X_RSP && r->w != 8)
                    return false;
            }
        } else if ((op == 0x31 || op == 0x33) && pfx == 0) { /* xor r, r: zero */
            if (!ct_dec_modrm(&d, rex, &m) || m.mem || m.reg != m.rm || m.rm == X_RSP)
                return false;
            g[m.rm] = (struct ct_sym){S_VAL, X_NONE, X_NONE, 1, 8, 0};
        } else if (op >= 0xb8 && op <= 0xbf && pfx == 0) { /* mov $imm, r */
            unsigned r = (op - 0xb8u) | ((rex & 1u) << 3);
            uint64_t v = 0;
            unsigned n2 = w64 ? 8 : 4;
            if ((size_t)(d.end - d.p) < n2 || r == X_RSP)
                return false;
            memcpy(&v, d.p, n2);
            d.p += n2;
            g[r] = (struct ct_sym){S_VAL, X_NONE, X_NONE, 1, 8, (int64_t)v};
        } else if (op == 0xc7 && pfx == 0) { /* mov $imm32, r/m */
            if (!ct_dec_modrm(&d, rex, &m) || m.mem || (m.reg & 7) != 0 || m.rm == X_RSP)
                return false;
            int64_t imm;
            if (!ct_dec_imm(&d, 4, &imm))
                return false;
            uint64_t v = w64 ? (uint64_t)imm : (uint32_t)imm;
            g[m.rm] = (struct ct_sym){S_VAL, X_NONE, X_NONE, 1, 8, (int64_t)v};
        } else if (op == 0x63 && w64 && pfx == 0) { /* movsxd */
            if (!ct_dec_modrm(&d, rex, &m))
                return false;
            if (m.mem) {
                if (!ct_addr_of(g, &m, NEXT(), &a))
                    return false;
                a.k = S_MEM;
                a.w = 4;
            } else {
                a = ct_width(g[m.rm], 4);
            }
            if (m.reg == X_RSP)
                return false;
            g[m.reg] = a;
        } else {
            return false;
        }
#undef NEXT
        d.pc += (uint64_t)(d.p - start);
    }
    return false;
}
