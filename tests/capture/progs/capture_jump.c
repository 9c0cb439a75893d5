/* capture_jump: longjmp() out of instrumented functions that return values,
 * so that with CALLTRACE_CAPTURE_ARGS=1 the frames jumped over have hijacked
 * return addresses. The output and exit status must be the same with and
 * without capture.
 *   1. jmp1 > jmp2 > jmp3 longjmp()s back to main, 50 times in a row;
 *   2. then normal calls: n1 > n2 > n3 (same stack depths as the abandoned
 *      frames), each return value checked by its caller;
 *   3. 3000 more jumps from depths 1 to 5 (deep(), recursive), each followed
 *      by a checked call (enough to overflow any shadow stack that keeps
 *      the abandoned frames);
 *   4. normal calls again. */
#include <setjmp.h>
#include <stdio.h>

static jmp_buf env;
static volatile int sink;
static volatile int gate = 1;

__attribute__((noinline)) int jmp3(int k)
{
    sink += k;
    if (gate)
        longjmp(env, k + 1);
    return k;
}

__attribute__((noinline)) int jmp2(int k)
{
    return jmp3(k + 1) + 1;
}

__attribute__((noinline)) int jmp1(int k)
{
    return jmp2(k + 1) + 1;
}

__attribute__((noinline)) int n3(int k)
{
    sink += k;
    return k * 7;
}

__attribute__((noinline)) int n2(int k)
{
    return n3(k + 1) + 1;
}

__attribute__((noinline)) int n1(int k)
{
    return n2(k + 1) + 1; /* (k + 2) * 7 + 2 */
}

__attribute__((noinline)) int deep(int n, int k)
{
    if (n == 0) {
        if (gate)
            longjmp(env, k + 1);
        return k;
    }
    return deep(n - 1, k + 1) + 1;
}

__attribute__((noinline)) long square(long v)
{
    return v * v;
}

int main(void)
{
    volatile int jumps = 0, bad = 0;
    volatile long sum = 0;
    int got = setjmp(env);
    if (got)
        sum += got;
    if (jumps < 50) {
        jumps++;
        jmp1(jumps); /* longjmp(env, jumps + 3) */
        bad++;     /* not reached */
    }
    printf("phase1 jumps=%d sum=%ld\n", (int)jumps, (long)sum);
    for (int i = 0; i < 10; i++) {
        int v = n1(i);
        if (v != (i + 2) * 7 + 2)
            bad++;
        sum += v;
    }
    printf("phase2 sum=%ld\n", (long)sum);

    volatile int more = 0;
    got = setjmp(env);
    if (got) {
        sum += got;
        long s = square(got);
        if (s != (long)got * got)
            bad++;
    }
    if (more < 3000) {
        more++;
        deep(more % 5, more); /* longjmp(env, more + more % 5 + 1) */
        bad++;                /* not reached */
    }
    printf("phase3 jumps=%d sum=%ld\n", (int)more, (long)sum);
    for (int i = 0; i < 10; i++) {
        int v = n1(i);
        if (v != (i + 2) * 7 + 2)
            bad++;
        sum += square(v) % 1000;
    }
    printf("phase4 sum=%ld bad=%d sink=%d\n", (long)sum, (int)bad, (int)sink);
    return bad ? 1 : 0;
}
