/* lifecycle.c — init, finalisation and fork of the runtime.
 *
 * The runtime moves UNINIT -> INITIALIZING -> READY -> FINALIZING -> FINALIZED
 * by compare-and-swap; init runs from our constructor or from the first hook
 * (instrumented constructors can run before ours), finalisation from our
 * destructor, which runs after the program's atexit handlers and its own
 * destructors. A forked child stops recording: it must not touch the
 * parent's files. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <pthread.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

#include "calltrace.h"
#include "filter/filter.h"
#include "base/clock.h"
#include "base/config.h"
#include "base/tmpfiles.h"
#include "capture/capture.h"
#include "record/hooks.h"
#include "core/output.h"
#include "record/meta.h"
#include "stream/spill.h"
#include "core/lifecycle.h"
#include "core/signals.h"
#include "record/thread.h"
#include "record/watchdog.h"
#include "record/writer.h"
#include "record/sud.h"
#include "syscalls/sc_dispatch.h"

enum ct_state { CT_UNINIT, CT_INITIALIZING, CT_READY, CT_FINALIZING, CT_FINALIZED };
static _Atomic int ct_state = CT_UNINIT;

static pid_t ct_pid; /* the traced process: a vfork child sharing our memory is not */

/* A forked child is a process of its own: it records into <output>.<pid>.json
 * from the fork on, and never touches the parent's files. Only the forking
 * thread exists in the child; the writer thread does not, so the child
 * writes its buffers itself. */
CT_NOINST static void ct_atfork_child(void)
{
    if (atomic_load(&ct_state) != CT_READY) {
        atomic_store(&ct_gate, CT_GATE(0, CT_HOOK_OFF));
        return;
    }
    ct_pid = ct_thread_pid = getpid();
    ct_writer_forget();
    ct_thread_forget_all();
    ct_output_atfork_child();
    ct_spill_forget();
    /* config keeps CALLTRACE_OUTPUT 32 bytes short of PATH_MAX: room for this */
    char stem[PATH_MAX - 32];
    size_t len = strlen(ct_cfg.output);
    if (len >= 5 && strcmp(ct_cfg.output + len - 5, ".json") == 0)
        len -= 5;
    if (len >= sizeof(stem))
        len = sizeof(stem) - 1;
    memcpy(stem, ct_cfg.output, len);
    stem[len] = '\0';
    snprintf(ct_cfg.output, sizeof(ct_cfg.output), "%s.%d.json", stem, (int)ct_pid);
    /* a new epoch: the frames open at the fork belong to the parent's trace */
    uint64_t g = atomic_load(&ct_gate);
    atomic_store(&ct_gate, CT_GATE(CT_GATE_EPOCH(g) + 1, CT_GATE_HOOK(g)));
}

/* Before an execve (CALLTRACE_SYSCALLS): the trace so far is written, as a
 * flush; if the exec fails, recording goes on. */
CT_NOINST static void ct_exec_flush(void)
{
    if (atomic_load(&ct_state) == CT_READY && getpid() == ct_pid)
        ct_output_write(false);
}

CT_NOINST static void ct_exit_final(void)
{
    ct_runtime_finalize();
}

CT_NOINST static void ct_on_quick_exit(void)
{
    ct_runtime_finalize();
}

/* Defined by tools built on the archive (calltrace-convert) that must not
 * trace themselves. */
extern const int ct_runtime_disabled __attribute__((weak));

/* Defined by CALLTRACE_ALLOW_SECURE_EXECUTION() (calltrace.h). */
extern const int calltrace_allow_secure_execution __attribute__((weak));

/* The runtime stays off: in tools, and in privileged programs that did not
 * opt in. */
CT_NOINST static bool ct_runtime_off(void)
{
    if (&ct_runtime_disabled != NULL)
        return true;
    return getauxval(AT_SECURE) && &calltrace_allow_secure_execution == NULL;
}

int ct_runtime_init(void)
{
    if (ct_runtime_off()) {
        atomic_store(&ct_gate, CT_GATE(0, CT_HOOK_OFF));
        atomic_store(&ct_state, CT_FINALIZED);
        return -1;
    }
    int expected = CT_UNINIT;
    if (!atomic_compare_exchange_strong(&ct_state, &expected, CT_INITIALIZING))
        return expected >= CT_READY ? 0 : -1;

    ct_config_load(&ct_cfg, NULL);
    ct_max_depth = ct_cfg.max_depth;
    ct_log_debug = ct_cfg.debug;
    ct_clock_init(ct_cfg.clock == CT_CLOCK_MONOTONIC);
    if (ct_cfg.capture_args)
        ct_capture_early();
    ct_thread_init();
    ct_spill_open(ct_cfg.output);
    ct_pid = ct_thread_pid = getpid();
    ct_thread_on_fork = ct_atfork_child;
    pthread_atfork(NULL, NULL, ct_atfork_child);
    at_quick_exit(ct_on_quick_exit);
    ct_signals_install(ct_runtime_finalize);
    ct_debug("calltrace %s: output %s, max depth %u, %zu KiB per thread, %s", CALLTRACE_VERSION_STRING,
             ct_cfg.output, ct_cfg.max_depth, ct_cfg.buffer_bytes / 1024,
             ct_cfg.start ? "recording" : "stopped until calltrace_start()");

    ct_hook_tsc = ct_clk.use_tsc;
    ct_hook_rec = ct_clk.use_tsc ? CT_HOOK_REC_TSC : CT_HOOK_REC_MONO;
    ct_filters_init(ct_cfg.filter, ct_cfg.filter_file); /* filters, user hooks: may switch ct_hook_rec and ct_hook_stopped */
    if (ct_cfg.capture_args && ct_capture_init() == 0) {
        if (ct_hook_rec != CT_HOOK_REC_TSC && ct_hook_rec != CT_HOOK_REC_MONO)
            ct_log("CALLTRACE_FILTER and CALLTRACE_HOOK() entries are not applied while "
                   "CALLTRACE_CAPTURE_ARGS=1 records values");
        ct_hook_rec = CT_HOOK_REC_ARGS;
    }
    atomic_store(&ct_gate, ct_cfg.start ? CT_GATE(1, ct_hook_rec) : CT_GATE(0, ct_hook_stopped));
    atomic_store(&ct_state, CT_READY);
    if (ct_cfg.syscalls && ct_sc_init(ct_cfg.syscalls, ct_exec_flush, ct_exit_final))
        ct_debug("CALLTRACE_SYSCALLS=%s: system calls are recorded", ct_cfg.syscalls);
    return 0;
}

/* Our constructor runs as early as possible; an instrumented constructor that
 * runs before it initialises the runtime from the hook instead. */
__attribute__((constructor(101))) CT_NOINST static void ct_ctor(void)
{
    if (ct_runtime_init() == 0) {
        ct_sud_hold();
        ct_writer_start(); /* from a constructor: a safe place to create a thread */
        ct_sud_release();
    }
}

/* One line at exit when anything recorded was lost, with what to change. */
CT_NOINST static void ct_announce_drops(void)
{
    struct ct_drop_totals d;
    ct_thread_drop_totals(&d);
    if (!d.depth && !d.reentrant && !d.buffer && !d.untraced && !d.after_exit && !d.at_fork)
        return;
    char line[400];
    size_t n = 0;
#define CT_DROP_PART(...) \
    if (n < sizeof(line))                                                          \
    n += (size_t)snprintf(line + n, sizeof(line) - n, __VA_ARGS__)
    if (d.depth)
        CT_DROP_PART("; %llu calls deeper than CALLTRACE_MAX_DEPTH=%u (raise it)",
                     (unsigned long long)d.depth, ct_cfg.max_depth);
    if (d.buffer)
        CT_DROP_PART("; %llu events of full buffers (CALLTRACE_BUFFER_POLICY=%s, "
                     "CALLTRACE_BUFFER_SIZE=%zuK)",
                     (unsigned long long)d.buffer,
                     ct_cfg.buffer_policy == CT_POLICY_DROP ? "drop: use block" : "block",
                     ct_cfg.buffer_bytes / 1024);
    if (d.reentrant)
        CT_DROP_PART("; %llu events that came while the runtime was busy on their thread (a "
                     "signal handler, or the program's own malloc called by calltrace; not "
                     "configurable)",
                     (unsigned long long)d.reentrant);
    if (d.after_exit)
        CT_DROP_PART("; %llu events of threads after their last key destructor (not "
                     "configurable)",
                     (unsigned long long)d.after_exit);
    if (d.at_fork)
        CT_DROP_PART("; %llu events around a fork made without fork() (_Fork, clone: not "
                     "configurable)",
                     (unsigned long long)d.at_fork);
    if (d.untraced)
        CT_DROP_PART("; %llu threads not traced (thread limit or no memory)",
                     (unsigned long long)d.untraced);
#undef CT_DROP_PART
    ct_log("the trace is incomplete%s", line);
}

/* Writes the final trace once: from our destructor, a signal, _exit() or
 * quick_exit(). Returns 0 if this call wrote it. */
int ct_runtime_finalize(void)
{
    ct_sud_hold(); /* the runtime's own getpid (a vfork child shares this byte: put back) */
    pid_t pid = getpid();
    ct_sud_release();
    if (pid != ct_pid) /* a vfork child: the memory is the parent's */
        return -1;
    int expected = CT_READY;
    if (!atomic_compare_exchange_strong(&ct_state, &expected, CT_FINALIZING))
        return -1;
    ct_sud_quit(); /* this thread's system calls are the runtime's from here on */
    uint64_t g = atomic_load(&ct_gate);
    atomic_store(&ct_gate, CT_GATE(CT_GATE_EPOCH(g), CT_HOOK_OFF));
    ct_final_ticks = ct_clock_ticks();
    ct_writer_drain(); /* everything handed off is now in the spill file */
    if (ct_ending.signal || ct_watchdog_armed())
        ct_meta_dump_buffers(); /* the raw stream first: formatting may not survive */
    ct_meta_write(true);
    int rc = ct_output_write(true);
    ct_tmpfile_remove_all(); /* of flushes a signal interrupted for good */
    ct_watchdog_disarm(); /* the writer stops now: nothing left to watch */
    ct_writer_stop();
    ct_announce_drops();
    ct_output_release();
    ct_spill_close(rc == 0);
    atomic_store(&ct_state, CT_FINALIZED);
    return 0;
}

/* Runs last among the executable's destructors: after main returned, after
 * the atexit handlers and the program's own destructors. */
__attribute__((destructor(101))) CT_NOINST static void ct_dtor(void)
{
    ct_runtime_finalize();
}

bool ct_runtime_ready(void)
{
    return atomic_load(&ct_state) == CT_READY;
}
