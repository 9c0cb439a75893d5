/* output.h — writing the live trace's files. Internal. */
#ifndef CT_OUTPUT_H
#define CT_OUTPUT_H

#include <stdbool.h>

#include "base/ct.h"

/* Writes the trace of everything recorded so far to ct_cfg.output (through a
 * temporary file and a rename), in every format of ct_cfg. `final` marks the
 * trace complete (at exit). Serialised by one lock; recording goes on on
 * other threads meanwhile. Returns 0 or a negative CALLTRACE_E* code. */
CT_INTERNAL int ct_output_write(bool final);
/* In a forked child: reset the lock, forget the parent's symbol table. */
CT_INTERNAL void ct_output_atfork_child(void);
/* Releases what output keeps between flushes (the symbol table). */
CT_INTERNAL void ct_output_release(void);

#endif
