/* tmpfiles.c — see tmpfiles.h. */
#include <limits.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "base/tmpfiles.h"

static struct {
    _Atomic int used; /* 0 free, 1 claimed, 2 holds a path */
    char path[PATH_MAX];
} ct_tmpfiles[CT_TMPFILES_MAX];

bool ct_tmpfile_add(const char *path)
{
    size_t n = strnlen(path, PATH_MAX);
    if (n >= PATH_MAX)
        return false;
    for (unsigned i = 0; i < CT_TMPFILES_MAX; i++) {
        int expected = 0;
        if (!atomic_compare_exchange_strong(&ct_tmpfiles[i].used, &expected, 1))
            continue;
        memcpy(ct_tmpfiles[i].path, path, n + 1);
        atomic_store(&ct_tmpfiles[i].used, 2);
        return true;
    }
    return false;
}

void ct_tmpfile_done(const char *path)
{
    for (unsigned i = 0; i < CT_TMPFILES_MAX; i++)
        if (atomic_load(&ct_tmpfiles[i].used) == 2 && strcmp(ct_tmpfiles[i].path, path) == 0) {
            atomic_store(&ct_tmpfiles[i].used, 0);
            return;
        }
}

void ct_tmpfile_remove_all(void)
{
    for (unsigned i = 0; i < CT_TMPFILES_MAX; i++) {
        int expected = 2;
        if (atomic_compare_exchange_strong(&ct_tmpfiles[i].used, &expected, 1)) {
            unlink(ct_tmpfiles[i].path);
            atomic_store(&ct_tmpfiles[i].used, 0);
        }
    }
}
