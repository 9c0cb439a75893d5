/* sc_cases.c — system calls the odd ways (tests/syscalls): each mode does
 * one thing and prints what it saw; check_syscalls.sh asserts on its exit
 * status, its output and its trace. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int open_file(const char *path) { return open(path, O_RDONLY | O_CLOEXEC); }
static ssize_t read_some(int fd, char *buf, size_t n) { return read(fd, buf, n); }
static void say(const char *s) { (void)!write(1, s, strlen(s)); }
static void close_bad(void) { close(-1); }

static int basic(void)
{
    char buf[16];
    int fd = open_file("/proc/self/stat");
    ssize_t n = read_some(fd, buf, sizeof(buf));
    close(fd);
    int bad = open_file("/nonexistent/calltrace");
    int err = errno;
    close_bad();
    say("basic\n");
    return n > 0 && bad == -1 && err == ENOENT ? 0 : 1;
}

static void *worker(void *arg)
{
    (void)arg;
    say("worker\n");
    return NULL;
}

static int threads(void)
{
    pthread_t t;
    if (pthread_create(&t, NULL, worker, NULL) != 0)
        return 1;
    pthread_join(t, NULL);
    say("joined\n");
    return 0;
}

static void child_work(void) { say("child\n"); }

static int forked(void)
{
    pid_t p = fork();
    if (p == 0) {
        child_work();
        exit(7);
    }
    int st = 0;
    waitpid(p, &st, 0);
    printf("child status %d\n", WEXITSTATUS(st));
    fflush(stdout);
    return WEXITSTATUS(st) == 7 ? 0 : 1;
}

static int vforked(void)
{
    pid_t p = vfork();
    if (p == 0) {
        execl("/bin/sh", "sh", "-c", "exit 5", (char *)NULL);
        _exit(127);
    }
    int st = 0;
    waitpid(p, &st, 0);
    printf("vfork child status %d\n", WEXITSTATUS(st));
    fflush(stdout);
    return WEXITSTATUS(st) == 5 ? 0 : 1;
}

static void on_alarm(int sig) { (void)sig; say("alarm\n"); }

static int interrupted(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_alarm;
    sigfillset(&sa.sa_mask); /* SIGSYS too: the runtime must keep it deliverable */
    sigaction(SIGALRM, &sa, NULL); /* no SA_RESTART: the read fails with EINTR */
    int fds[2];
    if (pipe(fds) != 0)
        return 1;
    alarm(1);
    char c;
    ssize_t r = read_some(fds[0], &c, 1);
    printf("read %zd %s\n", r, r < 0 && errno == EINTR ? "EINTR" : "?");
    fflush(stdout);
    return r < 0 && errno == EINTR ? 0 : 1;
}

static void on_usr1(int sig) { (void)sig; say("usr1\n"); }

static int restarted(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_usr1;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGUSR1, &sa, NULL);
    int fds[2];
    if (pipe(fds) != 0)
        return 1;
    pid_t p = fork();
    if (p == 0) {
        usleep(200000);
        kill(getppid(), SIGUSR1);
        usleep(200000);
        (void)!write(fds[1], "x", 1);
        _exit(0);
    }
    char c = 0;
    ssize_t r = read_some(fds[0], &c, 1); /* restarted after the handler */
    waitpid(p, NULL, 0);
    printf("read %zd %c\n", r, c);
    fflush(stdout);
    return r == 1 && c == 'x' ? 0 : 1;
}

static volatile sig_atomic_t got_sys;
static void on_sys(int sig, siginfo_t *si, void *uc)
{
    (void)sig, (void)uc;
    got_sys = si->si_code == SI_TKILL ? 2 : 1;
}

static int own_sigsys(void)
{
    struct sigaction sa, old;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_sys;
    sa.sa_flags = SA_SIGINFO;
    if (sigaction(SIGSYS, &sa, NULL) != 0 || sigaction(SIGSYS, NULL, &old) != 0)
        return 1;
    raise(SIGSYS);
    printf("own handler %d %s\n", (int)got_sys, old.sa_sigaction == on_sys ? "kept" : "lost");
    fflush(stdout);
    return got_sys == 2 && old.sa_sigaction == on_sys ? 0 : 1;
}

static int execs(void)
{
    say("before exec\n");
    execl("/bin/sh", "sh", "-c", "echo exec ran; exit 4", (char *)NULL);
    return 1;
}

static int exits(void)
{
    say("exiting\n");
    syscall(SYS_exit_group, 3);
    return 1;
}

/* A seccomp filter of the program's own: getpgrp fails with EPERM. */
static long filtered_call(void) { return syscall(SYS_getpgrp); }

static int seccomp_filter(void)
{
    struct sock_filter code[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getpgrp, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {sizeof(code) / sizeof(code[0]), code};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0)
        return 1;
    long r = filtered_call();
    printf("getpgrp %ld %s\n", r, r == -1 && errno == EPERM ? "EPERM" : "?");
    fflush(stdout);
    return r == -1 && errno == EPERM ? 0 : 1;
}

int main(int argc, char **argv)
{
    const char *m = argc > 1 ? argv[1] : "basic";
    if (!strcmp(m, "basic")) return basic();
    if (!strcmp(m, "threads")) return threads();
    if (!strcmp(m, "fork")) return forked();
    if (!strcmp(m, "vfork")) return vforked();
    if (!strcmp(m, "eintr")) return interrupted();
    if (!strcmp(m, "restart")) return restarted();
    if (!strcmp(m, "sigsys")) return own_sigsys();
    if (!strcmp(m, "exec")) return execs();
    if (!strcmp(m, "exit")) return exits();
    if (!strcmp(m, "seccomp")) return seccomp_filter();
    return 2;
}
