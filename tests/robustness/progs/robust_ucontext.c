/* robust_ucontext: two coroutines on stacks of their own (makecontext),
 * switched to and from main() with swapcontext() several times; each side
 * calls instrumented functions between the switches. The hooks see one
 * thread whose calls do not nest the way its stacks do: the trace must
 * still be a well-formed tree with every call in it. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <ucontext.h>

#define SWITCHES 5
#define STACK (256 * 1024)

static ucontext_t main_ctx, co_ctx[2];
static volatile int sink;
static int calls; /* instrumented calls made, counted by the program itself */

__attribute__((noinline)) void step(int who)
{
    calls++;
    sink += who;
}

__attribute__((noinline)) void co_body(int who)
{
    calls++;
    for (int i = 0; i < SWITCHES; i++) {
        step(who);
        swapcontext(&co_ctx[who], &main_ctx);
    }
    step(who);
}

/* the coroutine's entry: not instrumented, so each coroutine's tree starts
 * at co_body() */
__attribute__((no_instrument_function)) static void co_entry(int who)
{
    co_body(who);
}

__attribute__((noinline)) void main_work(void)
{
    calls++;
    sink++;
}

int main(void)
{
    calls = 1; /* main */
    static char stacks[2][STACK];
    for (int i = 0; i < 2; i++) {
        getcontext(&co_ctx[i]);
        co_ctx[i].uc_stack.ss_sp = stacks[i];
        co_ctx[i].uc_stack.ss_size = STACK;
        co_ctx[i].uc_link = &main_ctx; /* a coroutine that returns comes back here */
        makecontext(&co_ctx[i], (void (*)(void))co_entry, 1, i);
    }
    /* round robin: main, coroutine 0, main, coroutine 1, ... until both
     * have returned (SWITCHES + 1 resumptions each) */
    for (int round = 0; round <= SWITCHES; round++) {
        for (int i = 0; i < 2; i++) {
            main_work();
            swapcontext(&main_ctx, &co_ctx[i]);
        }
    }
    main_work();
    printf("calls=%d sink=%d\n", calls, sink);
    return 0;
}
