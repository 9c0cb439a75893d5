/*
 * fib.c — the first calltrace example: a recursive function.
 *
 * Nothing here mentions calltrace. The program is compiled with
 * -finstrument-functions -g and linked with -rdynamic and libcalltrace.a
 * (examples/CMakeLists.txt does that with calltrace_instrument(fib)); that is
 * all it takes for it to record its own call tree and write it, at exit, to
 * <executable>.json beside the executable (or to $CALLTRACE_OUTPUT).
 *
 * Run:     ./fib        (n = 5)
 *          ./fib 10     (any n from 0 to 30)
 *
 * The calls are deterministic: main calls fib(n) once, and fib(n) makes
 * fib(n-1) and fib(n-2) calls down to fib(1)/fib(0). That is
 * 2*F(n+1) - 1 calls of fib in total (15 for n = 5), plus the one of main.
 *
 * Look at the trace:
 *   jq '.metadata.total_calls' fib.json                  -> 16 for n = 5
 *   jq '.call_trees[].root_calls[0].function' fib.json   -> "main"
 *   jq '.call_trees[].root_calls[0].children[0].function' fib.json  -> "fib"
 *   jq '[.. | objects | select(.function? == "fib")] | length' fib.json  -> 15
 */
#include <stdio.h>
#include <stdlib.h>

/* The function being traced: every call of it is one node in the tree. */
static unsigned long fib(unsigned n)
{
    if (n < 2)
        return n;
    return fib(n - 1) + fib(n - 2);
}

int main(int argc, char **argv)
{
    unsigned n = 5;

    /* Parsed here, in main, so that the trace holds nothing but main and fib. */
    if (argc > 1) {
        char *end;
        long v = strtol(argv[1], &end, 10);
        if (*argv[1] == '\0' || *end != '\0' || v < 0 || v > 30) {
            fprintf(stderr, "usage: %s [n]   (0 <= n <= 30, default 5)\n", argv[0]);
            return 2;
        }
        n = (unsigned)v;
    }

    unsigned long result = fib(n);

    /* fib(n) makes 2*F(n+1) - 1 calls of fib; F(n+1) is computed without calls. */
    unsigned long a = 0, b = 1; /* F(0), F(1) */
    for (unsigned i = 0; i < n; i++) {
        unsigned long next = a + b;
        a = b;
        b = next;
    } /* now b = F(n+1) */
    unsigned long calls = 2 * b - 1;

    printf("fib(%u) = %lu  (%lu calls of fib, %lu calls in total with main)\n", n, result,
           calls, calls + 1);

    const char *out = getenv("CALLTRACE_OUTPUT");
    if (out && *out)
        printf("trace written to %s at exit; try: jq '.metadata.total_calls' %s\n", out, out);
    else
        printf("trace written to %s.json at exit (beside the executable); "
               "try: jq '.call_trees[].root_calls[0].function' %s.json\n",
               argv[0], argv[0]);
    return 0;
}
