/* exact: calls whose values a checker can know in advance.
 *   exact clock   outer() prints CLOCK_MONOTONIC right before and after it
 *                 calls inner() (which spins 2 ms) three times: t0=, t1= in ns
 *   exact depth   main → rec(9) → ... → rec(0), each rec calling tail()
 *                 after its child returns; three times
 *   exact mark    marked() makes marks of 254, 255, 256 and 300 bytes */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "calltrace.h"

static volatile int sink;

__attribute__((no_instrument_function)) static unsigned long long mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
}

__attribute__((noinline)) void inner(void)
{
    unsigned long long end = mono_ns() + 2000000ull;
    while (mono_ns() < end)
        sink++;
}

__attribute__((noinline)) void outer(void)
{
    unsigned long long t0 = mono_ns();
    for (int i = 0; i < 3; i++) /* the first call of a function takes the hooks' slow path */
        inner();
    unsigned long long t1 = mono_ns();
    printf("t0=%llu\nt1=%llu\n", t0, t1);
}

__attribute__((noinline)) void tail(void)
{
    sink++;
}

__attribute__((noinline)) void rec(int n)
{
    if (n > 0)
        rec(n - 1);
    tail();
}

__attribute__((noinline)) void marked(void)
{
    static const unsigned lens[] = {254, 255, 256, 300};
    char label[301];
    for (unsigned i = 0; i < 4; i++) {
        memset(label, 'a' + (int)i, lens[i]);
        label[lens[i]] = '\0';
        calltrace_mark(label);
    }
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    if (strcmp(mode, "clock") == 0)
        outer();
    if (strcmp(mode, "mark") == 0)
        marked();
    if (strcmp(mode, "depth") == 0)
        for (int i = 0; i < 3; i++)
            rec(9);
    return 0;
}
