/* sc_dispatch.c — the SIGSYS handler of syscall user dispatch (sc_dispatch.h).
 *
 * Everything here is async-signal-safe: no locks, no malloc, no stdio, no
 * libc call that makes a system call (those would trap again); system
 * calls go through ct_sud_syscall6(), inside the allowed range. The SIGSYS
 * handler runs with SA_NODEFER (a nested SIGSYS, e.g. from a program's
 * handler interrupting a blocking call, is handled like any other) and
 * SA_ONSTACK (a vfork child runs on the parent's stack, below the frame).
 *
 * What needs care, call by call (sc_special.c does the calls themselves):
 *   rt_sigreturn   glibc's restorer is outside the range: the context is sent
 *                  to ct_sud_restorer, which makes the same call inside it.
 *   clone family   a child must start where the program made the call, with
 *                  its registers: ct_sud_clone_* (sud.S).
 *   SIGSYS masks   SIGSYS may never be blocked while dispatch is on (the
 *                  kernel would kill the process): masks the program sets
 *                  have it taken out; the program's own SIGSYS handler is
 *                  kept aside and called for SIGSYS that are not ours
 *                  (seccomp's SECCOMP_RET_TRAP).
 *   execve         the trace is written first; exit, exit_group are
 *                  recorded before they run. */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <ucontext.h>

#include "record/hooks.h"
#include "record/hooks_fast.h"
#include "record/sud.h"
#include "record/thread.h"
#include "syscalls/sc_dispatch.h"
#include "syscalls/sc_priv.h"
#include "syscalls/sc_rec.h"
#include "syscalls/sc_select.h"

#define CT_SYS_USER_DISPATCH 2 /* si_code */

static struct ct_sc_set ct_sc_want;
static _Atomic uint64_t ct_sc_skipped;

bool ct_sc_enabled(void)
{
    return ct_sc.active;
}

uint64_t ct_sc_unrecorded(void)
{
    return atomic_load_explicit(&ct_sc_skipped, memory_order_relaxed);
}

CT_NOINST static void ct_sc_on_register(void)
{
    ct_sc_thread_on();
}

/* Recording now on this thread: the gate records and the thread is in
 * step with it (a thread that has not seen a restart yet waits for its
 * next hook, like its calls do). */
CT_NOINST static struct ct_thread *ct_sc_recorder(unsigned nr)
{
    struct ct_thread *t = ct_self;
    if (!t || !ct_sc_set_has(&ct_sc_want, nr))
        return NULL;
    uint64_t g = atomic_load_explicit(&ct_gate, memory_order_relaxed);
    if (!CT_HOOK_RECORDING(CT_GATE_HOOK(g)) || t->gate_seen != g)
        return NULL;
    if (t->busy) { /* the runtime's own (a thread leaving), or a handler interrupting it */
        atomic_fetch_add_explicit(&ct_sc_skipped, 1, memory_order_relaxed);
        return NULL;
    }
    return t;
}

CT_NOINST static void ct_sc_handler(int sig, siginfo_t *si, void *ucv)
{
    ucontext_t *uc = ucv;
    greg_t *g = uc->uc_mcontext.gregs;
    if (si->si_code != CT_SYS_USER_DISPATCH) {
        ct_sc_forward(sig, si, ucv); /* not ours: seccomp, kill(SIGSYS) */
        return;
    }
    int saved = errno;
    long nr = (long)g[REG_RAX];
    if (nr == SYS_rt_sigreturn) { /* a program handler returning through glibc */
        g[REG_RIP] = (greg_t)(uintptr_t)ct_sud_restorer;
        return;
    }
    long a[6] = {(long)g[REG_RDI], (long)g[REG_RSI], (long)g[REG_RDX],
                 (long)g[REG_R10], (long)g[REG_R8],  (long)g[REG_R9]};
    struct ct_thread *t = ct_sc_recorder((unsigned)nr);
    if (!t) {
        g[REG_RAX] = (greg_t)ct_sc_perform(g, nr, a, NULL);
        errno = saved;
        return;
    }
    struct ct_sc_buf b;
    ct_sc_begin(&b, (unsigned)nr, a);
    long r = ct_sc_perform(g, nr, a, &b);
    uint64_t end = ct_sc_ticks();
    if (!b.skip && ct_self == t) { /* not a fork child's copy, not gone meanwhile */
        b.rec.ret = r;
        ct_sc_put(t, &b, end);
    }
    g[REG_RAX] = (greg_t)r;
    errno = saved;
}

bool ct_sc_init(const char *spec, void (*on_exec)(void), void (*on_exit)(void))
{
    if (!ct_sc_select(spec, &ct_sc_want))
        return false;
    ct_sc.pid = ct_sud_syscall6(SYS_getpid, 0, 0, 0, 0, 0, 0);
    ct_sc.on_exec = on_exec;
    ct_sc.on_exit = on_exit;
    /* a probe on this thread: a kernel without dispatch says EINVAL */
    ct_sud_hold();
    long r = ct_sc_thread_on();
    if (r != 0) {
        ct_sud_on = false;
        ct_sud_release();
        ct_log("CALLTRACE_SYSCALLS: this kernel has no syscall user dispatch (Linux 5.11 or "
               "later, CONFIG_SYSCALL_USER_DISPATCH; prctl: %s): system calls are not recorded",
               strerror((int)-r));
        return false;
    }
    struct ct_ksigaction act = {
        .handler = (void *)ct_sc_handler,
        .flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK | SA_RESTART | CT_SA_RESTORER,
        .restorer = (void *)ct_sud_restorer,
        .mask = 0,
    };
    ct_sc_keep_program_sigsys();
    r = ct_sud_syscall6(SYS_rt_sigaction, SIGSYS, (long)(uintptr_t)&act, 0, 8, 0, 0);
    if (r != 0) {
        ct_sud_quit();
        ct_sud_holds = 0;
        ct_log("CALLTRACE_SYSCALLS: cannot install the SIGSYS handler (%s): system calls are "
               "not recorded", strerror((int)-r));
        return false;
    }
    ct_sc.active = true;
    ct_sud_on_register = ct_sc_on_register;
    ct_sud_release();
    return true;
}
