// capture_exc: C++ exceptions through instrumented functions that return
// values, so that with CALLTRACE_CAPTURE_ARGS=1 their return addresses are
// hijacked while the exception passes. The program's output and exit status
// must be the same with and without capture. argv[1]:
//   caught       c1 > c2 > c3 throws, caught in main (c2 runs a destructor
//                that calls note() on the way out); then twice(); 200 rounds
//   rethrow      r1 > r2 > r3 throws; r2 catches, changes it and `throw;`s;
//                caught in main; then twice(); 100 rounds
//   middle       m1 > m2 > m3 > m4 throws; m2 catches and returns a value
//                computed by twice(); m1 returns normally; 100 rounds
//   rethrow_ptr  p2 > p3 throws; p2 keeps std::current_exception(); then
//                q1 > q2 > q3 std::rethrow_exception()s it, caught in main;
//                then twice(); 100 rounds
//   uncaught     u1 > u2 > u3 throws, nobody catches: std::terminate, abort
// Built with -finstrument-functions-exclude-file-list=/usr/include: every
// node in the trace is one of ours.
#include <cstdio>
#include <cstring>
#include <exception>

struct Boom {
    int code;
};

static volatile int sink;
static volatile int gate = 1; // always 1: the throws are not provably unconditional

__attribute__((noinline)) int twice(int k)
{
    sink = sink + 1;
    return 2 * k;
}

__attribute__((noinline)) int note(int k)
{
    sink = sink + k;
    return k + 1000;
}

struct Guard {
    int k;
    __attribute__((noinline)) ~Guard() { sink = sink + note(k); }
};

// ---- caught
__attribute__((noinline)) int c3(int k)
{
    sink = sink + k;
    if (gate)
        throw Boom{k};
    return k * 3;
}

__attribute__((noinline)) int c2(int k)
{
    Guard g{k};
    int r = c3(k + 1);
    return r + 1;
}

__attribute__((noinline)) int c1(int k)
{
    int r = c2(k + 1);
    return r + 1;
}

// ---- rethrow
__attribute__((noinline)) int r3(int k)
{
    sink = sink + k;
    if (gate)
        throw Boom{k};
    return k;
}

__attribute__((noinline)) int r2(int k)
{
    try {
        return r3(k + 1) + 1;
    } catch (Boom &b) {
        b.code += 100;
        throw;
    }
}

__attribute__((noinline)) int r1(int k)
{
    return r2(k + 1) + 1;
}

// ---- middle
__attribute__((noinline)) int m4(int k)
{
    sink = sink + k;
    if (gate)
        throw Boom{k};
    return k;
}

__attribute__((noinline)) int m3(int k)
{
    return m4(k + 1) + 1;
}

__attribute__((noinline)) int m2(int k)
{
    try {
        return m3(k + 1) + 1;
    } catch (const Boom &b) {
        return twice(b.code) * 5; // (k + 2) * 10
    }
}

__attribute__((noinline)) int m1(int k)
{
    return m2(k + 1) + 1; // (k + 3) * 10 + 1
}

// ---- rethrow_ptr
static std::exception_ptr saved;

__attribute__((noinline)) int p3(int k)
{
    sink = sink + k;
    if (gate)
        throw Boom{k};
    return k;
}

__attribute__((noinline)) int p2(int k)
{
    try {
        return p3(k + 1) + 1;
    } catch (...) {
        saved = std::current_exception();
        return -k;
    }
}

__attribute__((noinline)) int q3(int k)
{
    sink = sink + k;
    if (gate)
        std::rethrow_exception(saved);
    return k;
}

__attribute__((noinline)) int q2(int k)
{
    return q3(k + 1) + 1;
}

__attribute__((noinline)) int q1(int k)
{
    return q2(k + 1) + 1;
}

// ---- uncaught
__attribute__((noinline)) int u3(int k)
{
    sink = sink + k;
    if (gate)
        throw Boom{k};
    return k;
}

__attribute__((noinline)) int u2(int k)
{
    return u3(k + 1) + 1;
}

__attribute__((noinline)) int u1(int k)
{
    return u2(k + 1) + 1;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "caught";
    std::printf("mode=%s\n", mode);
    std::fflush(stdout);
    long total = 0, returned = 0;
    int bad = 0;
    if (std::strcmp(mode, "caught") == 0) {
        for (int i = 0; i < 200; i++) {
            try {
                returned += c1(i);
            } catch (const Boom &b) {
                total += b.code; // i + 2
            }
            int t = twice(i);
            bad += t != 2 * i;
            total += t;
        }
    } else if (std::strcmp(mode, "rethrow") == 0) {
        for (int i = 0; i < 100; i++) {
            try {
                returned += r1(i);
            } catch (const Boom &b) {
                total += b.code; // i + 102
            }
            int t = twice(i);
            bad += t != 2 * i;
            total += t;
        }
    } else if (std::strcmp(mode, "middle") == 0) {
        for (int i = 0; i < 100; i++) {
            int v = m1(i);
            bad += v != (i + 3) * 10 + 1;
            total += v;
        }
    } else if (std::strcmp(mode, "rethrow_ptr") == 0) {
        for (int i = 0; i < 100; i++) {
            int v = p2(i);
            bad += v != -i;
            try {
                returned += q1(i);
            } catch (const Boom &b) {
                total += b.code; // i + 1
            }
            saved = nullptr;
            int t = twice(i);
            bad += t != 2 * i;
            total += t;
        }
    } else if (std::strcmp(mode, "uncaught") == 0) {
        returned += u1(7);
    } else {
        std::printf("unknown mode\n");
        return 2;
    }
    std::printf("total=%ld returned=%ld bad=%d sink=%d\n", total, returned, bad, (int)sink);
    return bad ? 1 : 0;
}
