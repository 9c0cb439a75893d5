/* lifecycle.h — the runtime's life: init, finalisation. Internal.
 *
 * The runtime moves UNINIT -> INITIALIZING -> READY -> FINALIZING -> FINALIZED
 * by compare-and-swap; both functions are safe to call more than once, from
 * any thread. */
#ifndef CT_LIFECYCLE_H
#define CT_LIFECYCLE_H

#include <stdbool.h>

#include "base/ct.h"

/* Initialises once (config, clock, threads, event file, signals, filters,
 * capture) and opens the gate. Returns 0 once the runtime is initialised. */
CT_INTERNAL int ct_runtime_init(void);
/* Writes the final trace once (destructor, signal, _exit, quick_exit).
 * Returns 0 if this call wrote it. */
CT_INTERNAL int ct_runtime_finalize(void);
/* The runtime is initialised and not finishing. */
CT_INTERNAL bool ct_runtime_ready(void);

#endif
