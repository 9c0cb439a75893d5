/* thread.c — thread registration, buffers, spilling, and consistent snapshots.
 *
 * Buffers are mmap()ed, never malloc()ed: registration can run inside any
 * instrumented function, including a user's own instrumented allocator. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "base/config.h"
#include "base/clock.h"
#include "stream/pack.h"
#include "stream/spill.h"
#include "record/thread.h"
#include "record/handoff.h"
#include "record/sud.h"

struct ct_thread *ct_threads[CT_MAX_THREADS];
_Atomic uint32_t ct_thread_count;
_Atomic uint64_t ct_untraced_threads;
__thread struct ct_thread *ct_self __attribute__((tls_model("initial-exec")));
__thread bool ct_self_done __attribute__((tls_model("initial-exec")));
__thread bool ct_self_exited __attribute__((tls_model("initial-exec")));
_Atomic uint64_t ct_lost_after_exit;
/* How many times this thread's key destructor ran (see ct_thread_exit). */
static __thread unsigned ct_exit_rounds __attribute__((tls_model("initial-exec")));

static pthread_key_t ct_thread_key;
static pthread_mutex_t ct_name_lock = PTHREAD_MUTEX_INITIALIZER;
static bool ct_thread_key_ok;

#define CT_PAGE 4096u

/* The C++ runtime's per-thread exception state (Itanium C++ ABI, libstdc++
 * and libc++ alike): a weak reference, NULL in a program without it. */
struct ct_cxa_eh_globals {
    void *caught;
    unsigned uncaught;
};
extern struct ct_cxa_eh_globals *__cxa_get_globals(void) __attribute__((weak));
static const unsigned ct_no_exceptions;
_Static_assert(sizeof(struct ct_thread) <= CT_PAGE, "thread state fits its page");

/* TLS destructor: the thread is leaving. Everything it recorded is handed to
 * the writer now, so a thread that exits early loses nothing. */
CT_NOINST static void ct_thread_exit(void *arg)
{
    struct ct_thread *t = arg;
    if (!t)
        return;
    int saved = errno;
    /* Destructors of keys the program created after ours run after this one,
     * and may call instrumented code: keep recording and ask to be called
     * again in glibc's next round. The next-to-last round ends the thread's
     * trace: in the last one, runtimes that finish their own thread state
     * there (the sanitizers') may already have done so. */
    if (++ct_exit_rounds < PTHREAD_DESTRUCTOR_ITERATIONS - 1 && ct_thread_key_ok &&
        pthread_setspecific(ct_thread_key, t) == 0) {
        errno = saved;
        return;
    }
    t->busy = 1;
    ct_thread_refresh_name(t);
    ct_self = NULL;
    ct_self_done = true; /* from here on the hooks ignore this thread, and spill never drops */
    ct_self_exited = true; /* and count what they ignore */
    ct_thread_spill(t);
    atomic_store_explicit(&t->exited, true, memory_order_release);
    ct_handoff_kick();
    errno = saved;
}

void ct_thread_init(void)
{
    ct_thread_key_ok = pthread_key_create(&ct_thread_key, ct_thread_exit) == 0;
}

/* A crash handler on a thread whose stack overflowed needs a stack of its
 * own; give the thread one unless the program already did. */
CT_NOINST static void ct_thread_altstack(void)
{
    stack_t ss;
    if (sigaltstack(NULL, &ss) != 0 || !(ss.ss_flags & SS_DISABLE))
        return;
    size_t size = 256 * 1024; /* writing the trace symbolizes: more than SIGSTKSZ */
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return;
    ss = (stack_t){.ss_sp = p, .ss_size = size, .ss_flags = 0};
    if (sigaltstack(&ss, NULL) != 0)
        munmap(p, size);
}

/* Parses one hexadecimal number of a /proc/self/maps line. */
CT_NOINST static const char *ct_hex(const char *p, const char *end, uint64_t *out)
{
    uint64_t v = 0;
    for (; p < end; p++) {
        unsigned c = (unsigned char)*p;
        unsigned d = c - '0' < 10 ? c - '0' : (c | 32) - 'a' < 6 ? (c | 32) - 'a' + 10 : 16;
        if (d == 16)
            break;
        v = v << 4 | d;
    }
    *out = v;
    return p;
}

/* The bounds of the calling thread's stack: the mapping that holds sp (for
 * the process's first thread, down to the stack size limit it may grow to).
 * Read with plain syscalls: no allocation, no stdio (registration may run
 * inside the program's own allocator). Empty when unknown: then no frame is
 * ever taken for an abandoned one. */
CT_NOINST static void ct_stack_bounds(uint64_t sp, uint64_t *lo, uint64_t *hi)
{
    *lo = *hi = 0;
    int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    char buf[4096];
    size_t have = 0;
    bool found = false;
    for (;;) {
        ssize_t r = read(fd, buf + have, sizeof(buf) - have);
        if (r <= 0)
            break;
        have += (size_t)r;
        char *line = buf, *end = buf + have, *nl;
        while (!found && (nl = memchr(line, '\n', (size_t)(end - line)))) {
            uint64_t a, b;
            const char *p = ct_hex(line, nl, &a);
            if (p < nl && *p == '-') {
                ct_hex(p + 1, nl, &b);
                if (sp >= a && sp < b) {
                    *lo = a;
                    *hi = b;
                    found = true;
                    if (memmem(line, (size_t)(nl - line), "[stack]", 7)) {
                        struct rlimit rl;
                        uint64_t room = UINT64_C(1) << 30;
                        if (getrlimit(RLIMIT_STACK, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
                            rl.rlim_cur < room)
                            room = rl.rlim_cur;
                        *lo = b - room < b ? b - room : 0;
                    }
                }
            }
            line = nl + 1;
        }
        if (found)
            break;
        have = (size_t)(end - line);
        memmove(buf, line, have);
        if (have == sizeof(buf)) /* a line longer than the buffer: skip it */
            have = 0;
    }
    close(fd);
}

CT_NOINST static struct ct_thread *ct_thread_register_now(void)
{
    uint32_t slot = atomic_load_explicit(&ct_thread_count, memory_order_relaxed);
    do {
        if (slot >= CT_MAX_THREADS) {
            if (atomic_fetch_add(&ct_untraced_threads, 1) == 0)
                ct_log("more than %u threads: later threads are not traced (counted in "
                       "metadata.dropped.untraced_threads)",
                       CT_MAX_THREADS);
            return NULL;
        }
    } while (!atomic_compare_exchange_weak(&ct_thread_count, &slot, slot + 1));

    size_t cap = ct_cfg.buffer_bytes / CT_RING / sizeof(struct ct_event);
    /* the state, then the open calls' stack pointers, then the ring */
    size_t head = (sizeof(struct ct_thread) + ((size_t)ct_cfg.max_depth + 1) * sizeof(struct ct_open_frame) +
                   CT_PAGE - 1) / CT_PAGE * CT_PAGE;
    size_t bytes = head + CT_RING * cap * sizeof(struct ct_event);
    void *map = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (map == MAP_FAILED) {
        /* The slot stays empty (NULL); readers skip it. */
        atomic_fetch_add(&ct_untraced_threads, 1);
        ct_log("cannot map a %zu KiB event buffer (%s): this thread is not traced", bytes / 1024,
               strerror(errno));
        return NULL;
    }
    struct ct_thread *t = map;
    t->sps = (struct ct_open_frame *)(t + 1);
    t->ring = (struct ct_event *)((char *)map + head);
    ct_stack_bounds((uint64_t)(uintptr_t)__builtin_frame_address(0), &t->stack_lo, &t->stack_hi);
    t->buf = t->ring;
    t->cap = (uint32_t)cap;
    t->serial = slot;
    t->tid = (pid_t)gettid();
    t->map_bytes = bytes;
    /* a TLS address of the C++ runtime: no allocation, valid for the thread's life */
    t->eh_count = __cxa_get_globals ? &__cxa_get_globals()->uncaught : &ct_no_exceptions;
    t->eh_uncaught = t->eh_count;
    ct_thread_refresh_name(t);
    ct_thread_altstack();
    if (ct_thread_key_ok)
        pthread_setspecific(ct_thread_key, t);
    __atomic_store_n(&ct_threads[slot], t, __ATOMIC_RELEASE);
    return t;
}

CT_NOINST static struct ct_event *ct_slot(const struct ct_thread *t, uint32_t idx)
{
    return t->ring + (size_t)(idx % CT_RING) * t->cap;
}

void ct_thread_write_buffer(struct ct_thread *t, uint32_t idx, uint8_t *scratch)
{
    uint32_t n = atomic_load_explicit(&t->lens[idx % CT_RING], memory_order_acquire);
    const struct ct_event *ev = ct_slot(t, idx);
    size_t len = ct_pack(ev, n, scratch);
    struct ct_chunk_header h = {
        .magic = CT_CHUNK_MAGIC,
        .serial = t->serial,
        .seq = idx,
        .nev = n,
        .tid = (uint32_t)t->tid,
        .nbytes = (uint32_t)len,
        .encoding = CT_CHUNK_PACKED,
    };
    if (ct_spill_append(&h, scratch) != 0)
        __atomic_fetch_add(&t->dropped_buffer, n, __ATOMIC_RELAXED);
    atomic_store_explicit(&t->done, idx + 1, memory_order_release);
}

/* No room in the ring: the policy decides. Returns true when the buffer
 * was dropped (the caller must not hand it off). */
CT_NOINST static bool ct_ring_full(struct ct_thread *t, uint32_t s)
{
    /* a thread that is leaving waits whatever the policy: nothing may stay behind */
    if (ct_cfg.buffer_policy == CT_POLICY_DROP && !ct_self_done) {
        uint32_t n = atomic_load_explicit(&t->count, memory_order_relaxed);
        __atomic_fetch_add(&t->dropped_buffer, n, __ATOMIC_RELAXED);
        /* the buffer is reused in place: mark the gap so the tree closes
         * what was open instead of mis-nesting what follows */
        atomic_fetch_add_explicit(&t->gen, 1, memory_order_seq_cst);
        atomic_store_explicit(&t->count, 0, memory_order_relaxed);
        ct_thread_put_ext(t, ct_clock_ticks(), CT_EXT_LOST, n, NULL, 0);
        atomic_fetch_add_explicit(&t->gen, 1, memory_order_seq_cst);
        return true;
    }
    /* block: the writer frees a slot as soon as it has written one */
    while (s + 1 - atomic_load_explicit(&t->done, memory_order_acquire) >= CT_RING) {
        ct_handoff_kick();
        struct timespec ts = {0, 20000};
        nanosleep(&ts, NULL);
    }
    return false;
}

pid_t ct_thread_pid;
_Atomic uint64_t ct_lost_at_fork;
void (*ct_thread_on_fork)(void);

/* A child made without fork()'s atfork handlers (_Fork, a raw fork or clone
 * syscall) still has the parent's threads, and believes in its writer: set
 * it up as a child of its own once, here in the slow path. The buffer's
 * events are the parent's (it writes them itself): the child forgets them. */
CT_NOINST static bool ct_thread_forked(struct ct_thread *t)
{
    pid_t pid = getpid();
    if (CT_LIKELY(pid == ct_thread_pid || !ct_thread_on_fork))
        return false;
    ct_thread_pid = pid;
    ct_thread_on_fork();
    /* the child's own first events are among them: counted */
    atomic_fetch_add(&ct_lost_at_fork, atomic_load_explicit(&t->count, memory_order_relaxed));
    atomic_store_explicit(&t->count, 0, memory_order_relaxed);
    return true;
}

CT_NOINST static void ct_thread_spill_now(struct ct_thread *t)
{
    uint32_t n = atomic_load_explicit(&t->count, memory_order_relaxed);
    if (n == 0)
        return;
    int saved = errno;
    if (CT_UNLIKELY(ct_thread_forked(t))) {
        errno = saved;
        return;
    }
    uint32_t s = atomic_load_explicit(&t->seq, memory_order_relaxed);
    if (!ct_handoff_running()) {
        /* no writer (not started, or it could not be): write it here */
        static __thread uint8_t *scratch;
        if (!scratch)
            scratch = ct_handoff_scratch(t->cap);
        atomic_store_explicit(&t->lens[s % CT_RING], n, memory_order_release);
        if (scratch)
            ct_thread_write_buffer(t, s, scratch);
        else
            __atomic_fetch_add(&t->dropped_buffer, n, __ATOMIC_RELAXED);
    } else if (s + 1 - atomic_load_explicit(&t->done, memory_order_acquire) >= CT_RING &&
               ct_ring_full(t, s)) {
        errno = saved;
        return;
    } else {
        atomic_store_explicit(&t->lens[s % CT_RING], n, memory_order_release);
    }
    /* seqlock write side: odd while the next buffer becomes current */
    atomic_fetch_add_explicit(&t->gen, 1, memory_order_seq_cst);
    atomic_store_explicit(&t->seq, s + 1, memory_order_seq_cst);
    t->buf = ct_slot(t, s + 1);
    atomic_store_explicit(&t->count, 0, memory_order_relaxed);
    atomic_fetch_add_explicit(&t->gen, 1, memory_order_seq_cst);
    ct_handoff_kick();
    errno = saved;
}

/* Both make system calls of the runtime's own: never trapped (sud.h). */
struct ct_thread *ct_thread_register(void)
{
    ct_sud_hold();
    struct ct_thread *t = ct_thread_register_now();
    if (t && ct_sud_on_register)
        ct_sud_on_register();
    ct_sud_release();
    return t;
}

void ct_thread_spill(struct ct_thread *t)
{
    ct_sud_hold();
    ct_thread_spill_now(t);
    ct_sud_release();
}

struct ct_event *ct_thread_reserve(struct ct_thread *t, uint32_t n)
{
    uint32_t c = atomic_load_explicit(&t->count, memory_order_relaxed);
    if (c + n > t->cap) {
        ct_thread_spill(t);
        c = atomic_load_explicit(&t->count, memory_order_relaxed);
    }
    return t->buf + c;
}

/* Word-wise relaxed atomic copy: racing with the owner is expected and
 * detected by the seq check; a plain memcpy would be a data race. */
CT_NOINST static void ct_copy_words(struct ct_event *out, const struct ct_event *in, uint32_t n)
{
    const uint64_t *src = (const uint64_t *)in;
    uint64_t *dst = (uint64_t *)out;
    for (size_t i = 0; i < (size_t)n * 2; i++)
        dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
}

void ct_thread_forget_all(void)
{
    uint32_t n = atomic_load(&ct_thread_count);
    for (uint32_t i = 0; i < n && i < CT_MAX_THREADS; i++)
        __atomic_store_n(&ct_threads[i], NULL, __ATOMIC_RELAXED);
    atomic_store(&ct_thread_count, 0);
    atomic_store(&ct_untraced_threads, 0);
    ct_self = NULL; /* its mapping stays: this thread's old buffers are the parent's */
    pthread_mutex_init(&ct_name_lock, NULL);
}

uint32_t ct_thread_snapshot(struct ct_thread *t, struct ct_event *out, uint32_t *done)
{
    for (int tries = 0; tries < 10000; tries++) {
        uint32_t g1 = atomic_load_explicit(&t->gen, memory_order_acquire);
        if (g1 & 1u)
            continue;
        uint32_t s1 = atomic_load_explicit(&t->seq, memory_order_acquire);
        uint32_t d = atomic_load_explicit(&t->done, memory_order_acquire);
        uint32_t total = 0;
        for (uint32_t i = d; i < s1 && s1 - d <= CT_RING; i++) {
            uint32_t len = atomic_load_explicit(&t->lens[i % CT_RING], memory_order_acquire);
            if (len > t->cap)
                len = t->cap;
            ct_copy_words(out + total, ct_slot(t, i), len);
            total += len;
        }
        uint32_t n = atomic_load_explicit(&t->count, memory_order_acquire);
        if (n > t->cap)
            n = t->cap;
        ct_copy_words(out + total, ct_slot(t, s1), n);
        total += n;
        atomic_thread_fence(memory_order_acquire);
        if (atomic_load_explicit(&t->gen, memory_order_relaxed) == g1 && s1 - d <= CT_RING) {
            *done = d;
            return total;
        }
    }
    *done = atomic_load_explicit(&t->done, memory_order_acquire);
    return 0;
}


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

void ct_thread_put_ext(struct ct_thread *t, uint64_t ticks, unsigned ext, uint64_t arg,
                       const void *payload, size_t len)
{
    uint32_t n = 1 + (uint32_t)CT_EXT_PAYLOAD_EVENTS(len);
    struct ct_event *e = ct_thread_reserve(t, n);
    __atomic_store_n(&e->word, CT_EV_WORD(ticks, CT_EV_EXT), __ATOMIC_RELAXED);
    __atomic_store_n(&e->addr, CT_EXT_ADDR(ext, arg), __ATOMIC_RELAXED);
    /* the payload word by word, with relaxed stores: a snapshot may read
     * these records concurrently */
    const uint8_t *src = payload;
    uint64_t *dst = (uint64_t *)(e + 1);
    for (size_t off = 0; off < (size_t)(n - 1) * sizeof(struct ct_event); off += sizeof(uint64_t)) {
        uint64_t w = 0;
        if (off < len)
            memcpy(&w, src + off, len - off < sizeof(w) ? len - off : sizeof(w));
        __atomic_store_n(dst++, w, __ATOMIC_RELAXED);
    }
    ct_thread_commit(t, n);
}

void ct_thread_drop_totals(struct ct_drop_totals *out)
{
    *out = (struct ct_drop_totals){.untraced = atomic_load(&ct_untraced_threads),
                                   .after_exit = atomic_load(&ct_lost_after_exit),
                                   .at_fork = atomic_load(&ct_lost_at_fork)};
    uint32_t n = atomic_load_explicit(&ct_thread_count, memory_order_acquire);
    for (uint32_t i = 0; i < n; i++) {
        struct ct_thread *t = __atomic_load_n(&ct_threads[i], __ATOMIC_ACQUIRE);
        if (!t)
            continue;
        out->depth += CT_READ(t->dropped_depth);
        out->reentrant += CT_READ(t->dropped_reentrant);
        out->buffer += CT_READ(t->dropped_buffer);
    }
}
