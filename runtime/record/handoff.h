/* handoff.h — recording threads and the writer thread meet here. Internal. */
#ifndef CT_HANDOFF_H
#define CT_HANDOFF_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/ct.h"

extern _Atomic bool ct_handoff_up;
extern _Atomic uint32_t ct_handoff_kicks;
extern _Atomic bool ct_handoff_sleeping;

/* The writer thread runs: full buffers are handed to it. Without it (not
 * started, or pthread_create failed) threads write their own buffers. */
CT_INTERNAL bool ct_handoff_running(void);
/* Tells the writer there may be work. Cheap; a syscall only if it sleeps. */
CT_INTERNAL void ct_handoff_kick(void);
/* Scratch space to pack one buffer of `cap` records (mmap'ed, kept). */
CT_INTERNAL uint8_t *ct_handoff_scratch(uint32_t cap);

#endif
