/* Unit tests of the spill file: chunks from several threads come back in
 * (thread, seq) order; a torn chunk at the end, a foreign file and a missing
 * file are handled. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include <cmocka.h>

#include "stream/pack.h"
#include "stream/spill.h"

static char dir[] = "/tmp/ct-spill-XXXXXX";

static void append(uint32_t serial, uint32_t seq, uint32_t nev)
{
    struct ct_event ev[8];
    uint8_t scratch[CT_PACK_BOUND(8)];
    for (uint32_t i = 0; i < nev; i++)
        ev[i] = (struct ct_event){CT_EV_WORD(seq * 100 + i, CT_EV_ENTER), 0x401000u + serial};
    assert_int_equal(ct_chunk_write(ct_spill_fd, serial, seq, 7, ev, nev, scratch), 0);
}

static void chunks_come_back_sorted(void **state)
{
    (void)state;
    char out[256];
    snprintf(out, sizeof(out), "%s/trace.json", dir);
    assert_int_equal(ct_spill_open(out), 0);
    append(1, 0, 3);
    append(0, 0, 2);
    append(1, 1, 8);
    append(0, 1, 1);
    int rfd = open(ct_spill_path, O_RDONLY);
    struct ct_chunk_ref *c;
    size_t n = ct_spill_index(rfd, &c);
    assert_int_equal(n, 4);
    const uint32_t want[4][3] = {{0, 0, 2}, {0, 1, 1}, {1, 0, 3}, {1, 1, 8}};
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(c[i].serial, want[i][0]);
        assert_int_equal(c[i].seq, want[i][1]);
        assert_int_equal(c[i].nev, want[i][2]);
        struct ct_event back[8];
        uint8_t packed[CT_PACK_BOUND(8)];
        assert_int_equal(ct_chunk_read(rfd, &c[i], packed, back), want[i][2]);
        for (uint32_t k = 0; k < want[i][2]; k++) {
            assert_int_equal(back[k].addr, 0x401000u + want[i][0]);
            assert_int_equal(CT_EV_TICKS(&back[k]), want[i][1] * 100 + k);
        }
    }
    free(c);

    /* a torn chunk at the end (a write cut short) ends the list */
    struct ct_chunk_header h = {.magic = CT_CHUNK_MAGIC, .serial = 2, .seq = 0, .nev = 100,
                                .nbytes = 300, .encoding = CT_CHUNK_PACKED};
    assert_int_equal(write(ct_spill_fd, &h, sizeof(h)), sizeof(h));
    n = ct_spill_index(rfd, &c);
    assert_int_equal(n, 4);
    free(c);
    close(rfd);
    ct_spill_close(true);
    assert_int_not_equal(access(ct_spill_path, F_OK), 0);
}

static void foreign_or_missing_files_index_empty(void **state)
{
    (void)state;
    char path[256];
    snprintf(path, sizeof(path), "%s/foreign", dir);
    FILE *f = fopen(path, "w");
    fputs("this is not an event file at all, but it is long enough for a header", f);
    fclose(f);
    int fd = open(path, O_RDONLY);
    struct ct_chunk_ref *c;
    assert_int_equal(ct_spill_index(fd, &c), 0);
    close(fd);
    assert_int_equal(ct_spill_index(-1, &c), 0);
    unlink(path);
}

static void unwritable_directory_falls_back_to_tmp(void **state)
{
    (void)state;
    FILE *tmp = tmpfile();
    int saved = dup(2);
    dup2(fileno(tmp), 2);
    int rc = ct_spill_open("/nonexistent-dir/trace.json");
    dup2(saved, 2);
    close(saved);
    assert_int_equal(rc, 0);
    assert_int_equal(strncmp(ct_spill_path, "/tmp/trace.json.", 16), 0);
    char msg[512] = "";
    rewind(tmp);
    size_t n = fread(msg, 1, sizeof(msg) - 1, tmp);
    msg[n] = '\0';
    fclose(tmp);
    assert_non_null(strstr(msg, "calltrace: cannot create the event file beside"));
    ct_spill_close(true);
}

int main(void)
{
    if (!mkdtemp(dir))
        return 1;
    unsetenv("TMPDIR");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(chunks_come_back_sorted),
        cmocka_unit_test(foreign_or_missing_files_index_empty),
        cmocka_unit_test(unwritable_directory_falls_back_to_tmp),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    rmdir(dir);
    return rc;
}
