/* sc_oracle.c — system calls to compare with strace -f (oracle_test.sh):
 * between two marker calls (openat of a path that does not exist), on the
 * main thread and on a worker: files opened, read, written and closed,
 * ENOENT and EBADF on purpose, a sleep, a thread, a forked child. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void marker(const char *m) { (void)open(m, O_RDONLY); }

static void *worker(void *arg)
{
    (void)arg;
    marker("/nonexistent/ct-oracle-begin");
    int fd = open("/dev/null", O_WRONLY);
    (void)!write(fd, "x", 1);
    close(fd);
    (void)getppid();
    marker("/nonexistent/ct-oracle-end");
    return NULL;
}

static void files(void)
{
    char path[] = "/tmp/ct-oracle-XXXXXX";
    int fd = mkstemp(path);
    (void)!write(fd, "hello", 5);
    lseek(fd, 0, SEEK_SET);
    char b[8];
    (void)!read(fd, b, sizeof(b));
    close(fd);
    unlink(path);
    (void)open("/nonexistent/ct-oracle", O_RDONLY);
    close(-1);
}

static void nap(void)
{
    struct timespec ts = {0, 2000000};
    nanosleep(&ts, NULL);
}

static void spawn(void)
{
    pthread_t t;
    if (pthread_create(&t, NULL, worker, NULL) == 0)
        pthread_join(t, NULL);
    pid_t p = fork();
    if (p == 0) {
        (void)!write(1, "child\n", 6);
        _exit(0);
    }
    waitpid(p, NULL, 0);
}

int main(void)
{
    marker("/nonexistent/ct-oracle-begin");
    files();
    nap();
    spawn();
    marker("/nonexistent/ct-oracle-end");
    return 0;
}
