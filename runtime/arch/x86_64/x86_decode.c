/* x86_decode.c — the x86-64 instruction decoder (x86_decode.h): prefixes,
 * REX, one- and two-byte opcodes looked up in a table of forms, ModRM/SIB,
 * immediates. Only the instructions the return-value simulation models are
 * in the tables; anything else is CT_X86_BAD. */
#include <string.h>

#include "arch/x86_64/x86_decode.h"
#include "arch/x86_64/x86_regs.h"

#define X_TWO_BYTE 0x0f
#define X_PFX_OPSIZE 0x66
#define X_PFX_REPNE 0xf2
#define X_PFX_REP 0xf3
#define X_PFX_CS 0x2e       /* a branch hint, or padding in long nops */
#define X_PFX_FS 0x64
#define X_REX_MASK 0xf0
#define X_REX 0x40
#define X_REX_W 8
#define X_REX_R 4
#define X_REX_X 2
#define X_REX_B 1
#define X_ENDBR64_LAST 0xfa /* f3 0f 1e fa */
#define X_MOD_DIRECT 3
#define X_RM_SIB 4
#define X_RM_DISP32 5       /* with mod 0: rip-relative, or no base in a SIB */

/* How an opcode's operands follow it. */
enum {
    F_MODRM = 1,  /* a ModRM byte (and SIB, displacement) */
    F_IMM8 = 2,   /* a sign-extended 8-bit immediate */
    F_IMM32 = 4,  /* a sign-extended 32-bit immediate */
    F_IMMV = 8,   /* 32 bits, or 64 with REX.W, zero-extended (mov $imm, r) */
    F_REGOP = 16, /* the register in the opcode's low three bits */
    F_ENDBR = 32, /* endbr64's last byte */
};

struct form {
    uint8_t kind, flags;
};

static const struct form one_byte[256] = {
    [0x2b] = {CT_X86_SUB, F_MODRM},
    [0x31] = {CT_X86_XOR, F_MODRM},
    [0x33] = {CT_X86_XOR, F_MODRM},
    [0x58 ... 0x5f] = {CT_X86_POP, F_REGOP},
    [0x63] = {CT_X86_MOVSXD, F_MODRM},
    [0x74 ... 0x75] = {CT_X86_JCC, F_IMM8},
    [0x81] = {CT_X86_ALU_IMM, F_MODRM | F_IMM32},
    [0x83] = {CT_X86_ALU_IMM, F_MODRM | F_IMM8},
    [0x88] = {CT_X86_MOV8, F_MODRM},
    [0x89] = {CT_X86_MOV, F_MODRM},
    [0x8a] = {CT_X86_MOV8, F_MODRM},
    [0x8b] = {CT_X86_MOV, F_MODRM},
    [0x8d] = {CT_X86_LEA, F_MODRM},
    [0x90] = {CT_X86_NOP, 0},
    [0xb8 ... 0xbf] = {CT_X86_MOV_IMM, F_REGOP | F_IMMV},
    [0xc3] = {CT_X86_RET, 0},
    [0xc7] = {CT_X86_MOV_IMM_RM, F_MODRM | F_IMM32},
    [0xc9] = {CT_X86_LEAVE, 0},
    [0xe9] = {CT_X86_JMP, F_IMM32},
    [0xeb] = {CT_X86_JMP, F_IMM8},
};

static const struct form two_byte[256] = {
    [0x10] = {CT_X86_SSE_LOAD, F_MODRM},
    [0x11] = {CT_X86_SSE_STORE, F_MODRM},
    [0x1e] = {CT_X86_ENDBR, F_ENDBR},
    [0x1f] = {CT_X86_NOP_RM, F_MODRM},
    [0x6e] = {CT_X86_MOVD, F_MODRM},
    [0x7e] = {CT_X86_SSE_LOAD, F_MODRM},
    [0x84 ... 0x85] = {CT_X86_JCC, F_IMM32},
    [0xb6 ... 0xb7] = {CT_X86_MOVX, F_MODRM},
    [0xbe ... 0xbf] = {CT_X86_MOVX, F_MODRM},
};

/* A little-endian signed immediate or displacement of n (1 or 4) bytes. */
CT_NOINST static bool imm_signed(const uint8_t **p, const uint8_t *end, unsigned n, int64_t *v)
{
    if ((size_t)(end - *p) < n)
        return false;
    if (n == 1) {
        *v = (int8_t)(*p)[0];
    } else {
        int32_t x;
        memcpy(&x, *p, 4);
        *v = x;
    }
    *p += n;
    return true;
}

CT_NOINST static bool modrm(const uint8_t **pp, const uint8_t *end, uint8_t rex, struct ct_x86_modrm *m)
{
    const uint8_t *p = *pp;
    if (p >= end)
        return false;
    uint8_t b = *p++;
    m->mod = b >> 6;
    m->reg = (uint8_t)(((b >> 3) & 7) | ((rex & X_REX_R) << 1));
    m->rm = (uint8_t)((b & 7) | ((rex & X_REX_B) << 3));
    m->mem = m->mod != X_MOD_DIRECT;
    m->rip = false;
    m->base = m->index = CT_X86_NONE;
    m->scale = 1;
    m->disp = 0;
    bool ok = true;
    if (!m->mem) {
        /* a register */
    } else if ((b & 7) == X_RM_SIB) {
        if (p >= end)
            return false;
        uint8_t sib = *p++;
        unsigned idx = ((sib >> 3) & 7) | ((rex & X_REX_X) << 2), base3 = sib & 7;
        m->scale = (uint8_t)(1u << (sib >> 6));
        if (idx != CT_X86_RSP)
            m->index = (uint8_t)idx;
        if (base3 == X_RM_DISP32 && m->mod == 0)
            ok = imm_signed(&p, end, 4, &m->disp);
        else
            m->base = (uint8_t)(base3 | ((rex & X_REX_B) << 3));
    } else if ((b & 7) == X_RM_DISP32 && m->mod == 0) {
        m->rip = true;
        ok = imm_signed(&p, end, 4, &m->disp);
    } else {
        m->base = m->rm;
    }
    if (ok && m->mem && m->base != CT_X86_NONE && m->mod != 0)
        ok = imm_signed(&p, end, m->mod == 1 ? 1 : 4, &m->disp);
    *pp = p;
    return ok;
}

/* The operands a form says follow the opcode. */
CT_NOINST static bool operands(const uint8_t **p, const uint8_t *end, unsigned flags, struct ct_x86_insn *in)
{
    if ((flags & F_ENDBR) && (*p >= end || *(*p)++ != X_ENDBR64_LAST))
        return false;
    if ((flags & F_MODRM) && !modrm(p, end, in->rex, &in->m))
        return false;
    if ((flags & F_IMM8) && !imm_signed(p, end, 1, &in->imm))
        return false;
    if ((flags & F_IMM32) && !imm_signed(p, end, 4, &in->imm))
        return false;
    if (flags & F_IMMV) {
        unsigned n = in->rex & X_REX_W ? 8 : 4;
        uint64_t v = 0;
        if ((size_t)(end - *p) < n)
            return false;
        memcpy(&v, *p, n);
        *p += n;
        in->imm = (int64_t)v;
    }
    return true;
}

CT_INTERNAL bool ct_x86_decode(const uint8_t *p, const uint8_t *end, struct ct_x86_insn *in)
{
    const uint8_t *start = p;
    memset(in, 0, sizeof(*in));
    for (; p < end; p++) {
        if (*p == X_PFX_FS)
            in->fs = true;
        else if (*p == X_PFX_OPSIZE || *p == X_PFX_REPNE || *p == X_PFX_REP)
            in->pfx = *p;
        else if (*p != X_PFX_CS)
            break;
    }
    if (p < end && (*p & X_REX_MASK) == X_REX)
        in->rex = *p++;
    if (p >= end)
        return false;
    in->op = *p++;
    struct form f = one_byte[in->op];
    if (in->op == X_TWO_BYTE) {
        if (p >= end)
            return false;
        in->two_byte = true;
        in->op = *p++;
        f = two_byte[in->op];
    }
    if (f.kind == CT_X86_BAD)
        return false;
    in->kind = f.kind;
    in->cc = in->op & 1;
    if (f.flags & F_REGOP)
        in->reg = (uint8_t)((in->op & 7) | ((in->rex & X_REX_B) << 3));
    if (!operands(&p, end, f.flags, in))
        return false;
    in->len = (uint8_t)(p - start);
    return true;
}

CT_INTERNAL bool ct_x86_find_rel32(const uint8_t *code, uint64_t lo, uint64_t len, uint64_t to, bool jumps,
                                   uint64_t *at)
{
    for (uint64_t i = *at; i + CT_X86_REL32_LEN <= len; i++) {
        if (code[i] != CT_X86_CALL_REL32 && !(jumps && code[i] == CT_X86_JMP_REL32))
            continue;
        int32_t rel;
        memcpy(&rel, code + i + 1, 4);
        if (lo + i + CT_X86_REL32_LEN + (uint64_t)(int64_t)rel == to) {
            *at = i;
            return true;
        }
    }
    return false;
}
