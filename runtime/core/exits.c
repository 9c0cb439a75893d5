/* exits.c — the exits that skip destructors still write the trace.
 *
 * _exit() and _Exit() end the process without running atexit handlers or
 * destructors, so a program calling them would lose its trace. This object
 * defines both: the program's calls (and those of any library that calls
 * them through the PLT, with -rdynamic) land here, the trace is written, and
 * the process exits with the same status. This file is only linked in when
 * the program calls them; a program defining its own _exit keeps it. */
#include <sys/syscall.h>
#include <unistd.h>

#include "core/lifecycle.h"
#include "core/signals.h"
#include "record/watchdog.h"

void _exit(int status);
void _Exit(int status);

__attribute__((noreturn, visibility("default"))) CT_NOINST void _exit(int status)
{
    /* _exit may be called from a signal handler that interrupted malloc or a
     * flush: the writer thread bounds the write (watchdog.h) */
    ct_signals_adopt_fault();
    bool watched = ct_watchdog_arm(pthread_self(), 0, status);
    ct_runtime_finalize(); /* returns at once in a vfork or untraced child */
    if (watched)
        ct_watchdog_disarm();
    for (;;)
        syscall(SYS_exit_group, status);
}

__attribute__((noreturn, visibility("default"))) CT_NOINST void _Exit(int status)
{
    _exit(status);
}
