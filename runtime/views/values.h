/* values.h — captured argument and return values as JSON. Internal.
 *
 * The bytes are as recorded (capture/capture.h gives their layout); the
 * descriptors that say what they are come from the run (its descs
 * provider), the names of function pointers from its symbols. */
#ifndef CT_VALUES_H
#define CT_VALUES_H

#include "views/format.h"

struct ct_jw;
/* Writes "arguments": [...] (what = CT_EXT_ARGS) or "return_value": {...}
 * (CT_EXT_RETVAL) for the value record of function `fn`; nothing when the
 * descriptors do not match the recorded signature `sig`. */
CT_INTERNAL void ct_values_json(struct ct_jw *w, const struct ct_out_run *run, uint64_t fn,
                                unsigned what, uint32_t sig, const uint8_t *data, size_t len);

#endif
