/* Start/stop regions, marks and a mid-run flush. Run with CALLTRACE_START=0. */
#include <calltrace.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile int sink;
void leaf(void) { sink++; }
void before(void) { leaf(); }
void inside_a(void)
{
    leaf();
    calltrace_mark("in-a");
}
void between(void) { leaf(); }
static void copy_file(const char *from, const char *to);
void inside_b(void)
{
    leaf();
    int rc = calltrace_flush(); /* inside_b is still running: unfinished in the copy */
    printf("flush=%d\n", rc);
    const char *out = getenv("CALLTRACE_OUTPUT");
    char copy[4096];
    snprintf(copy, sizeof(copy), "%s.flush", out);
    copy_file(out, copy);
}
void stopper(void) { calltrace_stop(); }
void deep_stop(void) { stopper(); }
void later(void) { leaf(); }
void after(void) { leaf(); }

static void copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    char buf[65536];
    size_t n;
    while (in && out && (n = fread(buf, 1, sizeof(buf), in)) > 0)
        fwrite(buf, 1, n, out);
    if (in)
        fclose(in);
    if (out)
        fclose(out);
}

int main(void)
{
    printf("recording_at_start=%d\n", calltrace_is_recording());
    printf("mark_stopped=%d\n", calltrace_mark("ignored"));
    before();
    calltrace_start();
    inside_a();
    calltrace_mark("after-a");
    calltrace_stop();
    between();
    calltrace_start();
    inside_b();
    deep_stop(); /* stops inside two frames: they stay unfinished */
    calltrace_start();
    later();
    calltrace_stop();
    after();
    printf("mark_null=%d\n", calltrace_mark(NULL));
    printf("strerror_ok=%d\n", strcmp(calltrace_strerror(CALLTRACE_ESTOPPED), "tracing is stopped") == 0);
    return 0;
}
