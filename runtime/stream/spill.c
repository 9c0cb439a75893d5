/* spill.c — the append-only binary event file.
 *
 * Each full thread buffer is appended as one chunk with one writev() on an
 * O_APPEND descriptor: chunks of different threads never interleave, and a
 * reader that finds a torn chunk at the end knows every chunk before it is
 * whole (writes to one file are serialised by the kernel). */
#include <errno.h>
#include <link.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/config.h"
#include "stream/pack.h"
#include "stream/spill.h"
#include "base/vec.h"

/* Sanity bounds of a chunk header read back: a packed chunk's bytes beyond
 * CT_PACK_BOUND (headers of its own), a META chunk's size. */
#define CT_CHUNK_SLACK 64u
#define CT_META_MAX_BYTES (1u << 20)

char ct_spill_path[PATH_MAX];
int ct_spill_fd = -1;
static bool ct_spill_lazy; /* create on first append (fork child) */

CT_NOINST static int ct_exe_bias_cb(struct dl_phdr_info *info, size_t size, void *arg)
{
    (void)size;
    *(uint64_t *)arg = info->dlpi_addr; /* the first object listed is the executable */
    return 1;
}

uint64_t ct_exe_bias(void)
{
    uint64_t bias = 0;
    dl_iterate_phdr(ct_exe_bias_cb, &bias);
    return bias;
}

void ct_spill_header_init(struct ct_spill_header *h)
{
    memset(h, 0, sizeof(*h));
    memcpy(h->magic, CT_SPILL_MAGIC, sizeof(h->magic));
    h->version = CT_SPILL_VERSION;
    h->pid = (uint32_t)getpid();
    h->base_ticks = ct_clk.base_ticks;
    h->base_mono = ct_clk.base_mono;
    h->base_real = ct_clk.base_real;
    h->use_tsc = ct_clk.use_tsc;
    h->exe_bias = ct_exe_bias();
    size_t n = strnlen(ct_cfg.exe, sizeof(h->exe) - 1);
    memcpy(h->exe, ct_cfg.exe, n); /* the header was zeroed: NUL-terminated */
}

/* The event file's descriptor is kept high, out of the way of a program
 * that hands out or closes low numbers, and identified by device and inode:
 * a number the program closed and reused is never written or closed. */
static dev_t ct_spill_dev;
static ino_t ct_spill_ino;
static const int ct_fd_floors[] = {1000, 256, 64, 16};

/* `fd` moved to the highest floor the descriptor limit allows (the original
 * closed), or `fd` itself. */
CT_NOINST static int ct_fd_high(int fd)
{
    for (size_t i = 0; i < CT_ARRAY_LEN(ct_fd_floors); i++) {
        if (fd >= ct_fd_floors[i])
            return fd;
        int hi = fcntl(fd, F_DUPFD_CLOEXEC, ct_fd_floors[i]);
        if (hi >= 0) {
            close(fd);
            return hi;
        }
    }
    return fd;
}

CT_NOINST static bool ct_fd_is(int fd, dev_t dev, ino_t ino)
{
    struct stat st;
    return fd >= 0 && fstat(fd, &st) == 0 && st.st_dev == dev && st.st_ino == ino;
}

/* Creates the event file exclusively at `tmpl` (its XXXXXX replaced by an
 * unpredictable part; 0600), with its header. Returns the descriptor or -1. */
CT_NOINST static int ct_spill_create(char *tmpl)
{
    int fd = mkostemps(tmpl, (int)sizeof(CT_SPILL_SUFFIX) - 1, O_APPEND | O_CLOEXEC);
    if (fd < 0)
        return -1;
    fd = ct_fd_high(fd);
    struct ct_spill_header h;
    ct_spill_header_init(&h);
    struct stat st;
    if (write(fd, &h, sizeof(h)) != (ssize_t)sizeof(h) || fstat(fd, &st) != 0) {
        close(fd);
        unlink(tmpl);
        errno = ENOSPC;
        return -1;
    }
    ct_spill_dev = st.st_dev;
    ct_spill_ino = st.st_ino;
    return fd;
}

int ct_spill_open(const char *output)
{
    int pid = (int)getpid();
    snprintf(ct_spill_path, sizeof(ct_spill_path), "%s.%d.XXXXXX" CT_SPILL_SUFFIX, output, pid);
    ct_spill_fd = ct_spill_create(ct_spill_path);
    if (ct_spill_fd >= 0)
        return 0;
    int err = errno;
    const char *dirs[] = {ct_cfg.tmpdir, "/tmp"};
    const char *base = strrchr(output, '/');
    base = base ? base + 1 : output;
    for (size_t i = 0; i < CT_ARRAY_LEN(dirs) && ct_spill_fd < 0; i++) {
        if (!dirs[i] || !dirs[i][0])
            continue;
        snprintf(ct_spill_path, sizeof(ct_spill_path), "%s/%s.%d.XXXXXX" CT_SPILL_SUFFIX, dirs[i],
                 base, pid);
        ct_spill_fd = ct_spill_create(ct_spill_path);
    }
    if (ct_spill_fd >= 0) {
        ct_log("cannot create the event file beside %s (%s); using %s", output, strerror(err),
               ct_spill_path);
        return 0;
    }
    ct_log("cannot create an event file (%s); events beyond the in-memory buffers are dropped "
           "and counted",
           strerror(err));
    ct_spill_path[0] = '\0';
    return -1;
}

bool ct_spill_check(void)
{
    int fd = ct_spill_fd;
    if (fd < 0)
        return false;
    if (CT_LIKELY(ct_fd_is(fd, ct_spill_dev, ct_spill_ino)))
        return true;
    /* The program closed our descriptor (its number may be another file of
     * its own now): never touch that number again; reopen ours by path if
     * it is still the same file. */
    int nfd = ct_spill_path[0] ? open(ct_spill_path, O_RDWR | O_APPEND | O_CLOEXEC | O_NOFOLLOW) : -1;
    if (nfd >= 0)
        nfd = ct_fd_high(nfd);
    if (nfd >= 0 && !ct_fd_is(nfd, ct_spill_dev, ct_spill_ino)) {
        close(nfd);
        nfd = -1;
    }
    ct_spill_fd = nfd;
    if (nfd < 0)
        ct_log("the program closed the event file's descriptor; events beyond the in-memory "
               "buffers are dropped and counted");
    return nfd >= 0;
}

int ct_spill_read_fd(void)
{
    if (!ct_spill_check())
        return -1;
    return fcntl(ct_spill_fd, F_DUPFD_CLOEXEC, 0);
}

CT_NOINST static ssize_t ct_write_chunk_raw(int fd, const struct ct_chunk_header *h,
                                           const void *payload)
{
    struct iovec iov[2] = {
        {(void *)h, sizeof(*h)},
        {(void *)payload, h->nbytes},
    };
    ssize_t n;
    do
        n = writev(fd, iov, 2);
    while (n < 0 && errno == EINTR);
    return n;
}

int ct_chunk_write(int fd, uint32_t serial, uint32_t seq, uint32_t tid, const struct ct_event *ev,
                   uint32_t n, uint8_t *scratch)
{
    struct ct_chunk_header h = {
        .magic = CT_CHUNK_MAGIC,
        .serial = serial,
        .seq = seq,
        .nev = n,
        .tid = tid,
        .nbytes = (uint32_t)ct_pack(ev, n, scratch),
        .encoding = CT_CHUNK_PACKED,
    };
    ssize_t w = ct_write_chunk_raw(fd, &h, scratch);
    if (w == (ssize_t)(sizeof(h) + h.nbytes))
        return 0;
    return w < 0 ? errno : ENOSPC;
}

size_t ct_chunk_read(int fd, const struct ct_chunk_ref *c, uint8_t *scratch, struct ct_event *out)
{
    if (pread(fd, scratch, c->nbytes, (off_t)c->offset) != (ssize_t)c->nbytes)
        return 0;
    return ct_unpack(scratch, c->nbytes, c->nev, out);
}

void ct_spill_forget(void)
{
    if (ct_fd_is(ct_spill_fd, ct_spill_dev, ct_spill_ino))
        close(ct_spill_fd); /* our copy of the parent's descriptor */
    ct_spill_fd = -1;
    ct_spill_path[0] = '\0';
    ct_spill_lazy = true;
}

int ct_spill_append(const struct ct_chunk_header *h, const void *payload)
{
    if (ct_spill_fd < 0 && ct_spill_lazy) {
        ct_spill_lazy = false;
        ct_spill_open(ct_cfg.output);
    }
    if (!ct_spill_check())
        return -1;
    size_t want = sizeof(*h) + h->nbytes;
    ssize_t n = ct_write_chunk_raw(ct_spill_fd, h, payload);
    /* A short write leaves a torn chunk: readers stop there, and so do we —
     * later chunks would sit behind it unreachable. */
    if (n != (ssize_t)want) {
        ct_log("writing the event file %s failed (%s); later events are dropped and counted",
               ct_spill_path, n < 0 ? strerror(errno) : "short write");
        int fd = ct_spill_fd;
        ct_spill_fd = -1;
        if (ct_fd_is(fd, ct_spill_dev, ct_spill_ino))
            close(fd);
        return -1;
    }
    return 0;
}

void ct_spill_close(bool remove)
{
    if (ct_fd_is(ct_spill_fd, ct_spill_dev, ct_spill_ino))
        close(ct_spill_fd);
    ct_spill_fd = -1;
    if (remove && ct_spill_path[0])
        unlink(ct_spill_path);
    else if (ct_spill_path[0])
        ct_log("the recorded events are kept in %s", ct_spill_path);
}

CT_NOINST static int ct_chunk_cmp(const void *a, const void *b)
{
    const struct ct_chunk_ref *x = a, *y = b;
    if (x->serial != y->serial)
        return x->serial < y->serial ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

size_t ct_spill_index(int fd, struct ct_chunk_ref **out)
{
    *out = NULL;
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0)
        return 0;
    uint64_t size = (uint64_t)st.st_size, off = sizeof(struct ct_spill_header);
    struct ct_spill_header fh;
    if (pread(fd, &fh, sizeof(fh), 0) != (ssize_t)sizeof(fh) ||
        memcmp(fh.magic, CT_SPILL_MAGIC, sizeof(fh.magic)) != 0 || fh.version != CT_SPILL_VERSION)
        return 0;
    size_t n = 0, cap = 0;
    struct ct_chunk_ref *v = NULL;
    while (off + sizeof(struct ct_chunk_header) <= size) {
        struct ct_chunk_header h;
        if (pread(fd, &h, sizeof(h), (off_t)off) != (ssize_t)sizeof(h) || h.magic != CT_CHUNK_MAGIC)
            break;
        bool packed = h.encoding == CT_CHUNK_PACKED &&
                      h.nbytes <= (uint64_t)h.nev * CT_PACK_MAX_PER_EVENT + CT_CHUNK_SLACK &&
                      (uint64_t)h.nev * CT_PACK_MIN_PER_EVENT <= h.nbytes;
        bool meta = h.encoding == CT_CHUNK_META && h.serial == CT_META_SERIAL &&
                    h.nbytes <= CT_META_MAX_BYTES;
        if (!packed && !meta)
            break;
        uint64_t body = h.nbytes;
        if (off + sizeof(h) + body > size)
            break;
        if (!CT_VEC_RESERVE(v, cap, n + 1))
            break;
        v[n++] = (struct ct_chunk_ref){h.serial, h.seq, h.nev, h.nbytes, h.tid, off + sizeof(h)};
        if (h.encoding == CT_CHUNK_META) /* sorts last; its seq orders the metas */
            v[n - 1].seq = (uint32_t)n;
        off += sizeof(h) + body;
    }
    if (n)
        qsort(v, n, sizeof(*v), ct_chunk_cmp);
    /* a chunk written twice (a tail appended at exit while its owner spilled
     * it) counts once */
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (k == 0 || v[k - 1].serial != v[i].serial || v[k - 1].seq != v[i].seq)
            v[k++] = v[i];
    *out = v;
    return k;
}
