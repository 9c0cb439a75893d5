/* Calls: main -> sum_squares -> square x3, main -> shapes_total (static library)
 * -> half, rect_area x2, main -> cpp_entry (C++). */
#include <calltrace.h>
#include <stdio.h>

#include "shapes.h"

int cpp_entry(int side);

static int square(int x) { return x * x; }

int sum_squares(int n)
{
    int s = 0;
    for (int i = 1; i <= n; i++)
        s += square(i);
    return s;
}

int main(void)
{
    int a = sum_squares(3);    /* 14 */
    int b = shapes_total();    /* 16 */
    int c = cpp_entry(2);      /* 6 */
    printf("calltrace %s consumer: %d %d %d\n", CALLTRACE_VERSION_STRING, a, b, c);
    return a == 14 && b == 16 && c == 6 ? 0 : 1;
}
