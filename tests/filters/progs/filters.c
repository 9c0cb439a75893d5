/* Record-time filters, CALLTRACE_MIN_DURATION and CALLTRACE_MAX_CALLS.
 *   filters            the call tree below (run with CALLTRACE_FILTER=...)
 *   filters durations  calls of known durations: 30 ms spins and sub-µs calls
 *   filters many       main + 100 calls of leaf
 *
 * main -> parse_config -> parse_line x2 -> leaf
 *      -> debug_dump -> format_value -> leaf
 *      -> noisy -> noisy_inner x2 -> leaf
 *      -> handle_request -> parse_line -> leaf
 *      -> handle_admin -> leaf
 *      -> unrelated -> leaf */
#include <calltrace.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static volatile int sink;
__attribute__((noinline)) void leaf(void) { sink++; }
__attribute__((noinline)) void parse_line(void) { leaf(); }
__attribute__((noinline)) void parse_config(void)
{
    parse_line();
    parse_line();
}
__attribute__((noinline)) void format_value(void) { leaf(); }
__attribute__((noinline)) void debug_dump(void) { format_value(); }
__attribute__((noinline)) void noisy_inner(void) { leaf(); }
__attribute__((noinline)) void noisy(void)
{
    noisy_inner();
    noisy_inner();
}
__attribute__((noinline)) void handle_request(void) { parse_line(); }
__attribute__((noinline)) void handle_admin(void) { leaf(); }
__attribute__((noinline)) void unrelated(void) { leaf(); }

/* durations: spin, not sleep, so the time is the call's own */
__attribute__((no_instrument_function)) static void spin_ms(long ms)
{
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    do
        clock_gettime(CLOCK_MONOTONIC, &b);
    while ((b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec) < ms * 1000000L);
}
__attribute__((noinline)) void fast_leaf(void) { sink++; }
__attribute__((noinline)) void slow_leaf(void)
{
    calltrace_mark("early-in-slow-leaf"); /* its frame is not known to be long yet */
    spin_ms(30);
}
__attribute__((noinline)) void slow_parent(void)
{
    fast_leaf();
    slow_leaf();
    fast_leaf();
    calltrace_mark("in-slow-parent");
}
__attribute__((noinline)) void fast_parent(void)
{
    fast_leaf();
    calltrace_mark("in-fast-parent"); /* dropped frame: goes to main */
    fast_leaf();
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "filters";
    if (strcmp(mode, "durations") == 0) {
        slow_parent();
        fast_parent();
        for (int i = 0; i < 10; i++)
            fast_leaf();
    } else if (strcmp(mode, "many") == 0) {
        for (int i = 0; i < 100; i++)
            leaf();
    } else {
        parse_config();
        debug_dump();
        noisy();
        handle_request();
        handle_admin();
        unrelated();
    }
    printf("done=1\n");
    return 0;
}
