/* writer.h — the writer thread: packs handed-off buffers into the spill file. Internal.
 *
 * Recording threads never write the disk: a full buffer is handed off
 * (thread.c) and this thread packs and appends it. It blocks every signal
 * (signals keep going to the program's own threads) and is never traced. */
#ifndef CT_WRITER_H
#define CT_WRITER_H

#include <stdbool.h>

#include "base/ct.h"

/* Starts the writer once (record/handoff.h says whether it runs). */
CT_INTERNAL void ct_writer_start(void);
/* Waits until everything handed off so far is written; the writer runs on
 * (and watches, see watchdog.h). */
CT_INTERNAL void ct_writer_drain(void);
/* Writes everything handed off, then stops the thread and waits for it. */
CT_INTERNAL void ct_writer_stop(void);
/* In a forked child: the writer thread does not exist there. */
CT_INTERNAL void ct_writer_forget(void);

#endif
