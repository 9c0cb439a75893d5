/* sc_table.h — system call names, classes, and how the trace names a
 * system call node. Internal.
 *
 * A system call node reaches the views as a call of a pseudo address:
 * CT_SC_FN(nr), an address no function has (the top 16 bits 0x7ffe, above every user address and below
 * the bit the folded view keeps for its thread frames), so
 * every view shows it under the call that made it; ct_sc_symbol() names it
 * "syscall:openat". */
#ifndef CT_SC_TABLE_H
#define CT_SC_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/ct.h"

#define CT_SC_NR_MAX 451u

/* strace's classes (-e trace=%file ...). */
enum ct_sc_class {
    CT_SC_FILE = 1u << 0,
    CT_SC_DESC = 1u << 1,
    CT_SC_NETWORK = 1u << 2,
    CT_SC_PROCESS = 1u << 3,
    CT_SC_MEMORY = 1u << 4,
    CT_SC_SIGNAL = 1u << 5,
    CT_SC_IPC = 1u << 6,
    CT_SC_CREDS = 1u << 7,
    CT_SC_CLOCK = 1u << 8,
};

/* "" for numbers no system call has. */
extern const char *const ct_sc_names[CT_SC_NR_MAX];
extern const uint16_t ct_sc_classes[CT_SC_NR_MAX];

#define CT_SC_FN(nr) (UINT64_C(0x7ffe000000000000) | (uint64_t)(uint16_t)(nr))
#define CT_SC_IS_FN(fn) (((uint64_t)(fn) >> 48) == 0x7ffeu)
#define CT_SC_FN_NR(fn) ((unsigned)((fn) & 0xffffu))

/* The name of system call nr ("syscall_NNN" in buf when unknown). */
CT_INTERNAL const char *ct_sc_name(unsigned nr, char *buf, size_t cap);
/* The number of a name, or -1. */
CT_INTERNAL int ct_sc_lookup(const char *name, size_t len);

#endif
