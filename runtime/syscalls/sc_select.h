/* sc_select.h — which system calls CALLTRACE_SYSCALLS records. Internal.
 *
 * "1" (or true/yes/on/all) records every system call, "0" none. Otherwise a
 * comma list of names (openat,read) and strace's classes (%file, %desc,
 * %network, %process, %memory, %signal, %ipc, %creds, %clock); a `!` before
 * either leaves it out. A list of exclusions only starts from every call. */
#ifndef CT_SC_SELECT_H
#define CT_SC_SELECT_H

#include <stdbool.h>
#include <stdint.h>

#include "base/ct.h"
#include "syscalls/sc_table.h"

struct ct_sc_set {
    uint64_t bits[(CT_SC_NR_MAX + 63) / 64];
};

CT_NOINST static inline bool ct_sc_set_has(const struct ct_sc_set *s, unsigned nr)
{
    return nr < CT_SC_NR_MAX && (s->bits[nr / 64] >> (nr % 64) & 1u);
}

/* Parses spec (NULL: off). Returns true when it selects any call. A name it
 * does not know gets one "calltrace:" line and is ignored. */
CT_INTERNAL bool ct_sc_select(const char *spec, struct ct_sc_set *out);

#endif
