/* thread.c — thread registration, buffers, spilling, and consistent snapshots.
 *
 * Buffers are mmap()ed, never malloc()ed: registration can run inside any
 * instrumented function, including a user's own instrumented allocator. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "config.h"
#include "spill.h"
#include "thread.h"

struct ct_thread *ct_threads[CT_MAX_THREADS];
_Atomic uint32_t ct_thread_count;
_Atomic uint64_t ct_untraced_threads;
__thread struct ct_thread *ct_self __attribute__((tls_model("initial-exec")));
__thread bool ct_self_done __attribute__((tls_model("initial-exec")));

static pthread_key_t ct_thread_key;
static bool ct_thread_key_ok;

#define CT_PAGE 4096u
_Static_assert(sizeof(struct ct_thread) <= CT_PAGE, "thread state fits its page");

/* TLS destructor: the thread is leaving. Everything it recorded goes to the
 * spill file now, so a thread that exits early loses nothing. */
CT_NOINST static void ct_thread_exit(void *arg)
{
    struct ct_thread *t = arg;
    if (!t)
        return;
    int saved = errno;
    t->busy = 1;
    ct_thread_refresh_name(t);
    ct_thread_spill(t);
    atomic_store_explicit(&t->exited, true, memory_order_release);
    ct_self = NULL;
    ct_self_done = true;
    /* Give the pages back but keep the mapping: a concurrent snapshot may
     * still be reading it (it will see seq move and retry). */
    madvise(t->buf, (size_t)t->cap * sizeof(struct ct_event), MADV_DONTNEED);
    errno = saved;
}

void ct_thread_init(void)
{
    ct_thread_key_ok = pthread_key_create(&ct_thread_key, ct_thread_exit) == 0;
}

struct ct_thread *ct_thread_register(void)
{
    uint32_t slot = atomic_fetch_add_explicit(&ct_thread_count, 0, memory_order_relaxed);
    do {
        if (slot >= CT_MAX_THREADS) {
            if (atomic_fetch_add(&ct_untraced_threads, 1) == 0)
                ct_log("more than %u threads: later threads are not traced (counted in "
                       "metadata.dropped.untraced_threads)",
                       CT_MAX_THREADS);
            return NULL;
        }
    } while (!atomic_compare_exchange_weak(&ct_thread_count, &slot, slot + 1));

    size_t cap = ct_cfg.buffer_bytes / sizeof(struct ct_event);
    size_t bytes = CT_PAGE + cap * sizeof(struct ct_event);
    void *map = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (map == MAP_FAILED) {
        /* The slot stays empty (NULL); readers skip it. */
        atomic_fetch_add(&ct_untraced_threads, 1);
        ct_log("cannot map a %zu KiB event buffer (%s): this thread is not traced", bytes / 1024,
               strerror(errno));
        return NULL;
    }
    struct ct_thread *t = map;
    t->buf = (struct ct_event *)((char *)map + CT_PAGE);
    t->cap = (uint32_t)cap;
    t->serial = slot;
    t->tid = (pid_t)gettid();
    t->map_bytes = bytes;
    ct_thread_refresh_name(t);
    if (ct_thread_key_ok)
        pthread_setspecific(ct_thread_key, t);
    __atomic_store_n(&ct_threads[slot], t, __ATOMIC_RELEASE);
    return t;
}

void ct_thread_spill(struct ct_thread *t)
{
    uint32_t n = atomic_load_explicit(&t->count, memory_order_relaxed);
    if (n == 0)
        return;
    int saved = errno;
    struct ct_chunk_header h = {
        .magic = CT_CHUNK_MAGIC,
        .serial = t->serial,
        .seq = atomic_load_explicit(&t->seq, memory_order_relaxed),
        .nev = n,
        .tid = (uint32_t)t->tid,
    };
    if (ct_spill_append(&h, t->buf) != 0)
        CT_OWNER_ADD(t->dropped_buffer, n);
    /* seqlock write side: seq moves before the buffer is reused */
    atomic_fetch_add_explicit(&t->seq, 1, memory_order_seq_cst);
    atomic_store_explicit(&t->count, 0, memory_order_relaxed);
    atomic_thread_fence(memory_order_seq_cst);
    errno = saved;
}

struct ct_event *ct_thread_reserve(struct ct_thread *t, uint32_t n)
{
    uint32_t c = atomic_load_explicit(&t->count, memory_order_relaxed);
    if (c + n > t->cap) {
        ct_thread_spill(t);
        c = 0;
    }
    return t->buf + c;
}

uint32_t ct_thread_snapshot(struct ct_thread *t, struct ct_event *out, uint32_t *seq)
{
    for (int tries = 0; tries < 10000; tries++) {
        uint32_t s1 = atomic_load_explicit(&t->seq, memory_order_acquire);
        uint32_t n = atomic_load_explicit(&t->count, memory_order_acquire);
        if (n > t->cap)
            n = t->cap;
        /* Word-wise relaxed atomic copy: racing with the owner is expected and
         * detected by the seq check; plain memcpy would be a data race. */
        const uint64_t *src = (const uint64_t *)t->buf;
        uint64_t *dst = (uint64_t *)out;
        for (size_t i = 0; i < (size_t)n * 2; i++)
            dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
        atomic_thread_fence(memory_order_acquire);
        if (atomic_load_explicit(&t->seq, memory_order_relaxed) == s1) {
            *seq = s1;
            return n;
        }
    }
    *seq = atomic_load_explicit(&t->seq, memory_order_acquire);
    return 0;
}

static pthread_mutex_t ct_name_lock = PTHREAD_MUTEX_INITIALIZER;

void ct_thread_refresh_name(struct ct_thread *t)
{
    char name[CT_THREAD_NAME_MAX] = "";
    prctl(PR_GET_NAME, name, 0, 0, 0); /* the caller's own name: no syscall to /proc */
    name[sizeof(name) - 1] = '\0';
    pthread_mutex_lock(&ct_name_lock);
    if (!t->name_set)
        memcpy(t->name, name, sizeof(name));
    pthread_mutex_unlock(&ct_name_lock);
}

void ct_thread_set_name(struct ct_thread *t, const char *name)
{
    pthread_mutex_lock(&ct_name_lock);
    snprintf(t->name, sizeof(t->name), "%s", name);
    t->name_set = true;
    pthread_mutex_unlock(&ct_name_lock);
}

void ct_thread_get_name(struct ct_thread *t, char *out, size_t cap)
{
    pthread_mutex_lock(&ct_name_lock);
    snprintf(out, cap, "%s", t->name);
    bool fixed = t->name_set || atomic_load_explicit(&t->exited, memory_order_acquire);
    pthread_mutex_unlock(&ct_name_lock);
    if (fixed)
        return;
    /* still running: the kernel knows its latest pthread_setname_np() */
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/task/%d/comm", (int)t->tid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    char name[CT_THREAD_NAME_MAX];
    ssize_t r = read(fd, name, sizeof(name) - 1);
    close(fd);
    if (r > 0) {
        name[r] = '\0';
        name[strcspn(name, "\n")] = '\0';
        snprintf(out, cap, "%s", name);
    }
}
