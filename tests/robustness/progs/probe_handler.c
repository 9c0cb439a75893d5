/* probe_handler.c — the program replaces calltrace's SIGSEGV and SIGBUS
 * handlers, then passes strings the capture must read: a good one, one in a
 * PROT_NONE page, and one running into an unmapped page. Reading them must
 * neither reach the program's handler nor kill it; it prints "done" and
 * exits 0, its handler never having run (it would exit 77). */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static void on_fault(int sig)
{
    (void)sig;
    static const char msg[] = "the program's handler ran\n";
    ssize_t w = write(1, msg, sizeof(msg) - 1);
    (void)w;
    _exit(77);
}

__attribute__((noinline)) int takes_str(const char *s, int n)
{
    __asm__ volatile("" : : "r"(s) : "memory"); /* s stays an argument at -O2 */
    return n + 1;
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_fault;
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
    long page = sysconf(_SC_PAGESIZE);
    char *none = mmap(NULL, (size_t)page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *two = mmap(NULL, 2 * (size_t)page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                     -1, 0);
    if (none == MAP_FAILED || two == MAP_FAILED)
        return 2;
    munmap(two + page, (size_t)page);
    memset(two, 'x', (size_t)page); /* no NUL before the unmapped page */
    int n = 0;
    n = takes_str("hello, probe", n);
    n = takes_str(none, n);
    n = takes_str(two + page - 5, n);
    n = takes_str("after", n);
    printf("done %d\n", n);
    return 0;
}
