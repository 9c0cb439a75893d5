/* fib(5): 15 recursive calls under main. */
#include <stdio.h>
#include <stdlib.h>

int fib(int n)
{
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 5;
    printf("fib=%d\n", fib(n));
    return argc > 2 ? atoi(argv[2]) : 0; /* lets tests check the exit status is kept */
}
