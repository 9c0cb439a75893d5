/* sc_dispatch.h — system calls of the traced threads, caught in-process
 * with syscall user dispatch (Linux >= 5.11). Internal.
 *
 * At init, ct_sc_init() installs a SIGSYS handler (with its own
 * sa_restorer, inside the allowed range of arch/x86_64/sud.S) and asks to
 * be called at each thread's registration, where dispatch is switched on
 * for that thread. From then on each system call the thread makes outside
 * the range raises SIGSYS; the handler records it (a CT_EXT_SYSCALL record
 * on the thread's own stream, under the function running), performs it from
 * inside the range and hands the result back in the interrupted context.
 * The writer thread never registers: it is never trapped. */
#ifndef CT_SC_DISPATCH_H
#define CT_SC_DISPATCH_H

#include <stdbool.h>

#include "base/ct.h"

/* spec: CALLTRACE_SYSCALLS. on_exec: called (on the execing thread,
 * dispatch held) before an execve that may replace the process: writes the
 * trace so far; on_exit: before exit_group, writes the final trace. Returns true when system calls are being recorded. */
CT_INTERNAL bool ct_sc_init(const char *spec, void (*on_exec)(void), void (*on_exit)(void));
/* Recording system calls at all (after ct_sc_init). */
CT_INTERNAL bool ct_sc_enabled(void);
/* System calls performed but not recorded because the runtime was busy on
 * their thread (a signal handler interrupting it). */
CT_INTERNAL uint64_t ct_sc_unrecorded(void);

#endif
