/* event.h — the binary event stream: records, chunks, spill file. Internal.
 *
 * Every thread appends fixed-size 16-byte records to its own buffer. A full
 * buffer becomes a chunk in the spill file: a chunk header, then the records
 * packed (pack.h).
 * The file starts with a header carrying a magic and a version. Readers
 * (output, the offline converter) rely only on this file. */
#ifndef CT_EVENT_H
#define CT_EVENT_H

#include <stdbool.h>
#include <sys/types.h>

#include "base/ct.h"

enum ct_ev_kind {
    CT_EV_ENTER = 0, /* addr = function entry */
    CT_EV_EXIT = 1,  /* addr = function entry */
    CT_EV_EXT = 2,   /* addr = subtype << 56 | payload */
};

enum ct_ext_type {
    /* Recording (re)started for this thread: frames still open belong to an
     * earlier region and end here. Payload: the start epoch. */
    CT_EXT_REGION = 1,
    /* calltrace_mark(): payload = label length; followed by
     * CT_EXT_PAYLOAD_EVENTS(len) records holding the label's bytes. */
    CT_EXT_MARK = 2,
    /* The ring was full under CALLTRACE_BUFFER_POLICY=drop: payload records
     * were discarded here. Open frames end, like at a region boundary. */
    CT_EXT_LOST = 3,
    /* Payload: a number of open calls that were abandoned (longjmp, or an
     * exception through code without cleanups): they end here, unwound. */
    CT_EXT_UNWIND = 4,
    /* The arguments of the call just entered (capture.c): payload = the
     * byte length (low 32 bits) and the descriptor's signature (bits 32-55),
     * followed by CT_EXT_PAYLOAD_EVENTS(length) records of raw values. */
    CT_EXT_ARGS = 5,
    /* The return value of the call that just exited, same layout; the bytes
     * start with the function's address. A status byte CT_RETVAL_UNWOUND
     * after it: the call did not return, an exception unwound it. */
    CT_EXT_RETVAL = 6,
    /* A system call of this thread (CALLTRACE_SYSCALLS, syscalls/): payload =
     * the byte length, followed by CT_EXT_PAYLOAD_EVENTS(length) records
     * holding a struct ct_sc_rec and its strings (syscalls/sc_rec.h). The
     * record's time is the call's end. */
    CT_EXT_SYSCALL = 7,
};
#define CT_RETVAL_UNWOUND 5u

struct ct_event {
    uint64_t word; /* ticks << 2 | kind */
    uint64_t addr;
};
_Static_assert(sizeof(struct ct_event) == 16, "event records are 16 bytes");

#define CT_EV_KIND(e) ((unsigned)((e)->word & 3u))
#define CT_EV_TICKS(e) ((e)->word >> 2)
#define CT_EV_WORD(ticks, kind) (((uint64_t)(ticks) << 2) | (uint64_t)(kind))
#define CT_EXT_TYPE(e) ((unsigned)((e)->addr >> 56))
#define CT_EXT_ARG(e) ((e)->addr & ((UINT64_C(1) << 56) - 1))
#define CT_EXT_ADDR(type, arg) (((uint64_t)(type) << 56) | ((uint64_t)(arg) & ((UINT64_C(1) << 56) - 1)))
#define CT_EXT_PAYLOAD_EVENTS(len) (((len) + sizeof(struct ct_event) - 1) / sizeof(struct ct_event))
#define CT_MARK_MAX 255u
/* The most bytes of captured values one call records (arguments, or return value). */
#define CT_VALUES_MAX 2048u
/* Records of raw payload that follow extension record e (marks, values). */
#define CT_EXT_PAYLOAD_LEN(e) \
    (CT_EXT_TYPE(e) == CT_EXT_MARK ? CT_EXT_ARG(e) \
     : CT_EXT_TYPE(e) == CT_EXT_ARGS || CT_EXT_TYPE(e) == CT_EXT_RETVAL ? (CT_EXT_ARG(e) & 0xffffffffu) \
     : CT_EXT_TYPE(e) == CT_EXT_SYSCALL ? (CT_EXT_ARG(e) & 0xffffu) : 0)
#define CT_EXT_FOLLOWERS(e) CT_EXT_PAYLOAD_EVENTS(CT_EXT_PAYLOAD_LEN(e))

#define CT_SPILL_MAGIC "CTRACE\0\1"
#define CT_SPILL_VERSION 5u
#define CT_CHUNK_MAGIC 0x4b4e4843u /* "CHNK" */

struct ct_spill_header {
    char magic[8];
    uint32_t version;
    uint32_t pid;
    uint64_t base_ticks;
    uint64_t base_mono;
    uint64_t base_real;
    uint32_t use_tsc;
    uint32_t reserved;
    uint64_t exe_bias; /* where the executable was loaded: addresses are runtime ones */
    uint64_t reserved2;
    char exe[4096 - 64]; /* the traced executable, for names offline */
};
_Static_assert(sizeof(struct ct_spill_header) == 4096, "spill header layout");

enum ct_chunk_encoding {
    CT_CHUNK_PACKED = 1, /* pack.h */
    CT_CHUNK_META = 2,   /* struct ct_meta + ct_meta_thread[]; serial CT_META_SERIAL */
};

/* Why the process is ending, for the trace's metadata; signal 0 = a plain exit. */
struct ct_ending {
    int signal;
    int code;         /* si_code */
    uint64_t address; /* si_addr: the faulting address */
    pid_t tid;        /* the thread that received it */
    bool crash;       /* a fault (crash object) rather than a termination request */
};

/* What a reader needs besides the events: the clock calibration, the
 * threads' names and losses, and how the process ended. The writer thread
 * appends one once the clock can be calibrated, and the runtime another at
 * exit or crash; the last one counts. */
#define CT_META_SERIAL 0xffffffffu
struct ct_meta {
    double ns_per_tick;
    uint64_t end_ticks;
    int32_t signal, code; /* the ending signal, 0 for none (yet) */
    uint64_t address;
    uint32_t tid;
    uint32_t nthreads;
    uint32_t final;       /* written at the end (exit or crash) */
    uint32_t crash;
    uint64_t untraced_threads;
};
struct ct_meta_thread {
    uint32_t serial, tid;
    uint32_t exited; /* the thread had ended: its open calls end at its last event */
    uint32_t reserved;
    char name[64];
    uint64_t dropped_depth, dropped_reentrant, dropped_buffer;
};

struct ct_chunk_header {
    uint32_t magic;
    uint32_t serial;   /* the thread's registration number, unique per process */
    uint32_t seq;      /* 0, 1, 2 ... per thread */
    uint32_t nev;      /* records encoded in the payload */
    uint32_t tid;
    uint32_t nbytes;   /* payload bytes that follow */
    uint16_t encoding; /* enum ct_chunk_encoding */
    uint16_t flags;
    uint32_t reserved;
};
_Static_assert(sizeof(struct ct_chunk_header) == 32, "chunk header layout");

#endif
