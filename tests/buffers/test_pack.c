/* Unit tests of the chunk packing: every stream round-trips exactly, a
 * recursive workload packs to a few bytes per event, captured values take
 * their length and no more, corrupt input stops cleanly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "stream/pack.h"

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

/* An extension record of `type` with `len` payload bytes (a pattern) at ev. */
static size_t put_ext(struct ct_event *ev, uint64_t ticks, unsigned type, uint32_t sig, uint32_t len)
{
    size_t k = CT_EXT_PAYLOAD_EVENTS(len);
    ev[0].word = CT_EV_WORD(ticks, CT_EV_EXT);
    ev[0].addr = CT_EXT_ADDR(type, type == CT_EXT_MARK ? len : (uint64_t)sig << 32 | len);
    memset(&ev[1], 0, k * sizeof(*ev));
    for (uint32_t b = 0; b < len; b++)
        ((uint8_t *)&ev[1])[b] = (uint8_t)(b * 37u + 1u);
    return 1 + k;
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
            if (r == 3 && i + 4 < n) { /* captured values, 0-48 bytes */
                i += put_ext(&ev[i], t, (unsigned)rand() % 2 ? CT_EXT_ARGS : CT_EXT_RETVAL,
                             (uint32_t)rand() & 0xffffffu, (uint32_t)rand() % 49) - 1;
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

static void value_records_pack_exactly(void **state)
{
    (void)state;
    struct ct_event ev[32];
    size_t bytes = 0;
    /* f(int, int, int): 15 bytes of arguments: header, zero tick delta,
     * signature, length, the bytes; the record's 1-byte tail left out */
    size_t n = put_ext(ev, 0, CT_EXT_ARGS, 0xabcdefu, 15);
    roundtrip(ev, n, &bytes);
    assert_int_equal(bytes, 1 + 1 + 3 + 1 + 15);
    /* a call's worth: enter, arguments, exit, return value; then records
     * of every other kind, one of a type the packer has no code for */
    n = 0;
    ev[n++] = (struct ct_event){CT_EV_WORD(100, CT_EV_ENTER), 0x401230};
    n += put_ext(&ev[n], 100, CT_EXT_ARGS, 0xffffffu, 40);
    ev[n++] = (struct ct_event){CT_EV_WORD(130, CT_EV_EXIT), 0x401230};
    n += put_ext(&ev[n], 130, CT_EXT_RETVAL, 0x000001u, 13);
    n += put_ext(&ev[n], 131, CT_EXT_RETVAL, 0x123456u, 32);
    n += put_ext(&ev[n], 132, CT_EXT_MARK, 0, 5);
    n += put_ext(&ev[n], 133, CT_EXT_ARGS, 7, 0);
    ev[n++] = (struct ct_event){CT_EV_WORD(140, CT_EV_EXT), CT_EXT_ADDR(CT_EXT_UNWIND, 3)};
    ev[n++] = (struct ct_event){CT_EV_WORD(150, CT_EV_EXT), CT_EXT_ADDR(CT_EXT_REGION, (UINT64_C(1) << 56) - 1)};
    ev[n++] = (struct ct_event){CT_EV_WORD(160, CT_EV_EXT), CT_EXT_ADDR(0, 42)};
    ev[n++] = (struct ct_event){CT_EV_WORD(170, CT_EV_EXT), UINT64_MAX};
    assert_true(n <= 32);
    roundtrip(ev, n, NULL);
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
    /* a value record whose bytes are cut short */
    size_t k = put_ext(ev, 5, CT_EXT_ARGS, 1, 30);
    len = ct_pack(ev, k, buf);
    assert_int_equal(ct_unpack(buf, len - 1, k, back), 0);
    assert_int_equal(ct_unpack(buf, len, k, back), k);
    /* garbage: all 0xff varints never terminate */
    memset(buf, 0xff, sizeof(buf));
    assert_int_equal(ct_unpack(buf, 64, 64, back), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(recursive_workload_packs_small),
        cmocka_unit_test(arbitrary_streams_roundtrip),
        cmocka_unit_test(value_records_pack_exactly),
        cmocka_unit_test(corrupt_input_stops),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
