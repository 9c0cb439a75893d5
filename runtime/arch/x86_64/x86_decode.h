/* x86_decode.h — decoding the few x86-64 instructions the runtime reads in
 * a function's code (x86_decode.c): what the return-value plan simulates
 * after an exit hook call (capture_ret.c), and the rel32 calls and jumps
 * that find the hook calls in a function. Internal. */
#ifndef CT_X86_DECODE_H
#define CT_X86_DECODE_H

#include <stdbool.h>
#include <stdint.h>

#include "base/ct.h"

#define CT_X86_CALL_REL32 0xe8
#define CT_X86_JMP_REL32 0xe9
#define CT_X86_REL32_LEN 5u /* opcode and rel32 */

/* What an instruction is, as far as the simulation cares. Anything else
 * does not decode. */
enum ct_x86_kind {
    CT_X86_BAD,
    CT_X86_NOP,       /* 0x90 */
    CT_X86_NOP_RM,    /* 0f 1f /0: multi-byte nop */
    CT_X86_ENDBR,     /* f3 0f 1e fa (the prefix is the handler's to check) */
    CT_X86_RET,       /* c3 */
    CT_X86_POP,       /* 58+r */
    CT_X86_LEAVE,     /* c9 */
    CT_X86_JMP,       /* eb rel8, e9 rel32 */
    CT_X86_JCC,       /* je/jne: 74/75 rel8, 0f 84/85 rel32; cc: the low bit, 0 = je */
    CT_X86_MOV,       /* 89 (store form), 8b (load form) */
    CT_X86_MOVX,      /* 0f b6/b7/be/bf: movzx, movsx */
    CT_X86_MOVSXD,    /* 63 */
    CT_X86_MOV_IMM,   /* b8+r imm32 / imm64 (REX.W), zero-extended */
    CT_X86_MOV_IMM_RM, /* c7 /0 imm32, sign-extended */
    CT_X86_LEA,       /* 8d */
    CT_X86_ALU_IMM,   /* 81 imm32 / 83 imm8: /0 add, /5 sub (and the rest, refused) */
    CT_X86_XOR,       /* 31, 33 */
    CT_X86_SUB,       /* 2b */
    CT_X86_SSE_LOAD,  /* 0f 10 (movss f3, movsd f2), 0f 7e (movq f3) */
    CT_X86_MOVD,      /* 66 0f 6e */
    CT_X86_MOV8,      /* 88 (store form), 8a (load form): a byte */
    CT_X86_SSE_STORE, /* 0f 11 (movss f3, movsd f2) */
    CT_X86_NKINDS
};

/* A ModRM operand: a register (mem false) or a memory address. */
struct ct_x86_modrm {
    uint8_t mod, reg, rm;       /* reg and rm with their REX bits */
    bool mem, rip;              /* rip: rip + disp */
    uint8_t base, index, scale; /* encoded registers, CT_X86_NONE when absent */
    int64_t disp;
};

struct ct_x86_insn {
    uint8_t kind;   /* enum ct_x86_kind */
    uint8_t op;     /* the opcode byte, or the second one after 0x0f */
    uint8_t pfx;    /* the last of the 0x66, 0xf2, 0xf3 prefixes; 0 if none */
    uint8_t rex;    /* the REX prefix; 0 if none */
    bool fs;        /* an %fs segment prefix */
    bool two_byte;  /* op follows 0x0f */
    uint8_t reg;    /* 58+r, b8+r: the register, with REX.B */
    uint8_t cc;     /* CT_X86_JCC: 0 je, 1 jne */
    struct ct_x86_modrm m;
    int64_t imm;    /* immediate or branch displacement */
    uint8_t len;
};

/* Decodes the instruction at p (end: where the readable bytes end). False
 * when they end inside it, or it is not of a kind above. */
CT_INTERNAL bool ct_x86_decode(const uint8_t *p, const uint8_t *end, struct ct_x86_insn *in);

/* Looks for a `call rel32` (and a `jmp rel32` when jumps) whose target is
 * `to` in code[*at, len), code mapped at lo, byte by byte: the bytes are not
 * decoded as instructions. True with *at the offset of its opcode. */
CT_INTERNAL bool ct_x86_find_rel32(const uint8_t *code, uint64_t lo, uint64_t len, uint64_t to, bool jumps,
                                   uint64_t *at);

#endif
