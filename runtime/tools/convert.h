/* convert.h — calltrace-convert's core: an event file (.ctraw) written by a
 * traced process becomes the same trace files the process would have
 * written. Internal to tools/ (and the fuzz harness). */
#ifndef CT_CONVERT_H
#define CT_CONVERT_H

#include "base/config.h"
#include "base/ct.h"

/* Writes the formats of `cfg` (to cfg->output, never raw) from the event
 * file `raw`, naming functions from `exe` (NULL: the executable the file
 * records), with cfg->max_depth, pretty and the limits as the views'
 * options. Returns 0 or a negative CALLTRACE_E* code (with a message). */
CT_INTERNAL int ct_convert(const struct ct_config *cfg, const char *raw, const char *exe);

/* The command line (convert_cli.c): argv[0] is the command's name, `prog`
 * the name its messages start with. Returns the exit status. */
CT_INTERNAL int ct_convert_cli(int argc, char **argv, const char *prog);

#endif
