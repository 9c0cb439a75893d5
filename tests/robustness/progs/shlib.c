/* shlib.c — an instrumented shared library the program links. */
static volatile int sink;

__attribute__((noinline)) void lib_inner(int i)
{
    sink += i;
}

__attribute__((noinline)) void lib_outer(void)
{
    lib_inner(1);
    lib_inner(2);
}
