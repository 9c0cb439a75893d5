/* capture_init.c — this process's capture table and settings (capture.h):
 * built once at init from the executable's DWARF, read by the hooks
 * (capture.c, capture_read.c) and by output. */
#include <limits.h>
#include <unistd.h>

#include "base/config.h"
#include "capture/capture.h"
#include "stream/spill.h"
#include "symbols/symbols_elf.h"

struct ct_ftab ct_capture_tab;
bool ct_capture_retval;
/* Read by the enter hook (arch/x86_64/hooks_entry.S): nonzero, it saves
 * every register of the instrumented function before anything else. Set
 * once, before the gate names the capturing hook set. */
uint8_t ct_args_regs;

/* Where the hooks instrumented code calls are: __cyg_profile_func_enter and
 * _exit, which libcalltrace.a linked into the executable. They are core's
 * (arch/x86_64/hooks_entry.S), a layer above: looked up by name in the
 * executable's symbol table, not referenced. */
CT_NOINST static bool ct_capture_hooks(const char *exe, struct ct_hook_pcs *h)
{
    static const char *const names[] = {"__cyg_profile_func_enter", "__cyg_profile_func_exit"};
    uint64_t v[CT_ARRAY_LEN(names)];
    if (ct_elf_lookup(exe, names, v, CT_ARRAY_LEN(names)) != CT_ARRAY_LEN(names))
        return false;
    h->enter = v[0] + ct_exe_bias();
    h->exit = v[1] + ct_exe_bias();
    return true;
}

CT_INTERNAL int ct_capture_init(void)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0)
        return -1;
    exe[n] = '\0';
    struct ct_hook_pcs hooks;
    if (!ct_capture_hooks(exe, &hooks)) {
        ct_log("CALLTRACE_CAPTURE_ARGS: the hooks are not in %s's symbol table: recording without "
               "values", exe);
        return -1;
    }
    long k = ct_ftab_load(&ct_capture_tab, exe, ct_exe_bias(), &hooks);
    if (k < 0) {
        ct_log("CALLTRACE_CAPTURE_ARGS: no usable DWARF in %s: recording without values", exe);
        return -1;
    }
    ct_capture_retval = ct_cfg.capture_retval;
    long at_exit = 0;
    for (size_t i = 0; i < ct_capture_tab.fns.nslots; i++) {
        const struct ct_fdesc *d = ct_capture_tab.fns.slots[i];
        at_exit += d && d->ret_at_exit;
    }
    ct_debug("capture: %ld functions described, %ld return at the exit hook (no trampoline)", k,
             at_exit);
    ct_args_regs = 1;
    return 0;
}
