/* tmpfiles.h — the temporary files of writes in progress. Internal.
 *
 * Every trace file is written to a temporary name and renamed into place.
 * A write that never finishes (the process ends in a signal handler or by
 * the watchdog while another thread, or this one, was in a flush) would
 * leave its temporary file behind: the runtime's last act removes what is
 * still registered here. Fixed slots, no allocation: usable from a signal
 * handler. */
#ifndef CT_TMPFILES_H
#define CT_TMPFILES_H

#include "base/ct.h"

#define CT_TMPFILES_MAX 16u

/* Registers `path` (copied) while it is being written; false when every slot
 * is taken (it is then not removed on an interruption). */
CT_INTERNAL bool ct_tmpfile_add(const char *path);
/* The write finished (renamed or removed): forget `path`. */
CT_INTERNAL void ct_tmpfile_done(const char *path);
/* Removes every registered file: writes that will never finish. */
CT_INTERNAL void ct_tmpfile_remove_all(void);

#endif
