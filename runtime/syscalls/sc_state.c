/* sc_state.c — what the SIGSYS handler and the special calls share: the
 * state, a thread's switch, and writing a call's record (sc_priv.h). */
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include "record/hooks_fast.h"
#include "record/sud.h"
#include "record/thread.h"
#include "syscalls/sc_priv.h"

#define CT_PR_SET_SYSCALL_USER_DISPATCH 59
#define CT_PR_SYS_DISPATCH_ON 1

struct ct_sc_state ct_sc;

/* The thread's dispatch: on, SIGSYS unblocked. Any thread, dispatch held. */
long ct_sc_thread_on(void)
{
    long r = ct_sud_syscall6(SYS_prctl, CT_PR_SET_SYSCALL_USER_DISPATCH, CT_PR_SYS_DISPATCH_ON,
                             (long)(uintptr_t)ct_sud_lo, (long)(ct_sud_hi - ct_sud_lo),
                             (long)(uintptr_t)&ct_sud_sel, 0);
    if (r == 0) {
        uint64_t m = UINT64_C(1) << (SIGSYS - 1);
        ct_sud_syscall6(SYS_rt_sigprocmask, SIG_UNBLOCK, (long)(uintptr_t)&m, 0, 8, 0, 0);
        ct_sud_on = true;
    }
    return r;
}

uint64_t ct_sc_ticks(void)
{
    return ct_ticks_of(ct_hook_tsc);
}

/* Reads a string argument through the kernel: a bad pointer gives EFAULT,
 * never a fault here. Returns its length or -1. */
CT_NOINST static long ct_sc_read_str(uint64_t addr, char *out, bool *cut)
{
    struct iovec local = {out, CT_SC_STR_MAX + 1}, remote = {(void *)(uintptr_t)addr, CT_SC_STR_MAX + 1};
    long n = ct_sud_syscall6(SYS_process_vm_readv, ct_sc.pid, (long)(uintptr_t)&local, 1,
                             (long)(uintptr_t)&remote, 1, 0);
    if (addr == 0 || n <= 0)
        return -1;
    char *z = memchr(out, '\0', (size_t)n);
    *cut = !z;
    long len = z ? z - out : (n > (long)CT_SC_STR_MAX ? (long)CT_SC_STR_MAX : n);
    out[len] = '\0';
    return len;
}

void ct_sc_begin(struct ct_sc_buf *b, unsigned nr, const long *a)
{
    memset(&b->rec, 0, sizeof(b->rec));
    b->rec.nr = (uint16_t)nr;
    for (int i = 0; i < 6; i++)
        b->rec.args[i] = (uint64_t)a[i];
    b->used = 0;
    b->skip = false;
    uint8_t which[2];
    unsigned k = ct_sc_string_args(nr, which);
    for (unsigned i = 0; i < k; i++) {
        bool cut = false;
        long len = ct_sc_read_str((uint64_t)a[which[i]], b->strs + b->used, &cut);
        b->rec.str_arg[b->rec.nstr] = which[i];
        if (len < 0) {
            b->rec.flags |= i ? CT_SC_STR1_BAD : CT_SC_STR0_BAD;
            len = 0;
            b->strs[b->used] = '\0';
        }
        if (cut)
            b->rec.flags |= i ? CT_SC_STR1_CUT : CT_SC_STR0_CUT;
        b->rec.len[b->rec.nstr++] = (uint8_t)len;
        b->used += (size_t)len + 1;
    }
    b->rec.start = ct_sc_ticks();
}

void ct_sc_put(struct ct_thread *t, struct ct_sc_buf *b, uint64_t end)
{
    size_t len = sizeof(b->rec) + b->used;
    ct_busy_set(&t->busy);
    ct_thread_put_ext(t, end, CT_EXT_SYSCALL, len, &b->rec, len);
    ct_busy_leave(&t->busy);
}

unsigned ct_sc_string_args(unsigned nr, uint8_t which[2])
{
    switch (nr) {
    case SYS_open: case SYS_stat: case SYS_lstat: case SYS_access: case SYS_execve:
    case SYS_chdir: case SYS_mkdir: case SYS_rmdir: case SYS_unlink: case SYS_creat:
    case SYS_truncate: case SYS_readlink: case SYS_chmod: case SYS_chown: case SYS_lchown:
    case SYS_statfs: case SYS_mknod: case SYS_chroot: case SYS_getxattr: case SYS_lgetxattr:
    case SYS_setxattr: case SYS_lsetxattr: case SYS_listxattr: case SYS_llistxattr:
    case SYS_removexattr: case SYS_lremovexattr: case SYS_utimes: case SYS_utime:
    case SYS_acct: case SYS_swapon: case SYS_swapoff: case SYS_umount2:
        which[0] = 0;
        return 1;
    case SYS_openat: case SYS_newfstatat: case SYS_statx: case SYS_faccessat:
    case SYS_faccessat2: case SYS_execveat: case SYS_mkdirat: case SYS_unlinkat:
    case SYS_readlinkat: case SYS_fchmodat: case SYS_fchownat: case SYS_utimensat:
    case SYS_mknodat: case SYS_openat2: case SYS_inotify_add_watch: case SYS_futimesat:
        which[0] = 1;
        return 1;
    case SYS_rename: case SYS_link: case SYS_symlink: case SYS_mount:
        which[0] = 0, which[1] = 1;
        return 2;
    case SYS_renameat: case SYS_renameat2: case SYS_linkat:
        which[0] = 1, which[1] = 3;
        return 2;
    case SYS_symlinkat:
        which[0] = 0, which[1] = 2;
        return 2;
    default:
        return 0;
    }
}
