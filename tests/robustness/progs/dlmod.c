/* dlmod.c — an instrumented module the program dlopen()s. */
static volatile int sink;

__attribute__((noinline)) void dl_inner(int i)
{
    sink += i;
}

__attribute__((noinline)) void dl_outer(void)
{
    dl_inner(3);
}
