/* fuzz_common.h — what several harnesses share. Header-only. */
#ifndef CT_FUZZ_COMMON_H
#define CT_FUZZ_COMMON_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* stderr as it was at start, before -close_fd_mask=2: where a harness tells
 * a failed check. */
static int ct_fuzz_report_fd = 2;

#define CT_FUZZ_CHECK(cond)                                                                    \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            dprintf(ct_fuzz_report_fd, "check failed at %s:%d: %s\n", __FILE__, \
                    __LINE__, #cond);                                                          \
            abort();                                                                           \
        }                                                                                      \
    } while (0)

static inline int ct_fuzz_verbose(void)
{
    const char *v = getenv("CT_FUZZ_VERBOSE");
    return v && v[0] && strcmp(v, "0") != 0;
}

/* For LLVMFuzzerInitialize(). The runtime reports bad input with ct_log() on
 * fd 2, once per input: unless CT_FUZZ_VERBOSE=1 or the command line has its
 * own -close_fd_mask, this appends -close_fd_mask=2 to the arguments
 * (libFuzzer parses them after LLVMFuzzerInitialize returns). libFuzzer then
 * keeps its own output and the sanitizer reports on a duplicate of stderr
 * and sends the target's fd 2 to /dev/null; redirecting fd 2 by hand would
 * swallow libFuzzer's statistics and crash reports too. */
static inline void ct_fuzz_quiet_stderr(int *argc, char ***argv)
{
    ct_fuzz_report_fd = dup(2);
    if (ct_fuzz_report_fd < 0)
        ct_fuzz_report_fd = 2;
    if (ct_fuzz_verbose())
        return;
    for (int i = 1; i < *argc; i++)
        if (strncmp((*argv)[i], "-close_fd_mask=", 15) == 0)
            return;
    static char flag[] = "-close_fd_mask=2";
    char **v = malloc(((size_t)*argc + 2) * sizeof(*v));
    if (!v)
        return;
    memcpy(v, *argv, (size_t)*argc * sizeof(*v));
    v[*argc] = flag;
    v[*argc + 1] = NULL;
    *argv = v; /* kept for the life of the process */
    (*argc)++;
}

/* Replaces the whole content of `fd` (a memfd the harness reads back as a
 * file) with the input. */
static inline void ct_fuzz_set_file(int fd, const uint8_t *data, size_t size)
{
    if (ftruncate(fd, 0) != 0)
        abort();
    size_t done = 0;
    while (done < size) {
        ssize_t w = pwrite(fd, data + done, size - done, (off_t)done);
        if (w <= 0 && errno != EINTR)
            abort();
        if (w > 0)
            done += (size_t)w;
    }
}

#endif
