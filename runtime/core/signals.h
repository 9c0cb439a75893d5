/* signals.h — crash and termination signals. Internal.
 *
 * On SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT and SIGTRAP, and on SIGTERM,
 * SIGINT and SIGHUP while their disposition is the default, the runtime
 * writes the trace of every thread, then gives the signal back to whatever
 * disposition was there before it (the program's handler, or the default),
 * so the process ends exactly as it would have without calltrace. */
#ifndef CT_SIGNALS_H
#define CT_SIGNALS_H

#include <stdbool.h>
#include <sys/types.h>

#include "base/ct.h"
#include "record/meta.h"

/* struct ct_ending and the global ct_ending: stream/event.h, record/meta.h */

/* Installs the handlers (at init); `finalize` writes the final trace.
 * SIG_IGN dispositions are left alone. */
CT_INTERNAL void ct_signals_install(int (*finalize)(void));

/* Called by _exit(): when it runs inside the program's own handler of a
 * fault (installed before ours, see ct_on_signal), the trace ends as that
 * crash. */
CT_INTERNAL void ct_signals_adopt_fault(void);

#endif
