/* sc_decode.h — a recorded system call as values a view can show:
 * arguments decoded for the common calls (paths, fds, flags by name, sizes,
 * pointers), the result and its errno name. Internal; used by views/ and
 * the converter, never at record time. */
#ifndef CT_SC_DECODE_H
#define CT_SC_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/ct.h"
#include "syscalls/sc_rec.h"

enum ct_sc_vkind {
    CT_SC_V_INT,  /* a number: num */
    CT_SC_V_SYM,  /* text to show as it is: "O_RDONLY|O_CLOEXEC", "AT_FDCWD", "0x7ffd..", "NULL" */
    CT_SC_V_STR,  /* a string the call was given (a path): text, len */
};

struct ct_sc_val {
    enum ct_sc_vkind kind;
    int64_t num;
    const char *text;
    size_t len;
    bool cut; /* a string longer than what was kept */
};

#define CT_SC_SCRATCH 512u

/* A decoded call: valid while rec, its strings and scratch live. */
struct ct_sc_call {
    const struct ct_sc_rec *rec;
    const char *name;
    unsigned nargs;
    struct ct_sc_val args[6];
    bool failed;          /* ret in -4095..-1 */
    int err;              /* then: the errno */
    const char *errname;  /* "ENOENT" ("E123" when unknown) */
    bool noret;           /* recorded before it ran; never returned */
    struct ct_sc_val ret; /* a number, or an address (mmap, brk) */
    char scratch[CT_SC_SCRATCH];
    char namebuf[24], errbuf[16];
};

/* Decodes a CT_EXT_SYSCALL payload (data, len). Returns false when it is
 * too short to be one. */
CT_INTERNAL bool ct_sc_decode(const uint8_t *data, size_t len, struct ct_sc_call *c);
/* One value as strace shows it (strings quoted and escaped) into out.
 * Returns the length written (at most cap - 1). */
CT_INTERNAL size_t ct_sc_val_text(const struct ct_sc_val *v, char *out, size_t cap);
/* The whole call as one strace-like line: `openat(AT_FDCWD, "/etc/x",
 * O_RDONLY) = 3` or `= -1 ENOENT`. Returns its length. */
CT_INTERNAL size_t ct_sc_line(const struct ct_sc_call *c, char *out, size_t cap);

#endif
