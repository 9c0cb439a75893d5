/* empty_hooks.c — the "empty" variant: instrumented code calling hooks that do
 * nothing. Linked into the executable, so the calls are direct (no PLT), as
 * calltrace's own hooks are. Never instrumented itself. */
#define NOINST __attribute__((no_instrument_function, noinline))

void __cyg_profile_func_enter(void *fn, void *site);
void __cyg_profile_func_exit(void *fn, void *site);

NOINST void __cyg_profile_func_enter(void *fn, void *site)
{
    (void)fn;
    (void)site;
}

NOINST void __cyg_profile_func_exit(void *fn, void *site)
{
    (void)fn;
    (void)site;
}
