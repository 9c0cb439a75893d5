/* gen_many_threads.c — writes an event file of `threads` threads, each one
 * chunk of one call (enter, exit), and a final META naming the first ones:
 * the shape that made calltrace-convert's loops over threads and chunks
 * quadratic. usage: gen_many_threads FILE THREADS */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stream/event.h"
#include "stream/pack.h"
#include "stream/spill.h"

#define META_THREADS 10000u /* a META chunk holds at most 1 MB */

int main(int argc, char **argv)
{
    if (argc != 3)
        return 2;
    unsigned n = (unsigned)strtoul(argv[2], NULL, 10);
    int fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0600);
    if (fd < 0)
        return 1;
    struct ct_spill_header h = {.version = CT_SPILL_VERSION, .pid = 4242, .use_tsc = 0};
    memcpy(h.magic, CT_SPILL_MAGIC, sizeof(h.magic));
    snprintf(h.exe, sizeof(h.exe), "/nonexistent/many_threads");
    if (write(fd, &h, sizeof(h)) != (ssize_t)sizeof(h))
        return 1;
    uint8_t scratch[CT_PACK_BOUND(2)];
    /* written in reverse serial order: the reader must sort, not assume */
    for (unsigned i = n; i >= 1; i--) {
        struct ct_event ev[2] = {
            {CT_EV_WORD(1000u * i, CT_EV_ENTER), 0x401000u + 16u * (i % 7)},
            {CT_EV_WORD(1000u * i + 100u + i % 3, CT_EV_EXIT), 0x401000u + 16u * (i % 7)},
        };
        if (ct_chunk_write(fd, i, 0, 100000u + i, ev, 2, scratch) != 0)
            return 1;
    }
    unsigned named = n < META_THREADS ? n : META_THREADS;
    size_t bytes = sizeof(struct ct_meta) + named * sizeof(struct ct_meta_thread);
    uint8_t *meta = calloc(1, bytes);
    struct ct_meta *m = (struct ct_meta *)meta;
    *m = (struct ct_meta){.ns_per_tick = 1.0, .end_ticks = 1000u * (n + 1u), .nthreads = named,
                          .final = 1};
    struct ct_meta_thread *mt = (struct ct_meta_thread *)(meta + sizeof(*m));
    for (unsigned k = 0; k < named; k++) { /* serials n, n-1, ...: not in order either */
        mt[k] = (struct ct_meta_thread){.serial = n - k, .tid = 100000u + n - k, .exited = 1};
        snprintf(mt[k].name, sizeof(mt[k].name), "w%u", n - k);
        mt[k].dropped_depth = (n - k) % 5 == 0;
    }
    struct ct_chunk_header ch = {.magic = CT_CHUNK_MAGIC, .serial = CT_META_SERIAL,
                                 .nbytes = (uint32_t)bytes, .encoding = CT_CHUNK_META};
    if (write(fd, &ch, sizeof(ch)) != (ssize_t)sizeof(ch) ||
        write(fd, meta, bytes) != (ssize_t)bytes)
        return 1;
    free(meta);
    return close(fd) == 0 ? 0 : 1;
}
