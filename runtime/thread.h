/* thread.h — per-thread recording state and the registry of all threads. Internal.
 *
 * Each traced thread owns one buffer of 16-byte events. Only the owner writes
 * it; it publishes how many records are valid with a release store of
 * `count`. When the buffer is full the owner appends it to the spill file as
 * one chunk and increments `seq` before reusing the buffer, so a reader on
 * another thread (flush, exit) can copy the buffer seqlock-style: read seq,
 * count, the records, seq again; equal seqs mean a consistent copy. */
#ifndef CT_THREAD_H
#define CT_THREAD_H

#include <stdatomic.h>
#include <stdbool.h>
#include <sys/types.h>

#include "event.h"

#define CT_MAX_THREADS 4096u
#define CT_THREAD_NAME_MAX 64u

struct ct_thread {
    /* hot: touched by every event, one cache line */
    struct ct_event *buf;
    uint32_t cap;              /* records per buffer */
    _Atomic uint32_t count;    /* valid records in buf (release-published) */
    uint32_t depth;            /* recorded call depth */
    uint32_t busy;             /* re-entrancy guard: inside the runtime */
    uint64_t gate_seen;        /* the gate value this thread last synced to */
    uint64_t dropped_depth;    /* calls deeper than CALLTRACE_MAX_DEPTH */
    uint64_t dropped_reentrant;/* events from a signal handler interrupting the hook */

    /* cold */
    _Alignas(64) _Atomic uint32_t seq; /* chunks spilled so far */
    uint32_t serial;
    pid_t tid;
    _Atomic bool exited;
    bool name_set;             /* named by calltrace_set_thread_name() */
    uint64_t dropped_buffer;   /* records lost because the spill file failed */
    size_t map_bytes;
    char name[CT_THREAD_NAME_MAX];
};

/* The registry: ct_threads[0 .. ct_thread_count) are published (acquire-load
 * the count, then read the pointers). Entries stay valid until the process
 * ends; an exited thread's buffer has been spilled and unmapped. */
extern struct ct_thread *ct_threads[CT_MAX_THREADS];
extern _Atomic uint32_t ct_thread_count;
extern _Atomic uint64_t ct_untraced_threads;

/* The calling thread's state, NULL until its first recorded event. */
extern __thread struct ct_thread *ct_self __attribute__((tls_model("initial-exec")));
/* Set once this thread has said goodbye (TLS destructor): never re-register. */
extern __thread bool ct_self_done __attribute__((tls_model("initial-exec")));

/* Creates the pthread key whose destructor spills an exiting thread. */
CT_INTERNAL void ct_thread_init(void);
/* Registers the calling thread. Returns NULL (and counts it) when the
 * registry is full or memory cannot be mapped. Slow path. */
CT_INTERNAL struct ct_thread *ct_thread_register(void);
/* Appends the buffer to the spill file and empties it. Owner only. */
CT_INTERNAL void ct_thread_spill(struct ct_thread *t);
/* Reserves `n` contiguous records (spilling first if needed). Owner only,
 * with t->busy set. Publish them with ct_thread_commit(). */
CT_INTERNAL struct ct_event *ct_thread_reserve(struct ct_thread *t, uint32_t n);
CT_NOINST static inline void ct_thread_commit(struct ct_thread *t, uint32_t n)
{
    uint32_t c = atomic_load_explicit(&t->count, memory_order_relaxed);
    atomic_store_explicit(&t->count, c + n, memory_order_release);
}

/* Copies the thread's unspilled records into `out` (room for t->cap), taking
 * care of a concurrent spill. Returns the record count and sets *seq to the
 * number of chunks already in the spill file that precede them. */
CT_INTERNAL uint32_t ct_thread_snapshot(struct ct_thread *t, struct ct_event *out, uint32_t *seq);

/* Thread names change on their owner (pthread_setname_np, the API, exit) and
 * are read by output on another thread: both go through these, under a lock
 * that is never taken on the hot path. */
/* Owner: re-reads the kernel's name unless calltrace_set_thread_name() set one. */
CT_INTERNAL void ct_thread_refresh_name(struct ct_thread *t);
/* Owner: sets the name given to calltrace_set_thread_name(). */
CT_INTERNAL void ct_thread_set_name(struct ct_thread *t, const char *name);
/* Anyone: the thread's current name (the kernel's while it runs). */
CT_INTERNAL void ct_thread_get_name(struct ct_thread *t, char *out, size_t cap);

/* Counters written only by the owner, read by output on any thread:
 * relaxed atomics compile to a plain increment and keep readers race-free. */
#define CT_OWNER_INC(field) \
    __atomic_store_n(&(field), __atomic_load_n(&(field), __ATOMIC_RELAXED) + 1, __ATOMIC_RELAXED)
#define CT_OWNER_ADD(field, n) \
    __atomic_store_n(&(field), __atomic_load_n(&(field), __ATOMIC_RELAXED) + (n), __ATOMIC_RELAXED)
#define CT_READ(field) __atomic_load_n(&(field), __ATOMIC_RELAXED)

#endif
