/* Ways a process ends or misbehaves, one per argv[1]; the checker asserts
 * the exit status and output are what they would be without calltrace, and
 * that the trace is valid and complete up to the event. */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;
static volatile int sink;
static const char *mode = "";

static void say(const char *s) /* unbuffered: survives a crash */
{
    ssize_t r = write(1, s, strlen(s));
    (void)r;
}

void leaf(void) { sink++; }

/* a handler installed before calltrace initialises (priority 100 runs before
 * the runtime's 101; uninstrumented, so no hook initialises it earlier):
 * calltrace must chain to it */
static void early_handler(int sig)
{
    (void)sig;
    say("caught-early\n");
    _exit(4);
}
#pragma GCC diagnostic ignored "-Wprio-ctor-dtor"
__attribute__((constructor(100), no_instrument_function)) static void install_early(void)
{
    const char *m = getenv("ENDING_EARLY_HANDLER");
    if (m && *m)
        signal(SIGSEGV, early_handler);
}

static void late_handler(int sig)
{
    (void)sig;
    say("caught-late\n");
    _exit(3);
}

__attribute__((noinline)) void crash_here(void)
{
    leaf();
    if (strcmp(mode, "segv") == 0 || strcmp(mode, "segv-late") == 0)
        *(volatile int *)0 = 1;
    if (strcmp(mode, "abort") == 0)
        abort();
    if (strcmp(mode, "fpe") == 0) {
        volatile int zero = 0;
        sink = (sink + 100) / zero; /* GCC folds 1 / x into a compare: no trap */
    }
    if (strcmp(mode, "term") == 0)
        raise(SIGTERM);
    if (strcmp(mode, "int") == 0)
        kill(getpid(), SIGINT);
    if (strcmp(mode, "_exit") == 0)
        _exit(5);
    if (strcmp(mode, "quick_exit") == 0)
        quick_exit(6);
    if (strcmp(mode, "_Exit") == 0)
        _Exit(7);
    if (strcmp(mode, "bus") == 0) { /* a real SIGBUS: a page past the end of a file */
        FILE *f = tmpfile();
        volatile char *p = f ? mmap(NULL, 4096, PROT_READ, MAP_SHARED, fileno(f), 0) : MAP_FAILED;
        if (p != MAP_FAILED)
            sink = p[0];
    }
    if (strcmp(mode, "ill") == 0)
        __builtin_trap(); /* ud2 */
    if (strcmp(mode, "trap") == 0)
        __asm__ volatile("int3");
    if (strcmp(mode, "hup") == 0)
        raise(SIGHUP);
}

void middle(void) { crash_here(); }

__attribute__((noinline)) int overflow(int n)
{
    volatile char pad[256];
    pad[0] = (char)n;
    return overflow(n + 1) + pad[0];
}

void *exiting_thread(void *arg)
{
    (void)arg;
    leaf();
    exit(7);
}

void child_work(void) { leaf(); }
void parent_work(void) { leaf(); }

int main(int argc, char **argv)
{
    mode = argc > 1 ? argv[1] : "";
    say("start\n");
    leaf();
    if (strcmp(mode, "segv-late") == 0)
        signal(SIGSEGV, late_handler);
    if (strcmp(mode, "overflow") == 0)
        overflow(0);
    if (strcmp(mode, "spin") == 0) { /* until killed: SIGKILL leaves only the event file */
        /* a bounded burst, then idle: the event file stays small enough to
         * convert in a second however long the killer takes (100000 rounds,
         * 300000 calls, made convert.dead_process spend a minute in jq) */
        for (unsigned long i = 0; i <= 25000; i++) {
            middle();
            if (i == 20000)
                say("ready\n");
        }
        for (;;)
            pause();
    }
    if (strcmp(mode, "thread-exit") == 0) {
        pthread_t t;
        pthread_create(&t, NULL, exiting_thread, NULL);
        pthread_join(t, NULL);
    }
    if (strcmp(mode, "vfork") == 0 || strcmp(mode, "spawn") == 0) {
        /* the child shares our memory (vfork) or never runs our code
         * (posix_spawn): the parent's trace must be untouched either way */
        pid_t pid;
        char *const args[] = {"/bin/true", NULL};
        if (strcmp(mode, "vfork") == 0) {
            pid = vfork();
            if (pid == 0) {
                execv("/bin/true", args);
                _exit(127);
            }
        } else if (posix_spawn(&pid, "/bin/true", NULL, NULL, args, environ) != 0) {
            pid = -1;
        }
        int st = -1;
        if (pid > 0)
            waitpid(pid, &st, 0);
        printf("child=%d status=%d\n", (int)pid, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
        fflush(stdout);
        parent_work();
        return 0;
    }
    if (strcmp(mode, "fork") == 0 || strcmp(mode, "fork-exec") == 0) {
        pid_t pid = fork();
        if (pid == 0) {
            if (strcmp(mode, "fork-exec") == 0) {
                execl("/bin/sh", "sh", "-c", "ls -l /proc/self/fd/", (char *)NULL);
                _exit(127);
            }
            child_work();
            return 0;
        }
        int st;
        waitpid(pid, &st, 0);
        printf("child=%d status=%d\n", (int)pid, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
        fflush(stdout);
        parent_work();
        return 0;
    }
    middle();
    say("end\n");
    return 0;
}
