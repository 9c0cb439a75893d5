/* robust_malloc: the program brings its own malloc, free, calloc and
 * realloc, compiled with -finstrument-functions like the rest of it, on top
 * of glibc's __libc_* functions. Everything in the process allocates
 * through them — libc, the dynamic loader, and calltrace itself while it
 * initialises, flushes and writes the trace at exit.
 *
 * It counts the calls each thread makes into its allocator, split into
 * those made while main() runs outside calltrace_flush() (they are the
 * program's calls, and all must be in the trace) and those made during the
 * flush (calltrace's own: they must not be), and prints both, along with
 * the calls main() makes explicitly. */
#define _GNU_SOURCE
#include <calltrace.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *__libc_malloc(size_t n);
void __libc_free(void *p);
void *__libc_calloc(size_t n, size_t size);
void *__libc_realloc(void *p, size_t n);

enum { MALLOC, FREE, CALLOC, REALLOC, KINDS };
static const char *const kind_names[KINDS] = {"malloc", "free", "calloc", "realloc"};

/* this thread's calls, by phase */
static __thread unsigned long in_main[KINDS], in_flush[KINDS];
static __thread int phase; /* 0: before or after main, 1: main, 2: main's flush */

__attribute__((no_instrument_function)) static void count(int kind)
{
    if (phase == 1)
        in_main[kind]++;
    else if (phase == 2)
        in_flush[kind]++;
}

void *malloc(size_t n)
{
    count(MALLOC);
    return __libc_malloc(n);
}

void free(void *p)
{
    count(FREE);
    __libc_free(p);
}

void *calloc(size_t n, size_t size)
{
    count(CALLOC);
    return __libc_calloc(n, size);
}

void *realloc(void *p, size_t n)
{
    count(REALLOC);
    return __libc_realloc(p, n);
}

struct node {
    struct node *next;
    int value;
};

static struct node *volatile keep; /* the results escape: no call is optimised away */

/* explicit calls, one more level down: 10 calloc */
__attribute__((noinline)) struct node *build_list(int n)
{
    struct node *head = NULL;
    for (int i = 0; i < n; i++) {
        struct node *e = calloc(1, sizeof(*e));
        e->value = i;
        e->next = head;
        head = e;
    }
    return head;
}

/* 10 free */
__attribute__((noinline)) int drop_list(struct node *head)
{
    int sum = 0;
    while (head) {
        struct node *next = head->next;
        sum += head->value;
        free(head);
        head = next;
    }
    return sum;
}

int main(void)
{
    phase = 1;
    char *buf = malloc(16);                 /* malloc 1 */
    strcpy(buf, "hello");
    for (int i = 0; i < 5; i++)             /* realloc 5 */
        buf = realloc(buf, 32u << i);
    keep = build_list(10);                  /* calloc 10 */
    int sum = drop_list(keep);              /* free 10 */
    keep = NULL;
    char *more[8];
    for (int i = 0; i < 8; i++)             /* malloc 8 */
        more[i] = malloc(100 + (size_t)i);
    phase = 2;
    int rc = calltrace_flush();
    phase = 1;
    /* keep the flushed trace: the one written at exit replaces it */
    const char *out = getenv("CALLTRACE_OUTPUT");
    char copy[4200];
    if (rc == 0 && out && snprintf(copy, sizeof(copy), "%s.flush", out) < (int)sizeof(copy))
        rename(out, copy);
    for (int i = 0; i < 8; i++)             /* free 8 */
        free(more[i]);
    free(buf);                              /* free 1 */
    printf("flush=%d sum=%d buf=%s\n", rc, sum, "ok");
    printf("explicit malloc=9 free=19 calloc=10 realloc=5\n");
    fflush(stdout);
    /* what the checker compares the trace with (counted up to here; the
     * printf below allocates nothing: stdout's buffer exists by now) */
    unsigned long m[KINDS], f[KINDS];
    memcpy(m, in_main, sizeof(m));
    memcpy(f, in_flush, sizeof(f));
    phase = 0;
    for (int k = 0; k < KINDS; k++)
        printf("main_%s=%lu flush_%s=%lu\n", kind_names[k], m[k], kind_names[k], f[k]);
    return 0;
}
