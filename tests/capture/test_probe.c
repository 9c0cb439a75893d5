/* Unit tests of the fault-safe string probe (probe.S): for every
 * alignment, length and bound it returns what strnlen would and copies
 * exactly those bytes, whether it goes a byte or a word at a time; and it
 * never writes past the bound it is given. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/ct.h"

CT_INTERNAL long ct_probe_str(char *dst, const char *src, size_t max);

static void every_alignment_length_and_bound(void **state)
{
    (void)state;
    static const size_t bounds[] = {0, 1, 7, 8, 9, 15, 16, 17, 31, 64, 256};
    char src[352], dst[320];
    for (size_t off = 0; off < 16; off++) {
        for (size_t len = 0; len < 80; len++) {
            memset(src, 0, sizeof src);
            for (size_t i = 0; i < len; i++)
                src[off + i] = (char)(0x80 | ((i * 7 + off) & 0x7f)); /* no NUL, high bits set */
            for (size_t b = 0; b < sizeof bounds / sizeof *bounds; b++) {
                size_t max = bounds[b];
                memset(dst, 0x5a, sizeof dst);
                long n = ct_probe_str(dst, src + off, max);
                size_t want = len < max ? len : max;
                assert_int_equal(n, (long)want);
                assert_memory_equal(dst, src + off, want);
                for (size_t i = max; i < sizeof dst; i++) /* nothing past the bound */
                    assert_int_equal((unsigned char)dst[i], 0x5a);
            }
        }
    }
}

/* 0x80 and 0x01 bytes next to the NUL: the bit trick's false positives
 * never move the length. */
static void nul_among_tricky_bytes(void **state)
{
    (void)state;
    char src[64] __attribute__((aligned(8)));
    char dst[64];
    static const unsigned char fill[] = {0x01, 0x80, 0xff, 0x7f};
    for (size_t f = 0; f < sizeof fill; f++) {
        for (size_t at = 0; at < 24; at++) {
            memset(src, fill[f], sizeof src);
            src[at] = 0;
            assert_int_equal(ct_probe_str(dst, src, 48), (long)at);
            assert_memory_equal(dst, src, at);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_alignment_length_and_bound),
        cmocka_unit_test(nul_among_tricky_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
