/* capture_spill.c — where clang -O0 keeps the parameters across the enter
 * hook call (capture.h, ct_spill_decode).
 *
 * clang -O0 stores each parameter register into a slot of its own (rbp
 * based), calls the enter hook, then loads each slot back and stores it
 * into the slot its DWARF names: at the hook, that slot does not hold the
 * value yet. The code right after the hook call is simulated, as far as it
 * is only such loads and stores, to pair each DWARF slot with the slot its
 * value comes from. */
#include "arch/x86_64/x86_decode.h"
#include "arch/x86_64/x86_regs.h"
#include "capture/capture.h"

#define CT_SPILL_INSNS 64 /* instructions simulated after the hook call */
#define CT_X86_XMM 16     /* src[]: xmm registers after the general ones */

struct ct_spill_src {
    bool valid;
    uint8_t size;
    int32_t off;
};

/* The size a load or store moves; 0: not one of the forms kept. */
CT_NOINST static unsigned ct_spill_size(const struct ct_x86_insn *in)
{
    switch (in->kind) {
    case CT_X86_MOV:
        return in->rex & 8 ? 8 : in->pfx == 0x66 ? 2 : 4;
    case CT_X86_MOV8: /* without REX, 4-7 are ah..bh */
        return in->rex || (in->m.reg & 4) == 0 ? 1 : 0;
    case CT_X86_SSE_LOAD:
        if (in->op == 0x10)
            return in->pfx == 0xf2 ? 8 : in->pfx == 0xf3 ? 4 : 0;
        return in->pfx == 0xf3 ? 8 : 0; /* 0f 7e: movq */
    case CT_X86_SSE_STORE:
        return in->pfx == 0xf2 ? 8 : in->pfx == 0xf3 ? 4 : 0;
    default:
        return 0;
    }
}

size_t ct_spill_decode(const uint8_t *code, uint64_t lo, uint64_t hi, uint64_t pc, struct ct_spill *out,
                       size_t max)
{
    struct ct_spill_src src[2 * CT_X86_NREGS] = {{0}};
    size_t n = 0;
    const uint8_t *end = code + (hi - lo);
    for (unsigned k = 0; k < CT_SPILL_INSNS && pc >= lo && pc < hi; k++) {
        struct ct_x86_insn in;
        if (!ct_x86_decode(code + (pc - lo), end, &in))
            break;
        pc += in.len;
        unsigned size = ct_spill_size(&in);
        const struct ct_x86_modrm *m = &in.m;
        if (!size || !m->mem || m->rip || m->base != CT_X86_RBP || m->index != CT_X86_NONE ||
            m->disp < INT32_MIN || m->disp > INT32_MAX)
            break;
        bool sse = in.kind == CT_X86_SSE_LOAD || in.kind == CT_X86_SSE_STORE;
        struct ct_spill_src *r = &src[(sse ? CT_X86_XMM : 0) + (m->reg & 15)];
        bool load = in.kind == CT_X86_SSE_LOAD || ((in.kind == CT_X86_MOV || in.kind == CT_X86_MOV8) &&
                                                   (in.op & 2));
        if (load) {
            int32_t from = (int32_t)m->disp;
            for (size_t j = n; j-- > 0;) /* a slot this code filled: from where it came */
                if (out[j].to == from && out[j].size == size) {
                    from = out[j].from;
                    break;
                }
            *r = (struct ct_spill_src){true, (uint8_t)size, from};
        } else if (r->valid && r->size == size && n < max) {
            out[n++] = (struct ct_spill){(int32_t)m->disp, r->off, (uint8_t)size};
        }
    }
    return n;
}
