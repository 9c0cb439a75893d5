/* sc_special.c — the system calls the SIGSYS handler cannot simply make
 * for the program (sc_dispatch.c says why each one is special). */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include "record/sud.h"
#include "syscalls/sc_priv.h"

#define CT_PR_SET_SYSCALL_USER_DISPATCH 59
#define CT_SIGSYS_BIT (UINT64_C(1) << (SIGSYS - 1))
#define CT_CLONE_ARGS_MAX 88u /* struct clone_args up to cgroup */

/* Copies n bytes from/to the program's memory without faulting. */
CT_NOINST static bool ct_sc_copy(void *dst, const void *src, size_t n, bool out)
{
    struct iovec mine = {out ? (void *)src : dst, n}, theirs = {out ? dst : (void *)src, n};
    long r = ct_sud_syscall6(out ? SYS_process_vm_writev : SYS_process_vm_readv, ct_sc.pid,
                             (long)(uintptr_t)&mine, 1, (long)(uintptr_t)&theirs, 1, 0);
    return r == (long)n;
}

/* A mask that blocks SIGSYS would get the process killed at its next
 * system call: SIGSYS is taken out. */
CT_NOINST static long ct_sc_sigprocmask(long *a)
{
    uint64_t set;
    if (a[1] && a[3] == 8 && (a[0] == SIG_BLOCK || a[0] == SIG_SETMASK) &&
        ct_sc_copy(&set, (void *)a[1], 8, false) && (set & CT_SIGSYS_BIT)) {
        set &= ~CT_SIGSYS_BIT;
        return ct_sud_syscall6(SYS_rt_sigprocmask, a[0], (long)(uintptr_t)&set, a[2], 8, 0, 0);
    }
    return ct_sud_syscall6(SYS_rt_sigprocmask, a[0], a[1], a[2], a[3], 0, 0);
}

/* The program's SIGSYS handler is kept aside (ours stays); other handlers'
 * masks lose SIGSYS. */
CT_NOINST static long ct_sc_sigaction(long *a)
{
    struct ct_ksigaction act;
    if (a[0] == SIGSYS && a[3] == 8) {
        struct ct_ksigaction prev = ct_sc.prog;
        if (a[1] && !ct_sc_copy(&act, (void *)a[1], sizeof(act), false))
            return -EFAULT;
        if (a[2] && !ct_sc_copy((void *)a[2], &prev, sizeof(prev), true))
            return -EFAULT;
        if (a[1])
            ct_sc.prog = act;
        return 0;
    }
    if (a[1] && a[3] == 8 && ct_sc_copy(&act, (void *)a[1], sizeof(act), false) &&
        (act.mask & CT_SIGSYS_BIT)) {
        act.mask &= ~CT_SIGSYS_BIT;
        return ct_sud_syscall6(SYS_rt_sigaction, a[0], (long)(uintptr_t)&act, a[2], 8, 0, 0);
    }
    return ct_sud_syscall6(SYS_rt_sigaction, a[0], a[1], a[2], a[3], 0, 0);
}

/* Puts the program's rdi and resume address on top of a child's new
 * stack, for ct_sud_clone_new's child to take. */
CT_NOINST static bool ct_sc_push_pc(uint64_t top, uint64_t rdi, uint64_t pc)
{
    uint64_t two[2] = {rdi, pc};
    return ct_sc_copy((void *)(uintptr_t)(top - 16), two, 16, true);
}

/* fork, vfork, clone, clone3: made with the program's own registers; a
 * child on a new stack (a thread, a vfork child) starts where the program
 * made the call. A vfork child shares our stack: it gets the program's
 * stack pointer as its "new" stack, so it never runs this frame. */
CT_NOINST static long ct_sc_clone(greg_t *g, long nr, long *a, struct ct_sc_buf *b)
{
    uint64_t r[13] = {(uint64_t)nr, (uint64_t)a[0], (uint64_t)a[1], (uint64_t)a[2], (uint64_t)a[3],
                      (uint64_t)a[4], (uint64_t)a[5], (uint64_t)g[REG_RBX], (uint64_t)g[REG_RBP],
                      (uint64_t)g[REG_R12], (uint64_t)g[REG_R13], (uint64_t)g[REG_R14],
                      (uint64_t)g[REG_R15]};
    uint64_t sp = (uint64_t)g[REG_RSP], pc = (uint64_t)g[REG_RIP], rdi = (uint64_t)g[REG_RDI];
    uint64_t ca[CT_CLONE_ARGS_MAX / 8]; /* flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, ... */
    bool fresh = false;
    if (nr == SYS_vfork) {
        r[0] = SYS_clone;
        r[1] = CLONE_VM | CLONE_VFORK | SIGCHLD;
        r[2] = sp - 16;
        if (!(fresh = ct_sc_push_pc(sp, rdi, pc)))
            return -EFAULT;
    } else if (nr == SYS_clone && (a[1] || (a[0] & CLONE_VM))) {
        uint64_t top = a[1] ? (uint64_t)a[1] : sp;
        r[2] = top - 16;
        if (!(fresh = ct_sc_push_pc(top, rdi, pc)))
            return -EFAULT; /* the new stack cannot be written */
    } else if (nr == SYS_clone3) {
        size_t size = (size_t)a[1];
        if (size < 64 || size > sizeof(ca) || !ct_sc_copy(ca, (void *)a[0], size, false))
            return -EINVAL;
        if (ca[5] || (ca[0] & CLONE_VM)) {
            uint64_t top = ca[5] ? ca[5] + ca[6] : sp;
            if (!ca[5])
                ca[5] = sp - 32, ca[6] = 32;
            ca[6] -= 16;
            if (!(fresh = ct_sc_push_pc(top, rdi, pc)))
                return -EFAULT;
        }
        r[1] = (uint64_t)(uintptr_t)ca;
        r[2] = size;
    }
    long ret = fresh ? ct_sud_clone_new(r) : ct_sud_clone_same(r);
    if (ret == 0) { /* a child with a copy of this frame: a process of its own */
        ct_sc.pid = ct_sud_syscall6(SYS_getpid, 0, 0, 0, 0, 0, 0);
        ct_sc_thread_on();
        if (b)
            b->skip = true; /* the parent records the call */
    }
    return ret;
}

long ct_sc_perform(greg_t *g, long nr, long *a, struct ct_sc_buf *b)
{
    switch (nr) {
    case SYS_sigaltstack: /* made after the handler, off the alternate stack */
        ct_sud_resume = (uint64_t)g[REG_RIP];
        g[REG_RIP] = (greg_t)(uintptr_t)ct_sud_resume_stub;
        if (b)
            b->skip = true; /* its result is never seen here */
        return nr;
    case SYS_clone:
    case SYS_clone3:
    case SYS_fork:
    case SYS_vfork:
        return ct_sc_clone(g, nr, a, b);
    case SYS_rt_sigaction:
        return ct_sc_sigaction(a);
    case SYS_rt_sigprocmask:
        return ct_sc_sigprocmask(a);
    case SYS_prctl:
        if (a[0] == CT_PR_SET_SYSCALL_USER_DISPATCH)
            return -EBUSY; /* calltrace uses it on this thread */
        break;
    case SYS_exit:
    case SYS_exit_group:
    case SYS_execve:
    case SYS_execveat:
        if (b && ct_self) { /* it may never return: recorded now */
            b->rec.flags |= CT_SC_NORET;
            ct_sc_put(ct_self, b, b->rec.start);
            b->rec.flags &= (uint8_t)~CT_SC_NORET;
            b->skip = nr == SYS_exit || nr == SYS_exit_group;
        }
        if (nr == SYS_exit_group && ct_sc.on_exit) {
            ct_sud_hold(); /* a raw exit_group skips the destructors: the trace is written now */
            ct_sc.on_exit();
            ct_sud_release();
        }
        if ((nr == SYS_execve || nr == SYS_execveat) && ct_sc.on_exec) {
            ct_sud_hold(); /* the trace is written before the process is replaced */
            ct_sc.on_exec();
            ct_sud_release();
        }
        break;
    default:
        break;
    }
    return ct_sud_syscall6(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}

void ct_sc_keep_program_sigsys(void)
{
    ct_sud_syscall6(SYS_rt_sigaction, SIGSYS, 0, (long)(uintptr_t)&ct_sc.prog, 8, 0, 0);
    /* handlers installed before us (calltrace's own crash handlers) lose
     * SIGSYS from their masks too */
    for (int sig = 1; sig < 65; sig++) {
        struct ct_ksigaction act;
        if (sig == SIGSYS || sig == SIGKILL || sig == SIGSTOP ||
            ct_sud_syscall6(SYS_rt_sigaction, sig, 0, (long)(uintptr_t)&act, 8, 0, 0) != 0)
            continue;
        if (act.handler != (void *)SIG_DFL && act.handler != (void *)SIG_IGN &&
            (act.mask & CT_SIGSYS_BIT)) {
            act.mask &= ~CT_SIGSYS_BIT;
            ct_sud_syscall6(SYS_rt_sigaction, sig, (long)(uintptr_t)&act, 0, 8, 0, 0);
        }
    }
}

void ct_sc_forward(int sig, siginfo_t *si, void *uc)
{
    struct ct_ksigaction p = ct_sc.prog;
    if (p.handler == (void *)SIG_IGN)
        return;
    if (p.handler == (void *)SIG_DFL) { /* ends the process as it would have */
        struct ct_ksigaction dfl = {0};
        ct_sud_syscall6(SYS_rt_sigaction, SIGSYS, (long)(uintptr_t)&dfl, 0, 8, 0, 0);
        long tid = ct_sud_syscall6(SYS_gettid, 0, 0, 0, 0, 0, 0);
        ct_sud_syscall6(SYS_tgkill, ct_sc.pid, tid, SIGSYS, 0, 0, 0);
        return;
    }
    if (p.flags & SA_SIGINFO)
        ((void (*)(int, siginfo_t *, void *))p.handler)(sig, si, uc);
    else
        ((void (*)(int))p.handler)(sig);
}
