/* hostile.c — a program that does to the runtime what real programs do to
 * their environment: one mode per hostile act (see hostile_test.sh). */
#include <calltrace.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int leaf(int i) { return i + 1; }

/* closes every descriptor past stderr, then writes a file of its own */
static int closes_fds(const char *path)
{
    for (int fd = 3; fd < 1024; fd++)
        close(fd);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return 1;
    if (write(fd, "HEADER\n", 7) != 7)
        return 1;
    long s = 0;
    for (int i = 0; i < 100000; i++)
        s += leaf(i);
    if (write(fd, "FOOTER\n", 7) != 7)
        return 1;
    close(fd);
    printf("sum %ld\n", s);
    return 0;
}

static void on_term(int sig) { (void)sig; _exit(3); }

/* flushes in a loop until SIGTERM, whose handler calls _exit(3) */
__attribute__((noreturn)) static void exit_in_handler(void)
{
    signal(SIGTERM, on_term);
    printf("ready\n");
    fflush(stdout);
    for (long i = 0;; i++) {
        leaf((int)i);
        if (i % 1000 == 0)
            calltrace_flush();
    }
}

/* a child made by a raw fork system call (no atfork handlers) */
static int raw_fork(void)
{
    long s = 0;
    for (int i = 0; i < 1000; i++)
        s += leaf(i);
    pid_t p = (pid_t)syscall(SYS_fork);
    for (int i = 0; i < 100000; i++)
        s += leaf(i);
    if (p == 0)
        _exit(0);
    int st = 0;
    waitpid(p, &st, 0);
    printf("child %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    return 0;
}

/* a relative output, then a chdir */
static int changes_dir(const char *dir)
{
    if (chdir(dir) != 0)
        return 1;
    long s = 0;
    for (int i = 0; i < 100000; i++)
        s += leaf(i);
    printf("sum %ld\n", s);
    return 0;
}

static sigjmp_buf jb;
static int segv_seen;
static void on_segv(int sig) { (void)sig; segv_seen++; siglongjmp(jb, 1); }

/* In .preinit_array, before the runtime initialises: the runtime's handler
 * then finds this one and passes faults on to it. */
__attribute__((no_instrument_function)) static void install_early(int argc, char **argv,
                                                                   char **envp)
{
    (void)envp;
    if (argc > 1 && !strcmp(argv[1], "recovers")) {
        struct sigaction sa = {.sa_handler = on_segv, .sa_flags = SA_NODEFER};
        sigemptyset(&sa.sa_mask);
        sigaction(SIGSEGV, &sa, NULL);
    }
}
__attribute__((section(".preinit_array"), used)) static void (*const preinit[])(int, char **,
                                                                                char **) = {
    install_early};

/* recovers from SIGSEGV with siglongjmp */
static int recovers(void)
{
    if (!sigsetjmp(jb, 1)) {
        volatile int *p = NULL;
        *p = 1;
    }
    long s = 0;
    for (int i = 0; i < 1000; i++)
        s += leaf(i);
    printf("recovered %d %ld\n", segv_seen, s);
    return 0;
}

static pthread_key_t key;
static void dtor(void *p) { (void)p; leaf(7); }
static void *keyed(void *a) { pthread_setspecific(key, a); return NULL; }

/* calls made by the program's own thread-exit destructor */
static int thread_dtor(void)
{
    static int x;
    pthread_t t;
    pthread_key_create(&key, dtor);
    pthread_create(&t, NULL, keyed, &x);
    pthread_join(t, NULL);
    return 0;
}

int deep(int n) { return n ? deep(n - 1) + 1 : 0; }

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    if (!strcmp(mode, "closes-fds"))
        return closes_fds(argv[2]);
    if (!strcmp(mode, "exit-in-handler"))
        exit_in_handler();
    if (!strcmp(mode, "raw-fork"))
        return raw_fork();
    if (!strcmp(mode, "chdir"))
        return changes_dir(argv[2]);
    if (!strcmp(mode, "recovers"))
        return recovers();
    if (!strcmp(mode, "thread-dtor"))
        return thread_dtor();
    if (!strcmp(mode, "deep"))
        return printf("%d\n", deep(atoi(argv[2]))) < 0;
    fprintf(stderr, "usage: %s MODE\n", argv[0]);
    return 2;
}
