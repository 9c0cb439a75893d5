/* output.h — writing the trace files from the event stream. Internal. */
#ifndef CT_OUTPUT_H
#define CT_OUTPUT_H

#include <stdbool.h>

#include "base/ct.h"

/* Writes the trace of everything recorded so far to ct_cfg.output (through a
 * temporary file and a rename). `final` marks the trace complete (at exit).
 * Serialised by one lock; recording goes on on other threads meanwhile.
 * Returns 0 or a negative CALLTRACE_E* code. */
CT_INTERNAL int ct_output_write(bool final);
/* In a forked child: reset the lock, forget the parent's symbol table. */
CT_INTERNAL void ct_output_atfork_child(void);
/* calltrace-convert: writes the formats of ct_cfg (to ct_cfg.output) from
 * the event file `raw`, naming functions from `exe` (NULL: the path the file
 * records). Returns 0 or a negative CALLTRACE_E* code (with a message). */
CT_INTERNAL int ct_output_convert(const char *raw, const char *exe);
/* Releases what output keeps between flushes (the symbol table). */
CT_INTERNAL void ct_output_release(void);

#endif
