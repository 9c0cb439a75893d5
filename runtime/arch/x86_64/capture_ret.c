/* capture_ret.c — where a function's return value is while its exit hook
 * runs (capture.h, struct ct_rplan).
 *
 * The exit hook is called after the return value is computed but before it
 * is in rax or xmm0: the compiler keeps it in a callee-saved register or a
 * stack slot across the call, or computes it right after. Reading the few
 * instructions from the hook call's return address to the `ret` tells which:
 * they are decoded (x86_decode.c) and simulated symbolically, every register
 * as "its value at the hook call, plus an offset" (or a load from such an
 * address, or unknown), until `ret`. Only instructions whose effect is
 * modelled exactly are accepted, each by its handler below: register moves
 * and loads, lea, add/sub of a constant, constants, pops, leave, nops and
 * unconditional jumps. A store, a call, a conditional branch or anything
 * else makes the site unrecognized, and the function's return value is then
 * taken by the return trampoline as before. What is accepted is exact: the
 * bytes recorded are the ones the caller receives. */
#include <string.h>

#include "arch/x86_64/x86_decode.h"
#include "arch/x86_64/x86_regs.h"
#include "capture/capture.h"

#define CT_RET_MAX_INSNS 48 /* instructions simulated from the hook call to `ret` */
#define CT_RET_MAX_JUMPS 4  /* jumps followed */
#define CT_CANARY_OFF 0x28  /* %fs:0x28, glibc's stack protector canary */
#define X_PFX_OPSIZE 0x66
#define X_PFX_REPNE 0xf2
#define X_PFX_REP 0xf3
#define X_REX_W 8
#define X_REX_B 1
#define X_OP_MOV_STORE 0x89 /* mov r/m, r (0x8b: mov r, r/m) */
#define X_OP_XOR_LOAD 0x33  /* xor r, r/m (0x31: xor r/m, r) */
#define X_OP2_MOVS 0x10     /* 0f 10: movss (f3), movsd (f2) */
#define X_OP2_MOVQ 0x7e     /* f3 0f 7e: movq xmm, xmm/m64 */

/* A register's symbolic value: VAL = orig(a) + orig(b) * s + off (a or b
 * CT_X86_NONE: absent), MEM = the w bytes at orig(a) + off, CLOB = unknown.
 * w: the low bytes that hold the value exactly (a 32-bit operation zeroes
 * the rest). Registers in their encoding's numbering. */
enum { S_CLOB, S_VAL, S_MEM };
struct ct_sym {
    uint8_t k, a, b, s, w;
    int64_t off;
};

/* The simulation: the registers, xmm0, and what the caller asked. */
struct ct_rsim {
    struct ct_sym g[CT_X86_NREGS], x0;
    bool canary;       /* the last instruction compared the stack protector's canary */
    bool after_canary; /* the one before did (for the instruction at hand) */
    unsigned size;     /* of the return value; 0: void */
    bool sse, rbp_frame;
    uint64_t next;     /* runtime address of the next instruction */
    uint64_t to;       /* a jump's target */
    struct ct_rplan *out;
};

/* What a handler says: refused, go on, go on at s->to, or the plan is out. */
enum { R_FAIL, R_NEXT, R_JUMP, R_DONE };
typedef int (*ct_rhandler)(struct ct_rsim *s, const struct ct_x86_insn *in);

/* A value of width w (4 or 8: a 32-bit result zeroes the upper half). */
CT_NOINST static struct ct_sym ct_width(struct ct_sym v, unsigned w)
{
    if (v.w > w)
        v.w = (uint8_t)w;
    return v;
}

CT_NOINST static struct ct_sym ct_const(uint64_t v)
{
    return (struct ct_sym){S_VAL, CT_X86_NONE, CT_X86_NONE, 1, 8, (int64_t)v};
}

/* The operand width of an integer instruction. */
CT_NOINST static unsigned ct_opw(const struct ct_x86_insn *in)
{
    return in->rex & X_REX_W ? 8 : in->pfx == X_PFX_OPSIZE ? 2 : 4;
}

/* The address a memory operand names, as a VAL; false when it depends on
 * something unknown. */
CT_NOINST static bool ct_addr_of(const struct ct_rsim *s, const struct ct_x86_modrm *m, struct ct_sym *out)
{
    *out = (struct ct_sym){S_VAL, CT_X86_NONE, CT_X86_NONE, 1, 8, m->disp};
    if (m->rip) {
        out->off = (int64_t)(s->next + (uint64_t)m->disp);
        return true;
    }
    if (m->base != CT_X86_NONE) {
        const struct ct_sym *b = &s->g[m->base];
        if (b->k != S_VAL || b->b != CT_X86_NONE || b->w != 8)
            return false;
        out->a = b->a;
        out->off += b->off;
    }
    if (m->index != CT_X86_NONE) {
        const struct ct_sym *x = &s->g[m->index];
        if (x->k != S_VAL || x->b != CT_X86_NONE || x->off != 0 || x->w != 8 || x->a == CT_X86_NONE)
            return false;
        if (out->a == CT_X86_NONE) {
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

/* The w bytes a memory operand names, as a MEM. */
CT_NOINST static bool ct_load_of(const struct ct_rsim *s, const struct ct_x86_modrm *m, unsigned w,
                                 struct ct_sym *out)
{
    if (!ct_addr_of(s, m, out))
        return false;
    out->k = S_MEM;
    out->w = (uint8_t)w;
    return true;
}

/* ---- the handlers, one per kind of instruction ---------------------------- */

/* sub/xor %fs:0x28, r64: comparing the canary copy with the thread's
 * (-fstack-protector): the register is spent, and the next instruction may
 * branch to __stack_chk_fail. The only use of %fs accepted. */
CT_NOINST static int h_canary(struct ct_rsim *s, const struct ct_x86_insn *in)
{
    const struct ct_x86_modrm *m = &in->m;
    if ((in->kind != CT_X86_SUB && !(in->kind == CT_X86_XOR && in->op == X_OP_XOR_LOAD)) || !(in->rex & X_REX_W) ||
        in->pfx || !m->mem || m->rip || m->base != CT_X86_NONE || m->index != CT_X86_NONE ||
        m->disp != CT_CANARY_OFF)
        return R_FAIL;
    s->g[m->reg].k = S_CLOB;
    s->canary = true;
    return R_NEXT;
}

/* je/jne right after the canary check: taken (je) or not (jne) when the
 * canary is intact. */
CT_NOINST static int h_jcc(struct ct_rsim *s, const struct ct_x86_insn *in)
{
    if (!s->after_canary || in->pfx || in->rex)
        return R_FAIL;
    if (in->cc != 0)
        return R_NEXT; /* jne: the canary is intact on the way on */
    s->to = s->next + (uint64_t)in->imm;
    return R_JUMP;
}

CT_NOINST static int h_jmp(struct ct_rsim *s, const struct ct_x86_insn *in)
{
    if (in->pfx)
        return R_FAIL;
    s->to = s->next + (uint64_t)in->imm;
    return R_JUMP;
}

/* ret: where the value is now. */
CT_NOINST static int h_ret(struct ct_rsim *s, const struct ct_x86_insn *in)
{
    (void)in;
    const struct ct_sym *v = s->sse ? &s->x0 : &s->g[CT_X86_RAX];
    if (s->size == 0) /* no value: the exit hook call is a return, that is all */
        return R_DONE;
    if (v->k == S_CLOB || v->w < s->size)
        return R_FAIL;
    /* a load: from the function's own frame only (nothing else runs between
     * the hook and the load that could change it), or from a fixed address,
     * which the caller accepts only if read-only. Through any other pointer,
     * another thread might store to it meanwhile. Below the stack pointer,
     * the hook's own frame overwrote it. */
    if (v->k == S_MEM &&
        (v->b != CT_X86_NONE || (v->a == CT_X86_RSP && v->off < 0) || (v->a == CT_X86_RBP && !s->rbp_frame) ||
         (v->a != CT_X86_RSP && v->a != CT_X86_RBP && v->a != CT_X86_NONE)))
        return R_FAIL;
    *s->out = (struct ct_rplan){v->k == S_MEM ? CT_RP_MEM : CT_RP_VAL,
                                v->a == CT_X86_NONE ? CT_RP_NONE : ct_x86_dwarf_reg(v->a),
                                v->b == CT_X86_NONE ? CT_RP_NONE : ct_x86_dwarf_reg(v->b), v->s, v->off};
    return R_DONE;
}

CT_NOINST static int h_nop(struct ct_rsim *s, const struct ct_x86_insn *in)
{
    (void)s;
    /* f3 90 is pause; with REX.B, 90 is xchg r8, rax */
    return in->pfx == X_PFX_REP || (in->rex & X_REX_B) ? R_FAIL : R_NEXT;
}

CT_NOINST static int h_nop_rm(struct ct_rsim *s, const struct ct_x86_insn *in)
{
    (void)s, (void)in;
    return R_NEXT;
}

CT_NOINST static int h_endbr(struct ct_rsim *s, const struct ct_x86_insn *in)
{
    (void)s;
    return in->pfx == X_PFX_REP ? R_NEXT : R_FAIL;
}

CT_NOINST static int h_pop(struct ct_rsim *s, const struct ct_x86_insn *in)
{
    if (in->pfx || s->g[CT_X86_RSP].k != S_VAL || in->reg == CT_X86_RSP)
        return R_FAIL;
    s->g[in->reg].k = S_CLOB;
    s->g[CT_X86_RSP].off += 8;
    return R_NEXT;
}

/* leave: rsp = rbp + 8, rbp popped. */
CT_NOINST static int h_leave(struct ct_rsim *s, const struct ct_x86_insn *in)
{
    (void)in;
    struct ct_sym *bp = &s->g[CT_X86_RBP];
    if (bp->k != S_VAL || bp->b != CT_X86_NONE || bp->w != 8)
        return R_FAIL;
    s->g[CT_X86_RSP] = *bp;
    s->g[CT_X86_RSP].off += 8;
    bp->k = S_CLOB;
    return R_NEXT;
}

/* mov r/m, r (89: a store unless to a register) and mov r, r/m (8b). */
CT_NOINST static int h_mov(struct ct_rsim *s, const struct ct_x86_insn *in)
{
    const struct ct_x86_modrm *m = &in->m;
    bool store = in->op == X_OP_MOV_STORE;
    unsigned opw = ct_opw(in);
    if (in->pfx == X_PFX_REPNE || in->pfx == X_PFX_REP || (store && m->mem))
        return R_FAIL;
    unsigned dst = store ? m->rm : m->reg;
    struct ct_sym a;
    if (m->mem) {
        if (!ct_load_of(s, m, opw, &a))
            return R_FAIL;
    } else {
        a = ct_width(s->g[store ? m->reg : m->rm], opw);
    }
    if (opw == 2 && s->g[dst].k != S_CLOB)
        return R_FAIL; /* a 16-bit write keeps the rest of the register */
    if (dst == CT_X86_RSP && (a.k != S_VAL || a.b != CT_X86_NONE || a.w != 8))
        return R_FAIL;
    s->g[dst] = a;
    return R_NEXT;
}

/* movzx / movsx: the value is the source's bytes. */
CT_NOINST static int h_movx(struct ct_rsim *s, const struct ct_x86_insn *in)
{
    const struct ct_x86_modrm *m = &in->m;
    unsigned sw = in->op & 1 ? 2 : 1;
    if (in->pfx)
        return R_FAIL;
    if (m->mem) {
        struct ct_sym a;
        if (!ct_load_of(s, m, sw, &a))
            return R_FAIL;
        s->g[m->reg] = a;
    } else if (sw == 1 && m->rm >= 4 && m->rm < 8 && !in->rex) {
        return R_FAIL; /* ah, ch, dh, bh */
    } else {
        s->g[m->reg] = ct_width(s->g[m->rm], sw);
    }
    return R_NEXT;
}

CT_NOINST static int h_movsxd(struct ct_rsim *s, const struct ct_x86_insn *in)
{
    const struct ct_x86_modrm *m = &in->m;
    struct ct_sym a;
    if (!(in->rex & X_REX_W) || in->pfx)
        return R_FAIL;
    if (m->mem) {
        if (!ct_load_of(s, m, 4, &a))
            return R_FAIL;
    } else {
        a = ct_width(s->g[m->rm], 4);
    }
    if (m->reg == CT_X86_RSP)
        return R_FAIL;
    s->g[m->reg] = a;
    return R_NEXT;
}

CT_NOINST static int h_lea(struct ct_rsim *s, const struct ct_x86_insn *in)
{
    const struct ct_x86_modrm *m = &in->m;
    struct ct_sym a;
    if (in->pfx || !m->mem || !ct_addr_of(s, m, &a))
        return R_FAIL;
    a = ct_width(a, ct_opw(in));
    if (m->reg == CT_X86_RSP && (a.b != CT_X86_NONE || a.w != 8))
        return R_FAIL;
    s->g[m->reg] = a;
    return R_NEXT;
}

/* add / sub $imm, r */
CT_NOINST static int h_alu_imm(struct ct_rsim *s, const struct ct_x86_insn *in)
{
    const struct ct_x86_modrm *m = &in->m;
    unsigned ext = m->reg & 7; /* /0 add, /5 sub */
    if (in->pfx || m->mem || (ext != 0 && ext != 5))
        return R_FAIL;
    struct ct_sym *r = &s->g[m->rm];
    if (r->k != S_VAL) {
        if (m->rm == CT_X86_RSP)
            return R_FAIL;
        r->k = S_CLOB;
        return R_NEXT;
    }
    r->off += ext == 5 ? -in->imm : in->imm;
    *r = ct_width(*r, ct_opw(in));
    return m->rm == CT_X86_RSP && r->w != 8 ? R_FAIL : R_NEXT;
}

/* xor r, r: zero. */
CT_NOINST static int h_xor(struct ct_rsim *s, const struct ct_x86_insn *in)
{
    const struct ct_x86_modrm *m = &in->m;
    if (in->pfx || m->mem || m->reg != m->rm || m->rm == CT_X86_RSP)
        return R_FAIL;
    s->g[m->rm] = ct_const(0);
    return R_NEXT;
}

/* mov $imm, r */
CT_NOINST static int h_mov_imm(struct ct_rsim *s, const struct ct_x86_insn *in)
{
    if (in->pfx || in->reg == CT_X86_RSP)
        return R_FAIL;
    s->g[in->reg] = ct_const((uint64_t)in->imm);
    return R_NEXT;
}

/* mov $imm32, r (c7 /0; sign-extended to 64 bits with REX.W) */
CT_NOINST static int h_mov_imm_rm(struct ct_rsim *s, const struct ct_x86_insn *in)
{
    const struct ct_x86_modrm *m = &in->m;
    if (in->pfx || m->mem || (m->reg & 7) != 0 || m->rm == CT_X86_RSP)
        return R_FAIL;
    s->g[m->rm] = ct_const(in->rex & X_REX_W ? (uint64_t)in->imm : (uint32_t)in->imm);
    return R_NEXT;
}

/* movss / movsd / movq to xmm: only a load into xmm0 is followed. */
CT_NOINST static int h_sse_load(struct ct_rsim *s, const struct ct_x86_insn *in)
{
    const struct ct_x86_modrm *m = &in->m;
    bool movs = in->op == X_OP2_MOVS && (in->pfx == X_PFX_REP || in->pfx == X_PFX_REPNE);
    if (!movs && !(in->op == X_OP2_MOVQ && in->pfx == X_PFX_REP))
        return R_FAIL;
    unsigned sw = in->pfx == X_PFX_REP && in->op == X_OP2_MOVS ? 4 : 8;
    if (m->reg != 0)
        return R_NEXT;
    struct ct_sym a;
    if (!m->mem || !ct_load_of(s, m, sw, &a))
        return R_FAIL; /* from another xmm register: unknown */
    s->x0 = a;
    return R_NEXT;
}

/* movd / movq r/m to xmm */
CT_NOINST static int h_movd(struct ct_rsim *s, const struct ct_x86_insn *in)
{
    const struct ct_x86_modrm *m = &in->m;
    unsigned w = in->rex & X_REX_W ? 8 : 4;
    if (in->pfx != X_PFX_OPSIZE)
        return R_FAIL;
    if (m->reg != 0)
        return R_NEXT;
    if (!m->mem) {
        s->x0 = ct_width(s->g[m->rm], w);
        return R_NEXT;
    }
    struct ct_sym a;
    if (!ct_load_of(s, m, w, &a))
        return R_FAIL;
    s->x0 = a;
    return R_NEXT;
}

static const ct_rhandler ct_rhandlers[CT_X86_NKINDS] = {
    [CT_X86_NOP] = h_nop,         [CT_X86_NOP_RM] = h_nop_rm,     [CT_X86_ENDBR] = h_endbr,
    [CT_X86_RET] = h_ret,         [CT_X86_POP] = h_pop,           [CT_X86_LEAVE] = h_leave,
    [CT_X86_JMP] = h_jmp,         [CT_X86_JCC] = h_jcc,           [CT_X86_MOV] = h_mov,
    [CT_X86_MOVX] = h_movx,       [CT_X86_MOVSXD] = h_movsxd,     [CT_X86_MOV_IMM] = h_mov_imm,
    [CT_X86_MOV_IMM_RM] = h_mov_imm_rm, [CT_X86_LEA] = h_lea,     [CT_X86_ALU_IMM] = h_alu_imm,
    [CT_X86_XOR] = h_xor,         [CT_X86_SSE_LOAD] = h_sse_load, [CT_X86_MOVD] = h_movd,
};

/* ---- the simulation ------------------------------------------------------ */

CT_NOINST static void ct_rsim_init(struct ct_rsim *s, unsigned size, bool sse, bool rbp_frame,
                                   struct ct_rplan *out)
{
    memset(s, 0, sizeof(*s));
    for (unsigned r = 0; r < CT_X86_NREGS; r++) {
        bool kept = ct_dw_reg_kept(ct_x86_dwarf_reg(r)); /* callee-saved, and rsp */
        s->g[r] = kept ? (struct ct_sym){S_VAL, (uint8_t)r, CT_X86_NONE, 1, 8, 0}
                       : (struct ct_sym){S_CLOB, 0, 0, 0, 0, 0};
    }
    s->size = size;
    s->sse = sse;
    s->rbp_frame = rbp_frame;
    s->out = out;
}

bool ct_ret_decode(const uint8_t *code, uint64_t lo, uint64_t hi, uint64_t pc, unsigned size,
                   bool sse, bool rbp_frame, struct ct_rplan *out)
{
    struct ct_rsim s;
    ct_rsim_init(&s, size, sse, rbp_frame, out);
    if (pc < lo || pc >= hi)
        return false;
    const uint8_t *end = code + (hi - lo);
    unsigned jumps = 0;
    for (unsigned n = 0; n < CT_RET_MAX_INSNS; n++) {
        struct ct_x86_insn in;
        if (!ct_x86_decode(code + (pc - lo), end, &in))
            return false;
        s.next = pc + in.len;
        s.after_canary = s.canary;
        s.canary = false;
        ct_rhandler h = in.fs ? h_canary : ct_rhandlers[in.kind];
        switch (h ? h(&s, &in) : R_FAIL) {
        case R_NEXT:
            pc = s.next;
            break;
        case R_JUMP: /* within the function only */
            if (s.to < lo || s.to >= hi || ++jumps > CT_RET_MAX_JUMPS)
                return false;
            pc = s.to;
            break;
        case R_DONE:
            return true;
        default:
            return false;
        }
    }
    return false;
}
