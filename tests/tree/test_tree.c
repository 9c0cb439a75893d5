/* Unit tests of the streaming tree builder on synthetic event streams (the
 * timestamps are injected: every event carries the ticks the test chose). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "trace/tree.h"

static char log_buf[4096];

static void log_open(void *ctx, unsigned depth, uint64_t fn, uint64_t start)
{
    (void)ctx;
    size_t n = strlen(log_buf);
    snprintf(log_buf + n, sizeof(log_buf) - n, "+%u:%llx@%llu ", depth, (unsigned long long)fn,
             (unsigned long long)start);
}

static void log_close(void *ctx, unsigned depth, uint64_t fn, uint64_t start, uint64_t end,
                      unsigned flags)
{
    (void)ctx;
    (void)start;
    size_t n = strlen(log_buf);
    snprintf(log_buf + n, sizeof(log_buf) - n, "-%u:%llx@%llu%s%s ", depth,
             (unsigned long long)fn, (unsigned long long)end,
             flags & CT_CLOSE_UNFINISHED ? "U" : "", flags & CT_CLOSE_UNWOUND ? "W" : "");
}

static void log_mark(void *ctx, unsigned depth, uint64_t fn, uint64_t ticks, const char *label,
                     size_t len)
{
    (void)ctx;
    size_t n = strlen(log_buf);
    snprintf(log_buf + n, sizeof(log_buf) - n, "M%u:%llx@%llu'%.*s' ", depth,
             (unsigned long long)fn, (unsigned long long)ticks, (int)len, label);
}

static void log_values(void *ctx, unsigned depth, uint64_t fn, unsigned what, uint32_t sig,
                       const uint8_t *data, size_t len)
{
    (void)ctx;
    size_t n = strlen(log_buf);
    snprintf(log_buf + n, sizeof(log_buf) - n, "%c%u:%llx#%u'%.*s' ",
             what == CT_EXT_ARGS ? 'A' : 'R', depth, (unsigned long long)fn, sig, (int)len,
             (const char *)data);
}

static const struct ct_tree_sink sink = {NULL, log_open, log_close, log_mark, log_values, NULL};

#define EN(t, f) {CT_EV_WORD(t, CT_EV_ENTER), f}
#define EX(t, f) {CT_EV_WORD(t, CT_EV_EXIT), f}
#define REGION(t) {CT_EV_WORD(t, CT_EV_EXT), CT_EXT_ADDR(CT_EXT_REGION, 2)}

static struct ct_tree run(const struct ct_event *ev, size_t n, uint64_t end, unsigned cap)
{
    struct ct_tree t;
    log_buf[0] = '\0';
    assert_int_equal(ct_tree_init(&t, &sink, cap), 0);
    ct_tree_feed(&t, ev, n);
    ct_tree_end(&t, end);
    return t;
}

static void nesting(void **state)
{
    (void)state;
    const struct ct_event ev[] = {EN(1, 0xa), EN(2, 0xb), EX(3, 0xb), EN(4, 0xc), EX(5, 0xc),
                                  EX(6, 0xa)};
    struct ct_tree t = run(ev, 6, 0, 10);
    assert_string_equal(log_buf, "+0:a@1 +1:b@2 -1:b@3 +1:c@4 -1:c@5 -0:a@6 ");
    assert_int_equal(t.calls, 3);
    assert_int_equal(t.unfinished + t.unwound + t.unmatched_exits, 0);
    ct_tree_free(&t);
}

static void exit_skipping_frames_unwinds_them(void **state)
{
    (void)state;
    /* a -> b -> c, then a's exit (longjmp or an exception caught in a) */
    const struct ct_event ev[] = {EN(1, 0xa), EN(2, 0xb), EN(3, 0xc), EX(9, 0xa)};
    struct ct_tree t = run(ev, 4, 0, 10);
    assert_string_equal(log_buf, "+0:a@1 +1:b@2 +2:c@3 -2:c@9W -1:b@9W -0:a@9 ");
    assert_int_equal(t.unwound, 2);
    ct_tree_free(&t);
}

static void unmatched_exits_are_counted_and_ignored(void **state)
{
    (void)state;
    /* recording started inside main: main's exit has no enter */
    const struct ct_event ev[] = {EN(1, 0xa), EX(2, 0xa), EX(3, 0xf), EN(4, 0xb), EX(5, 0xb)};
    struct ct_tree t = run(ev, 5, 0, 10);
    assert_string_equal(log_buf, "+0:a@1 -0:a@2 +0:b@4 -0:b@5 ");
    assert_int_equal(t.unmatched_exits, 1);
    ct_tree_free(&t);
}

static void region_closes_open_frames_at_last_event(void **state)
{
    (void)state;
    const struct ct_event ev[] = {EN(1, 0xa), EN(2, 0xb), REGION(50), EN(51, 0xc), EX(52, 0xc),
                                  EX(53, 0xb)};
    struct ct_tree t = run(ev, 6, 0, 10);
    assert_string_equal(log_buf, "+0:a@1 +1:b@2 -1:b@2U -0:a@2U +0:c@51 -0:c@52 ");
    assert_int_equal(t.unfinished, 2);
    assert_int_equal(t.unmatched_exits, 1);
    ct_tree_free(&t);
}

static void end_closes_open_frames_as_unfinished(void **state)
{
    (void)state;
    const struct ct_event ev[] = {EN(1, 0xa), EN(2, 0xb)};
    struct ct_tree t = run(ev, 2, 100, 10);
    assert_string_equal(log_buf, "+0:a@1 +1:b@2 -1:b@100U -0:a@100U ");
    ct_tree_free(&t);
}

static void marks_carry_their_label(void **state)
{
    (void)state;
    struct ct_event ev[8] = {EN(1, 0xa), {CT_EV_WORD(2, CT_EV_EXT), CT_EXT_ADDR(CT_EXT_MARK, 20)}};
    memcpy(&ev[2], "a label of 20 bytes!", 20);
    ev[4] = (struct ct_event)EX(3, 0xa);
    ev[5] = (struct ct_event){CT_EV_WORD(4, CT_EV_EXT), CT_EXT_ADDR(CT_EXT_MARK, 0)};
    struct ct_tree t = run(ev, 6, 0, 10);
    assert_string_equal(log_buf, "+0:a@1 M1:a@2'a label of 20 bytes!' -0:a@3 M0:0@4'' ");
    ct_tree_free(&t);
}

static void deeper_than_capacity_is_counted(void **state)
{
    (void)state;
    const struct ct_event ev[] = {EN(1, 0xa), EN(2, 0xb), EN(3, 0xc), EX(4, 0xc), EX(5, 0xb),
                                  EX(6, 0xa)};
    struct ct_tree t = run(ev, 6, 0, 1); /* room for 2 frames */
    assert_int_equal(t.overflow, 1);
    assert_int_equal(t.calls, 2);
    assert_string_equal(log_buf, "+0:a@1 +1:b@2 -1:b@5 -0:a@6 ");
    ct_tree_free(&t);
}

static struct ct_tree run_limited(const struct ct_event *ev, size_t n, uint64_t end,
                                  uint64_t min, struct ct_tree_budget *budget)
{
    struct ct_tree t;
    log_buf[0] = '\0';
    assert_int_equal(ct_tree_init(&t, &sink, 10), 0);
    ct_tree_limit(&t, min, budget);
    ct_tree_feed(&t, ev, n);
    ct_tree_end(&t, end);
    return t;
}

/* Appends a mark with a label of at most 16 bytes at ev[i]; returns the next index. */
static size_t put_mark(struct ct_event *ev, size_t i, uint64_t ticks, const char *label)
{
    size_t len = strlen(label);
    ev[i] = (struct ct_event){CT_EV_WORD(ticks, CT_EV_EXT), CT_EXT_ADDR(CT_EXT_MARK, len)};
    memset(&ev[i + 1], 0, sizeof(ev[i + 1]));
    memcpy(&ev[i + 1], label, len);
    return i + 2;
}

static void min_duration_drops_short_subtrees(void **state)
{
    (void)state;
    /* a [0,100) { b [10,12) { c [10,11) }  d [20,90) { e [30,35) } } */
    const struct ct_event ev[] = {EN(0, 0xa),  EN(10, 0xb), EN(10, 0xc), EX(11, 0xc),
                                  EX(12, 0xb), EN(20, 0xd), EN(30, 0xe), EX(35, 0xe),
                                  EX(90, 0xd), EX(100, 0xa)};
    struct ct_tree t = run_limited(ev, 10, 0, 50, NULL);
    /* a opens when d's enter at 20 cannot tell yet; e's exit at 35 cannot; d's
     * exit at 90 shows both a (90 >= 50) and d (70 >= 50) */
    assert_string_equal(log_buf, "+0:a@0 +1:d@20 -1:d@90 -0:a@100 ");
    assert_int_equal(t.calls, 2);
    assert_int_equal(t.short_calls, 3);
    ct_tree_free(&t);

    /* the same stream without a minimum is the plain tree */
    t = run_limited(ev, 10, 0, 0, NULL);
    assert_int_equal(t.calls, 5);
    assert_int_equal(t.short_calls, 0);
    ct_tree_free(&t);

    /* exactly the minimum is kept */
    t = run_limited(ev, 10, 0, 70, NULL);
    assert_string_equal(log_buf, "+0:a@0 +1:d@20 -1:d@90 -0:a@100 ");
    ct_tree_free(&t);
    t = run_limited(ev, 10, 0, 71, NULL);
    assert_string_equal(log_buf, "+0:a@0 -0:a@100 ");
    assert_int_equal(t.short_calls, 4);
    ct_tree_free(&t);
}

static void min_duration_opens_as_soon_as_an_event_shows_it(void **state)
{
    (void)state;
    /* a long-running call still open at the end: unfinished, kept; its
     * short child is dropped; the open happens at the first event that
     * shows a has run 50 */
    const struct ct_event ev[] = {EN(0, 0xa), EN(60, 0xb), EX(61, 0xb), EN(62, 0xc)};
    struct ct_tree t = run_limited(ev, 4, 70, 50, NULL);
    assert_string_equal(log_buf, "+0:a@0 -0:a@70U ");
    assert_int_equal(t.unfinished, 1);
    assert_int_equal(t.short_calls, 2); /* b, and c unfinished but short */
    ct_tree_free(&t);

    /* a region boundary closes at the last event before it */
    const struct ct_event ev2[] = {EN(0, 0xa), EN(10, 0xb), REGION(500), EN(501, 0xc),
                                   EX(600, 0xc)};
    t = run_limited(ev2, 5, 0, 50, NULL);
    assert_string_equal(log_buf, "+0:c@501 -0:c@600 ");
    assert_int_equal(t.short_calls, 2);
    ct_tree_free(&t);
}

static void marks_wait_for_their_frame(void **state)
{
    (void)state;
    struct ct_event ev[16];
    size_t n = 0;
    ev[n++] = (struct ct_event)EN(0, 0xa);
    ev[n++] = (struct ct_event)EN(10, 0xb);
    n = put_mark(ev, n, 11, "L1"); /* inside b, which turns out long */
    ev[n++] = (struct ct_event)EN(12, 0xc);
    n = put_mark(ev, n, 13, "L2"); /* inside c, dropped: goes to b */
    ev[n++] = (struct ct_event)EX(14, 0xc);
    ev[n++] = (struct ct_event)EX(80, 0xb);
    ev[n++] = (struct ct_event)EN(81, 0xd);
    n = put_mark(ev, n, 82, "L3"); /* inside d, dropped: goes to a */
    ev[n++] = (struct ct_event)EX(83, 0xd);
    ev[n++] = (struct ct_event)EX(100, 0xa);
    struct ct_tree t = run_limited(ev, n, 0, 50, NULL);
    assert_string_equal(log_buf, "+0:a@0 +1:b@10 M2:b@11'L1' M2:b@13'L2' -1:b@80 M1:a@82'L3' "
                                 "-0:a@100 ");
    assert_int_equal(t.short_calls, 2);
    ct_tree_free(&t);
}

static void budget_is_shared_and_closes_what_is_open(void **state)
{
    (void)state;
    const struct ct_event ev[] = {EN(1, 0xa), EN(2, 0xb), EX(3, 0xb), EN(4, 0xc), EN(5, 0xd),
                                  EX(6, 0xd), EX(7, 0xc), EX(8, 0xa)};
    struct ct_tree_budget b = {3, 0};
    struct ct_tree t = run_limited(ev, 8, 0, 0, &b);
    assert_string_equal(log_buf, "+0:a@1 +1:b@2 -1:b@3 +1:c@4 -1:c@7 -0:a@8 ");
    assert_int_equal(t.calls, 3);
    assert_int_equal(t.over_budget, 1);
    assert_int_equal(b.left, 0);
    assert_int_equal(b.not_written, 1);
    ct_tree_free(&t);
    /* a second thread gets nothing */
    t = run_limited(ev, 8, 0, 0, &b);
    assert_string_equal(log_buf, "");
    assert_int_equal(t.calls, 0);
    assert_int_equal(b.not_written, 5);
    ct_tree_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(nesting),
        cmocka_unit_test(exit_skipping_frames_unwinds_them),
        cmocka_unit_test(unmatched_exits_are_counted_and_ignored),
        cmocka_unit_test(region_closes_open_frames_at_last_event),
        cmocka_unit_test(end_closes_open_frames_as_unfinished),
        cmocka_unit_test(marks_carry_their_label),
        cmocka_unit_test(deeper_than_capacity_is_counted),
        cmocka_unit_test(min_duration_drops_short_subtrees),
        cmocka_unit_test(min_duration_opens_as_soon_as_an_event_shows_it),
        cmocka_unit_test(marks_wait_for_their_frame),
        cmocka_unit_test(budget_is_shared_and_closes_what_is_open),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
