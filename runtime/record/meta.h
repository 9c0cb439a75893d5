/* meta.h — the event file's META chunk and the crash-time dump. Internal.
 *
 * Both write only through the spill file (stream/spill.h) and never
 * allocate: they run at exit, on a flush and from the crash handler. */
#ifndef CT_META_H
#define CT_META_H

#include <stdbool.h>

#include "base/ct.h"
#include "stream/event.h"

/* Why the process is ending (set by the signal handlers, core/signals.c). */
extern struct ct_ending ct_ending;
/* Set when finalisation begins: the end time of the final trace, the same
 * in the JSON and in the event file's META. */
extern uint64_t ct_final_ticks;
/* The final META calibrated the clock: the live trace uses that calibration. */
extern bool ct_meta_calibrated;

/* Appends a META chunk (calibration, thread names and losses, the ending)
 * to the spill file. `final` at exit or crash. */
CT_INTERNAL void ct_meta_write(bool final);
/* Before formatting a crash: packs every thread's unwritten buffers straight
 * into the spill file. */
CT_INTERNAL void ct_meta_dump_buffers(void);

#endif
