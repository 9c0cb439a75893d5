/* ct.h — macros every runtime file uses. Internal. */
#ifndef CT_H
#define CT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Everything the runtime defines is invisible to instrumentation: a function of
 * ours that instrumented code can reach must never call back into the hooks. */
#define CT_NOINST __attribute__((no_instrument_function))
/* Internal functions: hidden (a static archive shares the program's symbol
 * namespace; the ct_ prefix keeps us out of the user's way) and uninstrumented. */
#define CT_INTERNAL __attribute__((visibility("hidden"), no_instrument_function))

#define CT_LIKELY(x) __builtin_expect(!!(x), 1)
#define CT_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define CT_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* One line on stderr, prefixed "calltrace: ". Never allocates; safe from any
 * thread, and from a signal handler (it formats into a stack buffer and write()s). */
CT_INTERNAL void ct_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Same, only when CALLTRACE_DEBUG is on (ct_log_debug, set at init). */
extern bool ct_log_debug;
CT_INTERNAL void ct_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
