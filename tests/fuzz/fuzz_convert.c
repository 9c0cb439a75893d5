/* fuzz_convert.c — libFuzzer harness for calltrace-convert: an event file
 * (.ctraw) from outside, through ct_convert() into every view.
 *
 * The input is a whole event file. It goes to a memfd and is converted the
 * way runtime/convert_main.c does it, with every format but raw selected and
 * the output in a private temporary directory, removed at exit: under
 * $CT_FUZZ_TMPDIR, else /dev/shm when writable (six files are written and
 * renamed per input: on a disk that costs more than the rest), else $TMPDIR
 * or /tmp. That covers what fuzz_raw does not: the file header (clock base,
 * pid, executable path, load bias), the META chunks (calibration, thread
 * names and losses, the ending signal), the snapshot list built from the
 * chunks, and every format writer fed by arbitrary call trees and mark
 * labels. Functions are named from a fixed small executable (CT_FUZZ_EXE, a
 * seed of fuzz_dwarf), never from the path the file records. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "base/config.h"
#include "fuzz_common.h"
#include "tools/convert.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#ifndef CT_FUZZ_EXE
#define CT_FUZZ_EXE "/nonexistent"
#endif

static int fd = -1;
static char raw_path[64];
static char dir[256];
static char output[512];
static struct ct_config cfg = CT_CONFIG_DEFAULTS; /* the converter's own, as in calltrace-convert */

static char *conv_getenv(const char *name)
{
    if (strcmp(name, "CALLTRACE_OUTPUT") == 0)
        return output;
    if (strcmp(name, "CALLTRACE_FORMAT") == 0)
        return (char *)"json,chrome,folded,text,summary,html,perfetto";
    if (strcmp(name, "CALLTRACE_PRETTY_JSON") == 0)
        return (char *)"1";
    return NULL;
}

static void cleanup(void)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    char p[600];
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
        unlink(p);
    }
    closedir(d);
    rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    ct_fuzz_quiet_stderr(argc, argv);
    fd = memfd_create("ct-fuzz-convert", MFD_CLOEXEC);
    if (fd < 0) {
        perror("fuzz_convert: memfd_create");
        exit(1);
    }
    snprintf(raw_path, sizeof(raw_path), "/proc/self/fd/%d", fd);
    const char *tmp = getenv("CT_FUZZ_TMPDIR");
    if (!tmp || !tmp[0])
        tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");
    snprintf(dir, sizeof(dir), "%s/ct-fuzz-convert-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        perror("fuzz_convert: mkdtemp");
        exit(1);
    }
    atexit(cleanup);
    snprintf(output, sizeof(output), "%s/trace.json", dir);
    ct_config_load(&cfg, conv_getenv);
    cfg.debug = ct_log_debug = ct_fuzz_verbose();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ct_fuzz_set_file(fd, data, size);
    (void)ct_convert(&cfg, raw_path, CT_FUZZ_EXE);
    return 0;
}
