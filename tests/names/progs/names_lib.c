/* Compiled into an instrumented static library linked into names. */
int lib_helper(int x);
static int lib_static(int x)
{
    return x * 3;
}
int lib_helper(int x)
{
    return lib_static(x) + 1;
}
