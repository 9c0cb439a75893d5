/* Unit tests of the protocol-buffers writer (views/pb.h): the exact bytes of
 * the wire format for varints, strings and nested messages of every length
 * size, messages longer than the buffer, and write errors. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "views/pb.h"

#define BIG_BUF (8u << 20)

/* Everything written to f so far; *n its length. */
static const uint8_t *written(FILE *f, size_t *n)
{
    static uint8_t buf[BIG_BUF];
    fflush(f);
    rewind(f);
    *n = fread(buf, 1, sizeof(buf), f);
    return buf;
}

static void open_writer(struct ct_pb *w, FILE **f)
{
    *f = tmpfile();
    assert_non_null(*f);
    assert_int_equal(ct_pb_init(w, fileno(*f)), 0);
}

/* A varint at p; advances *p. */
static uint64_t get_varint(const uint8_t **p)
{
    uint64_t v = 0;
    for (unsigned shift = 0;; shift += 7) {
        uint8_t b = *(*p)++;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            return v;
    }
}

static void scalar_fields(void **state)
{
    (void)state;
    struct ct_pb w;
    FILE *f;
    open_writer(&w, &f);
    ct_pb_varint(&w, 1, 150);                 /* the protobuf documentation's example */
    ct_pb_str(&w, 2, "testing");
    ct_pb_varint(&w, 16, 0);                  /* a two-byte tag */
    ct_pb_varint(&w, 3, UINT64_MAX);          /* ten bytes */
    ct_pb_varint(&w, 4, (uint64_t)(int64_t)-1); /* int64 -1: the same ten bytes */
    ct_pb_bytes(&w, 5, "", 0);
    assert_int_equal(ct_pb_finish(&w), 0);
    static const uint8_t want[] = {
        0x08, 0x96, 0x01,
        0x12, 0x07, 't', 'e', 's', 't', 'i', 'n', 'g',
        0x80, 0x01, 0x00,
        0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
        0x20, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
        0x2a, 0x00,
    };
    size_t n;
    const uint8_t *got = written(f, &n);
    assert_int_equal(n, sizeof(want));
    assert_memory_equal(got, want, sizeof(want));
    fclose(f);
}

/* field 1 { field 2 { field 3: <len bytes of 'x'> } field 4: 7 } for a
 * string that makes the inner message 1, 2 and 3 length bytes long. */
static void nested_lengths(void **state)
{
    (void)state;
    static const size_t lens[] = {0, 5, 125, 126, 127, 200, 16381, 16382, 20000, 3000000};
    char *s = malloc(3000000);
    assert_non_null(s);
    memset(s, 'x', 3000000);
    for (size_t k = 0; k < sizeof(lens) / sizeof(*lens); k++) {
        struct ct_pb w;
        FILE *f;
        open_writer(&w, &f);
        ct_pb_msg(&w, 1);
        ct_pb_msg(&w, 2);
        ct_pb_bytes(&w, 3, s, lens[k]);
        ct_pb_msg_end(&w);
        ct_pb_varint(&w, 4, 7);
        ct_pb_msg_end(&w);
        ct_pb_varint(&w, 5, 9); /* after it, at the top */
        assert_int_equal(ct_pb_finish(&w), 0);
        size_t n;
        const uint8_t *p = written(f, &n), *end = p + n;
        size_t field3 = 1 + ct_pb_varint_len(lens[k]) + lens[k];
        size_t inner = field3, outer = 1 + ct_pb_varint_len(inner) + inner + 2;
        assert_int_equal(get_varint(&p), (1 << 3) | 2);
        assert_int_equal(get_varint(&p), outer);
        assert_int_equal(get_varint(&p), (2 << 3) | 2);
        assert_int_equal(get_varint(&p), inner);
        assert_int_equal(get_varint(&p), (3 << 3) | 2);
        assert_int_equal(get_varint(&p), lens[k]);
        for (size_t i = 0; i < lens[k]; i++)
            assert_int_equal(p[i], 'x');
        p += lens[k];
        assert_int_equal(get_varint(&p), 4 << 3);
        assert_int_equal(get_varint(&p), 7);
        assert_int_equal(get_varint(&p), 5 << 3);
        assert_int_equal(get_varint(&p), 9);
        assert_ptr_equal(p, end);
        fclose(f);
    }
    free(s);
}

/* Many top-level messages: the buffer is flushed between them, never inside
 * one; every byte arrives in order. */
static void many_messages_cross_the_buffer(void **state)
{
    (void)state;
    struct ct_pb w;
    FILE *f;
    open_writer(&w, &f);
    const unsigned count = 200000;
    for (unsigned i = 0; i < count; i++) {
        ct_pb_msg(&w, 1);
        ct_pb_varint(&w, 8, i);
        ct_pb_msg_end(&w);
    }
    assert_int_equal(ct_pb_finish(&w), 0);
    size_t n;
    const uint8_t *p = written(f, &n), *end = p + n;
    for (unsigned i = 0; i < count; i++) {
        assert_int_equal(get_varint(&p), (1 << 3) | 2);
        size_t len = get_varint(&p);
        const uint8_t *body = p;
        assert_int_equal(get_varint(&p), 8 << 3);
        assert_int_equal(get_varint(&p), i);
        assert_ptr_equal(p, body + len);
    }
    assert_ptr_equal(p, end);
    fclose(f);
}

static void errors_are_reported(void **state)
{
    (void)state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    close(fds[0]); /* writing gets EPIPE (SIGPIPE ignored below) */
    struct ct_pb w;
    assert_int_equal(ct_pb_init(&w, fds[1]), 0);
    ct_pb_varint(&w, 1, 1);
    assert_int_equal(ct_pb_finish(&w), EPIPE);
    close(fds[1]);

    FILE *f;
    open_writer(&w, &f);
    ct_pb_msg(&w, 1);                             /* never ended */
    assert_int_equal(ct_pb_finish(&w), EPROTO);
    fclose(f);
    open_writer(&w, &f);
    ct_pb_msg_end(&w);                            /* nothing open */
    assert_int_equal(ct_pb_finish(&w), EPROTO);
    fclose(f);
    open_writer(&w, &f);
    for (unsigned i = 0; i <= CT_PB_NEST_MAX; i++) /* one deeper than promised */
        ct_pb_msg(&w, 1);
    for (unsigned i = 0; i <= CT_PB_NEST_MAX; i++)
        ct_pb_msg_end(&w);
    assert_int_equal(ct_pb_finish(&w), EOVERFLOW);
    fclose(f);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(scalar_fields),
        cmocka_unit_test(nested_lengths),
        cmocka_unit_test(many_messages_cross_the_buffer),
        cmocka_unit_test(errors_are_reported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
