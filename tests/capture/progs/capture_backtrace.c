/* capture_backtrace: glibc's backtrace() and the unwinder's
 * _Unwind_Backtrace() called from inside four nested instrumented functions
 * returning values (with CALLTRACE_CAPTURE_ARGS=1 their return addresses
 * are hijacked, and a backtrace may end at the first hijacked frame). The
 * program must neither crash nor hang, and every return value must arrive.
 * The frame counts go to stderr (they differ with capture); stdout must be
 * the same with and without capture. Done 100 times, then from a signal
 * handler (raise) at the same depth, then backtrace_symbols_fd() on
 * /dev/null. */
#define _GNU_SOURCE
#include <execinfo.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <unwind.h>

static volatile int sink;
static int last_bt, last_uw;

__attribute__((no_instrument_function)) static _Unwind_Reason_Code count_frame(
    struct _Unwind_Context *ctx, void *arg)
{
    (void)ctx;
    int *n = arg;
    if (++*n > 1000)
        return _URC_END_OF_STACK; /* a loop: stop it, the count will tell */
    return _URC_NO_REASON;
}

__attribute__((noinline)) int take_backtrace(int k)
{
    void *frames[256];
    int n = backtrace(frames, 256);
    int u = 0;
    _Unwind_Backtrace(count_frame, &u);
    last_bt = n;
    last_uw = u;
    if (k == 0) {
        int fd = open("/dev/null", O_WRONLY);
        if (fd >= 0) {
            backtrace_symbols_fd(frames, n, fd);
            close(fd);
        }
    }
    return n > 0 && u > 0 && u <= 1000 ? k + 1 : -1000;
}

__attribute__((noinline)) int b4(int k)
{
    sink += k;
    return take_backtrace(k) * 2;
}

__attribute__((noinline)) int b3(int k)
{
    return b4(k) + 1;
}

__attribute__((noinline)) int b2(int k)
{
    return b3(k) + 1;
}

__attribute__((noinline)) int b1(int k)
{
    return b2(k) + 1; /* (k + 1) * 2 + 3 */
}

static volatile int sig_result;

__attribute__((noinline)) void on_usr1(int sig)
{
    (void)sig;
    sig_result = b1(77);
}

__attribute__((noinline)) int raise_deep(int k)
{
    raise(SIGUSR1);
    return k + sig_result;
}

int main(void)
{
    int bad = 0;
    long sum = 0;
    for (int i = 0; i < 100; i++) {
        int v = b1(i);
        if (v != (i + 1) * 2 + 3)
            bad++;
        sum += v;
    }
    fprintf(stderr, "backtrace frames=%d unwind frames=%d\n", last_bt, last_uw);
    printf("loop sum=%ld bad=%d\n", sum, bad);
    signal(SIGUSR1, on_usr1);
    int r = raise_deep(1);
    fprintf(stderr, "in handler: backtrace frames=%d unwind frames=%d\n", last_bt, last_uw);
    int v = b1(r - 1 - (78 * 2 + 3)); /* b1(0) */
    printf("handler result=%d v=%d\n", (int)sig_result, v);
    return bad || v != 5 ? 1 : 0;
}
