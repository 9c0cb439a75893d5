/* secure_prog: a program that opts in to tracing when setuid
 * (CALLTRACE_ALLOW_SECURE_EXECUTION) with a known tree: main → outer →
 * middle → leaf, 20000 times, and a mark. Every CALLTRACE_* variable a
 * caller sets must be ignored when it runs setuid. */
#include <stdio.h>

#include "calltrace.h"

CALLTRACE_ALLOW_SECURE_EXECUTION();

static volatile int sink;

__attribute__((noinline)) void leaf(int i)
{
    sink += i;
}

__attribute__((noinline)) void middle(int i)
{
    leaf(i);
}

__attribute__((noinline)) void outer(void)
{
    calltrace_mark("in outer");
    for (int i = 0; i < 20000; i++)
        middle(i);
}

int main(void)
{
    outer();
    printf("sink=%d\n", sink);
    return 0;
}
