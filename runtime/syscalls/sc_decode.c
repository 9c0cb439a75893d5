/* sc_decode.c — recorded system calls as values (sc_decode.h). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "syscalls/sc_decode.h"
#include "syscalls/sc_table.h"

/* Argument kinds, one letter each: f fd, d dirfd (AT_FDCWD), s string,
 * p pointer, z size, i int, x hex, o open flags, m mode (octal), P prot,
 * M map flags, w whence, g signal, a AT_* flags. Calls not listed show
 * six hex words. */
static const char *const ct_sc_sig[CT_SC_NR_MAX] = {
    [SYS_read] = "fpz", [SYS_write] = "fpz", [SYS_open] = "som", [SYS_close] = "f",
    [SYS_stat] = "sp", [SYS_fstat] = "fp", [SYS_lstat] = "sp", [SYS_poll] = "pzi",
    [SYS_lseek] = "fiw", [SYS_mmap] = "pzPMfx", [SYS_mprotect] = "pzP", [SYS_munmap] = "pz",
    [SYS_brk] = "p", [SYS_rt_sigaction] = "gppz", [SYS_rt_sigprocmask] = "ippz",
    [SYS_rt_sigreturn] = "", [SYS_ioctl] = "fxp", [SYS_pread64] = "fpzi", [SYS_pwrite64] = "fpzi",
    [SYS_readv] = "fpi", [SYS_writev] = "fpi", [SYS_access] = "si", [SYS_pipe] = "p",
    [SYS_sched_yield] = "", [SYS_mremap] = "pzzxp", [SYS_madvise] = "pzi", [SYS_dup] = "f",
    [SYS_dup2] = "ff", [SYS_pause] = "", [SYS_nanosleep] = "pp", [SYS_getpid] = "",
    [SYS_socket] = "iii", [SYS_connect] = "fpi", [SYS_accept] = "fpp", [SYS_sendto] = "fpzxpi",
    [SYS_recvfrom] = "fpzxpp", [SYS_bind] = "fpi", [SYS_listen] = "fi", [SYS_clone] = "xppppx",
    [SYS_fork] = "", [SYS_vfork] = "", [SYS_execve] = "spp", [SYS_exit] = "i", [SYS_wait4] = "ipip",
    [SYS_kill] = "ig", [SYS_fcntl] = "fix", [SYS_flock] = "fi", [SYS_fsync] = "f",
    [SYS_fdatasync] = "f", [SYS_truncate] = "si", [SYS_ftruncate] = "fi", [SYS_getcwd] = "pz",
    [SYS_chdir] = "s", [SYS_fchdir] = "f", [SYS_rename] = "ss", [SYS_mkdir] = "sm",
    [SYS_rmdir] = "s", [SYS_creat] = "sm", [SYS_link] = "ss", [SYS_unlink] = "s",
    [SYS_symlink] = "ss", [SYS_readlink] = "spz", [SYS_chmod] = "sm", [SYS_fchmod] = "fm",
    [SYS_umask] = "m", [SYS_getuid] = "", [SYS_getgid] = "", [SYS_geteuid] = "",
    [SYS_getegid] = "", [SYS_getppid] = "", [SYS_gettid] = "", [SYS_sigaltstack] = "pp",
    [SYS_arch_prctl] = "xp", [SYS_futex] = "pixppi", [SYS_getdents64] = "fpz",
    [SYS_set_tid_address] = "p", [SYS_clock_gettime] = "ip", [SYS_clock_nanosleep] = "iipp",
    [SYS_exit_group] = "i", [SYS_tgkill] = "iig", [SYS_openat] = "dsom", [SYS_mkdirat] = "dsm",
    [SYS_newfstatat] = "dspa", [SYS_unlinkat] = "dsa", [SYS_renameat] = "dsds",
    [SYS_readlinkat] = "dspz", [SYS_faccessat] = "dsi", [SYS_faccessat2] = "dsia",
    [SYS_set_robust_list] = "pz", [SYS_pipe2] = "po", [SYS_dup3] = "ffo", [SYS_prlimit64] = "iipp",
    [SYS_getrandom] = "pzx", [SYS_statx] = "dsaxp", [SYS_rseq] = "pzix", [SYS_clone3] = "pz",
    [SYS_close_range] = "ffx", [SYS_execveat] = "dsppa", [SYS_epoll_wait] = "fpii",
    [SYS_socketpair] = "iiip", [SYS_accept4] = "fppx", [SYS_eventfd2] = "ix",
    [SYS_sendmsg] = "fpx", [SYS_recvmsg] = "fpx", [SYS_shutdown] = "fi", [SYS_getsockname] = "fpp",
    [SYS_getpeername] = "fpp", [SYS_setsockopt] = "fiipi", [SYS_getsockopt] = "fiipp",
    [SYS_select] = "ipppp", [SYS_pselect6] = "ippppp", [SYS_ppoll] = "pzppz",
    [SYS_sched_getaffinity] = "izp", [SYS_uname] = "p", [SYS_sysinfo] = "p",
    [SYS_getrusage] = "ip", [SYS_times] = "p", [SYS_alarm] = "i", [SYS_setitimer] = "ipp",
    [SYS_fchmodat] = "dsm", [SYS_utimensat] = "dspa", [SYS_memfd_create] = "sx",
    [SYS_waitid] = "iipxp", [SYS_rt_sigsuspend] = "pz", [SYS_rt_sigtimedwait] = "pppz",
};

static const char *const ct_sc_errnames[] = {
    [EPERM] = "EPERM", [ENOENT] = "ENOENT", [ESRCH] = "ESRCH", [EINTR] = "EINTR",
    [EIO] = "EIO", [ENXIO] = "ENXIO", [E2BIG] = "E2BIG", [ENOEXEC] = "ENOEXEC",
    [EBADF] = "EBADF", [ECHILD] = "ECHILD", [EAGAIN] = "EAGAIN", [ENOMEM] = "ENOMEM",
    [EACCES] = "EACCES", [EFAULT] = "EFAULT", [EBUSY] = "EBUSY", [EEXIST] = "EEXIST",
    [EXDEV] = "EXDEV", [ENODEV] = "ENODEV", [ENOTDIR] = "ENOTDIR", [EISDIR] = "EISDIR",
    [EINVAL] = "EINVAL", [ENFILE] = "ENFILE", [EMFILE] = "EMFILE", [ENOTTY] = "ENOTTY",
    [ETXTBSY] = "ETXTBSY", [EFBIG] = "EFBIG", [ENOSPC] = "ENOSPC", [ESPIPE] = "ESPIPE",
    [EROFS] = "EROFS", [EMLINK] = "EMLINK", [EPIPE] = "EPIPE", [EDOM] = "EDOM",
    [ERANGE] = "ERANGE", [EDEADLK] = "EDEADLK", [ENAMETOOLONG] = "ENAMETOOLONG",
    [ENOLCK] = "ENOLCK", [ENOSYS] = "ENOSYS", [ENOTEMPTY] = "ENOTEMPTY", [ELOOP] = "ELOOP",
    [ENODATA] = "ENODATA", [ETIME] = "ETIME", [EOVERFLOW] = "EOVERFLOW",
    [ENOTSOCK] = "ENOTSOCK", [EDESTADDRREQ] = "EDESTADDRREQ", [EMSGSIZE] = "EMSGSIZE",
    [EPROTOTYPE] = "EPROTOTYPE", [ENOPROTOOPT] = "ENOPROTOOPT",
    [EPROTONOSUPPORT] = "EPROTONOSUPPORT", [EOPNOTSUPP] = "EOPNOTSUPP",
    [EAFNOSUPPORT] = "EAFNOSUPPORT", [EADDRINUSE] = "EADDRINUSE",
    [EADDRNOTAVAIL] = "EADDRNOTAVAIL", [ENETUNREACH] = "ENETUNREACH",
    [ECONNABORTED] = "ECONNABORTED", [ECONNRESET] = "ECONNRESET", [ENOBUFS] = "ENOBUFS",
    [EISCONN] = "EISCONN", [ENOTCONN] = "ENOTCONN", [ETIMEDOUT] = "ETIMEDOUT",
    [ECONNREFUSED] = "ECONNREFUSED", [EHOSTUNREACH] = "EHOSTUNREACH", [EALREADY] = "EALREADY",
    [EINPROGRESS] = "EINPROGRESS", [ECANCELED] = "ECANCELED",
};

struct ct_sc_bit {
    unsigned long bit;
    const char *name;
};

static const struct ct_sc_bit ct_sc_oflags[] = {
    {O_CREAT, "O_CREAT"}, {O_EXCL, "O_EXCL"},
    {O_NOCTTY, "O_NOCTTY"}, {O_TRUNC, "O_TRUNC"}, {O_APPEND, "O_APPEND"},
    {O_NONBLOCK, "O_NONBLOCK"}, {O_DSYNC, "O_DSYNC"}, {O_DIRECT, "O_DIRECT"},
    {O_LARGEFILE, "O_LARGEFILE"}, {O_DIRECTORY, "O_DIRECTORY"}, {O_NOFOLLOW, "O_NOFOLLOW"},
    {O_NOATIME, "O_NOATIME"}, {O_CLOEXEC, "O_CLOEXEC"}, {O_PATH, "O_PATH"},
    {O_TMPFILE & ~O_DIRECTORY, "O_TMPFILE"}, {0, NULL},
};
static const struct ct_sc_bit ct_sc_prot[] = {
    {PROT_READ, "PROT_READ"}, {PROT_WRITE, "PROT_WRITE"}, {PROT_EXEC, "PROT_EXEC"}, {0, NULL},
};
static const struct ct_sc_bit ct_sc_mapf[] = {
    {MAP_SHARED, "MAP_SHARED"}, {MAP_PRIVATE, "MAP_PRIVATE"}, {MAP_FIXED, "MAP_FIXED"},
    {MAP_ANONYMOUS, "MAP_ANONYMOUS"}, {MAP_GROWSDOWN, "MAP_GROWSDOWN"},
    {MAP_DENYWRITE, "MAP_DENYWRITE"}, {MAP_NORESERVE, "MAP_NORESERVE"},
    {MAP_POPULATE, "MAP_POPULATE"}, {MAP_STACK, "MAP_STACK"},
    {MAP_FIXED_NOREPLACE, "MAP_FIXED_NOREPLACE"}, {0, NULL},
};
static const struct ct_sc_bit ct_sc_atf[] = {
    {AT_SYMLINK_NOFOLLOW, "AT_SYMLINK_NOFOLLOW"}, {AT_REMOVEDIR, "AT_REMOVEDIR"},
    {AT_SYMLINK_FOLLOW, "AT_SYMLINK_FOLLOW"}, {AT_NO_AUTOMOUNT, "AT_NO_AUTOMOUNT"},
    {AT_EMPTY_PATH, "AT_EMPTY_PATH"}, {0, NULL},
};

/* Appends text to the scratch; returns where it starts. */
CT_NOINST static const char *ct_sc_emit(struct ct_sc_call *c, size_t *at, const char *fmt,
                                        unsigned long a, const char *s)
{
    char *p = c->scratch + *at;
    size_t room = sizeof(c->scratch) - *at;
    int n = s ? snprintf(p, room, fmt, s) : snprintf(p, room, fmt, a);
    if (n < 0)
        n = 0;
    *at += (size_t)n < room ? (size_t)n + 1 : room;
    return p;
}

/* Flags as NAME|NAME|0x.. (first: what 0 in the low bits means). */
CT_NOINST static void ct_sc_flags(struct ct_sc_call *c, size_t *at, struct ct_sc_val *v,
                                  unsigned long x, const struct ct_sc_bit *bits, const char *zero)
{
    char buf[256];
    size_t n = 0;
    buf[0] = '\0';
    if (zero)
        n += (size_t)snprintf(buf, sizeof(buf), "%s", zero);
    for (const struct ct_sc_bit *b = bits; b->name; b++)
        if ((x & b->bit) == b->bit && b->bit) {
            n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s", n ? "|" : "", b->name);
            x &= ~b->bit;
            if (n >= sizeof(buf))
                n = sizeof(buf) - 1;
        }
    if (x || n == 0)
        n += (size_t)snprintf(buf + n, sizeof(buf) - n, n ? "|%#lx" : "%#lx", x);
    v->kind = CT_SC_V_SYM;
    v->text = ct_sc_emit(c, at, "%s", 0, buf);
    v->len = strlen(v->text);
}

CT_NOINST static const char *ct_sc_signame(int sig)
{
    static const char *const names[] = {
        [SIGHUP] = "SIGHUP", [SIGINT] = "SIGINT", [SIGQUIT] = "SIGQUIT", [SIGILL] = "SIGILL",
        [SIGTRAP] = "SIGTRAP", [SIGABRT] = "SIGABRT", [SIGBUS] = "SIGBUS", [SIGFPE] = "SIGFPE",
        [SIGKILL] = "SIGKILL", [SIGUSR1] = "SIGUSR1", [SIGSEGV] = "SIGSEGV", [SIGUSR2] = "SIGUSR2",
        [SIGPIPE] = "SIGPIPE", [SIGALRM] = "SIGALRM", [SIGTERM] = "SIGTERM", [SIGCHLD] = "SIGCHLD",
        [SIGCONT] = "SIGCONT", [SIGSTOP] = "SIGSTOP", [SIGTSTP] = "SIGTSTP", [SIGSYS] = "SIGSYS",
        [SIGWINCH] = "SIGWINCH", [SIGPROF] = "SIGPROF", [SIGVTALRM] = "SIGVTALRM", [SIGIO] = "SIGIO",
    };
    return sig > 0 && (size_t)sig < CT_ARRAY_LEN(names) ? names[sig] : NULL;
}

/* One argument of kind k. */
CT_NOINST static void ct_sc_arg(struct ct_sc_call *c, size_t *at, unsigned i, char k,
                                const char **str, size_t *slen, unsigned *si)
{
    const struct ct_sc_rec *r = c->rec;
    struct ct_sc_val *v = &c->args[i];
    uint64_t x = r->args[i];
    v->kind = CT_SC_V_INT;
    v->num = (int64_t)x;
    switch (k) {
    case 'f': case 'i': case 'g': case 'd':
        v->num = (int32_t)x;
        if (k == 'd' && v->num == AT_FDCWD)
            v->kind = CT_SC_V_SYM, v->text = "AT_FDCWD";
        else if (k == 'g' && ct_sc_signame((int)v->num))
            v->kind = CT_SC_V_SYM, v->text = ct_sc_signame((int)v->num);
        break;
    case 'z':
        break;
    case 's':
        if (*si < r->nstr && r->str_arg[*si] == i) {
            bool bad = r->flags & (*si ? CT_SC_STR1_BAD : CT_SC_STR0_BAD);
            v->cut = r->flags & (*si ? CT_SC_STR1_CUT : CT_SC_STR0_CUT);
            if (!bad && x) {
                v->kind = CT_SC_V_STR, v->text = *str, v->len = slen[*si];
                *str += slen[*si] + 1;
                (*si)++;
                break;
            }
            *str += slen[*si] + 1;
            (*si)++;
        }
        __attribute__((fallthrough));
    case 'p': case 'x':
        v->kind = CT_SC_V_SYM;
        v->text = x == 0 && k != 'x' ? "NULL" : ct_sc_emit(c, at, "%#lx", (unsigned long)x, NULL);
        break;
    case 'm':
        v->kind = CT_SC_V_SYM, v->text = ct_sc_emit(c, at, "%#lo", (unsigned long)x, NULL);
        break;
    case 'o': {
        unsigned long acc = x & O_ACCMODE;
        ct_sc_flags(c, at, v, (unsigned long)x & ~(unsigned long)O_ACCMODE, ct_sc_oflags,
                    acc == O_RDONLY ? "O_RDONLY" : acc == O_WRONLY ? "O_WRONLY" : acc == O_RDWR ? "O_RDWR" : "O_ACCMODE");
        return;
    }
    case 'P':
        ct_sc_flags(c, at, v, (unsigned long)x, ct_sc_prot, x ? NULL : "PROT_NONE");
        return;
    case 'M':
        ct_sc_flags(c, at, v, (unsigned long)x, ct_sc_mapf, NULL);
        return;
    case 'a':
        if (x)
            ct_sc_flags(c, at, v, (unsigned long)x, ct_sc_atf, NULL);
        return;
    case 'w':
        v->kind = CT_SC_V_SYM;
        v->text = x == SEEK_SET ? "SEEK_SET" : x == SEEK_CUR ? "SEEK_CUR" : x == SEEK_END ? "SEEK_END"
                  : ct_sc_emit(c, at, "%lu", (unsigned long)x, NULL);
        break;
    default:
        break;
    }
    if (v->kind != CT_SC_V_INT && v->kind != CT_SC_V_STR)
        v->len = strlen(v->text);
}

bool ct_sc_decode(const uint8_t *data, size_t len, struct ct_sc_call *c)
{
    if (len < sizeof(struct ct_sc_rec))
        return false;
    memset(c, 0, offsetof(struct ct_sc_call, scratch));
    c->rec = (const struct ct_sc_rec *)(const void *)data;
    const struct ct_sc_rec *r = c->rec;
    c->name = ct_sc_name(r->nr, c->namebuf, sizeof(c->namebuf));
    const char *str = (const char *)(data + sizeof(*r));
    size_t slen[2] = {0, 0};
    size_t room = len - sizeof(*r), need = 0;
    for (unsigned i = 0; i < r->nstr && i < 2; i++) {
        slen[i] = r->len[i];
        need += slen[i] + 1;
    }
    if (need > room)
        return false; /* not what the runtime writes */
    const char *sig = r->nr < CT_SC_NR_MAX ? ct_sc_sig[r->nr] : NULL;
    size_t at = 0;
    unsigned si = 0;
    c->nargs = sig ? (unsigned)strlen(sig) : 6;
    for (unsigned i = 0; i < c->nargs; i++)
        ct_sc_arg(c, &at, i, sig ? sig[i] : 'x', &str, slen, &si);
    c->noret = r->flags & CT_SC_NORET;
    c->failed = !c->noret && r->ret < 0 && r->ret >= -4095;
    c->ret.kind = CT_SC_V_INT;
    c->ret.num = r->ret;
    if (c->failed) {
        c->err = (int)-r->ret;
        c->ret.num = -1;
        c->errname = (size_t)c->err < CT_ARRAY_LEN(ct_sc_errnames) && ct_sc_errnames[c->err]
                         ? ct_sc_errnames[c->err] : c->errbuf;
        snprintf(c->errbuf, sizeof(c->errbuf), "E%d", c->err);
    } else if (r->nr == SYS_mmap || r->nr == SYS_brk || r->nr == SYS_mremap || r->nr == SYS_shmat) {
        c->ret.kind = CT_SC_V_SYM;
        c->ret.text = ct_sc_emit(c, &at, "%#lx", (unsigned long)r->ret, NULL);
        c->ret.len = strlen(c->ret.text);
    }
    return true;
}

size_t ct_sc_val_text(const struct ct_sc_val *v, char *out, size_t cap)
{
    if (cap == 0)
        return 0;
    if (v->kind == CT_SC_V_INT)
        return (size_t)snprintf(out, cap, "%lld", (long long)v->num) < cap ? strlen(out) : cap - 1;
    if (v->kind == CT_SC_V_SYM)
        return (size_t)snprintf(out, cap, "%s", v->text) < cap ? strlen(out) : cap - 1;
    size_t n = 0;
    out[n++] = '"';
    for (size_t i = 0; i < v->len && n + 5 < cap; i++) {
        unsigned char ch = (unsigned char)v->text[i];
        if (ch == '"' || ch == '\\')
            out[n++] = '\\', out[n++] = (char)ch;
        else if (ch < 32 || ch >= 127)
            n += (size_t)snprintf(out + n, cap - n, "\\x%02x", ch);
        else
            out[n++] = (char)ch;
    }
    if (n + 4 < cap && v->cut)
        out[n++] = '"', out[n++] = '.', out[n++] = '.', out[n++] = '.';
    else if (n + 1 < cap)
        out[n++] = '"';
    out[n < cap ? n : cap - 1] = '\0';
    return strlen(out);
}

size_t ct_sc_line(const struct ct_sc_call *c, char *out, size_t cap)
{
    size_t n = (size_t)snprintf(out, cap, "%s(", c->name);
    for (unsigned i = 0; i < c->nargs && n + 8 < cap; i++) {
        if (i)
            out[n++] = ',', out[n++] = ' ';
        n += ct_sc_val_text(&c->args[i], out + n, cap - n);
    }
    if (n + 1 >= cap)
        return cap - 1;
    if (c->noret)
        n += (size_t)snprintf(out + n, cap - n, ") = ?");
    else if (c->failed)
        n += (size_t)snprintf(out + n, cap - n, ") = -1 %s", c->errname);
    else {
        n += (size_t)snprintf(out + n, cap - n, ") = ");
        if (n < cap)
            n += ct_sc_val_text(&c->ret, out + n, cap - n);
    }
    return n < cap ? n : cap - 1;
}
