/* robust_env: a small program with a known tree and output and a nonzero
 * exit status, run under a hostile environment. */
#include <stdio.h>

static volatile int sink;

__attribute__((noinline)) int square(int x)
{
    return x * x;
}

__attribute__((noinline)) int sum_squares(int n)
{
    int s = 0;
    for (int i = 1; i <= n; i++)
        s += square(i);
    return s;
}

int main(void)
{
    int s = sum_squares(5);
    sink = s;
    printf("sum=%d\n", s);
    return 3;
}
