/* watchdog.c — see watchdog.h. */
#include <signal.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/tmpfiles.h"
#include "record/handoff.h"
#include "record/watchdog.h"
#include "stream/spill.h"

static _Atomic bool ct_wd_armed;
static clockid_t ct_wd_clock;   /* the watched thread's CPU clock */
static int ct_wd_sig, ct_wd_status;
static uint64_t ct_wd_cpu;      /* its CPU time at the last change (writer only) */
static uint64_t ct_wd_since;    /* when that was, monotonic ns; 0: not yet seen */

bool ct_watchdog_arm(pthread_t who, int sig, int status)
{
    if (!ct_handoff_running() || pthread_getcpuclockid(who, &ct_wd_clock) != 0)
        return false;
    ct_wd_sig = sig;
    ct_wd_status = status;
    ct_wd_since = 0;
    atomic_store_explicit(&ct_wd_armed, true, memory_order_release);
    return true;
}

void ct_watchdog_disarm(void)
{
    atomic_store_explicit(&ct_wd_armed, false, memory_order_release);
}

bool ct_watchdog_armed(void)
{
    return atomic_load_explicit(&ct_wd_armed, memory_order_acquire);
}

/* The watched thread is stuck: leave, as the signal would have, or with the
 * status _exit() was given. */
__attribute__((noreturn)) CT_NOINST static void ct_watchdog_fire(void)
{
    ct_log("writing the trace made no progress for %u ms (the program was interrupted "
           "holding a lock?); leaving without it: the events are kept in %s",
           CT_WATCHDOG_STALL_MS, ct_spill_path[0] ? ct_spill_path : "no event file");
    ct_tmpfile_remove_all(); /* the writes that will not finish */
    int sig = ct_wd_sig;
    if (sig) {
        struct sigaction dfl = {.sa_handler = SIG_DFL};
        sigaction(sig, &dfl, NULL);
        kill(getpid(), sig); /* delivered to any thread not blocking it */
        struct timespec ts = {0, 200 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    for (;;)
        syscall(SYS_exit_group, sig ? 128 + sig : ct_wd_status);
}

void ct_watchdog_poll(void)
{
    if (!atomic_load_explicit(&ct_wd_armed, memory_order_acquire))
        return;
    struct timespec ts;
    if (clock_gettime(ct_wd_clock, &ts) != 0)
        return; /* the thread is gone */
    uint64_t cpu = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    uint64_t now = ct_mono_ns();
    if (!ct_wd_since || cpu != ct_wd_cpu) {
        ct_wd_cpu = cpu;
        ct_wd_since = now;
        return;
    }
    if (now - ct_wd_since >= (uint64_t)CT_WATCHDOG_STALL_MS * 1000000u &&
        atomic_load_explicit(&ct_wd_armed, memory_order_acquire))
        ct_watchdog_fire();
}
