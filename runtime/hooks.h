/* hooks.h — the gate the hot path reads. Internal.
 *
 * One 64-bit word says which hook set of the compile-time table runs (low two
 * bits) and which recording epoch we are in (the rest): every start() opens
 * a new epoch, so a thread that sees a new gate value knows its open frames
 * belong to an earlier region. */
#ifndef CT_HOOKS_H
#define CT_HOOKS_H

#include <stdatomic.h>

#include "thread.h"

enum ct_hook_set {
    CT_HOOK_OFF = 0,      /* stopped or finished: one load and return */
    CT_HOOK_BOOT = 1,     /* before init: initialise, then dispatch again */
    CT_HOOK_REC_TSC = 2,  /* recording, timestamps from rdtsc */
    CT_HOOK_REC_MONO = 3, /* recording, timestamps from CLOCK_MONOTONIC */
    CT_HOOK_SETS = 8,
};
#define CT_GATE_HOOK(g) ((unsigned)((g) & 7u))
#define CT_GATE_EPOCH(g) ((g) >> 3)
#define CT_GATE(epoch, hook) (((uint64_t)(epoch) << 3) | (uint64_t)(hook))
#define CT_HOOK_RECORDING(h) ((h) == CT_HOOK_REC_TSC || (h) == CT_HOOK_REC_MONO)
/* The recording hook set init chose (by clock). */
extern unsigned ct_hook_rec;

extern _Atomic uint64_t ct_gate;
/* CALLTRACE_MAX_DEPTH, copied here at init for the hot path. */
extern uint32_t ct_max_depth;

/* The slow path of every recorded event and of calltrace_mark(): registers
 * the calling thread if needed and, when the gate moved since its last
 * event, records a region boundary. Returns NULL when the thread is not
 * traced. */
CT_INTERNAL struct ct_thread *ct_sync(uint64_t gate);

/* Lifecycle (api.c): returns 0 once the runtime is initialised. */
CT_INTERNAL int ct_runtime_init(void);
/* Writes the final trace once (destructor, signal, _exit, quick_exit).
 * Returns 0 if this call wrote it. */
CT_INTERNAL int ct_runtime_finalize(void);

#endif
