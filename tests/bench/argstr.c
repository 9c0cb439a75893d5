/* Workload (f): a loop calling fstr(const char *s, struct rec r), a string
 * and a 24-byte struct passed by value (in memory, on the stack), returning
 * an int derived from both. With CALLTRACE_CAPTURE_ARGS every call records the
 * string's bytes, the struct's fields and the return value. 1 call per
 * iteration, plus the loop function itself.
 *   bench_argstr_<variant> <iterations> [--fast-exit] */
#include "bench_common.h"

struct rec {
    int id;
    double w;
    char tag[8];
};

static volatile int sink;

/* Four strings of 5 to 23 characters, taken in turn. */
static const char *const strs[4] = {"alpha", "bravo charlie", "delta echo foxtrot",
                                    "golf hotel india juliet"};

/* Extern, so uftrace -A finds it by name. */
int fstr(const char *s, struct rec r);

BENCH_OPAQUE_FN int fstr(const char *s, struct rec r)
{
    /* Without this GCC -O2 describes r at the enter hook only in part (id in
     * a register, the rest as an empty piece), and a partial struct is
     * captured as optimized out. Escaping its address keeps r in its stack
     * slot, which the DWARF then names for the whole function. */
    __asm__ volatile("" : : "r"(&r), "r"(s) : "memory");
    return r.id + (int)r.w + s[0] + s[4] + r.tag[r.id & 3];
}

/* Instrumented calls made by argstr_loop(iters), itself included. */
#define ARGSTR_LOOP_CALLS(iters) (1ull + (unsigned long long)(iters))

BENCH_OPAQUE_FN static unsigned long argstr_loop(unsigned long iters)
{
    unsigned long acc = 0;
    struct rec r = {0, 0.5, "tag0123"};
    for (unsigned long i = 0; i < iters; i++) {
        r.id = (int)(i & 0xffff);
        r.w = (double)(i & 0xff) * 0.25;
        r.tag[3] = (char)('a' + (i & 15));
        int v = fstr(strs[i & 3], r);
        sink = v;
        acc += (unsigned)v;
    }
    return acc;
}

int main(int argc, char **argv)
{
    unsigned long iters = bench_arg(argc, argv, 1, 1000000, 1, 1ul << 40, "<iterations>");
    unsigned long long t0 = bench_now_ns();
    unsigned long acc = argstr_loop(iters);
    unsigned long long t1 = bench_now_ns();
    bench_report(argc, argv, ARGSTR_LOOP_CALLS(iters), t0, t1, acc);
    return 0;
}
