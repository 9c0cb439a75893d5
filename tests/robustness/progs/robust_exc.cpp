// robust_exc: a C++ exception thrown through three instrumented frames.
// GCC runs the exit hook of each frame the exception leaves, so the trace
// must show the exact tree with nothing unwound. argv[1]:
//   caught    caught in main(), then more calls
//   uncaught  nobody catches it: std::terminate(), abort(), SIGABRT
// No standard library header that defines functions: every node in the
// trace is one of ours.
#include <cstdio>
#include <cstring>

struct Boom {
    int code;
};

static volatile int sink;

__attribute__((noinline)) void after()
{
    sink = sink + 1;
}

__attribute__((noinline)) void thrower(int k)
{
    sink = sink + k;
    throw Boom{k};
}

__attribute__((noinline)) void middle(int k)
{
    thrower(k);
    sink = sink - 1; // not reached
}

__attribute__((noinline)) void outer(int k)
{
    middle(k);
    sink = sink - 1; // not reached
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "caught";
    std::printf("mode=%s\n", mode);
    std::fflush(stdout);
    if (std::strcmp(mode, "uncaught") == 0)
        outer(7);
    int code = 0;
    for (int round = 1; round <= 2; round++) {
        try {
            outer(round);
        } catch (const Boom &b) {
            code += b.code;
        }
        after();
    }
    std::printf("caught=%d sink=%d\n", code, (int)sink);
    return 0;
}
