/* jumps.c — longjmp across frames of different sizes: the tree after each
 * jump must be exact (jumps_test.sh). */
#include <setjmp.h>
#include <stdio.h>

static jmp_buf jb;

__attribute__((noinline)) void small(void) { longjmp(jb, 1); }
__attribute__((noinline)) void big(void)
{
    volatile char pad[256];
    pad[0] = 0;
    (void)pad[0];
}
__attribute__((noinline)) void tiny_leaf(void) { __asm__ volatile("" ::: "memory"); }
/* a nested callee jumps to the outer setjmp from two levels down */
__attribute__((noinline)) void inner(int n) { if (n) longjmp(jb, 2); tiny_leaf(); }
__attribute__((noinline)) void middle(int n)
{
    volatile char pad[64];
    pad[0] = (char)n;
    inner(pad[0]);
}
__attribute__((noinline)) void huge(void)
{
    volatile char pad[8192];
    pad[0] = 1;
    tiny_leaf();
}

int main(void)
{
    if (!setjmp(jb))
        small();
    big();
    for (int i = 0; i < 3; i++) {
        if (!setjmp(jb))
            middle(1);
        huge();
        big();
    }
    middle(0);
    printf("done\n");
    return 0;
}
