/* A second translation unit with a hook of its own on observed(): hooks
 * are collected from every object of the program. */
#include <calltrace.h>

void observed(void);
int more_hook_calls;

static void count_enter(const struct calltrace_hook_event *ev)
{
    (void)ev;
    more_hook_calls++;
}

CALLTRACE_HOOK(observed, count_enter, 0);
