/* Unit tests of the chunk packing: every stream round-trips exactly, a
 * recursive workload packs to a few bytes per event, corrupt input stops
 * cleanly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pack.h"

static void roundtrip(const struct ct_event *ev, size_t n, size_t *bytes)
{
    uint8_t *buf = malloc(CT_PACK_BOUND(n));
    struct ct_event *back = calloc(n + 1, sizeof(*back));
    size_t len = ct_pack(ev, n, buf);
    assert_true(len <= CT_PACK_BOUND(n));
    assert_int_equal(ct_unpack(buf, len, n, back), n);
    assert_memory_equal(ev, back, n * sizeof(*ev));
    if (bytes)
        *bytes = len;
    free(buf);
    free(back);
}

static void recursive_workload_packs_small(void **state)
{
    (void)state;
    enum { N = 100000 };
    struct ct_event *ev = malloc(N * sizeof(*ev));
    uint64_t t = 123456789012ull;
    for (size_t i = 0; i < N; i++) { /* fib-like: two functions, small steps */
        t += 40 + (i * 7919) % 200;
        ev[i].word = CT_EV_WORD(t, (i & 1) ? CT_EV_EXIT : CT_EV_ENTER);
        ev[i].addr = (i % 10 == 0) ? 0x55d0c1a2b4d2ull : 0x55d0c1a2b469ull;
    }
    size_t bytes;
    roundtrip(ev, N, &bytes);
    assert_true(bytes < 3 * N); /* under 3 bytes per event */
    free(ev);
}

static void arbitrary_streams_roundtrip(void **state)
{
    (void)state;
    srand(42);
    for (int round = 0; round < 200; round++) {
        size_t n = (size_t)(rand() % 300) + 1;
        struct ct_event *ev = calloc(n, sizeof(*ev));
        uint64_t t = (uint64_t)rand() << 20;
        for (size_t i = 0; i < n; i++) {
            int r = rand() % 10;
            /* ticks may even go backwards (another CPU's TSC) */
            t += (uint64_t)(rand() % 100000) - (r == 0 ? 60000 : 0);
            t &= (UINT64_C(1) << 62) - 1;
            if (r == 1 && i + 3 < n) { /* a mark with a 20-byte label */
                ev[i].word = CT_EV_WORD(t, CT_EV_EXT);
                ev[i].addr = CT_EXT_ADDR(CT_EXT_MARK, 20);
                memset(&ev[i + 1], 0, 2 * sizeof(*ev));
                memcpy(&ev[i + 1], "twenty bytes, exact!", 20);
                i += 2;
                continue;
            }
            if (r == 2) {
                ev[i].word = CT_EV_WORD(t, CT_EV_EXT);
                ev[i].addr = CT_EXT_ADDR(CT_EXT_REGION, (uint64_t)rand());
                continue;
            }
            ev[i].word = CT_EV_WORD(t, (unsigned)rand() % 2);
            ev[i].addr = r < 6 ? 0x401000u + (uint64_t)(rand() % 12) * 16
                               : ((uint64_t)rand() << 32) | (uint64_t)rand();
        }
        roundtrip(ev, n, NULL);
        free(ev);
    }
}

static void corrupt_input_stops(void **state)
{
    (void)state;
    struct ct_event ev[64], back[64];
    for (int i = 0; i < 64; i++)
        ev[i] = (struct ct_event){CT_EV_WORD(1000u + (unsigned)i * 300u, (unsigned)i & 1u),
                                  0x7f0000001000ull + (uint64_t)(i % 9) * 0x100000};
    uint8_t buf[CT_PACK_BOUND(64)];
    size_t len = ct_pack(ev, 64, buf);
    /* cut short: fewer events, never a read past the end */
    size_t got = ct_unpack(buf, len / 2, 64, back);
    assert_true(got < 64);
    assert_memory_equal(ev, back, got * sizeof(*ev));
    /* garbage: all 0xff varints never terminate */
    memset(buf, 0xff, sizeof(buf));
    assert_int_equal(ct_unpack(buf, 64, 64, back), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(recursive_workload_packs_small),
        cmocka_unit_test(arbitrary_streams_roundtrip),
        cmocka_unit_test(corrupt_input_stops),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
