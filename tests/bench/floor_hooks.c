/* floor_hooks.c — the "floor" variant: the least a recording hook can do. Each
 * event reads the TSC and stores one 16-byte record {tsc << 1 | kind, fn} into
 * a per-thread ring of 64K records that wraps around (1 MiB, so it stays in
 * cache and is never written anywhere). Never instrumented itself.
 *
 * The ring has external linkage so the stores cannot be dropped as dead. Its
 * TLS model is local-exec (a %fs-relative access, no GOT load): the object is
 * compiled -fPIC like the rest of the tree, which would otherwise give the
 * general-dynamic model, relaxed by the linker but still saving registers for
 * a __tls_get_addr call that never happens. local-exec is legal because hooks
 * always live in the executable. */
#include <stdint.h>
#include <x86intrin.h>

#define NOINST __attribute__((no_instrument_function, noinline))
#define FLOOR_RING (1u << 16)

struct floor_rec {
    uint64_t word; /* tsc << 1 | kind (0 enter, 1 exit) */
    void *fn;
};

extern __thread struct floor_rec ct_floor_ring[FLOOR_RING];
extern __thread uint32_t ct_floor_pos;
__thread struct floor_rec ct_floor_ring[FLOOR_RING] __attribute__((tls_model("local-exec")));
__thread uint32_t ct_floor_pos __attribute__((tls_model("local-exec")));

void __cyg_profile_func_enter(void *fn, void *site);
void __cyg_profile_func_exit(void *fn, void *site);

NOINST void __cyg_profile_func_enter(void *fn, void *site)
{
    (void)site;
    uint32_t p = ct_floor_pos;
    struct floor_rec *r = &ct_floor_ring[p & (FLOOR_RING - 1)];
    r->word = __rdtsc() << 1;
    r->fn = fn;
    ct_floor_pos = p + 1;
}

NOINST void __cyg_profile_func_exit(void *fn, void *site)
{
    (void)site;
    uint32_t p = ct_floor_pos;
    struct floor_rec *r = &ct_floor_ring[p & (FLOOR_RING - 1)];
    r->word = __rdtsc() << 1 | 1;
    r->fn = fn;
    ct_floor_pos = p + 1;
}
