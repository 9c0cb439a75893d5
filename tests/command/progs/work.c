/* work: known calls in two threads, and a second mode with known differences
 * (calltrace diff):
 *   work a   main: parse x3, compute x5 (each fact(3): recursive), legacy x1
 *   work b   main: parse x3, compute x10, cache x2, no legacy
 * and in both a thread named "helper" calls compute x2.
 * `work MODE STATUS` exits with STATUS. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile unsigned long sink;

int fact(int n)
{
    for (int i = 0; i < 200; i++)
        sink += (unsigned long)i;
    return n <= 1 ? 1 : n * fact(n - 1);
}

int compute(int x)
{
    return fact(3) + x;
}

int parse(const char *s)
{
    return (int)strlen(s);
}

void legacy(void)
{
    sink++;
}

void cache(int slot)
{
    sink += (unsigned long)slot;
}

static void *helper(void *arg)
{
    (void)arg;
    pthread_setname_np(pthread_self(), "helper");
    for (int i = 0; i < 2; i++)
        compute(i);
    return NULL;
}

int main(int argc, char **argv)
{
    int b = argc > 1 && strcmp(argv[1], "b") == 0;
    pthread_t t;
    pthread_create(&t, NULL, helper, NULL);
    pthread_join(t, NULL);
    static const char *words[] = {"alpha", "be", "gamma"};
    for (int i = 0; i < 3; i++)
        parse(words[i]);
    for (int i = 0; i < (b ? 10 : 5); i++)
        compute(i);
    if (b)
        for (int i = 0; i < 2; i++)
            cache(i);
    else
        legacy();
    printf("done\n");
    return argc > 2 ? atoi(argv[2]) : 0;
}
