/* sc_rec.h — one recorded system call, as the event stream holds it
 * (CT_EXT_SYSCALL's payload, stream/event.h). Internal. */
#ifndef CT_SC_REC_H
#define CT_SC_REC_H

#include <stdint.h>

#define CT_SC_STR_MAX 255u /* bytes of a path argument kept */

enum ct_sc_flags {
    CT_SC_NORET = 1u,      /* recorded before it ran: it does not return (exec, exit) */
    CT_SC_STR0_BAD = 2u,   /* the first string argument could not be read */
    CT_SC_STR1_BAD = 4u,   /* nor the second */
    CT_SC_STR0_CUT = 8u,   /* the first string is longer than CT_SC_STR_MAX */
    CT_SC_STR1_CUT = 16u,
};

struct ct_sc_rec {
    uint64_t start;   /* ticks at entry; the record's own time is the end */
    uint64_t args[6];
    int64_t ret;      /* the raw result: -4095..-1 is -errno */
    uint16_t nr;
    uint8_t flags;    /* enum ct_sc_flags */
    uint8_t nstr;     /* strings that follow (0-2), NUL-terminated */
    uint8_t str_arg[2]; /* which argument each string is */
    uint8_t len[2];   /* their lengths, without the NUL */
};
_Static_assert(sizeof(struct ct_sc_rec) == 72, "syscall record layout");

#endif
