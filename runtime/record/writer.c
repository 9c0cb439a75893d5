/* writer.c — the writer thread. */
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "record/meta.h"
#include "stream/pack.h"
#include "record/thread.h"
#include "record/handoff.h"
#include "record/watchdog.h"
#include "record/writer.h"

static pthread_t ct_writer_thread;
static _Atomic bool ct_writer_quit;   /* asked to drain and stop */
static _Atomic int ct_writer_once;
/* ct_writer_drain(): requests, and the last request a pass that found
 * nothing left to write has answered (a futex word) */
static _Atomic uint32_t ct_drain_req, ct_drain_ack;

/* One pass over every thread: writes what was handed off. Returns the
 * number of buffers written. */
CT_NOINST static unsigned ct_writer_pass(uint8_t **scratch, uint32_t *scratch_cap)
{
    unsigned wrote = 0;
    uint32_t n = atomic_load_explicit(&ct_thread_count, memory_order_acquire);
    for (uint32_t i = 0; i < n; i++) {
        struct ct_thread *t = __atomic_load_n(&ct_threads[i], __ATOMIC_ACQUIRE);
        if (!t || t->released)
            continue;
        if (t->cap > *scratch_cap) {
            if (*scratch)
                munmap(*scratch, CT_PACK_BOUND(*scratch_cap));
            *scratch = ct_handoff_scratch(t->cap);
            *scratch_cap = *scratch ? t->cap : 0;
            if (!*scratch)
                return wrote;
        }
        bool exited = atomic_load_explicit(&t->exited, memory_order_acquire);
        uint32_t s = atomic_load_explicit(&t->seq, memory_order_acquire);
        for (uint32_t d = atomic_load_explicit(&t->done, memory_order_relaxed); d < s; d++) {
            ct_thread_write_buffer(t, d, *scratch);
            wrote++;
        }
        if (exited && atomic_load_explicit(&t->done, memory_order_acquire) == s &&
            atomic_load_explicit(&t->count, memory_order_acquire) == 0) {
            /* everything it recorded is on disk: give its memory back. The
             * pages read as zeros after: a snapshot (flush) still copying the
             * buffer just written must see the seqlock move and copy again
             * (it then finds nothing left in memory), or it keeps zeros,
             * records of function 0 (the owner is gone: gen is ours now) */
            atomic_fetch_add_explicit(&t->gen, 1, memory_order_seq_cst);
            madvise(t->ring, (size_t)CT_RING * t->cap * sizeof(struct ct_event), MADV_DONTNEED);
            atomic_fetch_add_explicit(&t->gen, 1, memory_order_seq_cst);
            t->released = true;
        }
    }
    return wrote;
}

/* Threads registered and in place (a slot is counted before its thread's
 * state is mapped and stored). */
CT_NOINST static uint32_t ct_writer_threads_present(void)
{
    uint32_t n = atomic_load_explicit(&ct_thread_count, memory_order_acquire), k = 0;
    for (uint32_t i = 0; i < n; i++)
        k += __atomic_load_n(&ct_threads[i], __ATOMIC_ACQUIRE) != NULL;
    return k;
}

CT_NOINST static void *ct_writer_main(void *arg)
{
    (void)arg;
    ct_self_done = true; /* never traced, never registered */
    uint32_t meta_threads = UINT32_MAX; /* threads the last META named */
    uint8_t *scratch = NULL;
    uint32_t scratch_cap = 0;
    for (;;) {
        uint32_t k = atomic_load_explicit(&ct_handoff_kicks, memory_order_seq_cst);
        uint32_t req = atomic_load_explicit(&ct_drain_req, memory_order_acquire);
        ct_watchdog_poll();
        uint32_t nthreads = ct_writer_threads_present();
        if (nthreads != meta_threads && ct_clock_measure() > 0) {
            /* calibrated early, and again for each new thread: even a
             * process killed by SIGKILL leaves an event file whose times
             * convert and whose threads have their names */
            ct_meta_write(false);
            meta_threads = nthreads;
        }
        if (ct_writer_pass(&scratch, &scratch_cap))
            continue;
        if (atomic_load_explicit(&ct_drain_ack, memory_order_relaxed) != req) {
            atomic_store_explicit(&ct_drain_ack, req, memory_order_release);
            syscall(SYS_futex, &ct_drain_ack, FUTEX_WAKE_PRIVATE, INT32_MAX, NULL, NULL, 0);
        }
        if (atomic_load_explicit(&ct_writer_quit, memory_order_acquire))
            break;
        atomic_store_explicit(&ct_handoff_sleeping, true, memory_order_seq_cst);
        if (atomic_load_explicit(&ct_handoff_kicks, memory_order_seq_cst) == k) {
            struct timespec ts = {0, 50 * 1000 * 1000}; /* exited threads, quit: also polled */
            syscall(SYS_futex, &ct_handoff_kicks, FUTEX_WAIT_PRIVATE, k, &ts, NULL, 0);
        }
        atomic_store_explicit(&ct_handoff_sleeping, false, memory_order_seq_cst);
    }
    ct_writer_pass(&scratch, &scratch_cap);
    if (scratch)
        munmap(scratch, CT_PACK_BOUND(scratch_cap));
    return NULL;
}

void ct_writer_start(void)
{
    int expected = 0;
    if (!atomic_compare_exchange_strong(&ct_writer_once, &expected, 1))
        return;
    /* The writer inherits a full signal mask: the program's signals keep
     * going to the program's threads. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = pthread_create(&ct_writer_thread, NULL, ct_writer_main, NULL);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        ct_debug("no writer thread (%d): threads write their own buffers", rc);
        return;
    }
    pthread_setname_np(ct_writer_thread, "calltrace-wr");
    atomic_store_explicit(&ct_handoff_up, true, memory_order_release);
}

void ct_writer_forget(void)
{
    atomic_store(&ct_handoff_up, false);
    atomic_store(&ct_writer_quit, false);
    atomic_store(&ct_handoff_sleeping, false);
    atomic_store(&ct_writer_once, 1); /* and none is started in the child */
}

void ct_writer_drain(void)
{
    if (!atomic_load_explicit(&ct_handoff_up, memory_order_acquire))
        return;
    uint32_t want = atomic_fetch_add_explicit(&ct_drain_req, 1, memory_order_acq_rel) + 1;
    ct_handoff_kick();
    for (;;) {
        uint32_t ack = atomic_load_explicit(&ct_drain_ack, memory_order_acquire);
        if ((int32_t)(ack - want) >= 0)
            return;
        struct timespec ts = {0, 10 * 1000 * 1000};
        syscall(SYS_futex, &ct_drain_ack, FUTEX_WAIT_PRIVATE, ack, &ts, NULL, 0);
    }
}

void ct_writer_stop(void)
{
    if (!atomic_load_explicit(&ct_handoff_up, memory_order_acquire))
        return;
    atomic_store_explicit(&ct_writer_quit, true, memory_order_release);
    ct_handoff_kick();
    pthread_join(ct_writer_thread, NULL);
    atomic_store_explicit(&ct_handoff_up, false, memory_order_release);
}
