/* handoff.c — where recording threads meet the writer thread.
 *
 * A thread whose buffer is full hands it off (thread.c) and kicks the writer
 * (writer.c), which sleeps on a futex word between passes. Both sides use
 * this file; neither calls the other. */
#include <linux/futex.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "record/handoff.h"
#include "stream/pack.h"

_Atomic bool ct_handoff_up;          /* the writer runs: hand-offs go to it */
_Atomic uint32_t ct_handoff_kicks;   /* futex word: bumped on every hand-off */
_Atomic bool ct_handoff_sleeping;    /* the writer waits on ct_handoff_kicks */

uint8_t *ct_handoff_scratch(uint32_t cap)
{
    void *p = mmap(NULL, CT_PACK_BOUND(cap), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                   -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

bool ct_handoff_running(void)
{
    return atomic_load_explicit(&ct_handoff_up, memory_order_acquire);
}

void ct_handoff_kick(void)
{
    atomic_fetch_add_explicit(&ct_handoff_kicks, 1, memory_order_seq_cst);
    if (atomic_load_explicit(&ct_handoff_sleeping, memory_order_seq_cst))
        syscall(SYS_futex, &ct_handoff_kicks, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}
