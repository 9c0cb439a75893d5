/* signals.c — the trace survives crashes and kill signals.
 *
 * The handler runs once per process: the first thread to get a signal
 * writes the trace while any other thread that gets one waits for it. A
 * watchdog (alarm) ends the process with the original signal if writing
 * hangs (say, a crash inside malloc left its lock held); before formatting,
 * every buffer is packed straight from memory into the spill file, so even
 * then the raw stream on disk is complete. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include "core/signals.h"

#include "capture/capture.h"
#include "record/hooks.h"
#include "record/meta.h"
#include "record/watchdog.h"


static const int ct_crash_sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP};
static const int ct_term_sigs[] = {SIGTERM, SIGINT, SIGHUP};
static struct sigaction ct_prev[NSIG];
static _Atomic int ct_owner;       /* tid of the thread writing the trace */
static _Atomic bool ct_written;
static volatile sig_atomic_t ct_watch_sig;
static struct sigaction ct_prev_alarm;
/* A fault this thread passed on to the program's own handler, while that
 * handler runs: `frame` is ct_on_signal's frame, below which it runs. */
struct ct_pending_fault {
    struct ct_ending ending;
    uint64_t frame;
};
static __thread struct ct_pending_fault ct_fault __attribute__((tls_model("initial-exec")));
/* How far below ct_on_signal's frame the program's handler may be. */
#define CT_FAULT_HANDLER_SPAN (8u << 20)

/* Faults passed on to the program's own handler that first save the events
 * (each appends every thread's buffers to the event file). */
#define CT_FAULT_DUMPS_MAX 4u
static unsigned ct_fault_dumps;
/* The bound of a write without a writer thread to watch it. */
#define CT_ALARM_SECONDS 10u

CT_NOINST static bool ct_is_term(int sig)
{
    return sig == SIGTERM || sig == SIGINT || sig == SIGHUP;
}

CT_NOINST static bool ct_is_handler(const struct sigaction *sa)
{
    return (sa->sa_flags & SA_SIGINFO) ? sa->sa_sigaction != NULL
                                       : sa->sa_handler != SIG_DFL && sa->sa_handler != SIG_IGN;
}

/* Writes the final trace (lifecycle.c): given at install. */
static int (*ct_finalize)(void);

/* Writing the trace hung: end the process with the signal that started it. */
CT_NOINST static void ct_watchdog(int sig)
{
    (void)sig;
    int s = ct_watch_sig;
    signal(s, SIG_DFL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, s);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    raise(s);
    syscall(SYS_exit_group, 128 + s); /* not reached */
}

/* Without a writer thread (it could not start, or a forked child): the
 * write is bounded by an alarm instead, the program's own timer paused. */
CT_NOINST static void ct_finalize_with_alarm(int sig)
{
    ct_watch_sig = sig;
    struct sigaction wd = {.sa_handler = ct_watchdog};
    sigaction(SIGALRM, &wd, &ct_prev_alarm);
    sigset_t alrm;
    sigemptyset(&alrm);
    sigaddset(&alrm, SIGALRM);
    sigprocmask(SIG_UNBLOCK, &alrm, NULL); /* the handler's mask blocks everything */
    unsigned left = alarm(CT_ALARM_SECONDS);
    ct_finalize();
    alarm(left);
    sigprocmask(SIG_BLOCK, &alrm, NULL);
    sigaction(SIGALRM, &ct_prev_alarm, NULL);
}

CT_NOINST static struct ct_ending ct_ending_of(int sig, const siginfo_t *si)
{
    return (struct ct_ending){
        .signal = sig,
        .code = si ? si->si_code : 0,
        .address = si ? (uint64_t)(uintptr_t)si->si_addr : 0,
        .tid = (pid_t)gettid(),
        .crash = !ct_is_term(sig),
    };
}

CT_NOINST static void ct_write_once(int sig, const siginfo_t *si)
{
    pid_t me = (pid_t)gettid();
    int expected = 0;
    if (atomic_compare_exchange_strong(&ct_owner, &expected, (int)me)) {
        ct_ending = ct_ending_of(sig, si);
        if (ct_watchdog_arm(pthread_self(), sig, 128 + sig)) {
            ct_finalize(); /* bounded by the writer thread (watchdog.h) */
            ct_watchdog_disarm();
        } else {
            ct_finalize_with_alarm(sig);
        }
        atomic_store(&ct_written, true);
    } else if (expected != (int)me) {
        /* another thread is writing the trace: let it finish first */
        struct timespec ts = {0, 1000000};
        for (int i = 0; i < 12000 && !atomic_load(&ct_written); i++)
            nanosleep(&ts, NULL);
    }
}

/* Runs the program's own handler as the kernel would have: with the mask
 * the thread had, plus the handler's sa_mask and the signal itself (unless
 * SA_NODEFER), and once only under SA_RESETHAND. */
CT_NOINST static void ct_call_prev(int sig, siginfo_t *si, void *uc)
{
    struct sigaction p = ct_prev[sig];
    if (p.sa_flags & SA_RESETHAND) {
        struct sigaction dfl = {.sa_handler = SIG_DFL};
        sigaction(sig, &dfl, NULL);
        ct_prev[sig] = dfl;
    }
    sigset_t mask = p.sa_mask, old;
    if (uc) {
        const sigset_t *had = &((const ucontext_t *)uc)->uc_sigmask;
        sigorset(&mask, &mask, had);
    }
    if (!(p.sa_flags & SA_NODEFER))
        sigaddset(&mask, sig);
    pthread_sigmask(SIG_SETMASK, &mask, &old);
    if (p.sa_flags & SA_SIGINFO)
        p.sa_sigaction(sig, si, uc);
    else
        p.sa_handler(sig);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
}

CT_NOINST static void ct_on_signal(int sig, siginfo_t *si, void *uc)
{
    /* a fault reading a value the program passed (capture.c): resume */
    if ((sig == SIGSEGV || sig == SIGBUS) && uc && ct_probe_recover(uc))
        return;
    int saved = errno;
    if (ct_is_handler(&ct_prev[sig])) {
        /* The program handles it and decides whether the process ends (an
         * exit() then writes the trace as usual). A fault it may not survive:
         * the event file gets every thread's events first, a few times. */
        bool fault = !ct_is_term(sig);
        if (fault && ct_fault_dumps < CT_FAULT_DUMPS_MAX) {
            ct_fault_dumps++;
            ct_meta_dump_buffers();
            ct_meta_write(false);
        }
        /* while the handler runs, an _exit() it makes ends the trace as
         * this crash (ct_signals_adopt_fault); a siglongjmp out of it does
         * not (the stack is then above the handler's frame) */
        struct ct_pending_fault outer = ct_fault;
        if (fault)
            ct_fault = (struct ct_pending_fault){
                .ending = ct_ending_of(sig, si),
                .frame = (uint64_t)(uintptr_t)__builtin_frame_address(0),
            };
        ct_call_prev(sig, si, uc);
        ct_fault = outer;
        errno = saved;
        return;
    }
    ct_write_once(sig, si);
    /* Give the signal back to the default disposition. A fault re-executes
     * the faulting instruction on return; anything else is raised again and
     * delivered, with that disposition, as soon as this handler returns. */
    sigaction(sig, &ct_prev[sig], NULL);
    bool fault = si && si->si_code > 0 &&
                 (sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE || sig == SIGILL);
    if (!fault)
        raise(sig);
    errno = saved;
}

void ct_signals_adopt_fault(void)
{
    uint64_t here = (uint64_t)(uintptr_t)__builtin_frame_address(0);
    if (ct_fault.ending.signal && here < ct_fault.frame && ct_fault.frame - here < CT_FAULT_HANDLER_SPAN &&
        !ct_ending.signal)
        ct_ending = ct_fault.ending;
}

CT_NOINST static bool ct_install(int sig)
{
    struct sigaction old;
    if (sigaction(sig, NULL, &old) != 0 || (!(old.sa_flags & SA_SIGINFO) && old.sa_handler == SIG_IGN))
        return false;
    ct_prev[sig] = old;
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = ct_on_signal;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
    sigfillset(&sa.sa_mask);
    return sigaction(sig, &sa, NULL) == 0;
}

void ct_signals_install(int (*finalize)(void))
{
    ct_finalize = finalize;
    unsigned probes = 0;
    for (size_t i = 0; i < CT_ARRAY_LEN(ct_crash_sigs); i++)
        if (ct_install(ct_crash_sigs[i]) && (ct_crash_sigs[i] == SIGSEGV || ct_crash_sigs[i] == SIGBUS))
            probes++;
    /* pointers passed to traced functions are read only when a fault in
     * doing so comes to us */
    ct_probe_handler = (uintptr_t)ct_on_signal;
    ct_probe_armed = probes == 2;
    for (size_t i = 0; i < CT_ARRAY_LEN(ct_term_sigs); i++)
        ct_install(ct_term_sigs[i]);
}
