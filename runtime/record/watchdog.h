/* watchdog.h — a bound on writing the final trace from a signal or _exit. Internal.
 *
 * A signal handler (or an _exit() called from one) may have interrupted the
 * program inside malloc, or inside calltrace_flush() holding the output lock;
 * writing the trace from there can then wait forever. Before such a write the
 * thread arms the watchdog; the writer thread, which runs on regardless,
 * watches the writing thread's CPU time. When it has not moved for
 * CT_WATCHDOG_STALL_MS, the process leaves without the trace (its events stay
 * in the event file, which calltrace-convert turns into every view): by the
 * signal that started it, else with the exit status given. */
#ifndef CT_WATCHDOG_H
#define CT_WATCHDOG_H

#include <pthread.h>
#include <stdbool.h>

#include "base/ct.h"

#define CT_WATCHDOG_STALL_MS 2000u

/* Watches thread `who` until disarmed. Returns false when there is no writer
 * thread to watch it (the caller has to bound the write some other way). */
CT_INTERNAL bool ct_watchdog_arm(pthread_t who, int sig, int status);
CT_INTERNAL void ct_watchdog_disarm(void);
CT_INTERNAL bool ct_watchdog_armed(void);
/* The writer thread's check, at least every 50 ms while armed. */
CT_INTERNAL void ct_watchdog_poll(void);

#endif
