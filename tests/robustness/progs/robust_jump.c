/* robust_jump: longjmp out of three nested instrumented frames back to
 * main(), which then makes more calls. Their exit hooks never run: the
 * trace must close the skipped frames ("unwound") and put the later calls
 * under main(), not under the frames that were jumped over. argv[1]:
 *   once   one jump
 *   loop   forty jumps in a row (120 frames skipped), then more calls
 *   deep   the jump leaves from inside a recursion 50 frames deep */
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

static jmp_buf env;
static volatile int sink;
static volatile int last; /* the value the last longjmp passed */

__attribute__((noinline)) void after(void)
{
    sink++;
}

__attribute__((noinline)) void level3(int k)
{
    sink += k;
    last = k + 1;
    longjmp(env, k + 1);
}

__attribute__((noinline)) void level2(int k)
{
    level3(k);
    sink--; /* not reached */
}

__attribute__((noinline)) void level1(int k)
{
    level2(k);
    sink--; /* not reached */
}

__attribute__((noinline)) void recurse(int n)
{
    if (n == 0) {
        last = 1;
        longjmp(env, 1);
    }
    recurse(n - 1);
    sink--; /* not reached */
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "once";
    int jumps = strcmp(mode, "loop") == 0 ? 40 : 1;
    volatile int done = 0;
    setjmp(env);
    if (done < jumps) {
        done++;
        if (strcmp(mode, "deep") == 0)
            recurse(49); /* 50 frames */
        else
            level1(done);
    }
    for (int i = 0; i < 3; i++)
        after();
    printf("mode=%s jumps=%d last=%d sink=%d\n", mode, (int)done, (int)last, (int)sink);
    return 0;
}
