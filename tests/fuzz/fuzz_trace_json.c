/* fuzz_trace_json.c — libFuzzer harness for the calltrace command's trace
 * reader (runtime/tools/cmd_json.c): a JSON trace from outside, streamed
 * into open/close callbacks.
 *
 * The input is a whole file (in a memfd). Beyond "no crash, no leak" (the
 * reader frees what it was building when the input turns out not to be a
 * trace), it checks the calls come as a tree: each open is one level deeper
 * than the calls open before it, each close ends the innermost open call
 * (same depth, same function, same start), and a read that succeeds leaves
 * nothing open and gives the metadata; every value it hands out prints. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz_common.h"
#include "tools/cmd.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_DEPTH_MAX 100000u

static int fd = -1;
static char path[64];
static FILE *sink;

struct fz_open {
    unsigned depth;
    uint64_t start;
    const char *fn; /* the reader's string: valid while the call is open */
};

static struct fz_open *opens;
static size_t nopen;

static void fz_open(void *ctx, const struct ct_call *c)
{
    (void)ctx;
    CT_FUZZ_CHECK(c->depth == nopen && nopen < FZ_DEPTH_MAX);
    CT_FUZZ_CHECK(c->function && c->file);
    opens[nopen++] = (struct fz_open){c->depth, c->start_ns, c->function};
    if (c->args)
        ct_jv_print(sink, c->args);
}

static void fz_close(void *ctx, const struct ct_call *c)
{
    (void)ctx;
    CT_FUZZ_CHECK(nopen > 0);
    const struct fz_open *o = &opens[--nopen];
    CT_FUZZ_CHECK(o->depth == c->depth && o->start == c->start_ns && o->fn == c->function);
    if (c->ret)
        ct_jv_value_text(sink, c->ret);
}

static void fz_thread(void *ctx, const struct ct_thread *th)
{
    (void)ctx;
    CT_FUZZ_CHECK(th->key && th->name && th->rest && nopen == 0);
    ct_jv_print(sink, th->rest);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    ct_fuzz_quiet_stderr(argc, argv);
    fd = memfd_create("ct-fuzz-trace-json", MFD_CLOEXEC);
    sink = fopen("/dev/null", "w");
    opens = calloc(FZ_DEPTH_MAX, sizeof(*opens));
    if (fd < 0 || !sink || !opens) {
        perror("fuzz_trace_json");
        exit(1);
    }
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
        abort();
    nopen = 0;
    struct ct_trace_cb cb = {.open = fz_open, .close = fz_close, .thread_end = fz_thread};
    struct ct_jv *meta = NULL;
    int rc = ct_trace_read(path, &cb, &meta);
    if (rc == 0) {
        CT_FUZZ_CHECK(meta && nopen == 0);
        ct_jv_print(sink, meta);
        (void)ct_jv_str(meta, "a.b.c");
        (void)ct_jv_u64(meta, "dropped.depth");
    } else {
        CT_FUZZ_CHECK(!meta);
    }
    ct_jv_free(meta);
    return 0;
}
