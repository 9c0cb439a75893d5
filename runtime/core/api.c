/* api.c — the public API of calltrace.h: start, stop, marks, flush, names.
 *
 * Every entry makes sure the runtime is initialised (lifecycle.c) and works
 * from any thread; start and stop move the gate (record/hooks.h) by
 * compare-and-swap. */
#include <stdatomic.h>
#include <string.h>

#include "base/busy.h"
#include "calltrace.h"
#include "record/sud.h"
#include "base/clock.h"
#include "core/lifecycle.h"
#include "core/output.h"
#include "record/hooks.h"
#include "record/thread.h"

CT_NOINST static int ct_ready(void)
{
    if (ct_runtime_init() != 0)
        return CALLTRACE_ESHUTDOWN;
    return ct_runtime_ready() ? 0 : CALLTRACE_ESHUTDOWN;
}

int calltrace_start(void)
{
    int rc = ct_ready();
    if (rc)
        return rc;
    uint64_t g = atomic_load(&ct_gate);
    do {
        if (CT_HOOK_RECORDING(CT_GATE_HOOK(g)))
            return 0;
        if (!ct_runtime_ready())
            return CALLTRACE_ESHUTDOWN;
    } while (!atomic_compare_exchange_weak(&ct_gate, &g,
                                           CT_GATE(CT_GATE_EPOCH(g) + 1, ct_hook_rec)));
    return 0;
}

int calltrace_stop(void)
{
    int rc = ct_ready();
    if (rc)
        return rc;
    uint64_t g = atomic_load(&ct_gate);
    do {
        if (!CT_HOOK_RECORDING(CT_GATE_HOOK(g)))
            return 0;
    } while (!atomic_compare_exchange_weak(&ct_gate, &g, CT_GATE(CT_GATE_EPOCH(g), ct_hook_stopped)));
    return 0;
}

int calltrace_is_recording(void)
{
    return CT_HOOK_RECORDING(CT_GATE_HOOK(atomic_load_explicit(&ct_gate, memory_order_relaxed)));
}

int calltrace_mark(const char *label)
{
    if (!label)
        return CALLTRACE_EINVAL;
    int rc = ct_ready();
    if (rc)
        return rc;
    uint64_t g = atomic_load_explicit(&ct_gate, memory_order_relaxed);
    if (!CT_HOOK_RECORDING(CT_GATE_HOOK(g)))
        return CALLTRACE_ESTOPPED;
    struct ct_thread *t = ct_self;
    if (!t || t->gate_seen != g)
        t = ct_sync(g);
    if (!t || t->busy)
        return CALLTRACE_ENOTHREAD;
    size_t len = strnlen(label, CT_MARK_MAX);
    ct_busy_set(&t->busy);
    ct_thread_put_ext(t, ct_clock_ticks(), CT_EXT_MARK, len, label, len);
    ct_busy_leave(&t->busy);
    return 0;
}

int calltrace_flush(void)
{
    int rc = ct_ready();
    if (rc)
        return rc;
    ct_sud_hold(); /* the runtime's own system calls: never trapped */
    rc = ct_output_write(false);
    ct_sud_release();
    return rc;
}

int calltrace_set_thread_name(const char *name)
{
    if (!name)
        return CALLTRACE_EINVAL;
    int rc = ct_ready();
    if (rc)
        return rc;
    struct ct_thread *t = ct_self;
    if (!t)
        t = ct_sync(atomic_load(&ct_gate));
    if (!t)
        return CALLTRACE_ENOTHREAD;
    ct_thread_set_name(t, name);
    return 0;
}

/* calltrace_strerror(): base/errors.c */

const char *calltrace_version(void)
{
    return CALLTRACE_VERSION_STRING;
}
