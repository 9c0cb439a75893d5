/* meta.c — what the event file holds besides the events: the META chunk
 * (clock calibration, thread names and losses, the ending) and, at a crash,
 * every thread's unwritten buffers. No allocation: both may run from a
 * signal handler. */
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "base/clock.h"
#include "record/meta.h"
#include "record/thread.h"
#include "stream/pack.h"
#include "stream/spill.h"

struct ct_ending ct_ending;
uint64_t ct_final_ticks; /* the end of the final trace, once finalisation began */
bool ct_meta_calibrated; /* the final META fixed the calibration */

void ct_meta_dump_buffers(void)
{
    /* No allocation: a crash may have come from inside malloc. The buffers
     * are packed where they are; chunk numbers >= each thread's `done`, so
     * a later read skips them in favour of its own snapshot. */
    static uint8_t *scratch;
    static size_t scratch_cap;
    uint32_t n = atomic_load_explicit(&ct_thread_count, memory_order_acquire);
    for (uint32_t i = 0; i < n; i++) {
        struct ct_thread *t = __atomic_load_n(&ct_threads[i], __ATOMIC_ACQUIRE);
        if (!t || t->released)
            continue;
        if (CT_PACK_BOUND(t->cap) > scratch_cap) {
            void *p = mmap(NULL, CT_PACK_BOUND(t->cap), PROT_READ | PROT_WRITE,
                           MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            if (p == MAP_FAILED)
                return;
            scratch = p;
            scratch_cap = CT_PACK_BOUND(t->cap);
        }
        uint32_t s = atomic_load(&t->seq), d = atomic_load(&t->done);
        for (uint32_t k = d; k <= s && s - d <= CT_RING; k++) {
            uint32_t len = k < s ? atomic_load(&t->lens[k % CT_RING]) : atomic_load(&t->count);
            if (len > t->cap)
                len = t->cap;
            if (len && ct_spill_check())
                ct_chunk_write(ct_spill_fd, t->serial, k, (uint32_t)t->tid,
                               t->ring + (size_t)(k % CT_RING) * t->cap, len, scratch);
        }
    }
}

CT_NOINST static void ct_meta_fill_and_append(bool final);

/* One META at a time (they share one buffer), and none after the final one:
 * a reader takes the file's last META, and the writer thread's early one
 * must not land after the final META of a crash that came first. */
static _Atomic int ct_meta_busy;
static bool ct_meta_closed;
#define CT_META_WAIT_ROUNDS 1000 /* of 100 us: a final META waits at most 0.1 s */

/* Takes the META turn. A final META waits for it (bounded: a signal may
 * have interrupted this very thread inside a META), the others do not. */
CT_NOINST static bool ct_meta_take(bool final)
{
    for (int i = 0;; i++) {
        int expected = 0;
        if (atomic_compare_exchange_strong(&ct_meta_busy, &expected, 1))
            return true;
        if (!final)
            return false;
        if (i == CT_META_WAIT_ROUNDS)
            return true; /* taken over */
        struct timespec ts = {0, 100 * 1000};
        nanosleep(&ts, NULL);
    }
}

void ct_meta_write(bool final)
{
    if (!ct_spill_check() || !ct_meta_take(final))
        return;
    if (ct_meta_closed) {
        atomic_store(&ct_meta_busy, 0);
        return;
    }
    ct_meta_fill_and_append(final);
    if (final)
        ct_meta_closed = true;
    atomic_store(&ct_meta_busy, 0);
}

CT_NOINST static void ct_meta_fill_and_append(bool final)
{
    static uint8_t *buf; /* mmap'd once: no malloc, this may run in a crash */
    size_t cap = sizeof(struct ct_meta) + CT_MAX_THREADS * sizeof(struct ct_meta_thread);
    if (!buf) {
        void *p = mmap(NULL, cap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
            return;
        buf = p;
    }
    struct ct_meta *m = (struct ct_meta *)buf;
    struct ct_meta_thread *th = (struct ct_meta_thread *)(m + 1);
    if (final) {
        ct_clock_calibrate(); /* waits out the first 5 ms: what the live trace uses too */
        ct_meta_calibrated = true;
    }
    double npt = final ? ct_clk.ns_per_tick : ct_clock_measure();
    *m = (struct ct_meta){
        .ns_per_tick = npt > 0 ? npt : ct_clk.ns_per_tick,
        .end_ticks = final && ct_final_ticks ? ct_final_ticks : ct_clock_ticks(),
        .signal = ct_ending.signal,
        .code = ct_ending.code,
        .address = ct_ending.address,
        .tid = (uint32_t)ct_ending.tid,
        .final = final,
        .crash = ct_ending.crash,
        .untraced_threads = atomic_load(&ct_untraced_threads),
    };
    uint32_t n = atomic_load_explicit(&ct_thread_count, memory_order_acquire);
    for (uint32_t i = 0; i < n && i < CT_MAX_THREADS; i++) {
        struct ct_thread *t = __atomic_load_n(&ct_threads[i], __ATOMIC_ACQUIRE);
        if (!t)
            continue;
        struct ct_meta_thread *e = &th[m->nthreads++];
        char name[CT_THREAD_NAME_MAX];
        ct_thread_get_name(t, name, sizeof(name));
        memset(e, 0, sizeof(*e));
        e->serial = t->serial;
        e->tid = (uint32_t)t->tid;
        e->exited = atomic_load_explicit(&t->exited, memory_order_acquire);
        memcpy(e->name, name, sizeof(e->name) < sizeof(name) ? sizeof(e->name) : sizeof(name));
        e->name[sizeof(e->name) - 1] = '\0';
        e->dropped_depth = CT_READ(t->dropped_depth);
        e->dropped_reentrant = CT_READ(t->dropped_reentrant);
        e->dropped_buffer = CT_READ(t->dropped_buffer);
    }
    struct ct_chunk_header h = {
        .magic = CT_CHUNK_MAGIC,
        .serial = CT_META_SERIAL,
        .nbytes = (uint32_t)(sizeof(*m) + m->nthreads * sizeof(*th)),
        .encoding = CT_CHUNK_META,
    };
    ct_spill_append(&h, buf);
}

