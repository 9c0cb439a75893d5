/* Instrumented code before main (a constructor), after main (atexit), deep
 * recursion, and a chosen exit status. */
#include <stdio.h>
#include <stdlib.h>

static volatile int sink;
void in_ctor(void) { sink++; }
/* Priority 101 is the runtime's own: the program's objects come first in the
 * link, so this runs before the runtime's constructor and its first hook
 * must initialise the runtime itself. */
__attribute__((constructor(101))) static void early_init(void) { in_ctor(); }
void in_atexit(void) { sink++; }
void recurse(int n)
{
    if (n > 0)
        recurse(n - 1);
}

int main(int argc, char **argv)
{
    atexit(in_atexit);
    recurse(argc > 1 ? atoi(argv[1]) : 49);
    return 7;
}
