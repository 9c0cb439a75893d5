/* robust_syms: the same program built without debug info (-g0), stripped
 * (strip --strip-all) and with corrupt DWARF. Global functions are in the
 * dynamic symbol table (-rdynamic); the static ones only in .symtab. */
#include <stdio.h>

static volatile int sink;

__attribute__((noipa)) static int hidden_helper(int x)
{
    return x + 1;
}

__attribute__((noipa)) int visible_leaf(int x)
{
    sink += x;
    return hidden_helper(x);
}

__attribute__((noipa)) int visible_outer(int n)
{
    int s = 0;
    for (int i = 0; i < n; i++)
        s += visible_leaf(i);
    return s;
}

int main(void)
{
    int s = visible_outer(4);
    printf("sum=%d\n", s);
    return 5;
}
