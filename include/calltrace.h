/*
 * calltrace.h — the whole public API of libcalltrace.
 *
 * calltrace records the call tree of a program built with GCC's (or clang's)
 * -finstrument-functions. Linking libcalltrace.a is all it takes: the library
 * defines __cyg_profile_func_enter/exit, starts itself before main(), and
 * writes the trace at exit. Nothing in this header has to be called.
 *
 * Usage walkthrough
 *
 *   CMake:     find_package(CallTrace REQUIRED)
 *              calltrace_instrument(myapp)
 *   Makefile:  cc $(pkg-config --cflags calltrace) app.c $(pkg-config --libs calltrace)
 *
 *   Run the program; it writes <executable>.json next to itself (or
 *   $CALLTRACE_OUTPUT). To trace one part only, start the program with
 *   CALLTRACE_START=0 and bracket the part:
 *
 *       #include <calltrace.h>
 *       calltrace_start();
 *       parse_config(path);           // recorded, with everything it calls
 *       calltrace_mark("config parsed");
 *       calltrace_stop();
 *       serve();                      // not recorded
 *
 *   calltrace_flush() writes everything recorded so far without stopping;
 *   a later flush or the exit writes the complete trace again.
 *
 * Conventions
 *   - Every function returns 0 on success or a negative CALLTRACE_E* code;
 *     calltrace_strerror() turns a code into text. No function exits or
 *     aborts the program, and none keeps a global "last error".
 *   - Strings passed in are copied; the caller keeps ownership.
 *   - Every function is safe to call from any thread, before main() and from
 *     within atexit handlers. Signal safety is stated per function.
 */
#ifndef CALLTRACE_H
#define CALLTRACE_H

#ifdef __cplusplus
extern "C" {
#endif

#define CALLTRACE_VERSION_MAJOR 0
#define CALLTRACE_VERSION_MINOR 1
#define CALLTRACE_VERSION_PATCH 0
#define CALLTRACE_VERSION_STRING "0.1.0"
/* Comparable version number: 0xMMmmpp. */
#define CALLTRACE_VERSION \
    ((CALLTRACE_VERSION_MAJOR << 16) | (CALLTRACE_VERSION_MINOR << 8) | CALLTRACE_VERSION_PATCH)

#if defined(__GNUC__)
#define CALLTRACE_API __attribute__((visibility("default"), no_instrument_function))
#else
#define CALLTRACE_API
#endif

/* Error codes: the one list. X(name, value, text). */
#define CALLTRACE_ERRNO_MAP(X)                                                    \
    X(EINVAL, -1, "invalid argument")                                             \
    X(ESTOPPED, -2, "tracing is stopped")                                         \
    X(ESHUTDOWN, -3, "calltrace has already written its final trace")             \
    X(EIO, -4, "the trace could not be written")                                  \
    X(ENOMEM, -5, "out of memory")                                                \
    X(EBUSY, -6, "another flush is in progress")                                  \
    X(ENOTHREAD, -7, "too many threads: this thread is not traced")

enum calltrace_error {
#define CALLTRACE_ERR_ENUM_(name, value, text) CALLTRACE_##name = (value),
    CALLTRACE_ERRNO_MAP(CALLTRACE_ERR_ENUM_)
#undef CALLTRACE_ERR_ENUM_
};

/*
 * Start recording, process-wide. Calls made afterwards on every thread are
 * recorded until calltrace_stop(). Starting while recording does nothing.
 * Cost: one compare-and-swap. Async-signal-safe.
 * Returns 0, or CALLTRACE_ESHUTDOWN after the final trace was written.
 */
CALLTRACE_API int calltrace_start(void);

/*
 * Stop recording, process-wide. Functions that are open when recording stops
 * appear in the trace with "unfinished": true and end at the last event their
 * thread recorded. Stopping while stopped does nothing. Async-signal-safe.
 * Returns 0, or CALLTRACE_ESHUTDOWN after the final trace was written.
 */
CALLTRACE_API int calltrace_stop(void);

/* 1 while recording, 0 otherwise. Async-signal-safe. */
CALLTRACE_API int calltrace_is_recording(void);

/*
 * Record an instant event labelled `label` on the calling thread, at the
 * current position in its call tree. The label is copied (at most 255 bytes
 * are kept). Not async-signal-safe.
 * Returns 0; CALLTRACE_EINVAL for NULL; CALLTRACE_ESTOPPED when not recording
 * (the mark is not kept); CALLTRACE_ENOTHREAD when the thread is not traced.
 */
CALLTRACE_API int calltrace_mark(const char *label);

/*
 * Write everything recorded so far, on all threads, to the output files now.
 * Recording goes on. The file is replaced atomically (written beside it, then
 * renamed). Functions still running appear with "unfinished": true. Not
 * async-signal-safe; blocks only the calling thread.
 * Returns 0; CALLTRACE_EIO if the trace could not be written (a one-line
 * message on stderr says why); CALLTRACE_ESHUTDOWN after the final trace.
 */
CALLTRACE_API int calltrace_flush(void);

/*
 * Name the calling thread in the trace (the name given by pthread_setname_np
 * is used otherwise). At most 63 bytes are kept. Not async-signal-safe.
 * Returns 0, CALLTRACE_EINVAL for NULL, CALLTRACE_ENOTHREAD when the thread is
 * not traced.
 */
CALLTRACE_API int calltrace_set_thread_name(const char *name);

/* A static string describing `error`; never NULL. Async-signal-safe. */
CALLTRACE_API const char *calltrace_strerror(int error);

/* The runtime's version, e.g. "0.1.0" (may differ from the header's). */
CALLTRACE_API const char *calltrace_version(void);

/*
 * User hooks, fixed at compile time. In any translation unit of the program:
 *
 *     static void begin(const struct calltrace_hook_event *ev) { calltrace_start(); }
 *     static void end(const struct calltrace_hook_event *ev) { calltrace_stop(); }
 *     CALLTRACE_HOOK(handle_request, begin, end);
 *
 * places an entry in the "calltrace_hooks" section of the executable; the
 * runtime collects them all when it starts (no registration call). on_enter
 * runs when the function is entered, before the call is recorded; on_exit
 * when it returns, after its exit is recorded. Either may be NULL, and a
 * function may have several hooks. They run on the calling thread from start
 * until the final trace is written, whether or not recording is on, so they
 * may call calltrace_start/stop/mark (with the hook above, handle_request is
 * a root of the trace with everything it calls). Calls made from inside a
 * hook are neither hooked nor recorded. errno is preserved around hooks.
 * The function must be in the executable or a library loaded with it, and
 * instrumented; hooks placed in a shared library are not collected.
 */
struct calltrace_hook_event {
    void *function;                  /* the hooked function's address */
    int thread_id;                   /* the calling thread's kernel id (gettid) */
    unsigned depth;                  /* recorded calls enclosing this one: its depth in
                                        the trace, 0 for a root; 0 while not recording */
    unsigned long long timestamp_ns; /* ns since the trace's start (the clock of start_ns) */
};

struct calltrace_hook {
    void (*function)(void); /* any function, cast: (void (*)(void))fn */
    void (*on_enter)(const struct calltrace_hook_event *event);
    void (*on_exit)(const struct calltrace_hook_event *event);
};

#define CALLTRACE_HOOK_CAT2_(a, b) a##b
#define CALLTRACE_HOOK_CAT_(a, b) CALLTRACE_HOOK_CAT2_(a, b)
#define CALLTRACE_HOOK(function, on_enter, on_exit)                                      \
    static const struct calltrace_hook CALLTRACE_HOOK_CAT_(calltrace_hook_, __COUNTER__) \
        __attribute__((used, section("calltrace_hooks"), aligned(8))) = {                \
            (void (*)(void))(function), (on_enter), (on_exit)}

/* A setuid, setgid or otherwise privileged program (AT_SECURE) records
 * nothing and writes no file: its environment is not trusted, and a trace
 * beside it would be a file owned by the privileged user. A program that
 * wants its trace all the same says so once, at file scope, in one of its
 * sources:
 *
 *     CALLTRACE_ALLOW_SECURE_EXECUTION();
 *
 * It is then traced with the default settings (CALLTRACE_* are still
 * ignored) into <executable>.json. */
#define CALLTRACE_ALLOW_SECURE_EXECUTION() \
    const int calltrace_allow_secure_execution __attribute__((used, visibility("default"))) = 1

#ifdef __cplusplus
}
#endif

#endif /* CALLTRACE_H */
