/* Names: static functions, a static library, C++ and a function pointer call. */
#include <stdio.h>

int lib_helper(int x);
int run_cxx(void);

enum { FILE_STATIC_LINE = __LINE__ + 1 };
static int file_static(int x)
{
    return x + 1;
}

int (*volatile indirect)(int) = file_static;

int main(void)
{
    int r = indirect(1) + lib_helper(2) + run_cxx();
    printf("result=%d\n", r);
    printf("file_static_line=%d\n", FILE_STATIC_LINE);
    return 0;
}
