/* sum_sc.h — the summary view's system call tables (CALLTRACE_SYSCALLS):
 * per system call like `strace -c` (calls, errors, total, average, max
 * time), and per function the system calls it made with their time.
 * Internal; used by fmt_summary.c. Outliers of system calls are the
 * summary's own (a system call node is a call of "syscall:<name>"). */
#ifndef CT_SUM_SC_H
#define CT_SUM_SC_H

#include <stdbool.h>
#include <stdint.h>

#include "views/format.h"
#include "views/jsonw.h"

struct ct_sum_sc;

/* NULL when out of memory. */
CT_INTERNAL struct ct_sum_sc *ct_sum_sc_new(void);
/* One call of system call nr made by caller (0: at the root). Returns
 * false when out of memory. */
CT_INTERNAL bool ct_sum_sc_add(struct ct_sum_sc *x, unsigned nr, uint64_t caller, uint64_t dur_ns,
                               bool failed);
/* Writes both tables (nothing when no system call was seen). */
CT_INTERNAL void ct_sum_sc_write(struct ct_sum_sc *x, struct ct_jw *w, const struct ct_out_run *run);
CT_INTERNAL void ct_sum_sc_free(struct ct_sum_sc *x);

#endif
