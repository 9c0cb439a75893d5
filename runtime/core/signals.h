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

/* Why the process is ending, for the trace's metadata; signal 0 = a plain exit. */
struct ct_ending {
    int signal;
    int code;         /* si_code */
    uint64_t address; /* si_addr: the faulting address */
    pid_t tid;        /* the thread that received it */
    bool crash;       /* a fault (crash object) rather than a termination request */
};
extern struct ct_ending ct_ending;

/* Installs the handlers (at init). SIG_IGN dispositions are left alone. */
CT_INTERNAL void ct_signals_install(void);
/* "SIGSEGV" for 11, "signal 42" otherwise (a static or thread-local string). */
CT_INTERNAL const char *ct_signal_name(int sig);

#endif
