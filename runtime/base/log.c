/* log.c — the runtime's only voice: one line on stderr, prefixed "calltrace: ".
 * Formats into a stack buffer and write()s it in one call, so it allocates
 * nothing, interleaves cleanly with other threads and works in signal context
 * (vsnprintf of %s/%d/%u/%zu/%llu formats does not allocate in glibc). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/ct.h"

CT_NOINST static void ct_vlog(const char *fmt, va_list ap)
{
    int saved = errno;
    char line[512];
    size_t n = sizeof("calltrace: ") - 1;
    memcpy(line, "calltrace: ", n);
    int w = vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
    if (w < 0)
        w = 0;
    n += (size_t)w < sizeof(line) - n - 1 ? (size_t)w : sizeof(line) - n - 2;
    /* one line, whatever a value quoted in it contains (a newline in an
     * environment variable, a path, escape sequences) */
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
            line[i] = '?';
    line[n++] = '\n';
    ssize_t r = write(STDERR_FILENO, line, n);
    (void)r;
    errno = saved;
}

bool ct_log_debug; /* CALLTRACE_DEBUG, set at init */

void ct_log(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ct_vlog(fmt, ap);
    va_end(ap);
}

void ct_debug(const char *fmt, ...)
{
    if (!ct_log_debug)
        return;
    va_list ap;
    va_start(ap, fmt);
    ct_vlog(fmt, ap);
    va_end(ap);
}
