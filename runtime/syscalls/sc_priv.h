/* sc_priv.h — what the files of syscalls/ share. Internal. */
#ifndef CT_SC_PRIV_H
#define CT_SC_PRIV_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <ucontext.h>

#include "base/ct.h"
#include "record/thread.h"
#include "syscalls/sc_rec.h"

/* arch/x86_64/sud.S */
extern char ct_sud_lo[], ct_sud_hi[];
CT_INTERNAL long ct_sud_syscall6(long nr, long a1, long a2, long a3, long a4, long a5, long a6);
CT_INTERNAL void ct_sud_restorer(void);
CT_INTERNAL long ct_sud_clone_same(const uint64_t regs[13]);
CT_INTERNAL long ct_sud_clone_new(const uint64_t regs[13]);
CT_INTERNAL void ct_sud_resume_stub(void);

/* The kernel's struct sigaction (rt_sigaction with a sigsetsize of 8). */
struct ct_ksigaction {
    void *handler;
    unsigned long flags;
    void *restorer;
    uint64_t mask;
};
#define CT_SA_RESTORER 0x04000000ul

struct ct_sc_state {
    bool active;
    long pid;                  /* this process (a fork child updates it) */
    void (*on_exec)(void);     /* writes the trace before an exec */
    void (*on_exit)(void);     /* writes the final trace before exit_group */
    struct ct_ksigaction prog; /* the program's own SIGSYS disposition */
};
extern struct ct_sc_state ct_sc;

/* One call being recorded: the record and its strings. */
struct ct_sc_buf {
    struct ct_sc_rec rec;
    char strs[2 * (CT_SC_STR_MAX + 1)];
    size_t used;
    bool skip; /* recorded already (exit), or nothing to record (a fork child) */
};

/* sc_state.c */
CT_INTERNAL long ct_sc_thread_on(void);
CT_INTERNAL uint64_t ct_sc_ticks(void);
CT_INTERNAL void ct_sc_begin(struct ct_sc_buf *b, unsigned nr, const long *a);
CT_INTERNAL void ct_sc_put(struct ct_thread *t, struct ct_sc_buf *b, uint64_t end);
/* Which arguments of nr are strings (paths): their indexes in which[],
 * returns how many (0-2). */
CT_INTERNAL unsigned ct_sc_string_args(unsigned nr, uint8_t which[2]);

/* sc_special.c */
/* Performs system call nr for the interrupted context g (b: its record, or
 * NULL when not recorded). Returns the raw result. */
CT_INTERNAL long ct_sc_perform(greg_t *g, long nr, long *a, struct ct_sc_buf *b);
/* A SIGSYS that is not dispatch's: to the program's handler, or its default. */
CT_INTERNAL void ct_sc_forward(int sig, siginfo_t *si, void *uc);
/* Keeps the SIGSYS disposition the program had before ours. */
CT_INTERNAL void ct_sc_keep_program_sigsys(void);

#endif
