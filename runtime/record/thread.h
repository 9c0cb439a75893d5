/* thread.h — per-thread recording state and the registry of all threads. Internal.
 *
 * Each traced thread owns a ring of CT_RING buffers of 16-byte events; it
 * fills one at a time. Only the owner writes a buffer; it publishes how many
 * records are valid with a release store of `count`. A full buffer is handed
 * to the writer thread (writer.c) by advancing `seq`; the writer packs it into
 * the spill file and advances `done`, which frees its slot. A reader on
 * another thread (flush, exit) copies the handed-off-but-unwritten buffers and
 * the current one seqlock-style: `gen` is odd while the owner switches or
 * reuses a buffer; a copy made between two equal, even reads is consistent. */
#ifndef CT_THREAD_H
#define CT_THREAD_H

#include <stdatomic.h>
#include <stdbool.h>
#include <sys/types.h>

#include "stream/event.h"

#define CT_MAX_THREADS 4096u
#define CT_THREAD_NAME_MAX 64u
#define CT_RING 4u /* buffers per thread: the per-thread budget is CT_RING x cap x 16 bytes */
#define CT_EH_LEVELS 8u /* nested C++ exceptions in flight told apart (hooks.c) */

/* An open call: the instrumented function's stack pointer at its enter hook
 * call, that call's return address, the call site the hook was given (the
 * return address of the physical frame: inlined calls share their caller's
 * stack pointer and call site, and the hook call's address tells them
 * apart), the function. */
/* An open call: its frame's CFA (record/cfa.h; named sp for history: the
 * key frames are compared by), the return address of its enter-hook call,
 * its call site, its function. */
struct ct_open_frame {
    uint64_t sp, hpc, site, fn;
};

struct ct_thread {
    /* hot: touched by every event, one cache line */
    struct ct_event *buf;      /* the buffer being filled: ring slot seq % CT_RING */
    uint32_t cap;              /* records per buffer */
    _Atomic uint32_t count;    /* valid records in buf (release-published) */
    uint32_t depth;            /* recorded call depth */
    uint32_t busy;             /* re-entrancy guard: inside the runtime */
    uint64_t gate_seen;        /* the gate value this thread last synced to */
    /* not 0 while C++ exceptions are in flight on this thread, or the slow
     * path has not seen them all caught yet: every event then takes the slow
     * path, which tells the exits an exception causes (hooks.c). eh_count,
     * or a constant 1 of hooks.c's while eh_level is not 0 */
    const unsigned *eh_uncaught;
    uint64_t dropped_depth;    /* calls deeper than CALLTRACE_MAX_DEPTH */
    uint64_t dropped_reentrant;/* events from a signal handler interrupting the hook */
    /* CALLTRACE_FILTER (hooks.c, filtered hook sets only) */
    uint32_t flt_inside;       /* open calls matching a positive pattern */
    uint32_t flt_skip;         /* open calls excluded with their subtree (!fn/ **) */
    uint64_t filtered;         /* calls not recorded because of a filter */
    /* where each recorded open call is, [0, min(depth, max)): tells frames
     * abandoned by longjmp (hooks.c) */
    struct ct_open_frame *sps;
    uint64_t stack_lo, stack_hi; /* the thread's own stack */

    /* cold: hand-off to the writer */
    _Alignas(64) _Atomic uint32_t seq; /* buffers handed off = index of the current one */
    _Atomic uint32_t done;             /* buffers the writer has written (<= seq) */
    _Atomic uint32_t lens[CT_RING];    /* records in handed-off buffer i, at i % CT_RING */
    _Atomic uint32_t gen;              /* seqlock: odd while the owner switches or reuses a buffer,
                                        * or the writer gives an exited thread's ring back */
    struct ct_event *ring;             /* CT_RING * cap records */
    uint32_t serial;
    pid_t tid;
    _Atomic bool exited;
    bool name_set;             /* named by calltrace_set_thread_name() */
    bool released;             /* exited and its ring given back (writer only) */
    uint64_t dropped_buffer;   /* records lost: full ring under the drop policy, or I/O */
    size_t map_bytes;
    char name[CT_THREAD_NAME_MAX];
    /* exceptions in flight as the slow path last saw them (hooks.c):
     * eh_open[i], the recorded depth when the (i+1)-th was first seen, less
     * the frames it has unwound since: the frames below it were open at
     * its throw */
    uint32_t eh_level;
    uint32_t eh_open[CT_EH_LEVELS];
    /* the C++ runtime's count of this thread's exceptions thrown and not yet
     * caught; a constant 0 without a C++ runtime */
    const unsigned *eh_count;
};

/* The registry: ct_threads[0 .. ct_thread_count) (NULL until published;
 * acquire-load the pointer). Entries stay valid until the process ends. */
extern struct ct_thread *ct_threads[CT_MAX_THREADS];
extern _Atomic uint32_t ct_thread_count;
extern _Atomic uint64_t ct_untraced_threads;

/* The calling thread's state, NULL until its first recorded event. */
extern __thread struct ct_thread *ct_self __attribute__((tls_model("initial-exec")));
/* Set once this thread has said goodbye (TLS destructor), and in the writer
 * thread: never register. */
extern __thread bool ct_self_done __attribute__((tls_model("initial-exec")));
/* The thread's trace ended in its last key destructor: what it still does
 * (later destructors of the program's) is counted in ct_lost_after_exit. */
extern __thread bool ct_self_exited __attribute__((tls_model("initial-exec")));
extern _Atomic uint64_t ct_lost_after_exit;

/* Creates the pthread key whose destructor hands off an exiting thread. */
CT_INTERNAL void ct_thread_init(void);
/* Registers the calling thread. Returns NULL (and counts it) when the
 * registry is full or memory cannot be mapped. Slow path. */
CT_INTERNAL struct ct_thread *ct_thread_register(void);
/* The buffer is full (or the thread leaves): hand it to the writer, or write
 * it here when there is no writer. With a full ring, waits for the writer or
 * drops and counts, per CALLTRACE_BUFFER_POLICY. Owner only, busy set. */
CT_INTERNAL void ct_thread_spill(struct ct_thread *t);
/* Reserves `n` contiguous records (handing off first if needed). Owner only,
 * with t->busy set. Publish them with ct_thread_commit(). */
CT_INTERNAL struct ct_event *ct_thread_reserve(struct ct_thread *t, uint32_t n);
CT_NOINST static inline void ct_thread_commit(struct ct_thread *t, uint32_t n)
{
    uint32_t c = atomic_load_explicit(&t->count, memory_order_relaxed);
    atomic_store_explicit(&t->count, c + n, memory_order_release);
}

/* The one way to write an extension record: type `ext` with argument `arg`
 * at `ticks`, followed by `len` bytes of payload (NULL: none) in whole
 * records, zero-padded. Owner only, with t->busy set; published at once. */
CT_INTERNAL void ct_thread_put_ext(struct ct_thread *t, uint64_t ticks, unsigned ext, uint64_t arg,
                                   const void *payload, size_t len);

/* What every thread lost so far, added up (any thread). */
struct ct_drop_totals {
    uint64_t depth;     /* calls deeper than CALLTRACE_MAX_DEPTH */
    uint64_t reentrant; /* events of signal handlers that interrupted the runtime */
    uint64_t buffer;    /* records of full rings (drop policy) or failed writes */
    uint64_t untraced;  /* threads that could not be traced */
    uint64_t after_exit; /* events of threads past their last key destructor */
    uint64_t at_fork;    /* events in a buffer a child made without atfork handlers inherited */
};
CT_INTERNAL void ct_thread_drop_totals(struct ct_drop_totals *out);

/* The traced process, and what turns a child made without atfork handlers
 * into a process of its own (set at init; ct_thread_spill() checks). */
extern pid_t ct_thread_pid;
extern void (*ct_thread_on_fork)(void);

/* In a forked child: the parent's threads are gone; the forking thread
 * registers afresh on its next event. */
CT_INTERNAL void ct_thread_forget_all(void);

/* Copies the thread's records not yet in the spill file (handed-off buffers
 * the writer has not written, then the current one) into `out` (room for
 * CT_RING * t->cap). Returns the record count and sets *done to the number of
 * chunks of this thread the spill file holds before them. Any thread. */
CT_INTERNAL uint32_t ct_thread_snapshot(struct ct_thread *t, struct ct_event *out, uint32_t *done);

/* Writes handed-off buffer `idx` to the spill file (packed) and advances
 * `done`. The writer thread, or the owner when there is no writer. */
CT_INTERNAL void ct_thread_write_buffer(struct ct_thread *t, uint32_t idx, uint8_t *scratch);

/* Thread names change on their owner (pthread_setname_np, the API, exit) and
 * are read by output on another thread: both go through these, under a lock
 * that is never taken on the hot path. */
/* Owner: re-reads the kernel's name unless calltrace_set_thread_name() set one. */
CT_INTERNAL void ct_thread_refresh_name(struct ct_thread *t);
/* Owner: sets the name given to calltrace_set_thread_name(). */
CT_INTERNAL void ct_thread_set_name(struct ct_thread *t, const char *name);
/* Anyone: the thread's current name (the kernel's while it runs). */
CT_INTERNAL void ct_thread_get_name(struct ct_thread *t, char *out, size_t cap);

/* True when both stack pointers lie on the thread's own stack: frames on a
 * signal stack or a coroutine's stack are never taken for abandoned ones
 * (hooks.c, capture.c). */
CT_NOINST static inline bool ct_same_stack(const struct ct_thread *t, uint64_t a, uint64_t b)
{
    return a - t->stack_lo < t->stack_hi - t->stack_lo && b - t->stack_lo < t->stack_hi - t->stack_lo;
}

/* Counters written only by the owner, read by output on any thread:
 * relaxed atomics compile to a plain increment and keep readers race-free. */
#define CT_OWNER_INC(field) \
    __atomic_store_n(&(field), __atomic_load_n(&(field), __ATOMIC_RELAXED) + 1, __ATOMIC_RELAXED)
#define CT_OWNER_ADD(field, n) \
    __atomic_store_n(&(field), __atomic_load_n(&(field), __ATOMIC_RELAXED) + (n), __ATOMIC_RELAXED)
#define CT_READ(field) __atomic_load_n(&(field), __ATOMIC_RELAXED)

#endif
