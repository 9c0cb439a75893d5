/* Two threads: main -> greet -> shout x2; worker thread -> worker -> fib(5) (15 calls). */
#include <pthread.h>
#include <stdio.h>

static int fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

static void *worker(void *arg)
{
    int *out = arg;
    *out = fib(5);
    return NULL;
}

static char shout(char c) { return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c; }

void greet(const char *who)
{
    printf("hello %c%c\n", shout(who[0]), shout(who[1]));
}

int main(void)
{
    pthread_t t;
    int result = 0;
    greet("ct");
    if (pthread_create(&t, NULL, worker, &result) != 0)
        return 2;
    pthread_join(t, NULL);
    return result == 5 ? 0 : 1;
}
