/* x86_regs.h — x86-64 general-purpose registers in the two numberings the
 * runtime meets: as instructions encode them (ModRM, REX) and as DWARF
 * numbers them (the SysV psABI; the order of struct ct_cregs). Internal. */
#ifndef CT_X86_REGS_H
#define CT_X86_REGS_H

#include <stdbool.h>
#include <stdint.h>

#include "base/ct.h"

/* Instruction encoding. */
enum { CT_X86_RAX = 0, CT_X86_RSP = 4, CT_X86_RBP = 5, CT_X86_NREGS = 16, CT_X86_NONE = 0xff };

/* DWARF numbering. */
enum {
    CT_DW_RAX = 0, CT_DW_RDX = 1, CT_DW_RCX = 2, CT_DW_RBX = 3, CT_DW_RSI = 4, CT_DW_RDI = 5,
    CT_DW_RBP = 6, CT_DW_RSP = 7, CT_DW_R8 = 8, CT_DW_R12 = 12, CT_DW_R15 = 15,
    CT_DW_NGPRS = 16, /* rax..r15: 0..15 */
    CT_DW_XMM0 = 17, CT_DW_XMM7 = 24, /* xmm0..xmm7: 17..24 */
    CT_DW_NREGS = 32, /* struct ct_cregs holds 0..31 (16 and 25..31 never valid) */
};

/* The DWARF number of an encoded register (0-15). */
CT_NOINST static inline uint8_t ct_x86_dwarf_reg(unsigned enc)
{
    static const uint8_t map[CT_X86_NREGS] = {0, 2, 1, 3, 7, 6, 4, 5, 8, 9, 10, 11, 12, 13, 14, 15};
    return map[enc & (CT_X86_NREGS - 1)];
}

/* True for the DWARF registers the hooks see as the instrumented function
 * left them: the callee-saved rbx, rbp, r12-r15, and rsp. */
CT_NOINST static inline bool ct_dw_reg_kept(uint64_t r)
{
    return r == CT_DW_RBX || r == CT_DW_RBP || r == CT_DW_RSP || (r >= CT_DW_R12 && r <= CT_DW_R15);
}

/* True for the DWARF registers the enter hook can save as the instrumented
 * function had them at the hook call: the general-purpose ones and
 * xmm0-xmm7 (struct ct_cregs). */
CT_NOINST static inline bool ct_dw_reg_saved(uint64_t r)
{
    return r < CT_DW_NGPRS || (r >= CT_DW_XMM0 && r <= CT_DW_XMM7);
}

#endif
