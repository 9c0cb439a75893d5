/* hook_table.c — the compile-time table of hook sets, and the boot set.
 *
 * __cyg_profile_func_enter/exit (arch/x86_64/hooks_entry.S) jump through
 * ct_hook_table by the gate's hook set. The table names the sets of every
 * layer (record's plain sets, filter's, capture's), so it lives here, above
 * them all; the boot set initialises the runtime (lifecycle.c) on the
 * process's first event. */
#include <stdatomic.h>

#include "capture/capture.h"
#include "core/lifecycle.h"
#include "filter/filter.h"
#include "record/hooks.h"

#define CT_HOOK_ARGS void *fn, void *site, uint64_t gate, uint64_t sp

CT_NOINST static void ct_boot_enter(CT_HOOK_ARGS);
CT_NOINST static void ct_boot_exit(CT_HOOK_ARGS);

/* Indexed by the gate's hook set from hooks_entry.S: keep the layout (two
 * pointers per set) in step with it. */
const struct ct_hook_set_ops ct_hook_table[CT_HOOK_SETS] = {
    [CT_HOOK_OFF] = {ct_hook_off, ct_hook_off},
    [CT_HOOK_BOOT] = {ct_boot_enter, ct_boot_exit},
    [CT_HOOK_REC_TSC] = {ct_rec_tsc_enter, ct_rec_tsc_exit},
    [CT_HOOK_REC_MONO] = {ct_rec_mono_enter, ct_rec_mono_exit},
    [CT_HOOK_REC_TSC_FILTERED] = {ct_flt_enter, ct_flt_exit},
    [CT_HOOK_REC_MONO_FILTERED] = {ct_flt_enter, ct_flt_exit},
    [CT_HOOK_USER] = {ct_flt_enter, ct_flt_exit},
    [CT_HOOK_REC_ARGS] = {ct_args_enter, ct_args_exit},
};

/* The first event of the process, maybe before main() or our constructor:
 * initialise, then run the hook set init chose. The argument-capturing set
 * needs the registers only hooks_entry.S sees: its first event is recorded
 * without them. */
CT_NOINST static void ct_boot_enter(CT_HOOK_ARGS)
{
    if (ct_runtime_init() != 0)
        return;
    gate = atomic_load_explicit(&ct_gate, memory_order_relaxed);
    unsigned h = CT_GATE_HOOK(gate);
    if (h == CT_HOOK_REC_ARGS)
        ct_hook_event(fn, site, gate, CT_EV_ENTER, sp);
    else if (h != CT_HOOK_BOOT)
        ct_hook_table[h].enter(fn, site, gate, sp);
}

CT_NOINST static void ct_boot_exit(CT_HOOK_ARGS)
{
    if (ct_runtime_init() != 0)
        return;
    gate = atomic_load_explicit(&ct_gate, memory_order_relaxed);
    if (CT_GATE_HOOK(gate) != CT_HOOK_BOOT)
        ct_hook_table[CT_GATE_HOOK(gate)].exit(fn, site, gate, sp);
}
