/* sc_cost.c — ns per system call (getppid in a loop), for syscall_cost.sh. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
static double now(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec*1e9+t.tv_nsec;}
static void loop(long n){ for (long i=0;i<n;i++) syscall(SYS_getppid); }
int main(int argc,char**argv){ long n=argc>1?atol(argv[1]):200000; double a=now(); loop(n); double b=now(); printf("%.1f ns/syscall\n",(b-a)/n); return 0;}
