/* capture_code.c — what a described function's machine code says, for a
 * live table (capture_dwarf_priv.h): where it calls the enter hook (the
 * point its parameters are located at), and where it calls the exit hook,
 * each with where the return value is then (arch/x86_64/capture_ret.c). The
 * code is this process's own, read in place. */
#include <string.h>

#include "arch/x86_64/x86_decode.h"
#include "arch/x86_64/x86_regs.h"
#include "capture/capture_dwarf_priv.h"

#define CT_HOOK_SCAN_BYTES 1024u      /* of a function's start, searched for the enter hook call */
#define CT_EXIT_SCAN_BYTES (1u << 20) /* the largest function searched for exit hook calls */

CT_INTERNAL bool ct_cap_mapped(const struct ct_cap *c, uint64_t lo, uint64_t hi)
{
    for (size_t i = 0; i < c->nexec; i++)
        if (lo >= c->exec[i].lo && hi <= c->exec[i].hi)
            return true;
    return false;
}

/* True when [a, a + n) lies in a segment of the executable no one can write. */
CT_NOINST static bool cd_readonly(const struct ct_cap *c, uint64_t a, uint64_t n)
{
    for (size_t i = 0; i < c->nro; i++)
        if (a >= c->ro[i].lo && a <= c->ro[i].hi && n <= c->ro[i].hi - a)
            return true;
    return false;
}

CT_INTERNAL uint64_t ct_cap_hook_pc(const struct ct_cap *c, uint64_t lo, uint64_t hi)
{
    if (!ct_cap_mapped(c, lo, hi) || hi <= lo + CT_X86_REL32_LEN)
        return 0;
    if (hi - lo > CT_HOOK_SCAN_BYTES)
        hi = lo + CT_HOOK_SCAN_BYTES;
    uint64_t at = 0;
    if (!ct_x86_find_rel32((const uint8_t *)(uintptr_t)lo, lo, hi - lo, c->hook, false, &at))
        return 0;
    return lo + at + CT_X86_REL32_LEN;
}

/* The plan of the exit hook call returning to `next`: false when the code
 * after it is not understood, or reads the value from memory that could
 * change. */
CT_NOINST static bool cd_exit_plan(const struct ct_cap *c, const struct ct_fdesc *f, uint64_t lo, uint64_t hi,
                                   uint64_t next, struct ct_rplan *plan)
{
    const uint8_t *p = (const uint8_t *)(uintptr_t)lo;
    if (!ct_ret_decode(p, lo, hi, next, f->ret ? f->ret_small : 0, f->ret_class[0] == CT_RC_SSE,
                       f->cfa_reg == CT_DW_RBP, plan))
        return false;
    return !(f->ret && plan->kind == CT_RP_MEM && plan->a == CT_RP_NONE &&
             !cd_readonly(c, (uint64_t)plan->off, f->ret_small));
}

CT_INTERNAL void ct_cap_exit_sites(struct ct_cap *c, struct ct_fdesc *f, uint64_t lo, uint64_t hi)
{
    if (!ct_cap_mapped(c, lo, hi) || hi <= lo + CT_X86_REL32_LEN || hi - lo > CT_EXIT_SCAN_BYTES ||
        (f->ret && !f->ret_small))
        return;
    const uint8_t *p = (const uint8_t *)(uintptr_t)lo;
    size_t first = c->xsites.n;
    unsigned found = 0;
    for (uint64_t i = 0; ct_x86_find_rel32(p, lo, hi - lo, c->exit_hook, true, &i); i++) {
        uint64_t next = lo + i + CT_X86_REL32_LEN;
        struct ct_rplan plan;
        struct ct_xsite *x = NULL;
        if (p[i] == CT_X86_JMP_REL32) { /* the hook tail-called: it returns for the function */
            if (f->ret)
                goto none;
        } else if (!cd_exit_plan(c, f, lo, hi, next, &plan)) {
            goto none; /* the trampoline takes them all */
        } else if (f->ret) {
            if (!(x = ct_cap_zalloc(c, sizeof(*x))))
                goto none;
            *x = (struct ct_xsite){next, f, plan};
            ct_cap_push(&c->xsites, x);
        }
        found++;
    }
    f->ret_at_exit = found > 0;
    if (found)
        return;
none:
    c->xsites.n = first;
}
