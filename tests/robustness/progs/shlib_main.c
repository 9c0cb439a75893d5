/* shlib_main.c — calls an instrumented shared library it links (lib_outer)
 * and an instrumented module it dlopen()s (dl_outer, path in argv[1]). */
#include <dlfcn.h>
#include <stdio.h>

void lib_outer(void);

__attribute__((noinline)) void own(void)
{
    lib_outer();
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    own();
    void *h = dlopen(argv[1], RTLD_NOW);
    void (*dl_outer)(void) = h ? (void (*)(void))dlsym(h, "dl_outer") : NULL;
    if (!dl_outer) {
        fprintf(stderr, "%s\n", dlerror());
        return 3;
    }
    dl_outer();
    printf("done\n");
    return 0;
}
