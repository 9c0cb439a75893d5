/* output files (the ending program): the trace file is private (0600); a
 * symlink planted at its path is replaced, not followed; a setuid program
 * ignores CALLTRACE_OUTPUT; a directory as the path, or a file size limit,
 * fail the write and not the program, and leave no partial file. */
#include <sys/stat.h>

#include "check_common.h"

/* A setuid program must not take its configuration from whoever runs it,
 * nor leave files owned by its privileged user: run a setuid-root copy as
 * nobody and point CALLTRACE_OUTPUT somewhere; nothing is written at all
 * (the program did not say CALLTRACE_ALLOW_SECURE_EXECUTION()). */
static void setuid_program_ignores_the_environment(void **state)
{
    (void)state;
    if (geteuid() != 0 || access("/usr/bin/setpriv", X_OK) != 0)
        skip_unless_ci("needs root and /usr/bin/setpriv");
    char dir[] = "/tmp/ct-setuid-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char copy[256], evil[256], def[300], cmd[1200];
    snprintf(copy, sizeof(copy), "%s/prog", dir);
    snprintf(evil, sizeof(evil), "%s/evil.json", dir);
    snprintf(def, sizeof(def), "%s.json", copy);
    snprintf(cmd, sizeof(cmd), "cp %s %s && chmod 4755 %s && chmod 777 %s", g_prog, copy, copy, dir);
    assert_int_equal(system(cmd), 0);
    struct tu_run r;
    char *argv[] = {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                    copy, "", NULL};
    char outvar[300];
    snprintf(outvar, sizeof(outvar), "CALLTRACE_OUTPUT=%s", evil);
    const char *env[] = {outvar, "CALLTRACE_PRETTY_JSON=0", NULL};
    assert_int_equal(tu_run(&r, argv, env), 0);
    int nosuid = r.status != 0 && strstr(r.err, "setpriv") != NULL;
    if (!nosuid) {
        assert_int_equal(r.status, 0);
        assert_int_not_equal(access(evil, F_OK), 0); /* the environment was not used */
        /* and nothing at all is written: not opted in (calltrace.h) */
        assert_int_not_equal(access(def, F_OK), 0);
        snprintf(cmd, sizeof(cmd), "ls %s | grep -c . | grep -qx 1", dir); /* prog alone */
        assert_int_equal(system(cmd), 0);
    }
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
    if (nosuid)
        skip_unless_ci("setuid programs do not run from /tmp here (nosuid)");
}

static void output_file_is_private(void **state)
{
    (void)state;
    struct tu_run r;
    cJSON_Delete(run_mode(&r, "", NULL, 0));
    struct stat st;
    assert_int_equal(stat(g_trace, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
}

/* Every view, and the event file kept by "raw", is 0600 too, whatever the
 * umask (0 here: a file made with the default mode would be 0666). */
static void every_view_is_private(void **state)
{
    (void)state;
    static const char *const ext[] = {".chrome.json", ".folded", ".txt", ".summary.txt",
                                      ".html", ".pftrace", ".ctraw"};
    char base[4200], path[4300];
    snprintf(base, sizeof(base), "%.*s", (int)(strlen(g_trace) - 5), g_trace); /* no .json */
    for (size_t i = 0; i < sizeof(ext) / sizeof(*ext); i++) {
        snprintf(path, sizeof(path), "%s%s", base, ext[i]);
        unlink(path);
    }
    mode_t old = umask(0);
    struct tu_run r;
    const char *env[] = {"CALLTRACE_FORMAT=json,chrome,folded,text,summary,html,perfetto,raw", NULL};
    cJSON_Delete(run_mode(&r, "", env, 0));
    umask(old);
    struct stat st;
    assert_int_equal(stat(g_trace, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    for (size_t i = 0; i < sizeof(ext) / sizeof(*ext); i++) {
        snprintf(path, sizeof(path), "%s%s", base, ext[i]);
        if (stat(path, &st) != 0)
            fail_msg("no %s", path);
        if ((st.st_mode & 0777) != 0600)
            fail_msg("%s is %o, want 600", path, (unsigned)(st.st_mode & 0777));
        unlink(path);
    }
}

static void planted_symlink_is_replaced_not_followed(void **state)
{
    (void)state;
    char victim[4200];
    snprintf(victim, sizeof(victim), "%s.victim", g_trace);
    FILE *f = fopen(victim, "w");
    fputs("precious", f);
    fclose(f);
    struct tu_run r;
    const char *args[] = {"", NULL};
    run_prog(&r, args, NULL); /* removes g_trace first */
    unlink(g_trace);
    assert_int_equal(symlink(victim, g_trace), 0);
    char *argv[] = {(char *)g_prog, "", NULL};
    char outvar[4300];
    snprintf(outvar, sizeof(outvar), "CALLTRACE_OUTPUT=%s", g_trace);
    const char *env[] = {outvar, NULL};
    assert_int_equal(tu_run(&r, argv, env), 0);
    assert_int_equal(r.status, 0);
    char buf[64] = "";
    f = fopen(victim, "r");
    assert_non_null(fgets(buf, sizeof(buf), f));
    fclose(f);
    assert_string_equal(buf, "precious");
    struct stat st;
    assert_int_equal(lstat(g_trace, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    unlink(victim);
}

static void output_path_is_a_directory(void **state)
{
    (void)state;
    struct tu_run r;
    char *argv[] = {(char *)g_prog, "", NULL};
    const char *env[] = {"CALLTRACE_OUTPUT=/tmp", NULL};
    assert_int_equal(tu_run(&r, argv, env), 0);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "start\nend\n");
    assert_non_null(strstr(r.err, "calltrace: cannot write the trace /tmp"));
    /* no temporary left; the recorded events are kept, and it says where */
    assert_int_equal(system("ls /tmp.?????? >/dev/null 2>&1"), 256 * 2);
    const char *kept = strstr(r.err, "calltrace: the recorded events are kept in ");
    assert_non_null(kept);
    char path[512];
    assert_int_equal(sscanf(kept, "calltrace: the recorded events are kept in %511s", path), 1);
    assert_int_equal(access(path, F_OK), 0);
    unlink(path);
}

static void file_size_limit_fails_the_write_not_the_program(void **state)
{
    (void)state;
    struct tu_run r;
    char script[4600];
    snprintf(script, sizeof(script),
             "ulimit -f 2; CALLTRACE_OUTPUT=%s CALLTRACE_PRETTY_JSON=1 exec %s overflow-free",
             g_trace, g_prog);
    unlink(g_trace);
    char *argv[] = {"/bin/sh", "-c", script, NULL};
    assert_int_equal(tu_run(&r, argv, NULL), 0);
    /* the trace is bigger than 2 KiB: writing it fails, the program does not die */
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "start\nend\n");
    assert_non_null(strstr(r.err, "calltrace: cannot write the trace"));
    assert_int_not_equal(access(g_trace, F_OK), 0); /* no partial file at the final path */
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(setuid_program_ignores_the_environment),
        cmocka_unit_test(every_view_is_private),
        cmocka_unit_test(output_file_is_private),
        cmocka_unit_test(planted_symlink_is_replaced_not_followed),
        cmocka_unit_test(output_path_is_a_directory),
        cmocka_unit_test(file_size_limit_fails_the_write_not_the_program),
    };
    return check_main(argc, argv, tests, sizeof(tests) / sizeof(*tests), "output_files");
}
