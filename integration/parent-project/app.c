/* Calls: main -> twice x2 -> once x2 each. */
#include <calltrace.h>
#include <stdio.h>

static int once(int x) { return x + 1; }

static int twice(int x) { return once(once(x)); }

int main(void)
{
    int r = twice(twice(0));
    printf("calltrace %s parent project: %d\n", CALLTRACE_VERSION_STRING, r);
    return r == 4 ? 0 : 1;
}
