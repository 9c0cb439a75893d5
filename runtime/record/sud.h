/* sud.h — the per-thread switch of syscall user dispatch. Internal.
 *
 * With CALLTRACE_SYSCALLS, every traced thread asks the kernel to send its
 * system calls to a SIGSYS handler (syscalls/sc_dispatch.c) while its
 * selector byte says BLOCK. The runtime's own system calls on a traced
 * thread (spilling a buffer, registering, writing the trace) run between
 * ct_sud_hold() and ct_sud_release(): the selector says ALLOW there, so they
 * are never trapped. Holds nest; the byte is only read by the kernel at each
 * system call of this thread, so plain stores ordered by signal fences do. */
#ifndef CT_SUD_H
#define CT_SUD_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/ct.h"

#define CT_SUD_ALLOW 0u
#define CT_SUD_BLOCK 1u

/* The selector the kernel reads (its address is given at enabling). */
extern __thread volatile uint8_t ct_sud_sel __attribute__((tls_model("initial-exec")));
/* Dispatch is on for this thread / how many holds are open. */
extern __thread bool ct_sud_on __attribute__((tls_model("initial-exec")));
extern __thread uint32_t ct_sud_holds __attribute__((tls_model("initial-exec")));

/* Where the allowed range's resume stub continues the program after a call
 * made once the SIGSYS handler returned (syscalls/, arch/x86_64/sud.S). */
extern __thread uint64_t ct_sud_resume __attribute__((tls_model("initial-exec")));

/* Called at the end of each thread's registration (set by syscalls/ when
 * CALLTRACE_SYSCALLS is on; NULL otherwise). */
extern void (*ct_sud_on_register)(void);

CT_NOINST static inline void ct_sud_hold(void)
{
    ct_sud_holds++;
    ct_sud_sel = CT_SUD_ALLOW;
    atomic_signal_fence(memory_order_seq_cst);
}

CT_NOINST static inline void ct_sud_release(void)
{
    atomic_signal_fence(memory_order_seq_cst);
    if (ct_sud_holds > 0 && --ct_sud_holds == 0 && ct_sud_on)
        ct_sud_sel = CT_SUD_BLOCK;
}

/* This thread's system calls are not trapped any more (the final write). */
CT_NOINST static inline void ct_sud_quit(void)
{
    ct_sud_on = false;
    ct_sud_sel = CT_SUD_ALLOW;
    atomic_signal_fence(memory_order_seq_cst);
}

#endif
