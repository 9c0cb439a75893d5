/* fmt_text.c — the call tree as indented text, like `uftrace replay`.
 *
 * A header line names the program; each thread gets a block that starts with
 * `# thread <tid> "<name>": <n> calls` (the thread is named once, in its
 * header: threads are written one after the other, never interleaved). Then
 * one line per call event: a duration column, a bar, the call indented by
 * its depth (two columns a level):
 *   - a call with children: "f() {" on entry, with no duration, and on exit
 *     its duration and "}" with a comment naming f;
 *   - a call without children: one line, its duration and "f();". The entry
 *     is held until the next callback says whether children follow;
 *   - a mark: a comment "mark: <label>" where it was made;
 *   - " [unfinished]" or " [unwound]" ends the line of a call closed so.
 * Durations read like uftrace's ("  1.234 us", " 12.345 ms"). Memory: the
 * writer's buffer and the one held call. */
#include <stdlib.h>
#include <string.h>

#include "views/format.h"
#include "views/textw.h"
#include "syscalls/sc_decode.h"

#define CT_TEXT_INDENT 2   /* columns per nesting level */
#define CT_TEXT_DUR_COLS 11 /* " " and a duration */

struct ct_text {
    struct ct_jw w;
    const struct ct_out_run *run;
    bool pending; /* a call whose open line is not written yet */
    unsigned pending_depth;
    uint64_t pending_fn;
    char scline[512]; /* the open system call node's strace-like line, or "" */
};

/* The duration column and the bar; `ns` NULL leaves the column blank. */
CT_NOINST static void ct_text_prefix(struct ct_text *t, const uint64_t *ns, unsigned depth)
{
    if (ns) {
        ct_jw_write(&t->w, " ", 1);
        ct_tw_dur(&t->w, *ns);
    } else {
        ct_tw_fill(&t->w, ' ', CT_TEXT_DUR_COLS);
    }
    ct_jw_write(&t->w, " | ", 3);
    ct_tw_fill(&t->w, ' ', (size_t)depth * CT_TEXT_INDENT);
}

/* "name()". Captured arguments (a later issue) go between the parentheses.
 * A system call: "[sys] openat(AT_FDCWD, "/etc/x", O_RDONLY) = 3". */
CT_NOINST static void ct_text_call(struct ct_text *t, uint64_t fn)
{
    if (CT_SC_IS_FN(fn) && t->scline[0]) {
        ct_tw_str(&t->w, "[sys] ");
        ct_tw_clean(&t->w, t->scline, strlen(t->scline), NULL, ' ');
        t->scline[0] = '\0';
        return;
    }
    const char *name = ct_out_symbol(t->run, fn)->name;
    ct_tw_clean(&t->w, name, strlen(name), NULL, ' ');
    ct_jw_write(&t->w, "()", 2);
}

CT_NOINST static void ct_text_flags(struct ct_text *t, unsigned flags)
{
    if (flags & CT_CLOSE_UNFINISHED)
        ct_tw_str(&t->w, " [unfinished]");
    if (flags & CT_CLOSE_UNWOUND)
        ct_tw_str(&t->w, " [unwound]");
    ct_jw_write(&t->w, "\n", 1);
}

/* The held call has children after all: "f() {". */
CT_NOINST static void ct_text_flush_pending(struct ct_text *t)
{
    if (!t->pending)
        return;
    t->pending = false;
    ct_text_prefix(t, NULL, t->pending_depth);
    ct_text_call(t, t->pending_fn);
    ct_jw_write(&t->w, " {\n", 3);
}

CT_NOINST static void ct_text_syscall(void *st, unsigned depth, const uint8_t *data, size_t len)
{
    (void)depth;
    struct ct_text *t = st;
    struct ct_sc_call c;
    if (ct_sc_decode(data, len, &c))
        ct_sc_line(&c, t->scline, sizeof(t->scline));
}

CT_NOINST static void *ct_text_begin(int fd, const struct ct_out_run *run)
{
    struct ct_text *t = calloc(1, sizeof(*t));
    if (!t || ct_jw_init(&t->w, fd, false, 0) != 0) {
        free(t);
        return NULL;
    }
    t->run = run;
    ct_tw_header(&t->w, "text view", run);
    return t;
}

CT_NOINST static void ct_text_thread_begin(void *st, const struct ct_out_thread *th)
{
    struct ct_text *t = st;
    struct ct_jw *w = &t->w;
    t->pending = false;
    ct_tw_str(w, "\n# thread ");
    ct_tw_str(w, th->key);
    ct_jw_write(w, " ", 1);
    ct_tw_quoted(w, th->name);
    ct_tw_str(w, ": ");
    ct_tw_u64(w, th->calls, 0);
    ct_tw_str(w, th->calls == 1 ? " call\n" : " calls\n");
    ct_tw_str(w, "#  DURATION | FUNCTION\n");
}

CT_NOINST static void ct_text_open(void *st, unsigned depth, uint64_t fn, uint64_t start)
{
    (void)start;
    struct ct_text *t = st;
    ct_text_flush_pending(t);
    t->pending = true;
    t->pending_depth = depth;
    t->pending_fn = fn;
}

CT_NOINST static void ct_text_close(void *st, unsigned depth, uint64_t fn, uint64_t start,
                                    uint64_t end, unsigned flags)
{
    struct ct_text *t = st;
    uint64_t ns = ct_out_ns(t->run, end) - ct_out_ns(t->run, start);
    if (t->pending && t->pending_depth == depth) { /* no children: one line */
        t->pending = false;
        ct_text_prefix(t, &ns, depth);
        ct_text_call(t, fn);
        ct_jw_write(&t->w, ";", 1);
    } else {
        ct_text_flush_pending(t);
        ct_text_prefix(t, &ns, depth);
        /* a captured return value (a later issue) goes right after the "}",
         * as uftrace writes "} = 42;" */
        ct_jw_write(&t->w, "} /* ", 5);
        const char *name = ct_out_symbol(t->run, fn)->name;
        ct_tw_clean(&t->w, name, strlen(name), NULL, ' ');
        ct_jw_write(&t->w, " */", 3);
    }
    ct_text_flags(t, flags);
}

CT_NOINST static void ct_text_mark(void *st, unsigned depth, uint64_t fn, uint64_t ticks,
                                   const char *label, size_t len)
{
    (void)fn;
    (void)ticks;
    struct ct_text *t = st;
    ct_text_flush_pending(t);
    ct_text_prefix(t, NULL, depth);
    ct_jw_write(&t->w, "/* mark: ", 9);
    ct_tw_clean(&t->w, label, len, NULL, ' ');
    ct_jw_write(&t->w, " */\n", 4);
}

CT_NOINST static void ct_text_thread_end(void *st, const struct ct_out_thread *th,
                                         const struct ct_tree *tree)
{
    (void)th;
    struct ct_text *t = st;
    ct_text_flush_pending(t);
    if (!tree->unfinished && !tree->unwound && !tree->unmatched_exits)
        return;
    struct ct_jw *w = &t->w;
    ct_tw_str(w, "# ");
    ct_tw_u64(w, tree->unfinished, 0);
    ct_tw_str(w, " unfinished, ");
    ct_tw_u64(w, tree->unwound, 0);
    ct_tw_str(w, " unwound, ");
    ct_tw_u64(w, tree->unmatched_exits, 0);
    ct_tw_str(w, " exits without their entry\n");
}

CT_NOINST static int ct_text_end(void *st)
{
    struct ct_text *t = st;
    int err = ct_jw_finish(&t->w);
    free(t);
    return err;
}

const struct ct_format_ops ct_fmt_text = {
    .bit = CT_FMT_TEXT,
    .begin = ct_text_begin,
    .thread_begin = ct_text_thread_begin,
    .open = ct_text_open,
    .close = ct_text_close,
    .mark = ct_text_mark,
    .thread_end = ct_text_thread_end,
    .end = ct_text_end,
    .syscall = ct_text_syscall,
};
